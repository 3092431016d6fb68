/* The plain recurrent layer kind (see cad_layer.h), PyTorch's nn.RNN with
 * its default tanh:
 *   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 * The cell of the character RNN Cadenza grew from (one layer of 100 over
 * characters). It forgets fast, which is why the LSTM and GRU exist, and
 * why it is here: to reproduce that system, and to measure against it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_rnn.h"

static int rnn_params(const cad_layer *L, cad_param_spec p[CAD_LAYER_MAX_PARAMS])
{
    return cad_layer_recurrent_params(L, 1, p);
}

static long rnn_state_size(const cad_layer *L) { return L->n_hid; }

static long rnn_step_scratch_size(const cad_layer *L) { return L->n_hid; }

static void rnn_step(const cad_layer *L, const float *x, float *h, float *y,
                     float *scratch)
{
    const int H = L->n_hid;
    cad_rnn_view w = cad_rnn_view_of(L, L->w);
    float *pre = scratch;
    for (int j = 0; j < H; j++)
        pre[j] = w.b_ih[j] + w.b_hh[j];
    if (L->w16)
        cad_kern_gemv2_bf16(H, pre, L->w16, L->n_in, x,
                            L->w16 + (long)H * L->n_in, H, h, pre);
    else
        cad_kern_gemv2(H, pre, w.w_ih, L->n_in, x, w.w_hh, H, h, pre);
    for (int j = 0; j < H; j++)
        y[j] = h[j] = tanhf(pre[j]);
}

const cad_layer_kind cad_layer_rnn = {
    .name = "rnn",
    .params = rnn_params,
    .state_size = rnn_state_size,
    .step_scratch_size = rnn_step_scratch_size,
    .step = rnn_step,
};
