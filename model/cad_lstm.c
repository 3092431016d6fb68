/* One LSTM step at batch 1, on our own kernels (no BLAS: see cad_lstm_batch.c
 * for the batched training path). */
#include "cad_lstm.h"

#include "cad_gen_fast.h"

void cad_lstm_step(const cad_lstm_layer *L, const float *x, float *h,
                   float *c, float *gates)
{
    const int H = L->n_hid, G = 4 * H;
    for (int j = 0; j < G; j++)
        gates[j] = L->b_ih[j] + L->b_hh[j];
    /* Batch 1 is a matrix-vector product bound by how fast the weights
     * stream in: our own kernels, on this thread (see cad_gen_fast.h). */
    cad_fast_gemv2(G, gates, L->w_ih, L->n_in, x, L->w_hh, H, h, gates);
    cad_fast_lstm_cell(H, gates, c, h);
}

void cad_lstm_step_bf16(const cad_lstm_layer *L, const uint16_t *w_ih,
                        const uint16_t *w_hh, const float *x, float *h,
                        float *c, float *gates)
{
    const int H = L->n_hid, G = 4 * H;
    for (int j = 0; j < G; j++)
        gates[j] = L->b_ih[j] + L->b_hh[j];
    cad_fast_gemv2_bf16(G, gates, w_ih, L->n_in, x, w_hh, H, h, gates);
    cad_fast_lstm_cell(H, gates, c, h);
}
