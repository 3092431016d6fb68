#include "cad_gen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_gen_fast.h"
#include "cad_model.h"

struct cad_gen {
    const cad_model *m;
    float *h[CAD_MAX_LAYERS], *c[CAD_MAX_LAYERS];
    float *x;       /* the frame fed at the next step, n_in floats */
    float *gates;   /* 4 * widest layer */
    float *scratch; /* head scratch */
    float *mem;
};

cad_gen *cad_gen_new(const cad_model *m, cad_error *e)
{
    const cad_model_config *c = &m->cfg;
    if (c->n_in != c->n_out) {
        cad_error_set(e, "generation feeds each frame back as the next input, "
                         "so the model's input and output sizes must match "
                         "(%d vs %d)", c->n_in, c->n_out);
        return NULL;
    }
    long need = c->n_in, wmax = 0;
    for (int l = 0; l < c->n_layers; l++) {
        need += 2L * c->hidden[l];
        wmax = c->hidden[l] > wmax ? c->hidden[l] : wmax;
    }
    need += 4 * wmax + c->n_out + 2L * c->nade_hidden + c->n_out;
    cad_gen *g = calloc(1, sizeof *g);
    float *mem = calloc((size_t)need, sizeof(float));
    if (!g || !mem) {
        free(g);
        free(mem);
        cad_error_set(e, "out of memory");
        return NULL;
    }
    g->m = m;
    g->mem = mem;
    float *p = mem;
    for (int l = 0; l < c->n_layers; l++) {
        g->h[l] = p, p += c->hidden[l];
        g->c[l] = p, p += c->hidden[l];
    }
    g->x = p, p += c->n_in;
    g->gates = p, p += 4 * wmax;
    g->scratch = p;
    cad_gen_reset(g);
    return g;
}

void cad_gen_free(cad_gen *g)
{
    if (!g)
        return;
    free(g->mem);
    free(g);
}

void cad_gen_reset(cad_gen *g)
{
    const cad_model_config *c = &g->m->cfg;
    for (int l = 0; l < c->n_layers; l++) {
        memset(g->h[l], 0, sizeof(float) * (size_t)c->hidden[l]);
        memset(g->c[l], 0, sizeof(float) * (size_t)c->hidden[l]);
    }
    memset(g->x, 0, sizeof(float) * (size_t)c->n_in);
}

/* Runs the LSTM stack on g->x: afterwards the top h is the state that
 * predicts the next frame. */
static const float *advance(cad_gen *g)
{
    const cad_model *m = g->m;
    const float *in = g->x;
    for (int l = 0; l < m->cfg.n_layers; l++) {
        const cad_lstm_layer *L = &m->lstm[l];
        if (m->w16)
            cad_lstm_step_bf16(L, m->w16 + (L->w_ih - m->w),
                               m->w16 + (L->w_hh - m->w), in, g->h[l],
                               g->c[l], g->gates);
        else
            cad_lstm_step(L, in, g->h[l], g->c[l], g->gates);
        in = g->h[l];
    }
    return in;
}

void cad_gen_sample(cad_gen *g, const cad_sample_params *p, cad_rng *rng,
                    uint8_t *out)
{
    const cad_model *m = g->m;
    const float *u = advance(g);
    if (m->cfg.head == CAD_HEAD_NADE)
        cad_nade_sample(&m->nade, u, p->temperature, p->threshold, p->allowed,
                        p->max_notes, rng, g->scratch, out);
    else
        cad_linear_head_sample(&m->fc, u, p->temperature, p->threshold,
                               p->allowed, p->max_notes, rng, g->scratch, out);
    for (int k = 0; k < m->cfg.n_in; k++)
        g->x[k] = out[k];
}

void cad_gen_observe(cad_gen *g, const uint8_t *frame)
{
    /* The state must consume the pending input before the observed frame
     * becomes the next one, exactly as if it had been sampled. */
    advance(g);
    for (int k = 0; k < g->m->cfg.n_in; k++)
        g->x[k] = frame[k] ? 1.0f : 0.0f;
}

/* ---- the load-time probe ---------------------------------------------- */

static int all_finite(const float *v, long n)
{
    for (long i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* The head's outputs for the state u: logits, or for the NADE the
 * conditioned biases and every key's input with all keys before it on
 * (the largest sums the chain can reach). s: n_out + 2 * nade_hidden. */
static int head_finite(const cad_model *m, const float *u, float *s)
{
    if (m->cfg.head != CAD_HEAD_NADE) {
        const cad_linear_head *h = &m->fc;
        cad_fast_gemv2(h->n_out, h->b, h->w, h->n_in, u, NULL, 0, NULL, s);
        return all_finite(s, h->n_out);
    }
    const cad_nade *n = &m->nade;
    const int V = n->n_vis, H = n->n_hid;
    float *bv = s, *a = bv + V, *h = a + H;
    cad_fast_gemv2(V, n->bv, n->Wuv, n->n_cond, u, NULL, 0, NULL, bv);
    cad_fast_gemv2(H, n->bh, n->Wuh, n->n_cond, u, NULL, 0, NULL, a);
    if (!all_finite(bv, V) || !all_finite(a, H))
        return 0;
    for (int i = 0; i < V; i++) {
        for (int j = 0; j < H; j++)
            h[j] = cad_sigmoid(a[j]);
        if (!isfinite(bv[i] + cad_fast_dot(H, n->V + (long)i * H, h)))
            return 0;
        cad_fast_add(H, n->W + (long)i * H, a);
    }
    return all_finite(a, H);
}

/* Every weight can be finite and the network still overflow (all weights
 * 3e38: eval printed -nan, generate wrote noise, the plugin's chord hung).
 * Runs on generation's own kernels, so the plugin's worker, which loads
 * through cad_model_load, needs nothing else. */
int cad_model_probe(const cad_model *m, cad_error *e)
{
    const cad_model_config *c = &m->cfg;
    long need = c->n_in + c->n_out + 2L * c->nade_hidden, wmax = 0;
    for (int l = 0; l < c->n_layers; l++) {
        need += 2L * c->hidden[l];
        wmax = c->hidden[l] > wmax ? c->hidden[l] : wmax;
    }
    need += 4 * wmax;
    float *mem = calloc((size_t)need, sizeof(float));
    if (!mem)
        return cad_error_set(e, "out of memory");
    float *h[CAD_MAX_LAYERS], *cs[CAD_MAX_LAYERS], *p = mem;
    for (int l = 0; l < c->n_layers; l++) {
        h[l] = p, p += c->hidden[l];
        cs[l] = p, p += c->hidden[l];
    }
    float *x = p, *gates = x + c->n_in, *s = gates + 4 * wmax;
    int ok = 1;
    for (int step = 0; step < 3 && ok; step++) {
        for (int i = 0; i < c->n_in; i++)
            x[i] = step == 0 ? 0.0f : step == 1 ? (float)(i % 4 == 0) : 1.0f;
        const float *u = x;
        for (int l = 0; l < c->n_layers; l++) {
            cad_lstm_step(&m->lstm[l], u, h[l], cs[l], gates);
            u = h[l];
        }
        ok = all_finite(u, c->hidden[c->n_layers - 1]) &&
             head_finite(m, u, s);
    }
    free(mem);
    if (!ok)
        return cad_error_set(e, "the model's outputs are not finite on a "
                                "probe input: its weights make the network "
                                "overflow; refusing it");
    return 0;
}
