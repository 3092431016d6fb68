/* A Cadenza model: a stack of recurrent layers of one kind (LSTM, GRU or
 * tanh RNN: nn/cad_layer.h; each optionally bidirectional), optionally
 * under a token embedding, and an output head, with every
 * parameter in one flat float array (and the gradients in another of the
 * same layout). Named views of that array follow PyTorch's names
 * (weight_ih_l0, ..., fc.weight) so files cross over in both directions.
 *
 * Generation steps it (cad_gen.h); training and evaluation run batched
 * passes over it (train/cad_model_train.h), kept apart so that what only
 * generates links no BLAS. */
#ifndef CAD_MODEL_H
#define CAD_MODEL_H

#include <stdint.h>

#include "cad_error.h"
#include "cad_gen.h"
#include "cad_head.h"
#include "cad_layer.h"
#include "cad_lstm.h"
#include "cad_nade.h"
#include "cad_rng.h"
#include "cad_safetensors.h"

#define CAD_MAX_LAYERS 8
#define CAD_MAX_WIDTH 8192 /* largest layer, input or output size accepted */

typedef struct {
    int n_in, n_out;
    char cell[8];     /* layer kind: "lstm" (the default), "gru", "rnn" */
    int n_layers;     /* recurrent layers (the embedding is not one) */
    int hidden[CAD_MAX_LAYERS]; /* units per layer (per direction) */
    int embed;        /* 0, or the width of a token embedding (embed.weight
                         [n_in, embed]) below the recurrent layers */
    int bidirectional;/* 1: every recurrent layer reads both ways */
    int window;       /* 0: the state runs through a whole piece; W > 0:
                         every prediction is made from the last W inputs
                         alone, from a zero state (training, evaluation
                         and generation alike). Bidirectional models need
                         one. */
    cad_head_kind head;
    cad_loss_kind loss;
    int nade_hidden;
    int n_given;      /* the last n_given outputs are not predicted: the
                         caller sets them (a piano roll's metre bits, the
                         composer's to write). No loss, no NLL; sigmoid
                         and NADE heads */
    /* the fields head only: the layout of a step, each field's loss
     * weight, the regressions' positive pressure (cad_head.h) */
    cad_layout fields;
    float field_weight[CAD_SEQ_MAX_FIELDS];
    float pressure;
    float dropout;    /* between layers and before the head */
    float dropout_in; /* on the network input */
    /* What a frame means (the representation): */
    char representation[32]; /* "pianoroll" */
    double step_beats, step_seconds;
    int low_key;
} cad_model_config;

/* Piano-roll model with seed 001's shape by default: 88 in/out. */
void cad_model_config_default(cad_model_config *c);
/* The kind of the recurrent layers: the cell, or its bidirectional
 * wrapper (NULL if there is none). */
const cad_layer_kind *cad_model_kind(const cad_model_config *c);
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
    /* the stack, bottom first: the embedding if any, then the recurrent
     * layers; views into w, g (and w16) */
    cad_layer layer[CAD_MAX_LAYERS + 1];
    int n_stack;
    cad_linear_head fc;
    cad_nade nade;
    cad_param_info *info;
    int n_info;
    cad_st_file meta; /* provenance strings (tensors unused) */
};

/* Width of a model's top layer (what the head reads). */
static inline int cad_model_top(const cad_model *m)
{
    return m->layer[m->n_stack - 1].n_hid;
}

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
/* Three steps of generation's forward pass on a probe input: fails with
 * a message if the states or the head's outputs are not finite (finite
 * weights can still overflow). cad_model_load runs it on every file. */
int cad_model_probe(const cad_model *m, cad_error *e);
int cad_model_set_meta(cad_model *m, const char *key, const char *val);
const char *cad_model_get_meta(const cad_model *m, const char *key);
void cad_model_zero_grad(cad_model *m);
/* Reduced precision for generation: rounds every weight to the nearest
 * bfloat16 (so training-style evaluation of m then measures exactly what
 * the rounding costs) and keeps a 16-bit copy that cad_gen steps read,
 * half the memory traffic of f32. Not for a model that is still being
 * trained. */
int cad_model_to_bf16(cad_model *m, cad_error *e);

#endif
