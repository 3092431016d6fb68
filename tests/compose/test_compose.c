/* The composer (model/compose/cad_compose.h) against a hand-made model
 * whose every frame is known: the events it must give, their order and
 * beats, whole pieces, the bounded queue, the step-length rule, listen
 * mode and reset. */
#include <math.h>

#include "cad_metre.h"
#include "compose_fixture.h"

enum { MAXEV = 4096 };

/* The alternating model: key 60 on in even frames, 64 in odd frames,
 * 67 always. The events of its first n frames, at `step` beats each. */
static int expected_alternating(int n, double step, int vel, cad_event *ev)
{
    int k = 0;
    ev[k++] = (cad_event){0, CAD_EVENT_NOTE_ON, 60, (uint8_t)vel};
    ev[k++] = (cad_event){0, CAD_EVENT_NOTE_ON, 67, (uint8_t)vel};
    for (int t = 1; t < n; t++) {
        int off = t % 2 ? 60 : 64, on = t % 2 ? 64 : 60;
        ev[k++] = (cad_event){t * step, CAD_EVENT_NOTE_OFF, (uint8_t)off, 0};
        ev[k++] = (cad_event){t * step, CAD_EVENT_NOTE_ON, (uint8_t)on, (uint8_t)vel};
    }
    return k;
}

static cad_model *alternating(int onsets, double step_beats, double step_seconds)
{
    cad_model *m = fixture_roll(onsets, step_beats, step_seconds);
    fixture_follows(m, 60, -1);
    fixture_follows(m, 64, +1);
    fixture_always(m, 67, 0);
    return m;
}

static int same_events(const cad_event *a, int na, const cad_event *b, int nb)
{
    if (na != nb) {
        fprintf(stderr, "  %d events, expected %d\n", na, nb);
        return 0;
    }
    for (int i = 0; i < na; i++)
        if (a[i].beat != b[i].beat || a[i].kind != b[i].kind ||
            a[i].pitch != b[i].pitch || a[i].velocity != b[i].velocity) {
            fprintf(stderr, "  event %d: beat %g kind %d pitch %d vel %d, "
                            "expected beat %g kind %d pitch %d vel %d\n", i,
                    a[i].beat, a[i].kind, a[i].pitch, a[i].velocity, b[i].beat,
                    b[i].kind, b[i].pitch, b[i].velocity);
            return 0;
        }
    return 1;
}

/* Everything before each of untils[], in as many calls, max events each. */
static int collect(cad_composer *c, const cad_constraints *k,
                   const double *untils, int n_until, int max, cad_event *out)
{
    int total = 0, n, rc;
    cad_error e;
    for (int i = 0; i < n_until; i++)
        do {
            rc = cad_composer_advance(c, k, untils[i], out + total, max, &n, &e);
            CHECKF(rc >= 0, "advance: %s", rc < 0 ? e.msg : "");
            total += n;
        } while (rc == 1 && total < MAXEV - max);
    return total;
}

static void test_events(void)
{
    cad_model *m = alternating(0, 0.5, 0);
    cad_repr *r = fixture_repr(m);
    cad_error e;
    cad_composer *c = cad_composer_new(m, r, &e);
    CHECK(c && cad_composer_realtime(c));
    cad_constraints k;
    cad_constraints_default(&k);
    k.velocity = 99;
    static cad_event want[MAXEV], got[MAXEV];
    int nw = expected_alternating(6, 0.5, 99, want); /* beats 0 .. 2.5 */
    /* in uneven pieces: a call that ends mid-step, one that adds nothing */
    const double untils[] = {0.2, 0.2, 1.0, 1.01, 3.0};
    int ng = collect(c, &k, untils, 5, MAXEV, got);
    CHECKF(same_events(got, ng, want, nw), "alternating roll, in pieces");
    CHECK(cad_composer_steps(c) == 6 && cad_composer_beat(c) == 3.0);
    /* the same in one call after a reset, and one event at a time */
    cad_composer_reset(c, 7);
    ng = collect(c, &k, untils + 4, 1, MAXEV, got);
    CHECKF(same_events(got, ng, want, nw), "alternating roll, one call");
    cad_composer_reset(c, 7);
    ng = collect(c, &k, untils + 4, 1, 1, got);
    CHECKF(same_events(got, ng, want, nw), "alternating roll, max 1");
    /* a far goal with little room: it stops at once and says so */
    cad_composer_reset(c, 7);
    int n;
    CHECK(cad_composer_advance(c, &k, 1000, got, 3, &n, &e) == 1 && n == 3);
    CHECKF(cad_composer_steps(c) <= 2, "%ld steps for 3 events",
           cad_composer_steps(c));
    /* a velocity out of range is clamped: 0 would be a note-off */
    int n1;
    for (int v = 0; v < 2; v++) {
        cad_composer_reset(c, 7);
        k.velocity = v ? 300 : 0;
        cad_composer_advance(c, &k, 0.5, got, MAXEV, &n1, &e);
        CHECKF(n1 == 2 && got[0].velocity == (v ? 127 : 1), "velocity %d: %d",
               k.velocity, n1 ? got[0].velocity : -1);
    }
    k.velocity = 99;
    /* the mask: key 60 below the range is never played */
    cad_composer_reset(c, 7);
    k.low = 61;
    ng = collect(c, &k, untils + 4, 1, MAXEV, got);
    int k60 = 0;
    for (int i = 0; i < ng; i++)
        k60 += got[i].pitch == 60;
    CHECK(k60 == 0 && ng > 0);
    cad_composer_free(c);
    cad_repr_free(r);
    cad_model_free(m);
}

/* Onset bits: a key whose onset bit is always on is struck every frame
 * (a note-off and a note-on at once); one held without it sounds once; an
 * onset bit without its key plays nothing. */
static void test_onsets(void)
{
    cad_model *m = fixture_roll(1, 0.25, 0);
    fixture_always(m, 67, 0);
    fixture_always(m, 67, 1);
    fixture_always(m, 69, 0);
    fixture_always(m, 71, 1);
    cad_repr *r = fixture_repr(m);
    cad_error e;
    cad_composer *c = cad_composer_new(m, r, &e);
    CHECK(c != NULL);
    cad_constraints k;
    cad_constraints_default(&k);
    static cad_event want[64], got[MAXEV];
    int nw = 0;
    want[nw++] = (cad_event){0, CAD_EVENT_NOTE_ON, 67, 80};
    want[nw++] = (cad_event){0, CAD_EVENT_NOTE_ON, 69, 80};
    for (int t = 1; t < 4; t++) {
        want[nw++] = (cad_event){t * 0.25, CAD_EVENT_NOTE_OFF, 67, 0};
        want[nw++] = (cad_event){t * 0.25, CAD_EVENT_NOTE_ON, 67, 80};
    }
    const double until = 1.0;
    int ng = collect(c, &k, &until, 1, MAXEV, got);
    CHECKF(same_events(got, ng, want, nw), "onset bits");
    cad_composer_free(c);
    cad_repr_free(r);
    cad_model_free(m);
}

/* A whole piece: notes paired from the events, what still sounds ending
 * with the last step. */
static void test_score(void)
{
    cad_model *m = alternating(0, 0.5, 0);
    cad_repr *r = fixture_repr(m);
    cad_compose_opts o = {.seed = 3, .beats = 2.0};
    cad_constraints_default(&o.k);
    cad_score s;
    long steps;
    cad_error e;
    CHECK(cad_compose_score(m, r, &o, &s, &steps, &e) == 0);
    const double want[5][3] = {{0, 0.5, 60}, {0, 2, 67}, {0.5, 0.5, 64},
                               {1, 0.5, 60}, {1.5, 0.5, 64}};
    CHECKF(s.n_notes == 5 && steps == 4, "%d notes, %ld steps", s.n_notes, steps);
    for (int i = 0; i < 5 && i < s.n_notes; i++)
        CHECKF(s.notes[i].onset == want[i][0] && s.notes[i].duration == want[i][1] &&
               s.notes[i].pitch == want[i][2], "note %d: %g %g %d", i,
               s.notes[i].onset, s.notes[i].duration, s.notes[i].pitch);
    cad_score_free(&s);
    cad_repr_free(r);
    cad_model_free(m);
}

/* One rule for step lengths, and a model timed in seconds following the
 * tempo: its events come a step at that tempo apart, and a new tempo
 * stretches the steps from where the music is. */
static void test_step_rule(void)
{
    CHECK(cad_step_beats(0.5, 0, 90) == 0.5);
    CHECK(cad_step_beats(0.5, 0.3, 90) == 0.5); /* a beat grid wins */
    CHECK(cad_step_beats(0, 0.3, 100) == 0.3 * 100 / 60.0);
    CHECK(cad_step_beats(0, 0.3, 0) == 0 && cad_step_beats(0, 0, 120) == 0);
    cad_model *m = alternating(0, 0, 0.3);
    cad_repr *r = fixture_repr(m);
    cad_error e;
    cad_composer *c = cad_composer_new(m, r, &e);
    cad_constraints k;
    cad_constraints_default(&k);
    k.bpm = 100; /* 0.5 beats a step */
    CHECK(cad_composer_step_beats(c, &k) == 0.3 * 100 / 60.0);
    static cad_event got[MAXEV];
    int n;
    cad_composer_advance(c, &k, 1.0, got, MAXEV, &n, &e); /* steps at 0, .5 */
    CHECKF(n == 4 && got[2].beat == 0.5, "%d events, third at %g", n, got[2].beat);
    k.bpm = 200; /* now 1.0 beats a step: at 1, 2 */
    cad_composer_advance(c, &k, 2.5, got, MAXEV, &n, &e);
    CHECKF(n == 4 && got[0].beat == 1.0 && got[2].beat == 2.0,
           "%d events at %g, %g", n, got[0].beat, n > 2 ? got[2].beat : -1);
    CHECK(cad_composer_beat(c) == 3.0);
    /* no beat at all: nothing composed */
    long before = cad_composer_steps(c);
    CHECK(cad_composer_advance(c, &k, NAN, got, MAXEV, &n, &e) == 0 && n == 0 &&
          cad_composer_steps(c) == before);
    /* no tempo for a model in seconds: an error, not a hang */
    k.bpm = 0;
    CHECK(cad_composer_advance(c, &k, 10, got, MAXEV, &n, &e) == -1);
    cad_composer_free(c);
    cad_repr_free(r);
    cad_model_free(m);
}

/* Listen mode: the player's step is the model's; the composer lets go of
 * its keys, the step's time passes, and it continues from what it heard. */
static void test_listen(void)
{
    cad_model *m = alternating(0, 0.5, 0);
    cad_repr *r = fixture_repr(m);
    cad_error e;
    cad_composer *c = cad_composer_new(m, r, &e);
    cad_constraints k;
    cad_constraints_default(&k);
    static cad_event got[MAXEV];
    int n;
    cad_composer_advance(c, &k, 0.5, got, MAXEV, &n, &e); /* 60, 67 on */
    uint8_t keys[128] = {0};
    keys[60] = 1; /* the player holds 60: the model answers with 64 */
    CHECK(cad_composer_observe_keys(c, &k, keys) == 0);
    CHECK(cad_composer_beat(c) == 1.0);
    cad_composer_advance(c, &k, 1.5, got, MAXEV, &n, &e);
    const cad_event want[] = {{0.5, CAD_EVENT_NOTE_OFF, 60, 0},
                              {0.5, CAD_EVENT_NOTE_OFF, 67, 0},
                              {1.0, CAD_EVENT_NOTE_ON, 64, 80},
                              {1.0, CAD_EVENT_NOTE_ON, 67, 80}};
    CHECKF(same_events(got, n, want, 4), "listen mode");
    cad_composer_free(c);
    cad_repr_free(r);
    cad_model_free(m);
}

/* Keys: in G major the alternating model's C, E, G (60, 64, 67) come out
 * a fourth lower (the nearest way, -5: 55, 59, 62); a new key mid-piece
 * first releases what sounds in the old one; a player heard in D is moved
 * into the model's C. */
static void test_key(void)
{
    CHECK(cad_key_shift(0, 7) == -5 && cad_key_shift(0, 2) == 2 &&
          cad_key_shift(9, 2) == 5 && cad_key_shift(0, 6) == 6 &&
          cad_key_shift(3, 3) == 0);
    CHECK(cad_scale_home(CAD_SCALE_MAJOR) == 0 &&
          cad_scale_home(CAD_SCALE_MINOR) == 9 &&
          cad_scale_home(CAD_SCALE_DORIAN) == 2);
    cad_model *m = alternating(0, 0.5, 0);
    cad_repr *r = fixture_repr(m);
    cad_error e;
    cad_composer *c = cad_composer_new(m, r, &e);
    cad_constraints k;
    cad_constraints_default(&k);
    cad_constraints_in_key(&k, 7, CAD_SCALE_MAJOR);
    CHECK(k.shift == -5 && k.key == 7 && k.scale == CAD_SCALE_MAJOR);
    static cad_event want[MAXEV], got[MAXEV];
    int nw = expected_alternating(4, 0.5, 80, want);
    for (int i = 0; i < nw; i++)
        want[i].pitch = (uint8_t)(want[i].pitch - 5);
    /* at one beat note-offs come first, then by pitch: the same order */
    const double until[] = {2.0};
    int ng = collect(c, &k, until, 1, MAXEV, got);
    CHECKF(same_events(got, ng, want, nw), "alternating roll in G");
    /* D major from beat 2: 59 and 62 (the model's 64 and 67 in G) stop
       first, then 62 and 69 sound (its 60 and 67 moved up 2) */
    cad_constraints_in_key(&k, 2, CAD_SCALE_MAJOR);
    int n;
    cad_composer_advance(c, &k, 2.5, got, MAXEV, &n, &e);
    const cad_event d[] = {{2.0, CAD_EVENT_NOTE_OFF, 59, 0},
                           {2.0, CAD_EVENT_NOTE_OFF, 62, 0},
                           {2.0, CAD_EVENT_NOTE_ON, 62, 80},
                           {2.0, CAD_EVENT_NOTE_ON, 69, 80}};
    CHECKF(same_events(got, n, d, 4), "a new key");
    /* listen mode in D: the player's 62 is the model's 60, so it answers
       with its 64 (66 in D) */
    uint8_t keys[128] = {0};
    keys[62] = 1;
    CHECK(cad_composer_observe_keys(c, &k, keys) == 0);
    cad_composer_advance(c, &k, 3.5, got, MAXEV, &n, &e);
    int has66 = 0;
    for (int i = 0; i < n; i++)
        has66 += got[i].kind == CAD_EVENT_NOTE_ON && got[i].pitch == 66;
    CHECK(has66 == 1);
    cad_composer_free(c);
    cad_repr_free(r);
    cad_model_free(m);
}

/* --max-hold: a key the model would hold for ever is let go for one step
 * after max_hold beats, and struck again. */
static void test_max_hold(void)
{
    cad_model *m = fixture_roll(0, 0.5, 0);
    fixture_always(m, 67, 0);
    cad_repr *r = fixture_repr(m);
    cad_error e;
    cad_composer *c = cad_composer_new(m, r, &e);
    cad_constraints k;
    cad_constraints_default(&k);
    k.max_hold = 2.0;
    static cad_event got[MAXEV];
    const double until[] = {5.0};
    int n = collect(c, &k, until, 1, MAXEV, got);
    const cad_event want[] = {{0.0, CAD_EVENT_NOTE_ON, 67, 80},
                              {2.0, CAD_EVENT_NOTE_OFF, 67, 0},
                              {2.5, CAD_EVENT_NOTE_ON, 67, 80},
                              {4.5, CAD_EVENT_NOTE_OFF, 67, 0}};
    CHECKF(same_events(got, n, want, 4), "max_hold 2 beats");
    k.max_hold = 0; /* no limit: held from the start to the end */
    cad_composer_reset(c, 1);
    n = collect(c, &k, until, 1, MAXEV, got);
    CHECK(n == 1 && got[0].kind == CAD_EVENT_NOTE_ON);
    cad_composer_free(c);
    cad_repr_free(r);
    cad_model_free(m);
}

/* Metre (music/cad_metre.h): a piano roll with the metre option is told
 * where each step lies in the bar. This model's one unit reads bit 0 of
 * the position counter in the frame before (on when that frame was at an
 * odd position), and key 64 follows it, so 64 sounds in the frames after
 * odd positions: in 3/4 of one-beat steps (positions 0 1 2 0 1 2...)
 * every third frame from frame 2; in 4/4 every other one. A model that
 * did not hear the positions would play the same in both. */
static cad_model *metre_model(void)
{
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_in = c.n_out = 88 + CAD_METRE_BITS;
    snprintf(c.cell, sizeof c.cell, "rnn");
    c.n_layers = 1;
    c.hidden[0] = 1;
    c.step_beats = 1.0;
    cad_model *m;
    cad_error e;
    if (cad_model_alloc(&c, &m, &e)) {
        fprintf(stderr, "metre model: %s\n", e.msg);
        abort();
    }
    fixture_set(m, "weight_ih_l0", 0, 88, 30);
    fixture_set(m, "bias_ih_l0", 0, 0, -15);
    for (int k = 0; k < c.n_out; k++)
        fixture_set(m, "fc.bias", k, 0, -30);
    fixture_follows(m, 64, +1);
    cad_model_set_meta(m, "repr.metre", "1");
    cad_model_set_meta(m, "repr.step_beats", "1");
    return m;
}

/* The frames (of the first n) in which key 64 is struck. */
static int strikes_64(cad_composer *c, const cad_constraints *k, int n,
                      int *frames)
{
    static cad_event got[MAXEV];
    cad_composer_reset(c, 1);
    const double until[] = {(double)n};
    int ng = collect(c, k, until, 1, MAXEV, got), count = 0;
    for (int i = 0; i < ng; i++)
        if (got[i].pitch == 64 && got[i].kind == CAD_EVENT_NOTE_ON)
            frames[count++] = (int)got[i].beat;
    return count;
}

static void test_metre(void)
{
    float bits[CAD_METRE_BITS];
    cad_meter m68 = {0, 6, 8}, got;
    cad_metre_bits(2.5, 0.5, &m68, bits); /* position 5: 1 0 1 0 0 */
    CHECK(bits[0] == 1 && bits[1] == 0 && bits[2] == 1 && bits[3] == 0 &&
          bits[4] == 0 && bits[5] == 0 && bits[8] == 1);
    CHECK(cad_metre_of_bits(bits, &got) && got.numerator == 6 &&
          got.denominator == 8);
    CHECK(cad_metre_parse("3/4", &got) == 0 && got.numerator == 3);
    CHECK(cad_metre_parse("3/5", &got) == -1 && cad_metre_parse("4", &got) == -1 &&
          cad_metre_parse("4/4x", &got) == -1 && cad_metre_parse("0/4", &got) == -1);

    cad_model *m = metre_model();
    cad_repr *r = fixture_repr(m);
    cad_error e;
    cad_composer *c = cad_composer_new(m, r, &e);
    CHECKF(c && cad_composer_realtime(c), "%s", c ? "" : e.msg);
    if (!c)
        return;
    cad_constraints k;
    cad_constraints_default(&k);
    int f[64], n;
    k.metre = (cad_meter){0, 3, 4};
    n = strikes_64(c, &k, 12, f);
    CHECKF(n == 4 && f[0] == 2 && f[1] == 5 && f[2] == 8 && f[3] == 11,
           "3/4: %d strikes, first at %d", n, n ? f[0] : -1);
    /* a bar line at beat 1: positions 2 0 1 2 0 1..., struck after 1 */
    k.metre.beat = 1;
    n = strikes_64(c, &k, 12, f);
    CHECKF(n == 3 && f[0] == 3 && f[1] == 6 && f[2] == 9,
           "3/4 from beat 1: %d strikes, first at %d", n, n ? f[0] : -1);
    /* 4/4: positions 0 1 2 3 0...: after 1 and 3, so every other frame */
    k.metre = (cad_meter){0, 4, 4};
    n = strikes_64(c, &k, 12, f);
    CHECKF(n == 5 && f[0] == 2 && f[4] == 10, "4/4: %d strikes, first at %d",
           n, n ? f[0] : -1);
    cad_composer_free(c);
    cad_repr_free(r);
    cad_model_free(m);
}

int main(void)
{
    test_events();
    test_onsets();
    test_score();
    test_step_rule();
    test_listen();
    test_key();
    test_max_hold();
    test_metre();
    TEST_MAIN_END();
}
