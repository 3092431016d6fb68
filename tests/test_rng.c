/* The RNG must give the same stream for the same seed on every machine:
 * we pin the first outputs of a seed, check uniform/normal moments and
 * that below() stays in range. */
#include <math.h>
#include <string.h>

#include "cad_rng.h"
#include "cad_test.h"

int main(void)
{
    cad_rng a, b;
    cad_rng_seed(&a, 42);
    cad_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++)
        CHECK(cad_rng_u64(&a) == cad_rng_u64(&b));
    cad_rng_seed(&b, 43);
    CHECK(cad_rng_u64(&a) != cad_rng_u64(&b));

    /* Pinned values: a change here changes every generated piece. */
    cad_rng_seed(&a, 1);
    uint64_t first = cad_rng_u64(&a);
    CHECKF(first == 0xb3f2af6d0fc710c5ULL, "got %016llx",
           (unsigned long long)first);

    cad_rng_seed(&a, 7);
    double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        float u = cad_rng_uniform(&a);
        CHECK(u >= 0.0f && u < 1.0f);
        sum += u;
        sum2 += u * u;
        float z = cad_rng_normal(&a);
        nsum += z;
        nsum2 += z * z;
        uint32_t k = cad_rng_below(&a, 88);
        CHECK(k < 88);
    }
    CHECKF(fabs(sum / n - 0.5) < 0.01, "mean %f", sum / n);
    CHECKF(fabs(sum2 / n - 1.0 / 3) < 0.01, "E[u^2] %f", sum2 / n);
    CHECKF(fabs(nsum / n) < 0.01, "normal mean %f", nsum / n);
    CHECKF(fabs(nsum2 / n - 1.0) < 0.02, "normal var %f", nsum2 / n);
    TEST_MAIN_END();
}
