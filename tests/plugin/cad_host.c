/* See cad_host.h. Host-side allocations happen outside the armed window of
 * cad_rt.c: everything run() and work_response() can reach on the host's
 * side (schedule_work, respond) uses fixed buffers. */
#include "cad_host.h"

#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sndfile.h>

#include "lv2/atom/forge.h"
#include "lv2/atom/util.h"
#include "lv2/log/log.h"
#include "lv2/midi/midi.h"
#include "lv2/patch/patch.h"
#include "lv2/state/state.h"
#include "lv2/time/time.h"
#include "lv2/urid/urid.h"
#include "lv2/worker/worker.h"

#include "cad_host_work.h"
#include "cad_rt.h"

#define MAX_BLOCK 8192
#define ATOM_CAP 65536
#define BLOCK_MIDI (ATOM_CAP / sizeof(LV2_Atom_Event)) /* most a block holds */
#define MAX_PORTS 32
#define MAX_URIS 256
#define MAX_PENDING 1024

typedef struct {
    int64_t frame;
    int kind; /* 0 position change, 1 patch set, 2 midi, 3 empty object */
    int rolling;
    double bpm, beat;
    char param[32];
    char path[1024];
    uint8_t midi[3];
} pending;

#define HELD_MAX 64
#define HELD_SIZE 4096

struct cad_host {
    double rt_us; /* time in run() and work_response() last block */
    LilvWorld *world;
    const LilvPlugin *plugin;
    LilvInstance *inst;
    const LV2_Worker_Interface *worker;
    double rate;
    int64_t now;

    char *uris[MAX_URIS];
    int n_uris;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    LV2_Worker_Schedule sched;
    LV2_Log_Log log;
    LV2_Feature f_map, f_unmap, f_sched, f_log, f_default;
    const LV2_Feature *features[6];

    uint32_t n_ports;
    float controls[MAX_PORTS];
    char symbols[MAX_PORTS][32];
    int in_port, out_port, audio_port[2];
    LV2_Atom_Sequence *in_buf, *out_buf;
    float left[MAX_BLOCK], right[MAX_BLOCK];

    /* Transport as the host sees it */
    int rolling;
    double bpm, beat0;
    int64_t frame0;

    pending *pend;
    int n_pend;

    cad_hw *work;
    int fail_every, sched_calls;

    int blank;                /* objects typed atom:Blank (Carla) */
    int defer;                /* requests are held back (a slow worker) */
    uint8_t (*held)[HELD_SIZE];
    uint32_t held_size[HELD_MAX];
    int n_held;
    pthread_t main_thread;    /* the thread that made the host */
    int keep;                 /* record everything in rec */
    cad_host_midi *blk_midi;  /* the last block's MIDI */
    cad_host_block blk;
    double pace;              /* 0, or run() keeps to speed x real time */
    struct timespec t0;       /* wall clock at frame 0 of pacing */
    int64_t pace_frame0;

    cad_host_rec rec;
    cad_host_atom_fn on_output; /* sees every event the plugin sends */
    void *on_output_data;
};

/* ---- features ------------------------------------------------------------ */

static LV2_URID map_uri(LV2_URID_Map_Handle hh, const char *uri)
{
    cad_host *h = hh;
    for (int i = 0; i < h->n_uris; i++)
        if (!strcmp(h->uris[i], uri))
            return (LV2_URID)(i + 1);
    if (h->n_uris == MAX_URIS)
        return 0;
    h->uris[h->n_uris] = strdup(uri);
    return (LV2_URID)++h->n_uris;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle hh, LV2_URID u)
{
    cad_host *h = hh;
    return u >= 1 && (int)u <= h->n_uris ? h->uris[u - 1] : NULL;
}

static int log_vprintf(LV2_Log_Handle hh, LV2_URID type, const char *fmt,
                       va_list ap)
{
    cad_host *h = hh;
    (void)type;
    /* Kept for the tests from the host's own thread only: a worker
     * thread logging at the same time would race with it. */
    if (pthread_equal(pthread_self(), h->main_thread)) {
        va_list copy;
        va_copy(copy, ap);
        vsnprintf(h->rec.last_log, sizeof h->rec.last_log, fmt, copy);
        va_end(copy);
    }
    return vfprintf(stderr, fmt, ap);
}

static int log_printf(LV2_Log_Handle hh, LV2_URID type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = log_vprintf(hh, type, fmt, ap);
    va_end(ap);
    return r;
}

static LV2_Worker_Status schedule(LV2_Worker_Schedule_Handle hh,
                                  uint32_t size, const void *data)
{
    cad_host *h = hh;
    h->sched_calls++;
    if (h->fail_every > 0 && h->sched_calls % h->fail_every == 0)
        return LV2_WORKER_ERR_NO_SPACE;
    if (h->defer) {
        if (h->n_held == HELD_MAX || size > HELD_SIZE)
            return LV2_WORKER_ERR_NO_SPACE;
        memcpy(h->held[h->n_held], data, size);
        h->held_size[h->n_held++] = size;
        return LV2_WORKER_SUCCESS;
    }
    return cad_hw_schedule(h->work, size, data);
}

/* ---- set-up ------------------------------------------------------------- */

cad_host *cad_host_new(double rate, const char *uri)
{
    cad_host *h = calloc(1, sizeof *h);
    h->rate = rate;
    h->main_thread = pthread_self();
    h->bpm = 120;
    h->map = (LV2_URID_Map){h, map_uri};
    h->unmap = (LV2_URID_Unmap){h, unmap_uri};
    h->sched = (LV2_Worker_Schedule){h, schedule};
    h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
    h->f_map = (LV2_Feature){LV2_URID__map, &h->map};
    h->f_unmap = (LV2_Feature){LV2_URID__unmap, &h->unmap};
    h->f_sched = (LV2_Feature){LV2_WORKER__schedule, &h->sched};
    h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
    h->f_default = (LV2_Feature){LV2_STATE__loadDefaultState, NULL};
    h->features[0] = &h->f_map;
    h->features[1] = &h->f_unmap;
    h->features[2] = &h->f_sched;
    h->features[3] = &h->f_log;
    h->features[4] = &h->f_default;
    h->work = cad_hw_new();
    h->keep = 1;
    h->blk_midi = calloc(BLOCK_MIDI, sizeof *h->blk_midi);
    h->blk.left = h->left;
    h->blk.right = h->right;
    h->blk.midi = h->blk_midi;
    h->pend = calloc(MAX_PENDING, sizeof *h->pend);
    h->in_buf = calloc(1, ATOM_CAP);
    h->out_buf = calloc(1, ATOM_CAP);

    h->world = lilv_world_new();
    lilv_world_load_all(h->world);
    LilvNode *u = lilv_new_uri(h->world, uri);
    h->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(h->world),
                                        u);
    lilv_node_free(u);
    if (!h->plugin) {
        fprintf(stderr, "plugin %s not found in LV2_PATH=%s\n", uri,
                getenv("LV2_PATH") ? getenv("LV2_PATH") : "(unset)");
        cad_host_free(h);
        return NULL;
    }
    h->inst = lilv_plugin_instantiate(h->plugin, rate,
                                      (const LV2_Feature *const *)h->features);
    if (!h->inst) {
        fprintf(stderr, "%s: instantiate failed\n", uri);
        cad_host_free(h);
        return NULL;
    }
    h->worker = lilv_instance_get_extension_data(h->inst,
                                                 LV2_WORKER__interface);
    cad_hw_bind(h->work, h->worker, lilv_instance_get_handle(h->inst));

    h->n_ports = lilv_plugin_get_num_ports(h->plugin);
    if (h->n_ports > MAX_PORTS)
        h->n_ports = MAX_PORTS;
    float defs[MAX_PORTS];
    lilv_plugin_get_port_ranges_float(h->plugin, NULL, NULL, defs);
    LilvNode *audio = lilv_new_uri(h->world, LV2_CORE__AudioPort);
    LilvNode *atom = lilv_new_uri(h->world, LV2_ATOM__AtomPort);
    LilvNode *input = lilv_new_uri(h->world, LV2_CORE__InputPort);
    int n_audio = 0;
    for (uint32_t i = 0; i < h->n_ports; i++) {
        const LilvPort *p = lilv_plugin_get_port_by_index(h->plugin, i);
        snprintf(h->symbols[i], sizeof h->symbols[i], "%s",
                 lilv_node_as_string(lilv_port_get_symbol(h->plugin, p)));
        if (lilv_port_is_a(h->plugin, p, audio)) {
            h->audio_port[n_audio] = (int)i;
            lilv_instance_connect_port(h->inst, i,
                                       n_audio ? h->right : h->left);
            n_audio++;
        } else if (lilv_port_is_a(h->plugin, p, atom)) {
            int in = lilv_port_is_a(h->plugin, p, input);
            if (in)
                h->in_port = (int)i;
            else
                h->out_port = (int)i;
            lilv_instance_connect_port(h->inst, i,
                                       in ? h->in_buf : h->out_buf);
        } else {
            h->controls[i] = isnan(defs[i]) ? 0 : defs[i];
            lilv_instance_connect_port(h->inst, i, &h->controls[i]);
        }
    }
    lilv_node_free(audio);
    lilv_node_free(atom);
    lilv_node_free(input);
    lilv_instance_activate(h->inst);
    return h;
}

void cad_host_free(cad_host *h)
{
    if (!h)
        return;
    /* The worker finishes and its last answers are delivered before the
     * instance goes, as a host must. */
    if (h->n_held && !cad_hw_threaded(h->work)) {
        cad_host_release_work(h);
        cad_hw_work_now(h->work);
        cad_hw_deliver(h->work);
    }
    cad_hw_stop(h->work);
    if (h->inst) {
        lilv_instance_deactivate(h->inst);
        lilv_instance_free(h->inst);
    }
    if (h->world)
        lilv_world_free(h->world);
    for (int i = 0; i < h->n_uris; i++)
        free(h->uris[i]);
    cad_hw_free(h->work);
    free(h->held);
    free(h->blk_midi);
    free(h->pend);
    free(h->in_buf);
    free(h->out_buf);
    free(h->rec.left);
    free(h->rec.right);
    free(h->rec.midi);
    free(h);
}

LilvWorld *cad_host_world(cad_host *h) { return h->world; }
const LilvPlugin *cad_host_plugin(cad_host *h) { return h->plugin; }
LilvInstance *cad_host_instance(cad_host *h) { return h->inst; }
void *cad_host_urid_map(cad_host *h) { return &h->map; }
void *cad_host_urid_unmap(cad_host *h) { return &h->unmap; }
const void *const *cad_host_features(cad_host *h)
{
    return (const void *const *)h->features;
}
cad_host_rec *cad_host_rec_get(cad_host *h) { return &h->rec; }
int64_t cad_host_now(cad_host *h) { return h->now; }
void cad_host_fail_schedule(cad_host *h, int every_n) { h->fail_every = every_n; }
void cad_host_keep(cad_host *h, int keep) { h->keep = keep; }
void cad_host_blank_objects(cad_host *h, int blank) { h->blank = blank; }

void cad_host_defer_work(cad_host *h, int defer)
{
    if (defer && !h->held)
        h->held = calloc(HELD_MAX, sizeof *h->held);
    h->defer = defer && h->held;
}

void cad_host_release_work(cad_host *h)
{
    for (int i = 0; i < h->n_held; i++)
        cad_hw_schedule(h->work, h->held_size[i], h->held[i]);
    h->n_held = 0;
}
const cad_host_block *cad_host_last_block(cad_host *h) { return &h->blk; }
long cad_host_dropped_answers(cad_host *h) { return cad_hw_dropped(h->work); }
long cad_host_worked(cad_host *h) { return cad_hw_worked(h->work); }
long cad_host_work_pending(cad_host *h) { return cad_hw_pending(h->work); }

int cad_host_threaded(cad_host *h)
{
    return h->worker ? cad_hw_start_thread(h->work) : -1;
}

void cad_host_pace(cad_host *h, double speed)
{
    h->pace = speed > 0 ? speed : 0;
    clock_gettime(CLOCK_MONOTONIC, &h->t0);
    h->pace_frame0 = h->now;
}

int cad_host_set(cad_host *h, const char *symbol, float value)
{
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (!strcmp(h->symbols[i], symbol)) {
            h->controls[i] = value;
            return (int)i;
        }
    return -1;
}

float cad_host_get(cad_host *h, const char *symbol)
{
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (!strcmp(h->symbols[i], symbol))
            return h->controls[i];
    return NAN;
}

/* Kept in time order (events at the same frame in the order given), so
 * tests may add them in any order. */
static pending *add_pending(cad_host *h, int64_t frame, int kind)
{
    if (h->n_pend == MAX_PENDING)
        return NULL;
    int i = h->n_pend;
    while (i > 0 && h->pend[i - 1].frame > frame)
        i--;
    memmove(&h->pend[i + 1], &h->pend[i],
            (size_t)(h->n_pend - i) * sizeof *h->pend);
    h->n_pend++;
    pending *p = &h->pend[i];
    memset(p, 0, sizeof *p);
    p->frame = frame;
    p->kind = kind;
    return p;
}

void cad_host_transport(cad_host *h, int64_t frame, int rolling, double bpm,
                        double beat)
{
    pending *p = add_pending(h, frame, 0);
    if (p) {
        p->rolling = rolling;
        p->bpm = bpm;
        p->beat = beat;
    }
}

void cad_host_patch_set(cad_host *h, int64_t frame, const char *param,
                        const char *path)
{
    pending *p = add_pending(h, frame, 1);
    if (p) {
        snprintf(p->param, sizeof p->param, "%s", param);
        snprintf(p->path, sizeof p->path, "%s", path);
    }
}

void cad_host_midi_in(cad_host *h, int64_t frame, uint8_t b0, uint8_t b1,
                      uint8_t b2)
{
    pending *p = add_pending(h, frame, 2);
    if (p) {
        p->midi[0] = b0;
        p->midi[1] = b1;
        p->midi[2] = b2;
    }
}

void cad_host_object(cad_host *h, int64_t frame, const char *otype)
{
    pending *p = add_pending(h, frame, 3);
    if (p)
        snprintf(p->path, sizeof p->path, "%s", otype);
}

void cad_host_on_output(cad_host *h, cad_host_atom_fn fn, void *data)
{
    h->on_output = fn;
    h->on_output_data = data;
}

/* ---- running ----------------------------------------------------------- */

static LV2_URID U(cad_host *h, const char *uri) { return map_uri(h, uri); }

static void forge_position(cad_host *h, LV2_Atom_Forge *f, uint32_t off,
                           int64_t frame)
{
    double beat = h->beat0;
    if (h->rolling)
        beat += (double)(frame - h->frame0) * h->bpm / (60.0 * h->rate);
    double bar = floor(beat / 4.0);
    LV2_Atom_Forge_Frame obj;
    lv2_atom_forge_frame_time(f, off);
    lv2_atom_forge_object(f, &obj, 0, U(h, LV2_TIME__Position));
    lv2_atom_forge_key(f, U(h, LV2_TIME__frame));
    lv2_atom_forge_long(f, frame);
    lv2_atom_forge_key(f, U(h, LV2_TIME__speed));
    lv2_atom_forge_float(f, h->rolling ? 1.0f : 0.0f);
    lv2_atom_forge_key(f, U(h, LV2_TIME__bar));
    lv2_atom_forge_long(f, (int64_t)bar);
    lv2_atom_forge_key(f, U(h, LV2_TIME__barBeat));
    lv2_atom_forge_float(f, (float)(beat - bar * 4.0));
    lv2_atom_forge_key(f, U(h, LV2_TIME__beatUnit));
    lv2_atom_forge_int(f, 4);
    lv2_atom_forge_key(f, U(h, LV2_TIME__beatsPerBar));
    lv2_atom_forge_float(f, 4.0f);
    lv2_atom_forge_key(f, U(h, LV2_TIME__beatsPerMinute));
    lv2_atom_forge_float(f, (float)h->bpm);
    lv2_atom_forge_pop(f, &obj);
}

static void build_input(cad_host *h, uint32_t n)
{
    LV2_Atom_Forge f;
    lv2_atom_forge_init(&f, &h->map);
    lv2_atom_forge_set_buffer(&f, (uint8_t *)h->in_buf, ATOM_CAP);
    /* Carla 2.5 types its objects with the deprecated atom:Blank. */
    if (h->blank)
        f.Object = U(h, LV2_ATOM__Blank);
    LV2_Atom_Forge_Frame seq;
    lv2_atom_forge_sequence_head(&f, &seq, 0);
    int sent_pos = 0;
    /* Pending events, in time order. */
    for (int i = 0; i < h->n_pend; i++) {
        pending *p = &h->pend[i];
        if (p->frame >= h->now + n)
            break;
        uint32_t off = p->frame < h->now ? 0 : (uint32_t)(p->frame - h->now);
        if (!sent_pos && off > 0 && h->rolling) {
            forge_position(h, &f, 0, h->now);
            sent_pos = 1;
        }
        if (p->kind == 0) {
            h->rolling = p->rolling;
            h->bpm = p->bpm;
            h->beat0 = p->beat;
            h->frame0 = h->now + off;
            forge_position(h, &f, off, h->now + off);
            sent_pos = 1;
        } else if (p->kind == 1) {
            LV2_Atom_Forge_Frame obj;
            char key[128];
            snprintf(key, sizeof key, "%s#%s", CAD_PLUGIN_URI, p->param);
            lv2_atom_forge_frame_time(&f, off);
            lv2_atom_forge_object(&f, &obj, 0, U(h, LV2_PATCH__Set));
            lv2_atom_forge_key(&f, U(h, LV2_PATCH__property));
            lv2_atom_forge_urid(&f, U(h, key));
            lv2_atom_forge_key(&f, U(h, LV2_PATCH__value));
            lv2_atom_forge_path(&f, p->path, (uint32_t)strlen(p->path));
            lv2_atom_forge_pop(&f, &obj);
        } else if (p->kind == 3) {
            LV2_Atom_Forge_Frame obj;
            lv2_atom_forge_frame_time(&f, off);
            lv2_atom_forge_object(&f, &obj, 0, U(h, p->path));
            lv2_atom_forge_pop(&f, &obj);
        } else {
            lv2_atom_forge_frame_time(&f, off);
            lv2_atom_forge_atom(&f, 3, U(h, LV2_MIDI__MidiEvent));
            lv2_atom_forge_write(&f, p->midi, 3);
        }
        memmove(p, p + 1, (size_t)(h->n_pend - i - 1) * sizeof *p);
        h->n_pend--;
        i--;
    }
    /* Like Ardour: a position every cycle while rolling. */
    if (!sent_pos && h->rolling)
        forge_position(h, &f, 0, h->now);
    lv2_atom_forge_pop(&f, &seq);
}

/* The block view always; the whole recording only in keep mode. */
static void record_output(cad_host *h, uint32_t n)
{
    cad_host_rec *r = &h->rec;
    h->blk.frame = h->now;
    h->blk.n = n;
    h->blk.n_midi = 0;
    if (h->keep && r->frames + n > r->cap) {
        r->cap = (r->frames + n) * 2;
        r->left = realloc(r->left, r->cap * sizeof *r->left);
        r->right = realloc(r->right, r->cap * sizeof *r->right);
    }
    if (h->keep) {
        memcpy(r->left + r->frames, h->left, n * sizeof(float));
        memcpy(r->right + r->frames, h->right, n * sizeof(float));
        r->frames += n;
    }

    LV2_URID midi = U(h, LV2_MIDI__MidiEvent), obj = U(h, LV2_ATOM__Object);
    LV2_ATOM_SEQUENCE_FOREACH(h->out_buf, ev)
    {
        if (h->on_output)
            h->on_output(h->on_output_data, h->now + ev->time.frames,
                         &ev->body);
        if (ev->body.type == midi && ev->body.size >= 2 &&
            h->blk.n_midi < BLOCK_MIDI) {
            cad_host_midi *m = &h->blk_midi[h->blk.n_midi++];
            m->frame = h->now + ev->time.frames;
            memset(m->msg, 0, 3);
            memcpy(m->msg, LV2_ATOM_BODY(&ev->body),
                   ev->body.size < 3 ? ev->body.size : 3);
            if (!h->keep)
                continue;
            if (r->n_midi == r->cap_midi) {
                r->cap_midi = r->cap_midi ? r->cap_midi * 2 : 1024;
                r->midi = realloc(r->midi, r->cap_midi * sizeof *r->midi);
            }
            r->midi[r->n_midi++] = *m;
        } else if (ev->body.type == obj) {
            const LV2_Atom_Object *o = (const LV2_Atom_Object *)&ev->body;
            const LV2_Atom *prop = NULL, *val = NULL;
            lv2_atom_object_get(o, U(h, LV2_PATCH__property), &prop,
                                U(h, LV2_PATCH__value), &val, 0);
            r->notifications++;
            if (prop && val) {
                LV2_URID k = ((const LV2_Atom_URID *)prop)->body;
                const char *s = LV2_ATOM_BODY_CONST(val);
                if (k == U(h, CAD_PLUGIN_URI "#model"))
                    snprintf(r->last_model, sizeof r->last_model, "%s", s);
                else if (k == U(h, CAD_PLUGIN_URI "#soundfont"))
                    snprintf(r->last_soundfont, sizeof r->last_soundfont,
                             "%s", s);
                else if (k == U(h, CAD_PLUGIN_URI "#status"))
                    snprintf(r->last_status, sizeof r->last_status, "%s", s);
            }
        }
    }
}

/* Sleeps until frame `until` is due on the wall clock. */
static void keep_pace(cad_host *h, int64_t until)
{
    double s = (double)(until - h->pace_frame0) / (h->rate * h->pace);
    struct timespec t = h->t0;
    t.tv_sec += (time_t)s;
    t.tv_nsec += (long)((s - floor(s)) * 1e9);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
        ;
}

static double rt_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

double cad_host_rt_us(const cad_host *h) { return h->rt_us; }

void cad_host_run(cad_host *h, uint32_t n)
{
    if (n > MAX_BLOCK)
        n = MAX_BLOCK;
    build_input(h, n);
    h->out_buf->atom.size = ATOM_CAP - sizeof(LV2_Atom);
    h->out_buf->atom.type = 0;

    /* Threaded: answers that came in since the last cycle go first (a
     * live host may deliver before or after run(); this one does both). */
    double t0 = rt_clock();
    cad_rt_arm(1);
    if (cad_hw_threaded(h->work))
        cad_hw_deliver(h->work);
    lilv_instance_run(h->inst, n);
    cad_rt_arm(0);
    double t1 = rt_clock();

    /* Synchronous: the worker now, in this thread, then its answers. */
    cad_hw_work_now(h->work);
    double t2 = rt_clock();
    cad_rt_arm(1);
    cad_hw_deliver(h->work);
    cad_rt_arm(0);
    h->rt_us = (t1 - t0) + (rt_clock() - t2);
    record_output(h, n);
    h->now += n;
    if (h->pace > 0)
        keep_pace(h, h->now);
}

/* ---- files ------------------------------------------------------------------ */

int cad_host_write_wav(const cad_host *h, const char *path)
{
    SF_INFO info = {.samplerate = (int)h->rate, .channels = 2,
                    .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f)
        return -1;
    float buf[2 * 1024];
    for (size_t i = 0; i < h->rec.frames; i += 1024) {
        size_t k = h->rec.frames - i < 1024 ? h->rec.frames - i : 1024;
        for (size_t j = 0; j < k; j++) {
            buf[2 * j] = h->rec.left[i + j];
            buf[2 * j + 1] = h->rec.right[i + j];
        }
        sf_writef_float(f, buf, (sf_count_t)k);
    }
    return sf_close(f) == 0 ? 0 : -1;
}

static void put_be(FILE *f, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--)
        fputc((int)(v >> (8 * i)) & 0xFF, f);
}

static void put_vlq(FILE *f, uint32_t v)
{
    uint8_t b[5];
    int n = 0;
    b[n++] = v & 0x7F;
    while (v >>= 7)
        b[n++] = (uint8_t)(0x80 | (v & 0x7F));
    while (n--)
        fputc(b[n], f);
}

int cad_host_write_midi(const cad_host *h, const char *path, double bpm)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    const int ppq = 480;
    fwrite("MThd", 1, 4, f);
    put_be(f, 6, 4);
    put_be(f, 0, 2);
    put_be(f, 1, 2);
    put_be(f, ppq, 2);
    fwrite("MTrk", 1, 4, f);
    long len_pos = ftell(f);
    put_be(f, 0, 4);
    long start = ftell(f);
    uint32_t us = (uint32_t)lround(60e6 / bpm);
    put_vlq(f, 0);
    fputc(0xFF, f);
    fputc(0x51, f);
    fputc(3, f);
    put_be(f, us, 3);
    uint32_t last = 0;
    for (size_t i = 0; i < h->rec.n_midi; i++) {
        const cad_host_midi *m = &h->rec.midi[i];
        uint32_t tick = (uint32_t)llround((double)m->frame / h->rate * bpm /
                                          60.0 * ppq);
        put_vlq(f, tick - last);
        last = tick;
        int n = (m->msg[0] & 0xF0) == 0xC0 ? 2 : 3;
        fwrite(m->msg, 1, (size_t)n, f);
    }
    put_vlq(f, 0);
    fputc(0xFF, f);
    fputc(0x2F, f);
    fputc(0, f);
    long end = ftell(f);
    fseek(f, len_pos, SEEK_SET);
    put_be(f, (uint32_t)(end - start), 4);
    return fclose(f) == 0 ? 0 : -1;
}

int cad_host_copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int ok = a && b;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, a)) > 0)
        ok = fwrite(buf, 1, n, b) == n;
    if (a)
        fclose(a);
    if (b && fclose(b) != 0)
        ok = 0;
    return ok ? 0 : -1;
}
