/* Offline bounce: a Standard MIDI File played through FluidSynth into a WAV
 * file (libsndfile, 24-bit PCM, written atomically). Events are applied at
 * their exact sample frame, following the file's tempo map, and the render
 * continues until the last note's release has decayed (with a cap). By
 * default the result is levelled to -20 dBFS RMS without clipping: the
 * synth renders to a float file first, then that is scaled into the WAV. */
#ifndef CAD_RENDER_H
#define CAD_RENDER_H

#include "cad_error.h"

typedef struct {
    const char *soundfont; /* NULL: the system's General MIDI font */
    int rate;              /* sample rate, 8000..96000 (FluidSynth's range) */
    float gain;            /* FluidSynth master gain, 0..10 */
    int effects;           /* FluidSynth reverb + chorus */
    /* The gated RMS level the WAV is brought to, in dBFS (-40..-6), never
     * above a -1 dBFS peak (dsp/cad_level.h); NAN: the gain alone. */
    double level;
} cad_render_opts;

void cad_render_opts_default(cad_render_opts *o);
int cad_render_midi_to_wav(const char *midi_path, const char *wav_path,
                           const cad_render_opts *o, cad_error *e);

#endif
