/* Which key is a piece in? The Krumhansl–Schmuckler estimate: correlate
 * how long each pitch class sounds with the Krumhansl–Kessler profiles of
 * the 24 major and minor keys and take the best. `cadenza stats` uses it
 * for key fit, out-of-key notes and endings; the key features (primers in
 * any key, --key) are meant to reuse it. */
#ifndef CAD_KEY_H
#define CAD_KEY_H

#include "cad_roll.h"
#include "cad_score.h"

typedef struct {
    int tonic; /* pitch class 0..11, C = 0 */
    int minor; /* 0 major, 1 minor */
    double r;  /* Pearson correlation with that key's profile, -1..1 */
} cad_key;

/* The best of the 24 keys for a pitch-class histogram (any non-negative
 * weights: frames sounding, seconds, note counts). Ties go to the first in
 * the order C major .. B major, C minor .. B minor. Returns -1 and leaves
 * *out alone when the histogram is flat (all equal, e.g. silence), where
 * no key can be told. */
int cad_key_estimate(const double weight[12], cad_key *out);

/* Frames each pitch class sounds in a roll (a three-frame note weighs 3). */
void cad_key_roll_histogram(const cad_roll *r, double weight[12]);

/* Quarter notes each pitch class sounds in a score. */
void cad_key_score_histogram(const cad_score *s, double weight[12]);

/* The semitones (-6..5) that move a piece to C major / A minor: by its
 * key signature, or the Krumhansl-Schmuckler estimate when it has none;
 * 0 when no key can be told. How the transposed data sets are made. */
int cad_key_shift_to_c(const cad_score *s);

/* 1 if pitch class pc (0..11) belongs to the key's scale: the major scale,
 * or for minor the natural minor plus its leading tone (the raised 7th of
 * every minor cadence), 8 pitch classes. */
int cad_key_in_scale(const cad_key *k, int pc);

/* "C major", "F# minor": a static string. */
const char *cad_key_name(const cad_key *k);

#endif
