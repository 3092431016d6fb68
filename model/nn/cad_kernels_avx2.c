/* The AVX2 + FMA versions of the kernels (see cad_kernels.h): eight
 * floats per instruction. Chosen on CPUs that have both and lack AVX-512.
 *
 * The gemv walks four rows at once so each load of x and h serves four
 * rows, with one accumulator per row; at batch 1 the loop is limited by how
 * fast the weights arrive, which is the point of the exercise. */
#include "cad_kernels_impl.h"

#ifdef CAD_KERN_X86
#include <immintrin.h>
#include <math.h>

#include "cad_lstm.h" /* cad_sigmoid */

#define CAD_AVX2 __attribute__((target("avx2,fma")))

CAD_AVX2 static float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v),
                          _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* acc[k] += rows[k][0..n) . v for four rows at stride ld. */
CAD_AVX2 static void dot4(int n, const float *a, long ld, const float *v,
                          float out[4])
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 xv = _mm256_loadu_ps(v + j);
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), xv, s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + ld + j), xv, s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + 2 * ld + j), xv, s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + 3 * ld + j), xv, s3);
    }
    out[0] += hsum(s0);
    out[1] += hsum(s1);
    out[2] += hsum(s2);
    out[3] += hsum(s3);
    for (; j < n; j++)
        for (int k = 0; k < 4; k++)
            out[k] += a[k * ld + j] * v[j];
}

CAD_AVX2 static float dot1(int n, const float *a, const float *v)
{
    __m256 s = _mm256_setzero_ps();
    int j = 0;
    for (; j + 8 <= n; j += 8)
        s = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(v + j), s);
    float t = hsum(s);
    for (; j < n; j++)
        t += a[j] * v[j];
    return t;
}

CAD_AVX2 static void gemv2_avx2(int R, const float *b, const float *A, int na,
                                const float *x, const float *B, int nb,
                                const float *h, float *y)
{
    int r = 0;
    for (; r + 4 <= R; r += 4) {
        float acc[4] = {0, 0, 0, 0};
        if (b)
            for (int k = 0; k < 4; k++)
                acc[k] = b[r + k];
        dot4(na, A + (long)r * na, na, x, acc);
        if (B)
            dot4(nb, B + (long)r * nb, nb, h, acc);
        for (int k = 0; k < 4; k++)
            y[r + k] = acc[k];
    }
    for (; r < R; r++) {
        float s = (b ? b[r] : 0.0f) + dot1(na, A + (long)r * na, x);
        if (B)
            s += dot1(nb, B + (long)r * nb, h);
        y[r] = s;
    }
}

/* bfloat16 rows, 16 weights per 256-bit load. Lane i of the load holds
 * weights 2i and 2i+1; shifting left by 16 makes lane i the float 2i,
 * masking the low half makes it the float 2i+1. So each row multiplies
 * the even and odd inputs separately: v is split once per call into
 * ve/vo (16 at a time: ve = v[0], v[2], .., v[14]; vo = v[1], .., v[15]),
 * which costs 2 instructions per 16 weights instead of 4 for widening. */
CAD_AVX2 static void split_even_odd(int n16, const float *v, float *ve,
                                    float *vo)
{
    for (int j = 0; j < n16; j += 16)
        for (int k = 0; k < 8; k++) {
            ve[j / 2 + k] = v[j + 2 * k];
            vo[j / 2 + k] = v[j + 2 * k + 1];
        }
}

CAD_AVX2 static void dot4_16(int n, const uint16_t *a, long ld,
                             const float *v, const float *ve,
                             const float *vo, float out[4])
{
    const __m256i hi = _mm256_set1_epi32((int)0xffff0000u);
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256 xe = _mm256_loadu_ps(ve + j / 2), xo = _mm256_loadu_ps(vo + j / 2);
        const uint16_t *r = a + j;
        /* Rows of a few hundred bytes are too short for the hardware
         * prefetcher to get going: ask for the next group's. */
        for (int k = 4; k < 8; k++)
            _mm_prefetch((const char *)(r + k * ld), _MM_HINT_T0);
        __m256i w0 = _mm256_loadu_si256((const __m256i *)r);
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(r + ld));
        __m256i w2 = _mm256_loadu_si256((const __m256i *)(r + 2 * ld));
        __m256i w3 = _mm256_loadu_si256((const __m256i *)(r + 3 * ld));
        s0 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(w0, 16)), xe, s0);
        s1 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(w1, 16)), xe, s1);
        s2 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(w2, 16)), xe, s2);
        s3 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(w3, 16)), xe, s3);
        s0 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(w0, hi)), xo, s0);
        s1 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(w1, hi)), xo, s1);
        s2 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(w2, hi)), xo, s2);
        s3 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(w3, hi)), xo, s3);
    }
    out[0] += hsum(s0);
    out[1] += hsum(s1);
    out[2] += hsum(s2);
    out[3] += hsum(s3);
    for (; j < n; j++)
        for (int k = 0; k < 4; k++)
            out[k] += cad_kern_bf16_f(a[k * ld + j]) * v[j];
}

CAD_AVX2 static void gemv2_bf16_avx2(int R, const float *b, const uint16_t *A,
                                     int na, const float *x,
                                     const uint16_t *B, int nb,
                                     const float *h, float *y)
{
    /* The even/odd inputs, on the stack: at most 2 x 8192 floats each
     * (CAD_MAX_WIDTH), usually a few KB. */
    float xe[4096], xo[4096], he[4096], ho[4096];
    int na16 = na & ~15, nb16 = B ? nb & ~15 : 0;
    if (na16 > 8192 || nb16 > 8192) {
        cad_kern_c.gemv2_bf16(R, b, A, na, x, B, nb, h, y);
        return;
    }
    split_even_odd(na16, x, xe, xo);
    split_even_odd(nb16, h, he, ho);
    int r = 0;
    for (; r + 4 <= R; r += 4) {
        float acc[4] = {0, 0, 0, 0};
        if (b)
            for (int k = 0; k < 4; k++)
                acc[k] = b[r + k];
        dot4_16(na, A + (long)r * na, na, x, xe, xo, acc);
        if (B)
            dot4_16(nb, B + (long)r * nb, nb, h, he, ho, acc);
        for (int k = 0; k < 4; k++)
            y[r + k] = acc[k];
    }
    if (r < R) /* fewer than four rows left */
        cad_kern_c.gemv2_bf16(R - r, b ? b + r : NULL, A + (long)r * na, na, x,
                     B ? B + (long)r * nb : NULL, nb, h, y + r);
}

/* e^x for 8 lanes: x = n ln2 + r with |r| <= ln2 / 2, e^r by a degree-6
 * polynomial (Cephes' expf coefficients), 2^n put straight into the
 * exponent bits. Relative error about 1e-7; inputs are clamped to where
 * the result is a normal float. */
CAD_AVX2 static __m256 exp8(__m256 x)
{
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)),
                      _mm256_set1_ps(88.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    /* ln 2 in two parts, so n * ln2_hi is exact */
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

CAD_AVX2 static __m256 sigmoid8(__m256 x)
{
    __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(
                                                   _mm256_setzero_ps(), x))));
}

/* tanh x = 2 sigmoid(2x) - 1: absolute error a few 1e-8, which is all a
 * cell state needs. */
CAD_AVX2 static __m256 tanh8(__m256 x)
{
    __m256 s = sigmoid8(_mm256_add_ps(x, x));
    return _mm256_sub_ps(_mm256_add_ps(s, s), _mm256_set1_ps(1.0f));
}

CAD_AVX2 static void cell_avx2(int H, const float *gates, float *c, float *h)
{
    const float *gi = gates, *gf = gi + H, *gg = gf + H, *go = gg + H;
    int j = 0;
    for (; j + 8 <= H; j += 8) {
        __m256 i = sigmoid8(_mm256_loadu_ps(gi + j));
        __m256 f = sigmoid8(_mm256_loadu_ps(gf + j));
        __m256 g = tanh8(_mm256_loadu_ps(gg + j));
        __m256 o = sigmoid8(_mm256_loadu_ps(go + j));
        __m256 cj = _mm256_fmadd_ps(f, _mm256_loadu_ps(c + j),
                                    _mm256_mul_ps(i, g));
        _mm256_storeu_ps(c + j, cj);
        _mm256_storeu_ps(h + j, _mm256_mul_ps(o, tanh8(cj)));
    }
    if (j < H) /* odd sizes: the rest in C, each lane on its own */
        for (; j < H; j++) {
            c[j] = cad_sigmoid(gf[j]) * c[j] + cad_sigmoid(gi[j]) * tanhf(gg[j]);
            h[j] = cad_sigmoid(go[j]) * tanhf(c[j]);
        }
}

const cad_kernels cad_kern_avx2 = {"avx2", gemv2_avx2, gemv2_bf16_avx2,
                                   cell_avx2, dot1};
#endif
