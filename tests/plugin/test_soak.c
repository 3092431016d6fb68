/* Soak test of the installed cadenza.lv2: the headless host plays an hour
 * of musical time (as fast as it can) while a random but seeded script
 * moves the generation controls, presses regenerate, reloads the model
 * and the soundfont, and stops, starts, relocates, loops and changes the
 * tempo of the transport every few seconds to few minutes. Throughout:
 *   - no NaN or infinity in any sample;
 *   - every note-on falls on the model's grid as computed here from the
 *     transport we fed (within a frame), an hour in as at the start;
 *   - after every stop no note sounds (by the MIDI the plugin sent) and no
 *     note starts, and 3 s later the audio is silent;
 *   - resident memory at the end is what it was after five minutes;
 *   - a second pass with blocks of another size, in a new instance after
 *     the first is gone (the library unloaded and loaded again), gives the
 *     same MIDI and the same audio, bit for bit (README: "whatever the
 *     buffer size").
 * The host keeps only the last block (an hour of audio is 1.4 GB). One
 * pass takes about 15 s in a release build and 30 s under ASan + UBSan
 * (measured), so it is an hour everywhere; CAD_SOAK_MINUTES changes it.
 * Under a sanitizer memory is only printed: ASan's quarantine holds freed
 * blocks on purpose (LeakSanitizer checks for leaks instead). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <malloc.h> /* malloc_trim, mallopt (glibc) */

#include "../cad_test.h"
#include "cad_host.h"

#define RATE 48000.0
#define SEC ((int64_t)RATE)
/* The shipped model's grid: one step per quarter note (README). */
#define STEP_BEATS 1.0
#define SILENT_AFTER (3 * SEC) /* after a stop */
#define SILENCE 1e-3           /* peak, -60 dBFS */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature) /* clang */
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* Random streams of their own for the transport, the loads, the controls
 * and the block sizes, so the script does not depend on the blocks. */
enum { RNG_TRANSPORT, RNG_LOADS, RNG_CONTROLS, RNG_BLOCKS };
static uint64_t rng[4];
static double rnd(int which) /* splitmix64, uniform in [0, 1) */
{
    uint64_t z = (rng[which] += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}
static double between(int which, double lo, double hi)
{
    return lo + (hi - lo) * rnd(which);
}

/* The transport as the plugin hears it from one event on: the host sends
 * the tempo as a float and the position as bar + float beat-in-bar. */
typedef struct {
    int64_t frame;
    int rolling;
    double bpm, beat; /* what the host was told (its own arithmetic) */
    double heard_beat, heard_qpm;
} segment;

static segment make_segment(int64_t frame, int rolling, double bpm,
                            double beat)
{
    double bar = floor(beat / 4.0);
    return (segment){frame, rolling, bpm, beat,
                     bar * 4.0 + (double)(float)(beat - bar * 4.0),
                     (double)(float)bpm};
}

static double host_beat(const segment *s, int64_t frame)
{
    return s->rolling ? s->beat + (double)(frame - s->frame) * s->bpm /
                                      (60.0 * RATE)
                      : s->beat;
}

/* First frame at or after the segment start where step `step` begins. */
static int64_t grid_frame(const segment *s, int64_t step)
{
    double per_frame = s->heard_qpm / (60.0 * RATE);
    double d = ceil((step * STEP_BEATS - s->heard_beat) / per_frame);
    return d < 0 ? s->frame : s->frame + (int64_t)d;
}

/* The transport event after `was`: when it comes and what it does. Tempos
 * are multiples of 1/4 bpm (exact as the float the host sends). */
enum { START, STOP, RELOCATE, LOOP, TEMPO, N_KINDS };
static segment next_transport(const segment *was, int count[N_KINDS])
{
    const int R = RNG_TRANSPORT;
    /* Mostly 3 s to 3 min (log-uniform), sometimes less than a block. */
    double wait = rnd(R) < 0.1 ? between(R, 0.01, 0.5)
                               : exp(between(R, log(3.0), log(180.0)));
    int64_t at = was->frame + (int64_t)(wait * RATE);
    double here = host_beat(was, at), r = rnd(R);
    double bpm = 30 + 0.25 * floor(between(R, 0, 1080));
    if (!was->rolling) {
        if (r < 0.3) /* locate while stopped */
            return make_segment(at, 0, was->bpm, between(R, 0, 8000));
        count[START]++;
        double beat = r < 0.6 ? 4 * floor(between(R, 0, 2000)) : here;
        return make_segment(at, 1, bpm, beat);
    }
    if (r < 0.3) {
        count[STOP]++;
        at = was->frame + (int64_t)(between(R, 4, 20) * RATE);
        return make_segment(at, 0, was->bpm, host_beat(was, at));
    }
    if (r < 0.45) { /* two bars, then back to where they began */
        count[LOOP]++;
        at = was->frame + (int64_t)ceil(8 * 60 * RATE / was->bpm);
        return make_segment(at, 1, was->bpm, was->beat);
    }
    if (r < 0.6) {
        count[RELOCATE]++;
        double jump = between(R, 2, 500);
        int back = here > jump + 2 && rnd(R) < 0.5;
        return make_segment(at, 1, was->bpm, back ? here - jump : here + jump);
    }
    count[TEMPO]++;
    return make_segment(at, 1, bpm, here);
}

/* Called once a second: now and then one control moves; "regenerate" is
 * pressed for a second. */
static void automate(cad_host *h, int64_t now, int64_t *next)
{
    const int R = RNG_CONTROLS;
    cad_host_set(h, "regenerate", 0);
    if (now < *next)
        return;
    *next = now + (int64_t)between(R, 1, 20) * SEC;
    double r = rnd(R);
    if (r < 0.3)
        cad_host_set(h, "temperature", (float)between(R, 0.3, 1.6));
    else if (r < 0.45)
        cad_host_set(h, "threshold", (float)between(R, 0, 0.3));
    else if (r < 0.6)
        cad_host_set(h, "key", (float)(int)between(R, 0, 12));
    else if (r < 0.7)
        cad_host_set(h, "seed", (float)(int)between(R, 0, 1000));
    else if (r < 0.8)
        cad_host_set(h, "regenerate", 1);
    else if (r < 0.9)
        cad_host_set(h, "gain", (float)between(R, -20, 6));
    else
        cad_host_set(h, "max_notes", (float)(int)between(R, 1, 9));
}

/* ---- what one pass saw ---------------------------------------------------- */

#define SEGS 16 /* more transport events than ever fall in one block */
typedef struct {
    segment seg[SEGS];       /* the latest transport events, newest first */
    int held[128], sounding; /* by the MIDI sent */
    int64_t stopped_at;      /* frame of the last stop, -1 if rolling */
    long checked, off_grid, late_on, stuck, loud_after_stop, bad_samples;
    double worst_grid, loudest_tail;
    uint64_t midi_hash, audio_hash;
    int count[N_KINDS], loads;
    long rss[3];             /* kB: start, after 5 min, end */
    double seconds;
} pass;

static void push_segment(pass *k, segment s)
{
    memmove(&k->seg[1], &k->seg[0], (SEGS - 1) * sizeof(segment));
    k->seg[0] = s;
    if (!s.rolling && k->stopped_at < 0)
        k->stopped_at = s.frame;
    if (s.rolling)
        k->stopped_at = -1;
}

static const segment *segment_at(const pass *k, int64_t frame)
{
    for (int i = 0; i < SEGS; i++)
        if (k->seg[i].frame <= frame)
            return &k->seg[i];
    return &k->seg[SEGS - 1];
}

static void hash(uint64_t *h, uint64_t v) /* FNV-1a, a word at a time */
{
    *h = (*h ^ v) * 0x100000001B3ull;
}

static void note_on(pass *k, int64_t frame)
{
    const segment *s = segment_at(k, frame);
    if (!s->rolling) {
        k->late_on++;
        return;
    }
    double beat = s->heard_beat +
                  (double)(frame - s->frame) * s->heard_qpm / (60.0 * RATE);
    double d = fabs((double)(frame - grid_frame(s, llround(beat / STEP_BEATS))));
    k->worst_grid = fmax(k->worst_grid, d);
    k->off_grid += d > 1;
    k->checked++;
}

static void inspect(pass *k, const cad_host_block *b)
{
    for (size_t i = 0; i < b->n_midi; i++) {
        const cad_host_midi *m = &b->midi[i];
        int st = m->msg[0] & 0xF0, key = m->msg[1] & 0x7F;
        hash(&k->midi_hash, (uint64_t)m->frame);
        hash(&k->midi_hash, (uint64_t)(m->msg[0] | m->msg[1] << 8 |
                                       m->msg[2] << 16));
        if (st == 0x90 && m->msg[2] > 0) {
            note_on(k, m->frame);
            k->held[key]++;
            k->sounding++;
        } else if ((st == 0x80 || st == 0x90) && k->held[key] > 0) {
            k->held[key]--;
            k->sounding--;
        }
    }
    double peak = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        float l = b->left[i], r = b->right[i];
        uint32_t bits[2];
        memcpy(bits, &l, 4);
        memcpy(bits + 1, &r, 4);
        hash(&k->audio_hash, (uint64_t)bits[0] << 32 | bits[1]);
        k->bad_samples += !isfinite(l) || !isfinite(r);
        peak = fmax(peak, fmax(fabs(l), fabs(r)));
    }
    if (k->stopped_at >= 0) {
        k->stuck += k->sounding > 0;
        if (b->frame >= k->stopped_at + SILENT_AFTER) {
            k->loudest_tail = fmax(k->loudest_tail, peak);
            k->loud_after_stop += peak > SILENCE;
        }
    }
}

/* ---- memory ---------------------------------------------------------------- */

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

/* Resident memory as the plugin's allocations make it, not glibc's
 * caching. By default glibc raises its mmap threshold each time a large
 * block is freed (a model file's read buffer: 4 MB), so later large blocks
 * (weights, synths) come from the heap, and reloading them leaves free
 * holes it keeps: measured 17 MB more resident after 11 reloads, bounded,
 * with the bytes in use unchanged to 20 kB. So the test fixes the
 * threshold (large blocks are mapped and unmapped) and has free pages
 * handed back before it measures. A leak stays resident after both. */
static long settled_rss_kb(void)
{
    if (!SANITIZED)
        malloc_trim(0);
    return rss_kb();
}

static double wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- one pass ----------------------------------------------------------------- */

/* Plays the script; block 0: random sizes from 2048 to 8192. */
static void play(cad_host *h, int64_t total, uint32_t block, pass *k)
{
    char model[1200];
    const char *bundle = getenv("CAD_BUNDLE");
    snprintf(model, sizeof model, "%s/default.safetensors",
             bundle ? bundle : ".");
    const char *sf = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
    for (int i = 0; i < 4; i++)
        rng[i] = (uint64_t)i + 1;
    memset(k, 0, sizeof *k);
    k->stopped_at = -1;
    k->midi_hash = k->audio_hash = 0xCBF29CE484222325ull;
    for (int i = 0; i < SEGS; i++)
        k->seg[i] = make_segment(0, 0, 120, 0);
    segment next = make_segment(SEC / 3, 1, 120, 0);
    int64_t next_control = 0, control_at = 0, base_at = 5 * 60 * SEC;
    int64_t next_model = 7 * 60 * SEC, next_sf = 11 * 60 * SEC;
    if (base_at > total / 4)
        base_at = total / 4;
    double t0 = wall();

    while (cad_host_now(h) < total) {
        int64_t now = cad_host_now(h);
        if (now == control_at) {
            automate(h, now, &next_control);
            control_at += SEC;
        }
        uint32_t n = block ? block
                           : (uint32_t)between(RNG_BLOCKS, 2048, 8193);
        if (now + n > control_at) /* controls change between blocks */
            n = (uint32_t)(control_at - now);
        /* Events in this block, scripted as we go (the host sorts them). */
        while (next.frame < now + n) {
            cad_host_transport(h, next.frame, next.rolling, next.bpm,
                               next.beat);
            push_segment(k, next);
            next = next_transport(&next, k->count);
        }
        /* Each load twice, the second soon after the first (a user
         * trying files): the newer must win whatever the block size. */
        if (next_model < now + n) {
            int64_t again = (int64_t)(between(RNG_LOADS, 0.05, 0.6) * RATE);
            cad_host_patch_set(h, next_model, "model", model);
            cad_host_patch_set(h, next_model + again, "model", model);
            next_model += (int64_t)between(RNG_LOADS, 5, 15) * 60 * SEC;
            k->loads += 2;
        }
        if (next_sf < now + n) {
            int64_t again = (int64_t)(between(RNG_LOADS, 0.05, 0.6) * RATE);
            cad_host_patch_set(h, next_sf, "soundfont", sf);
            cad_host_patch_set(h, next_sf + again, "soundfont", sf);
            next_sf += (int64_t)between(RNG_LOADS, 10, 20) * 60 * SEC;
            k->loads += 2;
        }
        cad_host_run(h, n);
        inspect(k, cad_host_last_block(h));
        if (now == 0)
            k->rss[0] = settled_rss_kb();
        if (now < base_at && now + n >= base_at)
            k->rss[1] = settled_rss_kb();
    }
    k->rss[2] = settled_rss_kb();
    k->seconds = wall() - t0;
}

static void report(const char *name, const pass *k, double minutes)
{
    printf("soak %s: %.0f min of music in %.1f s wall (%.0fx real time); "
           "%d starts, %d stops, %d relocations, %d loops, %d tempo changes,"
           " %d reloads\n", name, minutes, k->seconds,
           minutes * 60 / k->seconds, k->count[START], k->count[STOP],
           k->count[RELOCATE], k->count[LOOP], k->count[TEMPO], k->loads);
    printf("soak %s: %ld note-ons checked against the grid, worst %.0f "
           "frame(s) off, %ld more than 1 off; after stops: %ld blocks "
           "with notes held, %ld note-ons, loudest %.2g 3 s on\n", name,
           k->checked, k->worst_grid, k->off_grid, k->stuck, k->late_on,
           k->loudest_tail);
    CHECK(k->checked > (long)(minutes * 30)); /* it played throughout */
    CHECKF(k->bad_samples == 0, "%ld NaN/Inf samples", k->bad_samples);
    CHECKF(k->off_grid == 0, "%ld notes off the grid", k->off_grid);
    CHECKF(k->stuck == 0, "notes held after a stop in %ld blocks", k->stuck);
    CHECKF(k->late_on == 0, "%ld note-ons while stopped", k->late_on);
    CHECKF(k->loud_after_stop == 0, "%ld loud blocks after stops (peak %g)",
           k->loud_after_stop, k->loudest_tail);
}

static void test_soak(void)
{
    const char *env = getenv("CAD_SOAK_MINUTES");
    double minutes = env ? atof(env) : 60;
    if (!(minutes > 0))
        minutes = 1;
    if (!SANITIZED)
        mallopt(M_MMAP_THRESHOLD, 128 * 1024); /* see settled_rss_kb */
    const int64_t total = (int64_t)(minutes * 60) * SEC;
    pass a, b;
    for (int i = 0; i < 2; i++) {
        cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
        CHECK(h != NULL);
        if (!h)
            return;
        cad_host_keep(h, 0);
        play(h, total, i ? 1000 : 0, i ? &b : &a);
        report(i ? "blocks of 1000" : "blocks of 2048..8192", i ? &b : &a,
               minutes);
        const cad_host_rec *rec = cad_host_rec_get(h);
        CHECKF(rec->last_status[0] == 0, "status: %s", rec->last_status);
        CHECK(cad_host_dropped_answers(h) == 0);
        cad_host_free(h);
    }
    for (int i = 0; i < N_KINDS; i++)
        CHECKF(a.count[i] > 0, "transport event kind %d never happened", i);
    printf("soak: RSS %ld kB at the start, %ld kB after %.1f min, %ld kB at "
           "the end%s\n", a.rss[0], a.rss[1], fmin(5, minutes / 4),
           a.rss[2], SANITIZED ? " (sanitizer build: not compared)" : "");
    if (!SANITIZED)
        CHECKF(a.rss[2] - a.rss[1] <= 2048, "RSS grew by %ld kB",
               a.rss[2] - a.rss[1]);
    printf("soak: the two passes give %s MIDI and %s audio\n",
           a.midi_hash == b.midi_hash ? "the same" : "DIFFERENT",
           a.audio_hash == b.audio_hash ? "the same" : "DIFFERENT");
    CHECK(a.midi_hash == b.midi_hash);
    CHECK(a.audio_hash == b.audio_hash);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "soak";
    if (!getenv("LV2_PATH") || !getenv("CAD_BUNDLE"))
        fprintf(stderr, "LV2_PATH/CAD_BUNDLE not set: run through "
                        "run_installed.sh\n");
    if (!strcmp(what, "soak"))
        test_soak();
    else {
        fprintf(stderr, "unknown test %s\n", what);
        return 2;
    }
    TEST_MAIN_END();
}
