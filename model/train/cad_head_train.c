/* The output heads' batched passes for training and evaluation (see
 * cad_heads_train.h): the sigmoid and softmax heads here, NADE's in
 * cad_nade_train.c. Generation's side of the heads is in nn/. */
#include "cad_heads_train.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cad_lstm.h" /* cad_sigmoid */


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

/* One row of a fields head: each field's loss, weighted, into *loss, and
 * its negative log-likelihood (CLASS and BITS fields) into *nll. */
static void fields_row(const cad_linear_head *h, const float *z,
                       const float *y, double *loss, double *nll)
{
    for (int i = 0; i < h->layout->n_fields; i++) {
        const cad_field *f = &h->layout->field[i];
        double l = 0;
        if (f->kind == CAD_FIELD_REAL) {
            float d = z[0] - y[0];
            l = (double)d * d + (z[0] < 0 ? -(double)h->pressure * z[0] : 0);
            z++, y++;
        } else {
            if (f->kind == CAD_FIELD_CLASS) {
                float lse = row_lse(z, f->size);
                for (int k = 0; k < f->size; k++)
                    l += y[k] * (double)(lse - z[k]);
            } else {
                for (int k = 0; k < f->size; k++)
                    l += cad_softplus(z[k]) - y[k] * z[k];
            }
            *nll += l;
            z += f->size, y += f->size;
        }
        *loss += h->field_weight[i] * l;
    }
}

/* Its gradient with respect to z, times s, in place of z. */
static void fields_row_grad(const cad_linear_head *h, float *z,
                            const float *y, float s)
{
    for (int i = 0; i < h->layout->n_fields; i++) {
        const cad_field *f = &h->layout->field[i];
        float w = s * h->field_weight[i];
        if (f->kind == CAD_FIELD_REAL) {
            float g = 2.0f * (z[0] - y[0]) - (z[0] < 0 ? h->pressure : 0.0f);
            z[0] = w * g;
            z++, y++;
            continue;
        }
        if (f->kind == CAD_FIELD_CLASS) {
            float lse = row_lse(z, f->size), ysum = 0;
            for (int k = 0; k < f->size; k++)
                ysum += y[k];
            for (int k = 0; k < f->size; k++)
                z[k] = w * (expf(z[k] - lse) * ysum - y[k]);
        } else {
            for (int k = 0; k < f->size; k++)
                z[k] = w * (cad_sigmoid(z[k]) - y[k]);
        }
        z += f->size, y += f->size;
    }
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
        if (h->kind == CAD_HEAD_FIELDS) {
            fields_row(h, zn, yn, &q, &l);
        } else if (h->kind == CAD_HEAD_SOFTMAX) {
            float lse = row_lse(zn, K);
            for (int k = 0; k < K; k++)
                l += yn[k] * (double)(lse - zn[k]);
            q = l;
        } else {
            for (int k = 0; k < K - h->n_given; k++) { /* the rest are given */
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
        if (h->kind == CAD_HEAD_FIELDS) {
            fields_row_grad(h, zn, yn, s);
        } else if (h->kind == CAD_HEAD_SOFTMAX) {
            float lse = row_lse(zn, K), ysum = 0;
            for (int k = 0; k < K; k++)
                ysum += yn[k];
            for (int k = 0; k < K; k++)
                zn[k] = s * (expf(zn[k] - lse) * ysum - yn[k]);
        } else if (h->loss == CAD_LOSS_MSE) {
            for (int k = 0; k < K; k++) {
                float p = cad_sigmoid(zn[k]);
                zn[k] = k < K - h->n_given ? s * 2.0f * (p - yn[k]) * p * (1.0f - p) : 0;
            }
        } else {
            for (int k = 0; k < K; k++)
                zn[k] = k < K - h->n_given ? s * (cad_sigmoid(zn[k]) - yn[k]) : 0;
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

