/* The GRU layer kind (see cad_layer.h), PyTorch's nn.GRU:
 *   r = sig(W_ir x + b_ir + W_hr h + b_hr)          reset gate
 *   z = sig(W_iz x + b_iz + W_hz h + b_hz)          update gate
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   candidate
 *   h' = (1 - z) * n + z * h
 * Gates stacked r, z, n in weight_ih [3H, In] and weight_hh [3H, H]. One
 * state vector (h) instead of the LSTM's two, and three gates instead of
 * four: a quarter fewer weights for the same width. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_layer.h"
#include "cad_lstm.h" /* cad_sigmoid */

typedef struct {
    float *w_ih, *w_hh, *b_ih, *b_hh;
} gru_view;

static gru_view view(const cad_layer *L, float *base)
{
    const long H = L->n_hid, G = 3 * H;
    gru_view v = {base, base + G * L->n_in, NULL, NULL};
    v.b_ih = v.w_hh + G * H;
    v.b_hh = v.b_ih + G;
    return v;
}

static int gru_params(const cad_layer *L, cad_param_spec p[CAD_LAYER_MAX_PARAMS])
{
    const int G = 3 * L->n_hid, i = L->index;
    snprintf(p[0].name, sizeof p[0].name, "weight_ih_l%d", i);
    snprintf(p[1].name, sizeof p[1].name, "weight_hh_l%d", i);
    snprintf(p[2].name, sizeof p[2].name, "bias_ih_l%d", i);
    snprintf(p[3].name, sizeof p[3].name, "bias_hh_l%d", i);
    p[0].rows = p[1].rows = p[2].rows = p[3].rows = G;
    p[0].cols = L->n_in;
    p[1].cols = L->n_hid;
    p[2].cols = p[3].cols = 0;
    return 4;
}

static long gru_state_size(const cad_layer *L) { return L->n_hid; }

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
    return (long)T * B * 6 * L->n_hid + 6L * L->n_hid;
}

static void gru_forward(const cad_layer *L, int T, int B, const float *x,
                        const float *s0, float *acts, float *y, float *s1)
{
    const int H = L->n_hid, G = 3 * H;
    const long N = (long)T * B;
    gru_view w = view(L, L->w);
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
    gru_view w = view(L, L->w), gw = view(L, L->g);
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

static void gru_step(const cad_layer *L, const float *x, float *h, float *y,
                     float *scratch)
{
    const int H = L->n_hid, G = 3 * H;
    gru_view w = view(L, L->w);
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
    .acts_size = gru_acts_size,
    .scratch_size = gru_scratch_size,
    .forward = gru_forward,
    .backward = gru_backward,
    .step = gru_step,
};
