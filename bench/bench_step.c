/* Single-step generation latency: median time of one cad_gen_sample (the
 * LSTM step plus sampling a frame) for a model file, batch 1, one thread,
 * as the plugin's worker runs it.
 *   bench_step MODEL [STEPS] [bf16]
 * prints: median_us p99_us weight_bytes load_ms kernels
 * weight_bytes is what one step reads: every parameter, 4 bytes each (2
 * for the LSTM weights with bf16); load_ms is the median time of
 * cad_model_load (read, parse, validate), as the plugin's worker does it;
 * kernels names the kernel version this CPU runs (cad_kernels.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cad_gen.h"
#include "cad_kernels.h"
#include "cad_model.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_step MODEL [STEPS] [bf16]\n");
        return 2;
    }
    int steps = argc > 2 ? atoi(argv[2]) : 2000;
    if (steps < 10)
        steps = 10;
    cad_error e;
    cad_model *m;
    int bf16 = argc > 3 && strcmp(argv[3], "bf16") == 0;
    double load[9];
    for (int i = 0; i < 9; i++) {
        double t0 = now_us();
        if (cad_model_load(argv[1], &m, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        load[i] = now_us() - t0;
        cad_model_free(m);
    }
    qsort(load, 9, sizeof *load, cmp);
    if (cad_model_load(argv[1], &m, &e) || (bf16 && cad_model_to_bf16(m, &e))) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    cad_gen *g = cad_gen_new(m, &e);
    double *t = malloc(sizeof(double) * (size_t)steps);
    uint8_t frame[8192];
    cad_rng r;
    cad_rng_seed(&r, 1);
    cad_sample_params p = {.temperature = 1.0f};
    for (int i = 0; i < 100; i++) /* warm caches */
        cad_gen_sample(g, &p, &r, frame);
    for (int i = 0; i < steps; i++) {
        double t0 = now_us();
        cad_gen_sample(g, &p, &r, frame);
        t[i] = now_us() - t0;
        if (i % 64 == 63)
            cad_gen_reset(g); /* keep the state musical, not saturated */
    }
    qsort(t, (size_t)steps, sizeof *t, cmp);
    printf("%.2f %.2f %ld %.2f %s\n", t[steps / 2], t[steps * 99 / 100],
           m->n_params * (long)(bf16 ? 2 : 4), load[4] * 1e-3,
           cad_kern_active()->name);
    free(t);
    cad_gen_free(g);
    cad_model_free(m);
    return 0;
}
