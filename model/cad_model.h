/* A Cadenza model: a stack of LSTM layers and an output head, with every
 * parameter in one flat float array (and the gradients in another of the
 * same layout). Named views of that array follow PyTorch's names
 * (weight_ih_l0, ..., fc.weight) so files cross over in both directions.
 *
 * Training uses cad_model_forward / cad_model_backward on a batch of
 * sequences laid out time-major ([T, B, n]); generation uses cad_gen.h. */
#ifndef CAD_MODEL_H
#define CAD_MODEL_H

#include <stdint.h>

#include "cad_error.h"
#include "cad_gen.h"
#include "cad_head.h"
#include "cad_lstm.h"
#include "cad_nade.h"
#include "cad_rng.h"
#include "cad_safetensors.h"

#define CAD_MAX_LAYERS 8
#define CAD_MAX_WIDTH 8192 /* largest layer, input or output size accepted */

typedef struct {
    int n_in, n_out;
    int n_layers;
    int hidden[CAD_MAX_LAYERS];
    cad_head_kind head;
    cad_loss_kind loss;
    int nade_hidden;
    float dropout;    /* between layers and before the head */
    float dropout_in; /* on the network input */
    /* What a frame means (the representation): */
    char representation[32]; /* "pianoroll" */
    double step_beats, step_seconds;
    int low_key;
} cad_model_config;

/* Piano-roll model with seed 001's shape by default: 88 in/out. */
void cad_model_config_default(cad_model_config *c);
/* Checks sizes and combinations; the message says what is wrong. */
int cad_model_config_check(const cad_model_config *c, cad_error *e);

typedef struct {
    char name[32];
    long offset;
    int ndim;
    int64_t shape[2];
} cad_param_info;

struct cad_model {
    cad_model_config cfg;
    long n_params;
    float *w, *g; /* parameters and gradients, n_params each */
    uint16_t *w16; /* NULL, or w in bfloat16 for generation (same layout) */
    cad_lstm_layer lstm[CAD_MAX_LAYERS];
    cad_linear_head fc;
    cad_nade nade;
    cad_param_info *info;
    int n_info;
    cad_st_file meta; /* provenance strings (tensors unused) */
};

/* Builds a model with freshly initialised weights (PyTorch's defaults:
 * U(-1/sqrt(H), 1/sqrt(H)) for the LSTM and linear layers). */
int cad_model_new(const cad_model_config *c, uint64_t seed, cad_model **out,
                  cad_error *e);
/* The same with every weight zero (loaders fill them in). */
int cad_model_alloc(const cad_model_config *c, cad_model **out, cad_error *e);
int cad_model_save(const cad_model *m, const char *path, cad_error *e);
/* Builds a model from a parsed safetensors file (validates every shape). */
int cad_model_from_st(const cad_st_file *f, cad_model **out, cad_error *e);
/* f borrows m's weights (no copy): free f before m, and save it before
 * m's weights change. */
int cad_model_to_st(const cad_model *m, cad_st_file *f, cad_error *e);
int cad_model_set_meta(cad_model *m, const char *key, const char *val);
const char *cad_model_get_meta(const cad_model *m, const char *key);
void cad_model_zero_grad(cad_model *m);
/* Reduced precision for generation: rounds every weight to the nearest
 * bfloat16 (so training-style evaluation of m then measures exactly what
 * the rounding costs) and keeps a 16-bit copy that cad_gen steps read,
 * half the memory traffic of f32. Not for a model that is still being
 * trained. */
int cad_model_to_bf16(cad_model *m, cad_error *e);

/* A batch: x and y are [T, B, n_in] and [T, B, n_out]; mask [T, B] is 1
 * for real frames and 0 for padding after a shorter sequence's end. */
typedef struct {
    int T, B;
    const float *x, *y, *mask;
} cad_batch;

/* Workspace for forward/backward; grows as needed, never shrinks. */
typedef struct cad_model_ws cad_model_ws;
cad_model_ws *cad_model_ws_new(void);
void cad_model_ws_free(cad_model_ws *ws);

/* Truncated backpropagation through time, for pieces too long to hold at
 * once: with carry on, each forward starts from the LSTM state the
 * previous forward (of the same batch size) ended in, instead of zero, so
 * a long batch can be run as consecutive chunks of time. Gradients stop at
 * a chunk's start. Off by default; turning it on or off drops any state
 * kept, so the next forward starts from zero either way. */
void cad_model_ws_carry(cad_model_ws *ws, int on);

/* Forward over a batch. train = 1 applies dropout (drawn from rng).
 * Adds the masked training loss and NLL sums (nats) to *loss and *nll.
 * Returns 0, or -1 if the workspace could not grow (out of memory). */
int cad_model_forward(cad_model *m, cad_model_ws *ws, const cad_batch *b,
                      int train, cad_rng *rng, double *loss, double *nll,
                      cad_error *e);
/* Accumulates into m->g the gradient of scale * (loss sum) of the last
 * forward (which must have been run on the same batch). */
void cad_model_backward(cad_model *m, cad_model_ws *ws, const cad_batch *b,
                        float scale);

#endif
