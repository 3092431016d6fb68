#include "cad_head.h"

#include <math.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_lstm.h"

static const char *head_names[] = {"sigmoid", "softmax", "nade", "fields"};
static const char *loss_names[] = {"bce", "mse", "ce"};

const char *cad_head_name(cad_head_kind k) { return head_names[k]; }
const char *cad_loss_name(cad_loss_kind k) { return loss_names[k]; }

int cad_head_parse(const char *s, cad_head_kind *k)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, head_names[i]) == 0)
            return *k = (cad_head_kind)i, 0;
    return -1;
}

int cad_loss_parse(const char *s, cad_loss_kind *k)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, loss_names[i]) == 0)
            return *k = (cad_loss_kind)i, 0;
    return -1;
}

void cad_linear_head_sample(const cad_linear_head *h, const float *u,
                            float temperature, int top_k, float top_p,
                            float threshold,
                            const uint8_t *allowed, int max_notes,
                            cad_rng *rng, float *z, uint8_t *out)
{
    const int K = h->n_out;
    const int greedy = !(temperature > 1e-3f);
    cad_kern_gemv2(K, h->b, h->w, h->n_in, u, NULL, 0, NULL, z);
    memset(out, 0, (size_t)K);
    if (h->kind == CAD_HEAD_SOFTMAX) {
        /* Sample one category from softmax(z / T) among the allowed ones. */
        int best = -1;
        float mx = -INFINITY;
        for (int k = 0; k < K; k++)
            if ((!allowed || allowed[k]) && z[k] > mx)
                mx = z[k], best = k;
        if (best < 0)
            return;
        if (!greedy) {
            cad_top_filter(z, K, allowed, temperature, top_k, top_p);
            double total = 0;
            for (int k = 0; k < K; k++) {
                float p = (!allowed || allowed[k])
                              ? expf((z[k] - mx) / temperature) : 0.0f;
                z[k] = p;
                total += p;
            }
            double r = cad_rng_uniform(rng) * total, acc = 0;
            for (int k = 0; k < K; k++) {
                acc += z[k];
                if (z[k] > 0 && r < acc) {
                    best = k;
                    break;
                }
            }
        }
        out[best] = 1;
        return;
    }
    /* Independent keys. Every key draws a uniform even when masked, so the
     * RNG stream (and therefore every later frame) does not depend on the
     * mask or the threshold. */
    for (int k = 0; k < K; k++) {
        float p = cad_sigmoid(greedy ? z[k] : z[k] / temperature);
        float r = cad_rng_uniform(rng);
        int on = greedy ? p > 0.5f : r < p;
        if (p < threshold || (allowed && !allowed[k]))
            on = 0;
        out[k] = (uint8_t)on;
    }
    cad_keep_top_voices(out, K, max_notes);
}

void cad_keep_top_voices(uint8_t *frame, int n, int max_notes)
{
    if (max_notes <= 0)
        return;
    int kept = 0;
    for (int k = n - 1; k >= 0; k--)
        if (frame[k] && ++kept > max_notes)
            frame[k] = 0;
}

void cad_fields_head_sample(const cad_linear_head *h, const float *u,
                            float temperature, int top_k, float top_p,
                            cad_rng *rng, float *z,
                            float *step, float *expanded)
{
    const int greedy = !(temperature > 1e-3f);
    cad_kern_gemv2(h->n_out, h->b, h->w, h->n_in, u, NULL, 0, NULL, z);
    memset(expanded, 0, sizeof(float) * (size_t)h->n_out);
    float *zf = z; /* scratch: top-k/top-p edit it */
    float *xf = expanded;
    for (int i = 0; i < h->layout->n_fields; i++) {
        const cad_field *f = &h->layout->field[i];
        if (f->kind == CAD_FIELD_REAL) {
            step[f->offset] = xf[0] = zf[0] > 0 ? zf[0] : 0.0f;
            zf++, xf++;
            continue;
        }
        if (f->kind == CAD_FIELD_BITS) {
            for (int k = 0; k < f->size; k++) {
                float p = cad_sigmoid(greedy ? zf[k] : zf[k] / temperature);
                float r = cad_rng_uniform(rng);
                step[f->offset + k] = xf[k] = (greedy ? p > 0.5f : r < p);
            }
        } else { /* one class from softmax(z / T) */
            int best = 0;
            for (int k = 1; k < f->size; k++)
                best = zf[k] > zf[best] ? k : best;
            if (!greedy) {
                double total = 0, acc = 0;
                /* best stays: the filter keeps the likeliest class */
                cad_top_filter(zf, f->size, NULL, temperature,
                               top_k, top_p);
                for (int k = 0; k < f->size; k++)
                    total += exp((double)(zf[k] - zf[best]) / temperature);
                double r = cad_rng_uniform(rng) * total;
                for (int k = 0; k < f->size; k++) {
                    acc += exp((double)(zf[k] - zf[best]) / temperature);
                    if (r < acc) {
                        best = k;
                        break;
                    }
                }
            }
            step[f->offset] = (float)best;
            xf[best] = 1.0f;
        }
        zf += f->size, xf += f->size;
    }
}

/* A float's place in the order of floats, as an unsigned integer
 * (negative floats flipped, positive ones above them), so that a
 * bisection over integers finds an exact cut between logits. */
static uint32_t order_key(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

/* The classes that may be chosen: allowed and not yet cut (finite). */
static int live(const float *z, const uint8_t *allowed, int k)
{
    return (!allowed || allowed[k]) && z[k] > -INFINITY;
}

/* The highest cut c such that what lies at or above it weighs at least
 * `need`, weighing each class by weight(z) (1 for top-k, its probability
 * for top-p). Weights only grow as c falls, so bisection finds it. */
static uint32_t highest_cut(const float *z, int n, const uint8_t *allowed,
                            double need, float mx, float temperature,
                            int by_count)
{
    uint32_t lo = 0, hi = 0xffffffffu; /* the answer lies in [lo, hi] */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2 + 1;
        double w = 0;
        for (int k = 0; k < n; k++)
            if (live(z, allowed, k) && order_key(z[k]) >= mid)
                w += by_count ? 1.0 : exp((double)(z[k] - mx) / temperature);
        if (w >= need)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

void cad_top_filter(float *z, int n, const uint8_t *allowed,
                    float temperature, int top_k, float top_p)
{
    if (!(temperature > 1e-3f))
        return; /* greedy: the likeliest is chosen whatever the limits */
    if (top_k > 0) {
        uint32_t cut = highest_cut(z, n, allowed, top_k, 0, 1, 1);
        for (int k = 0; k < n; k++)
            if (order_key(z[k]) < cut)
                z[k] = -INFINITY;
    }
    if (top_p > 0 && top_p < 1) {
        float mx = -INFINITY;
        double total = 0;
        for (int k = 0; k < n; k++)
            if (live(z, allowed, k) && z[k] > mx)
                mx = z[k];
        for (int k = 0; k < n; k++)
            if (live(z, allowed, k))
                total += exp((double)(z[k] - mx) / temperature);
        uint32_t cut = highest_cut(z, n, allowed, top_p * total, mx,
                                   temperature, 0);
        for (int k = 0; k < n; k++)
            if (order_key(z[k]) < cut)
                z[k] = -INFINITY;
    }
}
