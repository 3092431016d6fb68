/* Scores (model/music/cad_score.c): MIDI -> score -> MIDI -> score keeps
 * every note, tempo, metre and key; a note struck again the moment it
 * ends stays two notes; beats and seconds convert both ways through a
 * tempo map with changes; positions in the bar follow metre changes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_score.h"
#include "cad_test.h"

static char tmpdir[] = "/tmp/cad-test-score-XXXXXX";

static int same_notes(const cad_score *a, const cad_score *b, double tol)
{
    if (a->n_notes != b->n_notes)
        return 0;
    for (int i = 0; i < a->n_notes; i++) {
        const cad_note *x = &a->notes[i], *y = &b->notes[i];
        if (fabs(x->onset - y->onset) > tol ||
            fabs(x->duration - y->duration) > 2 * tol ||
            x->pitch != y->pitch || x->velocity != y->velocity ||
            x->part != y->part)
            return 0;
    }
    return 1;
}

static void test_hand_made(void)
{
    cad_error e;
    cad_score s, r;
    CHECK(cad_score_init(&s, &e) == 0);
    cad_tempo t[] = {{0, 90}, {6, 140}};
    cad_meter m[] = {{0, 6, 8}, {6, 3, 4}};
    CHECK(cad_score_set_tempo(&s, t, 2, &e) == 0);
    CHECK(cad_score_set_meter(&s, m, 2, &e) == 0);
    s.has_key = 1, s.key_sharps = 2, s.key_minor = 0, s.program = 40;
    /* a melody with a re-struck D (ends at 1.0, struck again at 1.0),
     * a second part, and a note of a 480th of a beat */
    cad_note notes[] = {
        {0.0, 1.0, 62, 80, 0}, {1.0, 0.5, 62, 96, 0}, {1.5, 1.5, 66, 70, 0},
        {0.0, 3.0, 50, 60, 1}, {3.0, 1.0 / 480, 69, 100, 0},
        {6.5, 2.25, 57, 64, 1},
    };
    for (size_t i = 0; i < sizeof notes / sizeof *notes; i++)
        CHECK(cad_score_push(&s, &notes[i], &e) == 0);
    cad_score_sort(&s);
    char path[64];
    snprintf(path, sizeof path, "%s/hand.mid", tmpdir);
    CHECK(cad_score_write(&s, path, &e) == 0);
    CHECK(cad_score_read(path, NULL, &r, &e) == 0);
    CHECKF(same_notes(&s, &r, 1e-9), "hand-made notes changed (%d -> %d)",
           s.n_notes, r.n_notes);
    CHECK(r.n_tempo == 2 && fabs(r.tempo[1].beat - 6) < 1e-9 &&
          fabs(r.tempo[0].bpm - 90) < 1e-3 && fabs(r.tempo[1].bpm - 140) < 1e-3);
    CHECK(r.n_meter == 2 && r.meter[0].numerator == 6 &&
          r.meter[0].denominator == 8 && r.meter[1].numerator == 3 &&
          r.meter[1].beat == 6);
    CHECK(r.has_key && r.key_sharps == 2 && r.key_minor == 0);
    CHECK(r.program == 40);

    /* seconds: 6 beats at 90 bpm = 4 s, then 140 bpm */
    CHECK(fabs(cad_score_seconds(&r, 6) - 4.0) < 1e-5); /* bpm through whole microseconds */
    CHECK(fabs(cad_score_seconds(&r, 13) - (4.0 + 7 * 60.0 / 140)) < 1e-5);
    for (double b = 0; b < 20; b += 0.37)
        CHECKF(fabs(cad_score_beat_at(&r, cad_score_seconds(&r, b)) - b) < 1e-9,
               "beat %g does not come back from seconds", b);
    /* bars: 6/8 is 3 quarter notes a bar until beat 6, then 3/4 */
    double pos;
    CHECK(cad_score_meter_at(&r, 4.5, &pos)->numerator == 6 && fabs(pos - 1.5) < 1e-9);
    CHECK(cad_score_meter_at(&r, 7.0, &pos)->numerator == 3 && fabs(pos - 1.0) < 1e-9);
    CHECK(fabs(cad_score_length(&r) - 8.75) < 1e-9);
    cad_score_free(&r);

    /* bad notes and maps are refused with a message */
    cad_note bad = {-1, 1, 60, 64, 0};
    CHECK(cad_score_push(&s, &bad, &e) != 0);
    bad = (cad_note){0, 0, 60, 64, 0};
    CHECK(cad_score_push(&s, &bad, &e) != 0);
    bad = (cad_note){0, NAN, 60, 64, 0};
    CHECK(cad_score_push(&s, &bad, &e) != 0);
    cad_tempo bt[] = {{1, 120}};
    CHECK(cad_score_set_tempo(&s, bt, 1, &e) != 0);
    cad_meter bm[] = {{0, 5, 6}};
    CHECK(cad_score_set_meter(&s, bm, 1, &e) != 0);
    cad_score_free(&s);
}

/* Real tunes: two round trips must agree exactly (the first one rounds
 * to our 480 ticks a beat, from the data's 1024). */
static void test_real_files(void)
{
    const char *data = cad_test_data_dir();
    if (!data)
        return;
    const char *names[] = {"ashover1.mid", "jigs10.mid", "waltzes50.mid",
                           "reelsa-c12.mid"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char in[512], a[64], b[64];
        snprintf(in, sizeof in, "%s/midi/nottingham/%s", data, names[i]);
        snprintf(a, sizeof a, "%s/a.mid", tmpdir);
        snprintf(b, sizeof b, "%s/b.mid", tmpdir);
        cad_error e;
        cad_score s0, s1, s2;
        if (cad_score_read(in, NULL, &s0, &e)) {
            CHECKF(0, "%s", e.msg);
            continue;
        }
        CHECK(cad_score_write(&s0, a, &e) == 0 && cad_score_read(a, NULL, &s1, &e) == 0);
        CHECKF(same_notes(&s0, &s1, 0.5 / 480 + 1e-9),
               "%s: notes changed on the way through (%d -> %d)", names[i],
               s0.n_notes, s1.n_notes);
        CHECK(cad_score_write(&s1, b, &e) == 0 && cad_score_read(b, NULL, &s2, &e) == 0);
        CHECKF(same_notes(&s1, &s2, 0), "%s: second round trip not exact",
               names[i]);
        CHECK(s0.n_meter == s2.n_meter && s0.meter[0].numerator == s2.meter[0].numerator);
        CHECKF(s0.n_notes > 50, "%s: only %d notes", names[i], s0.n_notes);
        cad_score_free(&s0);
        cad_score_free(&s1);
        cad_score_free(&s2);
    }
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 1;
    test_hand_made();
    test_real_files();
    if (getenv("CAD_KEEP_TMP")) TEST_MAIN_END();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        return 1;
    TEST_MAIN_END();
}
