/* Music statistics on hand-made pieces whose answers are known: an exact
 * repeat, a drone, downbeat-only and even onsets, a shuffled-frames
 * control, chords on and off the bar line, parallel fifths and octaves in
 * known places, endings, out-of-key notes, silence, polyphony, note
 * lengths and one-frame gaps; and the Krumhansl-Schmuckler key estimate. */
#include <math.h>
#include <string.h>

#include "cad_key.h"
#include "cad_rng.h"
#include "cad_stats.h"
#include "cad_test.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void set(cad_roll *r, int t, int midi)
{
    r->on[(size_t)t * CAD_ROLL_KEYS + midi - CAD_ROLL_LOW] = 1;
}

/* Keys midi[0..n) sounding from frame t0 for len frames. */
static void hold(cad_roll *r, int t0, int len, const int *midi, int n)
{
    for (int t = t0; t < t0 + len; t++)
        for (int i = 0; i < n; i++)
            set(r, t, midi[i]);
}

static cad_roll make(int n_frames)
{
    cad_roll r;
    cad_error e;
    if (cad_roll_init(&r, n_frames, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
    return r;
}

static double stat_of(const cad_roll *r, int bar, cad_stat_id id)
{
    cad_stats s;
    cad_error e;
    cad_stats_init(&s);
    if (cad_stats_add(&s, r, bar, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return NAN;
    }
    return cad_stats_value(&s, id);
}

static void test_key(void)
{
    /* The profiles themselves, rotated, are found with r = 1. */
    double g_major[12], e_minor[12];
    const double maj[12] = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09,
                            2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
    const double min[12] = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53,
                            2.54, 4.75, 3.98, 2.69, 3.34, 3.17};
    for (int pc = 0; pc < 12; pc++) {
        g_major[pc] = maj[(pc - 7 + 12) % 12];
        e_minor[pc] = min[(pc - 4 + 12) % 12];
    }
    cad_key k;
    CHECK(cad_key_estimate(g_major, &k) == 0 && k.tonic == 7 && !k.minor &&
          fabs(k.r - 1) < 1e-9);
    CHECK(!strcmp(cad_key_name(&k), "G major"));
    CHECK(cad_key_estimate(e_minor, &k) == 0 && k.tonic == 4 && k.minor &&
          fabs(k.r - 1) < 1e-9);
    /* A C major arpeggio held, with passing scale notes. */
    double c[12] = {8, 0, 2, 0, 6, 2, 0, 6, 0, 2, 0, 1};
    CHECK(cad_key_estimate(c, &k) == 0 && k.tonic == 0 && !k.minor);
    double flat[12] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, zero[12] = {0};
    CHECK(cad_key_estimate(flat, &k) == -1);
    CHECK(cad_key_estimate(zero, &k) == -1);
    cad_key cmaj = {0, 0, 1}, amin = {9, 1, 1};
    CHECK(cad_key_in_scale(&cmaj, 0) && cad_key_in_scale(&cmaj, 11) &&
          !cad_key_in_scale(&cmaj, 6) && !cad_key_in_scale(&cmaj, 10));
    /* A minor: G natural and G# (leading tone) in, C# and F# out. */
    CHECK(cad_key_in_scale(&amin, 7) && cad_key_in_scale(&amin, 8) &&
          !cad_key_in_scale(&amin, 1) && !cad_key_in_scale(&amin, 6));
}

/* Eight 4-frame bars P0 P1 P2 P3 P0 P1 P2 P3, each bar its own note. Of
 * the seven 2-bar windows the last three repeat the first three; of the
 * five 4-bar windows the last repeats the first. */
static void test_repeats(void)
{
    cad_roll r = make(32);
    for (int b = 0; b < 8; b++) {
        int key = 60 + 2 * (b % 4);
        hold(&r, b * 4, 3, &key, 1);
    }
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_REPEAT2), 3.0 / 7));
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_REPEAT4), 1.0 / 5));
    /* Read with 8-frame bars the piece is two equal 4-bar halves... of
     * 2-bar windows: 3 windows, the third repeats the first. */
    CHECK(NEAR(stat_of(&r, 8, CAD_STAT_REPEAT2), 1.0 / 3));
    /* Change one frame of the second half: nothing repeats any more. */
    set(&r, 17, 90);
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_REPEAT4), 0.0));
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_REPEAT2), 2.0 / 7));
    cad_roll_free(&r);

    /* A drone: one chord held for 8 bars is struck once; the 2-bar windows
     * after the first hold no onset and do not count as repeats. */
    cad_roll d = make(32);
    const int triad[3] = {60, 64, 67};
    hold(&d, 0, 32, triad, 3);
    CHECK(NEAR(stat_of(&d, 4, CAD_STAT_REPEAT2), 0.0));
    cad_roll_free(&d);
    /* Silence: no window counts, the rate is undefined. */
    cad_roll z = make(32);
    CHECK(isnan(stat_of(&z, 4, CAD_STAT_REPEAT2)));
    CHECK(isnan(stat_of(&z, 4, CAD_STAT_METRE)));
    cad_roll_free(&z);

    /* 200000 one-frame bars of two random keys: the windows are nearly all
     * distinct, which a comparison with every earlier window would take
     * minutes over (and time the test out). */
    cad_roll big = make(200000);
    cad_rng rng;
    cad_rng_seed(&rng, 3);
    for (int t = 0; t < big.n_frames; t++) {
        set(&big, t, 21 + (int)cad_rng_below(&rng, 88));
        set(&big, t, 21 + (int)cad_rng_below(&rng, 88));
    }
    double rep = stat_of(&big, 1, CAD_STAT_REPEAT2);
    CHECKF(rep >= 0 && rep < 0.05, "random 2-frame windows repeat: %g", rep);
    cad_roll_free(&big);
}

/* 64 bars of 8 frames: a bass note struck on every downbeat and held, a
 * melody of quarter notes (two frames each) that starts on positions 0, 2,
 * 4, 6. Onsets per position: 128, 0, 64, 0, 64, 0, 64, 0: mean 40,
 * standard deviation sqrt(1984), CV 1.1136. */
static void test_metre(void)
{
    cad_roll r = make(512);
    cad_rng rng;
    cad_rng_seed(&rng, 7);
    int last = -1;
    for (int b = 0; b < 64; b++) {
        int bass = 36 + (b % 2) * 5;
        hold(&r, b * 8, 8, &bass, 1);
        for (int q = 0; q < 4; q++) {
            int key;
            do
                key = 60 + (int)cad_rng_below(&rng, 12);
            while (key == last);
            last = key;
            hold(&r, b * 8 + q * 2, 2, &key, 1);
        }
    }
    double metre = stat_of(&r, 8, CAD_STAT_METRE);
    CHECKF(fabs(metre - sqrt(1984.0) / 40) < 1e-9, "metre %g", metre);
    /* Shuffled frames (Fisher-Yates): the metre goes, leaving noise. */
    cad_roll sh = make(512);
    memcpy(sh.on, r.on, (size_t)512 * CAD_ROLL_KEYS);
    for (int i = 511; i > 0; i--) {
        int j = (int)cad_rng_below(&rng, (uint32_t)i + 1);
        uint8_t tmp[CAD_ROLL_KEYS];
        memcpy(tmp, sh.on + (size_t)i * CAD_ROLL_KEYS, CAD_ROLL_KEYS);
        memcpy(sh.on + (size_t)i * CAD_ROLL_KEYS,
               sh.on + (size_t)j * CAD_ROLL_KEYS, CAD_ROLL_KEYS);
        memcpy(sh.on + (size_t)j * CAD_ROLL_KEYS, tmp, CAD_ROLL_KEYS);
    }
    double shuffled = stat_of(&sh, 8, CAD_STAT_METRE);
    printf("metre: ordered %.3f, shuffled frames %.3f\n", metre, shuffled);
    CHECKF(shuffled < 0.25, "shuffled frames: metre %g", shuffled);
    cad_roll_free(&sh);
    cad_roll_free(&r);

    /* Onsets only on downbeats: CV = sqrt(bar - 1); one note struck on
     * every frame position equally often: 0. */
    cad_roll d = make(64);
    for (int b = 0; b < 8; b++) {
        int key = 60 + b;
        hold(&d, b * 8, 4, &key, 1);
    }
    CHECK(NEAR(stat_of(&d, 8, CAD_STAT_METRE), sqrt(7.0)));
    cad_roll ev = make(64);
    for (int t = 0; t < 64; t++)
        set(&ev, t, 60 + t % 2);
    CHECK(NEAR(stat_of(&ev, 8, CAD_STAT_METRE), 0.0));
    cad_roll_free(&d);
    cad_roll_free(&ev);
}

/* C and F triads under a melody note that moves every frame (the melody
 * is not the chord). */
static void test_chords(void)
{
    const int c[3] = {48, 52, 55}, f[3] = {53, 57, 60};
    /* One chord a bar, 8 bars: 7 changes, all on the same position. */
    cad_roll r = make(32);
    for (int b = 0; b < 8; b++)
        hold(&r, b * 4, 4, b % 2 ? f : c, 3);
    for (int t = 0; t < 32; t++)
        set(&r, t, 72 + t % 3);
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_CHORDS_PER_BAR), 7.0 / 8));
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_CHORDS_ON_BAR), 1.0));
    cad_roll_free(&r);
    /* A chord every 3 frames in 4-frame bars: changes at frames 3, 6, ...
     * 30, on positions 3 2 1 0 3 2 1 0 3 2: at most 3 of 10 on any. */
    cad_roll s = make(32);
    for (int i = 0; i * 3 < 32; i++)
        hold(&s, i * 3, i * 3 + 3 <= 32 ? 3 : 32 - i * 3, i % 2 ? f : c, 3);
    for (int t = 0; t < 32; t++)
        set(&s, t, 72 + t % 3);
    CHECK(NEAR(stat_of(&s, 4, CAD_STAT_CHORDS_PER_BAR), 10.0 / 8));
    CHECK(NEAR(stat_of(&s, 4, CAD_STAT_CHORDS_ON_BAR), 3.0 / 10));
    cad_roll_free(&s);
}

/* Four voices: C3 G3 E4 C5 -> D3 A3 F4 D5, all up a step: bass-tenor
 * move in parallel fifths, bass-soprano in parallel octaves (double);
 * the other four moving pairs are a 6th, 3rd, 4th, 6th. Then
 * D3 A3 F4 D5 -> G2 A3 D4 B4 (tenor held, parallel sixths on top): no
 * parallel fifth or octave. */
static void test_parallels(void)
{
    const int a[4] = {48, 55, 64, 72}, b[4] = {50, 57, 65, 74},
              cc[4] = {43, 57, 62, 71};
    cad_roll r = make(2);
    hold(&r, 0, 1, a, 4);
    hold(&r, 1, 1, b, 4);
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_PARALLELS), 2.0 / 6));
    cad_roll_free(&r);
    /* a b b c: the repeated frame has no moving pair; b -> c moves bass,
     * alto and soprano: 6 more moving pairs, no parallel. */
    cad_roll s = make(4);
    hold(&s, 0, 1, a, 4);
    hold(&s, 1, 2, b, 4);
    hold(&s, 3, 1, cc, 4);
    CHECK(NEAR(stat_of(&s, 4, CAD_STAT_PARALLELS), 2.0 / 12));
    cad_roll_free(&s);
    /* Five-key frames are not four-part writing: undefined. */
    const int five[5] = {48, 55, 64, 67, 72}, five2[5] = {50, 57, 65, 69, 74};
    cad_roll v = make(2);
    hold(&v, 0, 1, five, 5);
    hold(&v, 1, 1, five2, 5);
    CHECK(isnan(stat_of(&v, 4, CAD_STAT_PARALLELS)));
    cad_roll_free(&v);
}

/* A C major piece: C E G held long, passing D F A B, ending on C E G C
 * (tonic in the bass) or on E G C (first inversion), then rests. One F#
 * of the 14 onsets is out of key. */
static void test_key_stats(void)
{
    for (int inverted = 0; inverted < 2; inverted++) {
        cad_roll r = make(40);
        const int tonic[3] = {48, 52, 55};
        hold(&r, 0, 30, tonic, 3);
        const int melody[8] = {72, 74, 76, 77, 79, 81, 83, 78}; /* .. F#5 */
        for (int i = 0; i < 8; i++)
            hold(&r, i * 3, 2, &melody[i], 1);
        const int end_root[4] = {48, 64, 67, 72}, end_inv[3] = {52, 67, 72};
        if (inverted)
            hold(&r, 32, 4, end_inv, 3);
        else
            hold(&r, 32, 4, end_root, 4);
        double w[12];
        cad_key k;
        cad_key_roll_histogram(&r, w);
        CHECK(cad_key_estimate(w, &k) == 0 && k.tonic == 0 && !k.minor);
        CHECK(NEAR(stat_of(&r, 4, CAD_STAT_END_TONIC_BASS), inverted ? 0 : 1));
        /* Onsets: 3 + 8 + (4 or 3) of which the F# is out of key. */
        double n = 3 + 8 + (inverted ? 3 : 4);
        CHECK(NEAR(stat_of(&r, 4, CAD_STAT_OUT_OF_KEY), 1 / n));
        CHECK(stat_of(&r, 4, CAD_STAT_KEY_FIT) > 0.7);
        cad_roll_free(&r);
    }
}

static void test_texture(void)
{
    /* 10 frames: key 60 on 0-1, off 2, on 3 (a one-frame gap), off 4-6,
     * on 7 (a three-frame gap: no stutter); key 64 on 0-2; frames 4, 5, 6,
     * 8, 9 silent. */
    cad_roll r = make(10);
    const int c = 60, e = 64;
    hold(&r, 0, 2, &c, 1);
    hold(&r, 3, 1, &c, 1);
    hold(&r, 7, 1, &c, 1);
    hold(&r, 0, 3, &e, 1);
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_SILENCE), 5.0 / 10));
    /* sounding frames 0 1 2 3 7 hold 2 2 1 1 1 keys */
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_POLYPHONY), 7.0 / 5));
    /* notes: 60 (2 frames), 60 (1), 60 (1), 64 (3) */
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_HELD), 7.0 / 4));
    CHECK(NEAR(stat_of(&r, 4, CAD_STAT_STUTTER), 1.0 / 4));
    cad_roll_free(&r);
}

/* The control on real data: the Nottingham valid tunes (eighth-note
 * frames, 8-frame bars) have a metre; the same frames shuffled within each
 * tune keep every chord and note but lose it. */
static void test_shuffled_data(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/pianoroll/nottingham.json",
             cad_test_data_dir());
    cad_roll_set set = {0};
    cad_error e;
    if (cad_roll_load_json(path, "valid", &set, &e)) {
        fprintf(stderr, "TEST DATA MISSING: %s\n", e.msg);
        CHECK(0);
        return;
    }
    cad_stats a, b;
    cad_stats_init(&a);
    cad_stats_init(&b);
    cad_rng rng;
    cad_rng_seed(&rng, 1);
    uint8_t tmp[CAD_ROLL_KEYS];
    for (int p = 0; p < set.n; p++) {
        cad_roll *r = &set.pieces[p];
        CHECK(cad_stats_add(&a, r, 8, &e) == 0);
        for (int i = r->n_frames - 1; i > 0; i--) {
            int j = (int)cad_rng_below(&rng, (uint32_t)i + 1);
            uint8_t *x = r->on + (size_t)i * CAD_ROLL_KEYS;
            uint8_t *y = r->on + (size_t)j * CAD_ROLL_KEYS;
            memcpy(tmp, x, CAD_ROLL_KEYS);
            memcpy(x, y, CAD_ROLL_KEYS);
            memcpy(y, tmp, CAD_ROLL_KEYS);
        }
        CHECK(cad_stats_add(&b, r, 8, &e) == 0);
    }
    double m0 = cad_stats_value(&a, CAD_STAT_METRE);
    double m1 = cad_stats_value(&b, CAD_STAT_METRE);
    double r0 = cad_stats_value(&a, CAD_STAT_REPEAT2);
    double r1 = cad_stats_value(&b, CAD_STAT_REPEAT2);
    printf("Nottingham valid: metre %.3f, shuffled %.3f; 2-bar repeats "
           "%.3f, shuffled %.3f\n", m0, m1, r0, r1);
    CHECK(m0 > 0.5 && m1 < 0.2);
    CHECK(r0 > 0.3 && r1 < 0.01);
    /* Shuffling keeps the notes sounding in each frame. */
    CHECK(NEAR(cad_stats_value(&a, CAD_STAT_POLYPHONY),
               cad_stats_value(&b, CAD_STAT_POLYPHONY)));
    cad_roll_set_free(&set);
}

/* Sums pool pieces; bad bars are refused; names round-trip. */
static void test_pooling(void)
{
    cad_roll a = make(10), b = make(30);
    const int c = 60;
    hold(&a, 0, 10, &c, 1);
    cad_stats s;
    cad_error e;
    cad_stats_init(&s);
    CHECK(cad_stats_add(&s, &a, 4, &e) == 0 && cad_stats_add(&s, &b, 4, &e) == 0);
    CHECK(NEAR(cad_stats_value(&s, CAD_STAT_SILENCE), 30.0 / 40));
    CHECK(NEAR(cad_stats_value(&s, CAD_STAT_PIECES), 2));
    CHECK(NEAR(cad_stats_value(&s, CAD_STAT_BARS), 10));
    CHECK(cad_stats_add(&s, &a, 0, &e) == -1);
    CHECK(cad_stats_add(&s, &a, CAD_STATS_MAX_BAR_FRAMES + 1, &e) == -1);
    CHECK(NEAR(cad_stats_value(&s, CAD_STAT_PIECES), 2));
    for (int i = 0; i < CAD_STAT_COUNT; i++)
        CHECK(cad_stats_find(cad_stats_name(i)) == i);
    CHECK(cad_stats_find("nonsense") == -1);
    cad_roll_free(&a);
    cad_roll_free(&b);
}

int main(void)
{
    test_key();
    test_repeats();
    test_metre();
    test_chords();
    test_parallels();
    test_key_stats();
    test_texture();
    test_shuffled_data();
    test_pooling();
    TEST_MAIN_END();
}
