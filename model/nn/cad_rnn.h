/* The plain RNN's parameters as named arrays, shared by its two halves
 * (nn/cad_rnn.c: generation; train/cad_rnn_train.c: batched passes). */
#ifndef CAD_RNN_H
#define CAD_RNN_H

#include "cad_layer.h"

typedef struct {
    float *w_ih, *w_hh, *b_ih, *b_hh; /* [H, In] [H, H] [H] [H] */
} cad_rnn_view;

static inline cad_rnn_view cad_rnn_view_of(const cad_layer *L, float *base)
{
    const long H = L->n_hid;
    cad_rnn_view v = {base, base + H * L->n_in, NULL, NULL};
    v.b_ih = v.w_hh + H * H;
    v.b_hh = v.b_ih + H;
    return v;
}

#endif
