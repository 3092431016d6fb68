/* The plain RNN's batched passes (see nn/cad_rnn.c for the equation and
 * train/cad_layer_train.h for the interface). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cad_layer_train.h"
#include "cad_rnn.h"

extern const cad_layer_kind cad_layer_rnn;

/* The outputs are the states, so the forward keeps only the start. */
static long rnn_acts_size(const cad_layer *L, int T, int B)
{
    (void)T;
    return (long)B * L->n_hid;
}

static long rnn_scratch_size(const cad_layer *L, int T, int B)
{
    return (long)T * B * L->n_hid;
}

static void rnn_forward(const cad_layer *L, int T, int B, const float *x,
                        const float *s0, float *acts, float *y, float *s1)
{
    const int H = L->n_hid;
    const long N = (long)T * B;
    cad_rnn_view w = cad_rnn_view_of(L, L->w);
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
    cad_rnn_view w = cad_rnn_view_of(L, L->w), gw = cad_rnn_view_of(L, L->g);
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

const cad_layer_trainer cad_rnn_trainer = {
    .kind = &cad_layer_rnn,
    .acts_size = rnn_acts_size,
    .scratch_size = rnn_scratch_size,
    .forward = rnn_forward,
    .backward = rnn_backward,
};
