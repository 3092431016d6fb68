/* The NADE head's batched passes for training and evaluation (see
 * cad_heads_train.h and nn/cad_nade.h). Generation's side is in nn/. */
#include "cad_heads_train.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cad_head.h" /* cad_softplus */
#include "cad_lstm.h" /* cad_sigmoid */

/* Workspace layout for N rows: conditioned visible biases BV [N, n_vis],
 * then conditioned hidden biases BH [N, n_hid]. Backward turns both into
 * their gradients in place. */
long cad_nade_ws_size(const cad_nade *m, int N)
{
    return (long)N * (m->n_vis + m->n_hid);
}

static void cond_biases(const cad_nade *m, int N, const float *u, float *bv,
                        float *bh)
{
    for (int n = 0; n < N; n++) {
        memcpy(bv + (long)n * m->n_vis, m->bv, sizeof(float) * m->n_vis);
        memcpy(bh + (long)n * m->n_hid, m->bh, sizeof(float) * m->n_hid);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, m->n_vis,
                m->n_cond, 1.0f, u, m->n_cond, m->Wuv, m->n_cond, 1.0f, bv,
                m->n_vis);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, m->n_hid,
                m->n_cond, 1.0f, u, m->n_cond, m->Wuh, m->n_cond, 1.0f, bh,
                m->n_hid);
}

/* Runs the key-by-key chain for one frame with known y. Returns its NLL;
 * if hrow is given, stores every h_i there (for backward). a is scratch.
 * The given units (n_given of them, the metre bits) are last in
 * the chain, so stopping before them leaves every loss term as it was. */
static double frame_nll(const cad_nade *m, const float *bv, const float *bh,
                        const float *y, float *a, float *hrow, float *hbuf)
{
    const int V = m->n_vis - m->n_given, H = m->n_hid;
    double nll = 0;
    memcpy(a, bh, sizeof(float) * H);
    for (int i = 0; i < V; i++) {
        float *h = hrow ? hrow + (long)i * H : hbuf;
        const float *Vi = m->V + (long)i * H;
        float z = bv[i];
        for (int j = 0; j < H; j++) {
            h[j] = cad_sigmoid(a[j]);
            z += Vi[j] * h[j];
        }
        nll += cad_softplus(z) - y[i] * z;
        if (y[i] != 0.0f) {
            const float *Wi = m->W + (long)i * H;
            for (int j = 0; j < H; j++)
                a[j] += y[i] * Wi[j];
        }
    }
    return nll;
}

void cad_nade_forward(const cad_nade *m, int N, const float *u,
                      const float *y, const float *mask, float *ws,
                      double *nll)
{
    float *bv = ws, *bh = ws + (long)N * m->n_vis;
    cond_biases(m, N, u, bv, bh);
    float a[CAD_NADE_MAX_HID], h[CAD_NADE_MAX_HID];
    for (int n = 0; n < N; n++) {
        if (mask[n] == 0.0f)
            continue;
        *nll += mask[n] * frame_nll(m, bv + (long)n * m->n_vis,
                                    bh + (long)n * m->n_hid,
                                    y + (long)n * m->n_vis, a, NULL, h);
    }
}

void cad_nade_backward(const cad_nade *m, int N, const float *u,
                       const float *y, const float *mask, float *ws,
                       float scale, float *du, float *hrow)
{
    const int V = m->n_vis, H = m->n_hid;
    float *bv = ws, *bh = ws + (long)N * V;
    float a[CAD_NADE_MAX_HID], G[CAD_NADE_MAX_HID];
    for (int n = 0; n < N; n++) {
        float *bvn = bv + (long)n * V, *bhn = bh + (long)n * H;
        const float *yn = y + (long)n * V;
        float s = mask[n] * scale;
        if (s == 0.0f) {
            memset(bvn, 0, sizeof(float) * V);
            memset(bhn, 0, sizeof(float) * H);
            continue;
        }
        /* Recompute the chain (cheaper than keeping N * 88 * Hn floats). */
        frame_nll(m, bvn, bhn, yn, a, hrow, NULL);
        /* Walk the keys backwards. G is dL/da_{i+1}: the sum of what every
         * later key's hidden layer sent back, since a_{i+1} feeds them all.
         * Given units have no loss: nothing comes back from them. */
        memset(G, 0, sizeof(float) * H);
        for (int i = V - m->n_given; i < V; i++)
            bvn[i] = 0;
        for (int i = V - m->n_given - 1; i >= 0; i--) {
            const float *h = hrow + (long)i * H, *Vi = m->V + (long)i * H;
            float z = bvn[i];
            for (int j = 0; j < H; j++)
                z += Vi[j] * h[j];
            float dz = s * (cad_sigmoid(z) - yn[i]);
            if (yn[i] != 0.0f) {
                float *gWi = m->gW + (long)i * H;
                for (int j = 0; j < H; j++)
                    gWi[j] += yn[i] * G[j];
            }
            float *gVi = m->gV + (long)i * H;
            for (int j = 0; j < H; j++) {
                gVi[j] += dz * h[j];
                G[j] += dz * Vi[j] * h[j] * (1.0f - h[j]);
            }
            bvn[i] = dz; /* becomes dL/dbv(u) */
        }
        memcpy(bhn, G, sizeof(float) * H); /* dL/da_0 = dL/dbh(u) */
    }
    /* Back through the conditioning: static biases, the u-projections, u. */
    for (int n = 0; n < N; n++) {
        for (int i = 0; i < V; i++)
            m->gbv[i] += bv[(long)n * V + i];
        for (int j = 0; j < H; j++)
            m->gbh[j] += bh[(long)n * H + j];
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, V, m->n_cond, N, 1.0f,
                bv, V, u, m->n_cond, 1.0f, m->gWuv, m->n_cond);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, m->n_cond, N, 1.0f,
                bh, H, u, m->n_cond, 1.0f, m->gWuh, m->n_cond);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, m->n_cond, V,
                1.0f, bv, V, m->Wuv, m->n_cond, 0.0f, du, m->n_cond);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, m->n_cond, H,
                1.0f, bh, H, m->Wuh, m->n_cond, 1.0f, du, m->n_cond);
}

double cad_nade_logprob(const cad_nade *m, const float *u, const float *y,
                        float *scratch)
{
    const int V = m->n_vis, H = m->n_hid;
    float *bv = scratch, *bh = bv + V, *a = bh + H;
    cond_biases(m, 1, u, bv, bh);
    float h[CAD_NADE_MAX_HID];
    return -frame_nll(m, bv, bh, y, a, NULL, h);
}
