/* The C engine against PyTorch (python/cadenza_torch.py) on files PyTorch
 * wrote: for each fixture, a model plus test.frames [T, n] and the NLL of
 * every frame as PyTorch computed it (test.nll [T]). Cadenza must give
 * the same log-probability for every frame, to 1e-5 nats, both ways it
 * computes one: batched over the sequence (training and eval) and step by
 * step (generation: the batch-1 kernels and the head's own frame).
 *   test_torch_parity FIXTURE.safetensors...
 * tests/torch/test_torch.py writes the fixtures and runs this. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_model.h"
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
        if (h->kind == CAD_HEAD_SIGMOID)
            nll += cad_softplus(z) - y[k] * z;
    }
    if (h->kind == CAD_HEAD_SIGMOID)
        return nll;
    for (int k = 0; k < h->n_out; k++)
        sum += exp(scratch[k] - zmax);
    for (int k = 0; k < h->n_out; k++)
        nll -= y[k] * (scratch[k] - zmax - log(sum));
    return nll;
}

static void check_fixture(const char *path)
{
    cad_error e;
    cad_st_file f;
    cad_model *m;
    if (cad_st_load(path, &f, &e) || cad_model_from_st(&f, &m, &e)) {
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
    float h[CAD_MAX_LAYERS][1024] = {{0}}, c[CAD_MAX_LAYERS][1024] = {{0}};
    float *gates = malloc(sizeof(float) * 4 * 1024), scratch[4096];
    worst = 0;
    for (int t = 0; t < T; t++) {
        const float *in = x + (long)t * n;
        for (int l = 0; l < m->cfg.n_layers; l++) {
            cad_lstm_step(&m->lstm[l], in, h[l], c[l], gates);
            in = h[l];
        }
        double nll = head_nll(m, in, fr->data + (long)t * n, scratch);
        worst = fmax(worst, fabs(nll - want->data[t]));
    }
    CHECKF(worst < 1e-5, "%s: step-by-step NLL per frame differs from "
                         "PyTorch by up to %g nats", path, worst);
    printf("%s: %s head, %d frames, PyTorch and Cadenza agree\n", path,
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
