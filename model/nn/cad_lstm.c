/* The LSTM layer's generation half (cad_lstm.h): one step at batch 1 on
 * our own kernels, and the LSTM as a layer kind (cad_layer.h). Its batched
 * passes are in train/cad_lstm_train.c. */
#include "cad_lstm.h"

#include <stdio.h>
#include <string.h>

#include "cad_kernels.h"

void cad_lstm_step(const cad_lstm_layer *L, const float *x, float *h,
                   float *c, float *gates)
{
    const int H = L->n_hid, G = 4 * H;
    for (int j = 0; j < G; j++)
        gates[j] = L->b_ih[j] + L->b_hh[j];
    /* Batch 1 is a matrix-vector product bound by how fast the weights
     * stream in: our own kernels, on this thread (see cad_kernels.h). */
    cad_kern_gemv2(G, gates, L->w_ih, L->n_in, x, L->w_hh, H, h, gates);
    cad_kern_lstm_cell(H, gates, c, h);
}

void cad_lstm_step_bf16(const cad_lstm_layer *L, const uint16_t *w_ih,
                        const uint16_t *w_hh, const float *x, float *h,
                        float *c, float *gates)
{
    const int H = L->n_hid, G = 4 * H;
    for (int j = 0; j < G; j++)
        gates[j] = L->b_ih[j] + L->b_hh[j];
    cad_kern_gemv2_bf16(G, gates, w_ih, L->n_in, x, w_hh, H, h, gates);
    cad_kern_lstm_cell(H, gates, c, h);
}

/* ---- the LSTM as a layer kind ------------------------------------------
 * Parameters in PyTorch's order and names; the state of one sequence is
 * [h, c] (2H floats), of a batch [B, 2H]. */

static int lstm_params(const cad_layer *L, cad_param_spec p[CAD_LAYER_MAX_PARAMS])
{
    return cad_layer_recurrent_params(L, 4, p);
}

static long lstm_state_size(const cad_layer *L) { return 2L * L->n_hid; }

static long lstm_step_scratch_size(const cad_layer *L)
{
    return 4L * L->n_hid;
}

static void lstm_step(const cad_layer *L, const float *x, float *state,
                      float *y, float *scratch)
{
    const long H = L->n_hid, G = 4 * H;
    cad_lstm_layer v = cad_lstm_view_of(L);
    if (L->w16)
        cad_lstm_step_bf16(&v, L->w16, L->w16 + G * L->n_in, x, state,
                           state + H, scratch);
    else
        cad_lstm_step(&v, x, state, state + H, scratch);
    memcpy(y, state, sizeof(float) * (size_t)H);
}

const cad_layer_kind cad_layer_lstm = {
    .name = "lstm",
    .params = lstm_params,
    .state_size = lstm_state_size,
    .step_scratch_size = lstm_step_scratch_size,
    .step = lstm_step,
};
