/* Every registered layer kind (model/nn/cad_layer.h), held to the same
 * contract:
 *   - backward's gradients of every parameter and of the input against
 *     central finite differences of the forward pass, from a non-zero
 *     start state, over a batch;
 *   - the single step of generation gives the forward pass's outputs,
 *     sequence by sequence, and the final state is the last output's;
 *     (kinds that step: a bidirectional layer cannot);
 *   - its run over one sequence (generation over a window) gives the
 *     forward pass's outputs from a zero state;
 *   - starting from NULL is starting from zeros; parameters carry
 *     PyTorch's names for the layer's index (the embedding's is
 *     embed.weight; a bidirectional layer's second half _reverse).
 * A new kind is covered the moment it is registered. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_layer_train.h"
#include "cad_test.h"

enum { T = 4, B = 3, IN = 5, H = 4 };

typedef struct {
    cad_layer L;
    const cad_layer_trainer *tr;
    float *acts, *y, *s1, *scratch;
} rig;

static void rig_new(rig *r, const cad_layer_kind *k, int index, cad_rng *rng)
{
    memset(r, 0, sizeof *r);
    r->L = (cad_layer){k, IN, H, index, NULL, NULL, NULL};
    long np = cad_layer_n_params(&r->L);
    r->L.w = calloc((size_t)np, sizeof(float));
    r->L.g = calloc((size_t)np, sizeof(float));
    r->tr = cad_layer_trainer_for(k);
    r->acts = calloc((size_t)r->tr->acts_size(&r->L, T, B), sizeof(float));
    r->y = calloc(T * B * H, sizeof(float));
    r->s1 = calloc((size_t)(B * k->state_size(&r->L)), sizeof(float));
    r->scratch = calloc((size_t)r->tr->scratch_size(&r->L, T, B), sizeof(float));
    cad_layer_init(&r->L, rng);
    for (long i = 0; i < np; i++) /* larger than the default: saturate some */
        r->L.w[i] *= 3.0f;
}

static void rig_free(rig *r)
{
    free(r->L.w), free(r->L.g), free(r->acts), free(r->y), free(r->s1);
    free(r->scratch);
}

/* The loss whose gradient is checked: sum of y * R. */
static double loss(rig *r, const float *x, const float *s0, const float *R)
{
    r->tr->forward(&r->L, T, B, x, s0, r->acts, r->y, r->s1);
    double s = 0;
    for (int i = 0; i < T * B * H; i++)
        s += (double)r->y[i] * R[i];
    return s;
}

static int close_enough(double a, double n)
{
    return fabs(a - n) <= 2e-3 * fmax(1.0, fabs(a) + fabs(n));
}

static void check_kind(const cad_layer_kind *k)
{
    cad_rng rng;
    cad_rng_seed(&rng, 17);
    rig r;
    rig_new(&r, k, 2, &rng);
    const long S = k->state_size(&r.L);
    float x[T * B * IN], s0[B * 16], R[T * B * H], dy[T * B * H], dx[T * B * IN];
    for (int i = 0; i < T * B * IN; i++)
        x[i] = 2.0f * (float)cad_rng_uniform(&rng) - 1.0f;
    for (long i = 0; i < B * S; i++)
        s0[i] = 1.6f * (float)cad_rng_uniform(&rng) - 0.8f;
    for (int i = 0; i < T * B * H; i++)
        R[i] = 2.0f * (float)cad_rng_uniform(&rng) - 1.0f;

    /* names */
    cad_param_spec p[CAD_LAYER_MAX_PARAMS];
    int np = k->params(&r.L, p);
    if (np == 1)
        CHECKF(strcmp(p[0].name, "embed.weight") == 0 && p[0].rows == IN &&
                   p[0].cols == H,
               "%s: parameter named %s", k->name, p[0].name);
    else
        CHECKF(np >= 2 && strcmp(p[0].name, "weight_ih_l2") == 0 &&
                   strcmp(p[1].name, "weight_hh_l2") == 0 && p[0].cols == IN,
               "%s: parameters named %s, %s", k->name, p[0].name, p[1].name);
    if (np == 8)
        CHECKF(strcmp(p[4].name, "weight_ih_l2_reverse") == 0 &&
                   strcmp(p[7].name, "bias_hh_l2_reverse") == 0,
               "%s: reverse direction named %s ... %s", k->name, p[4].name,
               p[7].name);

    /* analytic gradients */
    loss(&r, x, s0, R);
    memcpy(dy, R, sizeof dy);
    r.tr->backward(&r.L, T, B, x, s0, r.acts, r.y, dy, dx, r.scratch);

    /* every parameter against finite differences */
    const float eps = 1e-2f;
    long n = cad_layer_n_params(&r.L), bad = 0;
    double worst = 0;
    for (long i = 0; i < n; i++) {
        float w = r.L.w[i];
        r.L.w[i] = w + eps;
        double up = loss(&r, x, s0, R);
        r.L.w[i] = w - eps;
        double down = loss(&r, x, s0, R);
        r.L.w[i] = w;
        double num = (up - down) / (2 * eps);
        if (!close_enough(r.L.g[i], num))
            bad++;
        worst = fmax(worst, fabs(r.L.g[i] - num));
    }
    CHECKF(bad == 0, "%s: %ld of %ld parameter gradients off (worst %g)",
           k->name, bad, n, worst);
    printf("  %ld parameter gradients, worst abs error %.2e\n", n, worst);
    bad = 0;
    for (int i = 0; i < T * B * IN; i++) {
        float v = x[i];
        x[i] = v + eps;
        double up = loss(&r, x, s0, R);
        x[i] = v - eps;
        double down = loss(&r, x, s0, R);
        x[i] = v;
        if (!close_enough(dx[i], (up - down) / (2 * eps)))
            bad++;
    }
    CHECKF(bad == 0, "%s: %ld input gradients off", k->name, bad);

    /* the run over one sequence, from zeros, sequence by sequence */
    loss(&r, x, NULL, R);
    float seq[T * IN], ys[T * H], scratch[1024];
    CHECK(cad_layer_run_scratch(&r.L, T) <= 1024);
    double diff = 0;
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++)
            memcpy(seq + t * IN, x + (t * B + b) * IN, sizeof(float) * IN);
        cad_layer_run(&r.L, T, seq, ys, scratch);
        for (int t = 0; t < T; t++)
            for (int j = 0; j < H; j++)
                diff = fmax(diff, fabs(ys[t * H + j] - r.y[(t * B + b) * H + j]));
    }
    CHECKF(diff < 2e-6, "%s: run and forward differ by %g", k->name, diff);

    /* the step path, sequence by sequence, and the final state */
    loss(&r, x, s0, R);
    float state[16], out[H];
    CHECK(k->step_scratch_size(&r.L) <= 1024);
    diff = 0;
    for (int b = 0; b < B && k->step; b++) {
        memcpy(state, s0 + b * S, sizeof(float) * (size_t)S);
        for (int t = 0; t < T; t++) {
            k->step(&r.L, x + (t * B + b) * IN, state, out, scratch);
            for (int j = 0; j < H; j++)
                diff = fmax(diff, fabs(out[j] - r.y[(t * B + b) * H + j]));
        }
        for (int j = 0; j < H && S >= H; j++)
            diff = fmax(diff, fabs(r.s1[b * S + j] - r.y[((T - 1) * B + b) * H + j]));
    }
    CHECKF(diff < 2e-6, "%s: step and forward differ by %g", k->name, diff);

    /* NULL start state == zeros */
    float zeros[B * 16] = {0}, y0[T * B * H];
    loss(&r, x, zeros, R);
    memcpy(y0, r.y, sizeof y0);
    loss(&r, x, NULL, R);
    CHECKF(memcmp(y0, r.y, sizeof y0) == 0, "%s: NULL start is not zeros",
           k->name);
    rig_free(&r);
}

int main(void)
{
    const cad_layer_kind *const *kinds = cad_layer_kinds();
    for (int i = 0; kinds[i]; i++) {
        printf("layer kind %s\n", kinds[i]->name);
        CHECKF(cad_layer_trainer_for(kinds[i]) &&
                   cad_layer_trainer_for(kinds[i])->kind == kinds[i],
               "%s has no batched half registered", kinds[i]->name);
        if (!cad_layer_trainer_for(kinds[i]))
            continue;
        check_kind(kinds[i]);
        CHECK(cad_layer_find(kinds[i]->name) == kinds[i]);
    }
    CHECK(cad_layer_find("transformer") == NULL);
    TEST_MAIN_END();
}
