/* Recurrent layer kinds behind one small interface, so a model is a stack
 * of layers of any kind and the trainer, eval and generation never ask
 * which. 
 *
 *   lstm  PyTorch's nn.LSTM  (gates i, f, g, o; cad_lstm.c)
 *   gru   PyTorch's nn.GRU   (gates r, z, n)
 *   rnn   PyTorch's nn.RNN with tanh (the character RNN's cell)
 *   embed PyTorch's nn.Embedding: a token's vector (cad_embed.c)
 *   bilstm, bigru, birnn  one of the three, bidirectional (cad_bidir.c)
 *
 * Each kind has two halves: this one (parameters, state, one step of
 * generation; our own kernels, no BLAS) and its batched forward and
 * backward passes (train/cad_layer_train.h, BLAS). A kind is then two
 * files, cad_<kind>.c here and cad_<kind>_train.c there, and one line in
 * each registry.
 *
 * Every kind keeps PyTorch's parameter names and layouts (weight_ih_l0,
 * weight_hh_l0, bias_ih_l0, bias_hh_l0 for the layer at index 0), so a
 * model trained in PyTorch loads here and the other way round.
 *
 * Conventions, as in cad_lstm.h: sequences are time-major, element (t, b)
 * of a [T, B, n] array at (t * B + b) * n; a layer owns no memory (its
 * weights and gradients are views into the model's flat parameter block,
 * its activations live in the caller's workspace), so the hot paths never
 * allocate. The state a layer carries from one step to the next (h, or h
 * and c) is `state_size` floats per sequence; forward starts from a given
 * state (or zeros), so long pieces can be trained in chunks with the state
 * carried across (truncated backpropagation through time). */
#ifndef CAD_LAYER_H
#define CAD_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "cad_error.h"
#include "cad_rng.h"

#define CAD_LAYER_MAX_PARAMS 8

typedef struct {
    char name[32];   /* PyTorch's, for this layer's index: "weight_ih_l1" */
    int rows, cols;  /* cols 0 for a vector */
} cad_param_spec;

typedef struct cad_layer_kind cad_layer_kind;

typedef struct {
    const cad_layer_kind *kind;
    int n_in, n_hid;  /* input width; hidden units (the output width) */
    int index;        /* place in the stack: the 1 of weight_ih_l1 */
    float *w, *g;     /* parameters and gradients, in params() order */
    const uint16_t *w16; /* NULL, or w rounded to bfloat16 (same layout),
                            which step() then reads: half the bytes */
} cad_layer;

struct cad_layer_kind {
    const char *name; /* the spelling of `cadenza train --cell` */
    /* The parameters, with names and shapes, in storage order; returns
     * how many. Their sizes sum to the layer's share of the block. */
    int (*params)(const cad_layer *L, cad_param_spec out[CAD_LAYER_MAX_PARAMS]);
    /* Floats of state carried per sequence from step to step. */
    long (*state_size)(const cad_layer *L);
    /* Floats of scratch one step needs. */
    long (*step_scratch_size)(const cad_layer *L);
    /* One step of one sequence, for generation: state updated in place,
     * y [n_hid] (may alias nothing). Reads w16 when the layer has it. */
    void (*step)(const cad_layer *L, const float *x, float *state, float *y,
                 float *scratch);
    /* Optional: one sequence x [T, n_in] -> y [T, n_hid] from a zero
     * state, batch 1, no BLAS, with run_scratch_size(L, T) floats of
     * scratch. A kind that cannot be stepped (a bidirectional layer sees
     * the whole sequence, so its step is NULL) must have it; for the
     * others cad_layer_run steps from zeros. Windowed generation
     * (cad_gen.c) runs every layer this way. */
    void (*run)(const cad_layer *L, int T, const float *x, float *y,
                float *scratch);
    long (*run_scratch_size)(const cad_layer *L, int T);
};
/* The batched passes of each kind, for training and evaluation, are its
 * other half (train/cad_layer_train.h): kept apart so that what only
 * generates (the plugin) links no BLAS. */

/* The kind of that name, or NULL; every kind, NULL-terminated. */
const cad_layer_kind *cad_layer_find(const char *name);
const cad_layer_kind *const *cad_layer_kinds(void);

/* PyTorch's four recurrent parameters for a layer of `gates` blocks of
 * n_hid rows (LSTM 4, GRU 3, RNN 1): weight_ih_lI [G, In], weight_hh_lI
 * [G, H], bias_ih_lI [G], bias_hh_lI [G]. Returns 4. For the kinds'
 * params(). */
int cad_layer_recurrent_params(const cad_layer *L, int gates,
                               cad_param_spec p[CAD_LAYER_MAX_PARAMS]);

/* x [T, n_in] -> y [T, n_hid] from a zero state, one sequence: the
 * kind's run, or its step T times. Scratch: cad_layer_run_scratch. */
long cad_layer_run_scratch(const cad_layer *L, int T);
void cad_layer_run(const cad_layer *L, int T, const float *x, float *y,
                   float *scratch);

/* Floats of parameters a layer of this kind and shape has. */
long cad_layer_n_params(const cad_layer *L);
/* PyTorch's default initialisation for recurrent layers: every parameter
 * uniform in (-1/sqrt(n_hid), 1/sqrt(n_hid)). */
void cad_layer_init(cad_layer *L, cad_rng *r);

#endif
