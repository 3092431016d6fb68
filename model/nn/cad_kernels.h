/* The kernels of all network code at batch 1: one thread, a few hundred
 * microseconds at most. At batch 1 an LSTM step is a matrix-vector product
 * that reads every weight once, so its speed is set by how fast the weights
 * stream in from cache or memory; these kernels aim at that limit.
 *
 * Why not cblas_sgemv: OpenBLAS hands any product with more than ~9200
 * elements to its thread pool, which on a busy two-core machine costs more
 * than the product itself, and its thread count is a process-wide setting
 * a library has no business changing. These loops run on the calling
 * thread, always.
 *
 * Each kernel exists in several versions (portable C, AVX2 + FMA,
 * AVX-512): the best one the CPU has is chosen once, at the first call,
 * and never changes in that process, so generation stays deterministic on
 * one machine. Two machines with different kernels may round the last bit
 * of a sum differently. Adding a version: one file with its kernels and
 * one line in cad_kernels.c. */
#ifndef CAD_KERNELS_H
#define CAD_KERNELS_H

#include <stdint.h>

/* y[r] = b[r] + A[r,:] . x + B[r,:] . h  for r < R, where A is [R, na] and
 * B is [R, nb], both row-major and densely packed. B may be NULL (nb is
 * then ignored). b may alias y (accumulate); x and h must not. */
void cad_kern_gemv2(int R, const float *b, const float *A, int na,
                    const float *x, const float *B, int nb, const float *h,
                    float *y);

/* The same with A and B in bfloat16 (the upper half of an f32: widening
 * is a shift, exact), b, x, h, y and the sums in f32. Half the bytes of
 * f32 weights, so about twice as fast where the weights stream from L3.
 * na and nb are at most CAD_KERN_MAX_WIDTH. */
void cad_kern_gemv2_bf16(int R, const float *b, const uint16_t *A, int na,
                         const float *x, const uint16_t *B, int nb,
                         const float *h, float *y);
#define CAD_KERN_MAX_WIDTH 8192

/* f to the nearest bfloat16 (ties to even); NaN stays NaN. */
uint16_t cad_kern_to_bf16(float f);

/* The LSTM cell on the 4H pre-activations of one step (gates in PyTorch's
 * i, f, g, o order): c = sig(f) c + sig(i) tanh(g), h = sig(o) tanh(c).
 * Within a few 1e-7 of the libm versions. gates is left unchanged. */
void cad_kern_lstm_cell(int H, const float *gates, float *c, float *h);

/* a . x over n floats (a NADE visible unit's input). */
float cad_kern_dot(int n, const float *a, const float *x);

/* y[j] += M[j] for j < n: one column of a transposed weight matrix. */
void cad_kern_add(int n, const float *M, float *y);

/* One version of the kernels above, for the tests (which check every
 * version this CPU can run against the same references) and for
 * bench_step (which names the one in use). */
typedef struct cad_kernels {
    const char *name; /* "c", "avx2", "avx512" */
    void (*gemv2)(int R, const float *b, const float *A, int na,
                  const float *x, const float *B, int nb, const float *h,
                  float *y);
    void (*gemv2_bf16)(int R, const float *b, const uint16_t *A, int na,
                       const float *x, const uint16_t *B, int nb,
                       const float *h, float *y);
    void (*lstm_cell)(int H, const float *gates, float *c, float *h);
    float (*dot)(int n, const float *a, const float *x);
} cad_kernels;

/* The version in use: the best this CPU runs. */
const cad_kernels *cad_kern_active(void);

/* Every version this CPU runs, portable C first and the one in use last;
 * stores at most n of them in sets and returns how many it stored. */
int cad_kern_available(const cad_kernels **sets, int n);

#endif
