/* cadenza.lv2, worker side: everything that allocates, reads files or runs
 * the LSTM. work() runs in the host's worker thread (or synchronously while
 * a host exports); work_response() runs in the audio thread and only moves
 * pointers and copies a few bytes. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr */
#endif
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_plugin.h"

/* ---- voices and sounds ------------------------------------------------ */

void cad_voice_free(cad_voice *v)
{
    if (!v)
        return;
    cad_gen_free(v->gen[0]);
    cad_gen_free(v->gen[1]);
    cad_model_free(v->model);
    free(v);
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
    if (cad_model_load(path, &v->model, e) != 0) {
        free(v);
        return NULL;
    }
    cad_model_get_info(v->model, &v->info);
    /* The plugin speaks MIDI: a model whose keys fall outside 0..127 has
     * nothing to play them on. */
    if (v->info.n_keys < 1 || v->info.low_key < 0 ||
        v->info.low_key + v->info.n_keys > 128) {
        cad_error_set(e, "%s: keys %d..%d are not MIDI notes", path,
                      v->info.low_key, v->info.low_key + v->info.n_keys - 1);
        cad_voice_free(v);
        return NULL;
    }
    /* A model whose frames are in seconds is played on a beat grid at the
     * rate it was trained at if that was 120 quarter notes a minute. */
    v->step_beats = v->info.step_beats > 0 ? v->info.step_beats
                    : v->info.step_seconds > 0 ? v->info.step_seconds * 2.0
                                               : 1.0;
    if (v->step_beats < 1.0 / 64)
        v->step_beats = 1.0 / 64;
    for (int i = 0; i < 2; i++) {
        v->gen[i] = cad_gen_new(v->model, e);
        if (!v->gen[i]) {
            cad_error_prefix(e, "%s: ", path);
            cad_voice_free(v);
            return NULL;
        }
    }
    snprintf(v->path, sizeof v->path, "%s", path);
    cad_gen_reset(v->gen[0]);
    cad_rng_seed(&v->rng[0], p->seed);
    return v;
}

/* Samples one step from state `which` into MIDI note bits. */
static void voice_sample(cad_voice *v, int which, const cad_params *p,
                         cad_bits *out)
{
    uint8_t allowed[128], frame[128];
    int n = v->info.n_keys;
    cad_sched_mask(p->key, p->scale, p->low, p->high, v->info.low_key, n,
                   allowed);
    cad_sample_params sp = {
        .temperature = p->temperature,
        .threshold = p->threshold,
        .allowed = allowed,
        .max_notes = p->max_notes,
    };
    cad_gen_sample(v->gen[which], &sp, &v->rng[which], frame);
    memset(out, 0, sizeof *out);
    for (int k = 0; k < n; k++)
        if (frame[k] && allowed[k]) /* the mask is a promise: enforce it */
            cad_bits_set(out, v->info.low_key + k);
}

void cad_voice_prime(cad_voice *v, const cad_params *p, cad_bits *out)
{
    int w = 1 - v->live;
    cad_gen_reset(v->gen[w]);
    cad_rng_seed(&v->rng[w], p->seed);
    for (int i = 0; i < CAD_OPEN_LEN; i++)
        voice_sample(v, w, p, &out[i]);
}

static void voice_observe(cad_voice *v, const cad_bits *bits)
{
    uint8_t frame[128] = {0};
    for (int k = 0; k < v->info.n_keys; k++)
        frame[k] = (uint8_t)cad_bits_get(bits, v->info.low_key + k);
    cad_gen_observe(v->gen[v->live], frame);
}

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
        voice_sample(v, v->live, &m.params, &m.bits);
        m.type = CAD_MSG_FRAME;
        return respond(rh, sizeof m, &m);
    }
    case CAD_MSG_PRIME: {
        cad_msg_opening r = {.head = m};
        cad_voice_prime(v, &m.params, r.steps);
        r.head.type = CAD_MSG_OPENING;
        return respond(rh, sizeof r, &r);
    }
    case CAD_MSG_START:
        v->live = 1 - v->live;
        return LV2_WORKER_SUCCESS;
    case CAD_MSG_RESET:
        cad_gen_reset(v->gen[v->live]);
        cad_rng_seed(&v->rng[v->live], m.params.seed);
        return LV2_WORKER_SUCCESS;
    case CAD_MSG_OBSERVE:
        voice_observe(v, &m.bits);
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
    case CAD_MSG_FRAME: {
        /* Answers for steps already played, or from before a restart,
         * are simply dropped. */
        if (m->id != p->epoch || m->step < p->next_step ||
            m->step >= p->next_step + CAD_RING)
            break;
        cad_slot *s = &p->ring[m->step & (CAD_RING - 1)];
        s->step = m->step;
        s->epoch = m->id;
        s->valid = 1;
        s->bits = m->bits;
        cad_ui_planned_step(p, m->step, m->bits.b);
        break;
    }
    case CAD_MSG_OPENING:
        if (size >= sizeof(cad_msg_opening) && m->id == p->prime_id &&
            m->ptr == p->prime_voice) {
            memcpy(p->opening,
                   (const char *)data + offsetof(cad_msg_opening, steps),
                   sizeof p->opening);
            p->opening_id = m->id;
        }
        break;
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
