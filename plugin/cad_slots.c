/* cadenza.lv2, audio thread: a slot's note events at their own frames.
 *
 * As a slot begins (do_step in cad_run.c), its events join the due list
 * at their beats on the active clock, and run() plays each as its frame
 * comes. The frame of a beat is computed from the clock's anchor, never
 * from the block, so the notes do not depend on the host's block size.
 * Everything due at one frame is one batch, played note-offs first. No
 * allocation; every loop is bounded by the list (two slots' events) or by
 * 128 keys. */
#include <string.h>

#include "cad_out.h"

void cad_due_clear(cad_plugin *p)
{
    p->due_head = p->due_n = 0;
}

void cad_due_slot(cad_plugin *p, const cad_slot *sl, double start,
                  int64_t frame)
{
    /* What is left of the slot before is due by now (its beats lie before
     * this one's start): it stays in front. */
    memmove(p->due, p->due + p->due_head, (size_t)p->due_n * sizeof *p->due);
    p->due_head = 0;
    const int room = (int)(sizeof p->due / sizeof *p->due);
    for (int i = 0; i < sl->n && p->due_n < room; i++) {
        const cad_note_msg *e = &sl->ev[i];
        p->due[p->due_n++] = (cad_due){.beat = start + e->beat,
                                       .kind = e->kind, .pitch = e->pitch,
                                       .velocity = e->velocity};
    }
    p->due_from = frame;
}

static int64_t due_frame(const cad_plugin *p, const cad_due *d)
{
    return cad_clock_frame_of(cad_active_clock(p), d->beat, p->due_from);
}

int64_t cad_due_next(const cad_plugin *p)
{
    return p->due_n ? due_frame(p, &p->due[p->due_head]) : INT64_MAX;
}

/* Plays the n events at the list's head at `off`. Per key, what the batch
 * ends with holds: a key it releases, or strikes again, gets its note-off
 * first (before any note-on of the batch); a key it ends holding gets a
 * note-on. A note that begins and ends within one frame is not played.
 * Keys the controls now in force refuse are not struck: they may have
 * moved since the slot was composed. */
static void play_batch(cad_plugin *p, uint32_t off, int n)
{
    const cad_due *b = p->due + p->due_head;
    uint8_t last[128], struck[128], vel[128];
    memset(last, 0, sizeof last);
    memset(struck, 0, sizeof struck);
    int own = p->voice && p->voice->own_velocity;
    for (int i = 0; i < n; i++) {
        int k = b[i].pitch & 127, on = b[i].kind == CAD_EVENT_NOTE_ON;
        if (on && !cad_sched_allowed(p->c.key, p->c.scale, p->c.low,
                                     p->c.high, k))
            continue;
        last[k] = (uint8_t)(on ? 2 : 1);
        if (on) {
            struck[k] = 1;
            vel[k] = (uint8_t)(own && b[i].velocity ? b[i].velocity
                                                    : p->c.velocity);
        }
    }
    cad_notes *g = &p->gen_notes;
    for (int i = 0; i < n; i++) {
        int k = b[i].pitch & 127;
        if (last[k] && g->on[k] && (last[k] == 1 || struck[k])) {
            cad_play_note(p, off, k, 0);
            g->on[k] = 0;
            g->count--;
        }
    }
    for (int i = 0; i < n; i++) {
        int k = b[i].pitch & 127;
        if (last[k] == 2 && !g->on[k]) {
            cad_play_note(p, off, k, vel[k]);
            g->on[k] = 1;
            g->count++;
            p->gen_vel[k] = vel[k];
        }
        last[k] = 0; /* each key once */
    }
}

void cad_due_play(cad_plugin *p, int64_t frame)
{
    int n = 0;
    while (n < p->due_n && due_frame(p, &p->due[p->due_head + n]) <= frame)
        n++;
    if (n == 0)
        return;
    play_batch(p, (uint32_t)(frame - p->now), n);
    p->due_head += n;
    p->due_n -= n;
}
