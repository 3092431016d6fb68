/* Keys and scales as masks over the model's keys: generation never plays a
 * masked key (the network is told "off" for it and continues from there),
 * which is how a musician keeps Cadenza in the song's key and register. */
#ifndef CAD_SCALE_H
#define CAD_SCALE_H

#include <stdint.h>

typedef enum {
    CAD_SCALE_CHROMATIC, CAD_SCALE_MAJOR, CAD_SCALE_MINOR,
    CAD_SCALE_HARMONIC_MINOR, CAD_SCALE_DORIAN, CAD_SCALE_MIXOLYDIAN,
    CAD_SCALE_PENTATONIC, CAD_SCALE_MINOR_PENTATONIC, CAD_SCALE_COUNT
} cad_scale;

const char *cad_scale_name(cad_scale s);
int cad_scale_parse(const char *name, cad_scale *s);
/* Parses a tonic name: C, C#, Db, ... B (case-insensitive) → 0..11. */
int cad_scale_parse_tonic(const char *name, int *pc);

/* 1 if MIDI note `note` (0..127) is in scale s on `tonic` and within
 * [lowest, highest]. A tonic outside 0..11 or an unknown scale counts as
 * C / chromatic (a host may send any port value). */
int cad_scale_allows(int tonic, cad_scale s, int lowest, int highest,
                     int note);

/* allowed[k] for MIDI notes low_key + k, k < n_keys: 1 if the note is in
 * the scale on `tonic` (pitch class 0..11, C = 0) and within
 * [lowest, highest]. Out-of-range arguments are clamped. */
void cad_scale_mask(int tonic, cad_scale s, int lowest, int highest,
                    int low_key, int n_keys, uint8_t *allowed);

/* Keys for models that compose in one key. The transposed data sets
 * (JSB chorales, Nottingham, the note+duration tokens) are all in C major
 * or A minor, so their models compose there; to play in another key the
 * music is moved. cad_scale_home: the tonic (pitch class) the scale s has
 * when its notes are taken from C major / A minor — major and the
 * pentatonic C, minor, harmonic minor and minor pentatonic A, dorian D,
 * mixolydian G, chromatic C. cad_key_shift: the semitones, -5..6 (the
 * nearest way, so the register stays), that move `from` to `to` (pitch
 * classes). So music in C major / A minor moved by
 * cad_key_shift(cad_scale_home(s), tonic) is in scale s on tonic. */
int cad_scale_home(cad_scale s);
int cad_key_shift(int from, int to);

#endif
