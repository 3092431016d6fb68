/* Top-k and nucleus (top-p) sampling (nn/cad_head.c, cad_top_filter):
 * from a softmax head whose distribution is known, thousands of draws
 * must land only in the classes the limits keep, as often as the kept
 * classes' renormalised probabilities say (within 5 standard errors);
 * without limits the random stream is the one it was before the limits
 * existed; and the fields head's classes obey the same limits. */
#include <math.h>
#include <string.h>

#include "cad_head.h"
#include "cad_test.h"

enum { K = 6, N = 20000 };
static const double P[K] = {0.4, 0.25, 0.15, 0.1, 0.06, 0.04};

/* Draws N classes from softmax(log P / T) with the limits. */
static void draw(float temperature, int top_k, float top_p,
                 const uint8_t *allowed, uint64_t seed, int *count, int *seq)
{
    float w[K], b[K] = {0}, u[1] = {1}, z[K];
    for (int k = 0; k < K; k++)
        w[k] = (float)log(P[k]);
    cad_linear_head h = {CAD_HEAD_SOFTMAX, CAD_LOSS_CE, 1, K, NULL, NULL, 0,
                         w, b, NULL, NULL, 0};
    cad_rng r;
    cad_rng_seed(&r, seed);
    memset(count, 0, sizeof(int) * K);
    for (int i = 0; i < N; i++) {
        uint8_t out[K];
        cad_linear_head_sample(&h, u, temperature, top_k, top_p, 0, allowed, 0,
                               &r, z, out);
        int c = (int)(memchr(out, 1, K) ? (uint8_t *)memchr(out, 1, K) - out : -1);
        count[c < 0 ? 0 : c] += c >= 0;
        if (seq)
            seq[i] = c;
    }
}

/* Only the first `kept` classes (in order of probability) occur, each
 * as often as q[k] says. */
static int matches(const int *count, const double *q, int kept, const char *what)
{
    int ok = 1;
    for (int k = 0; k < K; k++) {
        double f = (double)count[k] / N, want = k < kept ? q[k] : 0;
        double se = sqrt(want * (1 - want) / N);
        if (fabs(f - want) > 5 * se + 1e-12) {
            fprintf(stderr, "  %s: class %d drawn %.4f of the time, expected %.4f\n",
                    what, k, f, want);
            ok = 0;
        }
    }
    return ok;
}

/* The first `kept` classes of p^(1/T), renormalised. */
static void renorm(double T, int kept, double *q)
{
    double s = 0;
    for (int k = 0; k < kept; k++)
        s += q[k] = pow(P[k], 1 / T);
    for (int k = 0; k < kept; k++)
        q[k] /= s;
}

int main(void)
{
    int count[K], a[N], b[N];
    double q[K];
    draw(1, 2, 0, NULL, 1, count, NULL);
    renorm(1, 2, q);
    CHECK(matches(count, q, 2, "top-k 2"));
    draw(1, 0, 0.7f, NULL, 2, count, NULL); /* .4 + .25 < .7 <= + .15 */
    renorm(1, 3, q);
    CHECK(matches(count, q, 3, "top-p 0.7"));
    draw(1, 0, 0.3f, NULL, 3, count, NULL);
    renorm(1, 1, q);
    CHECK(matches(count, q, 1, "top-p 0.3"));
    /* both: the nucleus of the four, renormalised (.4 and .25 of .9 are
     * .72 >= .7), so two classes where top-p alone keeps three */
    draw(1, 4, 0.7f, NULL, 4, count, NULL);
    renorm(1, 2, q);
    CHECK(matches(count, q, 2, "top-k 4, top-p 0.7"));
    /* at T = 2 the distribution flattens: the nucleus of 0.7 has four */
    draw(2, 0, 0.7f, NULL, 5, count, NULL);
    renorm(2, 4, q);
    CHECK(matches(count, q, 4, "T 2, top-p 0.7"));
    /* no limits: the model's distribution, and the same draws as with a
     * limit that cuts nothing (top-k 6, top-p 1) */
    draw(1, 0, 0, NULL, 6, count, a);
    renorm(1, K, q);
    CHECK(matches(count, q, K, "no limits"));
    draw(1, K, 1, NULL, 6, count, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* the mask first: top-k 1 among the allowed is the likeliest allowed */
    const uint8_t allowed[K] = {0, 1, 1, 1, 1, 1};
    draw(1, 1, 0, allowed, 7, count, NULL);
    CHECK(count[1] == N);
    /* greedy ignores the limits */
    draw(0, 3, 0.5f, NULL, 8, count, NULL);
    CHECK(count[0] == N);

    /* the fields head: a class field obeys the same limits */
    cad_layout l = {0};
    cad_error e;
    CHECK(cad_layout_add(&l, "pitch", CAD_FIELD_CLASS, K, &e) == 0);
    float w[K], bias[K] = {0}, u[1] = {1}, z[K], step[1], ex[K];
    for (int k = 0; k < K; k++)
        w[k] = (float)log(P[k]);
    cad_linear_head h = {CAD_HEAD_FIELDS, CAD_LOSS_CE, 1, K, &l, NULL, 0,
                         w, bias, NULL, NULL, 0};
    cad_rng r;
    cad_rng_seed(&r, 9);
    memset(count, 0, sizeof count);
    for (int i = 0; i < N; i++) {
        cad_fields_head_sample(&h, u, 1, 2, 0, &r, z, step, ex);
        count[(int)step[0]]++;
    }
    renorm(1, 2, q);
    CHECK(matches(count, q, 2, "fields head, top-k 2"));
    TEST_MAIN_END();
}
