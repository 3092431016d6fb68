/* Piano rolls: the JSB benchmark's exact piece and frame counts, roll ->
 * MIDI -> roll round trips, the beat and seconds grids, drums, octave
 * folding, transposition, folders, and malformed JSON. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cad_midi.h"
#include "cad_rng.h"
#include "cad_roll.h"
#include "cad_test.h"

static char tmpdir[] = "/tmp/cad_test_roll_XXXXXX";

static int rolls_equal(const cad_roll *a, const cad_roll *b)
{
    return a->n_frames == b->n_frames &&
           memcmp(a->on, b->on, (size_t)a->n_frames * CAD_ROLL_KEYS) == 0;
}

static int on(const cad_roll *r, int t, int midi)
{
    return r->on[(size_t)t * CAD_ROLL_KEYS + midi - CAD_ROLL_LOW];
}

static int count_on(const cad_roll *r)
{
    int n = 0;
    for (size_t i = 0; i < (size_t)r->n_frames * CAD_ROLL_KEYS; i++)
        n += r->on[i];
    return n;
}

/* ---- JSON ---- */

static void test_jsb(const char *data_dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/pianoroll/jsb-chorales.json", data_dir);
    cad_roll_set s = {0};
    cad_error e;
    int rc = cad_roll_load_json(path, "train", &s, &e);
    CHECKF(rc == 0, "%s", e.msg);
    CHECK(s.n == 229);
    CHECK(cad_roll_set_total_frames(&s) == 13807);
    if (s.n > 0) {
        /* The first chord of the first chorale: 60 72 79 88. */
        const cad_roll *r = &s.pieces[0];
        CHECK(count_on(r) > 0);
        int first = 0;
        for (int k = 0; k < CAD_ROLL_KEYS; k++)
            first += r->on[k];
        CHECK(first == 4 && on(r, 0, 60) && on(r, 0, 72) && on(r, 0, 79) &&
              on(r, 0, 88));
    }
    cad_roll_set_free(&s);
    CHECK(s.n == 0 && s.pieces == NULL);
    rc = cad_roll_load_json(path, "valid", &s, &e);
    CHECKF(rc == 0, "%s", e.msg);
    CHECK(s.n == 76);
    CHECK(cad_roll_set_total_frames(&s) == 4602);
    cad_roll_set_free(&s);
    /* The test split is held back: the message lists what is there. */
    CHECK(cad_roll_load_json(path, "test", &s, &e) == -1);
    CHECK(strstr(e.msg, "\"train\", \"valid\"") && strstr(e.msg, "test") &&
          strstr(e.msg, "jsb-chorales.json"));
    CHECK(s.n == 0);
    CHECK(cad_roll_load_json("/nonexistent/x.json", "train", &s, &e) == -1);
}

static void test_bad_json(void)
{
    struct {
        const char *text, *want;
    } cases[] = {
        {"", "empty"},
        {"{", "invalid JSON"},
        {"[[[60]]]", "not an object"},
        {"{\"valid\": [[[60]]]}", "keys: \"valid\""},
        {"{}", "keys: none"},
        {"{\"train\": 5}", "not a list of pieces"},
        {"{\"train\": []}", "no pieces"},
        {"{\"train\": [5]}", "not a list of frames"},
        {"{\"train\": [[]]}", "no frames"},
        {"{\"train\": [[60]]}", "not a list of pitches"},
        {"{\"train\": [[[20]]]}", "pitch 20"},
        {"{\"train\": [[[109]]]}", "pitch 109"},
        {"{\"train\": [[[60.5]]]}", "pitch 60.5"},
        {"{\"train\": [[[1e300]]]}", "not an integer"},
        {"{\"train\": [[[-1e300]]]}", "not an integer"},
        {"{\"train\": [[[\"60\"]]]}", "not a number"},
        {"{\"train\": [[[60]], [[61], [null]]]}", "piece 1 frame 1"},
        {"{\"train\": [[[60]]]} trailing", "invalid JSON"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
        cad_roll_set s = {0};
        cad_error e = {{0}};
        int rc = cad_roll_parse_json(cases[i].text, strlen(cases[i].text),
                                     "train", &s, &e);
        CHECKF(rc == -1, "accepted %s", cases[i].text);
        CHECKF(strstr(e.msg, cases[i].want) != NULL,
               "%s: message \"%s\" lacks \"%s\"", cases[i].text, e.msg,
               cases[i].want);
        CHECK(s.n == 0 && s.pieces == NULL);
    }
    /* A NUL inside the text, and text not NUL-terminated at len. */
    cad_roll_set s = {0};
    cad_error e;
    CHECK(cad_roll_parse_json("{\"train\": [[[60]]]}\0", 20, "train", &s,
                              &e) == -1);
    const char *t = "{\"train\": [[[60, 60, 108], [], [21]]]}xyz";
    CHECK(cad_roll_parse_json(t, strlen(t) - 3, "train", &s, &e) == 0);
    CHECK(s.n == 1 && s.pieces[0].n_frames == 3 && count_on(&s.pieces[0]) == 3);
    CHECK(s.n == 1 && on(&s.pieces[0], 0, 108) && on(&s.pieces[0], 2, 21));
    cad_roll_set_free(&s);
}

/* ---- roll -> MIDI -> roll ---- */

/* 1,500 levels of nesting: cJSON gives up at 1,000 with a bare syntax
 * error; the message says what is wrong (issue 10, item 7). */
static void test_deep_json(void)
{
    enum { DEPTH = 1500 };
    char *t = malloc(2 * DEPTH + 16);
    size_t n = (size_t)sprintf(t, "{\"train\":");
    for (int i = 0; i < DEPTH; i++)
        t[n++] = '[';
    for (int i = 0; i < DEPTH; i++)
        t[n++] = ']';
    t[n++] = '}';
    cad_roll_set s;
    cad_error e = {{0}};
    CHECK(cad_roll_parse_json(t, n, "train", &s, &e) == -1);
    CHECKF(strstr(e.msg, "nested too deeply") != NULL, "%s", e.msg);
    free(t);
}

static void random_roll(cad_roll *r, int n, uint64_t seed)
{
    cad_error e;
    CHECK(cad_roll_init(r, n, &e) == 0);
    cad_rng g;
    cad_rng_seed(&g, seed);
    /* Runs of on-frames so held notes, re-attacks and gaps all occur. */
    for (int k = 0; k < CAD_ROLL_KEYS; k++) {
        int state = 0;
        for (int t = 0; t < n; t++) {
            if (cad_rng_uniform(&g) < (state ? 0.3f : 0.05f))
                state = !state;
            r->on[(size_t)t * CAD_ROLL_KEYS + k] = (uint8_t)state;
        }
    }
}

static void test_round_trip(void)
{
    cad_roll r, back;
    cad_error e;
    random_roll(&r, 200, 7);
    r.on[199 * CAD_ROLL_KEYS + 87] = 1; /* sounding in the last frame */
    r.on[0] = 1;                        /* and in the first */
    char path[256];
    snprintf(path, sizeof path, "%s/rt.mid", tmpdir);

    cad_roll_midi_opts mo;
    cad_roll_midi_opts_default(&mo);
    mo.step_beats = 1.0;
    mo.program = 19;
    mo.channel = 3;
    mo.velocity = 77;
    mo.bpm = 90;
    CHECK(cad_roll_write_midi(&r, &mo, path, &e) == 0);
    cad_roll_opts o;
    cad_roll_opts_default(&o);
    o.step_beats = 1.0;
    int rc = cad_roll_from_midi_file(path, &o, &back, &e);
    CHECKF(rc == 0, "%s", e.msg);
    CHECK(rc == 0 && rolls_equal(&r, &back));
    if (rc == 0)
        cad_roll_free(&back);

    /* The file itself: format 0, 90 bpm, 4/4, program 19 on channel 3,
     * one held note per run of on-frames, all at velocity 77. */
    cad_midi_file f;
    CHECK(cad_midi_read(path, &f, &e) == 0);
    CHECK(f.format == 0 && f.n_tracks == 1);
    int tempo = 0, ts = 0, prog = 0, bad_vel = 0;
    for (int i = 0; i < (f.n_tracks ? f.tracks[0].n_events : 0); i++) {
        const cad_midi_event *ev = &f.tracks[0].events[i];
        tempo += ev->type == CAD_MIDI_TEMPO && ev->value == 666667;
        ts += ev->type == CAD_MIDI_TIME_SIG && ev->a == 4 && ev->b == 2;
        prog += ev->type == CAD_MIDI_PROGRAM && ev->a == 19 &&
                ev->channel == 3;
        bad_vel += ev->type == CAD_MIDI_NOTE_ON &&
                   (ev->b != 77 || ev->channel != 3);
    }
    CHECK(tempo == 1 && ts == 1 && prog == 1 && bad_vel == 0);
    int runs = 0;
    for (int k = 0; k < CAD_ROLL_KEYS; k++)
        for (int t = 0; t < r.n_frames; t++)
            runs += r.on[(size_t)t * CAD_ROLL_KEYS + k] &&
                    (t == 0 || !r.on[(size_t)(t - 1) * CAD_ROLL_KEYS + k]);
    cad_midi_note *notes;
    int n;
    CHECK(cad_midi_notes(&f, &notes, &n, &e) == 0);
    CHECKF(n == runs, "%d notes for %d runs", n, runs);
    free(notes);
    cad_midi_free(&f);

    /* Sixteenth grid on both sides (the defaults). */
    cad_roll_midi_opts_default(&mo);
    cad_roll_opts_default(&o);
    CHECK(cad_roll_write_midi(&r, &mo, path, &e) == 0);
    CHECK(cad_roll_from_midi_file(path, &o, &back, &e) == 0);
    CHECK(rolls_equal(&r, &back));
    cad_roll_free(&back);
    /* Written on sixteenths, read on eighths: a run [a, b) of frames
     * becomes [round(a/2), round(b/2)), at least one frame long. */
    o.step_beats = 0.5;
    CHECK(cad_roll_from_midi_file(path, &o, &back, &e) == 0);
    int want_frames = 0, mismatches = 0;
    for (int k = 0; k < CAD_ROLL_KEYS; k++)
        for (int t = 0; t < r.n_frames; t++) {
            if (!r.on[(size_t)t * CAD_ROLL_KEYS + k] ||
                (t > 0 && r.on[(size_t)(t - 1) * CAD_ROLL_KEYS + k]))
                continue;
            int end = t;
            while (end < r.n_frames && r.on[(size_t)end * CAD_ROLL_KEYS + k])
                end++;
            int a = (int)floor(t / 2.0 + 0.5), b = (int)floor(end / 2.0 + 0.5);
            if (b <= a)
                b = a + 1;
            if (b > want_frames)
                want_frames = b;
            for (int u = a; u < b && u < back.n_frames; u++)
                mismatches += !back.on[(size_t)u * CAD_ROLL_KEYS + k];
        }
    CHECKF(back.n_frames == want_frames, "%d frames, want %d", back.n_frames,
           want_frames);
    CHECK(mismatches == 0);
    cad_roll_free(&back);

    /* Bad options are refused before anything is written. */
    mo.velocity = 0;
    CHECK(cad_roll_write_midi(&r, &mo, path, &e) == -1);
    cad_roll_midi_opts_default(&mo);
    mo.bpm = NAN;
    CHECK(cad_roll_write_midi(&r, &mo, path, &e) == -1);
    unlink(path);
    cad_roll_free(&r);
}

/* ---- MIDI -> roll ---- */

/* A format 1 file at 480 ticks per quarter: track 0 holds the tempo map
 * and key signature, track 1 the notes. */
static void make_file(cad_midi_file *f, int sharps)
{
    cad_error e;
    CHECK(cad_midi_init(f, 1, 480, &e) == 0);
    cad_midi_add_track(f, "tempo", &e);
    cad_midi_add_track(f, "notes", &e);
    cad_midi_event m[] = {
        {.tick = 0, .type = CAD_MIDI_TEMPO, .value = 500000},    /* 120 */
        {.tick = 0, .type = CAD_MIDI_KEY_SIG, .a = (uint8_t)sharps},
        {.tick = 1920, .type = CAD_MIDI_TEMPO, .value = 1000000}, /* 60 */
    };
    for (int i = 0; i < 3; i++)
        cad_midi_push(f, 0, &m[i], &e);
}

static void note(cad_midi_file *f, uint32_t a, uint32_t b, int key, int ch)
{
    cad_error e;
    cad_midi_event on = {.tick = a, .type = CAD_MIDI_NOTE_ON,
                         .channel = (uint8_t)ch, .a = (uint8_t)key, .b = 90};
    cad_midi_event off = on;
    off.tick = b;
    off.type = CAD_MIDI_NOTE_OFF;
    CHECK(cad_midi_push(f, 1, &on, &e) == 0);
    CHECK(cad_midi_push(f, 1, &off, &e) == 0);
}

static int to_roll(cad_midi_file *f, const cad_roll_opts *o,
                   cad_roll *r, cad_error *e)
{
    /* note() appends on/off pairs: put track 1 in time order (stable). */
    cad_midi_track *t = &f->tracks[1];
    for (int i = 1; i < t->n_events; i++)
        for (int j = i; j > 0 && t->events[j - 1].tick > t->events[j].tick;
             j--) {
            cad_midi_event x = t->events[j];
            t->events[j] = t->events[j - 1];
            t->events[j - 1] = x;
        }
    uint8_t *bytes;
    size_t len;
    if (cad_midi_encode(f, &bytes, &len, e))
        return -1;
    int rc = cad_roll_from_midi_bytes(bytes, len, o, r, e);
    free(bytes);
    return rc;
}

static void test_grids(void)
{
    cad_midi_file f;
    cad_roll r;
    cad_error e;
    make_file(&f, 0);
    note(&f, 0, 480, 60, 0);      /* beat 0-1: 0.0-0.5 s */
    note(&f, 1920, 2400, 64, 0);  /* beat 4-5: 2.0-3.0 s (60 bpm) */
    note(&f, 2520, 2530, 67, 0);  /* a 10-tick blip at beat 5.25 */

    cad_roll_opts o;
    cad_roll_opts_default(&o); /* sixteenths */
    CHECK(to_roll(&f, &o, &r, &e) == 0);
    CHECK(r.n_frames == 22);
    CHECK(on(&r, 0, 60) && on(&r, 3, 60) && !on(&r, 4, 60));
    CHECK(on(&r, 16, 64) && on(&r, 19, 64) && !on(&r, 20, 64));
    /* round(5.25 * 4) = 21 to round(5.27 * 4) = 21: at least one frame. */
    CHECK(on(&r, 21, 67) && count_on(&r) == 9);
    cad_roll_free(&r);

    o.step_seconds = 0.5;
    CHECK(to_roll(&f, &o, &r, &e) == 0);
    /* 60 at [0, 1); 64 at [4, 6); 67 at 3.25 s -> frame round(6.5) = 7. */
    CHECK(r.n_frames == 8);
    CHECK(on(&r, 0, 60) && on(&r, 4, 64) && on(&r, 5, 64) && on(&r, 7, 67));
    CHECK(count_on(&r) == 4);
    cad_roll_free(&r);

    o.step_seconds = 0.3; /* seed 001's grid */
    CHECK(to_roll(&f, &o, &r, &e) == 0);
    /* 60: 0..round(1.67) = 2; 64: round(6.67) = 7..10; 67: round(10.83) = 11 */
    CHECK(r.n_frames == 12);
    CHECK(on(&r, 0, 60) && on(&r, 1, 60) && !on(&r, 2, 60));
    CHECK(!on(&r, 6, 64) && on(&r, 7, 64) && on(&r, 9, 64) && !on(&r, 10, 64));
    CHECK(on(&r, 11, 67) && count_on(&r) == 6);
    cad_roll_free(&r);
    cad_midi_free(&f);

    o.step_seconds = -1;
    o.step_beats = 0;
    make_file(&f, 0);
    note(&f, 0, 480, 60, 0);
    CHECK(to_roll(&f, &o, &r, &e) == -1);
    cad_midi_free(&f);
}

static void test_drums_fold_transpose(void)
{
    cad_midi_file f;
    cad_roll r;
    cad_error e;
    cad_roll_opts o;
    cad_roll_opts_default(&o);
    o.step_beats = 1.0;

    make_file(&f, 2); /* D major */
    note(&f, 0, 480, 62, 0);      /* D4 */
    note(&f, 0, 480, 36, 9);      /* kick drum, channel 10 */
    note(&f, 480, 960, 10, 1);    /* below A0: folds up to 22 */
    note(&f, 480, 960, 127, 15);  /* above C8: folds down to 103 */
    if (to_roll(&f, &o, &r, &e) != 0) {
        CHECKF(0, "%s", e.msg);
        return;
    }
    CHECK(r.n_frames == 2 && on(&r, 0, 62) && !on(&r, 0, 36));
    CHECK(on(&r, 1, 22) && on(&r, 1, 103) && count_on(&r) == 3);
    cad_roll_free(&r);

    o.include_drums = 1;
    CHECK(to_roll(&f, &o, &r, &e) == 0);
    CHECK(on(&r, 0, 36) && count_on(&r) == 4);
    cad_roll_free(&r);

    o.include_drums = 0;
    o.transpose_to_c = 1; /* D major down 2 to C: 62 -> 60, 22 -> 20 -> 32 */
    CHECK(to_roll(&f, &o, &r, &e) == 0);
    CHECK(on(&r, 0, 60) && on(&r, 1, 32) && on(&r, 1, 101) &&
          count_on(&r) == 3);
    cad_roll_free(&r);
    cad_midi_free(&f);

    /* Key signatures -> shift: F (-1) -5, B (5) +1, C minor (-3) -3 to A
     * minor, F# (6) +6. */
    int sigs[][2] = {{-1, 55}, {5, 61}, {-3, 57}, {6, 66}};
    for (int i = 0; i < 4; i++) {
        make_file(&f, sigs[i][0]);
        note(&f, 0, 480, 60, 0);
        CHECK(to_roll(&f, &o, &r, &e) == 0);
        CHECKF(on(&r, 0, sigs[i][1]), "key signature %d", sigs[i][0]);
        cad_roll_free(&r);
        cad_midi_free(&f);
    }

    /* Only drums: no notes left, a clear error. */
    make_file(&f, 0);
    note(&f, 0, 480, 38, 9);
    CHECK(to_roll(&f, &o, &r, &e) == -1 && strstr(e.msg, "no notes"));
    cad_midi_free(&f);
    /* Far too long for a roll: refused, not allocated. */
    make_file(&f, 0);
    f.ppq = 1; /* 2^27 quarter notes */
    note(&f, 1u << 27, (1u << 27) + 1, 60, 0);
    CHECK(to_roll(&f, &o, &r, &e) == -1 && strstr(e.msg, "frames"));
    cad_midi_free(&f);
}

static void test_load_dir(void)
{
    const char *names[] = {"b.mid", "a.mid", "c.MIDI"};
    int frames[] = {5, 3, 9}; /* sorted: a 3, b 5, c 9 */
    cad_error e;
    for (int i = 0; i < 3; i++) {
        cad_roll r;
        CHECK(cad_roll_init(&r, frames[i], &e) == 0);
        r.on[(size_t)(frames[i] - 1) * CAD_ROLL_KEYS + 40] = 1;
        char path[256];
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        CHECK(cad_roll_write_midi(&r, NULL, path, &e) == 0);
        cad_roll_free(&r);
    }
    char junk[256], txt[256];
    snprintf(junk, sizeof junk, "%s/junk.mid", tmpdir);
    snprintf(txt, sizeof txt, "%s/notes.txt", tmpdir);
    FILE *fp = fopen(junk, "wb");
    fputs("MThd garbage", fp);
    fclose(fp);
    fp = fopen(txt, "wb");
    fputs("not midi", fp);
    fclose(fp);

    cad_roll_set s = {0};
    fprintf(stderr, "(a 'skipping .../junk.mid' message is expected)\n");
    CHECK(cad_roll_load_dir(tmpdir, NULL, &s, &e) == 0);
    CHECK(s.n == 3);
    const int want[] = {3, 5, 9};
    for (int i = 0; i < s.n && i < 3; i++)
        CHECK(s.pieces[i].n_frames == want[i]);
    cad_roll_set_free(&s);
    for (int i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    CHECK(cad_roll_load_dir(tmpdir, NULL, &s, &e) == -1 &&
          strstr(e.msg, "no readable"));
    unlink(junk);
    unlink(txt);
    CHECK(cad_roll_load_dir("/nonexistent-dir", NULL, &s, &e) == -1);
}

static void test_basics(void)
{
    cad_roll r;
    cad_error e;
    CHECK(cad_roll_init(&r, -1, &e) == -1);
    CHECK(cad_roll_init(&r, CAD_ROLL_MAX_FRAMES + 1, &e) == -1);
    cad_roll_set s = {0};
    for (int i = 1; i <= 5; i++) {
        CHECK(cad_roll_init(&r, i * 10, &e) == 0);
        CHECK(cad_roll_set_push(&s, &r, &e) == 0);
        CHECK(r.on == NULL && r.n_frames == 0);
    }
    CHECK(s.n == 5 && cad_roll_set_total_frames(&s) == 150);
    cad_roll_set_free(&s);
}

int main(void)
{
    const char *data_dir = cad_test_data_dir();
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_basics();
    test_jsb(data_dir);
    test_bad_json();
    test_deep_json();
    test_round_trip();
    test_grids();
    test_drums_fold_transpose();
    test_load_dir();
    rmdir(tmpdir);
    TEST_MAIN_END();
}
