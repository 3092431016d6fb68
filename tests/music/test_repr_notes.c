/* The notes representation (model/music/cad_repr_notes.c) on hand-made
 * pieces whose sequences are known: a C major scale at 120 bpm, the same
 * across a tempo change, a chord, a late start, the grid classes, and
 * hostile pieces and sequences that must give errors, not notes or
 * gigabytes. The generic contract (tests/music/test_repr.c) runs on real
 * music besides. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_repr.h"
#include "cad_test.h"

static const int scale[8] = {60, 62, 64, 65, 67, 69, 71, 72};

/* A piece of n notes (pushed in the order given) over a tempo map. */
static void piece(cad_score *s, const cad_note *notes, int n,
                  const cad_tempo *tempo, int n_tempo)
{
    cad_error e;
    CHECK(cad_score_init(s, &e) == 0);
    for (int i = 0; i < n; i++)
        CHECK(cad_score_push(s, &notes[i], &e) == 0);
    cad_score_sort(s);
    if (tempo)
        CHECK(cad_score_set_tempo(s, tempo, n_tempo, &e) == 0);
}

/* The C major scale in quarter notes, each held for its beat. */
static void c_major(cad_score *s, const cad_tempo *tempo, int n_tempo)
{
    cad_note n[8];
    for (int i = 0; i < 8; i++)
        n[i] = (cad_note){i, 1, (uint8_t)scale[i], 100, 0};
    piece(s, n, 8, tempo, n_tempo);
}

static cad_repr *make(const char *opts[][2], int n)
{
    cad_error e;
    cad_st_file f = {0};
    cad_repr *r = NULL;
    for (int i = 0; i < n; i++)
        cad_st_set_meta(&f, opts[i][0], opts[i][1], &e);
    CHECKF(cad_repr_find("notes")->create(n ? &f : NULL, &r, &e) == 0, "%s",
           e.msg);
    cad_st_free(&f);
    return r;
}

/* Encodes s, checks decode(encode(s)) == expressible(s), and leaves the
 * sequence and the decoded piece for the caller's own checks. */
static int round_trip(const cad_repr *r, const cad_score *s, cad_seq *q,
                      cad_score *d)
{
    cad_error e;
    cad_score x;
    if (r->kind->encode(r, s, q, &e) || r->kind->decode(r, q, d, &e)) {
        CHECKF(0, "%s", e.msg);
        return -1;
    }
    CHECK(r->kind->expressible(r, s, &x, &e) == 0);
    CHECK(x.n_notes == d->n_notes);
    for (int i = 0; i < x.n_notes && i < d->n_notes; i++) {
        const cad_note *a = &x.notes[i], *b = &d->notes[i];
        CHECKF(a->onset == b->onset && a->duration == b->duration &&
                   a->pitch == b->pitch && a->velocity == b->velocity &&
                   a->part == b->part,
               "note %d: %g+%g against %g+%g", i, a->onset, a->duration,
               b->onset, b->duration);
    }
    cad_score_free(&x);
    return 0;
}

static void test_scale_seconds(void)
{
    cad_repr *r = make(NULL, 0);
    cad_score s, d;
    cad_seq q;
    c_major(&s, NULL, 0);
    if (round_trip(r, &s, &q, &d) == 0) {
        CHECK(q.T == 8 && q.width == 3);
        for (int i = 0; i < 8; i++) {
            const float *v = q.v + 3 * i;
            CHECKF(v[0] == scale[i] && v[1] == (i ? 0.5f : 0.0f) &&
                       v[2] == 0.5f,
                   "note %d: (%g, %g, %g)", i, v[0], v[1], v[2]);
            CHECK(d.notes[i].onset == i && d.notes[i].duration == 1 &&
                  d.notes[i].velocity == 80 && d.notes[i].part == 0);
        }
        cad_seq_free(&q);
        cad_score_free(&d);
    }
    cad_score_free(&s);

    /* 120 bpm, then 60 from beat 4: the steps follow the clock, and the
     * piece decodes at 120 bpm, its later beats twice as long */
    cad_tempo t[2] = {{0, 120}, {4, 60}};
    c_major(&s, t, 2);
    if (round_trip(r, &s, &q, &d) == 0) {
        const float step[8] = {0, .5f, .5f, .5f, .5f, 1, 1, 1};
        const double onset[8] = {0, 1, 2, 3, 4, 6, 8, 10};
        for (int i = 0; i < 8; i++) {
            CHECKF(q.v[3 * i + 1] == step[i] &&
                       q.v[3 * i + 2] == (i < 4 ? .5f : 1.0f),
                   "note %d: step %g, duration %g", i, q.v[3 * i + 1],
                   q.v[3 * i + 2]);
            CHECK(d.notes[i].onset == onset[i] &&
                  d.notes[i].duration == (i < 4 ? 1 : 2));
        }
        CHECK(d.n_tempo == 1 && d.tempo[0].bpm == 120);
        cad_seq_free(&q);
        cad_score_free(&d);
    }
    cad_score_free(&s);
    cad_repr_free(r);
}

static void test_chord_and_start(void)
{
    const char *opts[][2] = {{"repr.bpm", "60"}, {"repr.velocity", "90"}};
    cad_repr *r = make(opts, 2);
    /* G, C, E struck together at beat 2 (pushed out of order), then D */
    cad_note n[4] = {{2, 1, 67, 50, 1}, {2, 1, 60, 50, 0}, {2, 2, 64, 50, 0},
                     {3, 0.25, 62, 50, 2}};
    cad_score s, d;
    cad_seq q;
    piece(&s, n, 4, NULL, 0);
    if (round_trip(r, &s, &q, &d) == 0) {
        const float want[12] = {60, 0,   .5f, 64, 0,   1,
                                67, 0,   .5f, 62, .5f, .125f};
        CHECK(q.T == 4 && memcmp(q.v, want, sizeof want) == 0);
        /* the silence before beat 2 is gone; at 60 bpm a beat is a second */
        CHECK(d.notes[0].onset == 0 && d.notes[3].onset == 0.5 &&
              d.notes[1].duration == 1 && d.notes[0].velocity == 90);
        cad_seq_free(&q);
        cad_score_free(&d);
    }
    cad_score_free(&s);
    cad_repr_free(r);
}

static void test_grid(void)
{
    const char *opts[][2] = {{"repr.grid", "24"}};
    cad_repr *r = make(opts, 1);
    CHECK(r->layout.width == 3 && r->layout.field[1].kind == CAD_FIELD_CLASS &&
          r->layout.field[1].size == 97 && r->layout.field[2].size == 96);
    /* a 32nd, an eighth-note triplet, a gap of 6 beats (cut to 4), a note
     * of 8 beats (cut to 4), at a tempo the grid never sees */
    cad_note n[4] = {{0, 0.125, 60, 100, 0}, {0.125, 1.0 / 3, 62, 100, 0},
                     {0.125 + 1.0 / 3, 0.5, 64, 100, 0},
                     {6.125 + 1.0 / 3, 8, 65, 100, 0}};
    cad_tempo t[2] = {{0, 97}, {1, 43}};
    cad_score s, d;
    cad_seq q;
    piece(&s, n, 4, t, 2);
    if (round_trip(r, &s, &q, &d) == 0) {
        const float want[12] = {60, 0, 2, 62, 3, 7, 64, 8, 11, 65, 96, 95};
        CHECK(q.T == 4 && memcmp(q.v, want, sizeof want) == 0);
        CHECK(fabs(d.notes[3].onset - (4.125 + 1.0 / 3)) < 1e-12 &&
              d.notes[3].duration == 4);
        cad_seq_free(&q);
        cad_score_free(&d);
    }
    cad_score_free(&s);
    cad_repr_free(r);
}

static void test_hostile(void)
{
    cad_error e;
    const char *grid[][2] = {{"repr.grid", "12"}};
    cad_repr *sec = make(NULL, 0), *g = make(grid, 1);
    cad_score s, d;
    cad_seq q = {0};
    /* a million beats of silence: more than the hour a step may take in
     * seconds; on the grid a gap of 4 beats */
    cad_note gap[2] = {{0, 1, 60, 80, 0}, {1e6, 1, 62, 80, 0}};
    piece(&s, gap, 2, NULL, 0);
    CHECK(sec->kind->encode(sec, &s, &q, &e) != 0 && q.v == NULL);
    CHECK(sec->kind->expressible(sec, &s, &d, &e) != 0);
    if (round_trip(g, &s, &q, &d) == 0) {
        CHECK(q.T == 2 && d.notes[1].onset == 4);
        cad_seq_free(&q);
        cad_score_free(&d);
    }
    cad_score_free(&s);
    /* a note where no clock reaches */
    cad_note far[1] = {{1e300, 1, 60, 80, 0}};
    piece(&s, far, 1, NULL, 0);
    CHECK(sec->kind->encode(sec, &s, &q, &e) != 0);
    CHECK(g->kind->encode(g, &s, &q, &e) != 0);
    cad_score_free(&s);
    /* two million notes: more steps than a sequence holds */
    CHECK(cad_score_init(&s, &e) == 0);
    for (int i = 0; i < 2000000; i++) {
        cad_note n = {i * 0.25, 0.25, (uint8_t)(i % 128), 80, 0};
        if (cad_score_push(&s, &n, &e))
            break;
    }
    CHECK(s.n_notes == 2000000);
    CHECK(sec->kind->encode(sec, &s, &q, &e) != 0 && strstr(e.msg, "notes"));
    CHECK(g->kind->encode(g, &s, &q, &e) != 0);
    cad_score_free(&s);

    /* sequences that are not notes */
    const float bad[][3] = {{128, 0, 1}, {-1, 0, 1}, {60, NAN, 1},
                            {60, 0, INFINITY}, {60.2f, 97, 1}, {60, 1, 96}};
    for (int i = 0; i < 6; i++) {
        const cad_repr *r = i < 4 ? sec : g;
        cad_seq b;
        CHECK(cad_seq_init(&b, 2, 3, &e) == 0);
        b.v[0] = 60;
        b.v[2] = i < 4 ? 1 : 0;
        memcpy(b.v + 3, bad[i], sizeof bad[i]);
        CHECKF(r->kind->decode(r, &b, &d, &e) != 0, "bad step %d decodes", i);
        cad_seq_free(&b);
    }
    /* what a network may write and the seed clamps: a negative step, a
     * duration of 0, a step of a day */
    cad_seq b;
    const float ok[9] = {60, 0, 1, 62, -3, 0, 64, 86400, 0.5f};
    CHECK(cad_seq_init(&b, 3, 3, &e) == 0);
    memcpy(b.v, ok, sizeof ok);
    CHECK(sec->kind->decode(sec, &b, &d, &e) == 0);
    CHECK(d.n_notes == 3 && d.notes[1].pitch == 62 && d.notes[1].onset == 0 &&
          d.notes[1].duration == 0.002 && d.notes[2].onset == 7200);
    cad_score_free(&d);
    cad_seq_free(&b);
    CHECK(cad_seq_init(&b, 1, 4, &e) == 0);
    CHECK(sec->kind->decode(sec, &b, &d, &e) != 0); /* wrong width */
    cad_seq_free(&b);
    cad_repr_free(sec);
    cad_repr_free(g);

    /* options that are not options */
    const char *badopts[][2] = {{"repr.grid", "1.5"}, {"repr.grid", "-1"},
                                {"repr.bpm", "0"}, {"repr.step_beats", "1"},
                                {"repr.velocity", "128"}};
    for (int i = 0; i < 5; i++) {
        cad_st_file f = {0};
        cad_repr *r = NULL;
        cad_st_set_meta(&f, badopts[i][0], badopts[i][1], &e);
        CHECKF(cad_repr_find("notes")->create(&f, &r, &e) != 0 && !r,
               "%s = %s accepted", badopts[i][0], badopts[i][1]);
        cad_st_free(&f);
    }
}

int main(void)
{
    test_scale_seconds();
    test_chord_and_start();
    test_grid();
    test_hostile();
    TEST_MAIN_END();
}
