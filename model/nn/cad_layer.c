/* See cad_layer.h: the registry of layer kinds and what they share. */
#include "cad_layer.h"

#include <math.h>
#include <string.h>

/* Each kind lives in its own file; adding one is one line here. */
extern const cad_layer_kind cad_layer_lstm, cad_layer_gru, cad_layer_rnn;

static const cad_layer_kind *const kinds[] = {
    &cad_layer_lstm,
    &cad_layer_gru,
    &cad_layer_rnn,
    NULL,
};

const cad_layer_kind *const *cad_layer_kinds(void) { return kinds; }

const cad_layer_kind *cad_layer_find(const char *name)
{
    for (int i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

long cad_layer_n_params(const cad_layer *L)
{
    cad_param_spec p[CAD_LAYER_MAX_PARAMS];
    int n = L->kind->params(L, p);
    long total = 0;
    for (int i = 0; i < n; i++)
        total += (long)p[i].rows * (p[i].cols ? p[i].cols : 1);
    return total;
}

void cad_layer_init(cad_layer *L, cad_rng *r)
{
    float bound = 1.0f / sqrtf((float)L->n_hid);
    long n = cad_layer_n_params(L);
    for (long i = 0; i < n; i++)
        L->w[i] = bound * (2.0f * (float)cad_rng_uniform(r) - 1.0f);
}
