/* One LSTM layer, PyTorch's nn.LSTM convention so weights move freely
 * between the two: gates stacked in the order input, forget, cell, output;
 *   gates = W_ih x + b_ih + W_hh h_prev + b_hh          (4H)
 *   i = sig(.), f = sig(.), g = tanh(.), o = sig(.)
 *   c = f * c_prev + i * g,   h = o * tanh(c)
 * Sequences are batched time-major: element (t, b) of a [T, B, N] array is
 * at (t * B + b) * N. The layer does not own memory: weights and gradients
 * are views into the model's flat parameter block, activations live in the
 * caller's workspace, so the hot paths never allocate. Its batched passes
 * are in train/cad_lstm_train.c. */
#ifndef CAD_LSTM_H
#define CAD_LSTM_H

#include <stdint.h>

#include "cad_layer.h"

typedef struct {
    int n_in, n_hid;
    float *w_ih, *w_hh, *b_ih, *b_hh;         /* [4H,In] [4H,H] [4H] [4H] */
    float *gw_ih, *gw_hh, *gb_ih, *gb_hh;     /* their gradients */
} cad_lstm_layer;

/* One step for one sequence (generation): updates h and c in place.
 * gates is scratch of 4H floats. No allocation. */
void cad_lstm_step(const cad_lstm_layer *L, const float *x, float *h,
                   float *c, float *gates);
/* The same reading bfloat16 copies of W_ih and W_hh (cad_model_to_bf16). */
void cad_lstm_step_bf16(const cad_lstm_layer *L, const uint16_t *w_ih,
                        const uint16_t *w_hh, const float *x, float *h,
                        float *c, float *gates);

/* The named arrays of a layer-kind LSTM's parameter block (and of its
 * gradients, when it has them). */
static inline cad_lstm_layer cad_lstm_view_of(const cad_layer *L)
{
    const long H = L->n_hid, G = 4 * H, In = L->n_in;
    cad_lstm_layer v = {L->n_in, L->n_hid, NULL, NULL, NULL, NULL,
                        NULL, NULL, NULL, NULL};
    v.w_ih = L->w, v.w_hh = v.w_ih + G * In;
    v.b_ih = v.w_hh + G * H, v.b_hh = v.b_ih + G;
    if (L->g) {
        v.gw_ih = L->g, v.gw_hh = v.gw_ih + G * In;
        v.gb_ih = v.gw_hh + G * H, v.gb_hh = v.gb_ih + G;
    }
    return v;
}

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
