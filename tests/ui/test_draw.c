/* Cadenza's window drawn offscreen (a cairo image surface, no X11), for
 * the states a musician meets: nothing loaded yet, playing with notes
 * composed ahead, a file that failed to load, a song-form model. Checks
 * what is drawn where: note colours inside each note's rectangle and not
 * in empty rows, the playhead's column, the status text, the section
 * letter; the same at twice the scale (HiDPI). Also the messages the
 * window reads (forged as the plugin writes them) and the scale table
 * of cad_contract.h against model/music's.
 *   test_draw OUTDIR   (writes each state as a PNG there, to look at) */
#include <math.h>
#include <string.h>

#include <fontconfig/fontconfig.h>

#include "lv2/atom/forge.h"
#include "lv2/patch/patch.h"

#include "../cad_test.h"
#include "cad_scale.h"
#include "cad_ui_browse.h"
#include "cad_ui_draw.h"
#include "cad_ui_msg.h"

static const char *outdir = ".";

/* ---- an image of the window -------------------------------------------- */

typedef struct {
    cairo_surface_t *surf;
    cad_ui_layout l;
    double scale;
} picture;

static picture draw(const cad_ui_state *s, double now, double scale,
                    const char *name)
{
    picture p = {.scale = scale};
    cad_ui_layout_make(&p.l, s, CAD_UI_WIDTH, CAD_UI_HEIGHT, now);
    p.surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
                                        (int)(CAD_UI_WIDTH * scale),
                                        (int)(CAD_UI_HEIGHT * scale));
    cairo_t *cr = cairo_create(p.surf);
    cairo_scale(cr, scale, scale);
    cad_ui_draw(cr, s, &p.l, NULL);
    cairo_destroy(cr);
    cairo_surface_flush(p.surf);
    char path[1024];
    snprintf(path, sizeof path, "%s/ui_%s.png", outdir, name);
    cairo_surface_write_to_png(p.surf, path);
    return p;
}

/* The colour at logical (x, y). */
static unsigned pixel(const picture *p, double x, double y)
{
    int px = (int)floor(x * p->scale), py = (int)floor(y * p->scale);
    int w = cairo_image_surface_get_width(p->surf);
    int h = cairo_image_surface_get_height(p->surf);
    if (px < 0 || py < 0 || px >= w || py >= h)
        return 0xffffffffu;
    const uint8_t *d = cairo_image_surface_get_data(p->surf);
    int stride = cairo_image_surface_get_stride(p->surf);
    return ((const uint32_t *)(d + py * stride))[px] & 0xffffff;
}

/* Pixels in logical rectangle r whose colour passes `want`. */
static long count(const picture *p, cad_ui_rect r, int (*want)(unsigned))
{
    long n = 0;
    for (int y = (int)(r.y * p->scale); y < (int)((r.y + r.h) * p->scale); y++)
        for (int x = (int)(r.x * p->scale); x < (int)((r.x + r.w) * p->scale);
             x++)
            n += want(pixel(p, (x + 0.5) / p->scale, (y + 0.5) / p->scale));
    return n;
}

static int is_played(unsigned c) { return c == CAD_UI_RGB_PLAYED; }
static int is_planned(unsigned c) { return c == CAD_UI_RGB_PLANNED; }
static int is_note(unsigned c) { return is_played(c) || is_planned(c); }
static int is_playhead(unsigned c) { return c == CAD_UI_RGB_PLAYHEAD; }
/* Text of the error colour, antialiased: clearly red. */
static int is_reddish(unsigned c)
{
    return (c >> 16 & 255) > 150 && (c >> 8 & 255) < 130 && (c & 255) < 130;
}
/* Anything bright: text on the dark background. */
static int is_bright(unsigned c)
{
    return (c >> 16 & 255) + (c >> 8 & 255) + (c & 255) > 300;
}

/* The centre of a note's rectangle has the note's colour. */
static unsigned note_centre(const picture *p, double start, double end,
                            int pitch)
{
    cad_ui_rect r;
    if (!cad_ui_note_rect(&p->l, start, end, pitch, &r))
        return 0xffffffffu;
    return pixel(p, r.x + r.w / 2, r.y + r.h / 2);
}

/* The row of a key across the whole roll. */
static cad_ui_rect pitch_row(const picture *p, int pitch)
{
    cad_ui_rect r;
    cad_ui_note_rect(&p->l, p->l.beat_left, p->l.beat_right, pitch, &r);
    return r;
}

/* The playhead's column: playhead-coloured pixels down the roll. */
static long playhead_pixels(const picture *p)
{
    double x = cad_ui_beat_x(&p->l, p->l.now);
    cad_ui_rect col = {x - 2, p->l.roll.y, 4, p->l.roll.h};
    return count(p, col, is_playhead);
}

/* ---- the states ------------------------------------------------------------ */

static void test_empty(void)
{
    cad_ui_state s;
    cad_ui_state_init(&s);
    picture p = draw(&s, 0, 1, "empty");
    CHECK(count(&p, p.l.roll, is_note) == 0);
    CHECKF(playhead_pixels(&p) >= (long)p.l.roll.h * 2 - 4, "%ld",
           playhead_pixels(&p));
    /* "Stopped" in the status line; no error colour, no section badge. */
    CHECK(count(&p, p.l.status, is_bright) > 20);
    CHECK(count(&p, p.l.status, is_reddish) == 0);
    CHECK(count(&p, p.l.section, is_bright) == 0);
    /* the file buttons say "(none)" */
    CHECK(count(&p, p.l.model_btn, is_bright) > 20);
    cairo_surface_destroy(p.surf);
}

/* Played C4 and E4 (E4 still sounding), G4 and B4 composed ahead. */
static void playing_state(cad_ui_state *s)
{
    cad_ui_state_init(s);
    cad_ui_state_transport(s, 10.0, 120, 4, 1, 0.25, -1, 100.0);
    cad_ui_state_played(s, 6.0, 60, 80);
    cad_ui_state_played(s, 8.0, 60, 0);
    cad_ui_state_played(s, 8.5, 64, 80);
    for (int k = 0; k < 4; k++) /* one step at a time, as they arrive */
        cad_ui_state_planned(s, 10.5 + 0.25 * k, 0.25, 67);
    cad_ui_state_planned(s, 11.0, 0.5, 71);
}

static void test_playing(void)
{
    cad_ui_state s;
    playing_state(&s);
    CHECK(s.n_planned == 2); /* G4's four steps joined into one note */
    double now = cad_ui_state_beat_at(&s, 100.0);
    CHECK(fabs(now - 10.0) < 1e-9);
    CHECK(fabs(cad_ui_state_beat_at(&s, 100.25) - 10.5) < 1e-9);
    picture p = draw(&s, now, 1, "playing");
    CHECK(note_centre(&p, 6.0, 8.0, 60) == CAD_UI_RGB_PLAYED);
    CHECK(note_centre(&p, 8.5, now, 64) == CAD_UI_RGB_PLAYED); /* open */
    CHECK(note_centre(&p, 10.5, 11.5, 67) == CAD_UI_RGB_PLANNED);
    CHECK(note_centre(&p, 11.0, 11.5, 71) == CAD_UI_RGB_PLANNED);
    /* Played notes left of the playhead, planned ones right of it. */
    double px = cad_ui_beat_x(&p.l, now);
    cad_ui_rect r;
    CHECK(cad_ui_note_rect(&p.l, 6.0, 8.0, 60, &r) && r.x + r.w < px);
    CHECK(cad_ui_note_rect(&p.l, 10.5, 11.5, 67, &r) && r.x > px);
    /* Each note's row holds its colour, an empty row none. */
    CHECK(count(&p, pitch_row(&p, 60), is_played) > 50);
    CHECK(count(&p, pitch_row(&p, 67), is_planned) > 20);
    CHECK(count(&p, pitch_row(&p, 62), is_note) == 0);
    CHECK(count(&p, pitch_row(&p, 67), is_played) == 0);
    CHECK(playhead_pixels(&p) > 0);
    /* The status line says it plays, at which bar. */
    CHECK(count(&p, p.l.status, is_bright) > 20);
    cairo_surface_destroy(p.surf);

    /* Twice the scale (HiDPI): the same places, in device pixels. */
    picture p2 = draw(&s, now, 2, "playing_2x");
    CHECK(cairo_image_surface_get_width(p2.surf) == 2 * CAD_UI_WIDTH);
    CHECK(note_centre(&p2, 6.0, 8.0, 60) == CAD_UI_RGB_PLAYED);
    CHECK(note_centre(&p2, 10.5, 11.5, 67) == CAD_UI_RGB_PLANNED);
    cairo_surface_destroy(p2.surf);

    /* The roll scrolls: a second later (two beats) C4 has moved left by
     * two beats' width. */
    cad_ui_state_prune(&s, now + 2, 64);
    picture p3 = draw(&s, now + 2, 1, "playing_later");
    cad_ui_rect a, b;
    CHECK(cad_ui_note_rect(&p.l, 6.0, 8.0, 60, &a));
    CHECK(cad_ui_note_rect(&p3.l, 6.0, 8.0, 60, &b));
    CHECK(fabs((a.x - b.x) - 2 * p.l.roll.w / (p.l.beat_right - p.l.beat_left)) < 1e-6);
    CHECK(s.n_planned == 0); /* G4 and B4 (both end at 11.5) were passed */
    cairo_surface_destroy(p3.surf);
}

static void test_error(void)
{
    cad_ui_state s;
    cad_ui_state_init(&s);
    cad_ui_state_file(&s, 0, "/usr/share/cadenza/default.safetensors");
    cad_ui_state_status(&s, CAD_UI_ERROR,
                        "bad.safetensors: not a safetensors file");
    picture p = draw(&s, 0, 1, "error");
    CHECKF(count(&p, p.l.status, is_reddish) > 30, "%ld",
           count(&p, p.l.status, is_reddish));
    CHECK(count(&p, p.l.roll, is_reddish) == 0 ||
          count(&p, p.l.roll, is_reddish) == playhead_pixels(&p));
    cairo_surface_destroy(p.surf);
}

static void test_section(void)
{
    cad_ui_state s;
    playing_state(&s);
    cad_ui_state_transport(&s, 10.0, 120, 4, 1, 0.25, 0, 100.0);
    picture a = draw(&s, 10.0, 1, "section_a");
    cad_ui_state_transport(&s, 10.0, 120, 4, 1, 0.25, 1, 100.0);
    picture b = draw(&s, 10.0, 1, "section_b");
    /* The badge is drawn, with a white letter, and A differs from B. */
    long wa = count(&a, a.l.section, is_bright);
    CHECKF(wa > 10, "%ld", wa);
    long differ = 0;
    for (double y = a.l.section.y; y < a.l.section.y + a.l.section.h; y++)
        for (double x = a.l.section.x; x < a.l.section.x + a.l.section.w; x++)
            differ += pixel(&a, x, y) != pixel(&b, x, y);
    CHECKF(differ > 10, "%ld", differ);
    cairo_surface_destroy(a.surf);
    cairo_surface_destroy(b.surf);
}

static void test_browser(void)
{
    cad_ui_state s;
    cad_ui_state_init(&s);
    static cad_ui_browser b;
    memset(&b, 0, sizeof b);
    b.open = 1;
    b.which = 0;
    b.hover = -1;
    /* the shipped models: presets/ in the source tree */
    CHECK(cad_ui_browse_add_dir(&b, "presets") >= 1);
    int found = 0;
    for (int i = 0; i < b.n; i++)
        found |= strcmp(cad_ui_basename(b.files[i]), "default.safetensors") == 0;
    CHECK(found);
    picture p = draw(&s, 0, 1, "browser");
    cad_ui_layout_make(&p.l, &s, CAD_UI_WIDTH, CAD_UI_HEIGHT, 0);
    cairo_t *cr = cairo_create(p.surf);
    cad_ui_draw(cr, &s, &p.l, &b);
    cairo_destroy(cr);
    /* The first row is where a click picks the first file. */
    double y = p.l.browser.y + 2.5 * p.l.row_h;
    CHECK(cad_ui_hit_browser(&p.l, &b, p.l.browser.x + 20, y) == 0);
    CHECK(cad_ui_hit_browser(&p.l, &b, p.l.browser.x - 5, y) == -1);
    cad_ui_rect row = {p.l.browser.x, y - 0.5 * p.l.row_h, p.l.browser.w,
                       p.l.row_h};
    CHECK(count(&p, row, is_bright) > 20);
    char path[1024];
    snprintf(path, sizeof path, "%s/ui_browser.png", outdir);
    cairo_surface_write_to_png(p.surf, path);
    cairo_surface_destroy(p.surf);
    char dirs[8][CAD_UI_BROWSE_PATH];
    CHECK(cad_ui_browse_dirs("/b/", 1, dirs, 8) == 5);
    CHECK(strcmp(dirs[4], "/usr/share/sounds/sf2") == 0);
}

/* ---- controls ---------------------------------------------------------------- */

static void test_controls(void)
{
    cad_ui_state s;
    cad_ui_state_init(&s);
    cad_ui_layout l;
    cad_ui_layout_make(&l, &s, CAD_UI_WIDTH, CAD_UI_HEIGHT, 0);
    int seen[CAD_N_PORTS] = {0};
    for (int i = 0; i < CAD_UI_N_CONTROLS; i++) {
        const cad_ui_control *c = &l.ctl[i];
        seen[c->port] = 1;
        CHECK(cad_ui_hit_control(&l, c->r.x + c->r.w / 2,
                                 c->r.y + c->r.h / 2) == i);
        CHECK(c->r.x + c->r.w <= CAD_UI_WIDTH);
        if (c->kind == CAD_UI_SLIDER) {
            const cad_control_spec *sp = cad_control_of((unsigned)c->port);
            CHECK(cad_ui_slider_value(&l, i, c->r.x) == sp->min);
            CHECK(cad_ui_slider_value(&l, i, c->r.x + c->r.w) == sp->max);
        }
    }
    /* The main controls are all there. */
    const int want[] = {CAD_PORT_TEMPERATURE, CAD_PORT_THRESHOLD, CAD_PORT_KEY,
                        CAD_PORT_SCALE, CAD_PORT_MODE, CAD_PORT_SEED,
                        CAD_PORT_REGENERATE, CAD_PORT_PROGRAM, CAD_PORT_GAIN};
    for (unsigned i = 0; i < sizeof want / sizeof *want; i++)
        CHECKF(seen[want[i]], "port %d", want[i]);
    char buf[64];
    cad_ui_value_text(CAD_PORT_SCALE, 2, buf, sizeof buf);
    CHECK(strcmp(buf, "Natural minor") == 0);
    cad_ui_value_text(CAD_PORT_PROGRAM, 19, buf, sizeof buf);
    CHECK(strcmp(buf, "19 Church Organ") == 0);
    cad_ui_value_text(CAD_PORT_GAIN, -60, buf, sizeof buf);
    CHECK(strcmp(buf, "Silent") == 0);
    /* A control moved by automation shows its new value. */
    s.ctl[CAD_PORT_TEMPERATURE] = 0.25f;
    picture p = draw(&s, 0, 1, "automation");
    s.ctl[CAD_PORT_TEMPERATURE] = 1.75f;
    picture q = draw(&s, 0, 1, "automation2");
    long differ = 0;
    cad_ui_rect r = p.l.ctl[5].r;
    for (double y = r.y; y < r.y + r.h; y++)
        for (double x = r.x; x < r.x + r.w; x++)
            differ += pixel(&p, x, y) != pixel(&q, x, y);
    CHECK(differ > 50);
    cairo_surface_destroy(p.surf);
    cairo_surface_destroy(q.surf);
}

/* ---- messages ------------------------------------------------------------------ */

static LV2_URID map_fn(LV2_URID_Map_Handle h, const char *uri)
{
    (void)h;
    static char uris[128][128];
    static int n;
    for (int i = 0; i < n; i++)
        if (!strcmp(uris[i], uri))
            return (LV2_URID)(i + 1);
    snprintf(uris[n], sizeof uris[n], "%s", uri);
    return (LV2_URID)(++n);
}

static void test_messages(void)
{
    LV2_URID_Map map = {NULL, map_fn};
    cad_ui_uris u;
    cad_ui_uris_map(&u, &map);
    LV2_Atom_Forge f;
    lv2_atom_forge_init(&f, &map);
    uint8_t buf[1024];
    cad_ui_state s;
    cad_ui_state_init(&s);
    LV2_Atom_Forge_Frame fr;

    /* Transport, then a note on and off, as cad_ui_out.c writes them. */
    lv2_atom_forge_set_buffer(&f, buf, sizeof buf);
    lv2_atom_forge_object(&f, &fr, 0, u.key.transport);
    lv2_atom_forge_key(&f, u.key.beat);
    lv2_atom_forge_double(&f, 4.0);
    lv2_atom_forge_key(&f, u.key.tempo);
    lv2_atom_forge_double(&f, 90.0);
    lv2_atom_forge_key(&f, u.key.bar);
    lv2_atom_forge_double(&f, 3.0);
    lv2_atom_forge_key(&f, u.key.rolling);
    lv2_atom_forge_bool(&f, 1);
    lv2_atom_forge_key(&f, u.key.step);
    lv2_atom_forge_double(&f, 0.5);
    lv2_atom_forge_key(&f, u.key.section);
    lv2_atom_forge_int(&f, 2);
    lv2_atom_forge_pop(&f, &fr);
    CHECK(cad_ui_msg_apply(&u, &s, (const LV2_Atom *)buf, 1.0));
    CHECK(s.rolling && s.qpm == 90 && s.bar == 3 && s.step == 0.5 &&
          s.section == 2);
    for (int v = 80; v >= 0; v -= 80) {
        lv2_atom_forge_set_buffer(&f, buf, sizeof buf);
        lv2_atom_forge_object(&f, &fr, 0, u.key.played);
        lv2_atom_forge_key(&f, u.key.beat);
        lv2_atom_forge_double(&f, v ? 4.0 : 5.5);
        lv2_atom_forge_key(&f, u.key.pitch);
        lv2_atom_forge_int(&f, 62);
        lv2_atom_forge_key(&f, u.key.velocity);
        lv2_atom_forge_int(&f, v);
        lv2_atom_forge_pop(&f, &fr);
        CHECK(cad_ui_msg_apply(&u, &s, (const LV2_Atom *)buf, 1.0));
    }
    CHECK(s.n_played == 1 && s.played[0].pitch == 62 &&
          s.played[0].start == 4.0 && s.played[0].end == 5.5 &&
          !s.played[0].open);
    /* A planned note, then Replan drops it. */
    lv2_atom_forge_set_buffer(&f, buf, sizeof buf);
    lv2_atom_forge_object(&f, &fr, 0, u.key.planned);
    lv2_atom_forge_key(&f, u.key.beat);
    lv2_atom_forge_double(&f, 6.0);
    lv2_atom_forge_key(&f, u.key.pitch);
    lv2_atom_forge_int(&f, 65);
    lv2_atom_forge_key(&f, u.key.length);
    lv2_atom_forge_double(&f, 0.5);
    lv2_atom_forge_pop(&f, &fr);
    CHECK(cad_ui_msg_apply(&u, &s, (const LV2_Atom *)buf, 1.0));
    CHECK(s.n_planned == 1);
    lv2_atom_forge_set_buffer(&f, buf, sizeof buf);
    CHECK(cad_ui_msg_apply(&u, &s, cad_ui_msg_object(&f, u.key.replan), 1.0));
    CHECK(s.n_planned == 0);
    /* The status and a file, as patch:Set; the window's own patch:Set of
     * a model reads back the same way. */
    lv2_atom_forge_set_buffer(&f, buf, sizeof buf);
    lv2_atom_forge_object(&f, &fr, 0, u.patch_Set);
    lv2_atom_forge_key(&f, u.patch_property);
    lv2_atom_forge_urid(&f, u.status);
    lv2_atom_forge_key(&f, u.patch_value);
    lv2_atom_forge_string(&f, "x.sf2: no such file", 19);
    lv2_atom_forge_pop(&f, &fr);
    CHECK(cad_ui_msg_apply(&u, &s, (const LV2_Atom *)buf, 1.0));
    CHECK(s.status_kind == CAD_UI_ERROR && !strcmp(s.status, "x.sf2: no such file"));
    lv2_atom_forge_set_buffer(&f, buf, sizeof buf);
    const LV2_Atom *set = cad_ui_msg_set_path(&u, &f, u.model, "/m/folk.safetensors");
    CHECK(set && cad_ui_msg_apply(&u, &s, set, 1.0));
    CHECK(!strcmp(s.model, "/m/folk.safetensors"));
    /* A malformed object (a property running past its end) is ignored. */
    lv2_atom_forge_set_buffer(&f, buf, sizeof buf);
    lv2_atom_forge_object(&f, &fr, 0, u.key.played);
    lv2_atom_forge_key(&f, u.key.beat);
    lv2_atom_forge_double(&f, 1.0);
    lv2_atom_forge_pop(&f, &fr);
    LV2_Atom *bad = (LV2_Atom *)buf;
    LV2_Atom_Property_Body *prop =
        (LV2_Atom_Property_Body *)((uint8_t *)LV2_ATOM_BODY(bad) +
                                   sizeof(LV2_Atom_Object_Body));
    prop->value.size = 1000;
    int before = s.n_played;
    CHECK(!cad_ui_msg_apply(&u, &s, bad, 1.0));
    CHECK(s.n_played == before);
    /* Out of room: NULL, not a half-written message. */
    lv2_atom_forge_set_buffer(&f, buf, 20);
    CHECK(cad_ui_msg_set_path(&u, &f, u.model, "/a/long/path.safetensors") == NULL);
}

/* cad_contract.h's scale table says what model/music's does. */
static void test_scale_table(void)
{
    for (int sc = 0; sc < CAD_SCALE_COUNT; sc++)
        for (int key = 0; key < 12; key++)
            for (int note = 0; note < 128; note++) {
                int want = cad_scale_allows(key, (cad_scale)sc, 0, 127, note);
                int got = cad_scale_spec[sc].semitones >> ((note - key + 120) % 12) & 1;
                if (want != got) {
                    CHECKF(0, "scale %d key %d note %d", sc, key, note);
                    return;
                }
            }
    CHECK(sizeof cad_scale_spec / sizeof *cad_scale_spec == CAD_SCALE_COUNT);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        outdir = argv[1];
    test_empty();
    test_playing();
    test_error();
    test_section();
    test_browser();
    test_controls();
    test_messages();
    test_scale_table();
    /* cairo's and fontconfig's caches, so LeakSanitizer (the ASan suite)
     * sees only what the window's code allocated */
    cairo_debug_reset_static_data();
    FcFini();
    TEST_MAIN_END();
}
