/* The RNN-NADE output head (Boulanger-Lewandowski, Bengio & Vincent 2012):
 * instead of 88 independent coin flips, a frame's keys are modelled one
 * after another, lowest first, each conditioned on the keys already
 * decided, so the head can learn chords and voice leading:
 *   a_0 = bh(u),  a_{i+1} = a_i + W[i] y_i,     h_i = sig(a_i)      (Hn)
 *   p(y_i = 1 | y_<i) = sig(z_i),  z_i = bv(u)_i + V[i] . h_i
 * The LSTM state u sets the biases: bv(u) = bv + Wuv u, bh(u) = bh + Wuh u.
 * The frame's log-likelihood is exact: sum_i y_i log p_i + (1-y_i) log(1-p_i).
 * W and V are stored row-per-key ([88, Hn]) so each step reads contiguous
 * memory. */
#ifndef CAD_NADE_H
#define CAD_NADE_H

#include <stdint.h>

#include "cad_rng.h"

/* The per-frame chain keeps two hidden vectors on the stack; models are
 * validated against this bound when built or loaded. */
#define CAD_NADE_MAX_HID 1024

typedef struct {
    int n_vis, n_hid, n_cond;
    float *W, *V;     /* [n_vis, n_hid] each */
    float *bv, *bh;   /* [n_vis], [n_hid] */
    float *Wuv, *Wuh; /* [n_vis, n_cond], [n_hid, n_cond] */
    float *gW, *gV, *gbv, *gbh, *gWuv, *gWuh;
    int n_given;      /* the last n_given visible units have no loss: the
                         caller sets them (cad_model_config.n_given) */
} cad_nade;

/* Generation for one state u. scratch: n_vis + 2 * n_hid floats. A masked
 * key is forced off and the following keys are conditioned on that. */
void cad_nade_sample(const cad_nade *m, const float *u, float temperature,
                     float threshold, const uint8_t *allowed, int max_notes,
                     cad_rng *rng, float *scratch, uint8_t *out);

/* Each key's probability of sounding, given u and the keys below it as
 * they are in `frame` (the chain's order, as the NLL counts them), into
 * p[n_vis]; scratch as for sampling. For pictures of what a model
 * expects (cadenza plot --probabilities). */
void cad_nade_probs(const cad_nade *m, const float *u, const uint8_t *frame,
                    float *scratch, float *p);

/* 1 if every visible unit's logit is finite for the state u, with every
 * key on (the most the chain can add up); scratch as for sampling. The
 * model probe's check of a NADE head. */
int cad_nade_finite(const cad_nade *m, const float *u, float *scratch);

#endif
