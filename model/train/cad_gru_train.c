/* The GRU's batched passes (see nn/cad_gru.c for the equations and
 * train/cad_layer_train.h for the interface). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cad_gru.h"
#include "cad_layer_train.h"
#include "cad_lstm.h" /* cad_sigmoid */

extern const cad_layer_kind cad_layer_gru;

/* Activations: the gates r, z, n after their nonlinearities [N, 3H]; the
 * recurrent part of the candidate, W_hn h + b_hn, [N, H] (the reset gate's
 * gradient needs it); the start state [B, H]; one step's recurrent
 * pre-activations [B, 3H]. */
static long gru_acts_size(const cad_layer *L, int T, int B)
{
    const long H = L->n_hid, N = (long)T * B;
    return N * 4 * H + (long)B * H + (long)B * 3 * H;
}

static long gru_scratch_size(const cad_layer *L, int T, int B)
{
    return (long)T * B * 6 * L->n_hid;
}

static void gru_forward(const cad_layer *L, int T, int B, const float *x,
                        const float *s0, float *acts, float *y, float *s1)
{
    const int H = L->n_hid, G = 3 * H;
    const long N = (long)T * B;
    cad_gru_view w = cad_gru_view_of(L, L->w);
    float *gates = acts, *ghn = gates + N * G, *h0 = ghn + N * H;
    float *gh = h0 + (long)B * H;
    if (s0)
        memcpy(h0, s0, sizeof(float) * (size_t)B * H);
    else
        memset(h0, 0, sizeof(float) * (size_t)B * H);
    /* the input projections of every step in one GEMM */
    for (long n = 0; n < N; n++)
        memcpy(gates + n * G, w.b_ih, sizeof(float) * (size_t)G);
    if (N)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, G,
                    L->n_in, 1.0f, x, L->n_in, w.w_ih, L->n_in, 1.0f, gates, G);
    for (int t = 0; t < T; t++) {
        const float *hp = t ? y + (long)(t - 1) * B * H : h0;
        for (int b = 0; b < B; b++)
            memcpy(gh + (long)b * G, w.b_hh, sizeof(float) * (size_t)G);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, G, H, 1.0f,
                    hp, H, w.w_hh, H, 1.0f, gh, G);
        for (int b = 0; b < B; b++) {
            long row = (long)t * B + b;
            float *gr = gates + row * G, *gz = gr + H, *gn = gz + H;
            const float *hr = gh + (long)b * G, *hz = hr + H, *hn = hz + H;
            const float *hpb = hp + (long)b * H;
            float *yb = y + row * H, *ghb = ghn + row * H;
            for (int j = 0; j < H; j++) {
                float r = cad_sigmoid(gr[j] + hr[j]);
                float z = cad_sigmoid(gz[j] + hz[j]);
                float nn = tanhf(gn[j] + r * hn[j]);
                gr[j] = r, gz[j] = z, gn[j] = nn, ghb[j] = hn[j];
                yb[j] = (1.0f - z) * nn + z * hpb[j];
            }
        }
    }
    if (s1)
        memcpy(s1, T ? y + (long)(T - 1) * B * H : h0,
               sizeof(float) * (size_t)B * H);
}

static void gru_backward(const cad_layer *L, int T, int B, const float *x,
                         const float *s0, const float *acts, const float *y,
                         float *dy, float *dx, float *scratch)
{
    (void)s0; /* the forward kept its copy in acts */
    const int H = L->n_hid, G = 3 * H;
    const long N = (long)T * B;
    cad_gru_view w = cad_gru_view_of(L, L->w), gw = cad_gru_view_of(L, L->g);
    const float *gates = acts, *ghn = gates + N * G, *h0 = ghn + N * H;
    float *dgi = scratch, *dgh = dgi + N * G;
    for (int t = T - 1; t >= 0; t--) {
        const float *hp = t ? y + (long)(t - 1) * B * H : h0;
        for (int b = 0; b < B; b++) {
            long row = (long)t * B + b;
            const float *r = gates + row * G, *z = r + H, *nn = z + H;
            const float *hnb = ghn + row * H, *hpb = hp + (long)b * H;
            const float *dh = dy + row * H;
            float *ir = dgi + row * G, *iz = ir + H, *in = iz + H;
            float *hr = dgh + row * G, *hz = hr + H, *hn = hz + H;
            float *dprev = t ? dy + (row - B) * H : NULL;
            for (int j = 0; j < H; j++) {
                float dn = dh[j] * (1.0f - z[j]) * (1.0f - nn[j] * nn[j]);
                float dz = dh[j] * (hpb[j] - nn[j]) * z[j] * (1.0f - z[j]);
                float dr = dn * hnb[j] * r[j] * (1.0f - r[j]);
                ir[j] = hr[j] = dr;
                iz[j] = hz[j] = dz;
                in[j] = dn;
                hn[j] = dn * r[j];
                if (dprev)
                    dprev[j] += dh[j] * z[j];
            }
        }
        if (t > 0) /* dh[t-1] += dgh[t] W_hh */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, G,
                        1.0f, dgh + (long)t * B * G, G, w.w_hh, H, 1.0f,
                        dy + (long)(t - 1) * B * H, H);
    }
    if (!N)
        return;
    /* weight gradients over all steps at once; the previous states are
     * h0 for step 0 and y[0..T-2] after it */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, L->n_in, (int)N,
                1.0f, dgi, G, x, L->n_in, 1.0f, gw.w_ih, L->n_in);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, H, B, 1.0f, dgh,
                G, h0, H, 1.0f, gw.w_hh, H);
    if (T > 1)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, H,
                    (int)(N - B), 1.0f, dgh + (long)B * G, G, y, H, 1.0f,
                    gw.w_hh, H);
    for (long n = 0; n < N; n++)
        for (int j = 0; j < G; j++) {
            gw.b_ih[j] += dgi[n * G + j];
            gw.b_hh[j] += dgh[n * G + j];
        }
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N,
                    L->n_in, G, 1.0f, dgi, G, w.w_ih, L->n_in, 0.0f, dx,
                    L->n_in);
}

const cad_layer_trainer cad_gru_trainer = {
    .kind = &cad_layer_gru,
    .acts_size = gru_acts_size,
    .scratch_size = gru_scratch_size,
    .forward = gru_forward,
    .backward = gru_backward,
};
