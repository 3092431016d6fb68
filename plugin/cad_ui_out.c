/* See cad_ui_out.h. */
#include <string.h>

#include "cad_plugin.h"

void cad_ui_init(cad_ui_out *u, LV2_URID_Map *map)
{
    memset(u, 0, sizeof *u);
cad_ui_keys_map(&u->key, map);
    u->section = -1;
}

int cad_ui_message(struct cad_plugin *p, LV2_URID otype)
{
    cad_ui_out *u = &p->ui;
    if (otype == u->key.on) {
        /* A window that just opened knows nothing: the files in use, the
         * last status, and where we are, at the end of this run(). */
        u->open = 1;
        u->count = 0;
        u->last_transport = INT64_MIN;
        p->notify_model = p->notify_sound = 1;
        p->notify_status = p->status[0] != 0;
        /* The slots already composed and waiting: with a long grid step
         * they are seconds of music (the opening after a start is eight
         * slots) that would otherwise play unannounced; and the notes of
         * the slot playing now that are still to come, from what sounds. */
        double end = (double)p->next_step * p->step_beats;
        for (int k = 0; k < 128; k++)
            u->held[k] = p->gen_notes.on[k];
        for (int i = 0; i < p->due_n; i++) {
            const cad_due *d = &p->due[p->due_head + i];
            int on = d->kind == CAD_EVENT_NOTE_ON;
            if (on && d->beat < end)
                cad_ui_planned(p, d->beat, end - d->beat, d->pitch);
            u->held[d->pitch & 127] = (uint8_t)on;
        }
        for (int i = 0; i < CAD_RING; i++) {
            const cad_slot *sl = &p->ring[(p->next_step + i) & (CAD_RING - 1)];
            if (sl->valid && sl->epoch == p->epoch &&
                sl->step == p->next_step + i)
                cad_ui_planned_slot(p, sl);
        }
        return 1;
    }
    if (otype == u->key.off) {
        u->open = 0;
        u->count = 0;
        return 1;
    }
    return 0;
}

static void push(cad_ui_out *u, const cad_ui_rec *r)
{
    if (!u->open)
        return;
    if (u->count == CAD_UI_QUEUE) { /* the window fell behind: oldest goes */
        u->head = (u->head + 1) % CAD_UI_QUEUE;
        u->count--;
    }
    u->queue[(u->head + u->count) % CAD_UI_QUEUE] = *r;
    u->count++;
}

void cad_ui_played(struct cad_plugin *p, uint32_t off, int pitch,
                   int velocity)
{
    if (!p->ui.open)
        return;
    cad_ui_rec r = {.kind = 0, .pitch = (uint8_t)(pitch & 127),
                    .velocity = (uint8_t)(velocity & 127)};
    r.beat = cad_clock_beat_at(cad_active_clock(p), p->now + off);
    push(&p->ui, &r);
}

void cad_ui_planned(struct cad_plugin *p, double beat, double length,
                    int pitch)
{
    cad_ui_rec r = {.kind = 1, .pitch = (uint8_t)(pitch & 127),
                    .beat = beat, .length = length};
    push(&p->ui, &r);
}

/* The first event of `pitch` in sl from index i on, or -1. */
static int next_of(const cad_slot *sl, int i, int pitch)
{
    for (; i < sl->n; i++)
        if (sl->ev[i].pitch == pitch)
            return i;
    return -1;
}

void cad_ui_planned_slot(struct cad_plugin *p, const struct cad_slot *sl)
{
    cad_ui_out *u = &p->ui;
    if (!u->open)
        return;
    const double start = (double)sl->step * p->step_beats;
    /* Notes held into the slot: on to their first event in it (their
     * note-off), or through the slot. */
    for (int k = 0; k < 128; k++) {
        if (!u->held[k])
            continue;
        int j = next_of(sl, 0, k);
        double end = j < 0 ? p->step_beats : sl->ev[j].beat;
        if (end > 0)
            cad_ui_planned(p, start, end, k);
        u->held[k] = j < 0;
    }
    /* Notes struck in it: on to their note-off, or held on. */
    for (int i = 0; i < sl->n; i++) {
        const cad_note_msg *on = &sl->ev[i];
        if (on->kind != CAD_EVENT_NOTE_ON)
            continue;
        int j = next_of(sl, i + 1, on->pitch);
        double end = j < 0 ? p->step_beats : sl->ev[j].beat;
        if (end > on->beat)
            cad_ui_planned(p, start + on->beat, end - on->beat, on->pitch);
        u->held[on->pitch & 127] = j < 0;
    }
}

void cad_ui_replan(struct cad_plugin *p)
{
    memset(p->ui.held, 0, sizeof p->ui.held);
    cad_ui_rec r = {.kind = 2};
    push(&p->ui, &r);
}

/* ---- writing ---------------------------------------------------------- */

/* Room for one more object of up to six properties, with its event. */
static int room(const cad_plugin *p)
{
    return !p->forge_failed && p->forge.size - p->forge.offset >= 256;
}

static int write_rec(cad_plugin *p, uint32_t off, const cad_ui_rec *r)
{
    const cad_ui_out *u = &p->ui;
    LV2_Atom_Forge *f = &p->forge;
    LV2_Atom_Forge_Frame obj;
    LV2_URID type = r->kind == 0   ? u->key.played
                    : r->kind == 1 ? u->key.planned
                                   : u->key.replan;
    if (!lv2_atom_forge_frame_time(f, off) ||
        !lv2_atom_forge_object(f, &obj, 0, type))
        return 0;
    int ok = 1;
    if (r->kind != 2)
        ok = lv2_atom_forge_key(f, u->key.beat) &&
             lv2_atom_forge_double(f, r->beat) &&
             lv2_atom_forge_key(f, u->key.pitch) &&
             lv2_atom_forge_int(f, r->pitch);
    if (ok && r->kind == 0)
        ok = lv2_atom_forge_key(f, u->key.velocity) &&
             lv2_atom_forge_int(f, r->velocity);
    if (ok && r->kind == 1)
        ok = lv2_atom_forge_key(f, u->key.length) &&
             lv2_atom_forge_double(f, r->length);
    if (!ok)
        return 0;
    lv2_atom_forge_pop(f, &obj);
    return 1;
}

static int write_transport(cad_plugin *p, uint32_t off)
{
    const cad_ui_out *u = &p->ui;
    const cad_clock *k = cad_active_clock(p);
    LV2_Atom_Forge *f = &p->forge;
    LV2_Atom_Forge_Frame obj;
    double bar = p->c.mode == CAD_MODE_FOLLOW
                     ? p->host_bpb * 4.0 / p->host_unit
                     : 4.0;
    double qpm = cad_clock_rolling(k) ? k->qpm * k->speed : 0.0;
    if (!lv2_atom_forge_frame_time(f, off) ||
        !lv2_atom_forge_object(f, &obj, 0, u->key.transport) ||
        !lv2_atom_forge_key(f, u->key.beat) ||
        !lv2_atom_forge_double(f, cad_clock_beat_at(k, p->now + off)) ||
        !lv2_atom_forge_key(f, u->key.tempo) || !lv2_atom_forge_double(f, qpm) ||
        !lv2_atom_forge_key(f, u->key.bar) || !lv2_atom_forge_double(f, bar) ||
        !lv2_atom_forge_key(f, u->key.rolling) ||
        !lv2_atom_forge_bool(f, p->playing) ||
        !lv2_atom_forge_key(f, u->key.step) ||
        !lv2_atom_forge_double(f, p->step_beats) ||
        !lv2_atom_forge_key(f, u->key.section) ||
        !lv2_atom_forge_int(f, u->section))
        return 0;
    lv2_atom_forge_pop(f, &obj);
    return 1;
}

void cad_ui_flush(struct cad_plugin *p, uint32_t n)
{
    cad_ui_out *u = &p->ui;
    if (!u->open || !p->out_open)
        return;
    /* After every MIDI event of the block, so the sequence stays ordered. */
    uint32_t off = n > 0 ? n - 1 : 0;
    int64_t frame = p->now + off;
    int budget = CAD_UI_MAX_PER_RUN;
    if (p->playing != u->last_rolling || u->last_transport == INT64_MIN ||
        frame - u->last_transport >= (int64_t)(p->rate / 25)) {
        if (!room(p) || !write_transport(p, off)) {
            p->forge_failed = 1;
            return;
        }
        u->last_transport = frame;
        u->last_rolling = p->playing;
        budget--;
    }
    while (u->count > 0 && budget-- > 0) {
        if (!room(p) || !write_rec(p, off, &u->queue[u->head])) {
            p->forge_failed = 1; /* the rest waits for the next run() */
            return;
        }
        u->head = (u->head + 1) % CAD_UI_QUEUE;
        u->count--;
    }
}
