#include "cad_gen.h"

#include <stdlib.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_model.h"

struct cad_gen {
    const cad_model *m;
    float *state[CAD_MAX_LAYERS + 1]; /* each layer's, state_size floats */
    float *y[CAD_MAX_LAYERS + 1];     /* each layer's output, n_hid floats
                                         (a window model: [W, n_hid]) */
    float *x;       /* the frame fed at the next step, n_in floats */
    float *step;    /* the layers' step (or run) scratch, the largest one's */
    float *scratch; /* head scratch */
    float *ring;    /* a window model's last W inputs [W, n_in], oldest
                       first; NULL for a model that carries its state */
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
    /* A window model keeps no state: each step runs the stack over the
     * last W inputs (below), so its layers hold W outputs each. */
    const int W = c->window;
    long need = c->n_in + (long)W * c->n_in, smax = 0;
    for (int l = 0; l < m->n_stack; l++) {
        const cad_layer *L = &m->layer[l];
        long s = W ? cad_layer_run_scratch(L, W) : L->kind->step_scratch_size(L);
        need += (W ? 0 : L->kind->state_size(L)) + (long)(W ? W : 1) * L->n_hid;
        smax = s > smax ? s : smax;
    }
    need += smax + c->n_out + 2L * c->nade_hidden + c->n_out;
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
    for (int l = 0; l < m->n_stack; l++) {
        const cad_layer *L = &m->layer[l];
        g->state[l] = p, p += W ? 0 : L->kind->state_size(L);
        g->y[l] = p, p += (long)(W ? W : 1) * L->n_hid;
    }
    if (W)
        g->ring = p, p += (long)W * c->n_in;
    g->x = p, p += c->n_in;
    g->step = p, p += smax;
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
    const cad_model *m = g->m;
    const cad_model_config *c = &m->cfg;
    for (int l = 0; l < m->n_stack && !g->ring; l++) {
        const cad_layer *L = &m->layer[l];
        memset(g->state[l], 0, sizeof(float) * (size_t)L->kind->state_size(L));
    }
    /* before a piece, a window holds silence, as in training */
    if (g->ring)
        memset(g->ring, 0, sizeof(float) * (size_t)c->window * c->n_in);
    memset(g->x, 0, sizeof(float) * (size_t)c->n_in);
}

/* A window model's step: g->x joins the window (the oldest input leaves)
 * and every layer runs over the whole window from a zero state, each on
 * the outputs of the one below; the top layer's last output predicts the
 * next frame. W times the work of a step that carries its state, the
 * price of a reverse direction that must see the window's end. Bounded
 * and allocation-free like a step. */
static const float *advance_window(cad_gen *g)
{
    const cad_model *m = g->m;
    const int W = m->cfg.window, n = m->cfg.n_in;
    memmove(g->ring, g->ring + n, sizeof(float) * (size_t)(W - 1) * n);
    memcpy(g->ring + (long)(W - 1) * n, g->x, sizeof(float) * (size_t)n);
    const float *in = g->ring;
    for (int l = 0; l < m->n_stack; l++) {
        cad_layer_run(&m->layer[l], W, in, g->y[l], g->step);
        in = g->y[l];
    }
    return in + (long)(W - 1) * cad_model_top(m);
}

/* Runs the layer stack on g->x: afterwards the top layer's output is the
 * state that predicts the next frame. */
static const float *advance(cad_gen *g)
{
    const cad_model *m = g->m;
    if (g->ring)
        return advance_window(g);
    const float *in = g->x;
    for (int l = 0; l < m->n_stack; l++) {
        const cad_layer *L = &m->layer[l];
        L->kind->step(L, in, g->state[l], g->y[l], g->step);
        in = g->y[l];
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
        cad_linear_head_sample(&m->fc, u, p->temperature, p->top_k,
                               p->top_p, p->threshold,
                               p->allowed, p->max_notes, rng, g->scratch, out);
    if (p->set)
        for (int k = 0; k < m->cfg.n_out; k++)
            out[k] = (uint8_t)(out[k] | p->set[k]);
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

void cad_gen_sample_step(cad_gen *g, const cad_sample_params *p, cad_rng *rng,
                         float *step)
{
    const cad_model *m = g->m;
    const float *u = advance(g);
    /* scratch holds n_out logits; the expanded step goes straight into
     * the next input */
    cad_fields_head_sample(&m->fc, u, p->temperature, p->top_k, p->top_p, rng,
                           g->scratch, step, g->x);
}

void cad_gen_observe_step(cad_gen *g, const float *step)
{
    advance(g);
    cad_layout_expand(&g->m->cfg.fields, step, g->x);
}

void cad_gen_probs_observe(cad_gen *g, const uint8_t *frame, float *p)
{
    const cad_model *m = g->m;
    const float *u = advance(g);
    if (m->cfg.head == CAD_HEAD_NADE) {
        cad_nade_probs(&m->nade, u, frame, g->scratch, p);
    } else {
        const cad_linear_head *h = &m->fc;
        cad_kern_gemv2(h->n_out, h->b, h->w, h->n_in, u, NULL, 0, NULL, p);
        for (int k = 0; k < h->n_out; k++)
            p[k] = cad_sigmoid(p[k]);
    }
    for (int k = 0; k < m->cfg.n_in; k++)
        g->x[k] = frame[k] ? 1.0f : 0.0f;
}
