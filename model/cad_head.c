#include "cad_head.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cad_kernels.h"
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

static void logits(const cad_linear_head *h, int N, const float *u, float *z)
{
    for (int n = 0; n < N; n++)
        memcpy(z + (long)n * h->n_out, h->b, sizeof(float) * h->n_out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, h->n_out, h->n_in,
                1.0f, u, h->n_in, h->w, h->n_in, 1.0f, z, h->n_out);
}

/* log-sum-exp of a row, for the softmax. */
static float row_lse(const float *z, int n)
{
    float mx = z[0];
    for (int k = 1; k < n; k++)
        mx = z[k] > mx ? z[k] : mx;
    double s = 0;
    for (int k = 0; k < n; k++)
        s += exp((double)(z[k] - mx));
    return mx + (float)log(s);
}

void cad_linear_head_forward(const cad_linear_head *h, int N, const float *u,
                             const float *y, const float *mask, float *z,
                             double *loss, double *nll)
{
    const int K = h->n_out;
    logits(h, N, u, z);
    for (int n = 0; n < N; n++) {
        if (mask[n] == 0.0f)
            continue;
        const float *zn = z + (long)n * K, *yn = y + (long)n * K;
        double l = 0, q = 0;
        if (h->kind == CAD_HEAD_SOFTMAX) {
            float lse = row_lse(zn, K);
            for (int k = 0; k < K; k++)
                l += yn[k] * (double)(lse - zn[k]);
            q = l;
        } else {
            for (int k = 0; k < K; k++) {
                l += cad_softplus(zn[k]) - yn[k] * zn[k];
                if (h->loss == CAD_LOSS_MSE) {
                    float d = cad_sigmoid(zn[k]) - yn[k];
                    q += d * d;
                }
            }
            if (h->loss != CAD_LOSS_MSE)
                q = l;
        }
        *nll += mask[n] * l;
        *loss += mask[n] * q;
    }
}

void cad_linear_head_backward(const cad_linear_head *h, int N, const float *u,
                              const float *y, const float *mask, float *z,
                              float scale, float *du)
{
    const int K = h->n_out;
    for (int n = 0; n < N; n++) {
        float *zn = z + (long)n * K;
        const float *yn = y + (long)n * K;
        float s = mask[n] * scale;
        if (s == 0.0f) {
            memset(zn, 0, sizeof(float) * K);
            continue;
        }
        if (h->kind == CAD_HEAD_SOFTMAX) {
            float lse = row_lse(zn, K), ysum = 0;
            for (int k = 0; k < K; k++)
                ysum += yn[k];
            for (int k = 0; k < K; k++)
                zn[k] = s * (expf(zn[k] - lse) * ysum - yn[k]);
        } else if (h->loss == CAD_LOSS_MSE) {
            for (int k = 0; k < K; k++) {
                float p = cad_sigmoid(zn[k]);
                zn[k] = s * 2.0f * (p - yn[k]) * p * (1.0f - p);
            }
        } else {
            for (int k = 0; k < K; k++)
                zn[k] = s * (cad_sigmoid(zn[k]) - yn[k]);
        }
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, h->n_in, N, 1.0f,
                z, K, u, h->n_in, 1.0f, h->gw, h->n_in);
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            h->gb[k] += z[(long)n * K + k];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, h->n_in, K, 1.0f,
                z, K, h->w, h->n_in, 0.0f, du, h->n_in);
}

void cad_linear_head_sample(const cad_linear_head *h, const float *u,
                            float temperature, float threshold,
                            const uint8_t *allowed, int max_notes,
                            cad_rng *rng, float *z, uint8_t *out)
{
    const int K = h->n_out;
    const int greedy = !(temperature > 1e-3f);
    cad_kern_gemv2(K, h->b, h->w, h->n_in, u, NULL, 0, NULL, z);
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
