/* The C engine against PyTorch (python/cadenza_torch.py) on files PyTorch
 * wrote: for each fixture, a model plus test.frames [T, n] and the NLL of
 * every frame as PyTorch computed it (test.nll [T]). Cadenza must give
 * the same log-probability for every frame, to 1e-5 nats, both ways it
 * computes one: batched over the sequence (training and eval) and step by
 * step (generation: the batch-1 kernels and the head's own frame).
 * A window model (cad_model_config.window) predicts each frame from the
 * W frames before it alone: batched, each frame's window is a batch as
 * training builds it, and the evaluation of the whole sequence must give
 * the mean; as generation runs it, the stack is run over each window.
 * A fixture whose metadata names a layer kind ("test.layer": gru, rnn)
 * holds one PyTorch layer instead, with an input test.x [T, B, In], a
 * start state test.h0 [B, H] and PyTorch's output test.y [T, B, H]; the
 * layer kind must give that output, batched and step by step, to 1e-5.
 *   test_torch_parity FIXTURE.safetensors...
 * tests/torch/test_torch.py writes the fixtures and runs this. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_layer.h"
#include "cad_model_train.h"
#include "cad_train.h"
#include "cad_test.h"

/* -log p(y | u) of one frame from the head, as generation's step path
 * would compute it. */
static double head_nll(const cad_model *m, const float *u, const float *y,
                       float *scratch)
{
    if (m->cfg.head == CAD_HEAD_NADE)
        return -cad_nade_logprob(&m->nade, u, y, scratch);
    const cad_linear_head *h = &m->fc;
    double nll = 0, zmax = -INFINITY, sum = 0;
    for (int k = 0; k < h->n_out; k++) {
        float z = h->b[k];
        for (int j = 0; j < h->n_in; j++)
            z += h->w[(long)k * h->n_in + j] * u[j];
        scratch[k] = z;
        zmax = fmax(zmax, z);
        if (h->kind == CAD_HEAD_SIGMOID && k < h->n_out - h->n_given)
            nll += cad_softplus(z) - y[k] * z; /* given outputs: none */
    }
    if (h->kind == CAD_HEAD_SIGMOID)
        return nll;
    for (int k = 0; k < h->n_out; k++)
        sum += exp(scratch[k] - zmax);
    for (int k = 0; k < h->n_out; k++)
        nll -= y[k] * (scratch[k] - zmax - log(sum));
    return nll;
}

static void check_layer(const char *path, const cad_st_file *f,
                        const char *kind)
{
    const cad_layer_kind *k = cad_layer_find(kind);
    const cad_st_tensor *x = cad_st_find(f, "test.x"), *h0 = cad_st_find(f, "test.h0");
    const cad_st_tensor *want = cad_st_find(f, "test.y");
    CHECKF(k && x && h0 && want && x->ndim == 3 && want->ndim == 3,
           "%s: layer fixture incomplete", path);
    if (!(k && x && h0 && want && x->ndim == 3 && want->ndim == 3))
        return;
    const int T = (int)x->shape[0], B = (int)x->shape[1];
    cad_layer L = {k, (int)x->shape[2], (int)want->shape[2], 0, NULL, NULL, NULL};
    long n = cad_layer_n_params(&L);
    L.w = calloc((size_t)n, sizeof(float));
    /* the parameters, copied in the order the kind stores them */
    cad_param_spec p[CAD_LAYER_MAX_PARAMS];
    int np = k->params(&L, p);
    long at = 0;
    for (int i = 0; i < np; i++) {
        const cad_st_tensor *t = cad_st_find(f, p[i].name);
        long size = (long)p[i].rows * (p[i].cols ? p[i].cols : 1);
        CHECKF(t && t->numel == size, "%s: no %s of %ld values", path,
               p[i].name, size);
        if (t && t->numel == size)
            memcpy(L.w + at, t->data, sizeof(float) * (size_t)size);
        at += size;
    }
    const cad_layer_trainer *tr = cad_layer_trainer_for(k);
    float *acts = calloc((size_t)tr->acts_size(&L, T, B), sizeof(float));
    float *y = calloc((size_t)T * B * L.n_hid, sizeof(float));
    float *state = calloc((size_t)k->state_size(&L), sizeof(float));
    float *out = calloc((size_t)L.n_hid, sizeof(float));
    float *scratch = calloc((size_t)k->step_scratch_size(&L), sizeof(float));
    tr->forward(&L, T, B, x->data, h0->data, acts, y, NULL);
    double worst = 0, worst_step = 0;
    for (long i = 0; i < want->numel; i++)
        worst = fmax(worst, fabs(y[i] - want->data[i]));
    for (int b = 0; b < B; b++) {
        memcpy(state, h0->data + (long)b * L.n_hid, sizeof(float) * (size_t)L.n_hid);
        for (int t = 0; t < T; t++) {
            k->step(&L, x->data + ((long)t * B + b) * L.n_in, state, out, scratch);
            for (int j = 0; j < L.n_hid; j++)
                worst_step = fmax(worst_step, fabs(out[j] - want->data[((long)t * B + b) * L.n_hid + j]));
        }
    }
    CHECKF(worst < 1e-5 && worst_step < 1e-5, "%s: %s layer differs from "
           "PyTorch by %g (batched), %g (step)", path, kind, worst, worst_step);
    printf("%s: %s layer, PyTorch and Cadenza agree\n", path, kind);
    free(L.w), free(acts), free(y), free(state), free(out), free(scratch);
}

/* The frames of a fixture as a data source of one piece, for cad_eval_nll. */
static int one_len(const void *data, int piece)
{
    (void)piece;
    return (int)((const cad_st_tensor *)data)->shape[0];
}

static void one_expand(const void *data, int piece, int t, float *out)
{
    (void)piece;
    const cad_st_tensor *fr = data;
    memcpy(out, fr->data + (long)t * fr->shape[1],
           sizeof(float) * (size_t)fr->shape[1]);
}

static uint64_t one_hash(const void *data, uint64_t h)
{
    (void)data;
    return h;
}

static void check_window(const char *path, cad_model *m,
                         const cad_st_tensor *fr, const cad_st_tensor *want)
{
    const int T = (int)fr->shape[0], n = m->cfg.n_in, W = m->cfg.window;
    cad_error e;
    /* the W inputs before frame t: frames t-W .. t-1, silence before 0 */
    float *x = calloc((size_t)W * n, sizeof *x), *y = calloc((size_t)W * n, sizeof *y);
    float mask[64] = {0};
    CHECK(W <= 64);
    long run_need = 0, width = 0;
    for (int l = 0; l < m->n_stack; l++) {
        long s = cad_layer_run_scratch(&m->layer[l], W);
        run_need = s > run_need ? s : run_need;
        width += (long)W * m->layer[l].n_hid;
    }
    float *outs = calloc((size_t)width, sizeof(float));
    float *run = calloc((size_t)run_need, sizeof(float)), scratch[4096];
    cad_model_ws *ws = cad_model_ws_new();
    double worst = 0, worst_run = 0, sum = 0;
    for (int t = 0; t < T; t++) {
        memset(x, 0, sizeof(float) * (size_t)W * n);
        for (int k = 0; k < W; k++) {
            int f = t - W + k; /* the input at window position k */
            if (f >= 0)
                memcpy(x + (long)k * n, fr->data + (long)f * n,
                       sizeof(float) * (size_t)n);
        }
        memset(y, 0, sizeof(float) * (size_t)W * n);
        memcpy(y + (long)(W - 1) * n, fr->data + (long)t * n,
               sizeof(float) * (size_t)n);
        mask[W - 1] = 1;
        /* 1. batched, as training and evaluation run a window */
        cad_batch b = {W, 1, x, y, mask};
        double loss = 0, nll = 0;
        CHECK(cad_model_forward(m, ws, &b, 0, NULL, &loss, &nll, &e) == 0);
        worst = fmax(worst, fabs(nll - want->data[t]));
        sum += nll;
        /* 2. as generation runs it: every layer over the whole window */
        const float *in = x;
        float *o = outs;
        for (int l = 0; l < m->n_stack; l++) {
            cad_layer_run(&m->layer[l], W, in, o, run);
            in = o;
            o += (long)W * m->layer[l].n_hid;
        }
        nll = head_nll(m, in + (long)(W - 1) * cad_model_top(m),
                       fr->data + (long)t * n, scratch);
        worst_run = fmax(worst_run, fabs(nll - want->data[t]));
    }
    cad_seq_source src = {1, n, one_len, one_expand, one_hash, fr};
    double mean = 0;
    long steps = 0;
    CHECK(cad_eval_nll(m, &src, &mean, &steps, &e) == 0);
    CHECKF(worst < 1e-5 && worst_run < 1e-5 && steps == T &&
               fabs(mean - sum / T) < 1e-6,
           "%s: window NLL per frame differs from PyTorch by up to %g "
           "(batched), %g (as generated); eval %g over %ld frames, want %g",
           path, worst, worst_run, mean, steps, sum / T);
    printf("%s: %s%s layers over a window of %d%s, %s head, %d frames, "
           "PyTorch and Cadenza agree (worst %.1e)\n", path,
           m->cfg.bidirectional ? "bidirectional " : "", m->cfg.cell, W,
           m->cfg.embed ? " with an embedding" : "", cad_head_name(m->cfg.head),
           T, fmax(worst, worst_run));
    cad_model_ws_free(ws);
    free(x), free(y), free(outs), free(run);
}

static void check_fixture(const char *path)
{
    cad_error e;
    cad_st_file f;
    cad_model *m;
    if (cad_st_load(path, &f, &e)) {
        CHECKF(0, "%s: %s", path, e.msg);
        return;
    }
    const char *layer = cad_st_meta(&f, "test.layer");
    if (layer) {
        check_layer(path, &f, layer);
        cad_st_free(&f);
        return;
    }
    if (cad_model_from_st(&f, &m, &e)) {
        CHECKF(0, "%s: %s", path, e.msg);
        return;
    }
    const cad_st_tensor *fr = cad_st_find(&f, "test.frames");
    const cad_st_tensor *want = cad_st_find(&f, "test.nll");
    CHECKF(fr && want && fr->ndim == 2 && fr->shape[1] == m->cfg.n_in &&
               want->shape[0] == fr->shape[0],
           "%s: test tensors missing or of the wrong shape", path);
    if (!(fr && want && fr->ndim == 2 && fr->shape[1] == m->cfg.n_in))
        goto out;
    const int T = (int)fr->shape[0], n = m->cfg.n_in;
    if (m->cfg.window) {
        check_window(path, m, fr, want);
        goto out;
    }
    /* inputs: the frame before, silence first */
    float *x = calloc((size_t)T * n, sizeof *x), *mask = calloc((size_t)T, sizeof *mask);
    memcpy(x + n, fr->data, sizeof(float) * (size_t)(T - 1) * n);

    /* 1. Batched, one frame at a time through the mask. */
    double worst = 0;
    cad_model_ws *ws = cad_model_ws_new();
    for (int t = 0; t < T; t++) {
        memset(mask, 0, sizeof(float) * (size_t)T);
        mask[t] = 1;
        cad_batch b = {T, 1, x, fr->data, mask};
        double loss = 0, nll = 0;
        CHECK(cad_model_forward(m, ws, &b, 0, NULL, &loss, &nll, &e) == 0);
        worst = fmax(worst, fabs(nll - want->data[t]));
    }
    CHECKF(worst < 1e-5, "%s: batched NLL per frame differs from PyTorch by "
                         "up to %g nats", path, worst);

    /* 2. Step by step, as generation runs. */
    float st[CAD_MAX_LAYERS + 1][2048] = {{0}}, h[CAD_MAX_LAYERS + 1][1024];
    float *gates = malloc(sizeof(float) * 4 * 1024), scratch[4096];
    worst = 0;
    for (int t = 0; t < T; t++) {
        const float *in = x + (long)t * n;
        for (int l = 0; l < m->n_stack; l++) {
            m->layer[l].kind->step(&m->layer[l], in, st[l], h[l], gates);
            in = h[l];
        }
        double nll = head_nll(m, in, fr->data + (long)t * n, scratch);
        worst = fmax(worst, fabs(nll - want->data[t]));
    }
    CHECKF(worst < 1e-5, "%s: step-by-step NLL per frame differs from "
                         "PyTorch by up to %g nats", path, worst);
    printf("%s: %s layers%s, %s head, %d frames, PyTorch and Cadenza agree\n",
           path, m->cfg.cell, m->cfg.embed ? " over an embedding" : "",
           cad_head_name(m->cfg.head), T);
    free(gates);
    cad_model_ws_free(ws);
    free(x);
    free(mask);
out:
    cad_model_free(m);
    cad_st_free(&f);
}

int main(int argc, char **argv)
{
    CHECKF(argc > 1, "usage: test_torch_parity FIXTURE...");
    for (int i = 1; i < argc; i++)
        check_fixture(argv[i]);
    TEST_MAIN_END();
}
