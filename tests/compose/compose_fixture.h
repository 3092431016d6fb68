/* Hand-made models for the composer's tests: a one-unit tanh RNN whose
 * piano-roll output is set weight by weight, so every frame it plays is
 * known in advance. */
#ifndef COMPOSE_FIXTURE_H
#define COMPOSE_FIXTURE_H

#include <string.h>

#include "cad_compose.h"
#include "cad_model.h"
#include "cad_test.h"

/* The parameter called name (PyTorch's), element [row, col]. */
static inline void fixture_set(cad_model *m, const char *name, int row,
                               int col, float v)
{
    for (int i = 0; i < m->n_info; i++)
        if (strcmp(m->info[i].name, name) == 0) {
            long cols = m->info[i].ndim == 2 ? m->info[i].shape[1] : 1;
            m->w[m->info[i].offset + row * cols + col] = v;
            return;
        }
    fprintf(stderr, "fixture: no parameter %s\n", name);
    abort();
}

/* A piano roll of 88 keys from MIDI 21 (with onset bits: 176 outputs),
 * step_beats a step (0: step_seconds), every weight zero, every key's
 * logit -30 (never on) until the test says otherwise. Its one hidden
 * unit h reads key 60 of the previous frame: h = tanh(30 x60 - 15), +1
 * after a frame with key 60, -1 otherwise. */
static inline cad_model *fixture_roll(int onsets, double step_beats,
                                      double step_seconds)
{
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_in = c.n_out = onsets ? 176 : 88;
    snprintf(c.cell, sizeof c.cell, "rnn");
    c.n_layers = 1;
    c.hidden[0] = 1;
    c.step_beats = step_beats;
    c.step_seconds = step_seconds;
    cad_model *m;
    cad_error e;
    if (cad_model_alloc(&c, &m, &e)) {
        fprintf(stderr, "fixture: %s\n", e.msg);
        abort();
    }
    fixture_set(m, "weight_ih_l0", 0, 60 - 21, 30);
    fixture_set(m, "bias_ih_l0", 0, 0, -15);
    for (int k = 0; k < c.n_out; k++)
        fixture_set(m, "fc.bias", k, 0, -30);
    if (onsets)
        cad_model_set_meta(m, "repr.onsets", "1");
    return m;
}

/* Key `pitch` always on (bit `bit`: 0 the key, 1 its onset). */
static inline void fixture_always(cad_model *m, int pitch, int bit)
{
    fixture_set(m, "fc.bias", bit * 88 + pitch - 21, 0, 30);
}

/* Key `pitch` on after a frame with key 60 (sign +1) or without (-1). */
static inline void fixture_follows(cad_model *m, int pitch, float sign)
{
    fixture_set(m, "fc.weight", pitch - 21, 0, 60 * sign);
}

static inline cad_repr *fixture_repr(const cad_model *m)
{
    cad_repr *r;
    cad_error e;
    if (cad_repr_from_meta(&m->meta, &r, &e)) {
        fprintf(stderr, "fixture: %s\n", e.msg);
        abort();
    }
    return r;
}

#endif
