#include "cad_nade.h"

#include <math.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_head.h"
#include "cad_lstm.h"

/* The chain for state u begins: the visible biases conditioned on u into
 * bv, the hidden pre-activations into a and their sigmoids into h.
 * h = sigmoid(a) changes only when a key turns on, which is a few times
 * per frame: recomputing it then (chain_on), not for every key, saves
 * most of the exponentials of a step. */
static void chain_start(const cad_nade *m, const float *u, float *bv,
                        float *a, float *h)
{
    cad_kern_gemv2(m->n_vis, m->bv, m->Wuv, m->n_cond, u, NULL, 0, NULL, bv);
    cad_kern_gemv2(m->n_hid, m->bh, m->Wuh, m->n_cond, u, NULL, 0, NULL, a);
    for (int j = 0; j < m->n_hid; j++)
        h[j] = cad_sigmoid(a[j]);
}

/* Key i sounds: the keys after it hear it. */
static void chain_on(const cad_nade *m, int i, float *a, float *h)
{
    cad_kern_add(m->n_hid, m->W + (long)i * m->n_hid, a);
    for (int j = 0; j < m->n_hid; j++)
        h[j] = cad_sigmoid(a[j]);
}

void cad_nade_sample(const cad_nade *m, const float *u, float temperature,
                     float threshold, const uint8_t *allowed, int max_notes,
                     cad_rng *rng, float *scratch, uint8_t *out)
{
    const int V = m->n_vis, H = m->n_hid;
    const int greedy = !(temperature > 1e-3f);
    float *bv = scratch, *a = bv + V, *h = a + H;
    chain_start(m, u, bv, a, h);
    for (int i = 0; i < V; i++) {
        float z = bv[i] + cad_kern_dot(H, m->V + (long)i * H, h);
        float p = cad_sigmoid(greedy ? z : z / temperature);
        /* One uniform per key whatever the mask, so the random stream does
         * not shift when the key range or scale changes. */
        float r = cad_rng_uniform(rng);
        int on = greedy ? p > 0.5f : r < p;
        if (p < threshold || (allowed && !allowed[i]))
            on = 0;
        out[i] = (uint8_t)on;
        if (on)
            chain_on(m, i, a, h);
    }
    /* the chord as the chain wanted it, then its top voices */
    cad_keep_top_voices(out, V, max_notes);
}

int cad_nade_finite(const cad_nade *m, const float *u, float *scratch)
{
    const int V = m->n_vis, H = m->n_hid;
    float *bv = scratch, *a = bv + V, *h = a + H;
    cad_kern_gemv2(V, m->bv, m->Wuv, m->n_cond, u, NULL, 0, NULL, bv);
    cad_kern_gemv2(H, m->bh, m->Wuh, m->n_cond, u, NULL, 0, NULL, a);
    for (int i = 0; i < V; i++) {
        for (int j = 0; j < H; j++)
            h[j] = cad_sigmoid(a[j]);
        float z = bv[i] + cad_kern_dot(H, m->V + (long)i * H, h);
        if (!isfinite(z))
            return 0;
        cad_kern_add(H, m->W + (long)i * H, a); /* every key on */
    }
    for (int j = 0; j < H; j++)
        if (!isfinite(a[j]))
            return 0;
    return 1;
}

void cad_nade_probs(const cad_nade *m, const float *u, const uint8_t *frame,
                    float *scratch, float *p)
{
    const int V = m->n_vis, H = m->n_hid;
    float *bv = scratch, *a = bv + V, *h = a + H;
    chain_start(m, u, bv, a, h);
    for (int i = 0; i < V; i++) {
        p[i] = cad_sigmoid(bv[i] + cad_kern_dot(H, m->V + (long)i * H, h));
        if (frame[i]) /* the chain goes on with this key as it was */
            chain_on(m, i, a, h);
    }
}
