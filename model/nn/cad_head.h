/* Output heads: what turns the top LSTM layer's state u into a probability
 * distribution over the next frame, and the losses that train them.
 *   sigmoid: independent Bernoulli per key, p = sig(W u + b) (seed 001)
 *   softmax: one category out of n_out, p = softmax(W u + b)
 *   nade:    the 88 keys of a frame modelled jointly, key by key (cad_nade.h)
 *   fields:  one output per field of a sequence's layout (base/cad_seq.h),
 *            the same linear map as sigmoid and softmax, read field by
 *            field: a softmax for a CLASS field, a Bernoulli per bit of a
 *            BITS field, a regression for a REAL field (squared error plus
 *            `pressure` times how far it goes below zero, the positive
 *            pressure of the pitch/step/duration systems), each field's
 *            loss with its own weight. Its NLL counts the CLASS and BITS
 *            fields (a regression is not a likelihood).
 * Losses are per frame, summed over keys, in nats: bce and ce are the exact
 * negative log-likelihood; mse (seed 001's alternative) is the squared error
 * between p and the target, which is trained on but is not a likelihood. */
#ifndef CAD_HEAD_H
#define CAD_HEAD_H

#include <stdint.h>

#include "cad_rng.h"
#include "cad_seq.h"

typedef enum { CAD_HEAD_SIGMOID, CAD_HEAD_SOFTMAX, CAD_HEAD_NADE,
               CAD_HEAD_FIELDS } cad_head_kind;
typedef enum { CAD_LOSS_BCE, CAD_LOSS_MSE, CAD_LOSS_CE } cad_loss_kind;

const char *cad_head_name(cad_head_kind k);
const char *cad_loss_name(cad_loss_kind k);
int cad_head_parse(const char *s, cad_head_kind *k);
int cad_loss_parse(const char *s, cad_loss_kind *k);

typedef struct {
    cad_head_kind kind; /* CAD_HEAD_SIGMOID, _SOFTMAX or _FIELDS */
    cad_loss_kind loss;
    int n_in, n_out;
    /* fields only: the layout (n_out = its expanded width), a loss weight
     * per field, the positive pressure of its regressions */
    const cad_layout *layout;
    const float *field_weight;
    float pressure;
    float *w, *b;   /* [n_out, n_in], [n_out] */
    float *gw, *gb;
    int n_given;    /* sigmoid: the last n_given outputs have no loss */
} cad_linear_head;

/* Generation: z is scratch of n_out floats, out receives a 0/1 frame
 * (sigmoid) or a one-hot vector (softmax). See cad_gen.h for the params;
 * top_k and top_p apply to the softmax (cad_top_filter). */
void cad_linear_head_sample(const cad_linear_head *h, const float *u,
                            float temperature, int top_k, float top_p,
                            float threshold,
                            const uint8_t *allowed, int max_notes,
                            cad_rng *rng, float *z, uint8_t *out);

/* --max-notes: of the keys on in a frame (key 0 lowest), only the highest
 * max_notes stay on: the top voices, so 1 leaves the melody of a chord
 * and not its bass. 0 keeps them all. */
void cad_keep_top_voices(uint8_t *frame, int n, int max_notes);

/* Generation with a fields head: samples every field of one step (a
 * class from softmax(z / T), bits from sigmoid(z / T), a regression's
 * value clamped at 0; T <= 1e-3 takes the likeliest; top_k and top_p
 * narrow each class's choice) into step (the
 * layout's floats) and expanded (the network's next input, n_out
 * floats). z is scratch of n_out floats. */
void cad_fields_head_sample(const cad_linear_head *h, const float *u,
                            float temperature, int top_k, float top_p,
                            cad_rng *rng, float *z,
                            float *step, float *expanded);

/* Top-k and nucleus (top-p) sampling, for a categorical choice from
 * softmax(z / temperature) over the allowed classes (allowed NULL: all):
 * keeps the top_k likeliest (0 = no limit), then of those the smallest
 * set of likeliest whose probability reaches top_p (0 or >= 1: no
 * limit), and sets the other logits to -infinity. Classes tied with the
 * last one kept stay. The likeliest class always stays, so greedy
 * choice is unchanged; with neither limit, z is not touched (and the
 * random numbers drawn are the same). Allocation-free: bisections over
 * the logits' order, 32 passes over z each. */
void cad_top_filter(float *z, int n, const uint8_t *allowed,
                    float temperature, int top_k, float top_p);

/* softplus(z) = log(1 + e^z) without overflow. */
static inline float cad_softplus(float z)
{
    return z > 0 ? z + __builtin_log1pf(__builtin_expf(-z))
                 : __builtin_log1pf(__builtin_expf(z));
}

#endif
