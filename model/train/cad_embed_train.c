/* The token embedding's batched passes (see nn/cad_embed.c for what it
 * is and train/cad_layer_train.h for the interface). The input rows are
 * one-hot (or scaled one-hot under dropout), so both passes walk the
 * non-zero entries of x instead of calling BLAS on a matrix of zeros. */
#include <string.h>

#include "cad_layer_train.h"

extern const cad_layer_kind cad_layer_embed;

static long embed_none(const cad_layer *L, int T, int B)
{
    (void)L, (void)T, (void)B;
    return 0;
}

/* y[n] = sum over v of x[n, v] * W[v]; no state, so s0 and s1 are
 * ignored. */
static void embed_forward(const cad_layer *L, int T, int B, const float *x,
                          const float *s0, float *acts, float *y, float *s1)
{
    (void)s0, (void)acts, (void)s1;
    const long N = (long)T * B;
    const int V = L->n_in, E = L->n_hid;
    memset(y, 0, sizeof(float) * (size_t)(N * E));
    for (long n = 0; n < N; n++)
        for (int v = 0; v < V; v++) {
            const float a = x[n * V + v];
            if (a == 0.0f)
                continue;
            const float *row = L->w + (long)v * E;
            for (int j = 0; j < E; j++)
                y[n * E + j] += a * row[j];
        }
}

/* dW[v] += x[n, v] * dy[n]; dx[n, v] = W[v] . dy[n] (only asked for when
 * the embedding is not the bottom layer, or by the gradient check). */
static void embed_backward(const cad_layer *L, int T, int B, const float *x,
                           const float *s0, const float *acts, const float *y,
                           float *dy, float *dx, float *scratch)
{
    (void)s0, (void)acts, (void)y, (void)scratch;
    const long N = (long)T * B;
    const int V = L->n_in, E = L->n_hid;
    for (long n = 0; n < N; n++) {
        const float *d = dy + n * E;
        for (int v = 0; v < V; v++) {
            const float a = x[n * V + v];
            if (a != 0.0f) {
                float *g = L->g + (long)v * E;
                for (int j = 0; j < E; j++)
                    g[j] += a * d[j];
            }
            if (dx) {
                const float *row = L->w + (long)v * E;
                float s = 0.0f;
                for (int j = 0; j < E; j++)
                    s += row[j] * d[j];
                dx[n * V + v] = s;
            }
        }
    }
}

const cad_layer_trainer cad_embed_trainer = {
    .kind = &cad_layer_embed,
    .acts_size = embed_none,
    .scratch_size = embed_none,
    .forward = embed_forward,
    .backward = embed_backward,
};
