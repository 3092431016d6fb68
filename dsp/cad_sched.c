/* See cad_sched.h. Everything here is arithmetic on caller-owned structs. */
#include "cad_sched.h"

#include <math.h>
#include <string.h>

void cad_clock_init(cad_clock *c, double rate)
{
    c->rate = rate > 0 ? rate : 48000.0;
    cad_clock_set(c, 0, 0.0, 120.0, 0.0);
}

void cad_clock_set(cad_clock *c, int64_t frame, double beat, double qpm,
                   double speed)
{
    c->anchor_frame = frame;
    c->anchor_beat = isfinite(beat) ? beat : 0.0;
    c->qpm = isfinite(qpm) && qpm > 0 ? qpm : 0.0;
    c->speed = isfinite(speed) && speed > 0 ? speed : 0.0;
}

int cad_clock_rolling(const cad_clock *c)
{
    /* Below 1 qpm a step of one beat would be a minute long: treat such a
     * tempo (and a 0 read from an unset control port) as stopped rather
     * than divide by it. */
    return c->speed > 1e-6 && c->qpm >= 1.0;
}

static double beats_per_frame(const cad_clock *c)
{
    return c->qpm * c->speed / (60.0 * c->rate);
}

double cad_clock_beat_at(const cad_clock *c, int64_t frame)
{
    if (!cad_clock_rolling(c))
        return c->anchor_beat;
    return c->anchor_beat + (double)(frame - c->anchor_frame) *
                                beats_per_frame(c);
}

int64_t cad_clock_frame_of(const cad_clock *c, double beat, int64_t from)
{
    if (!cad_clock_rolling(c))
        return beat <= c->anchor_beat ? from : CAD_SCHED_NEVER;
    double d = ceil((beat - c->anchor_beat) / beats_per_frame(c));
    /* Absurdly far: never, rather than overflow (also NaN, from a host's
     * infinite tempo). Absurdly far back: at once; a host's position can
     * be anything, and converting -1e200 to int64_t is undefined
     * (found by fuzz_atoms). */
    if (!(d <= 9.0e15))
        return CAD_SCHED_NEVER;
    if (d < -9.0e15)
        return from;
    int64_t f = c->anchor_frame + (int64_t)d;
    return f < from ? from : f;
}

int64_t cad_clock_next_step(const cad_clock *c, int64_t frame,
                            double step_beats)
{
    if (!(step_beats > 0))
        step_beats = 1.0;
    double s = ceil(cad_clock_beat_at(c, frame) / step_beats -
                    1e-6 / step_beats);
    /* Step numbers from a host's position, whatever it is, stay where
     * int64_t arithmetic on them cannot overflow (fuzz_atoms sent bar
     * 1e198). */
    if (isnan(s))
        return 0;
    if (s > 9.0e15)
        return (int64_t)9.0e15;
    if (s < -9.0e15)
        return -(int64_t)9.0e15;
    return (int64_t)s;
}

void cad_notes_clear(cad_notes *n)
{
    memset(n, 0, sizeof *n);
}

int cad_notes_step(cad_notes *n, const uint8_t *next, cad_note_ev *ev)
{
    int count = 0;
    for (int k = 0; k < 128; k++)
        if (n->on[k] && !next[k])
            ev[count++] = (cad_note_ev){(uint8_t)k, 0};
    for (int k = 0; k < 128; k++)
        if (!n->on[k] && next[k])
            ev[count++] = (cad_note_ev){(uint8_t)k, 1};
    n->count = 0;
    for (int k = 0; k < 128; k++) {
        n->on[k] = next[k] ? 1 : 0;
        n->count += n->on[k];
    }
    return count;
}

int cad_notes_release(cad_notes *n, cad_note_ev *ev)
{
    int count = 0;
    for (int k = 0; k < 128; k++)
        if (n->on[k])
            ev[count++] = (cad_note_ev){(uint8_t)k, 0};
    cad_notes_clear(n);
    return count;
}

int cad_sched_allowed(int key, int scale, int low, int high, int note)
{
    return cad_scale_allows(key, (cad_scale)scale, low, high, note);
}

void cad_sched_mask(int key, int scale, int low, int high, int low_key,
                    int n_keys, uint8_t *allowed)
{
    cad_scale_mask(key, (cad_scale)scale, low, high, low_key, n_keys, allowed);
}
