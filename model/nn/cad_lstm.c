/* The LSTM layer (cad_lstm.h), and the same as a layer kind behind the
 * interface every kind shares (cad_layer.h), at the end of this file. */
#include "cad_lstm.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_layer.h"

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
                      cad_lstm_acts *a, const float *h0, const float *c0)
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
    if (h0 && c0) {
        memcpy(a->h, h0, sizeof(float) * B * H);
        memcpy(a->c, c0, sizeof(float) * B * H);
    } else {
        memset(a->h, 0, sizeof(float) * B * H);
        memset(a->c, 0, sizeof(float) * B * H);
    }
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

static cad_lstm_layer view(const cad_layer *L)
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

static int lstm_params(const cad_layer *L, cad_param_spec p[CAD_LAYER_MAX_PARAMS])
{
    const int G = 4 * L->n_hid, i = L->index;
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

static long lstm_state_size(const cad_layer *L) { return 2L * L->n_hid; }

/* cad_lstm_acts, then the start state split into h0 and c0 [B, H] each */
static long lstm_acts_size(const cad_layer *L, int T, int B)
{
    return cad_lstm_acts_size(L->n_hid, T, B) + 2L * B * L->n_hid;
}

static long lstm_scratch_size(const cad_layer *L, int T, int B)
{
    return (long)T * B * 4 * L->n_hid + 4L * L->n_hid;
}

static void lstm_forward(const cad_layer *L, int T, int B, const float *x,
                         const float *s0, float *acts, float *y, float *s1)
{
    const long H = L->n_hid, bh = B * H;
    cad_lstm_layer v = view(L);
    cad_lstm_acts a;
    cad_lstm_acts_bind(&a, acts, L->n_hid, T, B);
    float *h0 = acts + cad_lstm_acts_size(L->n_hid, T, B), *c0 = h0 + bh;
    if (s0)
        for (int b = 0; b < B; b++) {
            memcpy(h0 + b * H, s0 + 2 * b * H, sizeof(float) * (size_t)H);
            memcpy(c0 + b * H, s0 + 2 * b * H + H, sizeof(float) * (size_t)H);
        }
    cad_lstm_forward(&v, T, B, x, &a, s0 ? h0 : NULL, s0 ? c0 : NULL);
    memcpy(y, a.h + bh, sizeof(float) * (size_t)(T * bh)); /* rows 1..T */
    if (s1)
        for (int b = 0; b < B; b++) {
            memcpy(s1 + 2 * b * H, a.h + T * bh + b * H, sizeof(float) * (size_t)H);
            memcpy(s1 + 2 * b * H + H, a.c + T * bh + b * H, sizeof(float) * (size_t)H);
        }
}

static void lstm_backward(const cad_layer *L, int T, int B, const float *x,
                          const float *s0, const float *acts, const float *y,
                          float *dy, float *dx, float *scratch)
{
    (void)s0, (void)y; /* the forward kept both in acts */
    cad_lstm_layer v = view(L);
    cad_lstm_acts a;
    cad_lstm_acts_bind(&a, (float *)acts, L->n_hid, T, B);
    cad_lstm_backward(&v, T, B, x, &a, dy, scratch, dx);
}

static void lstm_step(const cad_layer *L, const float *x, float *state,
                      float *y, float *scratch)
{
    const long H = L->n_hid, G = 4 * H;
    cad_lstm_layer v = view(L);
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
    .acts_size = lstm_acts_size,
    .scratch_size = lstm_scratch_size,
    .forward = lstm_forward,
    .backward = lstm_backward,
    .step = lstm_step,
};
