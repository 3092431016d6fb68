/* Sequences: what every representation turns music into and every
 * network models, without either knowing the other. A sequence is T steps
 * of `width` floats each; its layout says what the floats of a step mean,
 * as a list of fields:
 *   BITS  `size` floats of 0 or 1 (the 88 keys of a frame);
 *   CLASS one float holding a class index in 0..size-1 (a pitch, a token);
 *   REAL  one float (a step or a duration in seconds).
 * Step t of a sequence is both the target at t and the input at t + 1.
 * For a network a step is expanded (cad_layout_expand): a BITS field as
 * its bits, a CLASS field as a one-hot vector of `size`, a REAL field as
 * itself; so a piano roll is 88 floats, a token of a 388-word vocabulary
 * 388 floats with one of them 1. */
#ifndef CAD_SEQ_H
#define CAD_SEQ_H

#include <stdint.h>

#include "cad_error.h"

#define CAD_SEQ_MAX_FIELDS 8
/* Longest sequence encoded (steps), so a hostile file cannot ask for more
 * memory than a long real piece needs. */
#define CAD_SEQ_MAX_STEPS (1 << 20)

typedef enum { CAD_FIELD_BITS, CAD_FIELD_CLASS, CAD_FIELD_REAL } cad_field_kind;

typedef struct {
    char name[16];       /* "keys", "pitch", "step", "duration", "token" */
    cad_field_kind kind;
    int size;            /* BITS: bits; CLASS: classes; REAL: 1 */
    int offset;          /* index of its first float in a step */
} cad_field;

typedef struct {
    cad_field field[CAD_SEQ_MAX_FIELDS];
    int n_fields;
    int width;           /* floats per step */
} cad_layout;

typedef struct {
    int T, width;
    float *v;            /* [T, width] */
} cad_seq;

/* A set of sequences with one layout: the pieces of a data set. */
typedef struct {
    cad_layout layout;
    cad_seq *pieces;
    int n;
} cad_seq_set;

/* Sequences. */
int cad_seq_init(cad_seq *q, int T, int width, cad_error *e);
void cad_seq_free(cad_seq *q);
/* Adds a field to a layout (offset and width follow from the order). */
int cad_layout_add(cad_layout *l, const char *name, cad_field_kind kind,
                   int size, cad_error *e);
const cad_field *cad_layout_find(const cad_layout *l, const char *name);

/* Floats of one expanded step (see above). */
int cad_layout_expanded_width(const cad_layout *l);
/* Step t of q, expanded into out[expanded width]; an out-of-range class
 * gives an all-zero one-hot vector. */
void cad_layout_expand(const cad_layout *l, const float *step, float *out);

/* Appends a copy-by-move of *q to s (q is emptied); s's layout must have
 * q's width. */
int cad_seq_set_push(cad_seq_set *s, cad_seq *q, cad_error *e);
void cad_seq_set_free(cad_seq_set *s);
long cad_seq_set_total_steps(const cad_seq_set *s);
/* A fingerprint of the pieces in their order (FNV-1a over the steps'
 * bytes): a training checkpoint refuses to resume on other data. */
uint64_t cad_seq_set_hash(const cad_seq_set *s, uint64_t h);

/* What a trainer reads: n sequences of steps expanded to `width` floats
 * each, however they are stored. A set of cad_seq is one source
 * (cad_seq_set_source); a piano-roll set, a byte per key, another
 * (music/cad_roll.h), so that training reads it as floats without holding
 * four times its size. */
typedef struct {
    int n, width;
    int (*len)(const void *data, int piece);
    /* step t of piece p, expanded, into out[width] */
    void (*expand)(const void *data, int piece, int t, float *out);
    /* a fingerprint of the pieces in their order, continuing from h */
    uint64_t (*hash)(const void *data, uint64_t h);
    const void *data;
} cad_seq_source;

void cad_seq_set_source(const cad_seq_set *s, cad_seq_source *out);

#endif
