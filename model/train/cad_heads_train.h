/* The output heads' batched passes: what training and evaluation run
 * over [N] rows at once, with BLAS. The heads themselves, and how they
 * sample for generation, are in nn/cad_head.h and nn/cad_nade.h; this
 * half is kept apart so that what only generates (the plugin) links no
 * BLAS and starts no thread pool. */
#ifndef CAD_HEADS_TRAIN_H
#define CAD_HEADS_TRAIN_H

#include "cad_head.h"
#include "cad_nade.h"

/* ---- sigmoid and softmax (cad_head_train.c) ---- */

/* Forward for N rows of u ([N, n_in]) against targets y ([N, n_out]) with a
 * per-row weight mask (0 = padding). z ([N, n_out]) receives the logits.
 * Adds the masked training loss to *loss and the masked NLL to *nll. */
void cad_linear_head_forward(const cad_linear_head *h, int N, const float *u,
                             const float *y, const float *mask, float *z,
                             double *loss, double *nll);
/* Backward from the logits z kept by forward; scale multiplies the loss
 * (1 / frames for a mean). Overwrites z with dz. Accumulates the weight
 * gradients and writes du ([N, n_in]). */
void cad_linear_head_backward(const cad_linear_head *h, int N, const float *u,
                              const float *y, const float *mask, float *z,
                              float scale, float *du);

/* ---- NADE (cad_nade_train.c) ---- */

/* Scratch floats for N rows (conditioned biases and their gradients). */
long cad_nade_ws_size(const cad_nade *m, int N);

/* N rows of u ([N, n_cond]) and binary targets y ([N, n_vis]), per-row
 * mask. Adds the masked NLL (nats) to *nll. ws keeps what backward needs. */
void cad_nade_forward(const cad_nade *m, int N, const float *u,
                      const float *y, const float *mask, float *ws,
                      double *nll);
/* Gradient of scale * sum(mask * NLL): accumulates into the weight
 * gradients and writes du ([N, n_cond]). hrow is scratch of n_vis * n_hid. */
void cad_nade_backward(const cad_nade *m, int N, const float *u,
                       const float *y, const float *mask, float *ws,
                       float scale, float *du, float *hrow);

/* Log-likelihood of one frame y (float 0/1) given u, for tests. */
double cad_nade_logprob(const cad_nade *m, const float *u, const float *y,
                        float *scratch);

#endif
