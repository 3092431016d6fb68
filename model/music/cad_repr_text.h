/* The text representation's own functions (the kind is "text" in
 * cad_repr.c; its grammar is in cad_repr_text.c): a score as text a person
 * can read and edit, that text back to a score, and any plain text file as
 * a character sequence, for the character RNN of seed 000. */
#ifndef CAD_REPR_TEXT_H
#define CAD_REPR_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "cad_repr.h"

typedef struct {
    double step_beats; /* one item per step: 0.25 quarter notes */
    double max_beats;  /* longer notes are cut to this: 16 */
    int velocity;      /* decoded notes play at this: 80 */
} cad_text_opts;

void cad_text_opts_default(cad_text_opts *o);

/* What decoding could not read: it skips and counts, never fails on
 * garbage. */
typedef struct {
    long lines, lines_skipped;  /* lines that are neither blank nor comments */
    long items, items_skipped;  /* items of bars (steps); past the bar too */
    long notes, notes_skipped;  /* notes read into the score */
} cad_text_report;

/* The text of a score: malloc'd, NUL-terminated, *len bytes. */
int cad_text_render(const cad_score *s, const cad_text_opts *o, char **out,
                    size_t *len, cad_error *e);
/* A score from text; the text's "step" line, if any, overrides
 * o->step_beats. Fails only for memory or more notes than a score holds. */
int cad_text_parse(const char *text, size_t len, const cad_text_opts *o,
                   cad_score *out, cad_text_report *rep, cad_error *e);

/* Any bytes as a sequence of the "char" field of a text representation
 * (a byte outside its vocabulary becomes a space, or class 0 if it has no
 * space), and back (malloc'd, NUL-terminated). */
int cad_text_encode_bytes(const cad_repr *r, const uint8_t *bytes, size_t n,
                          cad_seq *out, cad_error *e);
int cad_text_decode_bytes(const cad_repr *r, const cad_seq *q, char **out,
                          size_t *n, cad_error *e);
/* Narrows a text representation's vocabulary to the bytes of a plain text
 * (newline and printable ASCII only), for training on that text. */
int cad_text_fit_bytes(cad_repr *r, const uint8_t *bytes, size_t n,
                       cad_error *e);

#endif
