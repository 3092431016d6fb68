/* What the kernel versions share (private to cad_kernels*.c): each file
 * defines one cad_kernels table; cad_kernels.c picks among them. */
#ifndef CAD_KERNELS_IMPL_H
#define CAD_KERNELS_IMPL_H

#include <stdint.h>
#include <string.h>

#include "cad_kernels.h"

/* bfloat16 to f32: the 16 bits become the upper half, exactly. */
static inline float cad_kern_bf16_f(uint16_t v)
{
    uint32_t u = (uint32_t)v << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

extern const cad_kernels cad_kern_c;
#if defined(__x86_64__) && defined(__GNUC__)
#define CAD_KERN_X86 1
extern const cad_kernels cad_kern_avx2;
extern const cad_kernels cad_kern_avx512;
#endif

#endif
