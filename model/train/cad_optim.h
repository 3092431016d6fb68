/* Optimisers over the model's flat parameter vector. Working on one flat
 * array (instead of per-tensor) keeps each update a single loop and makes
 * global-norm clipping trivial. Conventions follow PyTorch's torch.optim
 * defaults so hyper-parameters carry over. */
#ifndef CAD_OPTIM_H
#define CAD_OPTIM_H

#include "cad_error.h"

typedef enum { CAD_OPT_ADAM, CAD_OPT_RMSPROP, CAD_OPT_ADAGRAD, CAD_OPT_SGD } cad_opt_kind;

typedef struct {
    cad_opt_kind kind;
    float lr;
    float beta1, beta2, eps; /* Adam (0.9, 0.999, 1e-8) */
    float alpha;             /* RMSprop smoothing (0.99) */
    float momentum;          /* SGD momentum (0) */
    float weight_decay;      /* L2, added to the gradient (0) */
    float clip_value;        /* clamp each gradient to [-v, v]; 0 = off */
    float clip_norm;         /* rescale to this global L2 norm; 0 = off */
} cad_opt_config;

typedef struct {
    cad_opt_config cfg;
    long n;
    long step;
    float *m, *v; /* moment buffers, n each (allocated as the kind needs) */
} cad_optim;

void cad_opt_config_default(cad_opt_config *c, cad_opt_kind kind);
const char *cad_opt_name(cad_opt_kind k);
int cad_opt_parse(const char *s, cad_opt_kind *k);

int cad_optim_init(cad_optim *o, const cad_opt_config *c, long n,
                   cad_error *e);
void cad_optim_free(cad_optim *o);
/* Clips g in place (value, then global norm) and returns the norm before
 * clipping, for logging. */
double cad_optim_clip(const cad_optim *o, float *g);
/* One update of w from g (g is clipped first). */
double cad_optim_step(cad_optim *o, float *w, float *g);

#endif
