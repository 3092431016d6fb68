/* Piano rolls: the representation the LSTM models. A roll is a sequence of
 * frames on a fixed time grid; a frame is the set of the 88 piano keys
 * (MIDI 21..108) sounding during it. Held and repeated notes look the same,
 * as in the Boulanger-Lewandowski benchmarks. */
#ifndef CAD_ROLL_H
#define CAD_ROLL_H

#include <stddef.h>
#include <stdint.h>

#include "cad_error.h"
#include "cad_seq.h"

#define CAD_ROLL_KEYS 88
#define CAD_ROLL_LOW 21 /* MIDI note of key 0 (A0) */
/* Longest roll we allocate (92 MB; 36 hours of sixteenths at 120 bpm), so a
 * hostile MIDI or JSON file cannot ask for gigabytes. */
#define CAD_ROLL_MAX_FRAMES (1 << 20)

typedef struct {
    int n_frames;
    uint8_t *on; /* [n_frames * CAD_ROLL_KEYS], 1 = key sounding */
} cad_roll;

typedef struct {
    cad_roll *pieces;
    int n;
} cad_roll_set;

typedef struct {
    /* Frame length. If step_seconds > 0 the grid is in seconds (seed 001's
     * 0.3 s, following the tempo map); otherwise step_beats quarter notes
     * (0.25 = sixteenth note, the default; 1.0 = quarter note as in JSB). */
    double step_beats;
    double step_seconds;
    int include_drums; /* channel 10 is skipped unless set */
    int transpose_to_c; /* shift by the first key signature to C major / A minor */
} cad_roll_opts;

typedef struct {
    int program;    /* General MIDI program 0..127 */
    double bpm;     /* tempo written into the file */
    int velocity;   /* 1..127 */
    double step_beats; /* frame length in quarter notes when writing */
    int channel;    /* 0..15 */
} cad_roll_midi_opts;

void cad_roll_opts_default(cad_roll_opts *o);
void cad_roll_midi_opts_default(cad_roll_midi_opts *o);

/* Allocates a zeroed roll of n frames. */
int cad_roll_init(cad_roll *r, int n_frames, cad_error *e);
void cad_roll_free(cad_roll *r);
void cad_roll_set_free(cad_roll_set *s);
/* Appends a copy-by-move of *r to s (r is emptied). */
int cad_roll_set_push(cad_roll_set *s, cad_roll *r, cad_error *e);
int cad_roll_set_total_frames(const cad_roll_set *s);

/* One MIDI file to a roll. */
int cad_roll_from_midi_file(const char *path, const cad_roll_opts *o,
                            cad_roll *out, cad_error *e);
int cad_roll_from_midi_bytes(const uint8_t *data, size_t len,
                             const cad_roll_opts *o, cad_roll *out,
                             cad_error *e);
/* Every .mid/.midi file in a folder (sorted by name, not recursive; a file
 * that fails to parse is reported on stderr and skipped). Fails if none. */
int cad_roll_load_dir(const char *dir, const cad_roll_opts *o,
                      cad_roll_set *out, cad_error *e);
/* The benchmark JSON: {"train": [piece...], "valid": [...], "test": [...]}
 * where a piece is a list of frames and a frame a list of MIDI pitches.
 * split names the key to read. Pitches outside 21..108 are an error. */
int cad_roll_load_json(const char *path, const char *split,
                       cad_roll_set *out, cad_error *e);
int cad_roll_parse_json(const char *text, size_t len, const char *split,
                        cad_roll_set *out, cad_error *e);
/* A benchmark JSON file does not record its grid. The benchmarks use
 * quarter notes for the JSB chorales and eighth notes for the others
 * (Boulanger-Lewandowski et al. 2012): the frame length in quarter notes
 * for a file, guessed from its name. */
double cad_roll_json_step_guess(const char *path);

/* The set as a trainer reads it (base/cad_seq.h): 88 floats of 0 or 1 a
 * frame, expanded from the bytes as they are read. s must outlive it. */
void cad_roll_set_source(const cad_roll_set *s, cad_seq_source *out);
/* A fingerprint of the pieces in their order (FNV-1a over the frames):
 * a checkpoint refuses to resume on other data. */
uint64_t cad_roll_set_hash(const cad_roll_set *s, uint64_t h);

/* A roll to a Standard MIDI File (format 0; consecutive frames in which a
 * key is on become one held note). Written atomically. */
int cad_roll_write_midi(const cad_roll *r, const cad_roll_midi_opts *o,
                        const char *path, cad_error *e);

#endif
