/* Representations: how a piece of music (a cad_score) becomes the
 * sequence a network models, and how a sequence the network composed
 * becomes music again. Each one is a cad_repr_kind in a file of its own
 * (cad_repr_<name>.c), registered by one line in cad_repr.c:
 *
 *   pianoroll  frames on a beat grid, one bit per key       unit: frame
 *   notes      (pitch, step, duration) per note, seconds     unit: note
 *   tokens     "pitch$duration" / "chord$duration" / rests   unit: token
 *   text       a readable text rendering, one character each unit: character
 *   events     NOTE_ON, NOTE_OFF, TIME_SHIFT, VELOCITY       unit: event
 *
 * A sequence (base/cad_seq.h) is T steps of `width` floats each, laid out
 * by the representation's fields; the network side sees only the layout,
 * never the music.
 *
 * This layer knows music and nothing of networks. */
#ifndef CAD_REPR_H
#define CAD_REPR_H

#include "cad_error.h"
#include "cad_safetensors.h"
#include "cad_seq.h" /* its metadata strings carry a representation */
#include "cad_score.h"

/* A representation with its options and whatever it learnt from the
 * training data (a vocabulary). Each kind puts this first in its own
 * struct and adds what it needs. */
typedef struct cad_repr_kind cad_repr_kind;
typedef struct {
    const cad_repr_kind *kind;
    cad_layout layout;
} cad_repr;

struct cad_repr_kind {
    const char *name; /* the spelling of `cadenza train --repr` */
    const char *unit; /* what one step is: "frame", "note", ... */
    /* An instance from a model file's metadata ("repr.*" keys; f NULL for
     * the defaults); options the kind does not know are an error. */
    int (*create)(const cad_st_file *f, cad_repr **out, cad_error *e);
    /* Learns from the training pieces what encoding needs (a vocabulary);
     * NULL for kinds that need nothing. */
    int (*fit)(cad_repr *r, const cad_score *pieces, int n, cad_error *e);
    /* The piece as this representation can express it: onsets and
     * durations on its grid, pitches in its range, velocities it keeps.
     * decode(encode(s)) == expressible(s): the round-trip tests hold every
     * kind to that, and `cadenza info` says what a kind drops. */
    int (*expressible)(const cad_repr *r, const cad_score *in,
                       cad_score *out, cad_error *e);
    int (*encode)(const cad_repr *r, const cad_score *s, cad_seq *out,
                  cad_error *e);
    int (*decode)(const cad_repr *r, const cad_seq *q, cad_score *out,
                  cad_error *e);
    /* Writes what decoding needs (options, vocabulary) as "repr.*"
     * metadata, with "representation" = name. */
    int (*save)(const cad_repr *r, cad_st_file *f, cad_error *e);
    /* One line on what is lost from a MIDI file, for `cadenza info`. */
    const char *drops;
    void (*free)(cad_repr *r);
};

/* The kind of that name, or NULL. */
const cad_repr_kind *cad_repr_find(const char *name);
/* Every registered kind, for help texts and tests; NULL-terminated. */
const cad_repr_kind *const *cad_repr_kinds(void);
/* The representation a model file's metadata names ("pianoroll" when it
 * names none: files from before representations were named). */
int cad_repr_from_meta(const cad_st_file *f, cad_repr **out, cad_error *e);
void cad_repr_free(cad_repr *r);

/* For the kinds: their numeric options in a file's metadata, as
 * "repr.<key>" (or an older key the file may have instead), checked
 * against [lo, hi]; f NULL or the key absent gives dflt. */
int cad_repr_opt(const cad_st_file *f, const char *key, const char *legacy,
                 double dflt, double lo, double hi, double *out, cad_error *e);
/* Fails, naming it, on a "repr.*" key not in the NULL-terminated list. */
int cad_repr_check_opts(const cad_st_file *f, const char *const *known,
                        cad_error *e);
int cad_repr_save_opt(cad_st_file *f, const char *key, double v, cad_error *e);

#endif
