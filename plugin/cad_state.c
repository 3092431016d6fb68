/* cadenza.lv2: state. The model and soundfont paths (through mapPath, so a
 * saved session can move between machines) and the regenerate count are
 * saved; seed, mode and the other controls are ports, which hosts save
 * themselves. Restore follows the LV2 book's sampler: with a worker
 * schedule given to restore, loading is queued like a patch:Set; without
 * one the host guarantees run() is not running, so load right here. */
#include <stdlib.h>
#include <string.h>

#include "lv2/state/state.h"

#include "cad_out.h"

static const void *feature(const LV2_Feature *const *f, const char *uri)
{
    for (int i = 0; f && f[i]; i++)
        if (!strcmp(f[i]->URI, uri))
            return f[i]->data;
    return NULL;
}

static LV2_State_Status store_path(LV2_State_Store_Function store,
                                   LV2_State_Handle sh,
                                   const LV2_State_Map_Path *mp,
                                   const LV2_State_Free_Path *fp,
                                   LV2_URID key, LV2_URID type,
                                   const char *path)
{
    char *apath = mp ? mp->abstract_path(mp->handle, path) : NULL;
    const char *v = apath ? apath : path;
    LV2_State_Status st =
        store(sh, key, v, strlen(v) + 1, type,
              LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    if (apath) {
        if (fp)
            fp->free_path(fp->handle, apath);
        else
            free(apath);
    }
    return st;
}

static LV2_State_Status save(LV2_Handle h, LV2_State_Store_Function store,
                             LV2_State_Handle sh, uint32_t flags,
                             const LV2_Feature *const *features)
{
    (void)flags;
    cad_plugin *p = h;
    const cad_uris *u = &p->uris;
    const LV2_State_Map_Path *mp = feature(features, LV2_STATE__mapPath);
    const LV2_State_Free_Path *fp = feature(features, LV2_STATE__freePath);
    /* The newest load counts, even if it has not taken over yet. */
    const cad_voice *v = p->voice_next ? p->voice_next : p->voice;
    const cad_sound *s = p->sound_next ? p->sound_next : p->sound;
    LV2_State_Status st = LV2_STATE_SUCCESS;
    if (v)
        st = store_path(store, sh, mp, fp, u->cad_model, u->atom_Path,
                        v->path);
    if (st == LV2_STATE_SUCCESS && s && s->path[0])
        st = store_path(store, sh, mp, fp, u->cad_soundfont, u->atom_Path,
                        s->path);
    int32_t var = (int32_t)p->variation;
    if (st == LV2_STATE_SUCCESS)
        st = store(sh, u->cad_variation, &var, sizeof var, u->atom_Int,
                   LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    return st;
}

/* Loads now, in restore's own thread: run() is not running. */
static void load_here(cad_plugin *p, int which, const char *path)
{
    cad_error e = {{0}};
    if (which == 0) {
        cad_params params;
        cad_params_from(p, &p->c, &params);
        cad_voice *v = cad_voice_load(path, &params, &e);
        if (v) {
            /* The old voices go to the worker to be freed, behind the
             * requests naming them that may still wait in the outbox (a
             * host that refused some) or in the host's queue: freeing
             * them here left those pointing at freed memory (found by
             * fuzz_state). */
            cad_voice *old[2] = {p->voice_next, p->voice};
            for (int i = 0; i < 2; i++) {
                if (old[i]) {
                    cad_msg f = {.type = CAD_MSG_FREE_VOICE, .ptr = old[i]};
                    cad_outbox_push(p, &f);
                }
            }
            p->voice_next = NULL;
            p->voice_armed = 0;
            p->voice = v;
            p->step_beats = v->step_beats;
            cad_voice_prime(v, &params, p->opening);
            p->prime_id++;
            if (p->prime_id == 0)
                p->prime_id = 1;
            p->opening_id = p->prime_id;
            p->prime_voice = v;
            p->prime_params = params;
            p->prime_forced = 0;
            p->notify_model = 1;
            /* Not cad_resync() here: it sends the note offs, and outside
             * run() there is no output buffer to send them to (the last
             * one may be gone: found by fuzz_state). The next run()
             * starts afresh at the same frame. */
            if (p->playing)
                p->resync_due = 1;
        }
    } else {
        cad_sound *s = cad_sound_load(p->rate, path, &e);
        if (s) {
            cad_sound_free(p->sound);
            cad_sound_free(p->spare);
            p->sound = s;
            p->spare = cad_sound_load(p->rate, path, &e);
            p->synth_phase = 0;
            cad_synth_program(s->synth, CAD_GEN_CHANNEL, p->c.program);
            cad_synth_program(s->synth, CAD_INPUT_CHANNEL, p->c.program);
            p->notify_sound = 1;
        }
    }
    if (e.msg[0]) {
        lv2_log_error(&p->logger, "cadenza: %s\n", e.msg);
        cad_status_set(p, e.msg);
    }
}

static void restore_path(cad_plugin *p, LV2_State_Retrieve_Function retrieve,
                         LV2_State_Handle sh, const LV2_State_Map_Path *mp,
                         const LV2_State_Free_Path *fp,
                         const LV2_Worker_Schedule *sched, int which)
{
    const cad_uris *u = &p->uris;
    size_t size;
    uint32_t type, vflags;
    const char *val = retrieve(sh, which ? u->cad_soundfont : u->cad_model,
                               &size, &type, &vflags);
    if (!val || size == 0 || val[size - 1] != 0 ||
        (type != u->atom_Path && type != u->atom_String))
        return;
    char *apath = mp ? mp->absolute_path(mp->handle, val) : NULL;
    const char *path = apath ? apath : val;
    const char *cur = which ? (p->sound ? p->sound->path : "")
                            : (p->voice ? p->voice->path : "");
    if (strcmp(path, cur) != 0) {
        if (sched && p->activated) {
            cad_msg_text t;
            memset(&t.head, 0, sizeof t.head);
            t.head.type = which ? CAD_MSG_LOAD_SOUND : CAD_MSG_LOAD_MODEL;
            t.head.step = 0; /* take over as soon as it is loaded */
            cad_params_from(p, &p->c, &t.head.params);
            size_t len = strlen(path);
            if (len < CAD_PATH_MAX) {
                memcpy(t.text, path, len + 1);
                sched->schedule_work(sched->handle,
                                     (uint32_t)(sizeof t.head + len + 1), &t);
            }
        } else {
            load_here(p, which, path);
        }
    }
    if (apath) {
        if (fp)
            fp->free_path(fp->handle, apath);
        else
            free(apath);
    }
}

static LV2_State_Status restore(LV2_Handle h,
                                LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle sh, uint32_t flags,
                                const LV2_Feature *const *features)
{
    (void)flags;
    cad_plugin *p = h;
    const LV2_State_Map_Path *mp = feature(features, LV2_STATE__mapPath);
    const LV2_State_Free_Path *fp = feature(features, LV2_STATE__freePath);
    const LV2_Worker_Schedule *sched = feature(features, LV2_WORKER__schedule);
    size_t size;
    uint32_t type, vflags;
    const void *var = retrieve(sh, p->uris.cad_variation, &size, &type,
                               &vflags);
    if (var && type == p->uris.atom_Int && size == sizeof(int32_t)) {
        int32_t v;
        memcpy(&v, var, sizeof v);
        p->variation = (uint32_t)v;
    }
    restore_path(p, retrieve, sh, mp, fp, sched, 0);
    restore_path(p, retrieve, sh, mp, fp, sched, 1);
    return LV2_STATE_SUCCESS;
}

const void *cad_state_extension(void)
{
    static const LV2_State_Interface iface = {save, restore};
    return &iface;
}
