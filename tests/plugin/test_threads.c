/* cadenza.lv2 with a live worker thread, as Ardour runs it while playing:
 * work() in a thread of its own, concurrently with run(), answers queued
 * back and handed to work_response() in the audio thread (cad_host_work.c).
 * The audio thread keeps to real time, with small uneven blocks, while
 * every control moves, the transport stops, starts, jumps and changes
 * tempo, MIDI comes in, and the model (two files, turn about, plus one that
 * does not exist) and the soundfont are swapped again and again. Then it
 * plays on, calm, until the worker has caught up (slow under a sanitizer
 * or on a busy machine), three seconds more, and stops.
 *
 * Timing between the threads is not reproducible, so only what must hold
 * whatever it is gets checked: no crash, no NaN or infinity, sound, the
 * last model asked for is the one in use, nothing allocates or locks in the
 * audio thread, no answer is lost, and no note is left on after the stop.
 * Built with -fsanitize=thread (scripts/test, build-tsan), this is the test
 * that shows a data race between the plugin's two threads.
 *   test_threads threads [MODEL_B]
 * MODEL_B (test_repr.sh: a model of another representation) takes turns
 * with the shipped model instead of a copy of it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cad_test.h"
#include "cad_host.h"
#include "cad_rt.h"

#define RATE 48000.0

static int64_t at(double seconds) { return (int64_t)(seconds * RATE); }

/* The busy part, given to the host up front: a calm start, then six
 * seconds of swaps and transport changes; model_b is the last model. */
static void script(cad_host *h, const char *model_a, const char *model_b)
{
    for (int i = 0; i <= 12; i++) /* every 0.5 s from 2 s; model_b last */
        cad_host_patch_set(h, at(2.0 + 0.5 * i), "model",
                           i == 5 ? "/nonexistent.safetensors"
                           : i % 2 ? model_a : model_b);
    cad_host_patch_set(h, at(3.6), "soundfont",
                       "/usr/share/sounds/sf2/FluidR3_GM.sf2");
    cad_host_patch_set(h, at(6.1), "soundfont",
                       "/usr/share/sounds/sf2/default-GM.sf2");
    cad_host_transport(h, at(0.2), 1, 120, 0);
    cad_host_transport(h, at(4.2), 1, 120, 33);      /* jump */
    cad_host_transport(h, at(5.0), 0, 120, 34.6);    /* stop */
    cad_host_transport(h, at(5.5), 1, 140, 8);       /* start */
    cad_host_transport(h, at(7.0), 1, 97, 11.5);     /* tempo, same place */
    cad_host_midi_in(h, at(6.3), 0x90, 64, 90);
    cad_host_midi_in(h, at(6.6), 0x80, 64, 0);
}

/* Controls moved every block, like test_plugin.c's rt scenario; no new
 * piece (seed, regenerate, mode) after 9 s, so the end is calm. */
static void automate(cad_host *h, double t, int k)
{
    cad_host_set(h, "temperature", (float)(0.3 + fmod(t, 3.0) / 2));
    cad_host_set(h, "threshold", (float)(0.05 * (k % 4)));
    cad_host_set(h, "key", (float)((int)(t * 3) % 12));
    cad_host_set(h, "scale", (float)((int)t % 3));
    cad_host_set(h, "max_notes", (float)(1 + k % 8));
    cad_host_set(h, "gain", (float)(-6 + 6 * sin(t)));
    cad_host_set(h, "program", (float)((int)t % 2 ? 19 : 0));
    cad_host_set(h, "seed", (float)((int)(fmin(t, 9) / 2)));
    cad_host_set(h, "regenerate", t < 9 && fmod(t, 1.5) < 0.1 ? 1.0f : 0.0f);
    /* Free-running for a moment, then following again. */
    cad_host_set(h, "mode", t > 8.2 && t < 8.8 ? 1.0f : 0.0f);
}

/* Note-ons in [from, to), and notes still held at the end. */
static int count_ons(const cad_host_rec *r, int64_t from, int64_t to)
{
    int n = 0;
    for (size_t i = 0; i < r->n_midi; i++)
        n += (r->midi[i].msg[0] & 0xF0) == 0x90 && r->midi[i].msg[2] > 0 &&
             r->midi[i].frame >= from && r->midi[i].frame < to;
    return n;
}

static int held_at_end(const cad_host_rec *r)
{
    int held[128] = {0}, sounding = 0;
    for (size_t i = 0; i < r->n_midi; i++) {
        const cad_host_midi *m = &r->midi[i];
        int st = m->msg[0] & 0xF0, key = m->msg[1] & 0x7F;
        if (st == 0x90 && m->msg[2] > 0)
            held[key]++, sounding++;
        else if ((st == 0x80 || st == 0x90) && held[key] > 0)
            held[key]--, sounding--;
    }
    return sounding;
}

static void run_until(cad_host *h, int64_t end, int *k)
{
    while (cad_host_now(h) < end) {
        automate(h, (double)cad_host_now(h) / RATE, *k);
        cad_host_run(h, 64 + (uint32_t)((*k)++ * 397) % 961);
    }
}

static void test_threads(const char *other)
{
    cad_rt_init();
    char dir[] = "/tmp/cadenza-threads-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char model_a[1200], model_b[1200];
    const char *bundle = getenv("CAD_BUNDLE");
    snprintf(model_a, sizeof model_a, "%s/default.safetensors",
             bundle ? bundle : ".");
    snprintf(model_b, sizeof model_b, "%s/other.safetensors", dir);
    CHECK(cad_host_copy_file(other ? other : model_a, model_b) == 0);

    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK(cad_host_threaded(h) == 0);
    /* Real time, as live (CAD_THREADS_PACE=4: four times as fast, which
     * leaves a slow worker further behind). */
    const char *pace = getenv("CAD_THREADS_PACE");
    cad_host_pace(h, pace && atof(pace) > 0 ? atof(pace) : 1.0);
    script(h, model_a, model_b);

    /* The busy part; then calm until the worker has caught up (a
     * sanitizer or a loaded machine makes it slow); then three calm
     * seconds with model_b, a stop, and a second of silence. */
    long rt0 = cad_rt_count();
    int k = 0;
    run_until(h, at(9), &k);
    while (cad_host_work_pending(h) > 0 && cad_host_now(h) < at(60))
        run_until(h, cad_host_now(h) + at(0.1), &k);
    int64_t tail = cad_host_now(h), stop = tail + at(3);
    cad_host_transport(h, stop, 0, 97, 0);
    run_until(h, stop + at(1), &k);
    long rt_calls = cad_rt_count() - rt0;

    const cad_host_rec *r = cad_host_rec_get(h);
    size_t bad = 0;
    double acc = 0;
    for (size_t i = 0; i < r->frames; i++) {
        bad += !isfinite(r->left[i]) || !isfinite(r->right[i]);
        acc += (double)r->left[i] * r->left[i];
    }
    double rms = sqrt(acc / (double)(r->frames ? r->frames : 1));
    int ons = count_ons(r, 0, stop), ons_tail = count_ons(r, tail, stop);
    int ons_late = count_ons(r, stop + 1, INT64_MAX), held = held_at_end(r);
    printf("threads: %d blocks, %ld requests worked in the worker thread "
           "(caught up %.1f s after the busy part), %ld answers dropped, "
           "%ld allocator/lock calls in the audio thread (last: %s)\n", k,
           cad_host_worked(h), (double)(tail - at(9)) / RATE,
           cad_host_dropped_answers(h), rt_calls, cad_rt_last());
    printf("threads: rms %.4f, %d note-ons (%d in the calm 3 s), %zu bad "
           "samples; %d notifications, model '%s', status '%s'\n", rms,
           ons, ons_tail, bad, r->notifications, r->last_model,
           r->last_status);
    CHECK(bad == 0);
    CHECKF(rms > 1e-3, "silent: rms %g", rms);
    CHECK(ons_tail > 0); /* model_b plays */
    CHECKF(strcmp(r->last_model, model_b) == 0, "model in use: %s",
           r->last_model);
    CHECK(strstr(r->last_status, "nonexistent") != NULL);
    CHECK(cad_host_worked(h) > 50);
    CHECK(cad_host_dropped_answers(h) == 0);
    CHECKF(rt_calls == 0, "%ld calls, last %s", rt_calls, cad_rt_last());
    CHECKF(held == 0 && ons_late == 0,
           "%d notes held after the stop, %d started after it", held,
           ons_late);
    cad_host_free(h);
    unlink(model_b);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "threads";
    if (!getenv("LV2_PATH") || !getenv("CAD_BUNDLE"))
        fprintf(stderr, "LV2_PATH/CAD_BUNDLE not set: run through "
                        "run_installed.sh\n");
    if (!strcmp(what, "threads"))
        test_threads(argc > 2 ? argv[2] : NULL);
    else {
        fprintf(stderr, "unknown test %s\n", what);
        return 2;
    }
    TEST_MAIN_END();
}
