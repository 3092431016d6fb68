#include "cad_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_kernels.h"

void cad_model_config_default(cad_model_config *c)
{
    memset(c, 0, sizeof *c);
    c->n_in = c->n_out = 88;
    snprintf(c->cell, sizeof c->cell, "lstm");
    c->n_layers = 2;
    c->hidden[0] = c->hidden[1] = 256;
    c->head = CAD_HEAD_SIGMOID;
    c->loss = CAD_LOSS_BCE;
    c->nade_hidden = 150;
    snprintf(c->representation, sizeof c->representation, "pianoroll");
    c->step_beats = 0.25;
    c->low_key = 21;
}

int cad_model_config_check(const cad_model_config *c, cad_error *e)
{
    /* a cell is a kind that steps and has a bidirectional wrapper (not
     * the embedding, not a wrapper itself) */
    cad_model_config both = *c;
    both.bidirectional = 1;
    if (!cad_layer_find(c->cell) || !cad_layer_find(c->cell)->step ||
        strncmp(c->cell, "bi", 2) == 0 || !cad_model_kind(&both))
        return cad_error_set(e, "unknown cell '%s' (lstm, gru or rnn)",
                             c->cell);
    if (c->embed < 0 || c->embed > CAD_MAX_WIDTH)
        return cad_error_set(e, "the embedding width must be 1..%d",
                             CAD_MAX_WIDTH);
    if (c->window < 0 || c->window > 4096)
        return cad_error_set(e, "the window must be 1..4096 steps");
    if (c->bidirectional && !c->window)
        return cad_error_set(e, "a bidirectional model reads a window of "
                                "steps (--window W): its reverse direction "
                                "needs the steps after each one");
    if (c->n_layers < 1 || c->n_layers > CAD_MAX_LAYERS)
        return cad_error_set(e, "layers must be 1..%d, not %d",
                             CAD_MAX_LAYERS, c->n_layers);
    if (c->n_in < 1 || c->n_in > CAD_MAX_WIDTH || c->n_out < 1 ||
        c->n_out > CAD_MAX_WIDTH)
        return cad_error_set(e, "input/output sizes must be 1..%d",
                             CAD_MAX_WIDTH);
    for (int l = 0; l < c->n_layers; l++)
        if (c->hidden[l] < 1 || c->hidden[l] > CAD_MAX_WIDTH)
            return cad_error_set(e, "layer %d size %d is outside 1..%d", l,
                                 c->hidden[l], CAD_MAX_WIDTH);
    if (c->n_given < 0 || c->n_given >= c->n_out ||
        (c->n_given > 0 && c->head != CAD_HEAD_SIGMOID && c->head != CAD_HEAD_NADE))
        return cad_error_set(e, "given outputs: 0..%d, and only for the "
                                "sigmoid and NADE heads (asked: %d)",
                             c->n_out - 1, c->n_given);
    if (c->head == CAD_HEAD_NADE &&
        (c->nade_hidden < 1 || c->nade_hidden > CAD_NADE_MAX_HID))
        return cad_error_set(e, "NADE hidden size must be 1..%d",
                             CAD_NADE_MAX_HID);
    if (c->head == CAD_HEAD_FIELDS) {
        if (c->fields.n_fields < 1 ||
            cad_layout_expanded_width(&c->fields) != c->n_out)
            return cad_error_set(e, "a fields head needs a layout as wide as "
                                    "its %d outputs", c->n_out);
        for (int i = 0; i < c->fields.n_fields; i++)
            if (!(c->field_weight[i] >= 0 && c->field_weight[i] <= 1e6))
                return cad_error_set(e, "field weights must be in [0, 1e6]");
        if (!(c->pressure >= 0 && c->pressure <= 1e6))
            return cad_error_set(e, "the pressure must be in [0, 1e6]");
    } else if (c->head == CAD_HEAD_SOFTMAX && c->loss != CAD_LOSS_CE)
        return cad_error_set(e, "a softmax head trains with the ce loss");
    if (c->head != CAD_HEAD_SOFTMAX && c->head != CAD_HEAD_FIELDS &&
        c->loss == CAD_LOSS_CE)
        return cad_error_set(e, "the ce loss needs a softmax head");
    if (c->head == CAD_HEAD_NADE && c->loss != CAD_LOSS_BCE)
        return cad_error_set(e, "a NADE head trains with the bce loss");
    if (!(c->dropout >= 0 && c->dropout < 1 && c->dropout_in >= 0 &&
          c->dropout_in < 1))
        return cad_error_set(e, "dropout must be in [0, 1)");
    if (!(c->step_beats >= 0 && c->step_beats <= 64 && c->step_seconds >= 0 &&
          c->step_seconds <= 60) ||
        (c->step_beats == 0) == (c->step_seconds == 0))
        return cad_error_set(e, "the time step must be given either in beats "
                                "(0..64] or in seconds (0..60]");
    if (c->low_key < 0 || c->low_key > 127)
        return cad_error_set(e, "lowest key must be a MIDI note 0..127");
    return 0;
}

const cad_layer_kind *cad_model_kind(const cad_model_config *c)
{
    char name[16];
    snprintf(name, sizeof name, "%s%.7s", c->bidirectional ? "bi" : "",
             c->cell);
    return cad_layer_find(name);
}

/* Lays out every parameter in the flat arrays and records its name. */
static void add_param(cad_model *m, const char *name, long rows, long cols,
                      float **w, float **g)
{
    cad_param_info *p = &m->info[m->n_info++];
    snprintf(p->name, sizeof p->name, "%.31s", name);
    p->offset = m->n_params;
    p->ndim = cols ? 2 : 1;
    p->shape[0] = rows;
    p->shape[1] = cols;
    m->n_params += rows * (cols ? cols : 1);
    /* The first pass (before allocation) only counts. */
    *w = m->w ? m->w + p->offset : NULL;
    *g = m->g ? m->g + p->offset : NULL;
}

/* Walks the architecture in file order, giving every tensor its place.
 * Run once to count (m->w NULL) and again after allocation. */
static void layout(cad_model *m)
{
    const cad_model_config *c = &m->cfg;
    m->n_params = 0;
    m->n_info = 0;
    const cad_layer_kind *kind = cad_model_kind(c);
    const int ways = c->bidirectional ? 2 : 1;
    m->n_stack = c->n_layers + (c->embed > 0);
    for (int s = 0; s < m->n_stack; s++) {
        cad_layer *L = &m->layer[s];
        const int l = s - (c->embed > 0); /* recurrent index; -1: embed */
        if (l < 0)
            *L = (cad_layer){.kind = cad_layer_find("embed"), .n_in = c->n_in,
                             .n_hid = c->embed};
        else
            *L = (cad_layer){.kind = kind,
                             .n_in = s ? m->layer[s - 1].n_hid : c->n_in,
                             .n_hid = ways * c->hidden[l], .index = l};
        cad_param_spec spec[CAD_LAYER_MAX_PARAMS];
        int n = L->kind->params(L, spec);
        for (int i = 0; i < n; i++) {
            float *w, *g;
            add_param(m, spec[i].name, spec[i].rows, spec[i].cols, &w, &g);
            if (i == 0) /* a layer's parameters follow one another */
                L->w = w, L->g = g;
        }
    }
    int top = m->layer[m->n_stack - 1].n_hid;
    if (c->head == CAD_HEAD_NADE) {
        cad_nade *n = &m->nade;
        n->n_vis = c->n_out;
        n->n_given = c->n_given;
        n->n_hid = c->nade_hidden;
        n->n_cond = top;
        add_param(m, "nade.W", n->n_vis, n->n_hid, &n->W, &n->gW);
        add_param(m, "nade.V", n->n_vis, n->n_hid, &n->V, &n->gV);
        add_param(m, "nade.bv", n->n_vis, 0, &n->bv, &n->gbv);
        add_param(m, "nade.bh", n->n_hid, 0, &n->bh, &n->gbh);
        add_param(m, "nade.Wuv", n->n_vis, top, &n->Wuv, &n->gWuv);
        add_param(m, "nade.Wuh", n->n_hid, top, &n->Wuh, &n->gWuh);
    } else {
        cad_linear_head *h = &m->fc;
        h->kind = c->head;
        h->loss = c->loss;
        h->layout = &m->cfg.fields;
        h->field_weight = m->cfg.field_weight;
        h->pressure = m->cfg.pressure;
        h->n_in = top;
        h->n_out = c->n_out;
        h->n_given = c->n_given;
        add_param(m, "fc.weight", h->n_out, h->n_in, &h->w, &h->gw);
        add_param(m, "fc.bias", h->n_out, 0, &h->b, &h->gb);
    }
}

/* Allocates a model of config c with zero weights. */
int cad_model_alloc(const cad_model_config *c, cad_model **out, cad_error *e)
{
    if (cad_model_config_check(c, e))
        return -1;
    cad_model *m = calloc(1, sizeof *m);
    if (!m)
        return cad_error_set(e, "out of memory");
    m->cfg = *c;
    m->info = calloc(CAD_LAYER_MAX_PARAMS * CAD_MAX_LAYERS + 8, sizeof *m->info);
    if (!m->info) {
        free(m);
        return cad_error_set(e, "out of memory");
    }
    layout(m);
    m->w = calloc((size_t)m->n_params, sizeof(float));
    m->g = calloc((size_t)m->n_params, sizeof(float));
    if (!m->w || !m->g) {
        cad_model_free(m);
        return cad_error_set(e, "out of memory for %ld parameters",
                             m->n_params);
    }
    layout(m);
    *out = m;
    return 0;
}

static void fill_uniform(float *w, long n, float r, cad_rng *rng)
{
    for (long i = 0; i < n; i++)
        w[i] = (2.0f * cad_rng_uniform(rng) - 1.0f) * r;
}

int cad_model_new(const cad_model_config *c, uint64_t seed, cad_model **out,
                  cad_error *e)
{
    cad_model *m;
    if (cad_model_alloc(c, &m, e))
        return -1;
    cad_rng rng;
    cad_rng_seed(&rng, seed);
    for (int i = 0; i < m->n_info; i++) {
        const cad_param_info *p = &m->info[i];
        long n = p->shape[0] * (p->ndim == 2 ? p->shape[1] : 1);
        float *w = m->w + p->offset;
        float r;
        if (strncmp(p->name, "nade.", 5) == 0) {
            /* NADE's own weights start small so the chain begins close to
             * independent keys; the conditioning starts like a linear
             * layer; biases at zero. */
            if (p->ndim == 1)
                r = 0.0f;
            else if (strcmp(p->name, "nade.W") == 0 ||
                     strcmp(p->name, "nade.V") == 0)
                r = 0.01f;
            else
                r = 1.0f / sqrtf((float)p->shape[1]);
        } else if (strncmp(p->name, "fc.", 3) == 0) {
            r = 1.0f / sqrtf((float)m->fc.n_in);
        } else if (strcmp(p->name, "embed.weight") == 0) {
            /* PyTorch's nn.Embedding starts from N(0, 1) */
            for (long i = 0; i < n; i++)
                w[i] = cad_rng_normal(&rng);
            continue;
        } else {
            /* a recurrent layer's: U(-1/sqrt(H), 1/sqrt(H)), H its units
             * (per direction) */
            int s = 0;
            while (s + 1 < m->n_stack && m->layer[s + 1].w <= w)
                s++;
            const cad_layer *L = &m->layer[s];
            r = 1.0f / sqrtf((float)(L->kind->step ? L->n_hid : L->n_hid / 2));
        }
        fill_uniform(w, n, r, &rng);
    }
    *out = m;
    return 0;
}

void cad_model_free(cad_model *m)
{
    if (!m)
        return;
    free(m->w);
    free(m->g);
    free(m->w16);
    free(m->info);
    cad_st_free(&m->meta);
    free(m);
}

void cad_model_zero_grad(cad_model *m)
{
    memset(m->g, 0, sizeof(float) * (size_t)m->n_params);
}

int cad_model_set_meta(cad_model *m, const char *key, const char *val)
{
    return cad_st_set_meta(&m->meta, key, val, NULL);
}

const char *cad_model_get_meta(const cad_model *m, const char *key)
{
    return cad_st_meta(&m->meta, key);
}

void cad_model_get_info(const cad_model *m, cad_model_info *info)
{
    info->n_keys = m->cfg.n_out;
    info->low_key = m->cfg.low_key;
    info->step_beats = m->cfg.step_beats;
    info->step_seconds = m->cfg.step_seconds;
}

int cad_model_to_bf16(cad_model *m, cad_error *e)
{
    if (!m->w16) {
        m->w16 = malloc(sizeof(uint16_t) * (size_t)m->n_params);
        if (!m->w16)
            return cad_error_set(e, "out of memory for bfloat16 weights");
    }
    for (long i = 0; i < m->n_params; i++) {
        uint16_t v = cad_kern_to_bf16(m->w[i]);
        uint32_t u = (uint32_t)v << 16;
        m->w16[i] = v;
        memcpy(&m->w[i], &u, sizeof u);
    }
    for (int l = 0; l < m->n_stack; l++)
        m->layer[l].w16 = m->w16 + (m->layer[l].w - m->w);
    return 0;
}
