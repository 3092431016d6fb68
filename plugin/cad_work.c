/* cadenza.lv2, worker side: everything that allocates, reads files or
 * composes (the voices' composers, model/compose/cad_compose.h). work()
 * runs in the host's worker thread (or synchronously while a host
 * exports); work_response() runs in the audio thread and only moves
 * pointers and copies note events into their slots. The messages are in
 * cad_worker_msg.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr */
#endif
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_gen.h" /* loading a model */
#include "cad_plugin.h"

/* ---- voices ------------------------------------------------------------ */

void cad_voice_free(cad_voice *v)
{
    if (!v)
        return;
    cad_composer_free(v->comp[0]);
    cad_composer_free(v->comp[1]);
    cad_repr_free(v->repr);
    cad_model_free(v->model);
    free(v);
}

double cad_voice_slot_beats(const cad_voice *v, float bpm)
{
    if (!v->roll)
        return CAD_WINDOW_BEATS;
    double sb = cad_step_beats(v->step_beats, v->step_seconds, bpm);
    if (!(sb > 0))
        sb = 1.0;
    return sb < 1.0 / 64 ? 1.0 / 64 : sb;
}

float cad_voice_bpm(const cad_voice *v, double qpm)
{
    int seconds = !(v->step_beats > 0) && v->step_seconds > 0;
    return seconds && v->roll && qpm > 0 ? (float)qpm : 120.0f;
}

cad_voice *cad_voice_load(const char *path, const cad_params *p,
                          cad_error *e)
{
    if (strlen(path) >= CAD_PATH_MAX) {
        cad_error_set(e, "model path too long (%zu bytes)", strlen(path));
        return NULL;
    }
    cad_voice *v = calloc(1, sizeof *v);
    if (!v) {
        cad_error_set(e, "%s: out of memory", path);
        return NULL;
    }
    if (cad_model_load_any(path, &v->model, e) != 0) {
        free(v);
        return NULL;
    }
    cad_model_info info;
    cad_model_get_info(v->model, &info);
    v->step_beats = info.step_beats;
    v->step_seconds = info.step_seconds;
    /* The tempo only shapes a piano roll timed in seconds, whose steps
     * the composer times itself at the tempo of each call. */
    if (cad_compose_repr(v->model, 120, &v->repr, e) != 0) {
        cad_error_prefix(e, "%s: ", path);
        cad_voice_free(v);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        v->comp[i] = cad_composer_new(v->model, v->repr, e);
        if (!v->comp[i]) {
            cad_error_prefix(e, "%s: ", path);
            cad_voice_free(v);
            return NULL;
        }
    }
    v->roll = cad_composer_realtime(v->comp[0]);
    /* Only performance events keep a velocity per note; every other
     * representation plays at the velocity port's. */
    v->own_velocity = !strcmp(v->repr->kind->name, "events");
    snprintf(v->path, sizeof v->path, "%s", path);
    cad_composer_reset(v->comp[0], p->seed);
    return v;
}

static void constraints_of(const cad_params *p, cad_constraints *k)
{
    cad_constraints_default(k);
    k->temperature = p->temperature;
    k->threshold = p->threshold;
    k->max_notes = p->max_notes;
    /* The key and scale as a mask. Moving the music into the key (the
     * shift `cadenza generate --key` applies) made the soak test's two
     * block sizes give different audio from the same MIDI; until that is
     * understood the plugin keeps to the scale without moving. */
    int key = p->key >= 0 && p->key < 12 ? p->key : 0;
    int scale = p->scale >= 0 && p->scale < CAD_SCALE_COUNT ? p->scale : 0;
    cad_constraints_in_key(k, key, (cad_scale)scale);
    k->shift = 0;
    k->max_hold = 8; /* beats: no chord held for ever at low temperatures */
    if (p->metre_num >= 1 && p->metre_den >= 1)
        k->metre = (cad_meter){0, p->metre_num, p->metre_den};
    k->low = p->low;
    k->high = p->high;
    k->bpm = p->bpm;
}

/* The worker's side of "never drop notes silently": a decoder's error
 * goes to the status once; the voice then plays what it has. */
static void voice_error(cad_voice *v, const cad_error *e, cad_error *report)
{
    if (v->failed || !report)
        return;
    cad_error_set(report, "%s: %s", v->path, e->msg);
    v->failed = 1;
}

/* Composes composer `which`'s next slot into out (see "Slots" in
 * cad_worker_msg.h): its events, at most CAD_SLOT_NOTES, each at its
 * offset from the slot's start. Events beyond that wait in the
 * composer's queue for the next slot, whose start they are played at. */
static void voice_slot(cad_voice *v, int which, const cad_params *p,
                       cad_slot *out, cad_error *report)
{
    cad_composer *c = v->comp[which];
    cad_constraints k;
    constraints_of(p, &k);
    double sb = cad_voice_slot_beats(v, p->bpm);
    double from = (double)v->slots[which] * sb;
    double until = (double)(v->slots[which] + 1) * sb;
    v->slots[which]++;
    out->n = 0;
    cad_event ev[CAD_MSG_NOTES_MAX];
    /* Bounded: every round fills the slot further or ends it. */
    for (;;) {
        int room = CAD_SLOT_NOTES - out->n, n = 0;
        if (room > CAD_MSG_NOTES_MAX)
            room = CAD_MSG_NOTES_MAX;
        cad_error e = {{0}};
        int rc = cad_composer_advance(c, &k, until, ev, room, &n, &e);
        if (rc < 0)
            voice_error(v, &e, report);
        for (int i = 0; i < n; i++) {
            if (ev[i].pitch > 127)
                continue;
            double at = ev[i].beat - from;
            out->ev[out->n++] = (cad_note_msg){
                .beat = at > 0 ? (float)at : 0.0f, .kind = ev[i].kind,
                .pitch = ev[i].pitch, .velocity = ev[i].velocity};
        }
        if (rc != 1 || n == 0 || out->n == CAD_SLOT_NOTES)
            break;
    }
}

/* The primed composer, reset to start a piece; returns which it is. */
static int voice_open(cad_voice *v, const cad_params *p)
{
    int w = 1 - v->live;
    cad_composer_reset(v->comp[w], p->seed);
    v->slots[w] = 0;
    return w;
}

void cad_voice_prime(cad_voice *v, const cad_params *p, cad_slot *out)
{
    int w = voice_open(v, p);
    for (int i = 0; i < CAD_OPEN_LEN; i++) {
        voice_slot(v, w, p, &out[i], NULL);
        out[i].step = i;
        out[i].valid = 1;
    }
}

/* Listen mode: the keys the player held during a slot, as the live
 * composer's next step (piano rolls; the audio thread sends no other). */
static void voice_observe(cad_voice *v, const cad_params *p,
                          const cad_bits *bits)
{
    uint8_t keys[128];
    for (int k = 0; k < 128; k++)
        keys[k] = (uint8_t)cad_bits_get(bits, k);
    cad_constraints k;
    constraints_of(p, &k);
    if (cad_composer_observe_keys(v->comp[v->live], &k, keys) == 0)
        v->slots[v->live]++;
}

/* ---- sounds ------------------------------------------------------------ */

void cad_sound_free(cad_sound *s)
{
    if (!s)
        return;
    cad_synth_free(s->synth);
    free(s);
}

/* FluidSynth and what it loads cannot be unloaded and loaded again in one
 * process, which hosts do when the last instance goes and a new one comes
 * (lilv closes the library with its last instance):
 *   - Debian's FluidSynth loads soundfonts inside an OpenMP parallel
 *     region, and libgomp's threads outlive the load; they would crash in
 *     unloaded code (as our own test host did);
 *   - new_fluid_synth initialises libinstpatch, which registers GObject
 *     types with GLib; GLib stays loaded and keeps pointers into the
 *     unloaded copy, so the next instance crashed in new_fluid_synth
 *     (found by the soak test, which runs two hosts one after the other);
 *   - FluidSynth's process-wide log hook points into this plugin.
 * So the plugin keeps itself, and with it FluidSynth and everything that
 * loaded, for the life of the process. */
static void pin_self(void)
{
    Dl_info info;
    if (dladdr((void *)pin_self, &info) && info.dli_fname) {
        void *h = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD |
                                             RTLD_NODELETE);
        (void)h; /* deliberately never closed */
    }
    void *h = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    (void)h; /* also when the plugin is linked into a program (fuzzing) */
}

cad_sound *cad_sound_load(double rate, const char *path, cad_error *e)
{
    if (path && strlen(path) >= CAD_PATH_MAX) {
        cad_error_set(e, "soundfont path too long (%zu bytes)", strlen(path));
        return NULL;
    }
    cad_sound *s = calloc(1, sizeof *s);
    if (!s) {
        cad_error_set(e, "out of memory");
        return NULL;
    }
    /* effects = 0: FluidSynth's reverb and chorus allocate on every render
     * call in Debian's OpenMP build (see cad_synth.h). */
    s->synth = cad_synth_new(rate, path, 0, e);
    pin_self();
    if (!s->synth) {
        free(s);
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path ? path : "");
    return s;
}

/* ---- work(): the worker thread ----------------------------------------- */

static LV2_Worker_Status respond_error(cad_plugin *p,
                                       LV2_Worker_Respond_Function respond,
                                       LV2_Worker_Respond_Handle rh,
                                       const cad_error *e)
{
    cad_msg_text r;
    memset(&r.head, 0, sizeof r.head);
    r.head.type = CAD_MSG_ERROR;
    snprintf(r.text, sizeof r.text, "%s", e->msg);
    lv2_log_error(&p->logger, "cadenza: %s\n", r.text);
    return respond(rh, (uint32_t)(sizeof r.head + strlen(r.text) + 1), &r);
}

/* A slot's events as answers of up to CAD_MSG_NOTES_MAX, in order, the
 * last one flagged (with `last` added); an empty slot is one answer. */
static LV2_Worker_Status respond_slot(LV2_Worker_Respond_Function respond,
                                      LV2_Worker_Respond_Handle rh,
                                      const cad_msg *head, const cad_slot *sl,
                                      uint32_t last)
{
    int i = 0;
    do {
        cad_msg_notes r;
        r.head = *head;
        r.n = (uint32_t)(sl->n - i < CAD_MSG_NOTES_MAX ? sl->n - i
                                                       : CAD_MSG_NOTES_MAX);
        memcpy(r.ev, sl->ev + i, r.n * sizeof *r.ev);
        i += (int)r.n;
        r.flags = i == sl->n ? CAD_NOTES_LAST | last : 0;
        uint32_t size = (uint32_t)(offsetof(cad_msg_notes, ev) +
                                   r.n * sizeof *r.ev);
        LV2_Worker_Status st = respond(rh, size, &r);
        if (st != LV2_WORKER_SUCCESS)
            return st;
    } while (i < sl->n);
    return LV2_WORKER_SUCCESS;
}

LV2_Worker_Status cad_work(LV2_Handle h, LV2_Worker_Respond_Function respond,
                           LV2_Worker_Respond_Handle rh, uint32_t size,
                           const void *data)
{
    cad_plugin *p = h;
    if (size < sizeof(cad_msg))
        return LV2_WORKER_ERR_UNKNOWN;
    cad_msg m;
    memcpy(&m, data, sizeof m);
    cad_voice *v = m.ptr;
    cad_error e = {{0}};

    switch (m.type) {
    case CAD_MSG_GEN: {
        cad_slot sl;
        voice_slot(v, v->live, &m.params, &sl, &e);
        m.type = CAD_MSG_NOTES;
        LV2_Worker_Status st = respond_slot(respond, rh, &m, &sl, 0);
        return e.msg[0] ? respond_error(p, respond, rh, &e) : st;
    }
    case CAD_MSG_PRIME: {
        /* Slot by slot, so that the worker's stack holds one slot. */
        int w = voice_open(v, &m.params);
        LV2_Worker_Status st = LV2_WORKER_SUCCESS;
        m.type = CAD_MSG_OPENING;
        for (int i = 0; i < CAD_OPEN_LEN && st == LV2_WORKER_SUCCESS; i++) {
            cad_slot sl;
            voice_slot(v, w, &m.params, &sl, &e);
            m.step = i;
            st = respond_slot(respond, rh, &m, &sl,
                              i == CAD_OPEN_LEN - 1 ? CAD_OPENING_LAST : 0);
        }
        return e.msg[0] ? respond_error(p, respond, rh, &e) : st;
    }
    case CAD_MSG_START:
        v->live = 1 - v->live;
        return LV2_WORKER_SUCCESS;
    case CAD_MSG_RESET:
        cad_composer_reset(v->comp[v->live], m.params.seed);
        v->slots[v->live] = 0;
        return LV2_WORKER_SUCCESS;
    case CAD_MSG_OBSERVE:
        voice_observe(v, &m.params, &m.bits);
        return LV2_WORKER_SUCCESS;
    case CAD_MSG_FREE_VOICE:
        cad_voice_free(v);
        return LV2_WORKER_SUCCESS;
    case CAD_MSG_FREE_SOUND:
        cad_sound_free(m.ptr);
        return LV2_WORKER_SUCCESS;
    case CAD_MSG_LOAD_MODEL:
    case CAD_MSG_LOAD_SOUND: {
        /* The path follows the header, NUL-terminated within size. */
        const char *path = (const char *)data + sizeof m;
        size_t room = size - sizeof m;
        if (room == 0 || memchr(path, 0, room) == NULL) {
            cad_error_set(&e, "malformed load request");
            return respond_error(p, respond, rh, &e);
        }
        if (m.type == CAD_MSG_LOAD_MODEL) {
            m.ptr = cad_voice_load(path, &m.params, &e);
            m.type = CAD_MSG_MODEL;
        } else {
            m.ptr = cad_sound_load(p->rate, path, &e);
            m.type = CAD_MSG_SOUND;
        }
        if (!m.ptr)
            return respond_error(p, respond, rh, &e);
        if (m.id == 0) /* spares are routine: not worth a line */
            lv2_log_note(&p->logger, "cadenza: loaded %s\n", path);
        return respond(rh, sizeof m, &m);
    }
    default:
        return LV2_WORKER_ERR_UNKNOWN;
    }
}

/* ---- work_response(): back in the audio thread ------------------------- */

/* A loaded model or soundfont waits for its frame (cad_run.c takes it
 * then). The queue is full only if a host floods us with loads: the
 * oldest waiting is dropped (the newest choice wins, as ever). */
static void loads_push(cad_plugin *p, const cad_msg *m)
{
    if (p->n_loads == CAD_LOADS) {
        const cad_msg *old = &p->loads[0];
        cad_msg f = {.type = old->type == CAD_MSG_MODEL ? CAD_MSG_FREE_VOICE
                                                        : CAD_MSG_FREE_SOUND,
                     .ptr = old->ptr};
        cad_outbox_push(p, &f);
        memmove(p->loads, p->loads + 1, (CAD_LOADS - 1) * sizeof *m);
        p->n_loads--;
    }
    p->loads[p->n_loads++] = *m;
}

/* Adds an answer's events to its slot; returns the answer's flags. */
static uint32_t slot_add(cad_slot *s, const void *data, uint32_t size)
{
    const size_t ev_at = offsetof(cad_msg_notes, ev);
    if (size < ev_at)
        return 0;
    uint32_t flags, n;
    memcpy(&flags, (const char *)data + offsetof(cad_msg_notes, flags),
           sizeof flags);
    memcpy(&n, (const char *)data + offsetof(cad_msg_notes, n), sizeof n);
    if (n > CAD_MSG_NOTES_MAX || size < ev_at + n * sizeof(cad_note_msg))
        return 0;
    if (n > (uint32_t)(CAD_SLOT_NOTES - s->n))
        n = (uint32_t)(CAD_SLOT_NOTES - s->n); /* the worker sends no more */
    memcpy(s->ev + s->n, (const char *)data + ev_at, n * sizeof *s->ev);
    s->n += (int)n;
    if (flags & CAD_NOTES_LAST)
        s->valid = 1;
    return flags;
}

LV2_Worker_Status cad_work_response(LV2_Handle h, uint32_t size,
                                    const void *data)
{
    cad_plugin *p = h;
    if (size < sizeof(cad_msg))
        return LV2_WORKER_ERR_UNKNOWN;
    /* Copied out: a host need not hand us an aligned buffer. */
    cad_msg mm;
    memcpy(&mm, data, sizeof mm);
    const cad_msg *m = &mm;

    switch (m->type) {
    case CAD_MSG_NOTES: {
        /* Answers for slots already played, or from before a restart,
         * are simply dropped. */
        if (m->id != p->epoch || m->step < p->next_step ||
            m->step >= p->next_step + CAD_RING)
            break;
        cad_slot *s = &p->ring[m->step & (CAD_RING - 1)];
        if (s->step != m->step || s->epoch != m->id) {
            s->step = m->step;
            s->epoch = m->id;
            s->valid = 0;
            s->n = 0;
        }
        if (slot_add(s, data, size) & CAD_NOTES_LAST)
            cad_ui_planned_slot(p, s);
        break;
    }
    case CAD_MSG_OPENING: {
        if (m->id != p->prime_id || m->ptr != p->prime_voice ||
            m->step < 0 || m->step >= CAD_OPEN_LEN)
            break;
        /* A newer PRIME's opening replaces the one held as it begins. */
        if (p->opening_id == m->id)
            break; /* complete already: a duplicate cannot happen */
        if (m->step == 0 && p->opening[0].epoch != m->id)
            for (int i = 0; i < CAD_OPEN_LEN; i++)
                p->opening[i] = (cad_slot){.step = i, .epoch = m->id};
        cad_slot *s = &p->opening[m->step];
        if (s->epoch != m->id)
            break; /* its first slot was missed: wait for the next PRIME */
        if (slot_add(s, data, size) & CAD_OPENING_LAST)
            p->opening_id = m->id;
        break;
    }
    case CAD_MSG_MODEL:
        loads_push(p, m);
        break;
    case CAD_MSG_SOUND:
        if (m->id == 1) {
            /* A spare: kept if it matches the soundfont now in use. */
            cad_sound *s = m->ptr;
            if (!p->spare && p->sound && !strcmp(s->path, p->sound->path)) {
                p->spare = s;
            } else {
                cad_msg f = {.type = CAD_MSG_FREE_SOUND, .ptr = s};
                cad_outbox_push(p, &f);
            }
            break;
        }
        loads_push(p, m);
        break;
    case CAD_MSG_ERROR: {
        const char *text = (const char *)data + sizeof(cad_msg);
        size_t room = size - sizeof(cad_msg);
        size_t n = 0;
        while (n < room && n + 1 < sizeof p->status && text[n])
            n++;
        memcpy(p->status, text, n);
        p->status[n] = 0;
        p->notify_status = 1;
        break;
    }
    default:
        return LV2_WORKER_ERR_UNKNOWN;
    }
    return LV2_WORKER_SUCCESS;
}
