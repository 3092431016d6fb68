/* The bidirectional wrapper's two directions as layers of the wrapped
 * kind, shared by its two halves (nn/cad_bidir.c: generation;
 * train/cad_bidir_train.c: batched passes). */
#ifndef CAD_BIDIR_H
#define CAD_BIDIR_H

#include "cad_layer.h"

/* The kind a bidirectional kind wraps (lstm for bilstm), or NULL if k is
 * not one of them. */
const cad_layer_kind *cad_bidir_inner(const cad_layer_kind *k);

/* A bidirectional layer of n_hid outputs is two layers of the wrapped
 * kind with n_hid / 2 units each over the same input: the forward
 * direction's parameters first, then the reverse direction's (PyTorch's
 * order), views into the wrapper's own block. */
static inline void cad_bidir_split(const cad_layer *L, cad_layer *fwd,
                                   cad_layer *rev)
{
    const cad_layer_kind *in = cad_bidir_inner(L->kind);
    *fwd = (cad_layer){.kind = in, .n_in = L->n_in, .n_hid = L->n_hid / 2,
                       .index = L->index, .w = L->w, .g = L->g,
                       .w16 = L->w16};
    const long n = cad_layer_n_params(fwd);
    *rev = *fwd;
    rev->w = L->w + n;
    rev->g = L->g ? L->g + n : NULL;
    rev->w16 = L->w16 ? L->w16 + n : NULL;
}

#endif
