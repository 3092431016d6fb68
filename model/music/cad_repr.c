/* See cad_repr.h: the registry of representations, and the sequence and
 * layout helpers they share. */
#include "cad_repr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each kind lives in its own file; adding one is one line here. */
extern const cad_repr_kind cad_repr_pianoroll;
extern const cad_repr_kind cad_repr_notes;
extern const cad_repr_kind cad_repr_events;
extern const cad_repr_kind cad_repr_tokens;
extern const cad_repr_kind cad_repr_text;

static const cad_repr_kind *const kinds[] = {
    &cad_repr_pianoroll,
    &cad_repr_notes,
    &cad_repr_events,
    &cad_repr_tokens,
    &cad_repr_text,
    NULL,
};

const cad_repr_kind *const *cad_repr_kinds(void) { return kinds; }

const cad_repr_kind *cad_repr_find(const char *name)
{
    for (int i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

int cad_repr_from_meta(const cad_st_file *f, cad_repr **out, cad_error *e)
{
    const char *name = f ? cad_st_meta(f, "representation") : NULL;
    const cad_repr_kind *k = cad_repr_find(name ? name : "pianoroll");
    if (!k)
        return cad_error_set(e, "representation '%s' is not known to this "
                                "version of Cadenza", name);
    return k->create(f, out, e);
}

void cad_repr_free(cad_repr *r)
{
    if (r)
        r->kind->free(r);
}

int cad_repr_opt(const cad_st_file *f, const char *key, const char *legacy,
                 double dflt, double lo, double hi, double *out, cad_error *e)
{
    char name[64];
    snprintf(name, sizeof name, "repr.%s", key);
    const char *s = f ? cad_st_meta(f, name) : NULL;
    if (!s && f && legacy)
        s = cad_st_meta(f, legacy);
    if (!s)
        return *out = dflt, 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return cad_error_set(e, "representation option %s is '%s', not a "
                                "number from %g to %g", name, s, lo, hi);
    *out = v;
    return 0;
}

int cad_repr_check_opts(const cad_st_file *f, const char *const *known,
                        cad_error *e)
{
    for (int i = 0; f && i < f->n_meta; i++) {
        const char *k = f->meta_keys[i];
        if (strncmp(k, "repr.", 5) != 0)
            continue;
        int ok = 0;
        for (int j = 0; known[j] && !ok; j++)
            ok = strcmp(k + 5, known[j]) == 0;
        if (!ok)
            return cad_error_set(e, "representation option '%s' is not one "
                                    "this version knows", k);
    }
    return 0;
}

int cad_repr_save_opt(cad_st_file *f, const char *key, double v, cad_error *e)
{
    char name[64], val[32];
    snprintf(name, sizeof name, "repr.%s", key);
    snprintf(val, sizeof val, "%.17g", v);
    return cad_st_set_meta(f, name, val, e);
}
