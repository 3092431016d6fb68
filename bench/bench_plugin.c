/* What the plugin costs a host, against bare FluidSynth doing the same
 * audible work (bench/run section 4). Run through run_installed.sh, so it
 * loads the installed bundle:
 *   1. the plugin plays 60 s at 120 bpm in blocks of 64 and of 256 frames,
 *      its worker run synchronously between blocks as in an export (so the
 *      notes are the same whatever else the machine is doing); every
 *      block's run() is timed, with the work_response() calls that take
 *      in the worker's answers, but not work() itself;
 *   2. a bare FluidSynth, built as the plugin builds its own (effects off,
 *      same SoundFont, same program), plays the notes the plugin sent, at
 *      the same frames, split at the same events, in the same blocks;
 *   3. resident memory per instance and the time to instantiate one.
 * Prints Markdown table rows. The first 2 s of each run are left out
 * (the spare synth and the opening being prepared). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cad_host.h"
#include "cad_synth.h"

#define RATE 48000.0
#define SECONDS 60
#define SKIP (2 * (int64_t)RATE)

typedef struct {
    double mean_us, p999_us, worst_us;
} cost;

/* Block times of one run (at most 60 s in blocks of 64). */
static double times[SECONDS * 48000 / 64 + 1];
static long n_times;

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static cost summary(void)
{
    double sum = 0;
    for (long i = 0; i < n_times; i++)
        sum += times[i];
    qsort(times, (size_t)n_times, sizeof *times, cmp);
    return (cost){sum / (double)n_times, times[n_times * 999 / 1000],
                  times[n_times - 1]};
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* Notes the plugin sent, to replay. */
static cad_host_midi *ev;
static size_t n_ev, cap_ev;

static cost run_plugin(uint32_t block)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    if (!h)
        exit(1);
    cad_host_keep(h, 0);
    cad_host_transport(h, 0, 1, 120.0, 0.0);
    n_ev = 0;
    n_times = 0;
    while (cad_host_now(h) < SECONDS * (int64_t)RATE) {
        cad_host_run(h, block);
        double t = cad_host_rt_us(h);
        const cad_host_block *b = cad_host_last_block(h);
        for (size_t i = 0; i < b->n_midi; i++) {
            if (n_ev == cap_ev) {
                cap_ev = cap_ev ? 2 * cap_ev : 4096;
                ev = realloc(ev, cap_ev * sizeof *ev);
            }
            ev[n_ev++] = b->midi[i];
        }
        if (b->frame >= SKIP)
            times[n_times++] = t;
    }
    cad_host_free(h);
    return summary();
}

static cost run_bare(uint32_t block, const char *sf2)
{
    cad_error e;
    cad_synth *s = cad_synth_new(RATE, sf2, 0, &e);
    if (!s) {
        fprintf(stderr, "bench_plugin: %s\n", e.msg);
        exit(1);
    }
    cad_synth_program(s, 0, 0);
    float l[8192], r[8192];
    size_t k = 0;
    double energy = 0;
    n_times = 0;
    for (int64_t f = 0; f < SECONDS * (int64_t)RATE; f += block) {
        double t0 = now_us();
        int64_t at = f;
        while (at < f + block) { /* render up to each event, then play it */
            int64_t next = k < n_ev && ev[k].frame < f + block ? ev[k].frame
                                                               : f + block;
            if (next > at) {
                cad_synth_render(s, (int)(next - at), l, r);
                for (int64_t q = 0; q < next - at; q++)
                    energy += (double)l[q] * l[q];
                at = next;
            }
            for (; k < n_ev && ev[k].frame <= at; k++) {
                const uint8_t *m = ev[k].msg;
                if ((m[0] & 0xf0) == 0x90 && m[2])
                    cad_synth_note_on(s, m[0] & 15, m[1], m[2]);
                else if ((m[0] & 0xf0) == 0x80 || (m[0] & 0xf0) == 0x90)
                    cad_synth_note_off(s, m[0] & 15, m[1]);
            }
        }
        if (f >= SKIP)
            times[n_times++] = now_us() - t0;
    }
    cad_synth_free(s);
    if (!(energy > 0)) {
        fprintf(stderr, "bench_plugin: the replay is silent\n");
        exit(1);
    }
    return summary();
}

int main(void)
{
    const char *sf2 = cad_synth_default_soundfont();
    if (!sf2) {
        fprintf(stderr, "bench_plugin: no General MIDI SoundFont installed\n");
        return 1;
    }
    printf("| block | plugin run() mean µs | bare FluidSynth mean µs | overhead "
           "| plugin 99.9th percentile µs (bare) | plugin worst µs (bare) "
           "| worst ÷ block's real-time budget |\n");
    printf("|---|---|---|---|---|---|---|\n");
    static const uint32_t blocks[] = {64, 256};
    for (int i = 0; i < 2; i++) {
        cost p = run_plugin(blocks[i]);
        cost b = run_bare(blocks[i], sf2);
        double budget = blocks[i] / RATE * 1e6;
        printf("| %u | %.2f | %.2f | %+.1f%% | %.1f (%.1f) | %.1f (%.1f) "
               "| %.1f%% |\n", blocks[i], p.mean_us, b.mean_us,
               100.0 * (p.mean_us - b.mean_us) / b.mean_us, p.p999_us,
               b.p999_us, p.worst_us, b.worst_us,
               100.0 * p.worst_us / budget);
    }

    /* Memory: four instances, each with its model, its synth and the
     * SoundFont (FluidSynth caches a file's samples and shares them
     * between synths in one process), run for a while so that the spare
     * synth exists too. The bare synth shows the SoundFont's own share. */
    long r0 = rss_kb();
    cad_error e;
    cad_synth *bare = cad_synth_new(RATE, sf2, 0, &e);
    long r1 = rss_kb();
    cad_host *hs[4];
    double t0 = now_us();
    for (int i = 0; i < 4; i++) {
        hs[i] = cad_host_new(RATE, CAD_PLUGIN_URI);
        if (!hs[i])
            return 1;
        cad_host_keep(hs[i], 0);
    }
    double inst_ms = (now_us() - t0) / 4 * 1e-3;
    long r2 = rss_kb();
    for (int i = 0; i < 4; i++) {
        cad_host_transport(hs[i], 0, 1, 120.0, 0.0);
        for (int k = 0; k < 200; k++)
            cad_host_run(hs[i], 512);
    }
    long r3 = rss_kb();
    printf("\nMemory: the SoundFont in a bare synth %.1f MB; per instance "
           "%.1f MB after instantiate, %.1f MB playing (model, synths, "
           "buffers; the SoundFont's samples shared). Instantiate (model "
           "and SoundFont loaded, synth ready): %.0f ms.\n",
           (r1 - r0) / 1024.0, (r2 - r1) / 4 / 1024.0, (r3 - r1) / 4 / 1024.0,
           inst_ms);
    for (int i = 0; i < 4; i++)
        cad_host_free(hs[i]);
    cad_synth_free(bare);
    free(ev);
    return 0;
}
