/* cadenza.lv2, audio thread: everything that leaves the plugin (audio,
 * MIDI events, patch notifications) and small helpers run() shares. Every
 * forge call is checked, and room is checked before an event is begun, so
 * a small output buffer loses whole events, never corrupts the sequence. */
#ifndef CAD_OUT_H
#define CAD_OUT_H

#include "cad_plugin.h"

void cad_out_begin(cad_plugin *p);
/* Closes the sequence, applies gain (or silence when disabled). */
void cad_out_finish(cad_plugin *p, uint32_t n);
/* Renders the synth into the outputs over frames [from, to). */
void cad_out_render(cad_plugin *p, uint32_t from, uint32_t to);
/* Starts FluidSynth's next 64-frame block here, discarding up to 63
 * frames of whatever still sounds (called as playing starts, right after
 * all notes were released). From then on the output depends only on what
 * happens after this point, not on how long the instance ran before:
 * two exports of the same session give the same file. */
void cad_align_synth(cad_plugin *p);
/* A generated note on (velocity > 0) or off: to the synth and out as
 * MIDI at `off`, and to the window. */
void cad_play_note(cad_plugin *p, uint32_t off, int note, int velocity);
/* Generated note events at the velocity port's value, the same way. */
void cad_play_events(cad_plugin *p, uint32_t off, const cad_note_ev *ev,
                     int n);
void cad_release_generated(cad_plugin *p, uint32_t off);
/* Generated and input notes, with note offs out for the generated ones. */
void cad_release_all(cad_plugin *p, uint32_t off);
void cad_program_change(cad_plugin *p);
void cad_write_notifications(cad_plugin *p);
/* A message for the host/UI (patch:Set of cadenza:status), no allocation. */
void cad_status_set(cad_plugin *p, const char *msg);
/* Int, Long, Float, Double or Bool atom as a number; 0 if absent/other. */
int cad_atom_number(const cad_uris *u, const LV2_Atom *a, double *out);
float cad_db_to_gain(float db);

#endif
