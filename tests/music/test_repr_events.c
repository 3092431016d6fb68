/* The performance events (model/music/cad_repr_events.c) on hand-made
 * pieces whose event lists are known: a C major scale at 120 bpm, a long
 * gap, velocity bins, a tempo change, notes of one pitch that overlap,
 * sequences a network might write, and hostile pieces that must give
 * errors, not gigabytes. The generic contract (tests/music/test_repr.c)
 * runs on real music besides. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_repr.h"
#include "cad_test.h"

/* Event classes, spelt out here rather than taken from the source, so a
 * change of the vocabulary shows. */
#define ON(p) (p)
#define OFF(p) (128 + (p))
#define SHIFT(ms) (255 + (ms) / 10)
#define VEL(v) (356 + ((v) - 1) / 4)

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

static cad_repr *events(void)
{
    cad_error e;
    cad_repr *r = NULL;
    CHECKF(cad_repr_find("events")->create(NULL, &r, &e) == 0, "%s", e.msg);
    return r;
}

/* Encodes s, expects the events want[0..n), checks that decoding gives
 * what expressible says, and leaves the decoded piece in d. */
static void expect(const cad_repr *r, const cad_score *s, const int *want,
                   int n, cad_score *d, const char *what)
{
    cad_error e;
    cad_seq q;
    cad_score x;
    memset(d, 0, sizeof *d);
    if (r->kind->encode(r, s, &q, &e) || r->kind->decode(r, &q, d, &e)) {
        CHECKF(0, "%s: %s", what, e.msg);
        return;
    }
    int same = q.T == n && q.width == 1;
    for (int t = 0; same && t < n; t++)
        same = q.v[t] == want[t];
    CHECKF(same, "%s: the events differ", what);
    if (!same)
        for (int t = 0; t < q.T || t < n; t++)
            fprintf(stderr, "  %3d: %4g %4d\n", t, t < q.T ? q.v[t] : -1,
                    t < n ? want[t] : -1);
    CHECK(r->kind->expressible(r, s, &x, &e) == 0);
    CHECK(x.n_notes == d->n_notes);
    for (int i = 0; i < x.n_notes && i < d->n_notes; i++) {
        const cad_note *a = &x.notes[i], *b = &d->notes[i];
        CHECKF(a->onset == b->onset && a->duration == b->duration &&
                   a->pitch == b->pitch && a->velocity == b->velocity,
               "%s: note %d: %g+%g p%d v%d against %g+%g p%d v%d", what, i,
               a->onset, a->duration, a->pitch, a->velocity, b->onset,
               b->duration, b->pitch, b->velocity);
    }
    cad_score_free(&x);
    cad_seq_free(&q);
}

static void test_scale(void)
{
    static const int scale[8] = {60, 62, 64, 65, 67, 69, 71, 72};
    cad_repr *r = events();
    cad_note n[8];
    for (int i = 0; i < 8; i++) /* legato: each ends where the next starts */
        n[i] = (cad_note){i, 1, (uint8_t)scale[i], 100, 0};
    cad_score s, d;
    piece(&s, n, 8, NULL, 0);
    int want[32], k = 0;
    want[k++] = VEL(100);
    want[k++] = ON(60);
    for (int i = 1; i < 8; i++) { /* the old key rises before the new */
        want[k++] = SHIFT(500);
        want[k++] = OFF(scale[i - 1]);
        want[k++] = ON(scale[i]);
    }
    want[k++] = SHIFT(500);
    want[k++] = OFF(72);
    expect(r, &s, want, k, &d, "C major");
    CHECK(k == 25 && d.n_notes == 8);
    for (int i = 0; i < d.n_notes; i++) /* 100 is in the bin of 97..100 */
        CHECK(d.notes[i].onset == i && d.notes[i].duration == 1 &&
              d.notes[i].velocity == 97);
    cad_score_free(&d);
    cad_score_free(&s);

    /* the same at 60 bpm from beat 4: shifts of a second, as one event */
    cad_tempo t[2] = {{0, 120}, {4, 60}};
    piece(&s, n, 8, t, 2);
    for (int i = 5; i < 8; i++)
        want[2 + 3 * (i - 1)] = SHIFT(1000);
    want[k - 2] = SHIFT(1000);
    expect(r, &s, want, k, &d, "C major, slower from beat 4");
    CHECK(d.n_notes == 8 && d.notes[7].onset == 10 &&
          d.notes[7].duration == 2);
    cad_score_free(&d);
    cad_score_free(&s);
    cad_repr_free(r);
}

static void test_gaps_and_velocity(void)
{
    cad_repr *r = events();
    cad_score s, d;
    /* a late start, a gap of 2.5 s, a chord whose velocities lie in three
     * bins, a note 3 ms long, one in the bin already set, one not */
    cad_note n[6] = {{1, 0.5, 60, 64, 0},  {6.5, 1, 64, 20, 1},
                     {6.5, 1, 67, 90, 1},  {6.5, 1, 72, 21, 0},
                     {8, 0.006, 50, 24, 0}, {9, 1, 48, 90, 2}};
    piece(&s, n, 6, NULL, 0);
    const int want[] = {
        SHIFT(500), VEL(64), ON(60), SHIFT(250), OFF(60),
        SHIFT(1000), SHIFT(1000), SHIFT(500),
        VEL(20), ON(64), VEL(90), ON(67), VEL(21), ON(72),
        SHIFT(500), OFF(64), OFF(67), OFF(72), SHIFT(250), ON(50),
        SHIFT(10), OFF(50), SHIFT(490), VEL(90), ON(48), SHIFT(500), OFF(48),
    };
    expect(r, &s, want, (int)(sizeof want / sizeof *want), &d, "gaps");
    CHECK(d.n_notes == 6 && d.notes[0].onset == 1);
    /* velocities come back as the lowest of their bin of 4 */
    const int vel[6] = {61, 17, 89, 21, 21, 89}; /* 64 20 90 21 24 90 */
    for (int i = 0; i < d.n_notes && i < 6; i++)
        CHECKF(d.notes[i].velocity == vel[i], "pitch %d at velocity %d",
               d.notes[i].pitch, d.notes[i].velocity);
    /* the 3 ms note lasts 10 ms: 0.02 beats at 120 bpm */
    CHECK(fabs(d.notes[4].duration - 0.02) < 1e-12 && d.notes[4].pitch == 50);
    cad_score_free(&d);
    cad_score_free(&s);
    cad_repr_free(r);
}

static void test_one_pitch(void)
{
    cad_repr *r = events();
    cad_score s, d;
    /* C held 4 beats, struck again at beat 1 for half a beat; E struck
     * twice at beat 0, the longer one (quieter) stays */
    cad_note n[4] = {{0, 4, 60, 100, 0}, {1, 0.5, 60, 50, 1},
                     {0, 1, 64, 110, 0}, {0, 3, 64, 40, 1}};
    piece(&s, n, 4, NULL, 0);
    const int want[] = {VEL(100), ON(60), VEL(40), ON(64), SHIFT(500),
                        OFF(60), VEL(50), ON(60), SHIFT(250), OFF(60),
                        SHIFT(750), OFF(64)};
    expect(r, &s, want, (int)(sizeof want / sizeof *want), &d, "one pitch");
    CHECK(d.n_notes == 3 && d.notes[0].duration == 1 &&
          d.notes[1].duration == 3 && d.notes[1].velocity == 37 &&
          d.notes[2].onset == 1 && d.notes[2].duration == 0.5);
    cad_score_free(&d);
    cad_score_free(&s);
    cad_repr_free(r);
}

/* Decodes the classes c[0..n) and expects the notes (onset, duration,
 * pitch, velocity) of want[0..m). */
static void decode(const cad_repr *r, const float *c, int n,
                   const double (*want)[4], int m, const char *what)
{
    cad_error e;
    cad_seq q;
    cad_score d;
    CHECK(cad_seq_init(&q, n, 1, &e) == 0);
    memcpy(q.v, c, sizeof *c * (size_t)n);
    if (r->kind->decode(r, &q, &d, &e)) {
        CHECKF(0, "%s: %s", what, e.msg);
        cad_seq_free(&q);
        return;
    }
    CHECKF(d.n_notes == m, "%s: %d notes, not %d", what, d.n_notes, m);
    for (int i = 0; i < m && i < d.n_notes; i++)
        CHECKF(fabs(d.notes[i].onset - want[i][0]) < 1e-12 &&
                   fabs(d.notes[i].duration - want[i][1]) < 1e-12 &&
                   d.notes[i].pitch == want[i][2] &&
                   d.notes[i].velocity == want[i][3],
               "%s: note %d is %g+%g p%d v%d", what, i, d.notes[i].onset,
               d.notes[i].duration, d.notes[i].pitch, d.notes[i].velocity);
    cad_score_free(&d);
    cad_seq_free(&q);
}

static void test_composed(void)
{
    cad_repr *r = events();
    cad_error e;
    /* left sounding: ends with the sequence; struck at the very end: none */
    const float a[] = {ON(60), SHIFT(1000), ON(64)};
    const double wa[][4] = {{0, 2, 60, 80}};
    decode(r, a, 3, wa, 1, "left sounding");
    /* struck again, released at once, a stray release, a new velocity */
    const float b[] = {OFF(61), ON(60), SHIFT(100), ON(60), OFF(60),
                       VEL(127), ON(62), SHIFT(20), SHIFT(30)};
    const double wb[][4] = {{0, 0.2, 60, 80}, {0.2, 0.1, 62, 125}};
    decode(r, b, 9, wb, 2, "composed");
    /* classes that are not events */
    const float bad[] = {388, -1, NAN, INFINITY};
    for (int i = 0; i < 4; i++) {
        cad_seq q;
        cad_score d;
        CHECK(cad_seq_init(&q, 2, 1, &e) == 0);
        q.v[1] = bad[i];
        CHECKF(r->kind->decode(r, &q, &d, &e) != 0, "class %g decodes",
               bad[i]);
        cad_seq_free(&q);
    }
    cad_repr_free(r);
}

static void test_hostile(void)
{
    cad_repr *r = events();
    cad_error e;
    cad_score s, d;
    cad_seq q = {0};
    /* a million beats of silence at 120 bpm: 500000 shifts, 2 MB */
    cad_note gap[2] = {{0, 1, 60, 80, 0}, {1e6, 1, 62, 80, 0}};
    piece(&s, gap, 2, NULL, 0);
    CHECK(r->kind->encode(r, &s, &q, &e) == 0 && q.T == 500007);
    cad_seq_free(&q);
    /* ... at 30 bpm: more seconds than a sequence has events */
    cad_tempo slow = {0, 30};
    CHECK(cad_score_set_tempo(&s, &slow, 1, &e) == 0);
    CHECK(r->kind->encode(r, &s, &q, &e) != 0 && q.v == NULL);
    CHECK(r->kind->expressible(r, &s, &d, &e) != 0);
    cad_score_free(&s);
    cad_note far[1] = {{1e300, 1, 60, 80, 0}};
    piece(&s, far, 1, NULL, 0);
    CHECK(r->kind->encode(r, &s, &q, &e) != 0);
    cad_score_free(&s);
    /* two million notes: at least four million events */
    CHECK(cad_score_init(&s, &e) == 0);
    for (int i = 0; i < 2000000; i++) {
        cad_note n = {i * 0.25, 0.25, (uint8_t)(i % 128), 80, 0};
        if (cad_score_push(&s, &n, &e))
            break;
    }
    CHECK(s.n_notes == 2000000);
    CHECK(r->kind->encode(r, &s, &q, &e) != 0 && strstr(e.msg, "notes"));
    cad_score_free(&s);
    /* 400000 notes fit as notes, but their shifts and velocities do not */
    CHECK(cad_score_init(&s, &e) == 0);
    for (int i = 0; i < 400000; i++) {
        cad_note n = {i * 0.25, 0.125, 60, (uint8_t)(1 + i % 127), 0};
        if (cad_score_push(&s, &n, &e))
            break;
    }
    CHECK(s.n_notes == 400000);
    CHECK(r->kind->encode(r, &s, &q, &e) != 0 && strstr(e.msg, "events"));
    cad_score_free(&s);
    cad_seq_init(&q, 1, 3, &e);
    CHECK(r->kind->decode(r, &q, &d, &e) != 0); /* wrong width */
    cad_seq_free(&q);
    cad_st_file f = {0};
    cad_repr *bad = NULL;
    cad_st_set_meta(&f, "repr.velocity", "80", &e);
    CHECK(cad_repr_find("events")->create(&f, &bad, &e) != 0 && !bad);
    cad_st_free(&f);
    cad_repr_free(r);
}

int main(void)
{
    test_scale();
    test_gaps_and_velocity();
    test_one_pitch();
    test_composed();
    test_hostile();
    TEST_MAIN_END();
}
