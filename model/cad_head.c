#include "cad_head.h"

#include <math.h>
#include <string.h>

#include "cad_gen_fast.h"
#include "cad_lstm.h"

static const char *head_names[] = {"sigmoid", "softmax", "nade"};
static const char *loss_names[] = {"bce", "mse", "ce"};

const char *cad_head_name(cad_head_kind k) { return head_names[k]; }
const char *cad_loss_name(cad_loss_kind k) { return loss_names[k]; }

int cad_head_parse(const char *s, cad_head_kind *k)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, head_names[i]) == 0)
            return *k = (cad_head_kind)i, 0;
    return -1;
}

int cad_loss_parse(const char *s, cad_loss_kind *k)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, loss_names[i]) == 0)
            return *k = (cad_loss_kind)i, 0;
    return -1;
}

void cad_linear_head_sample(const cad_linear_head *h, const float *u,
                            float temperature, float threshold,
                            const uint8_t *allowed, int max_notes,
                            cad_rng *rng, float *z, uint8_t *out)
{
    const int K = h->n_out;
    const int greedy = !(temperature > 1e-3f);
    cad_fast_gemv2(K, h->b, h->w, h->n_in, u, NULL, 0, NULL, z);
    memset(out, 0, (size_t)K);
    if (h->kind == CAD_HEAD_SOFTMAX) {
        /* Sample one category from softmax(z / T) among the allowed ones. */
        int best = -1;
        float mx = -INFINITY;
        for (int k = 0; k < K; k++)
            if ((!allowed || allowed[k]) && z[k] > mx)
                mx = z[k], best = k;
        if (best < 0)
            return;
        if (!greedy) {
            double total = 0;
            for (int k = 0; k < K; k++) {
                float p = (!allowed || allowed[k])
                              ? expf((z[k] - mx) / temperature) : 0.0f;
                z[k] = p;
                total += p;
            }
            double r = cad_rng_uniform(rng) * total, acc = 0;
            for (int k = 0; k < K; k++) {
                acc += z[k];
                if (z[k] > 0 && r < acc) {
                    best = k;
                    break;
                }
            }
        }
        out[best] = 1;
        return;
    }
    /* Independent keys. Every key draws a uniform even when masked, so the
     * RNG stream (and therefore every later frame) does not depend on the
     * mask or the threshold. */
    int notes = 0;
    for (int k = 0; k < K; k++) {
        float p = cad_sigmoid(greedy ? z[k] : z[k] / temperature);
        float r = cad_rng_uniform(rng);
        int on = greedy ? p > 0.5f : r < p;
        if (p < threshold || (allowed && !allowed[k]))
            on = 0;
        if (max_notes > 0 && notes >= max_notes)
            on = 0;
        out[k] = (uint8_t)on;
        notes += on;
    }
}
