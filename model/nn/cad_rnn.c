/* The plain recurrent layer kind (see cad_layer.h), PyTorch's nn.RNN with
 * its default tanh:
 *   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 * The cell of the character RNN Cadenza grew from (one layer of 100 over
 * characters). It forgets fast, which is why the LSTM and GRU exist, and
 * why it is here: to reproduce that system, and to measure against it. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_layer.h"

typedef struct {
    float *w_ih, *w_hh, *b_ih, *b_hh;
} rnn_view;

static rnn_view view(const cad_layer *L, float *base)
{
    const long H = L->n_hid;
    rnn_view v = {base, base + H * L->n_in, NULL, NULL};
    v.b_ih = v.w_hh + H * H;
    v.b_hh = v.b_ih + H;
    return v;
}

static int rnn_params(const cad_layer *L, cad_param_spec p[CAD_LAYER_MAX_PARAMS])
{
    const int i = L->index;
    snprintf(p[0].name, sizeof p[0].name, "weight_ih_l%d", i);
    snprintf(p[1].name, sizeof p[1].name, "weight_hh_l%d", i);
    snprintf(p[2].name, sizeof p[2].name, "bias_ih_l%d", i);
    snprintf(p[3].name, sizeof p[3].name, "bias_hh_l%d", i);
    p[0].rows = p[1].rows = p[2].rows = p[3].rows = L->n_hid;
    p[0].cols = L->n_in;
    p[1].cols = L->n_hid;
    p[2].cols = p[3].cols = 0;
    return 4;
}

static long rnn_state_size(const cad_layer *L) { return L->n_hid; }

/* The outputs are the states, so the forward keeps only the start. */
static long rnn_acts_size(const cad_layer *L, int T, int B)
{
    (void)T;
    return (long)B * L->n_hid;
}

static long rnn_scratch_size(const cad_layer *L, int T, int B)
{
    return (long)T * B * L->n_hid + 2L * L->n_hid;
}

static void rnn_forward(const cad_layer *L, int T, int B, const float *x,
                        const float *s0, float *acts, float *y, float *s1)
{
    const int H = L->n_hid;
    const long N = (long)T * B;
    rnn_view w = view(L, L->w);
    float *h0 = acts;
    if (s0)
        memcpy(h0, s0, sizeof(float) * (size_t)B * H);
    else
        memset(h0, 0, sizeof(float) * (size_t)B * H);
    for (long n = 0; n < N; n++)
        for (int j = 0; j < H; j++)
            y[n * H + j] = w.b_ih[j] + w.b_hh[j];
    if (N)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, H,
                    L->n_in, 1.0f, x, L->n_in, w.w_ih, L->n_in, 1.0f, y, H);
    for (int t = 0; t < T; t++) {
        float *yt = y + (long)t * B * H;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, H, 1.0f,
                    t ? yt - (long)B * H : h0, H, w.w_hh, H, 1.0f, yt, H);
        for (long i = 0; i < (long)B * H; i++)
            yt[i] = tanhf(yt[i]);
    }
    if (s1)
        memcpy(s1, T ? y + (long)(T - 1) * B * H : h0,
               sizeof(float) * (size_t)B * H);
}

static void rnn_backward(const cad_layer *L, int T, int B, const float *x,
                         const float *s0, const float *acts, const float *y,
                         float *dy, float *dx, float *scratch)
{
    (void)s0;
    const int H = L->n_hid;
    const long N = (long)T * B;
    rnn_view w = view(L, L->w), gw = view(L, L->g);
    const float *h0 = acts;
    float *dpre = scratch; /* gradient before the tanh, [N, H] */
    for (int t = T - 1; t >= 0; t--) {
        long o = (long)t * B * H;
        for (long i = 0; i < (long)B * H; i++)
            dpre[o + i] = dy[o + i] * (1.0f - y[o + i] * y[o + i]);
        if (t > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, H,
                        1.0f, dpre + o, H, w.w_hh, H, 1.0f, dy + o - (long)B * H, H);
    }
    if (!N)
        return;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, L->n_in, (int)N,
                1.0f, dpre, H, x, L->n_in, 1.0f, gw.w_ih, L->n_in);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H, B, 1.0f, dpre,
                H, h0, H, 1.0f, gw.w_hh, H);
    if (T > 1)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H,
                    (int)(N - B), 1.0f, dpre + (long)B * H, H, y, H, 1.0f,
                    gw.w_hh, H);
    for (long n = 0; n < N; n++)
        for (int j = 0; j < H; j++) {
            gw.b_ih[j] += dpre[n * H + j];
            gw.b_hh[j] += dpre[n * H + j];
        }
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N,
                    L->n_in, H, 1.0f, dpre, H, w.w_ih, L->n_in, 0.0f, dx,
                    L->n_in);
}

static void rnn_step(const cad_layer *L, const float *x, float *h, float *y,
                     float *scratch)
{
    const int H = L->n_hid;
    rnn_view w = view(L, L->w);
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
    .acts_size = rnn_acts_size,
    .scratch_size = rnn_scratch_size,
    .forward = rnn_forward,
    .backward = rnn_backward,
    .step = rnn_step,
};
