/* See cad_kernels.h. The portable C versions, and the choice among the
 * versions at run time. The C versions are also the fallback the vector
 * versions use for sizes they do not handle. */
#include "cad_kernels.h"

#include <math.h>
#include <stdatomic.h>

#include "cad_kernels_impl.h"
#include "cad_lstm.h" /* cad_sigmoid */

/* ---- portable C -------------------------------------------------------- */

static float dot_c(int n, const float *a, const float *x)
{
    float s = 0;
    for (int j = 0; j < n; j++)
        s += a[j] * x[j];
    return s;
}

static void gemv2_c(int R, const float *b, const float *A, int na,
                    const float *x, const float *B, int nb, const float *h,
                    float *y)
{
    for (int r = 0; r < R; r++) {
        float s = b ? b[r] : 0.0f;
        s += dot_c(na, A + (long)r * na, x);
        if (B)
            s += dot_c(nb, B + (long)r * nb, h);
        y[r] = s;
    }
}

static float dot16_c(int n, const uint16_t *a, const float *x)
{
    float s = 0;
    for (int j = 0; j < n; j++)
        s += cad_kern_bf16_f(a[j]) * x[j];
    return s;
}

static void gemv2_bf16_c(int R, const float *b, const uint16_t *A, int na,
                         const float *x, const uint16_t *B, int nb,
                         const float *h, float *y)
{
    for (int r = 0; r < R; r++) {
        float s = b ? b[r] : 0.0f;
        s += dot16_c(na, A + (long)r * na, x);
        if (B)
            s += dot16_c(nb, B + (long)r * nb, h);
        y[r] = s;
    }
}

static void cell_c(int H, const float *gates, float *c, float *h)
{
    const float *gi = gates, *gf = gi + H, *gg = gf + H, *go = gg + H;
    for (int j = 0; j < H; j++) {
        c[j] = cad_sigmoid(gf[j]) * c[j] + cad_sigmoid(gi[j]) * tanhf(gg[j]);
        h[j] = cad_sigmoid(go[j]) * tanhf(c[j]);
    }
}

const cad_kernels cad_kern_c = {"c", gemv2_c, gemv2_bf16_c, cell_c, dot_c};

uint16_t cad_kern_to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN: keep it one */
        return (uint16_t)(u >> 16 | 0x40);
    u += 0x7fffu + ((u >> 16) & 1); /* round to nearest, ties to even */
    return (uint16_t)(u >> 16);
}

void cad_kern_add(int n, const float *M, float *y)
{
    for (int j = 0; j < n; j++) /* the compiler vectorises this one */
        y[j] += M[j];
}

/* ---- the choice -------------------------------------------------------- */

int cad_kern_available(const cad_kernels **sets, int n)
{
    int k = 0;
    if (k < n)
        sets[k++] = &cad_kern_c;
#ifdef CAD_KERN_X86
    __builtin_cpu_init();
    if (k < n && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        sets[k++] = &cad_kern_avx2;
    /* AVX-512 Foundation for the arithmetic, BW for the masked 16-bit
     * loads of bfloat16 tails; every CPU with one has the other (Skylake-X
     * and later, Zen 4 and later). */
    if (k < n && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw"))
        sets[k++] = &cad_kern_avx512;
#endif
    return k;
}

const cad_kernels *cad_kern_active(void)
{
    /* Two threads may race to the first call; both store the same answer. */
    static _Atomic(const cad_kernels *) chosen;
    const cad_kernels *k = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (!k) {
        const cad_kernels *all[8];
        k = all[cad_kern_available(all, 8) - 1];
        atomic_store_explicit(&chosen, k, memory_order_relaxed);
    }
    return k;
}

void cad_kern_gemv2(int R, const float *b, const float *A, int na,
                    const float *x, const float *B, int nb, const float *h,
                    float *y)
{
    cad_kern_active()->gemv2(R, b, A, na, x, B, nb, h, y);
}

void cad_kern_gemv2_bf16(int R, const float *b, const uint16_t *A, int na,
                         const float *x, const uint16_t *B, int nb,
                         const float *h, float *y)
{
    cad_kern_active()->gemv2_bf16(R, b, A, na, x, B, nb, h, y);
}

void cad_kern_lstm_cell(int H, const float *gates, float *c, float *h)
{
    cad_kern_active()->lstm_cell(H, gates, c, h);
}

float cad_kern_dot(int n, const float *a, const float *x)
{
    return cad_kern_active()->dot(n, a, x);
}
