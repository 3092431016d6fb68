/* The batched half of each layer kind (see nn/cad_layer.h): forward and
 * backward over [T, B] with BLAS, for training and evaluation. A kind's
 * trainer lives in train/cad_<kind>_train.c, registered by one line in
 * cad_layer_train.c. */
#ifndef CAD_LAYER_TRAIN_H
#define CAD_LAYER_TRAIN_H

#include "cad_layer.h"

typedef struct {
    const cad_layer_kind *kind;
    /* Floats of activations a forward pass over [T, B] keeps for the
     * backward pass, and of scratch the backward pass needs. */
    long (*acts_size)(const cad_layer *L, int T, int B);
    long (*scratch_size)(const cad_layer *L, int T, int B);
    /* x [T, B, n_in] -> y [T, B, n_hid]. s0 is [B, state] to start from,
     * or NULL for zeros; s1, if not NULL, receives the final state (it may
     * be s0: a forward reads its start state before anything else). */
    void (*forward)(const cad_layer *L, int T, int B, const float *x,
                    const float *s0, float *acts, float *y, float *s1);
    /* dy [T, B, n_hid] (destroyed) -> accumulates into L->g and, if dx is
     * not NULL, writes dx [T, B, n_in]. The gradient does not flow into
     * s0 (chunks are truncated there). Takes the forward's x, s0, acts, y. */
    void (*backward)(const cad_layer *L, int T, int B, const float *x,
                     const float *s0, const float *acts, const float *y,
                     float *dy, float *dx, float *scratch);
} cad_layer_trainer;

/* The batched half of a kind (every registered kind has one). */
const cad_layer_trainer *cad_layer_trainer_for(const cad_layer_kind *k);

#endif
