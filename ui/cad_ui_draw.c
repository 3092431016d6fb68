/* See cad_ui_draw.h. The picture, top to bottom: a header with the model
 * and SoundFont (click to choose another) and the song-form section; the
 * piano roll (keys on the left, bar numbers above, the playhead three
 * quarters across, what was played to its left, what is composed and
 * waiting to its right, the key and scale as lighter lanes); two rows of
 * controls; a status line. */
#include "cad_ui_draw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- layout ---------------------------------------------------------- */

#define HEADER_H 34
#define RULER_H 16
#define KEYS_W 44
#define CTL_ROW_H 44
#define CTL_GAP 6
#define STATUS_H 22

static const struct {
    int port, kind;
    const char *label;
    double weight;
} controls[CAD_UI_N_CONTROLS] = {
    {CAD_PORT_MODE, CAD_UI_STEPPER, "Play mode", 1.6},
    {CAD_PORT_KEY, CAD_UI_STEPPER, "Key", 0.8},
    {CAD_PORT_SCALE, CAD_UI_STEPPER, "Scale", 1.4},
    {CAD_PORT_SEED, CAD_UI_STEPPER, "Seed", 0.8},
    {CAD_PORT_REGENERATE, CAD_UI_BUTTON, "New piece", 0.9},
    {CAD_PORT_TEMPERATURE, CAD_UI_SLIDER, "Temperature", 1.2},
    {CAD_PORT_THRESHOLD, CAD_UI_SLIDER, "Note threshold", 1.2},
    {CAD_PORT_MAX_NOTES, CAD_UI_STEPPER, "Max notes", 0.8},
    {CAD_PORT_PROGRAM, CAD_UI_STEPPER, "Instrument", 1.5},
    {CAD_PORT_GAIN, CAD_UI_SLIDER, "Gain", 1.0},
};

static int visible_pitch_range(const cad_ui_state *s, int *lo, int *hi)
{
    int a = (int)s->ctl[CAD_PORT_LOW], b = (int)s->ctl[CAD_PORT_HIGH];
    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    for (int i = 0; i < s->n_played; i++) {
        a = s->played[i].pitch < a ? s->played[i].pitch : a;
        b = s->played[i].pitch > b ? s->played[i].pitch : b;
    }
    for (int i = 0; i < s->n_planned; i++) {
        a = s->planned[i].pitch < a ? s->planned[i].pitch : a;
        b = s->planned[i].pitch > b ? s->planned[i].pitch : b;
    }
    while (b - a < 23) { /* at least two octaves */
        a--;
        b++;
    }
    a = a < 0 ? 0 : a;
    b = b > 127 ? 127 : b;
    *lo = a;
    *hi = b;
    return b - a + 1;
}

void cad_ui_layout_make(cad_ui_layout *l, const cad_ui_state *s, double w,
                        double h, double now)
{
    memset(l, 0, sizeof *l);
    w = w < CAD_UI_MIN_WIDTH ? CAD_UI_MIN_WIDTH : w;
    h = h < CAD_UI_MIN_HEIGHT ? CAD_UI_MIN_HEIGHT : h;
    l->w = w;
    l->h = h;
    l->header = (cad_ui_rect){0, 0, w, HEADER_H};
    double bw = (w - 110 - 120) / 2;
    l->model_btn = (cad_ui_rect){100, 5, bw - 6, HEADER_H - 10};
    l->sound_btn = (cad_ui_rect){100 + bw, 5, bw - 6, HEADER_H - 10};
    l->section = (cad_ui_rect){w - 40, 4, 32, HEADER_H - 8};
    l->status = (cad_ui_rect){0, h - STATUS_H, w, STATUS_H};
    double ctl_h = 2 * CTL_ROW_H + 3 * CTL_GAP;
    l->controls = (cad_ui_rect){0, l->status.y - ctl_h, w, ctl_h};
    double top = HEADER_H + RULER_H;
    double roll_h = l->controls.y - top - 2;
    l->ruler = (cad_ui_rect){KEYS_W, HEADER_H, w - KEYS_W - 6, RULER_H};
    l->roll = (cad_ui_rect){KEYS_W, top, w - KEYS_W - 6, roll_h};
    l->keys = (cad_ui_rect){4, top, KEYS_W - 6, roll_h};
    l->browser = (cad_ui_rect){l->roll.x + 20, l->roll.y + 8,
                               l->roll.w - 40, l->roll.h - 16};
    l->row_h = 18;

    /* Two rows of controls, the first five and the last five, each as
     * wide as its weight says. */
    for (int row = 0; row < 2; row++) {
        double total = 0;
        for (int i = 0; i < 5; i++)
            total += controls[row * 5 + i].weight;
        double x = CTL_GAP, avail = w - 6 * CTL_GAP;
        double y = l->controls.y + CTL_GAP + row * (CTL_ROW_H + CTL_GAP);
        for (int i = 0; i < 5; i++) {
            cad_ui_control *c = &l->ctl[row * 5 + i];
            c->port = controls[row * 5 + i].port;
            c->kind = controls[row * 5 + i].kind;
            c->label = controls[row * 5 + i].label;
            double cw = avail * controls[row * 5 + i].weight / total;
            c->r = (cad_ui_rect){x, y, cw, CTL_ROW_H};
            x += cw + CTL_GAP;
        }
    }

    /* Four bars (8 to 32 quarter notes), the playhead 3/4 across. */
    double span = 4 * s->bar;
    span = span < 8 ? 8 : span > 32 ? 32 : span;
    l->now = now;
    l->beat_left = now - 0.75 * span;
    l->beat_right = now + 0.25 * span;
    visible_pitch_range(s, &l->pitch_lo, &l->pitch_hi);
}

double cad_ui_beat_x(const cad_ui_layout *l, double beat)
{
    return l->roll.x + (beat - l->beat_left) * l->roll.w /
                           (l->beat_right - l->beat_left);
}

static double row_h(const cad_ui_layout *l)
{
    return l->roll.h / (l->pitch_hi - l->pitch_lo + 1);
}

static double pitch_y(const cad_ui_layout *l, int pitch)
{
    return l->roll.y + (l->pitch_hi - pitch) * row_h(l);
}

int cad_ui_note_rect(const cad_ui_layout *l, double start, double end,
                     int pitch, cad_ui_rect *out)
{
    if (pitch < l->pitch_lo || pitch > l->pitch_hi)
        return 0;
    double x0 = cad_ui_beat_x(l, start), x1 = cad_ui_beat_x(l, end);
    if (x1 - x0 < 2)
        x1 = x0 + 2;
    double left = l->roll.x, right = l->roll.x + l->roll.w;
    x0 = x0 < left ? left : x0;
    x1 = x1 > right ? right : x1;
    if (x1 <= x0)
        return 0;
    double rh = row_h(l);
    *out = (cad_ui_rect){x0, pitch_y(l, pitch) + (rh > 3 ? 0.5 : 0), x1 - x0,
                         rh > 3 ? rh - 1 : rh};
    return 1;
}

static int inside(const cad_ui_rect *r, double x, double y)
{
    return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

int cad_ui_hit_control(const cad_ui_layout *l, double x, double y)
{
    for (int i = 0; i < CAD_UI_N_CONTROLS; i++)
        if (inside(&l->ctl[i].r, x, y))
            return i;
    return -1;
}

int cad_ui_hit_browser(const cad_ui_layout *l, const cad_ui_browser *b,
                       double x, double y)
{
    if (!b || !b->open || !inside(&l->browser, x, y))
        return -1;
    int row = (int)floor((y - l->browser.y - 2 * l->row_h) / l->row_h);
    if (row < 0)
        return -1;
    int i = b->first + row;
    return i < b->n ? i : -1;
}

float cad_ui_slider_value(const cad_ui_layout *l, int control, double x)
{
    const cad_ui_control *c = &l->ctl[control];
    const cad_control_spec *spec = cad_control_of((unsigned)c->port);
    double f = (x - c->r.x - 6) / (c->r.w - 12);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return (float)(spec->min + f * (spec->max - spec->min));
}

/* General MIDI program names, 1-based in the standard, 0-based here. */
static const char *const gm_names[128] = {
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano",
    "Honky-tonk Piano", "Electric Piano 1", "Electric Piano 2", "Harpsichord",
    "Clavinet", "Celesta", "Glockenspiel", "Music Box", "Vibraphone",
    "Marimba", "Xylophone", "Tubular Bells", "Dulcimer", "Drawbar Organ",
    "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ",
    "Accordion", "Harmonica", "Tango Accordion", "Nylon Guitar",
    "Steel Guitar", "Jazz Guitar", "Clean Guitar", "Muted Guitar",
    "Overdriven Guitar", "Distortion Guitar", "Guitar Harmonics",
    "Acoustic Bass", "Fingered Bass", "Picked Bass", "Fretless Bass",
    "Slap Bass 1", "Slap Bass 2", "Synth Bass 1", "Synth Bass 2", "Violin",
    "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings",
    "Orchestral Harp", "Timpani", "String Ensemble 1", "String Ensemble 2",
    "Synth Strings 1", "Synth Strings 2", "Choir Aahs", "Voice Oohs",
    "Synth Voice", "Orchestra Hit", "Trumpet", "Trombone", "Tuba",
    "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1",
    "Synth Brass 2", "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax",
    "Oboe", "English Horn", "Bassoon", "Clarinet", "Piccolo", "Flute",
    "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle",
    "Ocarina", "Square Lead", "Sawtooth Lead", "Calliope Lead",
    "Chiff Lead", "Charang Lead", "Voice Lead", "Fifths Lead",
    "Bass + Lead", "New Age Pad", "Warm Pad", "Polysynth Pad", "Choir Pad",
    "Bowed Pad", "Metallic Pad", "Halo Pad", "Sweep Pad", "Rain", "Soundtrack",
    "Crystal", "Atmosphere", "Brightness", "Goblins", "Echoes", "Sci-fi",
    "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle",
    "Shanai", "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock",
    "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet",
    "Telephone Ring", "Helicopter", "Applause", "Gunshot",
};

void cad_ui_value_text(int port, float v, char *buf, int size)
{
    int i = (int)lrintf(v);
    switch (port) {
    case CAD_PORT_MODE:
        snprintf(buf, (size_t)size, "%s", cad_mode_names[i < 0 ? 0 : i > 2 ? 2 : i]);
        break;
    case CAD_PORT_KEY:
        snprintf(buf, (size_t)size, "%s", cad_key_names[i < 0 ? 0 : i > 11 ? 11 : i]);
        break;
    case CAD_PORT_SCALE:
        snprintf(buf, (size_t)size, "%s", cad_scale_spec[i < 0 ? 0 : i > 7 ? 7 : i].name);
        break;
    case CAD_PORT_MAX_NOTES:
        if (i <= 0)
            snprintf(buf, (size_t)size, "Unlimited");
        else
            snprintf(buf, (size_t)size, "%d", i);
        break;
    case CAD_PORT_PROGRAM:
        snprintf(buf, (size_t)size, "%d %s", i,
                 gm_names[i < 0 ? 0 : i > 127 ? 127 : i]);
        break;
    case CAD_PORT_GAIN:
        if (v <= -59.5f)
            snprintf(buf, (size_t)size, "Silent");
        else
            snprintf(buf, (size_t)size, "%+.1f dB", v);
        break;
    case CAD_PORT_TEMPERATURE:
    case CAD_PORT_THRESHOLD:
        snprintf(buf, (size_t)size, "%.2f", v);
        break;
    case CAD_PORT_REGENERATE:
        snprintf(buf, (size_t)size, "Regenerate");
        break;
    default:
        snprintf(buf, (size_t)size, "%d", i);
        break;
    }
}

/* ---- drawing helpers --------------------------------------------------- */

static void rgb(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, (c >> 16 & 255) / 255.0, (c >> 8 & 255) / 255.0,
                         (c & 255) / 255.0);
}

static void fill_rect(cairo_t *cr, cad_ui_rect r, unsigned c)
{
    rgb(cr, c);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_fill(cr);
}

static void rounded(cairo_t *cr, cad_ui_rect r, double rad)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, r.x + r.w - rad, r.y + rad, rad, -M_PI / 2, 0);
    cairo_arc(cr, r.x + r.w - rad, r.y + r.h - rad, rad, 0, M_PI / 2);
    cairo_arc(cr, r.x + rad, r.y + r.h - rad, rad, M_PI / 2, M_PI);
    cairo_arc(cr, r.x + rad, r.y + rad, rad, M_PI, 1.5 * M_PI);
    cairo_close_path(cr);
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD
                                : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* Text at (x, baseline y), cut with an ellipsis to fit `width`; align 0
 * left, 1 centred. */
static void text(cairo_t *cr, double x, double y, double width, int align,
                 const char *s)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    cairo_text_extents_t e;
    cairo_text_extents(cr, buf, &e);
    size_t n = strlen(buf);
    while (e.x_advance > width && n > 1) {
        n--;
        while (n > 0 && (buf[n] & 0xC0) == 0x80)
            n--; /* not in the middle of a UTF-8 character */
        memcpy(buf + n, "\xe2\x80\xa6", 4); /* … */
        cairo_text_extents(cr, buf, &e);
    }
    cairo_move_to(cr, align ? x + (width - e.x_advance) / 2 : x, y);
    cairo_show_text(cr, buf);
}

/* ---- the parts ----------------------------------------------------------- */

static void draw_file_button(cairo_t *cr, cad_ui_rect r, const char *what,
                             const char *path)
{
    rgb(cr, 0x2a2d35);
    rounded(cr, r, 4);
    cairo_fill(cr);
    font(cr, 10, 0);
    rgb(cr, 0x8a909c);
    text(cr, r.x + 8, r.y + r.h / 2 + 4, 70, 0, what);
    font(cr, 12, 0);
    rgb(cr, 0xe8eaee);
    const char *name = path[0] ? cad_ui_basename(path) : "(none)";
    text(cr, r.x + 72, r.y + r.h / 2 + 4, r.w - 90, 0, name);
    /* a small downward triangle: click to choose */
    cairo_move_to(cr, r.x + r.w - 14, r.y + r.h / 2 - 2);
    cairo_line_to(cr, r.x + r.w - 6, r.y + r.h / 2 - 2);
    cairo_line_to(cr, r.x + r.w - 10, r.y + r.h / 2 + 3);
    cairo_close_path(cr);
    cairo_fill(cr);
}

static void draw_header(cairo_t *cr, const cad_ui_state *s,
                        const cad_ui_layout *l)
{
    fill_rect(cr, l->header, 0x22252c);
    font(cr, 16, 1);
    rgb(cr, 0xf0f2f5);
    text(cr, 10, 23, 90, 0, "Cadenza");
    draw_file_button(cr, l->model_btn, "Model", s->model);
    draw_file_button(cr, l->sound_btn, "SoundFont", s->soundfont);
    if (s->section >= 0) {
        char letter[8];
        snprintf(letter, sizeof letter, "%c",
                 s->section < 26 ? 'A' + s->section : '?');
        font(cr, 10, 0);
        rgb(cr, 0x8a909c);
        text(cr, l->section.x - 48, l->section.y + 17, 46, 0, "Section");
        rgb(cr, 0x7a5cff);
        rounded(cr, l->section, 5);
        cairo_fill(cr);
        font(cr, 18, 1);
        rgb(cr, 0xffffff);
        text(cr, l->section.x, l->section.y + 20, l->section.w, 1, letter);
    }
}

static int in_scale(const cad_ui_state *s, int pitch)
{
    int key = (int)lrintf(s->ctl[CAD_PORT_KEY]);
    int scale = (int)lrintf(s->ctl[CAD_PORT_SCALE]);
    key = key < 0 || key > 11 ? 0 : key;
    scale = scale < 0 || scale > 7 ? 0 : scale;
    return cad_scale_spec[scale].semitones >> ((pitch - key + 120) % 12) & 1;
}

static int black_key(int pitch)
{
    return 0x54a >> (pitch % 12) & 1; /* C# D# F# G# A# */
}

static void draw_lanes_and_keys(cairo_t *cr, const cad_ui_state *s,
                                const cad_ui_layout *l)
{
    int scale = (int)lrintf(s->ctl[CAD_PORT_SCALE]);
    int key = (int)lrintf(s->ctl[CAD_PORT_KEY]);
    int lo = (int)s->ctl[CAD_PORT_LOW], hi = (int)s->ctl[CAD_PORT_HIGH];
    double rh = row_h(l);
    for (int p = l->pitch_lo; p <= l->pitch_hi; p++) {
        cad_ui_rect lane = {l->roll.x, pitch_y(l, p), l->roll.w, rh};
        unsigned c;
        if (scale > 0) /* the key's scale as lighter lanes, its root tinted */
            c = !in_scale(s, p)                ? 0x1e2026
                : (p - key + 120) % 12 == 0   ? 0x2f3548
                                               : 0x282c34;
        else
            c = black_key(p) ? 0x1e2026 : 0x252830;
        if (p < lo || p > hi)
            c = 0x17181c; /* outside the range the plugin may play */
        fill_rect(cr, lane, c);
        cad_ui_rect k = {l->keys.x, lane.y, l->keys.w, rh};
        fill_rect(cr, k, black_key(p) ? 0x30333a : 0xd8dade);
        if (p % 12 == 0 && rh * 12 >= 30) {
            char name[16];
            snprintf(name, sizeof name, "C%d", p / 12 - 1);
            font(cr, 9, 0);
            rgb(cr, 0x30333a);
            text(cr, k.x + 2, k.y + rh - 1, k.w - 4, 0, name);
        }
    }
}

static void draw_grid(cairo_t *cr, const cad_ui_state *s,
                      const cad_ui_layout *l)
{
    fill_rect(cr, l->ruler, 0x22252c);
    double bar = s->bar > 0 ? s->bar : 4;
    double first = ceil(l->beat_left);
    int n = (int)ceil(l->beat_right - l->beat_left); /* 8 to 32 */
    cairo_set_line_width(cr, 1);
    for (int i = 0; i <= n && first + i < l->beat_right; i++) {
        double b = first + i;
        double x = floor(cad_ui_beat_x(l, b)) + 0.5;
        double q = b / bar;
        int is_bar = fabs(q - round(q)) < 1e-6;
        rgb(cr, is_bar ? 0x4a5060 : 0x2c3038);
        cairo_move_to(cr, x, is_bar ? l->ruler.y : l->roll.y);
        cairo_line_to(cr, x, l->roll.y + l->roll.h);
        cairo_stroke(cr);
        if (is_bar) {
            char num[32];
            snprintf(num, sizeof num, "%ld", lround(q) + 1);
            font(cr, 10, 0);
            rgb(cr, 0xa0a6b0);
            text(cr, x + 3, l->ruler.y + 12, 40, 0, num);
        }
    }
}

static void draw_notes(cairo_t *cr, const cad_ui_state *s,
                       const cad_ui_layout *l)
{
    cad_ui_rect r;
    for (int i = 0; i < s->n_planned; i++) {
        const cad_ui_note *n = &s->planned[i];
        if (cad_ui_note_rect(l, n->start, n->end, n->pitch, &r))
            fill_rect(cr, r, CAD_UI_RGB_PLANNED);
    }
    for (int i = 0; i < s->n_played; i++) {
        const cad_ui_note *n = &s->played[i];
        double end = n->open ? (l->now > n->start ? l->now : n->start) : n->end;
        if (cad_ui_note_rect(l, n->start, end, n->pitch, &r))
            fill_rect(cr, r, CAD_UI_RGB_PLAYED);
    }
}

static void draw_roll(cairo_t *cr, const cad_ui_state *s,
                      const cad_ui_layout *l)
{
    cairo_save(cr);
    cairo_rectangle(cr, l->keys.x, l->ruler.y,
                    l->roll.x + l->roll.w - l->keys.x,
                    l->roll.y + l->roll.h - l->ruler.y);
    cairo_clip(cr);
    draw_lanes_and_keys(cr, s, l);
    /* What lies ahead of the playhead, a shade lighter. */
    double px = cad_ui_beat_x(l, l->now);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.035);
    cairo_rectangle(cr, px, l->roll.y, l->roll.x + l->roll.w - px, l->roll.h);
    cairo_fill(cr);
    draw_grid(cr, s, l);
    draw_notes(cr, s, l);
    rgb(cr, CAD_UI_RGB_PLAYHEAD);
    cairo_rectangle(cr, floor(px) - 1, l->ruler.y, 2,
                    l->roll.y + l->roll.h - l->ruler.y);
    cairo_fill(cr);
    cairo_restore(cr);
}

static void draw_control(cairo_t *cr, const cad_ui_state *s,
                         const cad_ui_control *c)
{
    const cad_control_spec *spec = cad_control_of((unsigned)c->port);
    float v = s->ctl[c->port];
    cad_ui_rect r = c->r;
    int pressed = c->kind == CAD_UI_BUTTON && v > 0.5f;
    rgb(cr, pressed ? 0x5865f2 : 0x2a2d35);
    rounded(cr, r, 5);
    cairo_fill(cr);
    char val[64];
    cad_ui_value_text(c->port, v, val, sizeof val);
    if (c->kind == CAD_UI_BUTTON) {
        font(cr, 10, 0);
        rgb(cr, 0x8a909c);
        text(cr, r.x + 8, r.y + 14, r.w - 16, 0, c->label);
        font(cr, 13, 1);
        rgb(cr, 0xf0f2f5);
        text(cr, r.x + 6, r.y + 34, r.w - 12, 1, val);
        return;
    }
    if (c->kind == CAD_UI_SLIDER) {
        double f = (v - spec->min) / (spec->max - spec->min);
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        rgb(cr, 0x3a3f4b);
        cairo_rectangle(cr, r.x + 6, r.y + r.h - 9, r.w - 12, 4);
        cairo_fill(cr);
        rgb(cr, 0x7c8cff);
        cairo_rectangle(cr, r.x + 6, r.y + r.h - 9, (r.w - 12) * f, 4);
        cairo_fill(cr);
    } else {
        /* stepper: arrows at both ends */
        rgb(cr, 0x7c8cff);
        double y = r.y + 29;
        cairo_move_to(cr, r.x + 6, y);
        cairo_line_to(cr, r.x + 12, y - 5);
        cairo_line_to(cr, r.x + 12, y + 5);
        cairo_close_path(cr);
        cairo_move_to(cr, r.x + r.w - 6, y);
        cairo_line_to(cr, r.x + r.w - 12, y - 5);
        cairo_line_to(cr, r.x + r.w - 12, y + 5);
        cairo_close_path(cr);
        cairo_fill(cr);
    }
    font(cr, 10, 0);
    rgb(cr, 0x8a909c);
    text(cr, r.x + 8, r.y + 14, r.w - 16, 0, c->label);
    font(cr, 13, 0);
    rgb(cr, 0xf0f2f5);
    if (c->kind == CAD_UI_SLIDER)
        text(cr, r.x + 8, r.y + 30, r.w - 16, 0, val);
    else
        text(cr, r.x + 14, r.y + 34, r.w - 28, 1, val);
}

static void draw_status(cairo_t *cr, const cad_ui_state *s,
                        const cad_ui_layout *l)
{
    fill_rect(cr, l->status, 0x15171b);
    char line[600];
    unsigned c = 0xa0a6b0;
    if (s->status[0]) {
        snprintf(line, sizeof line, "%s", s->status);
        c = s->status_kind == CAD_UI_ERROR  ? CAD_UI_RGB_ERROR
            : s->status_kind == CAD_UI_BUSY ? 0xe0c060
                                            : 0xa0a6b0;
    } else if (s->rolling) {
        snprintf(line, sizeof line, "Playing  \xc2\xb7  bar %ld  \xc2\xb7  %.0f bpm",
                 (long)floor(s->beat / (s->bar > 0 ? s->bar : 4)) + 1, s->qpm);
    } else {
        snprintf(line, sizeof line, "Stopped");
    }
    font(cr, 11, 0);
    rgb(cr, c);
    text(cr, 8, l->status.y + 15, l->status.w - 16, 0, line);
}

static void draw_browser(cairo_t *cr, const cad_ui_layout *l,
                         const cad_ui_browser *b)
{
    cad_ui_rect r = l->browser;
    cairo_set_source_rgba(cr, 0, 0, 0, 0.5);
    cairo_rectangle(cr, l->roll.x, l->roll.y, l->roll.w, l->roll.h);
    cairo_fill(cr);
    rgb(cr, 0x15171b);
    rounded(cr, r, 6);
    cairo_fill_preserve(cr);
    rgb(cr, 0x4a5060);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    font(cr, 12, 1);
    rgb(cr, 0xf0f2f5);
    text(cr, r.x + 10, r.y + 16, r.w - 20, 0,
         b->which ? "Choose a SoundFont (Esc or a click outside: cancel)"
                  : "Choose a model (Esc or a click outside: cancel)");
    font(cr, 11, 0);
    int rows = (int)((r.h - 2 * l->row_h) / l->row_h);
    if (b->n == 0) {
        rgb(cr, 0xa0a6b0);
        text(cr, r.x + 10, r.y + 2 * l->row_h + 12, r.w - 20, 0,
             b->which ? "No .sf2 files in the bundle, ~/.local/share/cadenza, "
                        "/usr/local/share/cadenza, /usr/share/sounds/sf2"
                      : "No .safetensors files in the bundle, "
                        "~/.local/share/cadenza, /usr/local/share/cadenza");
    }
    for (int i = 0; i < rows && b->first + i < b->n; i++) {
        int f = b->first + i;
        double y = r.y + (2 + i) * l->row_h;
        if (f == b->hover)
            fill_rect(cr, (cad_ui_rect){r.x + 4, y, r.w - 8, l->row_h}, 0x2f3548);
        rgb(cr, 0xf0f2f5);
        text(cr, r.x + 10, y + 13, r.w * 0.4, 0, cad_ui_basename(b->files[f]));
        rgb(cr, 0x7a808c);
        char dir[CAD_UI_BROWSE_PATH];
        snprintf(dir, sizeof dir, "%s", b->files[f]);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        text(cr, r.x + 10 + r.w * 0.42, y + 13, r.w * 0.56 - 20, 0, dir);
    }
}

void cad_ui_draw(cairo_t *cr, const cad_ui_state *s, const cad_ui_layout *l,
                 const cad_ui_browser *b)
{
    fill_rect(cr, (cad_ui_rect){0, 0, l->w, l->h}, CAD_UI_RGB_BACKGROUND);
    draw_header(cr, s, l);
    draw_roll(cr, s, l);
    for (int i = 0; i < CAD_UI_N_CONTROLS; i++)
        draw_control(cr, s, &l->ctl[i]);
    draw_status(cr, s, l);
    if (b && b->open)
        draw_browser(cr, l, b);
}
