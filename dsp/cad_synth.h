/* The FluidSynth wrapper: one synth, one soundfont, stereo float output.
 * Creation and soundfont loading allocate and read files (worker thread or
 * offline only). Note, program and render calls do not allocate as long as
 * FluidSynth's own reverb and chorus are off: Debian's libfluidsynth 2.3 is
 * built with OpenMP and, with effects on, every fluid_synth_write_float
 * enters a parallel region that allocates. The plugin therefore creates its
 * synth with effects = 0; offline rendering may turn them on. */
#ifndef CAD_SYNTH_H
#define CAD_SYNTH_H

#include "cad_error.h"

typedef struct cad_synth cad_synth;

/* The system's General MIDI soundfont, or NULL if none is installed. */
const char *cad_synth_default_soundfont(void);

/* soundfont may be NULL (then the synth makes no sound but all calls work).
 * effects: FluidSynth's reverb and chorus on (1) or off (0). */
cad_synth *cad_synth_new(double rate, const char *soundfont, int effects,
                         cad_error *e);
void cad_synth_free(cad_synth *s);

void cad_synth_note_on(cad_synth *s, int chan, int key, int vel);
void cad_synth_note_off(cad_synth *s, int chan, int key);
void cad_synth_program(cad_synth *s, int chan, int program);
void cad_synth_cc(cad_synth *s, int chan, int cc, int value);
void cad_synth_pitch_bend(cad_synth *s, int chan, int value); /* 0..16383, 8192 = centre */
void cad_synth_all_notes_off(cad_synth *s);
void cad_synth_gain(cad_synth *s, float gain);
/* Renders n frames, overwriting left and right. */
void cad_synth_render(cad_synth *s, int n, float *left, float *right);

#endif
