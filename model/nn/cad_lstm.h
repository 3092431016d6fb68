/* One LSTM layer, PyTorch's nn.LSTM convention so weights move freely
 * between the two: gates stacked in the order input, forget, cell, output;
 *   gates = W_ih x + b_ih + W_hh h_prev + b_hh          (4H)
 *   i = sig(.), f = sig(.), g = tanh(.), o = sig(.)
 *   c = f * c_prev + i * g,   h = o * tanh(c)
 * Sequences are batched time-major: element (t, b) of a [T, B, N] array is
 * at (t * B + b) * N. The layer does not own memory: weights and gradients
 * are views into the model's flat parameter block, activations live in the
 * caller's workspace, so the hot paths never allocate. */
#ifndef CAD_LSTM_H
#define CAD_LSTM_H

#include <stdint.h>

typedef struct {
    int n_in, n_hid;
    float *w_ih, *w_hh, *b_ih, *b_hh;         /* [4H,In] [4H,H] [4H] [4H] */
    float *gw_ih, *gw_hh, *gb_ih, *gb_hh;     /* their gradients */
} cad_lstm_layer;

/* What a forward pass over [T, B] keeps for the backward pass.
 * h and c hold T + 1 steps: index 0 is the initial (zero) state, so the
 * state before step t is at t and after it at t + 1, and the backward pass
 * can multiply all of h[0..T-1] in one GEMM. */
typedef struct {
    float *gates; /* [T, B, 4H] after the nonlinearities */
    float *c;     /* [T + 1, B, H] */
    float *h;     /* [T + 1, B, H] */
    float *tc;    /* [T, B, H] tanh(c) */
} cad_lstm_acts;

/* Floats needed by cad_lstm_acts for a layer of n_hid over [T, B]. */
long cad_lstm_acts_size(int n_hid, int T, int B);
void cad_lstm_acts_bind(cad_lstm_acts *a, float *mem, int n_hid, int T,
                        int B);

/* x: [T, B, In]. Starts from the state h0, c0 ([B, H] each), or from
 * zero when they are NULL. The state after the last step is left in
 * a->h and a->c at row T. */
void cad_lstm_forward(const cad_lstm_layer *L, int T, int B, const float *x,
                      cad_lstm_acts *a, const float *h0, const float *c0);

/* dh: gradient of the loss w.r.t. h[1..T] ([T, B, H]); it is used as
 * scratch and destroyed. Accumulates into the layer's gradients and, if dx
 * is not NULL, writes the gradient w.r.t. x ([T, B, In]). dgates is scratch
 * of [T, B, 4H]. */
void cad_lstm_backward(const cad_lstm_layer *L, int T, int B, const float *x,
                       const cad_lstm_acts *a, float *dh, float *dgates,
                       float *dx);

/* One step for one sequence (generation): updates h and c in place.
 * gates is scratch of 4H floats. No allocation. */
void cad_lstm_step(const cad_lstm_layer *L, const float *x, float *h,
                   float *c, float *gates);
/* The same reading bfloat16 copies of W_ih and W_hh (cad_model_to_bf16). */
void cad_lstm_step_bf16(const cad_lstm_layer *L, const uint16_t *w_ih,
                        const uint16_t *w_hh, const float *x, float *h,
                        float *c, float *gates);

static inline float cad_sigmoid(float x)
{
    /* Written so that exp never overflows for large |x|. */
    if (x >= 0) {
        float z = __builtin_expf(-x);
        return 1.0f / (1.0f + z);
    }
    float z = __builtin_expf(x);
    return z / (1.0f + z);
}

#endif
