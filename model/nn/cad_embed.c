/* The token embedding layer kind (see cad_layer.h), PyTorch's
 * nn.Embedding: a table `embed.weight` [V, E] with one row per token.
 *
 * Token representations (tokens, events, text) reach the network as
 * one-hot vectors of V floats (music/ expands a CLASS field that way), so
 * a layer of width E over them is the product y = x^T W, which for a
 * one-hot x is the row of the token: PyTorch's embedding lookup. We
 * compute the product but skip the zeros of x, so a step costs E adds,
 * not V * E multiplies, and any input (dropout's scaled one-hot, a finite
 * difference) still gets its exact product.
 *
 * Why a model wants it: the first recurrent layer then reads E floats a
 * step instead of V (388 events, a few hundred tokens), and the network
 * learns a dense vector per token instead of a column of the recurrent
 * weights per gate. It has no state: it is a layer of the stack only so
 * that the trainer, the model file and generation need nothing new. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cad_layer.h"

static int embed_params(const cad_layer *L, cad_param_spec p[CAD_LAYER_MAX_PARAMS])
{
    /* not numbered by the layer's index: a model has at most one, at the
     * bottom, and PyTorch's module calls it `embed` */
    snprintf(p[0].name, sizeof p[0].name, "embed.weight");
    p[0].rows = L->n_in;
    p[0].cols = L->n_hid;
    return 1;
}

static long embed_zero(const cad_layer *L)
{
    (void)L;
    return 0;
}

/* bfloat16 is the top half of a float */
static float bf16_to_f32(uint16_t v)
{
    uint32_t u = (uint32_t)v << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void embed_step(const cad_layer *L, const float *x, float *state,
                       float *y, float *scratch)
{
    (void)state, (void)scratch;
    const int E = L->n_hid;
    memset(y, 0, sizeof(float) * (size_t)E);
    for (int v = 0; v < L->n_in; v++) {
        if (x[v] == 0.0f)
            continue;
        if (L->w16) {
            const uint16_t *row = L->w16 + (long)v * E;
            for (int j = 0; j < E; j++)
                y[j] += x[v] * bf16_to_f32(row[j]);
        } else {
            const float *row = L->w + (long)v * E;
            for (int j = 0; j < E; j++)
                y[j] += x[v] * row[j];
        }
    }
}

const cad_layer_kind cad_layer_embed = {
    .name = "embed",
    .params = embed_params,
    .state_size = embed_zero,
    .step_scratch_size = embed_zero,
    .step = embed_step,
};
