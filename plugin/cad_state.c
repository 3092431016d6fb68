/* cadenza.lv2: state. The model and soundfont paths (through mapPath, so a
 * saved session can move between machines) and the regenerate count are
 * saved; seed, mode and the other controls are ports, which hosts save
 * themselves.
 *
 * Restore loads the model and the soundfont right here, synchronously,
 * and installs them (cad_install.c, which primes the opening and loads the
 * spare synth here too). The plugin does not declare state:threadSafeRestore,
 * so by the state extension's rules the host never calls restore() while
 * run() runs, and restore() may block. It never hands the load to the
 * host's worker, even when restore() is given a work:schedule: jalv 1.6.6
 * passes one but services it only for plugins that declare
 * threadSafeRestore, and applying a preset crashed it (issue 9). */
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
            cad_install_voice(p, v, CAD_INSTALL_RESTORE);
            lv2_log_note(&p->logger, "cadenza: restored %s\n", path);
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
            cad_install_sound(p, s, CAD_INSTALL_RESTORE);
            lv2_log_note(&p->logger, "cadenza: restored %s\n", path);
        }
    }
    if (e.msg[0]) {
        lv2_log_error(&p->logger, "cadenza: %s\n", e.msg);
        cad_status_set(p, e.msg);
    }
}

/* A path value as hosts hand it back: lilv counts the terminating NUL in
 * the size, Carla 2.5 does not (issue 9). Either is accepted and copied
 * into a terminated buffer; anything else is refused, with the reason in
 * the host's log. Returns 0 and fills out, or -1. */
static int path_value(cad_plugin *p, const char *what, const char *val,
                      size_t size, uint32_t type, char *out, size_t cap)
{
    const cad_uris *u = &p->uris;
    const char *why = NULL;
    if (type != u->atom_Path && type != u->atom_String)
        why = "it is not a path";
    else if (size > 0 && val[size - 1] == 0)
        size--; /* the NUL is counted */
    if (!why && size == 0)
        why = "it is empty";
    if (!why && memchr(val, 0, size))
        why = "it has a NUL byte inside";
    if (!why && size >= cap)
        why = "it is too long";
    if (why) {
        lv2_log_warning(&p->logger, "cadenza: the saved %s was not "
                        "restored: %s\n", what, why);
        return -1;
    }
    memcpy(out, val, size);
    out[size] = 0;
    return 0;
}

static void restore_path(cad_plugin *p, LV2_State_Retrieve_Function retrieve,
                         LV2_State_Handle sh, const LV2_State_Map_Path *mp,
                         const LV2_State_Free_Path *fp, int which)
{
    const cad_uris *u = &p->uris;
    const char *what = which ? "soundfont" : "model";
    size_t size = 0;
    uint32_t type = 0, vflags = 0;
    const char *val = retrieve(sh, which ? u->cad_soundfont : u->cad_model,
                               &size, &type, &vflags);
    char buf[CAD_PATH_MAX];
    if (!val || path_value(p, what, val, size, type, buf, sizeof buf) != 0)
        return;
    char *apath = mp ? mp->absolute_path(mp->handle, buf) : NULL;
    const char *path = apath ? apath : buf;
    /* The restored file wins over a choice made just before that has
     * not taken over yet: one still to be sent to the worker, or one
     * loaded and waiting for its frame. (A request the worker holds
     * right now still answers later and takes over: a patch:Set in the
     * very cycle before a restore; not seen in any host.) */
    p->load_path[which][0] = 0;
    int kept = 0;
    for (int i = 0; i < p->n_loads; i++) {
        cad_msg *m = &p->loads[i];
        if ((m->type == CAD_MSG_MODEL) == (which == 0)) {
            cad_msg f = {.type = which ? CAD_MSG_FREE_SOUND
                                       : CAD_MSG_FREE_VOICE,
                         .ptr = m->ptr};
            cad_outbox_push(p, &f);
        } else {
            p->loads[kept++] = *m;
        }
    }
    p->n_loads = kept;
    const char *cur = which ? (p->sound ? p->sound->path : "")
                            : (p->voice ? p->voice->path : "");
    if (strcmp(path, cur) != 0 || (which == 0 && p->voice_next) ||
        (which == 1 && p->sound_next))
        load_here(p, which, path);
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
    size_t size;
    uint32_t type, vflags;
    const void *var = retrieve(sh, p->uris.cad_variation, &size, &type,
                               &vflags);
    /* Saved as an atom:Int; a preset's plain Turtle number may come back
     * as either. */
    if (var && type == p->uris.atom_Int && size == sizeof(int32_t)) {
        int32_t v;
        memcpy(&v, var, sizeof v);
        p->variation = (uint32_t)v;
    } else if (var && type == p->uris.atom_Long && size == sizeof(int64_t)) {
        int64_t v;
        memcpy(&v, var, sizeof v);
        p->variation = (uint32_t)v;
    }
    restore_path(p, retrieve, sh, mp, fp, 0);
    restore_path(p, retrieve, sh, mp, fp, 1);
    return LV2_STATE_SUCCESS;
}

const void *cad_state_extension(void)
{
    static const LV2_State_Interface iface = {save, restore};
    return &iface;
}
