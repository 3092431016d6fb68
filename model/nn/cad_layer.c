/* See cad_layer.h: the registry of layer kinds and what they share. */
#include "cad_layer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Each kind lives in its own file; adding one is one line here. */
extern const cad_layer_kind cad_layer_lstm, cad_layer_gru, cad_layer_rnn,
    cad_layer_embed, cad_layer_bilstm, cad_layer_bigru, cad_layer_birnn;

static const cad_layer_kind *const kinds[] = {
    &cad_layer_lstm,
    &cad_layer_gru,
    &cad_layer_rnn,
    &cad_layer_embed,
    &cad_layer_bilstm,
    &cad_layer_bigru,
    &cad_layer_birnn,
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

long cad_layer_run_scratch(const cad_layer *L, int T)
{
    const cad_layer_kind *k = L->kind;
    if (k->run)
        return k->run_scratch_size(L, T);
    return k->state_size(L) + k->step_scratch_size(L);
}

void cad_layer_run(const cad_layer *L, int T, const float *x, float *y,
                   float *scratch)
{
    const cad_layer_kind *k = L->kind;
    if (k->run) {
        k->run(L, T, x, y, scratch);
        return;
    }
    const long S = k->state_size(L);
    memset(scratch, 0, sizeof(float) * (size_t)S);
    for (int t = 0; t < T; t++)
        k->step(L, x + (long)t * L->n_in, scratch, y + (long)t * L->n_hid,
                scratch + S);
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

int cad_layer_recurrent_params(const cad_layer *L, int gates,
                               cad_param_spec p[CAD_LAYER_MAX_PARAMS])
{
    const int G = gates * L->n_hid, i = L->index;
    snprintf(p[0].name, sizeof p[0].name, "weight_ih_l%d", i);
    snprintf(p[1].name, sizeof p[1].name, "weight_hh_l%d", i);
    snprintf(p[2].name, sizeof p[2].name, "bias_ih_l%d", i);
    snprintf(p[3].name, sizeof p[3].name, "bias_hh_l%d", i);
    p[0].rows = p[1].rows = p[2].rows = p[3].rows = G;
    p[0].cols = L->n_in;
    p[1].cols = L->n_hid;
    p[2].cols = p[3].cols = 0;
    return 4;
}
