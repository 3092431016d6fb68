/* A score: the notes of a piece in musical time, with its tempo map,
 * metres and key. It is what every representation (piano roll, pitch /
 * step / duration, tokens, text, performance events) encodes from and
 * decodes to, so each of them deals with music and none with the bytes of
 * a MIDI file; cad_score_from_midi and cad_score_to_midi are the one place
 * that does.
 *
 * Time is in quarter notes ("beats") from the start of the piece, as a
 * musician counts and as a DAW's transport reports it; seconds, where a
 * representation wants them (expressive timing), come from the tempo map. */
#ifndef CAD_SCORE_H
#define CAD_SCORE_H

#include <stdint.h>

#include "cad_error.h"
#include "cad_midi.h"

/* Most notes a score holds: a piano piece has a few thousand, and a
 * hostile file cannot make us hold more than this (about 50 MB). */
#define CAD_SCORE_MAX_NOTES (1 << 21)
#define CAD_SCORE_MAX_CHANGES 65536 /* tempo or metre changes */

typedef struct {
    double onset;     /* quarter notes from the start, >= 0 */
    double duration;  /* quarter notes, > 0 */
    uint8_t pitch;    /* MIDI 0..127 */
    uint8_t velocity; /* 1..127 */
    uint8_t part;     /* 0 = the first part (track or channel) with notes */
} cad_note;

typedef struct {
    double beat; /* where it takes effect */
    double bpm;  /* quarter notes per minute */
} cad_tempo;

typedef struct {
    double beat;          /* the first bar in this metre starts here */
    int numerator;        /* beats per bar, as written: 3 in 3/4, 6 in 6/8 */
    int denominator;      /* 1, 2, 4, 8, 16, 32 */
} cad_meter;

typedef struct {
    cad_note *notes; /* in cad_note_cmp's order */
    int n_notes, cap;
    cad_tempo *tempo; /* at least one; tempo[0].beat == 0 */
    int n_tempo;
    cad_meter *meter; /* at least one; meter[0].beat == 0 */
    int n_meter;
    int key_sharps;   /* the first key signature: -7..7, flats..sharps */
    int key_minor;    /* 0 major, 1 minor */
    int has_key;      /* 0: the file had no key signature */
    int program;      /* General MIDI program of the first part, 0..127 */
} cad_score;

typedef struct {
    int include_drums; /* channel 10 is left out unless set */
} cad_score_opts;

/* An empty score: 120 bpm, 4/4, no key, program 0. */
int cad_score_init(cad_score *s, cad_error *e);
/* The same at another steady tempo (what a representation that keeps no
 * tempo map decodes at). */
int cad_score_init_at(cad_score *s, double bpm, cad_error *e);
void cad_score_free(cad_score *s);
/* The order of a score's notes: onset, then pitch, part, duration and
 * velocity, so that two notes compare equal only when they are the same
 * note (a qsort comparator). */
int cad_note_cmp(const void *a, const void *b);
/* Appends a note (not yet in order: cad_score_sort after the last). */
int cad_score_push(cad_score *s, const cad_note *n, cad_error *e);
void cad_score_sort(cad_score *s);
/* Replaces the tempo map or the metres (copies; beat 0 must come first,
 * beats increasing). */
int cad_score_set_tempo(cad_score *s, const cad_tempo *t, int n, cad_error *e);
int cad_score_set_meter(cad_score *s, const cad_meter *m, int n, cad_error *e);

/* The end of the last note, in quarter notes (0 for no notes). */
double cad_score_length(const cad_score *s);
/* Seconds at a beat, and the beat at a time in seconds, by the tempo map. */
double cad_score_seconds(const cad_score *s, double beat);
double cad_score_beat_at(const cad_score *s, double seconds);
/* The same notes at a steady tempo, each where it falls in seconds: what
 * a grid of seconds (a piano roll timed in seconds) sees of a piece, on a
 * grid of beats at bpm. Key and program are kept; the metre is 4/4 (bars
 * in seconds are no bars). */
int cad_score_at_tempo(const cad_score *in, double bpm, cad_score *out,
                       cad_error *e);
/* The metre in force at a beat, and where in its bar the beat falls
 * (0 <= *pos < the bar's length in quarter notes). */
const cad_meter *cad_score_meter_at(const cad_score *s, double beat,
                                    double *pos);
/* A bar's length in quarter notes: 3/4 -> 3, 6/8 -> 3, 2/2 -> 4. */
double cad_meter_bar_beats(const cad_meter *m);

/* From a parsed MIDI file: every note (drums aside), the tempo map, the
 * time signatures, the first key signature and the first program. */
int cad_score_from_midi(const cad_midi_file *f, const cad_score_opts *o,
                        cad_score *out, cad_error *e);
int cad_score_read(const char *path, const cad_score_opts *o, cad_score *out,
                   cad_error *e);
/* To a format-1 MIDI file: a tempo/metre/key track, then one track per
 * part (channel = part, channel 10 skipped), ppq 480, onsets and
 * durations rounded to the nearest tick. */
int cad_score_to_midi(const cad_score *s, cad_midi_file *out, cad_error *e);
int cad_score_write(const cad_score *s, const char *path, cad_error *e);

#endif
