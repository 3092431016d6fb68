#include "cad_rng.h"

#include <math.h>

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void cad_rng_seed(cad_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

uint64_t cad_rng_u64(cad_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float cad_rng_uniform(cad_rng *r)
{
    return (float)(cad_rng_u64(r) >> 40) * (1.0f / 16777216.0f);
}

uint32_t cad_rng_below(cad_rng *r, uint32_t n)
{
    /* Rejection sampling on the top 32 bits keeps every value equally likely. */
    uint32_t limit = (uint32_t)(0x100000000ULL - (0x100000000ULL % n));
    for (;;) {
        uint32_t x = (uint32_t)(cad_rng_u64(r) >> 32);
        if (limit == 0 || x < limit)
            return x % n;
    }
}

float cad_rng_normal(cad_rng *r)
{
    /* 1 - u keeps the log argument in (0, 1]. Computed in double so the
     * result does not depend on float libm rounding differences. */
    double u1 = 1.0 - (double)cad_rng_uniform(r);
    double u2 = (double)cad_rng_uniform(r);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}
