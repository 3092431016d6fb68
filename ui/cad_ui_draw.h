/* Cadenza's window, its picture: layout and drawing with cairo alone.
 *
 * Nothing here knows X11: the window draws into its cairo-xlib surface,
 * the tests into an image surface, through the same two calls. Sizes are
 * logical pixels (the caller scales the cairo context for HiDPI). The
 * layout also says where each control is, so the window can tell what a
 * click hit, and where a note of a given beat and key lands, so the tests
 * can look there. */
#ifndef CAD_UI_DRAW_H
#define CAD_UI_DRAW_H

#include <cairo.h>

#include "cad_ui_browse.h"
#include "cad_ui_state.h"

/* Colours the tests look for (0xRRGGBB). */
#define CAD_UI_RGB_BACKGROUND 0x1b1d22
#define CAD_UI_RGB_PLAYED 0xf0a030
#define CAD_UI_RGB_PLANNED 0x3cc8dc
#define CAD_UI_RGB_PLAYHEAD 0xff3b3b
#define CAD_UI_RGB_ERROR 0xff6060

/* Default and smallest window, logical pixels. */
#define CAD_UI_WIDTH 800
#define CAD_UI_HEIGHT 460
#define CAD_UI_MIN_WIDTH 560
#define CAD_UI_MIN_HEIGHT 340

typedef struct {
    double x, y, w, h;
} cad_ui_rect;

/* How a control is worked: a slider (drag, wheel), a stepper (click the
 * left or right half, wheel) or a momentary button. */
enum { CAD_UI_SLIDER, CAD_UI_STEPPER, CAD_UI_BUTTON };

typedef struct {
    int port;
    int kind;
    const char *label;
    cad_ui_rect r;
} cad_ui_control;

#define CAD_UI_N_CONTROLS 10

typedef struct {
    double w, h;
    cad_ui_rect header, model_btn, sound_btn, section;
    cad_ui_rect keys, ruler, roll, controls, status;
    cad_ui_rect browser;      /* the browser's list, over the roll */
    double row_h;             /* height of one browser row */
    cad_ui_control ctl[CAD_UI_N_CONTROLS];
    /* What the roll shows: beats [beat_left, beat_right), keys
     * [pitch_lo, pitch_hi], the playhead at beat `now`. */
    double beat_left, beat_right, now;
    int pitch_lo, pitch_hi;
} cad_ui_layout;

/* Lays the window out at w x h for the playhead at `now`. */
void cad_ui_layout_make(cad_ui_layout *l, const cad_ui_state *s, double w,
                        double h, double now);
double cad_ui_beat_x(const cad_ui_layout *l, double beat);
/* The rectangle of a note in the roll, clipped to it; 0 if not visible. */
int cad_ui_note_rect(const cad_ui_layout *l, double start, double end,
                     int pitch, cad_ui_rect *out);
/* The control at (x, y), or -1; and the browser row, or -1. */
int cad_ui_hit_control(const cad_ui_layout *l, double x, double y);
int cad_ui_hit_browser(const cad_ui_layout *l, const cad_ui_browser *b,
                       double x, double y);
/* A control's value for a slider dragged to x. */
float cad_ui_slider_value(const cad_ui_layout *l, int control, double x);
/* The text a control's value is shown as. */
void cad_ui_value_text(int port, float v, char *buf, int size);

/* Draws the whole window (and the browser over the roll if it is open;
 * b may be NULL). */
void cad_ui_draw(cairo_t *cr, const cad_ui_state *s, const cad_ui_layout *l,
                 const cad_ui_browser *b);

#endif
