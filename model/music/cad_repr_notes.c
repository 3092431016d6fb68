/* Notes as (pitch, step, duration), the representation of seeds 002 and
 * 003 (see cad_repr.h): one step per note, the notes in order of onset,
 * then pitch, then duration. Three fields:
 *   pitch     CLASS 128, the MIDI note;
 *   step      how long after the previous note's onset this one starts
 *             (0 for the first, and for every note of a chord after its
 *             lowest);
 *   duration  how long it sounds.
 *
 * Two ways of measuring step and duration, by the option grid:
 *   grid = 0 (the seed's): REAL fields in seconds, through the piece's
 *     tempo map. Times are rounded to the millisecond before anything
 *     else (below what a listener can tell apart, and about a tick of a
 *     480 ppq file at 120 bpm), so that a value survives the f32 of a
 *     sequence exactly: k/1000 in f32, times 1000, rounds back to k for
 *     every k below 2^23. Steps and durations are limited to an hour; a
 *     piece that needs more is an error, not a silently wrong piece.
 *   grid = G > 0 (how we mean to beat the seed): CLASS fields on a grid of
 *     1/G quarter note, in the piece's own beats: step classes 0 .. G*B and
 *     duration classes 1 .. G*B units (class c is c+1 units), B =
 *     grid_beats. A step longer than B beats is shortened to B beats (the
 *     rest of the piece moves earlier), a duration longer is cut to B.
 *     G = 24 is what the data asks for: on Nottingham every onset lies on
 *     1/12 (triplets and sixteenths), but 5% of Piano-midi.de's steps are
 *     32nd notes (1/8 beat), which 1/12 cannot hold; on 1/24 97.5% of its
 *     onsets fall on the grid (93.2% on 1/12). With B = 4 no step of
 *     Nottingham and 0.015% of Piano-midi.de's are shortened, and 1.8% of
 *     Nottingham's durations (the held chords of its accompaniment) and
 *     0.3% of Piano-midi.de's are cut.
 *
 * Either way a decoded piece is at the representation's tempo (option
 * bpm, 120): the seed's steps are seconds and carry no beat, and a grid
 * piece keeps its beats but not its tempo changes. Like the seed, the
 * representation drops the silence before the first note, velocity (every
 * note plays at the option velocity, 80), parts (merged), programs, metres
 * and the key. Two notes of one pitch may overlap: each is its own step.
 *
 * Options (metadata "repr.*"): grid (0), grid_beats (4), bpm (120),
 * velocity (80). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_repr.h"

#define NOTES_MAX_MS 3600000LL      /* an hour: a step or a duration */
#define NOTES_MAX_TIME 1e9 /* seconds (beats on the grid): where a note may lie */

typedef struct {
    cad_repr base;
    int grid, grid_beats, velocity;
    double bpm;
    int n_step, n_dur; /* classes, grid only */
} notes_repr;

/* A note in the representation's units before steps are taken: onset and
 * duration in milliseconds or grid units. */
typedef struct {
    long long onset, duration;
    int pitch;
} unit_note;

static void notes_free(cad_repr *r) { free(r); }

static int notes_create(const cad_st_file *f, cad_repr **out, cad_error *e)
{
    static const char *const known[] = {"grid", "grid_beats", "bpm",
                                        "velocity", NULL};
    double grid, beats, bpm, vel;
    if (cad_repr_check_opts(f, known, e) ||
        cad_repr_opt(f, "grid", NULL, 0, 0, 96, &grid, e) ||
        cad_repr_opt(f, "grid_beats", NULL, 4, 1, 16, &beats, e) ||
        cad_repr_opt(f, "bpm", NULL, 120, 10, 1000, &bpm, e) ||
        cad_repr_opt(f, "velocity", NULL, 80, 1, 127, &vel, e))
        return -1;
    if (grid != floor(grid) || beats != floor(beats) || vel != floor(vel))
        return cad_error_set(e, "representation options grid, grid_beats "
                                "and velocity are whole numbers");
    notes_repr *r = calloc(1, sizeof *r);
    if (!r)
        return cad_error_set(e, "out of memory");
    extern const cad_repr_kind cad_repr_notes;
    r->base.kind = &cad_repr_notes;
    r->grid = (int)grid;
    r->grid_beats = (int)beats;
    r->bpm = bpm;
    r->velocity = (int)vel;
    r->n_step = r->grid * r->grid_beats + 1;
    r->n_dur = r->grid * r->grid_beats;
    cad_layout *l = &r->base.layout;
    int rc = cad_layout_add(l, "pitch", CAD_FIELD_CLASS, 128, e);
    if (!rc && r->grid)
        rc = cad_layout_add(l, "step", CAD_FIELD_CLASS, r->n_step, e) ||
             cad_layout_add(l, "duration", CAD_FIELD_CLASS, r->n_dur, e);
    else if (!rc)
        rc = cad_layout_add(l, "step", CAD_FIELD_REAL, 1, e) ||
             cad_layout_add(l, "duration", CAD_FIELD_REAL, 1, e);
    if (rc) {
        free(r);
        return -1;
    }
    *out = &r->base;
    return 0;
}

/* A time in the representation's unit (ms or grid units) as a beat of a
 * decoded piece. encode/decode and expressible both go through here, so
 * equal units give equal doubles. */
static double unit_beats(const notes_repr *r, long long u)
{
    return r->grid ? (double)u / r->grid : (double)u * r->bpm / 60000.0;
}

static int cmp_unit(const void *pa, const void *pb)
{
    const unit_note *a = pa, *b = pb;
    if (a->onset != b->onset)
        return (a->onset > b->onset) - (a->onset < b->onset);
    if (a->pitch != b->pitch)
        return a->pitch - b->pitch;
    return (a->duration > b->duration) - (a->duration < b->duration);
}

/* The piece's notes in units, in the order they become steps. */
static int to_units(const notes_repr *r, const cad_score *s, unit_note **out,
                    cad_error *e)
{
    if (s->n_notes > CAD_SEQ_MAX_STEPS)
        return cad_error_set(e, "%d notes are more than a sequence holds "
                                "(%d)", s->n_notes, CAD_SEQ_MAX_STEPS);
    unit_note *u = malloc(sizeof *u * (size_t)(s->n_notes + 1));
    if (!u)
        return cad_error_set(e, "out of memory");
    for (int i = 0; i < s->n_notes; i++) {
        const cad_note *n = &s->notes[i];
        double a = n->onset, b = n->onset + n->duration, scale = r->grid;
        if (!r->grid) {
            a = cad_score_seconds(s, a);
            b = cad_score_seconds(s, b);
            scale = 1000;
        }
        if (!(b <= NOTES_MAX_TIME)) {
            free(u);
            return cad_error_set(e, "a note at beat %g lies too far from the "
                                    "start", n->onset);
        }
        u[i].onset = llround(a * scale);
        u[i].duration = llround(b * scale) - u[i].onset;
        if (u[i].duration < 1) /* a note shorter than a unit: one unit */
            u[i].duration = 1;
        u[i].pitch = n->pitch;
    }
    qsort(u, (size_t)s->n_notes, sizeof *u, cmp_unit);
    *out = u;
    return 0;
}

/* A step and a duration in units as the representation keeps them: on
 * the grid, cut to grid_beats; in milliseconds, more than an hour is an
 * error. */
static int keep(const notes_repr *r, long long *step, long long *dur,
                cad_error *e)
{
    if (r->grid) {
        long long max = (long long)r->grid * r->grid_beats;
        *step = *step < max ? *step : max;
        *dur = *dur < max ? *dur : max;
        return 0;
    }
    if (*step > NOTES_MAX_MS || *dur > NOTES_MAX_MS)
        return cad_error_set(e, "a step of %g s or a duration of %g s is "
                                "longer than the hour a step may take",
                             *step / 1000.0, *dur / 1000.0);
    return 0;
}

static int push(const notes_repr *r, long long onset, long long dur, int pitch,
                cad_score *out, cad_error *e)
{
    cad_note n = {unit_beats(r, onset), unit_beats(r, dur), (uint8_t)pitch,
                  (uint8_t)r->velocity, 0};
    return cad_score_push(out, &n, e);
}

static int notes_expressible(const cad_repr *rp, const cad_score *in,
                             cad_score *out, cad_error *e)
{
    const notes_repr *r = (const notes_repr *)rp;
    unit_note *u;
    if (to_units(r, in, &u, e))
        return -1;
    if (cad_score_init_at(out, r->bpm, e)) {
        free(u);
        return -1;
    }
    long long onset = 0;
    for (int i = 0; i < in->n_notes; i++) {
        long long step = i ? u[i].onset - u[i - 1].onset : 0;
        long long dur = u[i].duration;
        if (keep(r, &step, &dur, e) ||
            push(r, onset += step, dur, u[i].pitch, out, e)) {
            free(u);
            cad_score_free(out);
            return -1;
        }
    }
    free(u);
    cad_score_sort(out);
    return 0;
}

static int notes_encode(const cad_repr *rp, const cad_score *s, cad_seq *out,
                        cad_error *e)
{
    const notes_repr *r = (const notes_repr *)rp;
    const cad_layout *l = &rp->layout;
    unit_note *u;
    if (to_units(r, s, &u, e))
        return -1;
    if (cad_seq_init(out, s->n_notes, l->width, e)) {
        free(u);
        return -1;
    }
    for (int i = 0; i < s->n_notes; i++) {
        long long step = i ? u[i].onset - u[i - 1].onset : 0;
        long long dur = u[i].duration;
        if (keep(r, &step, &dur, e)) {
            free(u);
            cad_seq_free(out);
            return -1;
        }
        float *v = out->v + (size_t)i * l->width;
        v[0] = (float)u[i].pitch;
        if (r->grid) {
            v[1] = (float)step;
            v[2] = (float)(dur - 1);
        } else {
            v[1] = (float)(step / 1000.0);
            v[2] = (float)(dur / 1000.0);
        }
    }
    free(u);
    return 0;
}

/* A class field's value as its index, or -1 when it names no class. */
static long long class_of(float v, int n)
{
    if (!(v > -0.5f && v < n - 0.5f))
        return -1;
    return llroundf(v);
}

/* Seconds as milliseconds, held to [lo, an hour]. */
static long long seconds_ms(double v, double lo)
{
    return llround(fmin(fmax(v, lo), NOTES_MAX_MS / 1000.0) * 1000);
}

/* Decodes what encode wrote, and what a network composed: a step below 0
 * counts as 0 and a duration below a millisecond as one (the seed clamps
 * both at 0), either above an hour as an hour; a pitch or a class that
 * is not one, or a value that is not a number, is an error. */
static int notes_decode(const cad_repr *rp, const cad_seq *q, cad_score *out,
                        cad_error *e)
{
    const notes_repr *r = (const notes_repr *)rp;
    const int W = rp->layout.width;
    if (q->width != W)
        return cad_error_set(e, "a sequence of width %d is not a notes "
                                "sequence of width %d", q->width, W);
    if (cad_score_init_at(out, r->bpm, e))
        return -1;
    long long onset = 0;
    for (int t = 0; t < q->T; t++) {
        const float *v = q->v + (size_t)t * W;
        long long pitch = class_of(v[0], 128), step, dur;
        if (r->grid) {
            step = class_of(v[1], r->n_step);
            dur = class_of(v[2], r->n_dur) + 1;
        } else {
            step = isfinite(v[1]) ? seconds_ms(v[1], 0) : -1;
            dur = isfinite(v[2]) ? seconds_ms(v[2], 0.001) : -1;
        }
        if (pitch < 0 || step < 0 || dur < 1) {
            cad_score_free(out);
            return cad_error_set(e, "step %d of the sequence (%g, %g, %g) is "
                                    "not a note", t, v[0], v[1], v[2]);
        }
        if (push(r, onset += t ? step : 0, dur, (int)pitch, out, e)) {
            cad_score_free(out);
            return -1;
        }
    }
    cad_score_sort(out);
    return 0;
}

static int notes_save(const cad_repr *rp, cad_st_file *f, cad_error *e)
{
    const notes_repr *r = (const notes_repr *)rp;
    return cad_st_set_meta(f, "representation", "notes", e) ||
           cad_repr_save_opt(f, "grid", r->grid, e) ||
           cad_repr_save_opt(f, "grid_beats", r->grid_beats, e) ||
           cad_repr_save_opt(f, "bpm", r->bpm, e) ||
           cad_repr_save_opt(f, "velocity", r->velocity, e) ? -1 : 0;
}

const cad_repr_kind cad_repr_notes = {
    .name = "notes",
    .unit = "note",
    .create = notes_create,
    .fit = NULL,
    .expressible = notes_expressible,
    .encode = notes_encode,
    .decode = notes_decode,
    .save = notes_save,
    .drops = "the tempo map (pieces decode at the option bpm), timing finer "
             "than a millisecond (or the grid, with grid), the silence "
             "before the first note, velocity, parts (merged), and with "
             "grid steps and durations beyond grid_beats",
    .free = notes_free,
};
