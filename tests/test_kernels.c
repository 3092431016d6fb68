/* The batch-1 kernels (model/cad_kernels*.c), every version this CPU can
 * run (portable C, AVX2, AVX-512), against plain double-precision
 * references: sizes that are and are not multiples of each vector width,
 * the bias aliasing the output, a missing second matrix, bfloat16 rounding
 * (ties to even, NaN, infinities), and the LSTM cell's fast exponentials
 * against libm over the whole range the gates reach. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_kernels.h"
#include "cad_rng.h"
#include "cad_test.h"

static float bf16_to_f(uint16_t v)
{
    uint32_t u = (uint32_t)v << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void fill(cad_rng *r, float *v, int n, float scale)
{
    for (int i = 0; i < n; i++)
        v[i] = scale * (2.0f * (float)cad_rng_uniform(r) - 1.0f);
}

/* y = b + A x + B h in double, with the weights as the kernel sees them. */
static void reference(int R, const float *b, const float *A, int na,
                      const float *x, const float *B, int nb, const float *h,
                      double *y)
{
    for (int r = 0; r < R; r++) {
        double s = b ? b[r] : 0.0;
        for (int j = 0; j < na; j++)
            s += (double)A[(long)r * na + j] * x[j];
        for (int j = 0; B && j < nb; j++)
            s += (double)B[(long)r * nb + j] * h[j];
        y[r] = s;
    }
}

static void check_gemv(const cad_kernels *K, int R, int na, int nb, int with_b, int with_B)
{
    cad_rng rng;
    cad_rng_seed(&rng, (uint64_t)(R * 1000 + na * 10 + nb));
    float *A = malloc(sizeof(float) * (size_t)(R * na));
    float *B = malloc(sizeof(float) * (size_t)(R * nb));
    float *x = malloc(sizeof(float) * (size_t)na);
    float *h = malloc(sizeof(float) * (size_t)nb);
    float *y = malloc(sizeof(float) * (size_t)R);
    float *b = malloc(sizeof(float) * (size_t)R);
    uint16_t *A16 = malloc(sizeof(uint16_t) * (size_t)(R * na));
    uint16_t *B16 = malloc(sizeof(uint16_t) * (size_t)(R * nb));
    double *want = malloc(sizeof(double) * (size_t)R);
    fill(&rng, A, R * na, 0.5f);
    fill(&rng, B, R * nb, 0.5f);
    fill(&rng, x, na, 1.0f);
    fill(&rng, h, nb, 1.0f);
    fill(&rng, b, R, 1.0f);

    /* f32, the bias aliasing the output as cad_lstm_step uses it */
    reference(R, with_b ? b : NULL, A, na, x, with_B ? B : NULL, nb, h, want);
    memcpy(y, b, sizeof(float) * (size_t)R);
    K->gemv2(R, with_b ? y : NULL, A, na, x, with_B ? B : NULL, nb, h,
                   y);
    double err = 0;
    for (int r = 0; r < R; r++)
        err = fmax(err, fabs(y[r] - want[r]));
    CHECKF(err < 1e-5 * (na + nb), "%s f32 gemv %dx(%d+%d): error %g", K->name, R,
           na, nb, err);

    /* one row alone, as the NADE sampler asks for it */
    double d = 0;
    for (int j = 0; j < na; j++)
        d += (double)A[j] * x[j];
    CHECKF(fabs(K->dot(na, A, x) - d) < 1e-5 * na, "%s dot of %d", K->name, na);

    /* bf16: the same against the reference on the rounded weights */
    for (int i = 0; i < R * na; i++) {
        A16[i] = cad_kern_to_bf16(A[i]);
        A[i] = bf16_to_f(A16[i]);
    }
    for (int i = 0; i < R * nb; i++) {
        B16[i] = cad_kern_to_bf16(B[i]);
        B[i] = bf16_to_f(B16[i]);
    }
    reference(R, with_b ? b : NULL, A, na, x, with_B ? B : NULL, nb, h, want);
    K->gemv2_bf16(R, with_b ? b : NULL, A16, na, x,
                        with_B ? B16 : NULL, nb, h, y);
    err = 0;
    for (int r = 0; r < R; r++)
        err = fmax(err, fabs(y[r] - want[r]));
    CHECKF(err < 1e-5 * (na + nb), "%s bf16 gemv %dx(%d+%d): error %g", K->name,
           R, na, nb, err);
    free(A), free(B), free(x), free(h), free(y), free(b), free(A16);
    free(B16), free(want);
}

static void test_bf16_rounding(void)
{
    /* 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even
     * mantissa (1); 1 + 3 * 2^-8 goes up to 1 + 2^-6 (even). */
    CHECK(bf16_to_f(cad_kern_to_bf16(1.0f + 0x1p-8f)) == 1.0f);
    CHECK(bf16_to_f(cad_kern_to_bf16(1.0f + 3 * 0x1p-8f)) == 1.0f + 0x1p-6f);
    CHECK(bf16_to_f(cad_kern_to_bf16(1.0f + 0x1p-8f + 0x1p-20f)) ==
          1.0f + 0x1p-7f);
    CHECK(bf16_to_f(cad_kern_to_bf16(-2.5f)) == -2.5f);
    CHECK(isnan(bf16_to_f(cad_kern_to_bf16(NAN))));
    CHECK(bf16_to_f(cad_kern_to_bf16(INFINITY)) == INFINITY);
    CHECK(bf16_to_f(cad_kern_to_bf16(-INFINITY)) == -INFINITY);
    /* 7 stored mantissa bits: relative error at most half of 2^-7 */
    double worst = 0;
    for (float f = 1e-30f; f < 1e30f; f *= 1.37f)
        worst = fmax(worst, fabs(bf16_to_f(cad_kern_to_bf16(f)) - f) / f);
    CHECKF(worst <= 0x1p-8, "bf16 relative error %g", worst);
}

static float sig(float x) { return 1.0f / (1.0f + expf(-x)); }

static void test_cell(const cad_kernels *K)
{
    /* Gates from -30 to 30 (saturated both ways) and cell states across
     * the range, for a size with a scalar tail (8k + 5). */
    enum { H = 69 };
    float gates[4 * H], c[H], h[H], c0[H];
    double worst = 0;
    for (int trial = 0; trial < 200; trial++) {
        for (int j = 0; j < 4 * H; j++)
            gates[j] = -30.0f + 60.0f * (float)((j * 37 + trial * 11) % 997) / 996.0f;
        for (int j = 0; j < H; j++)
            c[j] = c0[j] = -5.0f + 10.0f * (float)((j * 13 + trial) % 101) / 100.0f;
        K->lstm_cell(H, gates, c, h);
        for (int j = 0; j < H; j++) {
            float ce = sig(gates[H + j]) * c0[j] +
                       sig(gates[j]) * tanhf(gates[2 * H + j]);
            float he = sig(gates[3 * H + j]) * tanhf(ce);
            worst = fmax(worst, fmax(fabs(c[j] - ce), fabs(h[j] - he)));
        }
    }
    CHECKF(worst < 1e-6, "%s LSTM cell: largest difference to libm %g",
           K->name, worst);
}

/* The sizes below against every version: 1 to 3 rows past a multiple of
 * four, and widths around 8, 16 and 32 (every tail of every version). */
static void test_version(const cad_kernels *K)
{
    check_gemv(K, 1, 1, 1, 1, 1);
    check_gemv(K, 4, 8, 8, 1, 1);
    check_gemv(K, 13, 37, 19, 1, 1);   /* every tail at once */
    check_gemv(K, 6, 31, 33, 1, 1);    /* one short of and one past 32 */
    check_gemv(K, 5, 16, 47, 1, 1);
    check_gemv(K, 88, 150, 0, 1, 0);   /* a head: no second matrix */
    check_gemv(K, 1024, 88, 256, 1, 1); /* an LSTM layer */
    check_gemv(K, 7, 33, 47, 0, 1);    /* no bias */
    test_cell(K);
}

int main(void)
{
    const cad_kernels *all[8];
    int n = cad_kern_available(all, 8);
    CHECK(n >= 1 && all[0]->name[0] == 'c');
    CHECK(all[n - 1] == cad_kern_active()); /* the best one is in use */
    for (int i = 0; i < n; i++) {
        printf("kernels: %s%s\n", all[i]->name,
               all[i] == cad_kern_active() ? " (in use)" : "");
        test_version(all[i]);
    }
    test_bf16_rounding();
    TEST_MAIN_END();
}
