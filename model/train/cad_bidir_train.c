/* The bidirectional wrapper's batched passes (see nn/cad_bidir.c for
 * what it computes and train/cad_layer_train.h for the interface): the
 * wrapped kind's own passes, once over the sequence and once over it
 * reversed in time, outputs interleaved as [forward H | reverse H].
 *
 * No state crosses a call: both directions start from zeros (s0 is
 * ignored, and there is nothing to leave in s1), so a bidirectional model
 * trains on windows no longer than a chunk, never on chunks of a piece. */
#include <string.h>

#include "cad_bidir.h"
#include "cad_layer_train.h"

extern const cad_layer_kind cad_layer_bilstm, cad_layer_bigru, cad_layer_birnn;

/* Time-reverses a [T, B, n] array. */
static void reverse_time(int T, int B, int n, const float *in, float *out)
{
    const long row = (long)B * n;
    for (int t = 0; t < T; t++)
        memcpy(out + (long)t * row, in + (long)(T - 1 - t) * row,
               sizeof(float) * (size_t)row);
}

/* acts: forward direction's acts, reverse's, the reversed input
 * [T, B, In], forward output [T, B, H], reverse output in reversed time
 * [T, B, H]. */
static long bidir_acts_size(const cad_layer *L, int T, int B)
{
    cad_layer f, r;
    cad_bidir_split(L, &f, &r);
    const cad_layer_trainer *tr = cad_layer_trainer_for(f.kind);
    const long N = (long)T * B;
    return 2 * tr->acts_size(&f, T, B) + N * (L->n_in + 2L * f.n_hid);
}

/* scratch: each direction's dy [T, B, H], the reverse's dx [T, B, In],
 * then the wrapped kind's backward scratch. */
static long bidir_scratch_size(const cad_layer *L, int T, int B)
{
    cad_layer f, r;
    cad_bidir_split(L, &f, &r);
    const cad_layer_trainer *tr = cad_layer_trainer_for(f.kind);
    const long N = (long)T * B;
    return N * (2L * f.n_hid + L->n_in) + tr->scratch_size(&f, T, B);
}

typedef struct {
    float *acts_f, *acts_r, *xr, *yf, *yr;
} bidir_acts;

static bidir_acts carve(const cad_layer *f, int T, int B, const float *acts)
{
    const cad_layer_trainer *tr = cad_layer_trainer_for(f->kind);
    const long N = (long)T * B, na = tr->acts_size(f, T, B);
    bidir_acts a;
    a.acts_f = (float *)acts;
    a.acts_r = a.acts_f + na;
    a.xr = a.acts_r + na;
    a.yf = a.xr + N * f->n_in;
    a.yr = a.yf + N * f->n_hid;
    return a;
}

static void bidir_forward(const cad_layer *L, int T, int B, const float *x,
                          const float *s0, float *acts, float *y, float *s1)
{
    (void)s0, (void)s1;
    cad_layer f, r;
    cad_bidir_split(L, &f, &r);
    const cad_layer_trainer *tr = cad_layer_trainer_for(f.kind);
    const int H = f.n_hid;
    const long N = (long)T * B;
    bidir_acts a = carve(&f, T, B, acts);
    reverse_time(T, B, L->n_in, x, a.xr);
    tr->forward(&f, T, B, x, NULL, a.acts_f, a.yf, NULL);
    tr->forward(&r, T, B, a.xr, NULL, a.acts_r, a.yr, NULL);
    for (long n = 0; n < N; n++) {
        const int t = (int)(n / B), b = (int)(n % B);
        const long m = (long)(T - 1 - t) * B + b; /* same step, reversed */
        memcpy(y + n * 2 * H, a.yf + n * H, sizeof(float) * (size_t)H);
        memcpy(y + n * 2 * H + H, a.yr + m * H, sizeof(float) * (size_t)H);
    }
}

static void bidir_backward(const cad_layer *L, int T, int B, const float *x,
                           const float *s0, const float *acts, const float *y,
                           float *dy, float *dx, float *scratch)
{
    (void)s0, (void)y;
    cad_layer f, r;
    cad_bidir_split(L, &f, &r);
    const cad_layer_trainer *tr = cad_layer_trainer_for(f.kind);
    const int H = f.n_hid, In = L->n_in;
    const long N = (long)T * B;
    bidir_acts a = carve(&f, T, B, acts);
    float *dyf = scratch, *dyr = dyf + N * H, *dxr = dyr + N * H;
    float *rest = dxr + N * In;
    for (long n = 0; n < N; n++) {
        const int t = (int)(n / B), b = (int)(n % B);
        const long m = (long)(T - 1 - t) * B + b;
        memcpy(dyf + n * H, dy + n * 2 * H, sizeof(float) * (size_t)H);
        memcpy(dyr + m * H, dy + n * 2 * H + H, sizeof(float) * (size_t)H);
    }
    tr->backward(&f, T, B, x, NULL, a.acts_f, a.yf, dyf, dx, rest);
    tr->backward(&r, T, B, a.xr, NULL, a.acts_r, a.yr, dyr, dx ? dxr : NULL,
                 rest);
    if (dx)
        for (long n = 0; n < N; n++) {
            const int t = (int)(n / B), b = (int)(n % B);
            const float *d = dxr + ((long)(T - 1 - t) * B + b) * In;
            for (int i = 0; i < In; i++)
                dx[n * In + i] += d[i];
        }
}

#define CAD_BIDIR_TRAINER(ident, wrapped)                                     \
    const cad_layer_trainer ident = {                                        \
        .kind = &wrapped,                                                    \
        .acts_size = bidir_acts_size,                                        \
        .scratch_size = bidir_scratch_size,                                  \
        .forward = bidir_forward,                                            \
        .backward = bidir_backward,                                          \
    };
CAD_BIDIR_TRAINER(cad_bilstm_trainer, cad_layer_bilstm)
CAD_BIDIR_TRAINER(cad_bigru_trainer, cad_layer_bigru)
CAD_BIDIR_TRAINER(cad_birnn_trainer, cad_layer_birnn)
