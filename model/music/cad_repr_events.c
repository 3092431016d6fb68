/* Performance events, as Magenta's Performance RNN has them (see
 * cad_repr.h): a piece as a stream of events, one per step, in a single
 * CLASS field "event" of 388 classes:
 *     0 .. 127  NOTE_ON of that MIDI note
 *   128 .. 255  NOTE_OFF of note c - 128
 *   256 .. 355  TIME_SHIFT of (c - 255) * 10 ms: 10 ms to a second
 *   356 .. 387  VELOCITY: later notes are struck in bin c - 356
 * Times are seconds through the piece's tempo map, so a performance keeps
 * its rubato and its dynamics, which a beat grid cannot.
 *
 * What survives (expressible):
 *   - onsets and ends rounded to the nearest 10 ms from the piece's start
 *     (the silence before the first note is kept); a note shorter than
 *     that lasts 10 ms;
 *   - velocity in 32 bins of 4: bin b (0..31) holds 4b+1 .. 4b+4 and
 *     plays at 4b+1, Magenta's choice; a VELOCITY event is written only
 *     where the bin changes (the first note always has one);
 *   - one sounding note per pitch, as on a piano: a note struck again
 *     ends the one that sounds; of notes of one pitch struck at the same
 *     10 ms, the one that ends last is kept, with its velocity;
 *   - parts merged; tempo map, metres, key and program dropped: a decoded
 *     piece is at the option bpm (120), its beats are its seconds.
 * At one time, NOTE_OFFs come before NOTE_ONs (a key released and struck
 * again), each in pitch order. A gap is as many TIME_SHIFTs as it needs,
 * a second each and then the rest.
 *
 * Decoding what a network composed: a note sounds from its NOTE_ON to its
 * NOTE_OFF, the next NOTE_ON of its pitch or the end of the sequence,
 * whichever is first; a note that would last no time is dropped, a
 * NOTE_OFF of a silent pitch ignored, and notes before any VELOCITY event
 * play at 80. A piece longer than a sequence can hold (2^20 events) is an
 * error, counted before any memory is taken.
 *
 * Options (metadata "repr.*"): bpm (120). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_repr.h"

enum {
    EV_ON = 0,
    EV_OFF = 128,
    EV_SHIFT = 256,
    EV_VELOCITY = 356,
    EV_CLASSES = 388,
    EV_MAX_SHIFT = 100,       /* ticks of 10 ms in one TIME_SHIFT */
    EV_TICKS_PER_SECOND = 100,
    EV_FIRST_VELOCITY = 80,   /* before any VELOCITY event */
};

typedef struct {
    cad_repr base;
    double bpm;
} events_repr;

/* A note in ticks of 10 ms, its velocity already binned. */
typedef struct {
    long long on, off;
    int pitch, velocity;
} tick_note;

/* One NOTE_ON or NOTE_OFF to write. */
typedef struct {
    long long tick;
    int is_on, pitch, velocity;
} edge;

static void events_free(cad_repr *r) { free(r); }

static int events_create(const cad_st_file *f, cad_repr **out, cad_error *e)
{
    static const char *const known[] = {"bpm", NULL};
    double bpm;
    if (cad_repr_check_opts(f, known, e) ||
        cad_repr_opt(f, "bpm", NULL, 120, 10, 1000, &bpm, e))
        return -1;
    events_repr *r = calloc(1, sizeof *r);
    if (!r)
        return cad_error_set(e, "out of memory");
    extern const cad_repr_kind cad_repr_events;
    r->base.kind = &cad_repr_events;
    r->bpm = bpm;
    if (cad_layout_add(&r->base.layout, "event", CAD_FIELD_CLASS, EV_CLASSES,
                       e)) {
        free(r);
        return -1;
    }
    *out = &r->base;
    return 0;
}

static int velocity_bin(int v) { return (v - 1) / 4; }
static int bin_velocity(int b) { return 4 * b + 1; }

/* A tick as a beat of a decoded piece; decode and expressible both go
 * through here, so equal ticks give equal doubles. */
static double tick_beats(const events_repr *r, long long tick)
{
    return (double)tick / EV_TICKS_PER_SECOND * r->bpm / 60.0;
}

static int cmp_pitch_on(const void *pa, const void *pb)
{
    const tick_note *a = pa, *b = pb;
    if (a->pitch != b->pitch)
        return a->pitch - b->pitch;
    if (a->on != b->on)
        return (a->on > b->on) - (a->on < b->on);
    return (a->off < b->off) - (a->off > b->off); /* the longest first */
}

/* The piece's notes as the events can say them (see the header), in
 * order of pitch, then onset. */
static int resolve(const cad_score *s, tick_note **out, int *n_out,
                   cad_error *e)
{
    /* every second takes an event: a longer piece cannot fit */
    const double max_seconds = CAD_SEQ_MAX_STEPS;
    tick_note *u = malloc(sizeof *u * (size_t)(s->n_notes + 1));
    if (!u)
        return cad_error_set(e, "out of memory");
    for (int i = 0; i < s->n_notes; i++) {
        const cad_note *n = &s->notes[i];
        double a = cad_score_seconds(s, n->onset);
        double b = cad_score_seconds(s, n->onset + n->duration);
        if (!(b <= max_seconds)) {
            free(u);
            return cad_error_set(e, "a note at beat %g (%g s) lies beyond "
                                    "what %d events can reach", n->onset, b,
                                 CAD_SEQ_MAX_STEPS);
        }
        u[i].on = llround(a * EV_TICKS_PER_SECOND);
        u[i].off = llround(b * EV_TICKS_PER_SECOND);
        if (u[i].off <= u[i].on)
            u[i].off = u[i].on + 1;
        u[i].pitch = n->pitch;
        u[i].velocity = bin_velocity(velocity_bin(n->velocity));
    }
    qsort(u, (size_t)s->n_notes, sizeof *u, cmp_pitch_on);
    int n = 0;
    for (int i = 0; i < s->n_notes; i++) {
        if (n && u[n - 1].pitch == u[i].pitch) {
            if (u[n - 1].on == u[i].on)
                continue; /* struck together: the longest stays */
            if (u[n - 1].off > u[i].on)
                u[n - 1].off = u[i].on; /* struck again: the first ends */
        }
        u[n++] = u[i];
    }
    *out = u;
    *n_out = n;
    return 0;
}

static int push(const events_repr *r, long long on, long long off, int pitch,
                int velocity, cad_score *out, cad_error *e)
{
    cad_note n = {tick_beats(r, on), tick_beats(r, off) - tick_beats(r, on),
                  (uint8_t)pitch, (uint8_t)velocity, 0};
    return cad_score_push(out, &n, e);
}

static int events_expressible(const cad_repr *rp, const cad_score *in,
                              cad_score *out, cad_error *e)
{
    const events_repr *r = (const events_repr *)rp;
    tick_note *u;
    int n;
    if (resolve(in, &u, &n, e))
        return -1;
    if (cad_score_init_at(out, r->bpm, e)) {
        free(u);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (push(r, u[i].on, u[i].off, u[i].pitch, u[i].velocity, out, e)) {
            free(u);
            cad_score_free(out);
            return -1;
        }
    free(u);
    cad_score_sort(out);
    return 0;
}

static int cmp_edge(const void *pa, const void *pb)
{
    const edge *a = pa, *b = pb;
    if (a->tick != b->tick)
        return (a->tick > b->tick) - (a->tick < b->tick);
    if (a->is_on != b->is_on)
        return a->is_on - b->is_on; /* offs first */
    return a->pitch - b->pitch;
}

/* Writes the events of the sorted edges into v, or only counts them when
 * v is NULL. */
static long long write_events(const edge *g, int n, float *v)
{
    long long t = 0, now = 0;
    int bin = -1;
    for (int i = 0; i < n; i++) {
        for (long long gap = g[i].tick - now; gap > 0; gap -= EV_MAX_SHIFT) {
            long long k = gap < EV_MAX_SHIFT ? gap : EV_MAX_SHIFT;
            if (v)
                v[t] = (float)(EV_SHIFT + k - 1);
            t++;
        }
        now = g[i].tick;
        if (g[i].is_on && velocity_bin(g[i].velocity) != bin) {
            bin = velocity_bin(g[i].velocity);
            if (v)
                v[t] = (float)(EV_VELOCITY + bin);
            t++;
        }
        if (v)
            v[t] = (float)((g[i].is_on ? EV_ON : EV_OFF) + g[i].pitch);
        t++;
    }
    return t;
}

static int events_encode(const cad_repr *r, const cad_score *s, cad_seq *out,
                         cad_error *e)
{
    (void)r; /* the events do not depend on the tempo a piece decodes at */
    tick_note *u;
    int n;
    if (resolve(s, &u, &n, e))
        return -1;
    /* each note takes two events at least: count before taking memory */
    if (n > CAD_SEQ_MAX_STEPS / 2) {
        free(u);
        return cad_error_set(e, "%d notes take more events than a sequence "
                                "holds (%d)", n, CAD_SEQ_MAX_STEPS);
    }
    edge *g = malloc(sizeof *g * (size_t)(2 * n + 1));
    if (!g) {
        free(u);
        return cad_error_set(e, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        g[2 * i] = (edge){u[i].on, 1, u[i].pitch, u[i].velocity};
        g[2 * i + 1] = (edge){u[i].off, 0, u[i].pitch, 0};
    }
    free(u);
    qsort(g, (size_t)(2 * n), sizeof *g, cmp_edge);
    long long T = write_events(g, 2 * n, NULL);
    int rc = T > CAD_SEQ_MAX_STEPS
                 ? cad_error_set(e, "the piece takes %lld events, more than "
                                    "a sequence holds (%d)", T,
                                 CAD_SEQ_MAX_STEPS)
                 : cad_seq_init(out, (int)T, 1, e);
    if (!rc)
        write_events(g, 2 * n, out->v);
    free(g);
    return rc;
}

/* The decoder's keyboard: when each pitch was struck (-1: silent) and
 * how hard. */
typedef struct {
    long long start[128];
    int velocity[128];
} keys;

/* Ends p's note, if it sounds, at now; a note of no length is dropped. */
static int release(const events_repr *r, keys *k, int p, long long now,
                   cad_score *out, cad_error *e)
{
    int rc = 0;
    if (k->start[p] >= 0 && now > k->start[p])
        rc = push(r, k->start[p], now, p, k->velocity[p], out, e);
    k->start[p] = -1;
    return rc;
}

static int events_decode(const cad_repr *rp, const cad_seq *q, cad_score *out,
                         cad_error *e)
{
    const events_repr *r = (const events_repr *)rp;
    if (q->width != 1)
        return cad_error_set(e, "a sequence of width %d is not an event "
                                "sequence", q->width);
    if (cad_score_init_at(out, r->bpm, e))
        return -1;
    keys k;
    long long now = 0;
    int velocity = EV_FIRST_VELOCITY, rc = 0;
    for (int p = 0; p < 128; p++)
        k.start[p] = -1;
    for (int t = 0; t < q->T && !rc; t++) {
        float v = q->v[t];
        if (!(v > -0.5f && v < EV_CLASSES - 0.5f)) {
            rc = cad_error_set(e, "step %d of the sequence (%g) is no event",
                               t, v);
            break;
        }
        int c = (int)lroundf(v);
        if (c < EV_OFF) { /* struck again: the sounding note ends */
            rc = release(r, &k, c, now, out, e);
            k.start[c] = now;
            k.velocity[c] = velocity;
        } else if (c < EV_SHIFT) {
            rc = release(r, &k, c - EV_OFF, now, out, e);
        } else if (c < EV_VELOCITY) {
            now += c - EV_SHIFT + 1;
        } else {
            velocity = bin_velocity(c - EV_VELOCITY);
        }
    }
    for (int p = 0; p < 128 && !rc; p++) /* the end ends what sounds */
        rc = release(r, &k, p, now, out, e);
    if (rc) {
        cad_score_free(out);
        return -1;
    }
    cad_score_sort(out);
    return 0;
}

static int events_save(const cad_repr *rp, cad_st_file *f, cad_error *e)
{
    const events_repr *r = (const events_repr *)rp;
    return cad_st_set_meta(f, "representation", "events", e) ||
           cad_repr_save_opt(f, "bpm", r->bpm, e) ? -1 : 0;
}

const cad_repr_kind cad_repr_events = {
    .name = "events",
    .unit = "event",
    .create = events_create,
    .fit = NULL,
    .expressible = events_expressible,
    .encode = events_encode,
    .decode = events_decode,
    .save = events_save,
    .drops = "the tempo map (pieces decode at the option bpm), timing finer "
             "than 10 ms, velocity finer than 32 bins, parts (merged), and "
             "of notes of one pitch that overlap, what sounds after the "
             "next one is struck",
    .free = events_free,
};
