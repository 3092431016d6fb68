/* cadenza.lv2: a loaded model (cad_voice) or soundfont (cad_sound) put in
 * place. There is one way for each, used by all three places that install
 * one: instantiate (the defaults), restore() (a saved state or a preset)
 * and run() (a load answered by the worker, its frame come).
 *
 * What differs is what the caller's context allows (cad_install_how):
 *   - CAD_INSTALL_RUN, the audio thread: nothing may allocate, free, lock
 *     or block. Old objects go to the worker (FREE_VOICE / FREE_SOUND),
 *     the new voice's opening is asked of the worker (PRIME) and so is a
 *     spare synth. The new synth is put on the old one's 64-frame grid
 *     and given the notes that sound, so a swap mid-piece is seamless.
 *   - CAD_INSTALL_RESTORE: run() is not running (the state extension's
 *     rule for a plugin without state:threadSafeRestore) and restore()
 *     may block, but the host's worker may not answer (cad_state.c says
 *     why). So the opening is primed and the spare loaded right here, and
 *     old sounds are freed here. Old voices still go to the worker: GEN,
 *     PRIME and other requests naming them may wait in the outbox or the
 *     host's queue, and their FREE_VOICE must come after those (freeing
 *     them here left those requests pointing at freed memory: found by
 *     fuzz_state). No request ever names a sound.
 *   - CAD_INSTALL_INSTANTIATE: as restore(), with nothing old to replace;
 *     the host is told nothing (it asks, with patch:Get) and the program
 *     is left to the first run(), which sets it as it reads the ports.
 * Either way the opening is ready before the next run(), so a host that
 * starts rolling at once hears the first slot on time. */
#include <string.h>

#include "cad_out.h"

void cad_request_spare(cad_plugin *p)
{
    if (p->sound && p->sound->path[0])
        memcpy(p->load_path[2], p->sound->path, strlen(p->sound->path) + 1);
}

/* An object the plugin lets go of: to the worker, or freed here where
 * that is allowed (a sound outside run(); a voice never, see above). */
static void let_go(cad_plugin *p, uint32_t type, void *obj,
                   cad_install_how how)
{
    if (!obj)
        return;
    if (how == CAD_INSTALL_RUN || type == CAD_MSG_FREE_VOICE) {
        cad_msg f = {.type = type, .ptr = obj};
        cad_outbox_push(p, &f);
    } else {
        cad_sound_free(obj);
    }
}

void cad_install_voice(cad_plugin *p, cad_voice *v, cad_install_how how)
{
    /* It replaces the one playing and any loaded one still waiting for
     * its restart (in run() that one is v). */
    let_go(p, CAD_MSG_FREE_VOICE, p->voice_next != v ? p->voice_next : NULL,
           how);
    let_go(p, CAD_MSG_FREE_VOICE, p->voice, how);
    p->voice_next = NULL;
    p->voice_armed = 0;
    p->voice = v;
    cad_set_grid(p);
    if (how == CAD_INSTALL_RUN) {
        p->prime_forced = 1;
        cad_maybe_prime(p);
    } else {
        cad_params params;
        cad_params_from(p, &p->c, &params);
        params.bpm = p->slot_bpm;
        cad_voice_prime(v, &params, p->opening);
        if (++p->prime_id == 0) /* 0 means "none" */
            p->prime_id = 1;
        p->opening_id = p->prime_id;
        p->prime_voice = v;
        p->prime_params = params;
        p->prime_forced = 0;
    }
    if (how != CAD_INSTALL_INSTANTIATE)
        p->notify_model = 1;
}

void cad_install_sound(cad_plugin *p, cad_sound *s, cad_install_how how)
{
    /* It replaces the one playing, its spare and any loaded one still
     * waiting for its frame (in run() that one is s). */
    let_go(p, CAD_MSG_FREE_SOUND, p->sound_next != s ? p->sound_next : NULL,
           how);
    let_go(p, CAD_MSG_FREE_SOUND, p->sound, how);
    let_go(p, CAD_MSG_FREE_SOUND, p->spare, how);
    p->sound_next = NULL;
    p->sound = s;
    p->spare = NULL;
    if (how == CAD_INSTALL_RUN) {
        /* Put the new synth's 64-frame grid where the old one's was, so
         * a swap does not move note timing by a fraction of a block. */
        float l[64], r[64];
        if (p->synth_phase > 0)
            cad_synth_render(s->synth, p->synth_phase, l, r);
        cad_synth_program(s->synth, CAD_GEN_CHANNEL, p->c.program);
        cad_synth_program(s->synth, CAD_INPUT_CHANNEL, p->c.program);
        for (int k = 0; k < 128; k++) {
            if (p->gen_notes.on[k])
                cad_synth_note_on(s->synth, CAD_GEN_CHANNEL, k,
                                  p->gen_vel[k] ? p->gen_vel[k]
                                                : p->c.velocity);
            if (p->in_notes.on[k])
                cad_synth_note_on(s->synth, CAD_INPUT_CHANNEL, k,
                                  p->c.velocity);
        }
        cad_request_spare(p);
    } else {
        /* The new synth starts on its own grid, with nothing sounding. */
        if (s->path[0]) {
            /* FluidSynth shares the sample data: the spare costs little. */
            cad_error e = {{0}};
            p->spare = cad_sound_load(p->rate, s->path, &e);
            if (!p->spare)
                lv2_log_warning(&p->logger, "cadenza: no spare synth: %s\n",
                                e.msg);
        }
        p->synth_phase = 0;
        if (how == CAD_INSTALL_RESTORE) {
            cad_synth_program(s->synth, CAD_GEN_CHANNEL, p->c.program);
            cad_synth_program(s->synth, CAD_INPUT_CHANNEL, p->c.program);
        }
    }
    if (how != CAD_INSTALL_INSTANTIATE)
        p->notify_sound = 1;
}
