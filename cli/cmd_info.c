/* cadenza info: what a model file holds: architecture, what a frame
 * means, and how it was trained (every __metadata__ string). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_model.h"
#include "cad_repr.h"
#include "cli.h"

int cad_cmd_info(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: cadenza info MODEL.safetensors\n");
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: cadenza info MODEL.safetensors\n");
        return 2;
    }
    cad_error e;
    cad_model *m;
    if (cad_model_load_any(argv[1], &m, &e)) {
        fprintf(stderr, "cadenza info: %s\n", e.msg);
        return 1;
    }
    const cad_model_config *c = &m->cfg;
    printf("%s\n  network: ", argv[1]);
    if (c->embed)
        printf("embedding %d, ", c->embed);
    printf("%d-layer %s%s (", c->n_layers, c->bidirectional ? "bidirectional " : "",
           strcmp(c->cell, "lstm") == 0 ? "LSTM" : strcmp(c->cell, "gru") == 0 ? "GRU" : "tanh RNN");
    for (int l = 0; l < c->n_layers; l++)
        printf("%s%d", l ? ", " : "", c->hidden[l]);
    printf("), %s head", cad_head_name(c->head));
    if (c->head == CAD_HEAD_NADE)
        printf(" (%d hidden)", c->nade_hidden);
    printf(", %ld parameters (%.1f MB as f32)\n", m->n_params,
           (double)m->n_params * 4 / 1e6);
    if (c->window)
        printf("  window: each step predicted from the last %d alone; "
               "generation reruns the network over them for every step\n",
               c->window);
    if (strcmp(c->representation, "pianoroll") == 0) {
        /* the keys, and what else a frame holds (re-strikes, the metre) */
        const char *keys = cad_model_get_meta(m, "repr.keys");
        int n_keys = keys ? atoi(keys) : c->n_out;
        n_keys = n_keys > 0 && n_keys <= c->n_out ? n_keys : c->n_out;
        const char *on = cad_model_get_meta(m, "repr.onsets");
        const char *me = cad_model_get_meta(m, "repr.metre");
        printf("  frames: %s, %d keys from MIDI %d%s%s, ", c->representation,
               n_keys, c->low_key, on && atoi(on) ? ", a re-strike bit each" : "",
               me && atoi(me) ? ", the bar position and metre" : "");
        if (c->step_seconds > 0)
            printf("%g s each\n", c->step_seconds);
        else
            printf("%g quarter notes each\n", c->step_beats);
    } else {
        cad_repr *r;
        if (cad_repr_from_meta(&m->meta, &r, &e)) {
            fprintf(stderr, "cadenza info: %s\n", e.msg);
            cad_model_free(m);
            return 1;
        }
        printf("  representation: %s, one step per %s, %d values a step; "
               "drops %s\n", r->kind->name, r->kind->unit, c->n_out,
               r->kind->drops);
        cad_repr_free(r);
    }
    printf("  trained with loss %s, dropout %g (input %g)\n",
           cad_loss_name(c->loss), (double)c->dropout, (double)c->dropout_in);
    for (int i = 0; i < m->meta.n_meta; i++)
        printf("  %s: %s\n", m->meta.meta_keys[i], m->meta.meta_vals[i]);
    cad_model_free(m);
    return 0;
}
