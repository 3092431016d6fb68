/* Cadenza's window, its model: what the window knows of the plugin.
 *
 * Everything here comes from the plugin through the host: control port
 * values, and the messages of cad_contract.h (notes played, notes planned,
 * the transport, the files in use, the status). No X11, no cairo, no LV2:
 * the tests fill a state by hand and draw it (cad_ui_draw.h). */
#ifndef CAD_UI_STATE_H
#define CAD_UI_STATE_H

#include <stdint.h>

#include "cad_contract.h"

#define CAD_UI_NOTES 1024   /* notes kept of each kind (oldest go first) */
#define CAD_UI_PATH 1024

typedef struct {
    double start, end; /* quarter notes; end is "now" while open */
    uint8_t pitch;
    uint8_t open;      /* sounding: no note off seen yet */
} cad_ui_note;

enum { CAD_UI_INFO, CAD_UI_BUSY, CAD_UI_ERROR };

typedef struct {
    float ctl[CAD_N_PORTS];   /* control values as the host reports them */

    /* The transport as last reported, and when (seconds of the caller's
     * clock), so the playhead can move smoothly between reports. */
    double beat, qpm, bar, step;
    int rolling, section, have_transport;
    double reported_at;

    cad_ui_note played[CAD_UI_NOTES];
    int n_played;
    cad_ui_note planned[CAD_UI_NOTES];
    int n_planned;

    char model[CAD_UI_PATH], soundfont[CAD_UI_PATH];
    char status[512];
    int status_kind;          /* CAD_UI_INFO, _BUSY or _ERROR */
} cad_ui_state;

void cad_ui_state_init(cad_ui_state *s);
/* A note began (velocity > 0) or ended at `beat`. */
void cad_ui_state_played(cad_ui_state *s, double beat, int pitch,
                         int velocity);
/* A composed note, not yet played. Adjacent steps of one key join. */
void cad_ui_state_planned(cad_ui_state *s, double beat, double length,
                          int pitch);
void cad_ui_state_replan(cad_ui_state *s);
void cad_ui_state_transport(cad_ui_state *s, double beat, double qpm,
                            double bar, int rolling, double step,
                            int section, double now);
/* The playhead at `now` (seconds of the same clock as above). */
double cad_ui_state_beat_at(const cad_ui_state *s, double now);
/* Forgets notes more than `history` quarter notes behind `beat`, and the
 * planned notes the playhead has passed. */
void cad_ui_state_prune(cad_ui_state *s, double beat, double history);
void cad_ui_state_status(cad_ui_state *s, int kind, const char *text);
/* which: 0 model, 1 SoundFont. */
void cad_ui_state_file(cad_ui_state *s, int which, const char *path);
/* The last component of a path ("" stays ""). */
const char *cad_ui_basename(const char *path);

#endif
