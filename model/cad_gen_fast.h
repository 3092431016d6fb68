/* The kernels of single-step generation: batch 1, one thread, a few hundred
 * microseconds at most. At batch 1 an LSTM step is a matrix-vector product
 * that reads every weight once, so its speed is set by how fast the weights
 * stream in from cache or memory; these kernels aim at that limit.
 *
 * Why not cblas_sgemv: OpenBLAS hands any product with more than ~9200
 * elements to its thread pool, which on a busy two-core machine costs more
 * than the product itself, and its thread count is a process-wide setting
 * a library has no business changing. These loops run on the calling
 * thread, always. They pick an AVX2+FMA version at run time when the CPU
 * has one and fall back to portable C otherwise. */
#ifndef CAD_GEN_FAST_H
#define CAD_GEN_FAST_H

#include <stdint.h>

/* y[r] = b[r] + A[r,:] . x + B[r,:] . h  for r < R, where A is [R, na] and
 * B is [R, nb], both row-major and densely packed. B may be NULL (nb is
 * then ignored). b may alias y (accumulate); x and h must not. */
void cad_fast_gemv2(int R, const float *b, const float *A, int na,
                    const float *x, const float *B, int nb, const float *h,
                    float *y);

/* The same with A and B in bfloat16 (the upper half of an f32: widening
 * is a shift, exact), b, x, h, y and the sums in f32. Half the bytes of
 * f32 weights, so about twice as fast where the weights stream from L3. */
void cad_fast_gemv2_bf16(int R, const float *b, const uint16_t *A, int na,
                         const float *x, const uint16_t *B, int nb,
                         const float *h, float *y);

/* f to the nearest bfloat16 (ties to even); NaN stays NaN. */
uint16_t cad_fast_to_bf16(float f);

/* The LSTM cell on the 4H pre-activations of one step (gates in PyTorch's
 * i, f, g, o order): c = sig(f) c + sig(i) tanh(g), h = sig(o) tanh(c).
 * Within a few 1e-7 of the libm versions. gates is left unchanged. */
void cad_fast_lstm_cell(int H, const float *gates, float *c, float *h);

/* a . x over n floats (a NADE visible unit's input). */
float cad_fast_dot(int n, const float *a, const float *x);

/* y[j] += M[j] for j < n: one column of a transposed weight matrix. */
void cad_fast_add(int n, const float *M, float *y);

#endif
