/* The piano roll as a representation (see cad_repr.h): frames of
 * step_beats quarter notes; in each, one bit per key of the range
 * (the "keys" field: sounding or not) and, with the onsets option, a
 * second bit per key ("onsets": struck in this frame). Without onsets a
 * held note and the same note struck again look alike, as in the
 * Boulanger-Lewandowski benchmarks; with them a re-struck note is two.
 *
 * With the metre option, a third field ("metre", cad_metre.h) says where
 * each frame lies in its bar and in which metre, from the piece's time
 * signatures; decoding gives the piece that metre.
 *
 * Options (metadata "repr.*"): step_beats (0.25), low_key (21), keys (88),
 * onsets (0), metre (0), transpose (0: 1 moves every piece to C major /
 * A minor, as the benchmark data sets are), velocity (80, what decoding
 * plays every note at). Files
 * from before representations had options keep step_beats and low_key at
 * the top level, and still load. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_key.h"
#include "cad_metre.h"
#include "cad_repr.h"

typedef struct {
    cad_repr base;
    double step_beats;
    int low_key, n_keys, onsets, metre, transpose, velocity;
} roll_repr;

static void roll_free(cad_repr *r) { free(r); }

static int roll_create(const cad_st_file *f, cad_repr **out, cad_error *e)
{
    static const char *const known[] = {"step_beats", "low_key", "keys",
                                        "onsets", "metre", "transpose",
                                        "velocity", NULL};
    double step, low, keys, onsets, metre, tr, vel;
    if (cad_repr_check_opts(f, known, e) ||
        cad_repr_opt(f, "step_beats", "step_beats", 0.25, 1.0 / 64, 16, &step, e) ||
        cad_repr_opt(f, "low_key", "low_key", 21, 0, 127, &low, e) ||
        cad_repr_opt(f, "keys", NULL, 88, 1, 128, &keys, e) ||
        cad_repr_opt(f, "onsets", NULL, 0, 0, 1, &onsets, e) ||
        cad_repr_opt(f, "metre", NULL, 0, 0, 1, &metre, e) ||
        cad_repr_opt(f, "transpose", NULL, 0, 0, 1, &tr, e) ||
        cad_repr_opt(f, "velocity", NULL, 80, 1, 127, &vel, e))
        return -1;
    /* an old file's step_beats of 0 meant a grid in seconds: not ours */
    if (low + keys > 128)
        return cad_error_set(e, "keys %g from %g run past MIDI note 127",
                             keys, low);
    roll_repr *r = calloc(1, sizeof *r);
    if (!r)
        return cad_error_set(e, "out of memory");
    extern const cad_repr_kind cad_repr_pianoroll;
    r->base.kind = &cad_repr_pianoroll;
    r->step_beats = step;
    r->low_key = (int)low;
    r->n_keys = (int)keys;
    r->onsets = onsets != 0;
    r->metre = metre != 0;
    r->transpose = tr != 0;
    r->velocity = (int)vel;
    if (cad_layout_add(&r->base.layout, "keys", CAD_FIELD_BITS, r->n_keys, e) ||
        (r->onsets && cad_layout_add(&r->base.layout, "onsets",
                                     CAD_FIELD_BITS, r->n_keys, e)) ||
        (r->metre && cad_layout_add(&r->base.layout, "metre", CAD_FIELD_BITS,
                                    CAD_METRE_BITS, e))) {
        free(r);
        return -1;
    }
    *out = &r->base;
    return 0;
}

/* A note's key in the range: octaves up or down until it fits. */
static int fold(const roll_repr *r, int pitch)
{
    while (pitch < r->low_key)
        pitch += 12;
    while (pitch >= r->low_key + r->n_keys)
        pitch -= 12;
    return pitch < r->low_key ? -1 : pitch - r->low_key; /* < 12 keys */
}

/* A note as frames [a, b): onset to the nearest frame, at least one. */
static void frames_of(const roll_repr *r, const cad_note *n, long *a, long *b)
{
    *a = lround(n->onset / r->step_beats);
    *b = lround((n->onset + n->duration) / r->step_beats);
    if (*b <= *a)
        *b = *a + 1;
}

static int roll_encode(const cad_repr *rp, const cad_score *s, cad_seq *out,
                       cad_error *e)
{
    const roll_repr *r = (const roll_repr *)rp;
    long T = 0;
    for (int i = 0; i < s->n_notes; i++) {
        long a, b;
        frames_of(r, &s->notes[i], &a, &b);
        if (b > CAD_SEQ_MAX_STEPS)
            return cad_error_set(e, "a note at beat %g lies beyond %d frames",
                                 s->notes[i].onset, CAD_SEQ_MAX_STEPS);
        T = b > T ? b : T;
    }
    if (cad_seq_init(out, (int)T, rp->layout.width, e))
        return -1;
    const int W = rp->layout.width, K = r->n_keys;
    const int sh = r->transpose ? cad_key_shift_to_c(s) : 0;
    for (int i = 0; i < s->n_notes; i++) {
        int k = fold(r, s->notes[i].pitch + sh);
        long a, b;
        if (k < 0)
            continue;
        frames_of(r, &s->notes[i], &a, &b);
        for (long t = a; t < b; t++)
            out->v[t * W + k] = 1;
        if (r->onsets)
            out->v[a * W + K + k] = 1;
    }
    if (r->metre) { /* every frame's place in its bar */
        const int off = cad_layout_find(&rp->layout, "metre")->offset;
        for (long t = 0; t < T; t++) {
            double pos;
            const cad_meter *m = cad_score_meter_at(s, t * r->step_beats, &pos);
            cad_metre_bits(pos, r->step_beats, m, out->v + t * W + off);
        }
    }
    return 0;
}

static int roll_decode(const cad_repr *rp, const cad_seq *q, cad_score *out,
                       cad_error *e)
{
    const roll_repr *r = (const roll_repr *)rp;
    const int W = rp->layout.width, K = r->n_keys;
    if (q->width != W)
        return cad_error_set(e, "a sequence of width %d is not a piano roll "
                                "of width %d", q->width, W);
    if (cad_score_init(out, e))
        return -1;
    if (r->metre && q->T > 0) { /* the metre of the first frame */
        const int off = cad_layout_find(&rp->layout, "metre")->offset;
        cad_meter m;
        if (cad_metre_of_bits(q->v + off, &m) &&
            cad_score_set_meter(out, &m, 1, e)) {
            cad_score_free(out);
            return -1;
        }
    }
    for (int k = 0; k < K; k++) {
        int t = 0;
        while (t < q->T) {
            if (q->v[(long)t * W + k] < 0.5f) {
                t++;
                continue;
            }
            int a = t++; /* a run of frames, split where a new onset falls */
            while (t < q->T && q->v[(long)t * W + k] >= 0.5f &&
                   !(r->onsets && q->v[(long)t * W + K + k] >= 0.5f))
                t++;
            cad_note n = {a * r->step_beats, (t - a) * r->step_beats,
                          (uint8_t)(r->low_key + k), (uint8_t)r->velocity, 0};
            if (cad_score_push(out, &n, e)) {
                cad_score_free(out);
                return -1;
            }
        }
    }
    cad_score_sort(out);
    return 0;
}

static int cmp_span(const void *pa, const void *pb)
{
    const long *a = pa, *b = pb;
    return a[0] != b[0] ? (a[0] > b[0]) - (a[0] < b[0])
                        : (a[1] > b[1]) - (a[1] < b[1]);
}

static int push_note(const roll_repr *r, int k, long a, long b,
                     cad_score *out, cad_error *e)
{
    cad_note nt = {a * r->step_beats, (b - a) * r->step_beats,
                   (uint8_t)(r->low_key + k), (uint8_t)r->velocity, 0};
    return cad_score_push(out, &nt, e);
}

/* Independently of encode/decode: per key, the notes' frames on the grid
 * joined where they overlap or touch (a roll has one bit per key and
 * frame), each such run one note, or with onsets one note from each
 * distinct start in the run to the next. */
static int roll_expressible(const cad_repr *rp, const cad_score *in,
                            cad_score *out, cad_error *e)
{
    const roll_repr *r = (const roll_repr *)rp;
    long *span = malloc(sizeof(long) * 2 * (size_t)(in->n_notes + 1));
    if (!span || cad_score_init(out, e)) {
        free(span);
        return span ? -1 : cad_error_set(e, "out of memory");
    }
    int rc = 0;
    const int sh = r->transpose ? cad_key_shift_to_c(in) : 0;
    for (int k = 0; k < r->n_keys && !rc; k++) {
        int n = 0;
        for (int i = 0; i < in->n_notes; i++)
            if (fold(r, in->notes[i].pitch + sh) == k) {
                frames_of(r, &in->notes[i], &span[2 * n], &span[2 * n + 1]);
                n++;
            }
        qsort(span, (size_t)n, 2 * sizeof(long), cmp_span);
        for (int i = 0; i < n && !rc;) {
            long end = span[2 * i + 1];
            int j = i + 1;
            while (j < n && span[2 * j] <= end) { /* the run goes on */
                if (span[2 * j + 1] > end)
                    end = span[2 * j + 1];
                j++;
            }
            /* notes i..j-1 make the run [span[2i], end) */
            long start = span[2 * i];
            for (int m = i + 1; m < j && !rc && r->onsets; m++)
                if (span[2 * m] > start) { /* a later distinct onset */
                    rc = push_note(r, k, start, span[2 * m], out, e);
                    start = span[2 * m];
                }
            if (!rc)
                rc = push_note(r, k, start, end, out, e);
            i = j;
        }
    }
    free(span);
    if (!rc && r->metre && in->n_notes > 0) { /* decoding: the first metre */
        float bits[CAD_METRE_BITS];
        cad_meter m;
        cad_metre_bits(0, r->step_beats, &in->meter[0], bits);
        if (cad_metre_of_bits(bits, &m))
            rc = cad_score_set_meter(out, &m, 1, e);
    }
    if (rc)
        cad_score_free(out);
    else
        cad_score_sort(out);
    return rc;
}

static int roll_save(const cad_repr *rp, cad_st_file *f, cad_error *e)
{
    const roll_repr *r = (const roll_repr *)rp;
    return cad_st_set_meta(f, "representation", "pianoroll", e) ||
           cad_repr_save_opt(f, "step_beats", r->step_beats, e) ||
           cad_repr_save_opt(f, "low_key", r->low_key, e) ||
           cad_repr_save_opt(f, "keys", r->n_keys, e) ||
           cad_repr_save_opt(f, "onsets", r->onsets, e) ||
           (r->metre && cad_repr_save_opt(f, "metre", r->metre, e)) ||
           (r->transpose && cad_repr_save_opt(f, "transpose", 1, e)) ||
           cad_repr_save_opt(f, "velocity", r->velocity, e) ? -1 : 0;
}

const cad_repr_kind cad_repr_pianoroll = {
    .name = "pianoroll",
    .unit = "frame",
    .create = roll_create,
    .fit = NULL,
    .expressible = roll_expressible,
    .encode = roll_encode,
    .decode = roll_decode,
    .save = roll_save,
    .drops = "timing finer than the grid, velocity, parts (merged), notes "
             "below or above the keys (folded by octaves), and without "
             "onsets a note struck again while it sounds",
    .free = roll_free,
};
