/* Models to and from safetensors. The tensors carry PyTorch's names; the
 * __metadata__ strings carry what the shapes cannot say (head kind, loss,
 * dropout, what a frame means) and the training provenance. A file from
 * PyTorch without our metadata loads with piano-roll defaults. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_model.h"

static int meta_int(const cad_st_file *f, const char *key, int dflt, int *out,
                    cad_error *e)
{
    const char *s = cad_st_meta(f, key);
    if (!s)
        return *out = dflt, 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < -1000000 || v > 1000000)
        return cad_error_set(e, "metadata '%s' is not an integer: '%s'", key,
                             s);
    *out = (int)v;
    return 0;
}

static int meta_num(const cad_st_file *f, const char *key, double dflt,
                    double *out, cad_error *e)
{
    const char *s = cad_st_meta(f, key);
    if (!s)
        return *out = dflt, 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return cad_error_set(e, "metadata '%s' is not a number: '%s'", key, s);
    *out = v;
    return 0;
}

/* Accept both bare nn.LSTM names and a module prefix ("lstm."). */
static const cad_st_tensor *find(const cad_st_file *f, const char *name)
{
    const cad_st_tensor *t = cad_st_find(f, name);
    if (!t && strncmp(name, "weight", 6) * strncmp(name, "bias", 4) == 0) {
        char buf[64];
        snprintf(buf, sizeof buf, "lstm.%s", name);
        t = cad_st_find(f, buf);
    }
    return t;
}

/* A fields head's layout, "name:kind:size:weight,..." (kind bits, class
 * or real), and its "pressure". */
static int read_fields(const cad_st_file *f, cad_model_config *c,
                       cad_error *e)
{
    const char *s = cad_st_meta(f, "fields");
    if (!s)
        return cad_error_set(e, "a fields head without its \"fields\"");
    memset(&c->fields, 0, sizeof c->fields);
    while (*s) {
        char name[16], kind[8];
        int size, used = 0;
        float w;
        if (sscanf(s, "%15[^:]:%7[^:]:%d:%f%n", name, kind, &size, &w, &used) != 4 ||
            used == 0 || (s[used] != ',' && s[used] != 0))
            return cad_error_set(e, "fields metadata '%s' is not "
                                    "name:kind:size:weight,...", s);
        cad_field_kind k = !strcmp(kind, "bits") ? CAD_FIELD_BITS
                         : !strcmp(kind, "class") ? CAD_FIELD_CLASS
                         : !strcmp(kind, "real") ? CAD_FIELD_REAL : (cad_field_kind)-1;
        if ((int)k < 0 || size < 1 || size > CAD_MAX_WIDTH ||
            cad_layout_add(&c->fields, name, k, size, e))
            return cad_error_set(e, "fields metadata: field '%s' of kind '%s' "
                                    "and size %d is not one", name, kind, size);
        c->field_weight[c->fields.n_fields - 1] = w;
        s += used + (s[used] == ',');
    }
    double p = 0;
    if (meta_num(f, "pressure", 0, &p, e))
        return -1;
    c->pressure = (float)p;
    return 0;
}

/* The architecture, from metadata where present and shapes otherwise. */
static int read_config(const cad_st_file *f, cad_model_config *c, cad_error *e)
{
    cad_model_config_default(c);
    /* What a step means is the representation's business (music/), not
     * the network's: its name is kept, and its options stay in the
     * metadata for the layers above to read. */
    const char *rep = cad_st_meta(f, "representation");
    if (rep)
        snprintf(c->representation, sizeof c->representation, "%.31s", rep);
    const char *cell = cad_st_meta(f, "cell");
    if (cell && !cad_layer_find(cell))
        return cad_error_set(e, "cell '%s' is not known to this version "
                                "(lstm, gru, rnn)", cell);
    if (cell) /* without it, a file from before cells had names: an LSTM */
        snprintf(c->cell, sizeof c->cell, "%s", cell);
    const cad_st_tensor *t = find(f, "weight_ih_l0");
    if (!t || t->ndim != 2)
        return cad_error_set(e, "no recurrent weights (weight_ih_l0 [G*H, In])");
    c->n_in = (int)t->shape[1];
    /* a token embedding below the layers: the vocabulary is its rows */
    const cad_st_tensor *em = cad_st_find(f, "embed.weight");
    if (em) {
        if (em->ndim != 2 || em->shape[0] < 1 || em->shape[0] > CAD_MAX_WIDTH ||
            em->shape[1] != t->shape[1])
            return cad_error_set(e, "embed.weight should be [tokens, %lld]",
                                 (long long)t->shape[1]);
        c->n_in = (int)em->shape[0];
        c->embed = (int)em->shape[1];
    }
    c->bidirectional = find(f, "weight_ih_l0_reverse") != NULL;
    if (meta_int(f, "window", 0, &c->window, e) ||
        meta_int(f, "given", 0, &c->n_given, e))
        return -1;
    c->n_layers = 0;
    for (int l = 0; l < CAD_MAX_LAYERS; l++) {
        char name[32];
        snprintf(name, sizeof name, "weight_hh_l%d", l);
        const cad_st_tensor *w = find(f, name);
        if (!w)
            break;
        if (w->ndim != 2 || w->shape[1] < 1 || w->shape[1] > CAD_MAX_WIDTH)
            return cad_error_set(e, "%s has a bad shape", name);
        c->hidden[l] = (int)w->shape[1];
        c->n_layers++;
    }
    if (c->n_layers == 0)
        return cad_error_set(e, "no recurrent weights (weight_hh_l0)");
    const char *head = cad_st_meta(f, "head");
    if (head) {
        if (cad_head_parse(head, &c->head))
            return cad_error_set(e, "unknown head '%s'", head);
    } else {
        c->head = find(f, "nade.W") ? CAD_HEAD_NADE : CAD_HEAD_SIGMOID;
    }
    if (c->head == CAD_HEAD_FIELDS && read_fields(f, c, e))
        return -1;
    const char *loss = cad_st_meta(f, "loss");
    c->loss = c->head == CAD_HEAD_SOFTMAX ? CAD_LOSS_CE : CAD_LOSS_BCE;
    if (loss && cad_loss_parse(loss, &c->loss))
        return cad_error_set(e, "unknown loss '%s'", loss);
    if (c->head == CAD_HEAD_NADE) {
        const cad_st_tensor *w = find(f, "nade.W");
        if (!w || w->ndim != 2)
            return cad_error_set(e, "NADE head without nade.W");
        c->n_out = (int)w->shape[0];
        c->nade_hidden = (int)w->shape[1];
    } else {
        const cad_st_tensor *w = find(f, "fc.weight");
        if (!w || w->ndim != 2)
            return cad_error_set(e, "no output layer (fc.weight)");
        c->n_out = (int)w->shape[0];
    }
    double d = 0, din = 0, sb = 0, ss = 0;
    int low = 0;
    if (meta_num(f, "dropout", 0, &d, e) ||
        meta_num(f, "dropout_in", 0, &din, e) ||
        meta_num(f, "step_beats", 0.25, &sb, e) ||
        meta_num(f, "step_seconds", 0, &ss, e) ||
        meta_int(f, "low_key", 21, &low, e))
        return -1;
    c->dropout = (float)d;
    c->dropout_in = (float)din;
    c->step_beats = ss > 0 ? 0 : sb;
    c->step_seconds = ss;
    c->low_key = low;
    return cad_model_config_check(c, e);
}

int cad_model_from_st(const cad_st_file *f, cad_model **out, cad_error *e)
{
    cad_model_config c;
    if (read_config(f, &c, e))
        return -1;
    cad_model *m;
    if (cad_model_alloc(&c, &m, e))
        return -1;
    for (int i = 0; i < m->n_info; i++) {
        const cad_param_info *p = &m->info[i];
        const cad_st_tensor *t = find(f, p->name);
        if (!t) {
            cad_error_set(e, "tensor %s is missing", p->name);
            cad_model_free(m); /* after the message: p points into m */
            return -1;
        }
        int ok = t->ndim == p->ndim && t->shape[0] == p->shape[0] &&
                 (p->ndim == 1 || t->shape[1] == p->shape[1]);
        if (!ok) {
            if (p->ndim == 1)
                cad_error_set(e, "tensor %s should be [%lld]", p->name,
                              (long long)p->shape[0]);
            else
                cad_error_set(e, "tensor %s should be [%lld, %lld]", p->name,
                              (long long)p->shape[0], (long long)p->shape[1]);
            cad_model_free(m);
            return -1;
        }
        memcpy(m->w + p->offset, t->data, sizeof(float) * (size_t)t->numel);
    }
    for (int i = 0; i < f->n_meta; i++)
        if (cad_model_set_meta(m, f->meta_keys[i], f->meta_vals[i])) {
            cad_model_free(m);
            return cad_error_set(e, "out of memory");
        }
    *out = m;
    return 0;
}

static int all_finite(const float *v, long n)
{
    for (long i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* Every weight can be finite and the forward pass still overflow (all
 * weights 3e38: eval printed -nan, generate wrote noise, the plugin's
 * chord hung). Three steps of generation's own path on a probe input
 * (silence, every fourth key, every key): every layer's output and the
 * head's must be finite. The step path needs no BLAS, so the plugin's
 * worker runs this too, on every model it loads. */
int cad_model_probe(const cad_model *m, cad_error *e)
{
    const cad_model_config *c = &m->cfg;
    enum { T = 3 };
    long need = T * (long)c->n_in + 2L * c->n_out + 2L * c->nade_hidden,
         smax = 0;
    for (int l = 0; l < m->n_stack; l++) {
        const cad_layer *L = &m->layer[l];
        long s = cad_layer_run_scratch(L, T);
        need += T * (long)L->n_hid;
        smax = s > smax ? s : smax;
    }
    float *mem = calloc((size_t)(need + smax), sizeof(float));
    if (!mem)
        return cad_error_set(e, "out of memory");
    float *x = mem, *p = x + T * c->n_in, *y[CAD_MAX_LAYERS + 1];
    for (int l = 0; l < m->n_stack; l++)
        y[l] = p, p += T * m->layer[l].n_hid;
    float *scratch = p, *head = p + smax;
    /* the three inputs as one sequence from a zero state: what three
     * steps compute, for kinds that step and for those that cannot */
    for (int t = 0; t < T; t++)
        for (int i = 0; i < c->n_in; i++)
            x[t * c->n_in + i] = t == 0 ? 0.0f : t == 1 ? (float)(i % 4 == 0)
                                                        : 1.0f;
    int ok = 1;
    const float *in = x;
    for (int l = 0; l < m->n_stack && ok; l++) {
        const cad_layer *L = &m->layer[l];
        cad_layer_run(L, T, in, y[l], scratch);
        ok = all_finite(y[l], T * (long)L->n_hid);
        in = y[l];
    }
    const int top = cad_model_top(m);
    for (int t = 0; t < T && ok; t++) {
        const float *u = in + (long)t * top;
        if (c->head == CAD_HEAD_NADE)
            ok = cad_nade_finite(&m->nade, u, head);
        else {
            cad_kern_gemv2(m->fc.n_out, m->fc.b, m->fc.w, m->fc.n_in, u,
                           NULL, 0, NULL, head);
            ok = all_finite(head, m->fc.n_out);
        }
    }
    free(mem);
    return ok ? 0 : cad_error_set(e, "the model's output is not finite on a "
                                     "probe input: its weights make the "
                                     "forward pass overflow; refusing it");
}

int cad_model_load_any(const char *path, cad_model **out, cad_error *e)
{
    cad_st_file f;
    if (cad_st_load(path, &f, e))
        return -1;
    int r = cad_model_from_st(&f, out, e);
    cad_st_free(&f);
    if (r == 0 && cad_model_probe(*out, e)) {
        cad_model_free(*out);
        *out = NULL;
        r = -1;
    }
    if (r)
        return cad_error_prefix(e, "%s", path);
    return 0;
}

int cad_model_load(const char *path, cad_model **out, cad_error *e)
{
    if (cad_model_load_any(path, out, e))
        return -1;
    if (strcmp((*out)->cfg.representation, "pianoroll") != 0) {
        cad_error_set(e, "%s: a model of the '%s' representation; frame by "
                         "frame generation (and so far the plugin) plays "
                         "piano-roll models", path, (*out)->cfg.representation);
        cad_model_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int cad_model_to_st(const cad_model *m, cad_st_file *f, cad_error *e)
{
    const cad_model_config *c = &m->cfg;
    memset(f, 0, sizeof *f);
    for (int i = 0; i < m->n_info; i++) {
        const cad_param_info *p = &m->info[i];
        if (cad_st_add_view(f, p->name, p->ndim, p->shape, m->w + p->offset,
                            e))
            goto fail;
    }
    /* Provenance first, then the architecture (which wins on a clash). */
    for (int i = 0; i < m->meta.n_meta; i++)
        if (cad_st_set_meta(f, m->meta.meta_keys[i], m->meta.meta_vals[i], e))
            goto fail;
    char buf[256];
    int n = 0;
    buf[0] = 0;
    for (int l = 0; l < c->n_layers; l++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%d", l ? "," : "",
                      c->hidden[l]);
    struct { const char *k; char v[64]; } kv[13];
    int k = 0;
#define KV(key, ...) (kv[k].k = key, snprintf(kv[k].v, 64, __VA_ARGS__), k++)
    KV("format", "cadenza-1");
    KV("representation", "%s", c->representation);
    KV("cell", "%s", c->cell);
    KV("head", "%s", cad_head_name(c->head));
    KV("loss", "%s", cad_loss_name(c->loss));
    KV("dropout", "%g", (double)c->dropout);
    KV("dropout_in", "%g", (double)c->dropout_in);
    KV("step_beats", "%.17g", c->step_beats);
    KV("step_seconds", "%.17g", c->step_seconds);
    KV("low_key", "%d", c->low_key);
    /* only when set, so the files of models without them keep their bytes */
    if (c->embed)
        KV("embed", "%d", c->embed);
    if (c->bidirectional)
        KV("bidirectional", "1");
    if (c->window)
        KV("window", "%d", c->window);
    if (c->n_given)
        KV("given", "%d", c->n_given);
#undef KV
    for (int i = 0; i < k; i++)
        if (cad_st_set_meta(f, kv[i].k, kv[i].v, e))
            goto fail;
    if (cad_st_set_meta(f, "hidden", buf, e))
        goto fail;
    if (c->head == CAD_HEAD_FIELDS) {
        char fields[1024], pressure[32];
        int n = 0;
        fields[0] = 0;
        for (int i = 0; i < c->fields.n_fields && n < (int)sizeof fields - 64; i++) {
            const cad_field *fd = &c->fields.field[i];
            n += snprintf(fields + n, sizeof fields - (size_t)n, "%s%s:%s:%d:%.9g",
                          i ? "," : "", fd->name,
                          fd->kind == CAD_FIELD_BITS ? "bits" :
                          fd->kind == CAD_FIELD_CLASS ? "class" : "real",
                          fd->size, (double)c->field_weight[i]);
        }
        snprintf(pressure, sizeof pressure, "%.9g", (double)c->pressure);
        if (cad_st_set_meta(f, "fields", fields, e) ||
            cad_st_set_meta(f, "pressure", pressure, e))
            goto fail;
    }
    return 0;
fail:
    cad_st_free(f);
    return -1;
}

int cad_model_save(const cad_model *m, const char *path, cad_error *e)
{
    cad_st_file f;
    if (cad_model_to_st(m, &f, e))
        return cad_error_prefix(e, "%s", path);
    int r = cad_st_save(path, &f, e);
    cad_st_free(&f);
    return r;
}
