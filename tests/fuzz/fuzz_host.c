/* See fuzz_host.h. */
#include "fuzz_host.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lv2/atom/forge.h"
#include "lv2/atom/util.h"
#include "lv2/log/log.h"
#include "lv2/midi/midi.h"
#include "lv2/patch/patch.h"
#include "lv2/time/time.h"

const LV2_Descriptor *lv2_descriptor(uint32_t index);

/* Undefined behaviour stops the run like a crash (by default UBSan prints
 * and goes on, and libFuzzer would not keep the input). */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}

/* ---- reading the fuzz input --------------------------------------------- */

uint8_t fz_u8(fz_in *in)
{
    return in->pos < in->n ? in->p[in->pos++] : 0;
}

uint16_t fz_u16(fz_in *in)
{
    uint16_t lo = fz_u8(in);
    return (uint16_t)(lo | fz_u8(in) << 8);
}

uint32_t fz_u32(fz_in *in)
{
    uint32_t lo = fz_u16(in);
    return lo | (uint32_t)fz_u16(in) << 16;
}

float fz_f32(fz_in *in)
{
    uint32_t bits = fz_u32(in);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

size_t fz_take(fz_in *in, size_t want, const uint8_t **out)
{
    size_t got = in->n - in->pos < want ? in->n - in->pos : want;
    *out = in->p + in->pos;
    in->pos += got;
    return got;
}

/* ---- URIDs -------------------------------------------------------------- */

static const char *const fixed_uris[] = {
    LV2_ATOM__Path, LV2_ATOM__String, LV2_ATOM__Int, LV2_ATOM__Long,
    LV2_ATOM__Float, LV2_ATOM__Double, LV2_ATOM__Bool, LV2_ATOM__Object,
    LV2_ATOM__Sequence, LV2_ATOM__URID, LV2_ATOM__eventTransfer,
    LV2_MIDI__MidiEvent, LV2_PATCH__Get, LV2_PATCH__Set,
    LV2_PATCH__property, LV2_PATCH__value, LV2_TIME__Position,
    LV2_TIME__bar, LV2_TIME__barBeat, LV2_TIME__beat,
    LV2_TIME__beatsPerBar, LV2_TIME__beatUnit, LV2_TIME__beatsPerMinute,
    LV2_TIME__speed, CAD_NS "model", CAD_NS "soundfont", CAD_NS "status",
    CAD_NS "variation", LV2_ATOM__Blank, LV2_ATOM__Chunk,
    LV2_ATOM__Literal, LV2_ATOM__Property, LV2_ATOM__Resource,
    LV2_ATOM__Tuple, LV2_ATOM__URI, LV2_ATOM__Vector, LV2_TIME__frame,
    LV2_PATCH__subject, LV2_LOG__Error, LV2_LOG__Note, LV2_LOG__Trace,
    LV2_LOG__Warning,
};
_Static_assert(sizeof fixed_uris / sizeof *fixed_uris ==
                   FZ_N_FIXED_URIDS - 1,
               "fixed_uris and the FZ_ URID enum must match");

/* Later URIs in fixed storage: nothing to free, nothing for LSan. */
#define FZ_EXTRA_URIS 64
static char extra_uris[FZ_EXTRA_URIS][160];
static int n_extra_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    (void)handle;
    for (size_t i = 0; i < sizeof fixed_uris / sizeof *fixed_uris; i++)
        if (!strcmp(fixed_uris[i], uri))
            return (LV2_URID)(i + 1);
    for (int i = 0; i < n_extra_uris; i++)
        if (!strcmp(extra_uris[i], uri))
            return (LV2_URID)(FZ_N_FIXED_URIDS + i);
    if (n_extra_uris == FZ_EXTRA_URIS ||
        strlen(uri) >= sizeof extra_uris[0])
        return 0; /* allowed: "could not map" */
    strcpy(extra_uris[n_extra_uris], uri);
    return (LV2_URID)(FZ_N_FIXED_URIDS + n_extra_uris++);
}

LV2_URID_Map *fz_map(void)
{
    static LV2_URID_Map map = {NULL, map_uri};
    return &map;
}

/* ---- the host ----------------------------------------------------------- */

typedef struct {
    uint32_t size;
    uint8_t *data;
} fz_msg;

typedef struct {
    fz_msg *m;
    int n, cap;
} fz_queue;

struct fz_host {
    const LV2_Descriptor *desc;
    LV2_Handle h;
    const LV2_Worker_Interface *worker;
    fz_opts o;
    int activated;
    unsigned calls;
    fz_queue req, resp;
    float ctl[CAD_N_PORTS];
    LV2_Worker_Schedule sched;
    LV2_Log_Log log;
    LV2_Feature f_map, f_sched, f_log;
    const LV2_Feature *features[4];
};

static void queue_push(fz_queue *q, uint32_t size, const void *data)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 64;
        q->m = realloc(q->m, (size_t)q->cap * sizeof *q->m);
        if (!q->m)
            abort();
    }
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    q->m[q->n++] = (fz_msg){size, copy};
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle,
                                 uint32_t size, const void *data)
{
    fz_host *h = handle;
    queue_push(&h->resp, size, data);
    return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status schedule(LV2_Worker_Schedule_Handle handle,
                                  uint32_t size, const void *data)
{
    fz_host *h = handle;
    h->calls++;
    if (h->o.refuse_every && h->calls % (unsigned)h->o.refuse_every == 0)
        return LV2_WORKER_ERR_NO_SPACE;
    if (h->o.work_in_schedule)
        return h->worker->work(h->h, respond, h, size, data);
    queue_push(&h->req, size, data);
    return LV2_WORKER_SUCCESS;
}

/* Formatted, so a bad argument (an unterminated %s) shows under ASan;
 * then dropped. */
static int log_vprintf(LV2_Log_Handle handle, LV2_URID type,
                       const char *fmt, va_list ap)
{
    (void)handle;
    (void)type;
    char buf[256];
    return vsnprintf(buf, sizeof buf, fmt, ap);
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt,
                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return r;
}

/* What the worker has to do, then what it answered. */
static void deliver(fz_host *h)
{
    for (int i = 0; i < h->req.n; i++) {
        h->worker->work(h->h, respond, h, h->req.m[i].size,
                        h->req.m[i].data);
        free(h->req.m[i].data);
    }
    h->req.n = 0;
    for (int i = 0; i < h->resp.n; i++) {
        h->worker->work_response(h->h, h->resp.m[i].size,
                                 h->resp.m[i].data);
        free(h->resp.m[i].data);
    }
    h->resp.n = 0;
    if (h->worker->end_run)
        h->worker->end_run(h->h);
}

void fz_host_drain(fz_host *h)
{
    while (h->req.n > 0 || h->resp.n > 0)
        deliver(h);
}

fz_host *fz_host_new(const fz_opts *o)
{
    fz_host *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->o = *o;
    if (h->o.out_capacity < sizeof(LV2_Atom))
        h->o.out_capacity = sizeof(LV2_Atom);
    h->desc = lv2_descriptor(0);
    if (!h->desc || lv2_descriptor(1) != NULL)
        abort();
    h->sched = (LV2_Worker_Schedule){h, schedule};
    h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
    h->f_map = (LV2_Feature){LV2_URID__map, fz_map()};
    h->f_sched = (LV2_Feature){LV2_WORKER__schedule, &h->sched};
    h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
    h->features[0] = &h->f_map;
    h->features[1] = &h->f_sched;
    h->features[2] = &h->f_log;
    h->features[3] = NULL;
    /* The ports' defaults (cad_contract.h, checked against the TTL). */
    for (unsigned i = 0; i < CAD_N_PORTS; i++)
        h->ctl[i] = cad_control_of(i) ? cad_control_of(i)->dflt : 0.0f;
    h->h = h->desc->instantiate(h->desc, h->o.rate,
                                h->o.with_model ? fz_bundle_dir()
                                                : fz_empty_dir(),
                                h->features);
    if (!h->h) {
        free(h);
        return NULL;
    }
    h->worker = h->desc->extension_data(LV2_WORKER__interface);
    if (!h->worker || !h->worker->work || !h->worker->work_response)
        abort();
    return h;
}

void fz_host_activate(fz_host *h, int on)
{
    if (on && !h->activated && h->desc->activate)
        h->desc->activate(h->h);
    if (!on && h->activated && h->desc->deactivate)
        h->desc->deactivate(h->h);
    h->activated = on;
}

void fz_host_free(fz_host *h)
{
    if (!h)
        return;
    fz_host_drain(h);
    fz_host_activate(h, 0);
    h->desc->cleanup(h->h);
    free(h->req.m);
    free(h->resp.m);
    free(h);
}

LV2_Handle fz_host_handle(fz_host *h)
{
    return h->h;
}

const LV2_Descriptor *fz_host_descriptor(fz_host *h)
{
    return h->desc;
}

const LV2_Worker_Schedule *fz_host_schedule(fz_host *h)
{
    return &h->sched;
}

void fz_host_control(fz_host *h, uint32_t port, float value)
{
    if (port >= CAD_PORT_ENABLED && port < CAD_N_PORTS)
        h->ctl[port] = value;
}

/* Copies raw event records into dst (NULL: just measure), each event's
 * size clamped to the bytes left and each padded to 8 bytes, as in a
 * sequence; returns the bytes written. */
static size_t pack_events(const uint8_t *src, size_t len, uint8_t *dst)
{
    size_t in = 0, out = 0;
    while (len - in >= sizeof(LV2_Atom_Event)) {
        LV2_Atom_Event ev;
        memcpy(&ev, src + in, sizeof ev);
        size_t room = len - in - sizeof ev;
        if (ev.body.size > room)
            ev.body.size = (uint32_t)room;
        size_t padded = lv2_atom_pad_size(ev.body.size);
        if (dst) {
            memcpy(dst + out, &ev, sizeof ev);
            memcpy(dst + out + sizeof ev, src + in + sizeof ev,
                   ev.body.size);
            memset(dst + out + sizeof ev + ev.body.size, 0,
                   padded - ev.body.size);
        }
        out += sizeof ev + padded;
        in += sizeof ev + (padded < room ? padded : room);
    }
    return out;
}

/* An event the plugin wrote must be one it may write: MIDI of 2 or 3
 * bytes, or a patch:Set whose value is a string ending at its end. */
static void check_event(const LV2_Atom *a)
{
    const uint8_t *body = (const uint8_t *)(a + 1);
    if (a->type == FZ_MIDI_EVENT) {
        if ((a->size != 2 && a->size != 3) || !(body[0] & 0x80))
            abort();
        return;
    }
    if (a->type != FZ_ATOM_OBJECT || a->size < sizeof(LV2_Atom_Object_Body))
        abort();
    const LV2_Atom_Object *obj = (const LV2_Atom_Object *)a;
    if (obj->body.otype != FZ_PATCH_SET)
        abort();
    int have_value = 0;
    LV2_ATOM_OBJECT_FOREACH (obj, prop) {
        size_t used = (size_t)((const uint8_t *)prop - body);
        if (a->size - used < sizeof *prop ||
            prop->value.size > a->size - used - sizeof *prop)
            abort();
        if (prop->key == FZ_PATCH_VALUE) {
            const char *s = LV2_ATOM_BODY_CONST(&prop->value);
            if ((prop->value.type != FZ_ATOM_PATH &&
                 prop->value.type != FZ_ATOM_STRING) ||
                prop->value.size == 0 ||
                memchr(s, 0, prop->value.size) != s + prop->value.size - 1)
                abort();
            have_value = 1;
        }
    }
    if (!have_value)
        abort();
}

static void check_out(const LV2_Atom_Sequence *out, uint32_t cap,
                      uint32_t n)
{
    if (out->atom.size == 0)
        return; /* nothing said: allowed */
    if (out->atom.size > cap - sizeof(LV2_Atom) ||
        out->atom.type != FZ_ATOM_SEQUENCE ||
        out->atom.size < sizeof(LV2_Atom_Sequence_Body))
        abort();
    const uint8_t *base = (const uint8_t *)(out + 1);
    size_t total = out->atom.size - sizeof(LV2_Atom_Sequence_Body), off = 0;
    int64_t last = 0;
    while (off < total) {
        const LV2_Atom_Event *ev = (const LV2_Atom_Event *)(base + off);
        if (total - off < sizeof *ev ||
            ev->body.size > total - off - sizeof *ev)
            abort();
        /* In time order and inside the block. */
        if (ev->time.frames < last || ev->time.frames >= (n ? n : 1))
            abort();
        last = ev->time.frames;
        check_event(&ev->body);
        off += sizeof *ev + lv2_atom_pad_size(ev->body.size);
    }
}

void fz_host_run(fz_host *h, uint32_t n, const uint8_t *events, size_t len)
{
    if (n > CAD_LOOKAHEAD)
        abort(); /* a host bug, not the plugin's */
    size_t body = pack_events(events, len, NULL);
    LV2_Atom_Sequence *in = malloc(sizeof *in + body);
    uint32_t cap = h->o.out_capacity;
    LV2_Atom_Sequence *out = malloc(cap);
    float *audio[2] = {malloc((n ? n : 1) * sizeof(float)),
                       malloc((n ? n : 1) * sizeof(float))};
    float *ctl = malloc(sizeof h->ctl);
    if (!in || !out || !audio[0] || !audio[1] || !ctl)
        abort();
    in->atom.size = (uint32_t)(sizeof in->body + body);
    in->atom.type = FZ_ATOM_SEQUENCE;
    in->body.unit = 0;
    in->body.pad = 0;
    pack_events(events, len, (uint8_t *)(in + 1));
    out->atom.size = cap - (uint32_t)sizeof(LV2_Atom);
    out->atom.type = FZ_ATOM_CHUNK;
    for (uint32_t i = 0; i < n; i++)
        audio[0][i] = audio[1][i] = NAN; /* written, or it shows */
    memcpy(ctl, h->ctl, sizeof h->ctl);

    h->desc->connect_port(h->h, CAD_PORT_EVENTS_IN, in);
    h->desc->connect_port(h->h, CAD_PORT_EVENTS_OUT, out);
    h->desc->connect_port(h->h, CAD_PORT_OUT_L, audio[0]);
    h->desc->connect_port(h->h, CAD_PORT_OUT_R, audio[1]);
    for (uint32_t p = CAD_PORT_ENABLED; p < CAD_N_PORTS; p++)
        h->desc->connect_port(h->h, p, &ctl[p]);
    h->desc->run(h->h, n);

    check_out(out, cap, n);
    for (uint32_t i = 0; i < n; i++)
        if (!isfinite(audio[0][i]) || !isfinite(audio[1][i]))
            abort();
    /* Freed at once: the plugin must not touch a port between runs. */
    free(in);
    free(out);
    free(audio[0]);
    free(audio[1]);
    free(ctl);
    deliver(h);
}

/* ---- host-made events --------------------------------------------------- */

size_t fz_forge_set(uint8_t *buf, size_t cap, int64_t frame, LV2_URID key,
                    const char *path)
{
    LV2_Atom_Forge f;
    LV2_Atom_Forge_Frame obj;
    lv2_atom_forge_init(&f, fz_map());
    lv2_atom_forge_set_buffer(&f, buf, cap);
    if (!lv2_atom_forge_frame_time(&f, frame) ||
        !lv2_atom_forge_object(&f, &obj, 0, FZ_PATCH_SET) ||
        !lv2_atom_forge_key(&f, FZ_PATCH_PROPERTY) ||
        !lv2_atom_forge_urid(&f, key) ||
        !lv2_atom_forge_key(&f, FZ_PATCH_VALUE) ||
        !lv2_atom_forge_path(&f, path, (uint32_t)strlen(path)))
        return 0;
    lv2_atom_forge_pop(&f, &obj);
    return f.offset;
}

/* A patch:Get, or a time:Position as Ardour sends it. */
static size_t forge_other(uint8_t *buf, size_t cap, int64_t frame,
                          int action)
{
    LV2_Atom_Forge f;
    LV2_Atom_Forge_Frame obj;
    lv2_atom_forge_init(&f, fz_map());
    lv2_atom_forge_set_buffer(&f, buf, cap);
    if (!lv2_atom_forge_frame_time(&f, frame))
        return 0;
    if (action == 7) {
        if (!lv2_atom_forge_object(&f, &obj, 0, FZ_PATCH_GET))
            return 0;
    } else if (!lv2_atom_forge_object(&f, &obj, 0, FZ_TIME_POSITION) ||
               !lv2_atom_forge_key(&f, FZ_TIME_SPEED) ||
               !lv2_atom_forge_float(&f, action == 8 ? 1.0f : 0.0f) ||
               !lv2_atom_forge_key(&f, FZ_TIME_BAR) ||
               !lv2_atom_forge_long(&f, 0) ||
               !lv2_atom_forge_key(&f, FZ_TIME_BAR_BEAT) ||
               !lv2_atom_forge_float(&f, 0.0f) ||
               !lv2_atom_forge_key(&f, FZ_TIME_BEAT_UNIT) ||
               !lv2_atom_forge_int(&f, 4) ||
               !lv2_atom_forge_key(&f, FZ_TIME_BEATS_PER_BAR) ||
               !lv2_atom_forge_float(&f, 4.0f) ||
               !lv2_atom_forge_key(&f, FZ_TIME_BEATS_PER_MINUTE) ||
               !lv2_atom_forge_float(&f, 120.0f)) {
        return 0;
    }
    lv2_atom_forge_pop(&f, &obj);
    return f.offset;
}

void fz_host_block(fz_host *h, fz_in *in)
{
    uint32_t n = fz_u16(in) % (CAD_LOOKAHEAD + 1);
    int count = fz_u8(in);
    for (int i = 0; i < count; i++) {
        uint32_t port = fz_u8(in) % CAD_N_PORTS;
        fz_host_control(h, port, fz_f32(in));
    }
    int action = fz_u8(in);
    int64_t at = fz_u16(in) % (n ? n : 1);
    size_t len = fz_u16(in);
    const uint8_t *raw;
    len = fz_take(in, len, &raw);

    uint8_t *ev = malloc(CAD_PATH_MAX + 256 + len);
    if (!ev)
        abort();
    size_t made = 0;
    static const int set_file[11] = {
        [1] = FZ_FILE_DEFAULT, [2] = FZ_FILE_OTHER,    [3] = FZ_FILE_FAST,
        [4] = FZ_FILE_BADKEYS, [5] = FZ_FILE_SF2,      [6] = FZ_FILE_MISSING,
        [10] = FZ_FILE_SF2_COPY};
    if ((action >= 1 && action <= 6) || action == 10)
        made = fz_forge_set(ev, CAD_PATH_MAX + 256, at,
                            action <= 4 ? FZ_CAD_MODEL : FZ_CAD_SOUNDFONT,
                            fz_file(set_file[action]));
    else if (action >= 7 && action <= 9)
        made = forge_other(ev, CAD_PATH_MAX + 256, at, action);
    if (len)
        memcpy(ev + made, raw, len);
    fz_host_run(h, n, ev, made + len);
    free(ev);
}
