/* End-to-end tests of the installed cadenza.lv2 through our own lilv host.
 * One executable, one scenario per argument (each is its own meson test):
 *   render       transport at 120 bpm, a temperature step from 0.2 to 1.5,
 *                key/scale/range mask, stop; writes WAV + MIDI
 *   determinism  block sizes 64, 1000, 4096 and repeated runs give the same
 *                audio and MIDI; another seed gives other music; two
 *                models chosen close together: the same at 64 and 8192
 *   rt           no malloc/free/realloc/mutex in run() or work_response()
 *                over automation, a model swap, a soundfont swap, a
 *                relocation, a stop, MIDI input, a full worker queue
 *   listen       listen-and-continue answers after the player pauses
 *   state        save/restore through lilv into fresh temporary dirs
 *   repr MODEL…  models of other representations than the piano roll
 *                (test_repr.sh trains them): each plays notes, the same
 *                at blocks of 64 and 1024, at their own frames within a
 *                slot, all released at a stop; listen mode says it needs
 *                a piano roll and composes
 *   seconds MODEL  a piano roll timed in seconds plays its steps at the
 *                host's tempo
 * Needs LV2_PATH pointing at the staged install (run_installed.sh) and a
 * General MIDI soundfont installed (Debian: fluid-soundfont-gm). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lv2/atom/atom.h"
#include "lv2/state/state.h"

#include "../cad_test.h"
#include "cad_host.h"
#include "cad_rt.h"
#include "cad_sched.h"

#define RATE 48000.0
/* The transport starts this far in (off the 64-frame grid, mid-block for
 * most block sizes), as a host would after loading a session: by then the
 * plugin has primed its opening and the first step plays on time. */
#define PRE 12000

typedef struct {
    uint32_t block;
    double seconds;
    int seed;
    float temp_lo, temp_hi;
    int64_t temp_switch;   /* frame where temperature goes lo -> hi */
    double stop_at;        /* seconds; < 0: never */
    int key, scale, low, high;
} scenario;

static scenario base(void)
{
    return (scenario){.block = 512, .seconds = 12, .seed = 1,
                      .temp_lo = 1.0f, .temp_hi = 1.0f, .temp_switch = 0,
                      .stop_at = -1, .key = 0, .scale = 0, .low = 36,
                      .high = 96};
}

static cad_host *render(const scenario *s)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    if (!h)
        return NULL;
    cad_host_set(h, "seed", (float)s->seed);
    cad_host_set(h, "key", (float)s->key);
    cad_host_set(h, "scale", (float)s->scale);
    cad_host_set(h, "low", (float)s->low);
    cad_host_set(h, "high", (float)s->high);
    cad_host_transport(h, PRE, 1, 120.0, 0.0);
    if (s->stop_at >= 0)
        cad_host_transport(h, (int64_t)(s->stop_at * RATE), 0, 120.0, 0.0);
    int64_t total = (int64_t)(s->seconds * RATE);
    while (cad_host_now(h) < total) {
        int64_t now = cad_host_now(h);
        cad_host_set(h, "temperature",
                     now < s->temp_switch ? s->temp_lo : s->temp_hi);
        uint32_t n = s->block;
        /* Blocks never straddle the switch, as a host splitting cycles at
         * automation events would do. */
        if (now < s->temp_switch && now + n > s->temp_switch)
            n = (uint32_t)(s->temp_switch - now);
        if (now + n > total)
            n = (uint32_t)(total - now);
        cad_host_run(h, n);
    }
    return h;
}

static double rms(const cad_host_rec *r, size_t from, size_t to)
{
    double acc = 0;
    if (to > r->frames)
        to = r->frames;
    for (size_t i = from; i < to; i++)
        acc += (double)r->left[i] * r->left[i] +
               (double)r->right[i] * r->right[i];
    return to > from ? sqrt(acc / (2.0 * (double)(to - from))) : 0;
}

static int is_on(const cad_host_midi *m)
{
    return (m->msg[0] & 0xF0) == 0x90 && m->msg[2] > 0;
}
static int is_off(const cad_host_midi *m)
{
    return (m->msg[0] & 0xF0) == 0x80 ||
           ((m->msg[0] & 0xF0) == 0x90 && m->msg[2] == 0);
}

/* Distinct pitches among the note-ons in [from, to). */
static int distinct_pitches(const cad_host_rec *r, int64_t from, int64_t to)
{
    int seen[128] = {0}, n = 0;
    for (size_t i = 0; i < r->n_midi; i++) {
        const cad_host_midi *m = &r->midi[i];
        if (is_on(m) && m->frame >= from && m->frame < to && !seen[m->msg[1]])
            seen[m->msg[1]] = 1, n++;
    }
    return n;
}

static int count_on(const cad_host_rec *r, int64_t from, int64_t to)
{
    int n = 0;
    for (size_t i = 0; i < r->n_midi; i++)
        n += is_on(&r->midi[i]) && r->midi[i].frame >= from &&
             r->midi[i].frame < to;
    return n;
}

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/cadenza-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static void remove_tree(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* ---- render ----------------------------------------------------------------- */

static void test_render(void)
{
    scenario s = base();
    s.seconds = 26;
    s.temp_lo = 0.2f;
    s.temp_hi = 1.5f;
    s.temp_switch = (int64_t)(10 * RATE);
    s.stop_at = 20;
    s.key = 2; /* D major, 48..84 */
    s.scale = CAD_SCALE_MAJOR;
    s.low = 48;
    s.high = 84;
    cad_host *h = render(&s);
    CHECK(h != NULL);
    if (!h)
        return;
    cad_host_rec *r = cad_host_rec_get(h);
    int64_t stop = (int64_t)(s.stop_at * RATE);
    const LilvPluginClass *cls = lilv_plugin_get_class(cad_host_plugin(h));
    const char *cls_uri = lilv_node_as_uri(lilv_plugin_class_get_uri(cls));
    CHECKF(!strcmp(cls_uri, LV2_CORE__InstrumentPlugin), "class %s", cls_uri);
    /* The staged bundle, not some other installed copy. */
    char *bpath = lilv_file_uri_parse(
        lilv_node_as_uri(lilv_plugin_get_bundle_uri(cad_host_plugin(h))),
        NULL);
    const char *want = getenv("CAD_BUNDLE");
    CHECKF(bpath && want && !strncmp(bpath, want, strlen(want)),
           "loaded %s", bpath ? bpath : "?");
    lilv_free(bpath);

    double loud = rms(r, 0, (size_t)stop);
    printf("render: rms %.4f, %zu MIDI events, %d note-ons\n", loud,
           r->n_midi, count_on(r, 0, stop));
    CHECKF(loud > 1e-3, "audio is silent: rms %g", loud);
    CHECK(count_on(r, 0, stop) >= 8);

    int outside = 0;
    for (size_t i = 0; i < r->n_midi; i++)
        if (is_on(&r->midi[i]) &&
            !cad_sched_allowed(s.key, s.scale, s.low, s.high,
                               r->midi[i].msg[1]))
            outside++;
    CHECKF(outside == 0, "%d notes outside D major 48..84", outside);

    int calm = distinct_pitches(r, 0, s.temp_switch);
    int wild = distinct_pitches(r, s.temp_switch, 2 * s.temp_switch);
    int calm_on = count_on(r, 0, s.temp_switch);
    int wild_on = count_on(r, s.temp_switch, 2 * s.temp_switch);
    printf("render: T=0.2: %d distinct pitches, %d note-ons; "
           "T=1.5: %d distinct pitches, %d note-ons\n",
           calm, calm_on, wild, wild_on);
    /* Near-greedy sampling holds on to the likeliest notes (tied across
     * steps: few note-ons, few pitches); T=1.5 keeps changing. */
    CHECKF(wild >= calm && wild_on > calm_on * 1.2,
           "T=1.5 not more varied than T=0.2");

    /* After the stop: every note released by the stop, nothing new, and
     * the sound dies away. */
    int held[128] = {0}, late_on = 0;
    for (size_t i = 0; i < r->n_midi; i++) {
        const cad_host_midi *m = &r->midi[i];
        if (m->frame > stop && is_on(m))
            late_on++;
        if (m->frame <= stop && is_on(m))
            held[m->msg[1]]++;
        if (m->frame <= stop && is_off(m) && held[m->msg[1]] > 0)
            held[m->msg[1]]--;
    }
    int stuck = 0;
    for (int k = 0; k < 128; k++)
        stuck += held[k];
    CHECKF(stuck == 0, "%d notes still on after the stop", stuck);
    CHECKF(late_on == 0, "%d notes started after the stop", late_on);
    double tail = rms(r, (size_t)(stop + 4 * RATE), r->frames);
    printf("render: rms 4 s after the stop %.2g\n", tail);
    CHECKF(tail < 1e-4, "sound goes on after the stop: rms %g", tail);

    char *dir = temp_dir();
    char wav[1100], mid[1100];
    snprintf(wav, sizeof wav, "%s/render.wav", dir);
    snprintf(mid, sizeof mid, "%s/render.mid", dir);
    CHECK(cad_host_write_wav(h, wav) == 0);
    CHECK(cad_host_write_midi(h, mid, 120.0) == 0);
    struct stat st;
    CHECK(stat(wav, &st) == 0 && st.st_size > (off_t)(r->frames * 8));
    CHECK(stat(mid, &st) == 0 && st.st_size > 30);
    if (getenv("CAD_KEEP_OUTPUT"))
        printf("render: wrote %s and %s\n", wav, mid);
    else
        remove_tree(dir);
    free(dir);
    cad_host_free(h);
}

/* ---- determinism ------------------------------------------------------------- */

static int same_output(const cad_host_rec *a, const cad_host_rec *b)
{
    if (a->frames != b->frames || a->n_midi != b->n_midi)
        return 0;
    for (size_t i = 0; i < a->n_midi; i++)
        if (a->midi[i].frame != b->midi[i].frame ||
            memcmp(a->midi[i].msg, b->midi[i].msg, 3) != 0)
            return 0;
    return memcmp(a->left, b->left, a->frames * sizeof(float)) == 0 &&
           memcmp(a->right, b->right, a->frames * sizeof(float)) == 0;
}

/* Plays 6 s at `block` frames a block, choosing model a at 1 s and b at
 * 70000 frames: b's answer comes while a waits for its restart (at 72000),
 * before it with small blocks, after it with large ones. The same with two
 * soundfonts 4000 frames apart, the second before the first is due. */
static cad_host *two_loads(uint32_t block, const char *a, const char *b)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    if (!h)
        return NULL;
    cad_host_transport(h, 0, 1, 120, 0);
    cad_host_patch_set(h, 48000, "model", a);
    cad_host_patch_set(h, 70000, "model", b);
    cad_host_patch_set(h, 100000, "soundfont",
                       "/usr/share/sounds/sf2/FluidR3_GM.sf2");
    cad_host_patch_set(h, 104000, "soundfont",
                       "/usr/share/sounds/sf2/default-GM.sf2");
    while (cad_host_now(h) < (int64_t)(6 * RATE))
        cad_host_run(h, block);
    return h;
}

static void test_two_loads(void)
{
    char *dir = temp_dir(), a[1200], b[1200];
    snprintf(a, sizeof a, "%s/default.safetensors",
             getenv("CAD_BUNDLE") ? getenv("CAD_BUNDLE") : ".");
    snprintf(b, sizeof b, "%s/b.safetensors", dir ? dir : "/tmp");
    CHECK(dir && cad_host_copy_file(a, b) == 0);
    cad_host *small = two_loads(64, a, b), *large = two_loads(8192, a, b);
    CHECK(small && large);
    if (small && large) {
        const cad_host_rec *x = cad_host_rec_get(small),
                           *y = cad_host_rec_get(large);
        int same = 1;
        size_t n = 0;
        for (size_t i = 0; i < x->n_midi && x->midi[i].frame < 6 * RATE;
             i++, n++)
            same &= i < y->n_midi && x->midi[i].frame == y->midi[i].frame &&
                    !memcmp(x->midi[i].msg, y->midi[i].msg, 3);
        int same_audio = !memcmp(x->left, y->left, 6 * (size_t)RATE * 4);
        printf("determinism: two loads close together: blocks of 64 and "
               "8192 give %s MIDI (%zu events) and %s audio; models told: "
               "%s, %s\n", same ? "the same" : "DIFFERENT", n,
               same_audio ? "the same" : "DIFFERENT", x->last_model,
               y->last_model);
        CHECK(same && n > 10);
        CHECK(same_audio);
        CHECK(!strcmp(x->last_model, b) && !strcmp(y->last_model, b));
    }
    cad_host_free(small);
    cad_host_free(large);
    if (dir) {
        remove_tree(dir);
        free(dir);
    }
}

static void test_determinism(void)
{
    test_two_loads();

    /* 512000 frames is a multiple of 64, 1000 and 4096: the temperature
     * change falls on a block boundary for all three. */
    scenario s = base();
    s.seconds = 13;
    s.temp_lo = 0.5f;
    s.temp_hi = 1.4f;
    s.temp_switch = 512000;
    const uint32_t blocks[] = {64, 1000, 4096};
    cad_host *ref = NULL;
    for (int i = 0; i < 3; i++) {
        s.block = blocks[i];
        cad_host *h = render(&s);
        CHECK(h != NULL);
        if (!h)
            continue;
        const cad_host_rec *r = cad_host_rec_get(h);
        printf("determinism: block %u: %zu MIDI events, rms %.4f\n",
               blocks[i], r->n_midi, rms(r, 0, r->frames));
        if (!ref) {
            ref = h;
            CHECK(r->n_midi > 10);
            continue;
        }
        CHECKF(same_output(cad_host_rec_get(ref), r),
               "block %u differs from block 64", blocks[i]);
        cad_host_free(h);
    }
    /* Same again: identical. Another seed: different notes. */
    s.block = 1000;
    cad_host *again = render(&s);
    s.seed = 2;
    cad_host *other = render(&s);
    CHECK(again && other && ref);
    if (again && other && ref) {
        CHECK(same_output(cad_host_rec_get(ref), cad_host_rec_get(again)));
        CHECK(!same_output(cad_host_rec_get(ref), cad_host_rec_get(other)));
        const cad_host_rec *a = cad_host_rec_get(ref),
                           *b = cad_host_rec_get(other);
        size_t n = a->n_midi < b->n_midi ? a->n_midi : b->n_midi, same = 0;
        for (size_t i = 0; i < n; i++)
            same += a->midi[i].frame == b->midi[i].frame &&
                    !memcmp(a->midi[i].msg, b->midi[i].msg, 3);
        printf("determinism: seed 2 shares %zu of %zu MIDI events\n", same,
               n);
        CHECK(same < n);
    }
    cad_host_free(again);
    cad_host_free(other);

    /* Exporting twice from one instance: play 6 s, stop, wait, relocate
     * to the start and play again (at an odd frame, so the synth's
     * 64-frame grid is somewhere else in the instance's life). The second
     * pass must equal the first and the reference. */
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h != NULL);
    if (h && ref) {
        int64_t len = (int64_t)(6 * RATE), again_at = (int64_t)(12 * RATE) + 777;
        cad_host_set(h, "temperature", s.temp_lo);
        cad_host_transport(h, PRE, 1, 120, 0);
        cad_host_transport(h, PRE + len, 0, 120, 0);
        cad_host_transport(h, again_at, 1, 120, 0);
        while (cad_host_now(h) < again_at + len)
            cad_host_run(h, 1000);
        const cad_host_rec *a = cad_host_rec_get(ref), *b = cad_host_rec_get(h);
        int same_audio =
            memcmp(a->left + PRE, b->left + again_at, (size_t)len * 4) == 0 &&
            memcmp(a->right + PRE, b->right + again_at, (size_t)len * 4) == 0;
        int same_first =
            memcmp(a->left, b->left, (size_t)(PRE + len) * 4) == 0;
        size_t i0 = 0, j0 = 0;
        while (i0 < b->n_midi && b->midi[i0].frame < again_at)
            i0++;
        while (j0 < a->n_midi && a->midi[j0].frame < PRE)
            j0++;
        int same_midi = 1, compared = 0;
        for (size_t i = 0; i0 + i < b->n_midi && j0 + i < a->n_midi; i++) {
            const cad_host_midi *x = &a->midi[j0 + i], *y = &b->midi[i0 + i];
            if (x->frame >= PRE + len || y->frame >= again_at + len)
                break;
            same_midi &= x->frame - PRE == y->frame - again_at &&
                         !memcmp(x->msg, y->msg, 3);
            compared++;
        }
        same_midi &= compared > 10;
        double maxd = 0;
        int64_t firstd = -1;
        for (int64_t i = 0; i < len; i++) {
            double d = fabs((double)a->left[PRE + i] - b->left[again_at + i]);
            if (d > 0 && firstd < 0)
                firstd = i;
            maxd = d > maxd ? d : maxd;
        }
        printf("determinism: second pass: max difference %.3g, first at "
               "frame %lld of the pass\n", maxd, (long long)firstd);
        printf("determinism: second pass from one instance: audio %s, "
               "MIDI %s\n", same_audio ? "same" : "DIFFERENT",
               same_midi ? "same" : "DIFFERENT");
        CHECK(same_first);
        CHECK(same_audio);
        CHECK(same_midi);
    }
    cad_host_free(h);
    cad_host_free(ref);
}

/* ---- real time -------------------------------------------------------------------- */

static void test_rt(void)
{
    cad_rt_init();
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h != NULL);
    if (!h)
        return;
    char model[1200];
    const char *lv2 = getenv("CAD_BUNDLE");
    snprintf(model, sizeof model, "%s/default.safetensors", lv2 ? lv2 : ".");
    const char *sf = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
    cad_host_fail_schedule(h, 7); /* every 7th request refused */
    cad_host_transport(h, 0, 1, 120, 0);
    cad_host_patch_set(h, (int64_t)(3 * RATE), "model", model);
    cad_host_patch_set(h, (int64_t)(4 * RATE), "soundfont", sf);
    cad_host_patch_set(h, (int64_t)(4.5 * RATE), "model", "/nonexistent.st");
    cad_host_transport(h, (int64_t)(6 * RATE), 1, 90, 32); /* relocate */
    cad_host_midi_in(h, (int64_t)(6.5 * RATE), 0x90, 60, 100);
    cad_host_midi_in(h, (int64_t)(7 * RATE), 0x80, 60, 0);
    cad_host_transport(h, (int64_t)(8 * RATE), 0, 90, 40); /* stop */
    cad_host_transport(h, (int64_t)(8.5 * RATE), 1, 140, 0);
    /* The counter itself must see allocations made inside a library. */
    long c0 = cad_rt_count();
    cad_rt_arm(1);
    LilvNode *probe = lilv_new_string(cad_host_world(h), "probe");
    lilv_node_free(probe);
    cad_rt_arm(0);
    CHECKF(cad_rt_count() - c0 >= 2, "interposer blind: %ld",
           cad_rt_count() - c0);

    /* Every control at 0.0, as lv2lint and some hosts leave them before
     * the first real value: no crash, no division by zero. */
    static const char *const ports[] = {
        "enabled", "mode", "tempo", "temperature", "threshold",
        "max_notes", "seed", "key", "scale", "low", "high", "velocity",
        "program", "gain", "regenerate"};
    float saved[sizeof ports / sizeof *ports];
    for (size_t i = 0; i < sizeof ports / sizeof *ports; i++) {
        saved[i] = cad_host_get(h, ports[i]);
        CHECK(cad_host_set(h, ports[i], 0.0f) >= 0);
    }
    for (int i = 0; i < 20; i++)
        cad_host_run(h, 300);
    cad_host_set(h, "enabled", 1.0f);
    for (int i = 0; i < 20; i++)
        cad_host_run(h, 300);
    for (size_t i = 0; i < sizeof ports / sizeof *ports; i++)
        cad_host_set(h, ports[i], saved[i]);

    long before = cad_rt_count();
    int64_t total = (int64_t)(12 * RATE);
    int k = 0;
    while (cad_host_now(h) < total) {
        double t = (double)cad_host_now(h) / RATE;
        cad_host_set(h, "temperature", (float)(0.2 + t / 8));
        cad_host_set(h, "threshold", (float)(0.02 * (k % 5)));
        cad_host_set(h, "key", (float)((int)t % 12));
        cad_host_set(h, "gain", (float)(-6 + 6 * sin(t)));
        cad_host_set(h, "program", t < 2 ? 0.0f : 19.0f);
        cad_host_set(h, "seed", t < 2.5 ? 1.0f : 5.0f);
        cad_host_set(h, "regenerate", t > 5 && t < 5.2 ? 1.0f : 0.0f);
        cad_host_set(h, "mode", t < 10 ? 0.0f : t < 11 ? 1.0f : 2.0f);
        cad_host_set(h, "tempo", t < 10.5 ? 100.0f : 0.0f); /* 0: no crash */
        cad_host_run(h, 256 + (uint32_t)(k++ % 3) * 111);
    }
    long calls = cad_rt_count() - before;
    cad_host_rec *r = cad_host_rec_get(h);
    printf("rt: %ld allocator/lock calls in run() over %d blocks (last: %s)"
           "; %d notifications; model '%s'; status '%s'\n",
           calls, k, cad_rt_last(), r->notifications, r->last_model,
           r->last_status);
    CHECKF(calls == 0, "%ld calls, last %s", calls, cad_rt_last());
    CHECK(rms(r, 0, r->frames) > 1e-3);
    CHECK(strcmp(r->last_model, model) == 0);
    CHECK(strstr(r->last_status, "nonexistent") != NULL);
    CHECK(count_on(r, (int64_t)(5 * RATE), (int64_t)(8 * RATE)) > 0);
    cad_host_free(h);
}

/* ---- listen and continue ------------------------------------------------------- */

static void test_listen(void)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h != NULL);
    if (!h)
        return;
    cad_host_set(h, "mode", 2);
    cad_host_set(h, "tempo", 120);
    /* Two bars of quarter notes from 1 s, then silence. */
    const int phrase[8] = {60, 62, 64, 65, 67, 65, 64, 62};
    int64_t beat = (int64_t)(RATE / 2), t0 = (int64_t)RATE;
    for (int i = 0; i < 8; i++) {
        cad_host_midi_in(h, t0 + i * beat, 0x90, (uint8_t)phrase[i], 90);
        cad_host_midi_in(h, t0 + i * beat + beat * 9 / 10, 0x80,
                         (uint8_t)phrase[i], 0);
    }
    int64_t end_phrase = t0 + 8 * beat;
    while (cad_host_now(h) < (int64_t)(10 * RATE))
        cad_host_run(h, 512);
    const cad_host_rec *r = cad_host_rec_get(h);
    int during = count_on(r, 0, end_phrase);
    int answer = count_on(r, end_phrase, (int64_t)(10 * RATE));
    int64_t first = -1;
    for (size_t i = 0; i < r->n_midi && first < 0; i++)
        if (is_on(&r->midi[i]))
            first = r->midi[i].frame;
    printf("listen: %d generated notes while playing, %d after; first at "
           "%.2f s (phrase ended at %.2f s)\n", during, answer,
           (double)first / RATE, (double)end_phrase / RATE);
    CHECK(during == 0);
    CHECK(answer > 0);
    /* It waits for a bar (2 s at 120) of silence. */
    CHECK(first >= end_phrase + (int64_t)(1.5 * RATE));
    CHECK(rms(r, (size_t)t0, (size_t)end_phrase) > 1e-3); /* player heard */
    cad_host_free(h);
}

/* ---- state ----------------------------------------------------------------------- */

static const void *get_port(const char *symbol, void *ud, uint32_t *size,
                            uint32_t *type)
{
    cad_host *h = ud;
    static float v;
    v = cad_host_get(h, symbol);
    LV2_URID_Map *map = cad_host_urid_map(h);
    *size = sizeof v;
    *type = map->map(map->handle, LV2_ATOM__Float);
    return isnan(v) ? NULL : &v;
}

static void set_port(const char *symbol, void *ud, const void *value,
                     uint32_t size, uint32_t type)
{
    (void)type;
    if (size == sizeof(float))
        cad_host_set(ud, symbol, *(const float *)value);
}

static void run_for(cad_host *h, double seconds)
{
    int64_t end = cad_host_now(h) + (int64_t)(seconds * RATE);
    while (cad_host_now(h) < end)
        cad_host_run(h, 512);
}

static void test_state(void)
{
    /* Everything the state refers to lives in a directory we own: lilv
     * 0.24 deletes files referenced by absolute path when saving without
     * a link directory, so there is one, fresh, and the soundfont is
     * reached through our own symlink. */
    char *dir = temp_dir();
    CHECK(dir != NULL);
    if (!dir)
        return;
    char model[1200], sf[1200], save[1200], link[1200], copy[1200];
    snprintf(model, sizeof model, "%s/my model.safetensors", dir);
    snprintf(sf, sizeof sf, "%s/gm.sf2", dir);
    snprintf(save, sizeof save, "%s/save", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    snprintf(copy, sizeof copy, "%s/copy", dir);
    char shipped[1200];
    snprintf(shipped, sizeof shipped, "%s/default.safetensors",
             getenv("CAD_BUNDLE") ? getenv("CAD_BUNDLE") : ".");
    CHECK(cad_host_copy_file(shipped, model) == 0);
    CHECK(symlink("/usr/share/sounds/sf2/FluidR3_GM.sf2", sf) == 0);
    mkdir(link, 0700);

    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h != NULL);
    if (!h) {
        remove_tree(dir);
        free(dir);
        return;
    }
    LilvWorld *w = cad_host_world(h);
    LV2_URID_Map *map = cad_host_urid_map(h);
    LV2_URID_Unmap *unmap = cad_host_urid_unmap(h);
    const LV2_Feature *const *feat =
        (const LV2_Feature *const *)cad_host_features(h);

    /* The default state names the shipped model. */
    LilvNode *uri = lilv_new_uri(w, CAD_PLUGIN_URI);
    LilvState *def = lilv_state_new_from_world(w, map, uri);
    CHECK(def != NULL);
    lilv_state_free(def);
    lilv_node_free(uri);

    cad_host_patch_set(h, 0, "model", model);
    cad_host_patch_set(h, 0, "soundfont", sf);
    cad_host_set(h, "seed", 7);
    cad_host_set(h, "mode", 1);
    cad_host_set(h, "regenerate", 1); /* one press: variation 1 */
    run_for(h, 0.5);
    cad_host_set(h, "regenerate", 0);
    run_for(h, 0.5);
    CHECK(strcmp(cad_host_rec_get(h)->last_model, model) == 0);

    LilvState *st = lilv_state_new_from_instance(
        cad_host_plugin(h), cad_host_instance(h), map, NULL, copy, link, save,
        get_port, h, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, feat);
    CHECK(st != NULL);
    CHECK(st && lilv_state_save(w, map, unmap, st, NULL, save, "state.ttl") == 0);
    lilv_state_free(st);
    struct stat sb;
    CHECK(stat("/usr/share/sounds/sf2/FluidR3_GM.sf2", &sb) == 0);
    CHECK(stat(model, &sb) == 0);

    /* A fresh instance restores it. */
    cad_host *h2 = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h2 != NULL);
    char file[1300];
    snprintf(file, sizeof file, "%s/state.ttl", save);
    LilvState *back = h2 ? lilv_state_new_from_file(
                               cad_host_world(h2), cad_host_urid_map(h2),
                               NULL, file)
                         : NULL;
    CHECK(back != NULL);
    if (back && h2) {
        lilv_state_restore(back, cad_host_instance(h2), set_port, h2, 0,
                           (const LV2_Feature *const *)cad_host_features(h2));
        lilv_state_free(back);
        CHECK(cad_host_get(h2, "seed") == 7.0f);
        CHECK(cad_host_get(h2, "mode") == 1.0f);
        run_for(h2, 0.5);
        const char *got = cad_host_rec_get(h2)->last_model;
        printf("state: restored model path '%s'\n", got);
        /* The path may come back through a link lilv made; it must name
         * the same file. */
        struct stat a, b;
        CHECK(stat(got, &a) == 0 && stat(model, &b) == 0 &&
              a.st_ino == b.st_ino);
    }
    cad_host_free(h2);

    /* The folk preset brings its own model from the bundle (its state
     * names nottingham.safetensors, relative to the preset file). */
    cad_host *h3 = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h3 != NULL);
    LilvNode *pu = h3 ? lilv_new_uri(cad_host_world(h3), CAD_PLUGIN_URI
                                     "#preset-folk-fiddle")
                      : NULL;
    if (pu) /* a preset's own file is read on demand, as hosts do */
        lilv_world_load_resource(cad_host_world(h3), pu);
    LilvState *folk = pu ? lilv_state_new_from_world(
                               cad_host_world(h3), cad_host_urid_map(h3), pu)
                         : NULL;
    CHECK(folk != NULL);
    if (folk) {
        lilv_state_restore(folk, cad_host_instance(h3), set_port, h3, 0,
                           (const LV2_Feature *const *)cad_host_features(h3));
        lilv_state_free(folk);
        CHECK(cad_host_get(h3, "program") == 110.0f);
        run_for(h3, 0.5);
        const char *got = cad_host_rec_get(h3)->last_model;
        printf("state: the folk preset loaded '%s'\n", got);
        size_t n = strlen(got), k = strlen("/nottingham.safetensors");
        CHECK(n > k && strcmp(got + n - k, "/nottingham.safetensors") == 0);
    }
    lilv_node_free(pu);
    cad_host_free(h3);
    cad_host_free(h);
    CHECK(stat("/usr/share/sounds/sf2/FluidR3_GM.sf2", &sb) == 0);
    remove_tree(dir);
    free(dir);
}

/* ---- other representations ----------------------------------------------- */

/* Plays `model` from PRE at `bpm` in blocks of `block` until a stop at
 * 10 s, then 2 s more; in `mode` (0 follow, 2 listen at the tempo port). */
static cad_host *play_model(const char *model, uint32_t block, int mode,
                            double bpm)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    if (!h)
        return NULL;
    cad_host_patch_set(h, 0, "model", model);
    cad_host_set(h, "mode", (float)mode);
    cad_host_set(h, "tempo", (float)bpm);
    cad_host_transport(h, PRE, 1, bpm, 0.0);
    cad_host_transport(h, (int64_t)(10 * RATE), 0, bpm, 0.0);
    const int64_t end = (int64_t)(12 * RATE);
    while (cad_host_now(h) < end) {
        int64_t left = end - cad_host_now(h);
        cad_host_run(h, left < block ? (uint32_t)left : block);
    }
    return h;
}

static void test_repr(int n, char **models)
{
    CHECK(n > 0);
    const int64_t stop = (int64_t)(10 * RATE);
    /* A slot of a quarter of a beat at 120 bpm, from PRE. */
    const int64_t slot = (int64_t)(RATE / 8);
    int between = 0;
    for (int i = 0; i < n; i++) {
        cad_host *a = play_model(models[i], 64, 0, 120);
        cad_host *b = play_model(models[i], 1024, 0, 120);
        CHECK(a && b);
        if (!a || !b) {
            cad_host_free(a);
            cad_host_free(b);
            continue;
        }
        const cad_host_rec *r = cad_host_rec_get(a);
        int on = count_on(r, 0, stop), off_grid = 0, held[128] = {0};
        int unpaired = 0, late = 0;
        for (size_t j = 0; j < r->n_midi; j++) {
            const cad_host_midi *m = &r->midi[j];
            if (is_on(m)) {
                off_grid += (m->frame - PRE) % slot != 0;
                late += m->frame > stop;
                held[m->msg[1]]++;
            } else if (is_off(m)) {
                unpaired += held[m->msg[1]] == 0;
                if (held[m->msg[1]] > 0)
                    held[m->msg[1]]--;
            }
        }
        int stuck = 0;
        for (int k = 0; k < 128; k++)
            stuck += held[k];
        printf("repr: %s: %d note-ons (%d between slot starts), "
               "%d distinct pitches, rms %.4f; blocks of 64 and 1024: %s; "
               "status '%s'\n",
               models[i], on, off_grid, distinct_pitches(r, 0, stop),
               rms(r, 0, (size_t)stop),
               same_output(r, cad_host_rec_get(b)) ? "the same"
                                                   : "DIFFERENT",
               r->last_status);
        CHECK(!strcmp(r->last_model, models[i]));
        CHECKF(r->last_status[0] == 0, "status: %s", r->last_status);
        CHECKF(on >= 8, "%d note-ons", on);
        /* (performance events keep the velocities a tiny model chose) */
        CHECK(rms(r, 0, (size_t)stop) > 1e-4);
        CHECKF(same_output(r, cad_host_rec_get(b)),
               "%s: blocks of 64 and 1024 differ", models[i]);
        CHECKF(stuck == 0 && unpaired == 0 && late == 0,
               "%d notes held after the stop, %d note-offs of no note, "
               "%d note-ons after it", stuck, unpaired, late);
        between += off_grid;
        cad_host_free(a);
        cad_host_free(b);
    }
    /* Notes and events are timed finer than a slot: run() plays them at
     * their own frames, not on the slots' grid. */
    CHECKF(between > 0, "every note-on on a slot's start");
    /* Listen mode needs a piano roll: with another model it says so and
     * composes all the same. */
    cad_host *h = play_model(models[0], 512, 2, 120);
    CHECK(h != NULL);
    if (h) {
        const cad_host_rec *r = cad_host_rec_get(h);
        printf("repr: listen mode with %s: %d note-ons, status '%s'\n",
               models[0], count_on(r, 0, stop), r->last_status);
        CHECK(strstr(r->last_status, "piano-roll") != NULL);
        CHECK(count_on(r, 0, stop) >= 8);
    }
    cad_host_free(h);
}

/* A piano roll timed in seconds (the shipped model with 0.3 s frames,
 * test_repr.sh) at 100 bpm: its steps last 0.3 s at the host's tempo, a
 * half beat (14400 frames), not the 0.6 beat they made at 120 bpm. */
static void test_seconds(const char *model)
{
    CHECK(model != NULL);
    if (!model)
        return;
    const int64_t stop = (int64_t)(10 * RATE), step = (int64_t)(0.3 * RATE);
    cad_host *a = play_model(model, 64, 0, 100);
    cad_host *b = play_model(model, 1024, 0, 100);
    CHECK(a && b);
    if (a && b) {
        const cad_host_rec *r = cad_host_rec_get(a);
        int off_grid = 0;
        for (size_t j = 0; j < r->n_midi; j++) {
            int64_t d = (r->midi[j].frame - PRE) % step;
            off_grid += is_on(&r->midi[j]) && d > 1 && d < step - 1;
        }
        int same = same_output(r, cad_host_rec_get(b));
        printf("seconds: %d note-ons at 100 bpm, %d off the 0.3 s grid; "
               "blocks of 64 and 1024: %s; status '%s'\n",
               count_on(r, 0, stop), off_grid,
               same ? "the same" : "DIFFERENT", r->last_status);
        CHECK(!strcmp(r->last_model, model));
        CHECK(count_on(r, 0, stop) >= 8);
        CHECKF(off_grid == 0, "%d note-ons off the grid", off_grid);
        CHECK(same);
    }
    cad_host_free(a);
    cad_host_free(b);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "render";
    if (!getenv("LV2_PATH") || !getenv("CAD_BUNDLE"))
        fprintf(stderr, "LV2_PATH/CAD_BUNDLE not set: run through "
                        "run_installed.sh\n");
    if (!strcmp(what, "render"))
        test_render();
    else if (!strcmp(what, "determinism"))
        test_determinism();
    else if (!strcmp(what, "rt"))
        test_rt();
    else if (!strcmp(what, "listen"))
        test_listen();
    else if (!strcmp(what, "state"))
        test_state();
    else if (!strcmp(what, "repr"))
        test_repr(argc - 2, argv + 2);
    else if (!strcmp(what, "seconds"))
        test_seconds(argc > 2 ? argv[2] : NULL);
    else {
        fprintf(stderr, "unknown test %s\n", what);
        return 2;
    }
    TEST_MAIN_END();
}
