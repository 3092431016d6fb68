/* A model's batched passes, for training and evaluation: a batch of
 * sequences laid out time-major ([T, B, n]) through every layer's
 * batched half (cad_layer_train.h) and the head's (cad_heads_train.h). */
#ifndef CAD_MODEL_TRAIN_H
#define CAD_MODEL_TRAIN_H

#include "cad_heads_train.h"
#include "cad_layer_train.h"
#include "cad_model.h"

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
