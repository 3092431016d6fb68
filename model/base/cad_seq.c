/* See cad_seq.h. */
#include "cad_seq.h"

#include <stdlib.h>
#include <string.h>

int cad_seq_init(cad_seq *q, int T, int width, cad_error *e)
{
    memset(q, 0, sizeof *q);
    if (T < 0 || T > CAD_SEQ_MAX_STEPS || width < 1 || width > 65536)
        return cad_error_set(e, "a sequence of %d steps of %d values is "
                                "beyond what Cadenza holds (%d steps)",
                             T, width, CAD_SEQ_MAX_STEPS);
    q->v = calloc((size_t)(T ? T : 1) * (size_t)width, sizeof *q->v);
    if (!q->v)
        return cad_error_set(e, "out of memory for a sequence of %d steps", T);
    q->T = T;
    q->width = width;
    return 0;
}

void cad_seq_free(cad_seq *q)
{
    free(q->v);
    memset(q, 0, sizeof *q);
}

int cad_layout_add(cad_layout *l, const char *name, cad_field_kind kind,
                   int size, cad_error *e)
{
    if (l->n_fields == CAD_SEQ_MAX_FIELDS || size < 1 ||
        strlen(name) >= sizeof l->field[0].name ||
        (kind == CAD_FIELD_REAL && size != 1))
        return cad_error_set(e, "field '%s' does not fit the layout", name);
    cad_field *f = &l->field[l->n_fields++];
    strcpy(f->name, name);
    f->kind = kind;
    f->size = size;
    f->offset = l->width;
    l->width += kind == CAD_FIELD_BITS ? size : 1;
    return 0;
}

const cad_field *cad_layout_find(const cad_layout *l, const char *name)
{
    for (int i = 0; i < l->n_fields; i++)
        if (strcmp(l->field[i].name, name) == 0)
            return &l->field[i];
    return NULL;
}

int cad_layout_expanded_width(const cad_layout *l)
{
    int w = 0;
    for (int i = 0; i < l->n_fields; i++)
        w += l->field[i].kind == CAD_FIELD_REAL ? 1 : l->field[i].size;
    return w;
}

void cad_layout_expand(const cad_layout *l, const float *step, float *out)
{
    for (int i = 0; i < l->n_fields; i++) {
        const cad_field *f = &l->field[i];
        const float *v = step + f->offset;
        switch (f->kind) {
        case CAD_FIELD_BITS:
            memcpy(out, v, sizeof(float) * (size_t)f->size);
            out += f->size;
            break;
        case CAD_FIELD_CLASS: {
            memset(out, 0, sizeof(float) * (size_t)f->size);
            float c = v[0];
            if (c >= 0 && c < f->size)
                out[(int)c] = 1.0f;
            out += f->size;
            break;
        }
        case CAD_FIELD_REAL:
            *out++ = v[0];
            break;
        }
    }
}

int cad_seq_set_push(cad_seq_set *s, cad_seq *q, cad_error *e)
{
    if (q->width != s->layout.width)
        return cad_error_set(e, "a sequence of width %d in a set of width %d",
                             q->width, s->layout.width);
    cad_seq *p = realloc(s->pieces, sizeof *p * (size_t)(s->n + 1));
    if (!p)
        return cad_error_set(e, "out of memory");
    s->pieces = p;
    s->pieces[s->n++] = *q;
    memset(q, 0, sizeof *q);
    return 0;
}

void cad_seq_set_free(cad_seq_set *s)
{
    for (int i = 0; i < s->n; i++)
        cad_seq_free(&s->pieces[i]);
    free(s->pieces);
    s->pieces = NULL;
    s->n = 0;
}

long cad_seq_set_total_steps(const cad_seq_set *s)
{
    long n = 0;
    for (int i = 0; i < s->n; i++)
        n += s->pieces[i].T;
    return n;
}

uint64_t cad_seq_set_hash(const cad_seq_set *s, uint64_t h)
{
    const uint64_t prime = 0x100000001b3ULL;
    if (!h)
        h = 0xcbf29ce484222325ULL;
    for (int p = 0; p < s->n; p++) {
        const cad_seq *q = &s->pieces[p];
        h = (h ^ (uint64_t)q->T) * prime;
        const unsigned char *b = (const unsigned char *)q->v;
        for (long i = 0; i < (long)q->T * q->width * (long)sizeof(float); i++)
            h = (h ^ b[i]) * prime;
    }
    return h;
}

static int set_len(const void *d, int p)
{
    return ((const cad_seq_set *)d)->pieces[p].T;
}

static void set_expand(const void *d, int p, int t, float *out)
{
    const cad_seq_set *s = d;
    const cad_seq *q = &s->pieces[p];
    cad_layout_expand(&s->layout, q->v + (long)t * q->width, out);
}

static uint64_t set_hash(const void *d, uint64_t h)
{
    return cad_seq_set_hash(d, h);
}

void cad_seq_set_source(const cad_seq_set *s, cad_seq_source *out)
{
    *out = (cad_seq_source){s->n, cad_layout_expanded_width(&s->layout),
                            set_len, set_expand, set_hash, s};
}
