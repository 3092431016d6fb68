/* The GRU layer kind (see cad_layer.h), PyTorch's nn.GRU:
 *   r = sig(W_ir x + b_ir + W_hr h + b_hr)          reset gate
 *   z = sig(W_iz x + b_iz + W_hz h + b_hz)          update gate
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   candidate
 *   h' = (1 - z) * n + z * h
 * Gates stacked r, z, n in weight_ih [3H, In] and weight_hh [3H, H]. One
 * state vector (h) instead of the LSTM's two, and three gates instead of
 * four: a quarter fewer weights for the same width. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cad_gru.h"
#include "cad_kernels.h"
#include "cad_lstm.h" /* cad_sigmoid */

static int gru_params(const cad_layer *L, cad_param_spec p[CAD_LAYER_MAX_PARAMS])
{
    return cad_layer_recurrent_params(L, 3, p);
}

static long gru_state_size(const cad_layer *L) { return L->n_hid; }

static long gru_step_scratch_size(const cad_layer *L) { return 6L * L->n_hid; }

static void gru_step(const cad_layer *L, const float *x, float *h, float *y,
                     float *scratch)
{
    const int H = L->n_hid, G = 3 * H;
    cad_gru_view w = cad_gru_view_of(L, L->w);
    float *gi = scratch, *gh = gi + G;
    /* the two halves apart: the reset gate multiplies only W_hn h + b_hn */
    if (L->w16) {
        const uint16_t *w_ih = L->w16, *w_hh = w_ih + (long)G * L->n_in;
        cad_kern_gemv2_bf16(G, w.b_ih, w_ih, L->n_in, x, NULL, 0, NULL, gi);
        cad_kern_gemv2_bf16(G, w.b_hh, w_hh, H, h, NULL, 0, NULL, gh);
    } else {
        cad_kern_gemv2(G, w.b_ih, w.w_ih, L->n_in, x, NULL, 0, NULL, gi);
        cad_kern_gemv2(G, w.b_hh, w.w_hh, H, h, NULL, 0, NULL, gh);
    }
    for (int j = 0; j < H; j++) {
        float r = cad_sigmoid(gi[j] + gh[j]);
        float z = cad_sigmoid(gi[H + j] + gh[H + j]);
        float nn = tanhf(gi[2 * H + j] + r * gh[2 * H + j]);
        h[j] = (1.0f - z) * nn + z * h[j];
        y[j] = h[j];
    }
}

const cad_layer_kind cad_layer_gru = {
    .name = "gru",
    .params = gru_params,
    .state_size = gru_state_size,
    .step_scratch_size = gru_step_scratch_size,
    .step = gru_step,
};
