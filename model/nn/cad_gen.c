#include "cad_gen.h"

#include <stdlib.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_model.h"

struct cad_gen {
    const cad_model *m;
    float *state[CAD_MAX_LAYERS]; /* each layer's, state_size floats */
    float *y[CAD_MAX_LAYERS];     /* each layer's output, n_hid floats */
    float *x;       /* the frame fed at the next step, n_in floats */
    float *step;    /* the layers' step scratch, the largest one's */
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
    long need = c->n_in, smax = 0;
    for (int l = 0; l < c->n_layers; l++) {
        const cad_layer *L = &m->layer[l];
        long s = L->kind->step_scratch_size(L);
        need += L->kind->state_size(L) + L->n_hid;
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
    for (int l = 0; l < c->n_layers; l++) {
        const cad_layer *L = &m->layer[l];
        g->state[l] = p, p += L->kind->state_size(L);
        g->y[l] = p, p += L->n_hid;
    }
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
    const cad_model_config *c = &g->m->cfg;
    for (int l = 0; l < c->n_layers; l++) {
        const cad_layer *L = &g->m->layer[l];
        memset(g->state[l], 0, sizeof(float) * (size_t)L->kind->state_size(L));
    }
    memset(g->x, 0, sizeof(float) * (size_t)c->n_in);
}

/* Runs the layer stack on g->x: afterwards the top layer's output is the
 * state that predicts the next frame. */
static const float *advance(cad_gen *g)
{
    const cad_model *m = g->m;
    const float *in = g->x;
    for (int l = 0; l < m->cfg.n_layers; l++) {
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
