/* Every layer, head and loss against central finite differences.
 *
 * For small models of each kind we compute the analytic gradient of the
 * mean loss with backprop, then perturb a sample of parameters by +-eps and
 * compare. Dropout is on (the same masks for every evaluation, by reseeding
 * the RNG), and the batch has padding, so masking is checked too. Floats
 * limit the precision of finite differences, so we use a relative error
 * with a floor and require nearly all sampled parameters to agree. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_model_train.h"
#include "cad_test.h"

enum { T = 5, B = 3 };

typedef struct {
    float x[T * B * 16], y[T * B * 16], mask[T * B];
} data;

static void make_data(data *d, const cad_model_config *c, cad_rng *r)
{
    for (int n = 0; n < T * B; n++) {
        for (int k = 0; k < c->n_in; k++)
            d->x[n * c->n_in + k] = cad_rng_uniform(r) < 0.3f ? 1.0f : 0.0f;
        if (c->head == CAD_HEAD_FIELDS) { /* each field as it would be */
            float *y = d->y + n * c->n_out;
            for (int i = 0; i < c->fields.n_fields; i++) {
                const cad_field *f = &c->fields.field[i];
                if (f->kind == CAD_FIELD_REAL) {
                    /* near the untrained outputs, so the squared error
                     * stays small against float rounding, and on both
                     * sides of zero, for the pressure */
                    *y++ = 0.3f * cad_rng_uniform(r) - 0.15f;
                    continue;
                }
                int hot = (int)cad_rng_below(r, (uint32_t)f->size);
                for (int k = 0; k < f->size; k++)
                    y[k] = f->kind == CAD_FIELD_CLASS ? k == hot
                                                      : cad_rng_uniform(r) < 0.3f;
                y += f->size;
            }
        } else if (c->head == CAD_HEAD_SOFTMAX) {
            int hot = (int)cad_rng_below(r, (uint32_t)c->n_out);
            for (int k = 0; k < c->n_out; k++)
                d->y[n * c->n_out + k] = k == hot;
        } else {
            for (int k = 0; k < c->n_out; k++)
                d->y[n * c->n_out + k] = cad_rng_uniform(r) < 0.3f;
        }
        /* Sequence 2 ends after 3 steps: padding must not count. */
        d->mask[n] = (n % B == 2 && n / B >= 3) ? 0.0f : 1.0f;
    }
}

static double loss_of(cad_model *m, cad_model_ws *ws, const cad_batch *b,
                      double *nll)
{
    cad_rng r;
    cad_rng_seed(&r, 99); /* identical dropout masks every time */
    double loss = 0, q = 0;
    cad_error e;
    cad_model_forward(m, ws, b, 1, &r, &loss, &q, &e);
    if (nll)
        *nll = q;
    return loss;
}

static void check(const char *label, cad_model_config *c)
{
    cad_model *m;
    cad_error e;
    if (cad_model_new(c, 5, &m, &e)) {
        CHECKF(0, "%s: %s", label, e.msg);
        return;
    }
    cad_rng r;
    cad_rng_seed(&r, 3);
    data d;
    make_data(&d, c, &r);
    cad_batch b = {T, B, d.x, d.y, d.mask};
    cad_model_ws *ws = cad_model_ws_new();
    const float scale = 0.25f;
    cad_model_zero_grad(m);
    loss_of(m, ws, &b, NULL);
    cad_model_backward(m, ws, &b, scale);
    float *g = malloc(sizeof(float) * (size_t)m->n_params);
    memcpy(g, m->g, sizeof(float) * (size_t)m->n_params);

    /* 1. Per tensor, the derivative along random directions: g . v
     * against (L(w + eps v) - L(w - eps v)) / 2 eps. Summing over a whole
     * tensor lifts the signal well above float rounding noise. */
    int tested = 0, bad = 0;
    double worst = 0;
    float *w0 = malloc(sizeof(float) * (size_t)m->n_params);
    float *v = malloc(sizeof(float) * (size_t)m->n_params);
    memcpy(w0, m->w, sizeof(float) * (size_t)m->n_params);
    for (int i = 0; i < m->n_info; i++) {
        const cad_param_info *p = &m->info[i];
        long n = p->shape[0] * (p->ndim == 2 ? p->shape[1] : 1);
        for (int rep = 0; rep < 3; rep++) {
            double gv = 0;
            for (long k = 0; k < n; k++) {
                v[k] = cad_rng_normal(&r);
                gv += (double)g[p->offset + k] * v[k];
            }
            const float eps = 1e-2f;
            for (long k = 0; k < n; k++)
                m->w[p->offset + k] = w0[p->offset + k] + eps * v[k];
            double lp = loss_of(m, ws, &b, NULL);
            for (long k = 0; k < n; k++)
                m->w[p->offset + k] = w0[p->offset + k] - eps * v[k];
            double lm = loss_of(m, ws, &b, NULL);
            memcpy(m->w + p->offset, w0 + p->offset, sizeof(float) * (size_t)n);
            double num = scale * (lp - lm) / (2.0 * eps);
            double err = fabs(num - gv) / fmax(5e-4, fabs(num) + fabs(gv));
            worst = err > worst ? err : worst;
            tested++;
            if (err > 1e-2) {
                bad++;
                fprintf(stderr, "%s %s along v: analytic %.6g numeric %.6g\n",
                        label, p->name, gv, num);
            }
        }
    }
    printf("%-22s %3d directions, worst rel err %.2e\n", label, tested, worst);
    CHECKF(bad == 0, "%s: %d of %d directional derivatives disagree", label,
           bad, tested);
    /* 2. Single weights: coarser (float noise), but catches an error
     * confined to a few entries that a random direction could average out. */
    int single_bad = 0, single = 0;
    for (int i = 0; i < m->n_info; i++) {
        const cad_param_info *p = &m->info[i];
        long n = p->shape[0] * (p->ndim == 2 ? p->shape[1] : 1);
        for (int s = 0; s < 8; s++) {
            long k = p->offset + (long)cad_rng_below(&r, (uint32_t)n);
            const float eps = 1e-2f;
            m->w[k] = w0[k] + eps;
            double lp = loss_of(m, ws, &b, NULL);
            m->w[k] = w0[k] - eps;
            double lm = loss_of(m, ws, &b, NULL);
            m->w[k] = w0[k];
            double num = scale * (lp - lm) / (2.0 * eps);
            single++;
            if (fabs(num - g[k]) > 0.05 * fmax(fabs(num), fabs(g[k])) + 3e-5)
                single_bad++;
        }
    }
    CHECKF(single_bad <= single / 50, "%s: %d of %d single weights disagree",
           label, single_bad, single);
    free(w0);
    free(v);
    /* The padded frames must not change the loss at all. */
    double before = loss_of(m, ws, &b, NULL);
    d.y[(3 * B + 2) * c->n_out] = 1.0f - d.y[(3 * B + 2) * c->n_out];
    CHECKF(loss_of(m, ws, &b, NULL) == before, "%s: padding leaked", label);
    free(g);
    cad_model_ws_free(ws);
    cad_model_free(m);
}

/* NADE is a proper distribution: over all 2^V frames the probabilities sum
 * to one. A sign or index slip in the chain breaks this at once. */
static void check_nade_normalised(void)
{
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_in = c.n_out = 8;
    c.n_layers = 1;
    c.hidden[0] = 5;
    c.head = CAD_HEAD_NADE;
    c.nade_hidden = 6;
    cad_model *m;
    cad_error e;
    if (cad_model_new(&c, 11, &m, &e)) {
        CHECKF(0, "%s", e.msg);
        return;
    }
    /* Make the chain matter: larger weights than the default init. */
    cad_rng r;
    cad_rng_seed(&r, 12);
    for (long i = 0; i < m->n_params; i++)
        m->w[i] = 2.0f * cad_rng_normal(&r);
    float u[5], y[8], scratch[8 + 12];
    for (int j = 0; j < 5; j++)
        u[j] = cad_rng_normal(&r);
    double total = 0;
    for (int bits = 0; bits < 256; bits++) {
        for (int k = 0; k < 8; k++)
            y[k] = (float)((bits >> k) & 1);
        total += exp(cad_nade_logprob(&m->nade, u, y, scratch));
    }
    CHECKF(fabs(total - 1.0) < 1e-4, "NADE probabilities sum to %.8f", total);
    cad_model_free(m);
}

/* The fields head alone, one row, every bias against finite differences:
 * a class, two bits and a regression driven below zero, so the positive
 * pressure's part of the gradient counts too. (Through a whole network,
 * above, float rounding hides errors smaller than about 1e-3.) */
static void check_fields_head(void)
{
    cad_layout l = {0};
    cad_layout_add(&l, "pitch", CAD_FIELD_CLASS, 4, NULL);
    cad_layout_add(&l, "flags", CAD_FIELD_BITS, 2, NULL);
    cad_layout_add(&l, "step", CAD_FIELD_REAL, 1, NULL);
    float fw[3] = {0.5f, 1.0f, 2.0f}, W[7 * 3], b[7], gw[7 * 3] = {0}, gb[7] = {0};
    for (int i = 0; i < 21; i++)
        W[i] = 0.1f * (float)((i * 37 % 11) - 5);
    for (int i = 0; i < 7; i++)
        b[i] = 0.05f * (float)(i - 3);
    cad_linear_head h = {CAD_HEAD_FIELDS, CAD_LOSS_BCE, 3, 7, &l, fw, 3.0f,
                         W, b, gw, gb, 0};
    float u[3] = {0.3f, -0.2f, 0.5f}, y[7] = {0, 1, 0, 0, 1, 0, 0.1f};
    float mask[1] = {1}, z[7], du[3];
    double loss = 0, nll = 0;
    cad_linear_head_forward(&h, 1, u, y, mask, z, &loss, &nll);
    CHECKF(z[6] < 0, "the regression should start below zero (%g)", z[6]);
    cad_linear_head_backward(&h, 1, u, y, mask, z, 1.0f, du);
    double worst = 0;
    for (int i = 0; i < 7; i++) {
        const float eps = 1e-3f, keep = b[i];
        double l1 = 0, l2 = 0, n1 = 0, n2 = 0;
        b[i] = keep + eps;
        cad_linear_head_forward(&h, 1, u, y, mask, z, &l1, &n1);
        b[i] = keep - eps;
        cad_linear_head_forward(&h, 1, u, y, mask, z, &l2, &n2);
        b[i] = keep;
        worst = fmax(worst, fabs((l1 - l2) / (2 * eps) - gb[i]));
    }
    CHECKF(worst < 1e-4, "fields head: bias gradients off by %g", worst);
    /* its NLL is the class's and the bits', not the regression's */
    double want = 0, lse = 0;
    cad_linear_head_forward(&h, 1, u, y, mask, z, &loss, &nll);
    for (int k = 0; k < 4; k++)
        lse += exp(z[k]);
    want = log(lse) - z[1];
    for (int k = 4; k < 6; k++)
        want += log1p(exp(z[k])) - y[k] * z[k];
    nll = 0;
    cad_linear_head_forward(&h, 1, u, y, mask, z, &loss, &nll);
    CHECKF(fabs(nll - want) < 1e-5, "fields head NLL %g, want %g", nll, want);
}

/* Given outputs carry no likelihood: two frames that differ only there
 * score the same, under the NADE and the sigmoid head; a predicted
 * output still counts. */
static void check_given_nll(void)
{
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_in = c.n_out = 6;
    c.n_layers = 1;
    c.hidden[0] = 4;
    c.nade_hidden = 3;
    c.n_given = 2;
    for (int head = 0; head < 2; head++) {
        c.head = head ? CAD_HEAD_NADE : CAD_HEAD_SIGMOID;
        cad_model *m;
        cad_error e;
        CHECK(cad_model_new(&c, 5, &m, &e) == 0);
        float u[4] = {0.5f, -0.3f, 0.2f, 0.9f}, scratch[64], z[6], mask[1] = {1};
        float y1[6] = {1, 0, 1, 0, 0, 0}, y2[6] = {1, 0, 1, 0, 1, 1},
              y3[6] = {1, 1, 1, 0, 0, 0};
        double a, b, d;
        if (head) {
            a = cad_nade_logprob(&m->nade, u, y1, scratch);
            b = cad_nade_logprob(&m->nade, u, y2, scratch);
            d = cad_nade_logprob(&m->nade, u, y3, scratch);
        } else {
            double l = 0;
            a = b = d = 0;
            cad_linear_head_forward(&m->fc, 1, u, y1, mask, z, &l, &a);
            cad_linear_head_forward(&m->fc, 1, u, y2, mask, z, &l, &b);
            cad_linear_head_forward(&m->fc, 1, u, y3, mask, z, &l, &d);
        }
        CHECKF(a == b && a != d, "%s: given bits change the NLL (%g %g %g)",
               head ? "nade" : "sigmoid", a, b, d);
        cad_model_free(m);
    }
}

int main(void)
{
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_in = c.n_out = 7;
    c.n_layers = 2;
    c.hidden[0] = 6;
    c.hidden[1] = 4;
    c.dropout = 0.3f;
    c.dropout_in = 0.2f;

    c.head = CAD_HEAD_SIGMOID, c.loss = CAD_LOSS_BCE;
    check("sigmoid+bce 2 layers", &c);
    c.loss = CAD_LOSS_MSE;
    check("sigmoid+mse", &c);
    c.head = CAD_HEAD_SOFTMAX, c.loss = CAD_LOSS_CE;
    check("softmax+ce", &c);
    c.head = CAD_HEAD_NADE, c.loss = CAD_LOSS_BCE, c.nade_hidden = 5;
    check("nade", &c);
    /* outputs the caller sets (a piano roll's metre bits): no loss */
    c.n_given = 2;
    check("nade, 2 given", &c);
    c.head = CAD_HEAD_SIGMOID;
    check("sigmoid, 2 given", &c);
    c.head = CAD_HEAD_NADE;
    c.n_given = 0;
    check_given_nll();
    c.n_layers = 3;
    c.hidden[2] = 5;
    c.head = CAD_HEAD_SIGMOID;
    check("sigmoid 3 layers", &c);
    c.n_layers = 1;
    c.dropout = c.dropout_in = 0;
    check("sigmoid 1 layer", &c);
    /* the other layer kinds, in a whole model with dropout and padding */
    c.n_layers = 2, c.dropout = 0.3f, c.dropout_in = 0.2f;
    snprintf(c.cell, sizeof c.cell, "gru");
    check("gru, sigmoid", &c);
    c.head = CAD_HEAD_NADE;
    check("gru, nade", &c);
    snprintf(c.cell, sizeof c.cell, "rnn");
    check("rnn, nade", &c);
    c.head = CAD_HEAD_SIGMOID;
    check("rnn, sigmoid", &c);
    /* a token embedding below the layers, and bidirectional layers (a
     * window model: the batch is its windows) over it */
    c.head = CAD_HEAD_SOFTMAX, c.loss = CAD_LOSS_CE;
    snprintf(c.cell, sizeof c.cell, "lstm");
    c.embed = 4;
    check("embed, lstm, softmax", &c);
    c.bidirectional = 1, c.window = T;
    check("embed, bidirectional lstm", &c);
    snprintf(c.cell, sizeof c.cell, "gru");
    c.embed = 0;
    check("bidirectional gru", &c);
    /* two bidirectional tanh layers with dropout are too curved for
     * central differences at this eps (at 3e-3 they agree, to float
     * noise); the two-layer stack is checked with the LSTM and GRU */
    snprintf(c.cell, sizeof c.cell, "rnn");
    c.head = CAD_HEAD_SIGMOID, c.loss = CAD_LOSS_BCE, c.n_layers = 1;
    check("bidirectional rnn, sigmoid", &c);
    c.bidirectional = 0, c.window = 0, c.n_layers = 2;
    /* a fields head: a class, two bits and a regression a step, with
     * their loss weights and the regression's positive pressure */
    snprintf(c.cell, sizeof c.cell, "lstm");
    cad_model_config f = c;
    memset(&f.fields, 0, sizeof f.fields);
    cad_layout_add(&f.fields, "pitch", CAD_FIELD_CLASS, 4, NULL);
    cad_layout_add(&f.fields, "flags", CAD_FIELD_BITS, 2, NULL);
    cad_layout_add(&f.fields, "step", CAD_FIELD_REAL, 1, NULL);
    f.field_weight[0] = 0.5f, f.field_weight[1] = 1.0f, f.field_weight[2] = 0.5f;
    f.pressure = 3.0f;
    f.n_in = f.n_out = 7;
    f.head = CAD_HEAD_FIELDS;
    check("fields: class, bits, real", &f);
    check_fields_head();
    check_nade_normalised();
    TEST_MAIN_END();
}
