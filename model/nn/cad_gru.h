/* The GRU's parameters as named arrays, shared by its two halves
 * (nn/cad_gru.c: generation; train/cad_gru_train.c: batched passes). */
#ifndef CAD_GRU_H
#define CAD_GRU_H

#include "cad_layer.h"

typedef struct {
    float *w_ih, *w_hh, *b_ih, *b_hh; /* [3H, In] [3H, H] [3H] [3H] */
} cad_gru_view;

static inline cad_gru_view cad_gru_view_of(const cad_layer *L, float *base)
{
    const long H = L->n_hid, G = 3 * H;
    cad_gru_view v = {base, base + G * L->n_in, NULL, NULL};
    v.b_ih = v.w_hh + G * H;
    v.b_hh = v.b_ih + G;
    return v;
}

#endif
