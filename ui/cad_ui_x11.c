/* Cadenza's window in the host: an X11 window drawn with cairo, driven by
 * the host's idle calls (ui:idleInterface), so it has no main loop or
 * thread of its own and needs no toolkit (one toolkit's main loop inside
 * another's host is what breaks plugin UIs). This file is the LV2 UI and
 * X11 glue only: what the window knows is cad_ui_state, what it looks like
 * cad_ui_draw, what it says and hears cad_ui_msg.
 *
 * The plugin sends notes and the transport only while a window is open:
 * the window says CAD_UI_ON when it opens and CAD_UI_OFF when it closes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* LV2's headers first: Xlib defines Bool, a field name of the forge. */
#include "lv2/options/options.h"
#include "lv2/ui/ui.h"

#include "cad_ui_draw.h"
#include "cad_ui_msg.h"

#include <X11/Xlib.h>
#include <X11/Xresource.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <cairo-xlib.h>

typedef struct {
    LV2UI_Write_Function write;
    LV2UI_Controller controller;
    LV2_URID_Map *map;
    cad_ui_uris uris;
    LV2_Atom_Forge forge;

    Display *dpy;
    Window win;
    Atom wm_delete;
    cairo_surface_t *surface;
    int width, height; /* device pixels */
    double scale;      /* device pixels per logical pixel */

    cad_ui_state state;
    cad_ui_layout layout;
    cad_ui_browser *browser;
    char bundle[CAD_UI_BROWSE_PATH];
    int dirty, closed;
    int drag;          /* control being dragged, -1 none */
    int pressed;       /* momentary button held, -1 none */
} cad_ui;

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- talking to the plugin ------------------------------------------- */

static void send_atom(cad_ui *ui, const LV2_Atom *a)
{
    if (a)
        ui->write(ui->controller, CAD_PORT_EVENTS_IN, lv2_atom_total_size(a),
                  ui->uris.atom_eventTransfer, a);
}

static void send_object(cad_ui *ui, LV2_URID otype)
{
    uint8_t buf[256];
    lv2_atom_forge_set_buffer(&ui->forge, buf, sizeof buf);
    send_atom(ui, cad_ui_msg_object(&ui->forge, otype));
}

static void send_file(cad_ui *ui, int which, const char *path)
{
    uint8_t buf[CAD_UI_BROWSE_PATH + 256];
    lv2_atom_forge_set_buffer(&ui->forge, buf, sizeof buf);
    send_atom(ui, cad_ui_msg_set_path(&ui->uris, &ui->forge,
                                      which ? ui->uris.soundfont
                                            : ui->uris.model,
                                      path));
    char msg[CAD_UI_BROWSE_PATH + 32];
    snprintf(msg, sizeof msg, "Loading %s\xe2\x80\xa6", cad_ui_basename(path));
    cad_ui_state_status(&ui->state, CAD_UI_BUSY, msg);
    ui->dirty = 1;
}

/* A control moved in the window: clamped and rounded as the plugin reads
 * it, shown at once, and sent to the host (which automates, saves it). */
static void set_control(cad_ui *ui, int port, float v)
{
    const cad_control_spec *c = cad_control_of((unsigned)port);
    if (!c)
        return;
    v = v < c->min ? c->min : v > c->max ? c->max : v;
    if (c->integer)
        v = rintf(v);
    if (v == ui->state.ctl[port])
        return;
    ui->state.ctl[port] = v;
    ui->write(ui->controller, (uint32_t)port, sizeof v, 0, &v);
    ui->dirty = 1;
}

/* ---- drawing ------------------------------------------------------------ */

static void draw(cad_ui *ui, double now)
{
    double beat = cad_ui_state_beat_at(&ui->state, now);
    cad_ui_state_prune(&ui->state, beat, 64);
    cad_ui_layout_make(&ui->layout, &ui->state, ui->width / ui->scale,
                       ui->height / ui->scale, beat);
    cairo_t *cr = cairo_create(ui->surface);
    cairo_push_group(cr); /* drawn whole, then shown: no flicker */
    cairo_scale(cr, ui->scale, ui->scale);
    cad_ui_draw(cr, &ui->state, &ui->layout, ui->browser);
    cairo_pop_group_to_source(cr);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_flush(ui->surface);
    XFlush(ui->dpy);
    ui->dirty = 0;
}

/* ---- input ---------------------------------------------------------------- */

static int hit(const cad_ui_rect *r, double x, double y)
{
    return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

static void browser_click(cad_ui *ui, double x, double y)
{
    int row = cad_ui_hit_browser(&ui->layout, ui->browser, x, y);
    if (row >= 0)
        send_file(ui, ui->browser->which, ui->browser->files[row]);
    else if (hit(&ui->layout.browser, x, y))
        return; /* the title or an empty row */
    ui->browser->open = 0;
    ui->dirty = 1;
}

static void wheel(cad_ui *ui, double x, double y, int dir)
{
    if (ui->browser->open) {
        int f = ui->browser->first - 3 * dir;
        ui->browser->first = f < 0 ? 0 : f >= ui->browser->n ? ui->browser->n - 1 : f;
        if (ui->browser->first < 0)
            ui->browser->first = 0;
        ui->dirty = 1;
        return;
    }
    int i = cad_ui_hit_control(&ui->layout, x, y);
    if (i < 0)
        return;
    const cad_ui_control *c = &ui->layout.ctl[i];
    const cad_control_spec *spec = cad_control_of((unsigned)c->port);
    if (c->kind == CAD_UI_BUTTON)
        return;
    float step = spec->integer ? 1.0f : (spec->max - spec->min) / 100.0f;
    set_control(ui, c->port, ui->state.ctl[c->port] + dir * step);
}

static void press(cad_ui *ui, double x, double y)
{
    if (ui->browser->open) {
        browser_click(ui, x, y);
        return;
    }
    if (hit(&ui->layout.model_btn, x, y) || hit(&ui->layout.sound_btn, x, y)) {
        cad_ui_browse_open(ui->browser, ui->bundle,
                           hit(&ui->layout.sound_btn, x, y));
        ui->dirty = 1;
        return;
    }
    int i = cad_ui_hit_control(&ui->layout, x, y);
    if (i < 0)
        return;
    const cad_ui_control *c = &ui->layout.ctl[i];
    if (c->kind == CAD_UI_SLIDER) {
        ui->drag = i;
        set_control(ui, c->port, cad_ui_slider_value(&ui->layout, i, x));
    } else if (c->kind == CAD_UI_BUTTON) {
        ui->pressed = i;
        set_control(ui, c->port, 1);
    } else {
        int dir = x < c->r.x + c->r.w / 2 ? -1 : 1;
        set_control(ui, c->port, ui->state.ctl[c->port] + (float)dir);
    }
}

static void release(cad_ui *ui)
{
    ui->drag = -1;
    if (ui->pressed >= 0) /* a trigger: back to 0 when let go */
        set_control(ui, ui->layout.ctl[ui->pressed].port, 0);
    ui->pressed = -1;
}

static void resized(cad_ui *ui, int w, int h)
{
    if (w == ui->width && h == ui->height)
        return;
    ui->width = w;
    ui->height = h;
    cairo_xlib_surface_set_size(ui->surface, w, h);
    ui->dirty = 1;
}

static void handle_event(cad_ui *ui, XEvent *ev)
{
    double s = ui->scale;
    switch (ev->type) {
    case Expose:
        if (ev->xexpose.count == 0)
            ui->dirty = 1;
        break;
    case ConfigureNotify:
        resized(ui, ev->xconfigure.width, ev->xconfigure.height);
        break;
    case ButtonPress:
        if (ev->xbutton.button == Button4 || ev->xbutton.button == Button5)
            wheel(ui, ev->xbutton.x / s, ev->xbutton.y / s,
                  ev->xbutton.button == Button4 ? 1 : -1);
        else if (ev->xbutton.button == Button1)
            press(ui, ev->xbutton.x / s, ev->xbutton.y / s);
        break;
    case ButtonRelease:
        if (ev->xbutton.button == Button1)
            release(ui);
        break;
    case MotionNotify:
        if (ui->drag >= 0) {
            int port = ui->layout.ctl[ui->drag].port;
            set_control(ui, port, cad_ui_slider_value(&ui->layout, ui->drag,
                                                      ev->xmotion.x / s));
        } else if (ui->browser->open) {
            int row = cad_ui_hit_browser(&ui->layout, ui->browser,
                                         ev->xmotion.x / s, ev->xmotion.y / s);
            if (row != ui->browser->hover) {
                ui->browser->hover = row;
                ui->dirty = 1;
            }
        }
        break;
    case KeyPress:
        if (XLookupKeysym(&ev->xkey, 0) == XK_Escape && ui->browser->open) {
            ui->browser->open = 0;
            ui->dirty = 1;
        }
        break;
    case ClientMessage:
        if ((Atom)ev->xclient.data.l[0] == ui->wm_delete)
            ui->closed = 1;
        break;
    default:
        break;
    }
}

/* ---- scale factor ----------------------------------------------------- */

/* The host's ui:scaleFactor if it gives one, else the X resource Xft.dpi
 * over 96 (what desktops set for HiDPI screens), else 1. */
static double scale_factor(cad_ui *ui, const LV2_Options_Option *opts)
{
    LV2_URID key = ui->map->map(ui->map->handle, LV2_UI__scaleFactor);
    for (const LV2_Options_Option *o = opts; o && o->key; o++)
        if (o->key == key && o->type == ui->uris.atom_Float && o->value) {
            float f = *(const float *)o->value;
            if (f >= 0.5f && f <= 8.0f)
                return f;
        }
    double scale = 1.0;
    char *rms = XResourceManagerString(ui->dpy);
    if (rms) {
        XrmInitialize();
        XrmDatabase db = XrmGetStringDatabase(rms);
        char *type = NULL;
        XrmValue v;
        if (db && XrmGetResource(db, "Xft.dpi", "Xft.Dpi", &type, &v) &&
            v.addr) {
            double dpi = atof(v.addr);
            if (dpi >= 48 && dpi <= 768)
                scale = dpi / 96.0;
        }
        if (db)
            XrmDestroyDatabase(db);
    }
    return scale;
}

/* ---- LV2 UI ------------------------------------------------------------ */

static void cleanup(LV2UI_Handle h);

static LV2UI_Handle instantiate(const LV2UI_Descriptor *d,
                                const char *plugin_uri,
                                const char *bundle_path,
                                LV2UI_Write_Function write,
                                LV2UI_Controller controller,
                                LV2UI_Widget *widget,
                                const LV2_Feature *const *features)
{
    (void)d;
    if (strcmp(plugin_uri, CAD_URI) != 0)
        return NULL;
    cad_ui *ui = calloc(1, sizeof *ui);
    if (!ui)
        return NULL;
    ui->browser = calloc(1, sizeof *ui->browser);
    ui->write = write;
    ui->controller = controller;
    ui->drag = ui->pressed = -1;
    snprintf(ui->bundle, sizeof ui->bundle, "%s", bundle_path ? bundle_path : "");
    Window parent = 0;
    const LV2_Options_Option *opts = NULL;
    for (int i = 0; features && features[i]; i++) {
        if (!strcmp(features[i]->URI, LV2_URID__map))
            ui->map = features[i]->data;
        else if (!strcmp(features[i]->URI, LV2_UI__parent))
            parent = (Window)(uintptr_t)features[i]->data;
        else if (!strcmp(features[i]->URI, LV2_OPTIONS__options))
            opts = features[i]->data;
    }
    if (!ui->browser || !ui->map || !write ||
        !(ui->dpy = XOpenDisplay(NULL))) {
        fprintf(stderr, "cadenza UI: %s\n",
                !ui->map ? "the host lacks urid:map" : "no X display");
        cleanup(ui);
        return NULL;
    }
    cad_ui_uris_map(&ui->uris, ui->map);
    lv2_atom_forge_init(&ui->forge, ui->map);
    cad_ui_state_init(&ui->state);
    ui->scale = scale_factor(ui, opts);

    int screen = DefaultScreen(ui->dpy);
    if (!parent)
        parent = RootWindow(ui->dpy, screen);
    ui->width = (int)lround(CAD_UI_WIDTH * ui->scale);
    ui->height = (int)lround(CAD_UI_HEIGHT * ui->scale);
    ui->win = XCreateSimpleWindow(ui->dpy, parent, 0, 0, (unsigned)ui->width,
                                  (unsigned)ui->height, 0, 0,
                                  CAD_UI_RGB_BACKGROUND);
    XSelectInput(ui->dpy, ui->win,
                 ExposureMask | StructureNotifyMask | ButtonPressMask |
                     ButtonReleaseMask | PointerMotionMask | KeyPressMask);
    /* Resizable down to a minimum. Hosts read these hints to size their
     * frame and resize the window with X11 itself (ui:resize, which
     * lv2lint calls deprecated, is not needed for that). */
    XSizeHints *hints = XAllocSizeHints();
    if (hints) {
        hints->flags = PMinSize | PBaseSize;
        hints->min_width = (int)lround(CAD_UI_MIN_WIDTH * ui->scale);
        hints->min_height = (int)lround(CAD_UI_MIN_HEIGHT * ui->scale);
        hints->base_width = ui->width;
        hints->base_height = ui->height;
        XSetWMNormalHints(ui->dpy, ui->win, hints);
        XFree(hints);
    }
    XStoreName(ui->dpy, ui->win, "Cadenza");
    ui->wm_delete = XInternAtom(ui->dpy, "WM_DELETE_WINDOW", False);
    XSetWMProtocols(ui->dpy, ui->win, &ui->wm_delete, 1);
    XMapRaised(ui->dpy, ui->win);
    ui->surface = cairo_xlib_surface_create(
        ui->dpy, ui->win, DefaultVisual(ui->dpy, screen), ui->width,
        ui->height);
    XFlush(ui->dpy);
    *widget = (LV2UI_Widget)(uintptr_t)ui->win;

    send_object(ui, ui->uris.key.on);
    ui->dirty = 1;
    return ui;
}

static void cleanup(LV2UI_Handle h)
{
    cad_ui *ui = h;
    if (ui->dpy) {
        if (ui->win)
            send_object(ui, ui->uris.key.off);
        if (ui->surface)
            cairo_surface_destroy(ui->surface);
        if (ui->win)
            XDestroyWindow(ui->dpy, ui->win);
        XCloseDisplay(ui->dpy);
    }
    free(ui->browser);
    free(ui);
}

static void port_event(LV2UI_Handle h, uint32_t port, uint32_t size,
                       uint32_t format, const void *buffer)
{
    cad_ui *ui = h;
    if (format == 0 && size == sizeof(float) && port < CAD_N_PORTS &&
        cad_control_of(port)) {
        float v = *(const float *)buffer;
        if (isfinite(v) && v != ui->state.ctl[port]) {
            ui->state.ctl[port] = v;
            ui->dirty = 1;
        }
    } else if (format == ui->uris.atom_eventTransfer &&
               size >= sizeof(LV2_Atom) &&
               ((const LV2_Atom *)buffer)->size <= size - sizeof(LV2_Atom)) {
        /* (not lv2_atom_total_size(buffer) <= size: its 32-bit sum wraps
         * for a size near 4 GiB, found by fuzz_ui_msg) */
        if (cad_ui_msg_apply(&ui->uris, &ui->state, buffer, seconds()))
            ui->dirty = 1;
    }
}

static int idle(LV2UI_Handle h)
{
    cad_ui *ui = h;
    while (XPending(ui->dpy)) {
        XEvent ev;
        XNextEvent(ui->dpy, &ev);
        handle_event(ui, &ev);
    }
    /* While playing the roll scrolls: every idle call draws (hosts call
     * about 30 times a second). */
    if (ui->dirty || ui->state.rolling)
        draw(ui, seconds());
    return ui->closed;
}

static const void *extension_data(const char *uri)
{
    static const LV2UI_Idle_Interface idle_iface = {idle};
    if (!strcmp(uri, LV2_UI__idleInterface))
        return &idle_iface;
    return NULL;
}

static const LV2UI_Descriptor descriptor = {
    CAD_UI_URI, instantiate, cleanup, port_event, extension_data,
};

LV2_SYMBOL_EXPORT const LV2UI_Descriptor *lv2ui_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
