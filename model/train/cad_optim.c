#include "cad_optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *names[] = {"adam", "rmsprop", "adagrad", "sgd"};

const char *cad_opt_name(cad_opt_kind k) { return names[k]; }

int cad_opt_parse(const char *s, cad_opt_kind *k)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return *k = (cad_opt_kind)i, 0;
    return -1;
}

void cad_opt_config_default(cad_opt_config *c, cad_opt_kind kind)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->beta1 = 0.9f;
    c->beta2 = 0.999f;
    c->alpha = 0.99f;
    switch (kind) {
    case CAD_OPT_ADAM: c->lr = 1e-3f; c->eps = 1e-8f; break;
    case CAD_OPT_RMSPROP: c->lr = 1e-2f; c->eps = 1e-8f; break;
    case CAD_OPT_ADAGRAD: c->lr = 1e-2f; c->eps = 1e-10f; break;
    case CAD_OPT_SGD: c->lr = 1e-2f; break;
    }
}

int cad_optim_init(cad_optim *o, const cad_opt_config *c, long n,
                   cad_error *e)
{
    memset(o, 0, sizeof *o);
    o->cfg = *c;
    o->n = n;
    int need_m = c->kind == CAD_OPT_ADAM ||
                 (c->kind == CAD_OPT_SGD && c->momentum != 0.0f);
    int need_v = c->kind != CAD_OPT_SGD;
    if (need_m && !(o->m = calloc((size_t)n, sizeof(float))))
        return cad_error_set(e, "out of memory for optimiser state");
    if (need_v && !(o->v = calloc((size_t)n, sizeof(float)))) {
        free(o->m);
        return cad_error_set(e, "out of memory for optimiser state");
    }
    return 0;
}

void cad_optim_free(cad_optim *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

double cad_optim_clip(const cad_optim *o, float *g)
{
    const long n = o->n;
    const float cv = o->cfg.clip_value;
    if (cv > 0)
        for (long i = 0; i < n; i++)
            g[i] = g[i] > cv ? cv : (g[i] < -cv ? -cv : g[i]);
    double ss = 0;
    for (long i = 0; i < n; i++)
        ss += (double)g[i] * g[i];
    double norm = sqrt(ss);
    if (o->cfg.clip_norm > 0 && norm > o->cfg.clip_norm) {
        float s = (float)(o->cfg.clip_norm / (norm + 1e-6));
        for (long i = 0; i < n; i++)
            g[i] *= s;
    }
    return norm;
}

double cad_optim_step(cad_optim *o, float *w, float *g)
{
    double norm = cad_optim_clip(o, g);
    const cad_opt_config *c = &o->cfg;
    const long n = o->n;
    const float lr = c->lr, wd = c->weight_decay;
    o->step++;
    switch (c->kind) {
    case CAD_OPT_ADAM: {
        /* Bias-corrected step size, as torch.optim.Adam computes it. */
        double bc1 = 1.0 - pow(c->beta1, (double)o->step);
        double bc2 = 1.0 - pow(c->beta2, (double)o->step);
        float step = (float)(lr / bc1), sq = (float)sqrt(bc2);
        for (long i = 0; i < n; i++) {
            float gi = g[i] + wd * w[i];
            o->m[i] = c->beta1 * o->m[i] + (1 - c->beta1) * gi;
            o->v[i] = c->beta2 * o->v[i] + (1 - c->beta2) * gi * gi;
            w[i] -= step * o->m[i] / (sqrtf(o->v[i]) / sq + c->eps);
        }
        break;
    }
    case CAD_OPT_RMSPROP:
        for (long i = 0; i < n; i++) {
            float gi = g[i] + wd * w[i];
            o->v[i] = c->alpha * o->v[i] + (1 - c->alpha) * gi * gi;
            w[i] -= lr * gi / (sqrtf(o->v[i]) + c->eps);
        }
        break;
    case CAD_OPT_ADAGRAD:
        for (long i = 0; i < n; i++) {
            float gi = g[i] + wd * w[i];
            o->v[i] += gi * gi;
            w[i] -= lr * gi / (sqrtf(o->v[i]) + c->eps);
        }
        break;
    case CAD_OPT_SGD:
        for (long i = 0; i < n; i++) {
            float gi = g[i] + wd * w[i];
            if (o->m) {
                o->m[i] = c->momentum * o->m[i] + gi;
                gi = o->m[i];
            }
            w[i] -= lr * gi;
        }
        break;
    }
    return norm;
}
