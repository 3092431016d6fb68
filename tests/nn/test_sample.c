/* Sampling a frame (model/nn/cad_head.c, cad_nade.c): --max-notes keeps the
 * top voices. Heads whose biases make keys 3, 7 and 10 certain and every
 * other key impossible must give exactly those keys, and with a cap of 1
 * or 2 the highest of them: a melody, not a bass line. And the NADE's
 * per-key probabilities (cadenza plot's map) multiply up to the
 * likelihood the trainer computes. */
#include <math.h>
#include <string.h>

#include "cad_head.h"
#include "cad_heads_train.h"
#include "cad_nade.h"
#include "cad_test.h"

enum { K = 12, H = 4 };

static int frame_is(const uint8_t *f, const char *want)
{
    for (int k = 0; k < K; k++)
        if (f[k] != (strchr(want, "0123456789ab"[k]) != NULL))
            return 0;
    return 1;
}

int main(void)
{
    float w[K * H] = {0}, b[K], z[K], u[H] = {0.5f, -0.5f, 0.25f, 1.0f};
    for (int k = 0; k < K; k++)
        b[k] = (k == 3 || k == 7 || k == 10) ? 30.0f : -30.0f;
    cad_linear_head h = {CAD_HEAD_SIGMOID, CAD_LOSS_BCE, H, K, NULL, NULL, 0,
                         w, b, NULL, NULL, 0};
    uint8_t out[K];
    cad_rng r;
    cad_rng_seed(&r, 1);
    const char *want[3] = {"37a", "a", "7a"};
    for (int cap = 0; cap <= 2; cap++) {
        cad_linear_head_sample(&h, u, 1.0f, 0, 0.0f, 0.0f, NULL, cap, &r, z,
                               out);
        CHECKF(frame_is(out, want[cap]), "sigmoid head, max notes %d", cap);
    }
    /* the NADE: the same certainties in its visible biases */
    float W[K * H] = {0}, V[K * H] = {0}, bh[H] = {0}, Wuv[K * H] = {0};
    float Wuh[H * H] = {0}, scratch[K + 2 * H];
    cad_nade n = {K, H, H, W, V, b, bh, Wuv, Wuh,
                  NULL, NULL, NULL, NULL, NULL, NULL, 0};
    for (int cap = 0; cap <= 2; cap++) {
        cad_nade_sample(&n, u, 1.0f, 0.0f, NULL, cap, &r, scratch, out);
        CHECKF(frame_is(out, want[cap]), "NADE head, max notes %d", cap);
    }
    /* and nothing else: a cap above the chord's size changes nothing */
    cad_keep_top_voices(out, K, 5);
    CHECK(frame_is(out, "7a"));

    /* cad_nade_probs: random weights, random frames; the chain's
     * probabilities of the frame's keys give its log-likelihood */
    float rw[5][K * H];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < K * H; j++)
            rw[i][j] = 2.0f * cad_rng_uniform(&r) - 1.0f;
    float rb[K], rbh[H];
    for (int k = 0; k < K; k++)
        rb[k] = cad_rng_uniform(&r) - 0.5f;
    for (int j = 0; j < H; j++)
        rbh[j] = cad_rng_uniform(&r) - 0.5f;
    cad_nade rn = {K, H, H, rw[0], rw[1], rb, rbh, rw[2], rw[3],
                   NULL, NULL, NULL, NULL, NULL, NULL, 0};
    double worst = 0;
    for (int trial = 0; trial < 20; trial++) {
        float y[K], p[K];
        uint8_t f[K];
        for (int k = 0; k < K; k++) {
            f[k] = cad_rng_uniform(&r) < 0.4f;
            y[k] = f[k];
        }
        cad_nade_probs(&rn, u, f, scratch, p);
        double lp = 0;
        for (int k = 0; k < K; k++)
            lp += f[k] ? log(p[k]) : log(1.0 - p[k]);
        worst = fmax(worst, fabs(lp - cad_nade_logprob(&rn, u, y, scratch)));
    }
    CHECKF(worst < 1e-4, "NADE probabilities vs log-likelihood: %g", worst);
    TEST_MAIN_END();
}
