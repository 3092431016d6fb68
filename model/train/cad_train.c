#include "cad_train.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Cuts every piece into sequences of at most seq_len frames; for a
 * window model, one sequence per target: the W steps that end at it
 * (starting before the piece's first step where needed), every target,
 * or with a stride S > 1 each with probability 1/S (drawn from rng): a
 * regular stride would pick the same places in the bar every time (the
 * off-beat rests of a token sequence are easy, the onsets hard). */
static int make_seqs(const cad_seq_source *d, int seq_len, int window,
                     int stride, cad_rng *rng, cad_train_span **out,
                     int *n_out, cad_error *e)
{
    long n = 0;
    for (int p = 0; p < d->n; p++) {
        int f = d->len(d->data, p);
        if (window)
            n += f;
        else
            n += seq_len > 0 ? (f + seq_len - 1) / seq_len : (f > 0);
    }
    if (n > 0x7fffffff)
        return cad_error_set(e, "too many training sequences (%ld)", n);
    cad_train_span *s = calloc((size_t)(n ? n : 1), sizeof *s);
    if (!s)
        return cad_error_set(e, "out of memory");
    long k = 0;
    for (int p = 0; p < d->n; p++) {
        int f = d->len(d->data, p);
        if (window) {
            for (int t = 0; t < f; t++)
                if (stride <= 1 || cad_rng_below(rng, (uint32_t)stride) == 0)
                    s[k++] = (cad_train_span){p, t - window + 1, window};
            continue;
        }
        int step = seq_len > 0 ? seq_len : f;
        for (int start = 0; step > 0 && start < f; start += step) {
            s[k].piece = p;
            s[k].start = start;
            s[k].len = f - start < step ? f - start : step;
            k++;
        }
    }
    *out = s;
    *n_out = (int)k;
    return 0;
}

/* Makes room for a [T, B] batch of K-wide frames. */
static int batch_room(cad_trainer *t, long T, long B, int K, cad_error *e)
{
    long need = T * B * K;
    if (need <= t->cap)
        return 0;
    float *x = realloc(t->x, sizeof(float) * (size_t)need);
    float *y = x ? realloc(t->y, sizeof(float) * (size_t)need) : NULL;
    float *mk = y ? realloc(t->mask, sizeof(float) * (size_t)(T * B)) : NULL;
    if (x)
        t->x = x;
    if (y)
        t->y = y;
    if (mk)
        t->mask = mk;
    if (!mk)
        return cad_error_set(e, "out of memory for a %ld x %ld batch", T, B);
    t->cap = need;
    return 0;
}

/* The longest of sequences s[0..B). */
static int longest(const cad_train_span *s, int B)
{
    int T = 0;
    for (int i = 0; i < B; i++)
        T = s[i].len > T ? s[i].len : T;
    return T;
}

/* Fills x, y, mask with time steps [t0, t0 + W) of sequences s[0..B)
 * (fewer where the longest ends sooner); shorter sequences are padded and
 * masked. The input at a step is the step before it, expanded; before a
 * piece's first step it is silence (zeros). */
static int fill_batch(cad_trainer *t, const cad_seq_source *d,
                      const cad_train_span *s, int B, int t0, int W,
                      int window, cad_batch *b, cad_error *e)
{
    const int K = d->width;
    int T = longest(s, B) - t0;
    T = T < W ? T : W;
    if (batch_room(t, T, B, K, e))
        return -1;
    memset(t->x, 0, sizeof(float) * (size_t)T * B * K);
    memset(t->y, 0, sizeof(float) * (size_t)T * B * K);
    memset(t->mask, 0, sizeof(float) * (size_t)T * B);
    for (int i = 0; i < B; i++) {
        for (int k = t0; k < s[i].len && k < t0 + T; k++) {
            int f = s[i].start + k;
            long row = (long)(k - t0) * B + i;
            if (f > 0)
                d->expand(d->data, s[i].piece, f - 1, t->x + row * K);
            /* a window's loss is at its last step alone */
            if (window && k != s[i].len - 1)
                continue;
            d->expand(d->data, s[i].piece, f, t->y + row * K);
            t->mask[row] = 1.0f;
        }
    }
    b->T = T;
    b->B = B;
    b->x = t->x;
    b->y = t->y;
    b->mask = t->mask;
    return 0;
}

/* The model must read and predict steps of the data's width. */
static int check_width(const cad_model *m, const cad_seq_source *d,
                       cad_error *e)
{
    if (m->cfg.n_in != d->width || m->cfg.n_out != d->width)
        return cad_error_set(e, "the model reads %d and predicts %d values "
                                "a step; the data has %d", m->cfg.n_in,
                             m->cfg.n_out, d->width);
    return 0;
}

static int chunk_of(const cad_train_config *c)
{
    return c && c->chunk > 0 ? c->chunk : CAD_TRAIN_CHUNK;
}

int cad_trainer_init(cad_trainer *t, cad_model *m, const cad_train_config *c,
                     uint64_t seed, cad_error *e)
{
    memset(t, 0, sizeof *t);
    if (c->batch < 1 || c->seq_len < 0 || c->window_stride < 0)
        return cad_error_set(e, "batch must be >= 1, seq-len and the window "
                                "stride >= 0");
    if (m->cfg.window > chunk_of(c))
        return cad_error_set(e, "the window (%d) is longer than a chunk (%d)",
                             m->cfg.window, chunk_of(c));
    t->m = m;
    t->cfg = *c;
    t->best = INFINITY;
    cad_rng_seed(&t->rng, seed);
    if (cad_optim_init(&t->opt, &c->opt, m->n_params, e))
        return -1;
    t->ws = cad_model_ws_new();
    if (!t->ws) {
        cad_optim_free(&t->opt);
        return cad_error_set(e, "out of memory");
    }
    return 0;
}

void cad_trainer_free(cad_trainer *t)
{
    cad_optim_free(&t->opt);
    cad_model_ws_free(t->ws);
    free(t->seqs);
    free(t->x);
    free(t->y);
    free(t->mask);
    memset(t, 0, sizeof *t);
}

int cad_trainer_epoch(cad_trainer *t, const cad_seq_source *data,
                      cad_progress_fn progress, void *ud, double *nll,
                      cad_error *e)
{
    if (check_width(t->m, data, e))
        return -1;
    free(t->seqs);
    t->seqs = NULL;
    const int window = t->m->cfg.window;
    if (make_seqs(data, t->cfg.seq_len, window, t->cfg.window_stride,
                  &t->rng, &t->seqs, &t->n_seqs, e))
        return -1;
    if (t->n_seqs == 0)
        return cad_error_set(e, "no training frames");
    /* Fisher-Yates with our RNG: the order depends only on the seed. */
    for (int i = t->n_seqs - 1; i > 0; i--) {
        int j = (int)cad_rng_below(&t->rng, (uint32_t)i + 1);
        cad_train_span tmp = t->seqs[i];
        t->seqs[i] = t->seqs[j];
        t->seqs[j] = tmp;
    }
    double sum = 0;
    long frames = 0;
    int nb = (t->n_seqs + t->cfg.batch - 1) / t->cfg.batch;
    for (int bi = 0; bi < nb; bi++) {
        int first = bi * t->cfg.batch;
        int B = t->n_seqs - first < t->cfg.batch ? t->n_seqs - first
                                                  : t->cfg.batch;
        long nf = window ? B : 0; /* targets in the batch */
        for (int i = 0; i < B && !window; i++)
            nf += t->seqs[first + i].len;
        double loss = 0, bnll = 0;
        const int T = longest(t->seqs + first, B), W = chunk_of(&t->cfg);
        cad_model_zero_grad(t->m);
        cad_model_ws_carry(t->ws, T > W);
        for (int t0 = 0; t0 < T; t0 += W) {
            cad_batch b;
            if (fill_batch(t, data, t->seqs + first, B, t0, W, window, &b,
                           e) ||
                cad_model_forward(t->m, t->ws, &b, 1, &t->rng, &loss, &bnll,
                                  e))
                return -1;
            if (!isfinite(loss))
                return cad_error_set(e, "the training loss became %g at "
                                        "epoch %ld; lower the learning rate "
                                        "or clip gradients", loss,
                                     t->epoch + 1);
            /* Gradient of the mean loss per frame in this batch. */
            cad_model_backward(t->m, t->ws, &b, 1.0f / (float)nf);
        }
        cad_model_ws_carry(t->ws, 0);
        cad_optim_step(&t->opt, t->m->w, t->m->g);
        sum += bnll;
        frames += nf;
        t->batch_nll = bnll;
        t->batch_seqs = B;
        if (progress)
            progress(ud, bi + 1, nb, sum / (double)frames);
    }
    t->epoch++;
    *nll = sum / (double)frames;
    return 0;
}

int cad_eval_nll(cad_model *m, const cad_seq_source *data, double *nll,
                 long *frames, cad_error *e)
{
    if (check_width(m, data, e))
        return -1;
    /* Whole pieces in batches of similar length (sorted), so little time is
     * spent on padding; the order does not change the result. */
    cad_trainer t;
    memset(&t, 0, sizeof t);
    t.m = m;
    t.ws = cad_model_ws_new();
    int rc = -1;
    const int window = m->cfg.window;
    if (!t.ws || make_seqs(data, 0, window, 1, NULL, &t.seqs, &t.n_seqs, e))
        goto out;
    for (int i = 1; i < t.n_seqs; i++) /* insertion sort by length */
        for (int j = i; j > 0 && t.seqs[j - 1].len > t.seqs[j].len; j--) {
            cad_train_span tmp = t.seqs[j];
            t.seqs[j] = t.seqs[j - 1];
            t.seqs[j - 1] = tmp;
        }
    double sum = 0, loss = 0;
    long n = 0;
    const int BATCH = window ? 64 : 8; /* windows: short, all alike */
    for (int first = 0; first < t.n_seqs; first += BATCH) {
        int B = t.n_seqs - first < BATCH ? t.n_seqs - first : BATCH;
        const int T = longest(t.seqs + first, B), W = chunk_of(NULL);
        cad_model_ws_carry(t.ws, T > W);
        for (int t0 = 0; t0 < T; t0 += W) {
            cad_batch b;
            if (fill_batch(&t, data, t.seqs + first, B, t0, W, window, &b,
                           e) ||
                cad_model_forward(m, t.ws, &b, 0, NULL, &loss, &sum, e))
                goto out;
        }
        for (int i = 0; i < B; i++)
            n += window ? 1 : t.seqs[first + i].len;
    }
    if (n == 0) {
        cad_error_set(e, "no frames to evaluate");
        goto out;
    }
    *nll = sum / (double)n;
    *frames = n;
    rc = 0;
out:
    cad_model_ws_free(t.ws);
    free(t.seqs);
    free(t.x);
    free(t.y);
    free(t.mask);
    return rc;
}

