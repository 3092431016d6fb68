/* The AVX-512 versions of the kernels (see cad_kernels.h): sixteen floats
 * or thirty-two bfloat16 weights per instruction, and masked loads, so a
 * row of any length needs no scalar tail. Chosen on CPUs with AVX-512F and
 * BW (Intel since Skylake-X, AMD since Zen 4).
 *
 * Why a version of its own when AVX2 runs on these CPUs too: at batch 1
 * the gemv must keep enough loads in flight to saturate the cache or
 * memory the weights live in; with AVX2 the bfloat16 kernel spends four
 * instructions on every eight weights just widening them, and on the
 * EPYC this project was measured on that left it at 2 to 3 times its
 * bandwidth bound. Half the instructions per byte gets it there.
 *
 * Tried and left out: the AVX-512 BF16 dot product (vdpbf16ps), with x
 * split into two bfloat16 parts to keep its precision. On Zen 4 it was
 * slower than the shift-and-mask widening below (3 x 256: 58 us against
 * 48 us per step), as two dot products per 32 weights cost more than two
 * integer operations and two fused multiply-adds. */
#include "cad_kernels_impl.h"

#ifdef CAD_KERN_X86
#include <immintrin.h>

#define CAD_AVX512 __attribute__((target("avx512f,avx512bw,fma")))

/* The lanes [0, n) of a 16-lane vector (n < 16). */
static inline __mmask16 tail16(int n) { return (__mmask16)((1u << n) - 1); }

/* s[k] += row k . v, lane by lane, for four rows at stride ld, with the
 * next four rows prefetched as these stream past (rows of a few hundred
 * bytes are too short for the hardware prefetcher to find on its own).
 * Into L2, not L1: measured on an EPYC (Zen 4), weights that come from
 * memory (3 x 512, 22 MB) stream at 45 GB/s with the L2 hint and 17 GB/s
 * with the L1 one, which evicts the rows still being read; from L2 or L3
 * both are alike. */
CAD_AVX512 static inline __attribute__((always_inline)) void
dot4(int n, const float *a, long ld, const float *v, __m512 s[4])
{
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 xv = _mm512_loadu_ps(v + j);
        for (int k = 4; k < 8; k++)
            _mm_prefetch((const char *)(a + k * ld + j), _MM_HINT_T1);
        s[0] = _mm512_fmadd_ps(_mm512_loadu_ps(a + j), xv, s[0]);
        s[1] = _mm512_fmadd_ps(_mm512_loadu_ps(a + ld + j), xv, s[1]);
        s[2] = _mm512_fmadd_ps(_mm512_loadu_ps(a + 2 * ld + j), xv, s[2]);
        s[3] = _mm512_fmadd_ps(_mm512_loadu_ps(a + 3 * ld + j), xv, s[3]);
    }
    if (j < n) {
        __mmask16 m = tail16(n - j);
        __m512 xv = _mm512_maskz_loadu_ps(m, v + j);
        s[0] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + j), xv, s[0]);
        s[1] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + ld + j), xv, s[1]);
        s[2] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + 2 * ld + j), xv, s[2]);
        s[3] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + 3 * ld + j), xv, s[3]);
    }
}

/* Lanes 8..15 (through the 64-bit extract, which needs only AVX-512F). */
CAD_AVX512 static inline __m256 upper8(__m512 v)
{
    return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

/* The four rows' sums out of their accumulators at once: rows of 100 to
 * 500 weights take only a few loop turns, and four separate horizontal
 * sums cost as much as the turns themselves. */
CAD_AVX512 static inline __attribute__((always_inline)) __m128
sum4(const __m512 s[4])
{
    __m256 a0 = _mm256_add_ps(_mm512_castps512_ps256(s[0]), upper8(s[0]));
    __m256 a1 = _mm256_add_ps(_mm512_castps512_ps256(s[1]), upper8(s[1]));
    __m256 a2 = _mm256_add_ps(_mm512_castps512_ps256(s[2]), upper8(s[2]));
    __m256 a3 = _mm256_add_ps(_mm512_castps512_ps256(s[3]), upper8(s[3]));
    /* hadd pairs neighbours: after two rounds lane k of each half holds
     * half of row k's sum; the halves added give the four sums. */
    __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* y[r..r+4) = b[r..r+4) (or 0) + the four sums */
CAD_AVX512 static inline __attribute__((always_inline)) void
store4(const float *b, int r, const __m512 s[4], float *y)
{
    __m128 t = sum4(s);
    if (b)
        t = _mm_add_ps(t, _mm_loadu_ps(b + r));
    _mm_storeu_ps(y + r, t);
}

CAD_AVX512 static float dot1(int n, const float *a, const float *v)
{
    __m512 s = _mm512_setzero_ps();
    int j = 0;
    for (; j + 16 <= n; j += 16)
        s = _mm512_fmadd_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(v + j), s);
    if (j < n) {
        __mmask16 m = tail16(n - j);
        s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + j),
                            _mm512_maskz_loadu_ps(m, v + j), s);
    }
    return _mm512_reduce_add_ps(s);
}

CAD_AVX512 static void gemv2_avx512(int R, const float *b, const float *A,
                                    int na, const float *x, const float *B,
                                    int nb, const float *h, float *y)
{
    int r = 0;
    for (; r + 4 <= R; r += 4) {
        __m512 s[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(),
                       _mm512_setzero_ps(), _mm512_setzero_ps()};
        dot4(na, A + (long)r * na, na, x, s);
        if (B)
            dot4(nb, B + (long)r * nb, nb, h, s);
        store4(b, r, s, y);
    }
    for (; r < R; r++) {
        float s = (b ? b[r] : 0.0f) + dot1(na, A + (long)r * na, x);
        if (B)
            s += dot1(nb, B + (long)r * nb, h);
        y[r] = s;
    }
}

/* bfloat16 rows, 32 weights per 512-bit load. Lane i of the load holds
 * weights 2i and 2i+1; shifting left by 16 makes lane i the float 2i,
 * masking off the low half makes it the float 2i+1. So the input is split
 * once per call into its even and odd elements (ve, vo), 32 at a time,
 * and each group of 32 weights costs two fused multiply-adds and two
 * integer operations. The last group is padded with zeros, so its masked
 * load (weights past the row end read as 0) needs no scalar loop. */
static void split_even_odd32(int n, const float *v, float *ve, float *vo)
{
    int n32 = (n + 31) & ~31;
    for (int j = 0; j < n32; j += 32)
        for (int k = 0; k < 16; k++) {
            ve[j / 2 + k] = j + 2 * k < n ? v[j + 2 * k] : 0.0f;
            vo[j / 2 + k] = j + 2 * k + 1 < n ? v[j + 2 * k + 1] : 0.0f;
        }
}

CAD_AVX512 static inline __m512 bf16_even(__m512i w)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}

CAD_AVX512 static inline __m512 bf16_odd(__m512i w)
{
    return _mm512_castsi512_ps(
        _mm512_and_si512(w, _mm512_set1_epi32((int)0xffff0000u)));
}

CAD_AVX512 static inline __attribute__((always_inline)) void
dot4_16(int n, const uint16_t *a, long ld, const float *ve, const float *vo,
        __m512 s[4])
{
    for (int j = 0; j < n; j += 32) {
        __m512 xe = _mm512_loadu_ps(ve + j / 2), xo = _mm512_loadu_ps(vo + j / 2);
        const uint16_t *r = a + j;
        __m512i w0, w1, w2, w3;
        for (int k = 4; k < 8; k++)
            _mm_prefetch((const char *)(r + k * ld), _MM_HINT_T1);
        if (j + 32 <= n) {
            w0 = _mm512_loadu_si512(r);
            w1 = _mm512_loadu_si512(r + ld);
            w2 = _mm512_loadu_si512(r + 2 * ld);
            w3 = _mm512_loadu_si512(r + 3 * ld);
        } else {
            __mmask32 m = (__mmask32)((1u << (n - j)) - 1);
            w0 = _mm512_maskz_loadu_epi16(m, r);
            w1 = _mm512_maskz_loadu_epi16(m, r + ld);
            w2 = _mm512_maskz_loadu_epi16(m, r + 2 * ld);
            w3 = _mm512_maskz_loadu_epi16(m, r + 3 * ld);
        }
        s[0] = _mm512_fmadd_ps(bf16_even(w0), xe, s[0]);
        s[1] = _mm512_fmadd_ps(bf16_even(w1), xe, s[1]);
        s[2] = _mm512_fmadd_ps(bf16_even(w2), xe, s[2]);
        s[3] = _mm512_fmadd_ps(bf16_even(w3), xe, s[3]);
        s[0] = _mm512_fmadd_ps(bf16_odd(w0), xo, s[0]);
        s[1] = _mm512_fmadd_ps(bf16_odd(w1), xo, s[1]);
        s[2] = _mm512_fmadd_ps(bf16_odd(w2), xo, s[2]);
        s[3] = _mm512_fmadd_ps(bf16_odd(w3), xo, s[3]);
    }
}

CAD_AVX512 static void gemv2_bf16_avx512(int R, const float *b,
                                         const uint16_t *A, int na,
                                         const float *x, const uint16_t *B,
                                         int nb, const float *h, float *y)
{
    /* The even/odd inputs, on the stack: half of CAD_KERN_MAX_WIDTH
     * floats each, usually a few KB of it used. */
    float xe[CAD_KERN_MAX_WIDTH / 2], xo[CAD_KERN_MAX_WIDTH / 2];
    float he[CAD_KERN_MAX_WIDTH / 2], ho[CAD_KERN_MAX_WIDTH / 2];
    if (na > CAD_KERN_MAX_WIDTH || (B && nb > CAD_KERN_MAX_WIDTH)) {
        cad_kern_c.gemv2_bf16(R, b, A, na, x, B, nb, h, y);
        return;
    }
    split_even_odd32(na, x, xe, xo);
    if (B)
        split_even_odd32(nb, h, he, ho);
    int r = 0;
    for (; r + 4 <= R; r += 4) {
        __m512 s[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(),
                       _mm512_setzero_ps(), _mm512_setzero_ps()};
        dot4_16(na, A + (long)r * na, na, xe, xo, s);
        if (B)
            dot4_16(nb, B + (long)r * nb, nb, he, ho, s);
        store4(b, r, s, y);
    }
    if (r < R) /* fewer than four rows left */
        cad_kern_c.gemv2_bf16(R - r, b ? b + r : NULL, A + (long)r * na, na,
                              x, B ? B + (long)r * nb : NULL, nb, h, y + r);
}

/* e^x, sigmoid and tanh for 16 lanes: the same polynomial, constants and
 * order of operations per lane as the AVX2 version (cad_kernels_avx2.c).
 * Sizes that are not a multiple of 16 take a masked last group. */
CAD_AVX512 static __m512 exp16(__m512 x)
{
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)),
                      _mm512_set1_ps(88.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512i e = _mm512_slli_epi32(
        _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

CAD_AVX512 static __m512 sigmoid16(__m512 x)
{
    __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, exp16(_mm512_sub_ps(
                                                   _mm512_setzero_ps(), x))));
}

CAD_AVX512 static __m512 tanh16(__m512 x)
{
    __m512 s = sigmoid16(_mm512_add_ps(x, x));
    return _mm512_sub_ps(_mm512_add_ps(s, s), _mm512_set1_ps(1.0f));
}

CAD_AVX512 static void cell_avx512(int H, const float *gates, float *c,
                                   float *h)
{
    const float *gi = gates, *gf = gi + H, *gg = gf + H, *go = gg + H;
    for (int j = 0; j < H; j += 16) {
        /* the last group masked: lanes past H read 0 and are not stored */
        __mmask16 m = H - j >= 16 ? (__mmask16)0xffff : tail16(H - j);
        __m512 i = sigmoid16(_mm512_maskz_loadu_ps(m, gi + j));
        __m512 f = sigmoid16(_mm512_maskz_loadu_ps(m, gf + j));
        __m512 g = tanh16(_mm512_maskz_loadu_ps(m, gg + j));
        __m512 o = sigmoid16(_mm512_maskz_loadu_ps(m, go + j));
        __m512 cj = _mm512_fmadd_ps(f, _mm512_maskz_loadu_ps(m, c + j),
                                    _mm512_mul_ps(i, g));
        _mm512_mask_storeu_ps(c + j, m, cj);
        _mm512_mask_storeu_ps(h + j, m, _mm512_mul_ps(o, tanh16(cj)));
    }
}

const cad_kernels cad_kern_avx512 = {"avx512", gemv2_avx512,
                                     gemv2_bf16_avx512, cell_avx512, dot1};

#endif
