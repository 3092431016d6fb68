/* See cad_layer_train.h: the registry of the kinds' batched halves. */
#include "cad_layer_train.h"

#include <stddef.h>

/* One line per kind, as in nn/cad_layer.c. */
extern const cad_layer_trainer cad_lstm_trainer, cad_gru_trainer,
    cad_rnn_trainer, cad_embed_trainer, cad_bilstm_trainer,
    cad_bigru_trainer, cad_birnn_trainer;

static const cad_layer_trainer *const trainers[] = {
    &cad_lstm_trainer,
    &cad_gru_trainer,
    &cad_rnn_trainer,
    &cad_embed_trainer,
    &cad_bilstm_trainer,
    &cad_bigru_trainer,
    &cad_birnn_trainer,
    NULL,
};

const cad_layer_trainer *cad_layer_trainer_for(const cad_layer_kind *k)
{
    for (int i = 0; trainers[i]; i++)
        if (trainers[i]->kind == k)
            return trainers[i];
    return NULL;
}
