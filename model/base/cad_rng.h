/* Cadenza's own random number generator: xoshiro256** seeded through
 * splitmix64. We do not use rand() or any library RNG because the notes a
 * model plays must be a pure function of the seed, identical on every
 * machine, libc and thread count. */
#ifndef CAD_RNG_H
#define CAD_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} cad_rng;

void cad_rng_seed(cad_rng *r, uint64_t seed);
uint64_t cad_rng_u64(cad_rng *r);
/* Uniform in [0, 1), 24 random bits: exact in float. */
float cad_rng_uniform(cad_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t cad_rng_below(cad_rng *r, uint32_t n);
/* Standard normal (Box-Muller; uses two uniforms per call, no caching, so
 * the stream position depends only on the number of calls). */
float cad_rng_normal(cad_rng *r);

#endif
