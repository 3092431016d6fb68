/* cadenza.lv2, audio thread: run().
 *
 * A block is walked in time order. The next thing to happen is the earliest
 * of: an input event, the next slot, a composed note's frame (cad_slots.c),
 * a loaded soundfont or model taking over; the synth is rendered up to it,
 * then it is handled. Nothing here allocates, locks or logs: work goes to
 * the worker as messages through the outbox, which is retried next block
 * if the host's queue is full. */
#include <math.h>
#include <string.h>

#include "cad_atom_check.h"
#include "cad_plugin.h"
#include "cad_out.h"
#include "cad_scale.h"

/* The scale port's range in the contract is the scale table's. */
_Static_assert(CAD_SCALE_COUNT - 1 == 7, "cad_contract.h: scale maximum");

/* ---- controls ----------------------------------------------------------- */

/* A control as run() may use it: the TTL's default when the port is not
 * connected or not a number, clamped to the TTL's range, rounded for the
 * integer ones (cad_contract.h holds the one table of both). */
static float ctl(const cad_plugin *p, int port)
{
    const cad_control_spec *c = cad_control_of((unsigned)port);
    const float *v = p->ctl[port];
    float x = !v || !isfinite(*v) ? c->dflt
              : *v < c->min       ? c->min
              : *v > c->max       ? c->max
                                  : *v;
    return c->integer ? rintf(x) : x;
}

static int ctl_int(const cad_plugin *p, int port)
{
    return (int)ctl(p, port);
}

void cad_read_controls(cad_plugin *p, cad_controls *c)
{
    c->enabled = ctl(p, CAD_PORT_ENABLED) > 0.5f;
    c->mode = ctl_int(p, CAD_PORT_MODE);
    c->tempo = ctl(p, CAD_PORT_TEMPO);
    c->temperature = ctl(p, CAD_PORT_TEMPERATURE);
    c->threshold = ctl(p, CAD_PORT_THRESHOLD);
    c->max_notes = ctl_int(p, CAD_PORT_MAX_NOTES);
    c->seed = ctl_int(p, CAD_PORT_SEED);
    c->key = ctl_int(p, CAD_PORT_KEY);
    c->scale = ctl_int(p, CAD_PORT_SCALE);
    c->low = ctl_int(p, CAD_PORT_LOW);
    c->high = ctl_int(p, CAD_PORT_HIGH);
    c->velocity = ctl_int(p, CAD_PORT_VELOCITY);
    c->program = ctl_int(p, CAD_PORT_PROGRAM);
    c->gain = ctl(p, CAD_PORT_GAIN);
    c->regenerate = ctl(p, CAD_PORT_REGENERATE) > 0.5f;
    c->freewheel = ctl(p, CAD_PORT_FREEWHEEL) > 0.5f;
}

void cad_params_from(const cad_plugin *p, const cad_controls *c,
                     cad_params *out)
{
    memset(out, 0, sizeof *out);
    out->seed = (uint64_t)c->seed << 32 | p->variation;
    out->temperature = c->temperature;
    out->threshold = c->threshold;
    out->max_notes = c->max_notes;
    out->key = c->key;
    out->scale = c->scale;
    out->low = c->low;
    out->high = c->high;
    out->bpm = 120.0f; /* the voice's own: cad_voice_bpm */
    /* the host's metre, in whole numbers as a time signature is written */
    int num = (int)lround(p->host_bpb), den = (int)lround(p->host_unit);
    int ok = num >= 1 && num <= 32 && (den == 1 || den == 2 || den == 4 ||
                                      den == 8 || den == 16 || den == 32);
    out->metre_num = ok ? num : 4;
    out->metre_den = ok ? den : 4;
}

/* ---- talking to the worker ------------------------------------------------ */

void cad_outbox_push(cad_plugin *p, const cad_msg *m)
{
    /* Full only if the host has refused every request for a long time;
     * then the oldest traffic matters least. */
    if (p->out_count == CAD_OUTBOX)
        return;
    p->outbox[(p->out_head + p->out_count) % CAD_OUTBOX] = *m;
    p->out_count++;
}

/* Asks the worker to load `path`: 0 if the host took the request. */
static int send_load(cad_plugin *p, int which, const char *path, int64_t at)
{
    cad_msg_text t;
    memset(&t.head, 0, sizeof t.head);
    t.head.type = which ? CAD_MSG_LOAD_SOUND : CAD_MSG_LOAD_MODEL;
    t.head.id = which == 2; /* a spare */
    t.head.step = at;
    cad_params_from(p, &p->c, &t.head.params);
    size_t len = strlen(path);
    memcpy(t.text, path, len + 1);
    return p->schedule->schedule_work(p->schedule->handle,
                                      (uint32_t)(sizeof t.head + len + 1),
                                      &t) == LV2_WORKER_SUCCESS ? 0 : -1;
}

static void outbox_flush(cad_plugin *p)
{
    while (p->out_count > 0) {
        const cad_msg *m = &p->outbox[p->out_head];
        if (p->schedule->schedule_work(p->schedule->handle, sizeof *m, m) !=
            LV2_WORKER_SUCCESS)
            return; /* queue full (Carla): again next cycle */
        p->out_head = (p->out_head + 1) % CAD_OUTBOX;
        p->out_count--;
    }
    for (int which = 0; which < 3; which++) {
        if (!p->load_path[which][0])
            continue;
        if (send_load(p, which, p->load_path[which], p->load_at[which]) != 0)
            return;
        p->load_path[which][0] = 0;
    }
}

void cad_request_load(cad_plugin *p, int which, const char *path,
                      int64_t frame)
{
    size_t len = strlen(path);
    if (len == 0 || len >= CAD_PATH_MAX) {
        cad_status_set(p, len ? "path too long" : "empty path");
        return;
    }
    /* Taken over on the 64-frame grid, late enough that a host running
     * the worker synchronously has answered whatever its block size. */
    int64_t at = (frame + CAD_LOOKAHEAD + 63) / 64 * 64;
    /* Asked at once rather than at the end of the block: kept until then,
     * a second choice in the same block replaced the first, so whether
     * the first ever played depended on the block size. Kept (and
     * replaced by a newer choice) only while the host's queue is full or
     * an older one of the kind still waits, so the loads stay in order. */
    if (!p->load_path[which][0] && send_load(p, which, path, at) == 0)
        return;
    memcpy(p->load_path[which], path, len + 1);
    p->load_at[which] = at;
}

/* As playing starts: a synth that has never played, or at least a fresh
 * 64-frame block of the old one. */
static void fresh_synth(cad_plugin *p)
{
    cad_sound *old = p->sound;
    if (!p->spare || !old || strcmp(p->spare->path, old->path) != 0) {
        cad_align_synth(p);
        return;
    }
    p->sound = p->spare;
    p->spare = NULL;
    p->synth_phase = 0;
    cad_synth_program(p->sound->synth, CAD_GEN_CHANNEL, p->c.program);
    cad_synth_program(p->sound->synth, CAD_INPUT_CHANNEL, p->c.program);
    cad_msg f = {.type = CAD_MSG_FREE_SOUND, .ptr = old};
    cad_outbox_push(p, &f);
    cad_request_spare(p);
}

/* The voice the next opening is for: the loaded one waiting, if any. */
static cad_voice *prime_target(const cad_plugin *p)
{
    return p->voice_armed ? p->voice_next : p->voice;
}

void cad_maybe_prime(cad_plugin *p)
{
    cad_voice *v = prime_target(p);
    if (!v)
        return;
    cad_params cur;
    cad_params_from(p, &p->c, &cur);
    cur.bpm = cad_voice_bpm(v, cad_active_clock(p)->qpm);
    if (!p->prime_forced && p->prime_voice == v &&
        memcmp(&cur, &p->prime_params, sizeof cur) == 0)
        return;
    cad_msg m = {.type = CAD_MSG_PRIME, .id = ++p->prime_id, .ptr = v,
                 .params = cur};
    if (p->prime_id == 0) /* 0 means "none": skip it on wrap-around */
        m.id = ++p->prime_id;
    cad_outbox_push(p, &m);
    p->prime_voice = v;
    p->prime_params = cur;
    p->prime_forced = 0;
    p->prime_freewheel = p->c.freewheel;
}

/* ---- time ------------------------------------------------------------------ */

const cad_clock *cad_active_clock(const cad_plugin *p)
{
    return p->c.mode == CAD_MODE_FOLLOW ? &p->host : &p->free_clock;
}

/* Listen mode takes a piano roll: the player's notes are observed as its
 * frames. With any other model the plugin just composes. */
static int listening(const cad_plugin *p)
{
    return p->c.mode == CAD_MODE_LISTEN && (!p->voice || p->voice->roll);
}

void cad_set_grid(cad_plugin *p)
{
    if (!p->voice)
        return;
    p->slot_bpm = cad_voice_bpm(p->voice, cad_active_clock(p)->qpm);
    p->step_beats = cad_voice_slot_beats(p->voice, p->slot_bpm);
}

/* How many steps ahead requests go so that they are answered in time. */
static int64_t lookahead_steps(cad_plugin *p)
{
    const cad_clock *k = cad_active_clock(p);
    if (!cad_clock_rolling(k))
        return 2;
    double step_frames = p->step_beats * 60.0 * k->rate / (k->qpm * k->speed);
    double q = 1.0 + ceil(CAD_LOOKAHEAD / (step_frames > 1 ? step_frames : 1));
    return q > CAD_RING - 2 ? CAD_RING - 2 : (int64_t)q;
}

static void request_frames(cad_plugin *p, int64_t played)
{
    if (!p->voice)
        return;
    cad_params cur;
    cad_params_from(p, &p->c, &cur);
    cur.bpm = p->slot_bpm;
    int64_t until = played + lookahead_steps(p);
    while (p->next_req <= until && p->next_req < p->gen_limit &&
           p->next_req - p->next_step < CAD_RING - 1 &&
           (p->restart_step < 0 || p->next_req < p->restart_step)) {
        cad_msg m = {.type = CAD_MSG_GEN, .id = p->epoch,
                     .step = p->next_req, .ptr = p->voice, .params = cur};
        cad_outbox_push(p, &m);
        p->next_req++;
    }
}

static void clear_ring(cad_plugin *p)
{
    p->epoch++;
    for (int i = 0; i < CAD_RING; i++)
        p->ring[i].valid = 0;
    cad_due_clear(p);
    cad_ui_replan(p);
}

/* Start afresh from the grid step at or after `frame` of the active clock
 * (transport start, relocation, mode change, enabling). */
void cad_resync(cad_plugin *p, int64_t frame)
{
    int was_playing = p->playing;
    cad_release_all(p, (uint32_t)(frame - p->now));
    clear_ring(p);
    const cad_clock *k = cad_active_clock(p);
    p->answering = 0;
    p->phrase_steps = 0;
    p->playing = p->c.enabled && cad_clock_rolling(k);
    p->restart_step = -1;
    if (!p->playing)
        return;
    /* From a standstill (an export, pressing play) a synth that has never
     * played; on a jump while playing (a loop) the old one, so the tails
     * of the released notes are not cut off with a click. */
    if (was_playing)
        cad_align_synth(p);
    else
        fresh_synth(p);
    cad_set_grid(p);
    if (p->c.mode == CAD_MODE_LISTEN && !listening(p))
        cad_status_set(p, "listen mode needs a piano-roll model: "
                          "composing without listening");
    int64_t s = cad_clock_next_step(k, frame, p->step_beats);
    p->next_step = s;
    p->next_frame = cad_clock_frame_of(k, (double)s * p->step_beats, frame);
    p->next_req = s;
    p->restart_step = s;
    p->gen_limit = listening(p) ? s : INT64_MAX;
}

/* A restart later on, once a new opening has had time to arrive. */
static void restart_later(cad_plugin *p, int64_t frame)
{
    if (!p->playing)
        return;
    const cad_clock *k = cad_active_clock(p);
    int64_t s = cad_clock_next_step(k, frame + CAD_LOOKAHEAD, p->step_beats);
    if (s < p->next_step)
        s = p->next_step;
    p->restart_step = s;
    if (p->next_req > s)
        p->next_req = s; /* answers past s are dropped by the epoch change */
}

/* Returns 0 if the slot grid changed and slot s is not to be played. */
static int do_restart(cad_plugin *p, int64_t s, int64_t frame)
{
    p->restart_step = -1;
    double grid = p->step_beats;
    int listened = listening(p);
    if (p->voice_armed) {
        cad_voice *old = p->voice;
        p->voice = p->voice_next;
        p->voice_next = NULL;
        p->voice_armed = 0;
        if (old) {
            cad_msg f = {.type = CAD_MSG_FREE_VOICE, .ptr = old};
            cad_outbox_push(p, &f);
        }
    }
    /* Another model, or one timed in seconds at another tempo, may need
     * another grid; another representation may end listening. */
    cad_set_grid(p);
    if (p->step_beats != grid || listening(p) != listened) {
        cad_resync(p, frame);
        return 0;
    }
    clear_ring(p);
    p->next_req = s;
    if (!p->voice)
        return 1;
    cad_params cur;
    cad_params_from(p, &p->c, &cur);
    cur.bpm = p->slot_bpm;
    if (!listening(p) && p->opening_id != 0 &&
        p->opening_id == p->prime_id && p->prime_voice == p->voice &&
        p->prime_params.bpm == p->slot_bpm) {
        cad_msg m = {.type = CAD_MSG_START, .ptr = p->voice};
        cad_outbox_push(p, &m);
        for (int i = 0; i < CAD_OPEN_LEN; i++) {
            cad_slot *sl = &p->ring[(s + i) & (CAD_RING - 1)];
            *sl = p->opening[i];
            sl->step = s + i;
            sl->epoch = p->epoch;
            sl->valid = 1;
            cad_ui_planned_slot(p, sl);
        }
        p->next_req = s + CAD_OPEN_LEN;
        p->opening_id = 0;
        p->prime_forced = 1; /* the worker's primed composer is used up */
    } else {
        /* No opening ready (an asynchronous worker was slow): start cold;
         * the first slots are rests until the worker catches up. */
        cad_msg m = {.type = CAD_MSG_RESET, .ptr = p->voice, .params = cur};
        cad_outbox_push(p, &m);
    }
    return 1;
}

/* Listen-and-continue: what the player did during the step that ends now,
 * and whether the pause is long enough to answer. */
static void listen_step(cad_plugin *p, int64_t s)
{
    cad_bits in = p->in_struck;
    for (int k = 0; k < 128; k++)
        if (p->in_notes.on[k])
            cad_bits_set(&in, k);
    memset(&p->in_struck, 0, sizeof p->in_struck);
    int64_t bar = llround(4.0 / p->step_beats);
    if (bar < 1)
        bar = 1;
    if (cad_bits_any(&in)) {
        if (p->voice) {
            cad_msg m = {.type = CAD_MSG_OBSERVE, .ptr = p->voice, .bits = in};
            cad_params_from(p, &p->c, &m.params);
            m.params.bpm = p->slot_bpm;
            cad_outbox_push(p, &m);
        }
        p->last_input_step = s;
        p->phrase_steps++;
    } else if (p->phrase_steps > 0 && !p->answering &&
               s - p->last_input_step >= bar) {
        /* Answer for as long as the player played, at most four bars,
         * starting as soon as the requests can be answered in time. */
        int64_t len = p->phrase_steps < 4 * bar ? p->phrase_steps : 4 * bar;
        int64_t start = s + lookahead_steps(p);
        p->answering = 1;
        p->phrase_steps = 0;
        p->next_req = start;
        p->gen_limit = start + len;
    }
    if (p->answering && s >= p->gen_limit)
        p->answering = 0;
}

static void do_step(cad_plugin *p, int64_t frame)
{
    int64_t s = p->next_step;
    uint32_t off = (uint32_t)(frame - p->now);
    if (p->restart_step == s) {
        if (!do_restart(p, s, frame))
            return;
        /* The old piece's note-offs were in the slots just dropped: what
         * it still sounds ends where the new one begins. */
        cad_release_generated(p, off);
    }
    if (listening(p))
        listen_step(p, s);

    cad_slot *sl = &p->ring[s & (CAD_RING - 1)];
    if (sl->valid && sl->step == s && sl->epoch == p->epoch) {
        cad_due_slot(p, sl, (double)s * p->step_beats, frame);
        cad_due_play(p, frame);
    } else {
        /* Not composed in time (a slow worker, or listen mode waiting for
         * its turn): a rest, and what sounds stops, as an empty piano-roll
         * frame did; the note-offs of the missing slot are lost. */
        cad_due_play(p, frame);
        cad_release_generated(p, off);
    }
    sl->valid = 0;

    const cad_clock *k = cad_active_clock(p);
    p->next_step = s + 1;
    p->next_frame =
        cad_clock_frame_of(k, (double)(s + 1) * p->step_beats, frame + 1);
    request_frames(p, s);
    cad_maybe_prime(p);
}

/* A time:Position from the host at `frame`. */
static void on_position(cad_plugin *p, const LV2_Atom_Object *obj,
                        int64_t frame)
{
    const cad_uris *u = &p->uris;
    const LV2_Atom *bar = NULL, *bar_beat = NULL, *beat = NULL, *bpb = NULL,
                   *unit = NULL, *bpm = NULL, *speed = NULL;
    lv2_atom_object_get(obj, u->time_bar, &bar, u->time_barBeat, &bar_beat,
                        u->time_beat, &beat, u->time_beatsPerBar, &bpb,
                        u->time_beatUnit, &unit, u->time_beatsPerMinute, &bpm,
                        u->time_speed, &speed, 0);
    double v;
    if (cad_atom_number(u, bpb, &v) && v > 0)
        p->host_bpb = v;
    if (cad_atom_number(u, unit, &v) && v >= 1)
        p->host_unit = v;
    if (cad_atom_number(u, bpm, &v) && v > 0)
        p->host_bpm = v;
    double qn = 4.0 / p->host_unit; /* quarter notes per host beat */
    cad_clock *h = &p->host;
    int was_rolling = cad_clock_rolling(h);
    double expected = cad_clock_beat_at(h, frame);
    double pos = expected, b, bb;
    if (cad_atom_number(u, bar, &b) && cad_atom_number(u, bar_beat, &bb))
        pos = (b * p->host_bpb + bb) * qn;
    else if (cad_atom_number(u, beat, &b))
        pos = b * qn;
    double sp = h->speed;
    if (cad_atom_number(u, speed, &v))
        sp = v;
    double qpm = p->host_bpm * qn;

    cad_clock next = *h;
    cad_clock_set(&next, frame, pos, qpm, sp);
    int rolling = cad_clock_rolling(&next);
    double jump = fabs(pos - expected);
    int same_motion = next.qpm == h->qpm && next.speed == h->speed;
    /* Hosts send the position every cycle, computed from their own frame
     * count; within a millionth-ish of a beat it is the same position and
     * keeping our anchor keeps the grid independent of the block size. */
    if (!(was_rolling && rolling && same_motion && jump < 1e-3))
        *h = next;
    if (p->c.mode != CAD_MODE_FOLLOW || !p->c.enabled)
        return;
    if (!rolling) {
        if (p->playing) {
            cad_release_all(p, (uint32_t)(frame - p->now));
            clear_ring(p);
            p->playing = 0;
            p->restart_step = -1;
        }
    } else if (!was_rolling || !p->playing || jump >= 0.05) {
        cad_resync(p, frame); /* start, relocation or loop */
    } else if (h->anchor_frame == frame) {
        /* Tempo change or small drift: same step, new frame. */
        p->next_frame = cad_clock_frame_of(
            h, (double)p->next_step * p->step_beats, frame);
    }
}

static void on_patch(cad_plugin *p, const LV2_Atom_Object *obj, int64_t frame)
{
    const cad_uris *u = &p->uris;
    if (obj->body.otype == u->patch_Get) {
        p->notify_model = p->notify_sound = 1;
        return;
    }
    const LV2_Atom *prop = NULL, *value = NULL;
    lv2_atom_object_get(obj, u->patch_property, &prop, u->patch_value, &value,
                        0);
    if (!prop || prop->type != u->atom_URID ||
        prop->size < sizeof(LV2_URID) || !value ||
        (value->type != u->atom_Path && value->type != u->atom_String))
        return;
    LV2_URID key = ((const LV2_Atom_URID *)prop)->body;
    int which = key == u->cad_model ? 0 : key == u->cad_soundfont ? 1 : -1;
    if (which < 0)
        return;
    /* The body must be a NUL-terminated string within its size. */
    const char *path = LV2_ATOM_BODY_CONST(value);
    if (value->size == 0 || path[value->size - 1] != 0) {
        cad_status_set(p, "malformed path");
        return;
    }
    cad_request_load(p, which, path, frame);
}

static void on_midi(cad_plugin *p, const uint8_t *msg, uint32_t size,
                    uint32_t off)
{
    if (size < 1)
        return;
    uint8_t st = msg[0] & 0xF0;
    cad_synth *syn = p->sound ? p->sound->synth : NULL;
    if ((st == 0x90 || st == 0x80) && size >= 3) {
        int key = msg[1] & 0x7F, vel = msg[2] & 0x7F;
        if (st == 0x90 && vel > 0) {
            if (syn)
                cad_synth_note_on(syn, CAD_INPUT_CHANNEL, key, vel);
            p->in_notes.on[key] = 1;
            cad_bits_set(&p->in_struck, key);
            if (listening(p) && p->answering) {
                /* The player takes over again: Cadenza stops. */
                p->answering = 0;
                p->gen_limit = p->next_step;
                clear_ring(p);
                cad_release_generated(p, off);
            }
        } else {
            if (syn)
                cad_synth_note_off(syn, CAD_INPUT_CHANNEL, key);
            p->in_notes.on[key] = 0;
        }
    } else if (st == 0xB0 && size >= 3 && syn) {
        cad_synth_cc(syn, CAD_INPUT_CHANNEL, msg[1] & 0x7F, msg[2] & 0x7F);
    }
}


static void on_event(cad_plugin *p, const LV2_Atom_Event *ev, uint32_t off)
{
    const cad_uris *u = &p->uris;
    int64_t frame = p->now + off;
    if (ev->body.type == u->midi_Event) {
        on_midi(p, LV2_ATOM_BODY_CONST(&ev->body), ev->body.size, off);
    } else if ((ev->body.type == u->atom_Object ||
                ev->body.type == u->atom_Blank) && cad_atom_object_ok(&ev->body)) {
        /* atom:Blank is deprecated but still what Carla 2.5 sends its
         * transport as (issue 9): both are objects, laid out alike. */
        const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
        if (obj->body.otype == u->time_Position)
            on_position(p, obj, frame);
        else if (obj->body.otype == u->patch_Set ||
                 obj->body.otype == u->patch_Get)
            on_patch(p, obj, frame);
        else
            cad_ui_message(p, obj->body.otype); /* a window opens/closes */
    }
}

/* ---- swaps ------------------------------------------------------------------ */

/* The oldest answered load, its frame come: it replaces whatever of its
 * kind still waits (a newer choice wins), and is taken up from there. */
static void take_load(cad_plugin *p)
{
    cad_msg m = p->loads[0];
    p->n_loads--;
    memmove(p->loads, p->loads + 1, (size_t)p->n_loads * sizeof m);
    int model = m.type == CAD_MSG_MODEL;
    void *older = model ? (void *)p->voice_next : (void *)p->sound_next;
    if (older) {
        cad_msg f = {.type = model ? CAD_MSG_FREE_VOICE : CAD_MSG_FREE_SOUND,
                     .ptr = older};
        cad_outbox_push(p, &f);
    }
    if (model) {
        p->voice_next = m.ptr;
        p->voice_next_at = m.step;
        p->voice_armed = 0; /* take_voice arms it anew: restart later */
    } else {
        p->sound_next = m.ptr;
        p->sound_next_at = m.step;
    }
}

/* A loaded model takes over: at once if nothing is playing, otherwise at a
 * step far enough ahead for its opening to be primed. */
static void take_voice(cad_plugin *p, int64_t frame)
{
    if (!p->playing || !p->voice) {
        cad_install_voice(p, p->voice_next, CAD_INSTALL_RUN);
        if (p->playing)
            cad_resync(p, frame);
        return;
    }
    p->voice_armed = 1;
    p->notify_model = 1;
    cad_maybe_prime(p);
    restart_later(p, frame);
}

/* ---- run() ---------------------------------------------------------------------- */

static void block_start(cad_plugin *p)
{
    cad_controls c;
    cad_read_controls(p, &c);
    cad_controls old = p->c;
    int first = !p->have_controls;
    p->c = c;
    p->have_controls = 1;
    if (first) {
        p->gain_now = cad_db_to_gain(c.gain);
        cad_clock_set(&p->free_clock, p->now, 0.0, c.tempo, 1.0);
    }
    if (first || c.program != old.program)
        cad_program_change(p);
    if (c.regenerate && !old.regenerate && !first)
        p->variation++;
    if (!first && c.tempo != old.tempo)
        cad_clock_set(&p->free_clock, p->now,
                      cad_clock_beat_at(&p->free_clock, p->now), c.tempo, 1.0);
    if (!first && c.mode != old.mode && c.mode != CAD_MODE_FOLLOW)
        cad_clock_set(&p->free_clock, p->now, 0.0, c.tempo, 1.0);

    if (first || c.enabled != old.enabled || c.mode != old.mode ||
        p->resync_due) {
        p->resync_due = 0;
        cad_resync(p, p->now);
    } else if (c.tempo != old.tempo && c.mode != CAD_MODE_FOLLOW &&
               p->playing) {
        p->next_frame = cad_clock_frame_of(
            &p->free_clock, (double)p->next_step * p->step_beats, p->now);
    } else if (c.seed != old.seed || (c.regenerate && !old.regenerate)) {
        restart_later(p, p->now); /* a new piece, once it is primed */
    }
    if (!p->c.enabled && (first || old.enabled))
        cad_release_all(p, 0);
    /* An export starts with stopped cycles in freewheel, where Ardour runs
     * the worker synchronously. A PRIME still unanswered from before was
     * given to its worker thread, which answers whenever it gets the CPU:
     * if that was after the first rolling cycle, the export began cold,
     * with rests (seen once, under heavy load, issue 9). Asked again now,
     * it is answered before the next cycle, whatever the load. */
    if (!p->playing && c.freewheel && !p->prime_freewheel &&
        p->prime_id != 0 && p->opening_id != p->prime_id)
        p->prime_forced = 1;
    if (!p->playing)
        cad_maybe_prime(p);
}

void cad_run(LV2_Handle h, uint32_t n)
{
    cad_plugin *p = h;
    cad_out_begin(p);
    block_start(p);
    cad_write_notifications(p);

    const LV2_Atom_Event *ev = NULL;
    if (p->in)
        ev = lv2_atom_sequence_begin(&p->in->body);
    const int64_t last = n > 0 ? (int64_t)n - 1 : 0;
    uint32_t pos = 0;
    for (;;) {
        int have_ev = ev && !lv2_atom_sequence_is_end(&p->in->body,
                                                      p->in->atom.size, ev);
        /* Candidates for the next thing to happen, clamped to the block:
         * events stamped out of order or past the end happen as soon as
         * they can. */
        int64_t ev_t = INT64_MAX, t = n;
        if (have_ev) {
            ev_t = ev->time.frames;
            ev_t = ev_t < pos ? pos : ev_t > last ? last : ev_t;
            t = ev_t;
        }
        int64_t due = cad_due_next(p);
        int64_t cand[5] = {
            p->playing ? p->next_frame - p->now : INT64_MAX,
            due < INT64_MAX ? due - p->now : INT64_MAX,
            p->sound_next ? p->sound_next_at - p->now : INT64_MAX,
            p->voice_next && !p->voice_armed ? p->voice_next_at - p->now
                                             : INT64_MAX,
            p->n_loads ? p->loads[0].step - p->now : INT64_MAX,
        };
        for (int i = 0; i < 5; i++) {
            int64_t c = cand[i] < pos ? pos : cand[i];
            if (c < t)
                t = c;
        }
        cad_out_render(p, pos, (uint32_t)t);
        pos = (uint32_t)t;
        int64_t frame = p->now + pos;

        if (pos < n && p->n_loads && p->loads[0].step <= frame) {
            take_load(p);
        } else if (pos < n && p->sound_next && p->sound_next_at <= frame) {
            cad_install_sound(p, p->sound_next, CAD_INSTALL_RUN);
        } else if (pos < n && p->voice_next && !p->voice_armed &&
                   p->voice_next_at <= frame) {
            take_voice(p, frame);
        } else if (have_ev && ev_t == pos) {
            on_event(p, ev, pos);
            ev = lv2_atom_sequence_next(ev);
        } else if (pos < n && p->playing && p->next_frame <= frame) {
            do_step(p, frame); /* with what is due at its frame */
        } else if (pos < n && due <= frame) {
            cad_due_play(p, frame);
        } else if (pos >= n) {
            break;
        }
    }
    outbox_flush(p);
    cad_ui_flush(p, n);
    cad_out_finish(p, n);
    p->now += n;
}
