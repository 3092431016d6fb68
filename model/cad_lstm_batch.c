/* LSTM layers over a whole batch of sequences, for training and evaluation:
 * the matrix products go to BLAS. The one-step path generation uses is in
 * cad_lstm.c and needs no BLAS, so the plugin does not link it. */
#include "cad_lstm.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cad_gen_fast.h"

long cad_lstm_acts_size(int n_hid, int T, int B)
{
    long tb = (long)T * B, h = n_hid;
    return tb * 4 * h + 2 * (tb + B) * h + tb * h;
}

void cad_lstm_acts_bind(cad_lstm_acts *a, float *mem, int n_hid, int T,
                        int B)
{
    long tb = (long)T * B, h = n_hid;
    a->gates = mem;
    a->c = a->gates + tb * 4 * h;
    a->h = a->c + (tb + B) * h;
    a->tc = a->h + (tb + B) * h;
}

/* Nonlinearities and state update for B rows of pre-activations. */
static void lstm_cell(int B, int H, float *gates, const float *c_prev,
                      float *c, float *h, float *tc)
{
    for (int b = 0; b < B; b++) {
        float *gi = gates + (long)b * 4 * H, *gf = gi + H, *gg = gf + H,
              *go = gg + H;
        const float *cp = c_prev + (long)b * H;
        float *cb = c + (long)b * H, *hb = h + (long)b * H,
              *tb = tc + (long)b * H;
        for (int j = 0; j < H; j++) {
            float i = cad_sigmoid(gi[j]), f = cad_sigmoid(gf[j]);
            float g = tanhf(gg[j]), o = cad_sigmoid(go[j]);
            gi[j] = i, gf[j] = f, gg[j] = g, go[j] = o;
            cb[j] = f * cp[j] + i * g;
            tb[j] = tanhf(cb[j]);
            hb[j] = o * tb[j];
        }
    }
}

void cad_lstm_forward(const cad_lstm_layer *L, int T, int B, const float *x,
                      cad_lstm_acts *a)
{
    const int H = L->n_hid, G = 4 * H, N = T * B;
    /* The input projection of every step at once: one large GEMM is far
     * faster than T small ones. Biases first, then accumulate. */
    for (int n = 0; n < N; n++) {
        float *row = a->gates + (long)n * G;
        for (int j = 0; j < G; j++)
            row[j] = L->b_ih[j] + L->b_hh[j];
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, G, L->n_in, 1.0f,
                x, L->n_in, L->w_ih, L->n_in, 1.0f, a->gates, G);
    memset(a->h, 0, sizeof(float) * B * H);
    memset(a->c, 0, sizeof(float) * B * H);
    for (int t = 0; t < T; t++) {
        float *gt = a->gates + (long)t * B * G;
        const float *hp = a->h + (long)t * B * H;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, G, H, 1.0f,
                    hp, H, L->w_hh, H, 1.0f, gt, G);
        lstm_cell(B, H, gt, a->c + (long)t * B * H,
                  a->c + (long)(t + 1) * B * H, a->h + (long)(t + 1) * B * H,
                  a->tc + (long)t * B * H);
    }
}

void cad_lstm_backward(const cad_lstm_layer *L, int T, int B, const float *x,
                       const cad_lstm_acts *a, float *dh, float *dgates,
                       float *dx)
{
    const int H = L->n_hid, G = 4 * H, N = T * B;
    /* The cell-state gradient dc must travel from step t back to step t-1.
     * Rather than needing another buffer, it is parked in the o-gate slots
     * of dgates[t-1], which are read (as dc) before they are overwritten
     * (as the o-gate gradient) in the next iteration. */
    for (int t = T - 1; t >= 0; t--) {
        const float *gt = a->gates + (long)t * B * G;
        const float *cp = a->c + (long)t * B * H;
        const float *tct = a->tc + (long)t * B * H;
        float *dgt = dgates + (long)t * B * G;
        float *dht = dh + (long)t * B * H;
        /* At t = T-1 there is no later step: dc starts at zero. */
        for (int b = 0; b < B; b++) {
            const float *i = gt + (long)b * G, *f = i + H, *g = f + H,
                        *o = g + H;
            float *di = dgt + (long)b * G, *df = di + H, *dg = df + H,
                  *dgo = dg + H;
            const float *dhb = dht + (long)b * H;
            const float *cpb = cp + (long)b * H, *tcb = tct + (long)b * H;
            for (int j = 0; j < H; j++) {
                float dcn = (t == T - 1) ? 0.0f : dgo[j];
                float dcell = dhb[j] * o[j] * (1.0f - tcb[j] * tcb[j]) + dcn;
                float dout = dhb[j] * tcb[j];
                di[j] = dcell * g[j] * i[j] * (1.0f - i[j]);
                df[j] = dcell * cpb[j] * f[j] * (1.0f - f[j]);
                dg[j] = dcell * i[j] * (1.0f - g[j] * g[j]);
                dgo[j] = dout * o[j] * (1.0f - o[j]);
                if (t > 0)
                    dgates[(long)(t - 1) * B * G + (long)b * G + 3 * H + j] =
                        dcell * f[j];
            }
        }
        if (t > 0) {
            /* dh[t-1] += dgates[t] W_hh: the recurrent gradient. */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, G,
                        1.0f, dgt, G, L->w_hh, H, 1.0f,
                        dh + (long)(t - 1) * B * H, H);
        }
    }
    /* Weight gradients for all steps in single GEMMs. */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, L->n_in, N, 1.0f,
                dgates, G, x, L->n_in, 1.0f, L->gw_ih, L->n_in);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, H, N, 1.0f,
                dgates, G, a->h, H, 1.0f, L->gw_hh, H);
    for (int n = 0; n < N; n++) {
        const float *row = dgates + (long)n * G;
        for (int j = 0; j < G; j++) {
            L->gb_ih[j] += row[j];
            L->gb_hh[j] += row[j];
        }
    }
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, L->n_in, G,
                    1.0f, dgates, G, L->w_ih, L->n_in, 0.0f, dx, L->n_in);
}
