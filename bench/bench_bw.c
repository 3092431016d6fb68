/* Memory bandwidth, the physical limit of batch-1 generation: every LSTM
 * step reads every weight once, so no step can take less than
 * weight bytes / read bandwidth. Measured over a buffer of the size asked
 * for, so it counts the cache level those weights actually live in.
 *   bench_bw BYTES      prints: read_GBps copy_GBps
 * read: streaming sum of the buffer (the access pattern of a gemv);
 * copy: memcpy into a second buffer, counting the bytes copied once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Four independent integer sums: the compiler vectorises them, and the
 * result is used so the loads cannot be dropped. */
static uint64_t sum(const uint64_t *p, size_t n)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i + 4 <= n; i += 4) {
        a += p[i];
        b += p[i + 1];
        c += p[i + 2];
        d += p[i + 3];
    }
    return a ^ b ^ c ^ d;
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    long bytes = argc > 1 ? atol(argv[1]) : 0;
    if (bytes < 4096 || bytes > (1L << 32)) {
        fprintf(stderr, "usage: bench_bw BYTES (4096 .. 4 GiB)\n");
        return 2;
    }
    size_t n = (size_t)bytes / 8;
    uint64_t *src = malloc(n * 8), *dst = malloc(n * 8);
    if (!src || !dst) {
        fprintf(stderr, "bench_bw: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        src[i] = i * 2654435761u;
    memset(dst, 1, n * 8);
    /* Enough repetitions for ~0.2 s per measurement; the best of 15
     * (the least disturbed by the other core and the OS). */
    int reps = (int)(2e8 / (double)bytes) + 1;
    double tr[15], tc[15];
    uint64_t sink = 0;
    for (int k = 0; k < 15; k++) {
        double t0 = now_s();
        for (int r = 0; r < reps; r++) {
            sink += sum(src, n);
            src[(size_t)r * 4099 % n] ^= sink; /* no two sums alike */
        }
        double t1 = now_s();
        for (int r = 0; r < reps; r++) {
            memcpy(dst, src, n * 8);
            src[r % n] ^= dst[(r * 7) % n]; /* keep every copy alive */
        }
        double t2 = now_s();
        tr[k] = t1 - t0;
        tc[k] = t2 - t1;
    }
    qsort(tr, 15, sizeof *tr, cmp);
    qsort(tc, 15, sizeof *tc, cmp);
    double total = (double)n * 8 * reps;
    printf("%.2f %.2f\n", total / tr[0] * 1e-9, total / tc[0] * 1e-9);
    if (sink == 42) /* practically never; keeps the sums */
        fprintf(stderr, "#");
    free(src);
    free(dst);
    return 0;
}
