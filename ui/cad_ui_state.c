/* See cad_ui_state.h. */
#include "cad_ui_state.h"

#include <stdio.h>
#include <string.h>

void cad_ui_state_init(cad_ui_state *s)
{
    memset(s, 0, sizeof *s);
    for (unsigned port = 0; port < CAD_N_PORTS; port++) {
        const cad_control_spec *c = cad_control_of(port);
        s->ctl[port] = c ? c->dflt : 0.0f;
    }
    s->qpm = 120;
    s->bar = 4;
    s->step = 0.25;
    s->section = -1;
}

/* Positions from the plugin, kept to what a session can hold (a year at
 * 300 bpm is 1.6e8 quarter notes), so no arithmetic on them overflows or
 * stops moving. */
#define CAD_UI_BEAT_MAX 1e9

static double clampd(double v, double lo, double hi)
{
    return !(v >= lo) ? lo : v > hi ? hi : v; /* NaN goes to lo */
}

/* Room for one more note: the oldest makes way. */
static cad_ui_note *append(cad_ui_note *notes, int *n)
{
    if (*n == CAD_UI_NOTES) {
        memmove(notes, notes + 1, (CAD_UI_NOTES - 1) * sizeof *notes);
        (*n)--;
    }
    return &notes[(*n)++];
}

void cad_ui_state_played(cad_ui_state *s, double beat, int pitch,
                         int velocity)
{
    if (pitch < 0 || pitch > 127)
        return;
    beat = clampd(beat, -CAD_UI_BEAT_MAX, CAD_UI_BEAT_MAX);
    /* A note on closes a note of the same key that is still open (its
     * note off may have been dropped on the way). */
    for (int i = s->n_played - 1; i >= 0; i--) {
        cad_ui_note *n = &s->played[i];
        if (n->open && n->pitch == pitch) {
            n->open = 0;
            n->end = beat > n->start ? beat : n->start;
            break;
        }
    }
    if (velocity > 0) {
        cad_ui_note *n = append(s->played, &s->n_played);
        *n = (cad_ui_note){.start = beat, .end = beat,
                           .pitch = (uint8_t)pitch, .open = 1};
    }
}

void cad_ui_state_planned(cad_ui_state *s, double beat, double length,
                          int pitch)
{
    if (pitch < 0 || pitch > 127 || !(length > 0))
        return;
    beat = clampd(beat, -CAD_UI_BEAT_MAX, CAD_UI_BEAT_MAX);
    length = clampd(length, 1.0 / 64, 64);
    for (int i = 0; i < s->n_planned; i++) {
        cad_ui_note *n = &s->planned[i];
        if (n->pitch != pitch)
            continue;
        if (beat >= n->start - 1e-6 && beat + length <= n->end + 1e-6)
            return; /* already known */
        if (beat >= n->end - 1e-6 && beat <= n->end + 1e-6) {
            n->end = beat + length; /* the next step of a held key */
            return;
        }
    }
    cad_ui_note *n = append(s->planned, &s->n_planned);
    *n = (cad_ui_note){.start = beat, .end = beat + length,
                       .pitch = (uint8_t)pitch};
}

void cad_ui_state_replan(cad_ui_state *s)
{
    s->n_planned = 0;
}

void cad_ui_state_transport(cad_ui_state *s, double beat, double qpm,
                            double bar, int rolling, double step,
                            int section, double now)
{
    beat = clampd(beat, -CAD_UI_BEAT_MAX, CAD_UI_BEAT_MAX);
    qpm = clampd(qpm, 0, 1000);
    bar = clampd(bar, 0.25, 64);
    step = clampd(step, 1.0 / 64, 64);
    double was = cad_ui_state_beat_at(s, now);
    if (s->have_transport && beat < was - 0.5) {
        /* Jumped back (a loop, a relocation): what was played after the
         * new position would hide what is played there now. */
        s->n_played = 0;
        s->n_planned = 0;
    }
    if (!rolling)
        for (int i = 0; i < s->n_played; i++)
            if (s->played[i].open) {
                s->played[i].open = 0;
                s->played[i].end = beat;
            }
    s->beat = beat;
    s->qpm = qpm;
    s->bar = bar;
    s->rolling = rolling;
    s->step = step;
    s->section = section;
    s->reported_at = now;
    s->have_transport = 1;
}

double cad_ui_state_beat_at(const cad_ui_state *s, double now)
{
    if (!s->rolling || !s->have_transport)
        return s->beat;
    double dt = now - s->reported_at;
    /* Never run on more than half a second past the last report: the
     * host may have stopped calling the plugin. */
    dt = dt < 0 ? 0 : dt > 0.5 ? 0.5 : dt;
    return s->beat + dt * s->qpm / 60.0;
}

void cad_ui_state_prune(cad_ui_state *s, double beat, double history)
{
    int k = 0;
    for (int i = 0; i < s->n_played; i++)
        if (s->played[i].open || s->played[i].end >= beat - history)
            s->played[k++] = s->played[i];
    s->n_played = k;
    k = 0;
    for (int i = 0; i < s->n_planned; i++)
        if (s->planned[i].end > beat)
            s->planned[k++] = s->planned[i];
    s->n_planned = k;
}

void cad_ui_state_status(cad_ui_state *s, int kind, const char *text)
{
    snprintf(s->status, sizeof s->status, "%s", text ? text : "");
    s->status_kind = kind;
}

void cad_ui_state_file(cad_ui_state *s, int which, const char *path)
{
    char *dst = which ? s->soundfont : s->model;
    snprintf(dst, CAD_UI_PATH, "%s", path ? path : "");
}

const char *cad_ui_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}
