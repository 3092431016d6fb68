/* Model files: PyTorch compatibility (a model made by PyTorch, with
 * PyTorch's numbers for a test sequence), save/load round trips, bad
 * model files, determinism of training, and checkpoint resume. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h> /* openblas_set_num_threads */

#include "cad_file.h"
#include "cad_test.h"
#include "cad_roll.h"
#include "cad_train.h"

static char tmpdir[] = "/tmp/cadenza-test-XXXXXX";

static const char *tmp(const char *name)
{
    static char buf[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", tmpdir, name);
    return buf[i];
}

static void test_torch_fixture(void)
{
    const char *path = "tests/fixtures/torch_lstm.safetensors";
    cad_error e;
    cad_st_file f;
    cad_model *m;
    if (cad_st_load(path, &f, &e) || cad_model_from_st(&f, &m, &e)) {
        CHECKF(0, "%s", e.msg);
        return;
    }
    const cad_st_tensor *x = cad_st_find(&f, "test.x"), *y = cad_st_find(&f, "test.y");
    const cad_st_tensor *p = cad_st_find(&f, "test.p"), *nll = cad_st_find(&f, "test.nll");
    CHECK(x && y && p && nll);
    const int T = (int)x->shape[0], K = (int)x->shape[1];
    CHECK(m->cfg.n_layers == 2 && m->cfg.hidden[0] == 6 && m->cfg.hidden[1] == 5);
    /* 1. Step by step, as generation runs it. */
    float st[2][16] = {{0}}, h[2][8], gates[32], z[8];
    double worst = 0;
    for (int t = 0; t < T; t++) {
        m->layer[0].kind->step(&m->layer[0], x->data + t * K, st[0], h[0], gates);
        m->layer[1].kind->step(&m->layer[1], h[0], st[1], h[1], gates);
        for (int k = 0; k < K; k++) {
            z[k] = m->fc.b[k];
            for (int j = 0; j < 5; j++)
                z[k] += m->fc.w[k * 5 + j] * h[1][j];
            double d = fabs(cad_sigmoid(z[k]) - p->data[t * K + k]);
            worst = d > worst ? d : worst;
        }
    }
    CHECKF(worst < 1e-6, "step path differs from PyTorch by %g", worst);
    /* 2. Batched, as training and eval run it. */
    float mask[64];
    for (int t = 0; t < T; t++)
        mask[t] = 1;
    cad_batch b = {T, 1, x->data, y->data, mask};
    cad_model_ws *ws = cad_model_ws_new();
    double loss = 0, q = 0;
    CHECK(cad_model_forward(m, ws, &b, 0, NULL, &loss, &q, &e) == 0);
    CHECKF(fabs(q - nll->data[0]) < 1e-4, "NLL %.6f, PyTorch %.6f", q,
           (double)nll->data[0]);
    cad_model_ws_free(ws);
    cad_model_free(m);
    cad_st_free(&f);
}

static cad_model *small_model(cad_head_kind head, uint64_t seed)
{
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_layers = 2;
    c.hidden[0] = 12;
    c.hidden[1] = 10;
    c.head = head;
    c.nade_hidden = 9;
    c.dropout = 0.3f;
    c.step_beats = 0.5;
    cad_model *m = NULL;
    cad_error e;
    if (cad_model_new(&c, seed, &m, &e))
        fprintf(stderr, "%s\n", e.msg);
    return m;
}

static long file_bytes(const char *path, uint8_t **data)
{
    size_t len;
    cad_error e;
    if (cad_file_read_all(path, 1 << 26, data, &len, &e))
        return -1;
    return (long)len;
}

static void test_round_trip(void)
{
    cad_error e;
    for (int h = 0; h < 2; h++) {
        cad_model *m = small_model(h ? CAD_HEAD_NADE : CAD_HEAD_SIGMOID, 7), *n;
        cad_model_set_meta(m, "train.data", "synthetic");
        CHECK(cad_model_save(m, tmp("a.safetensors"), &e) == 0);
        if (cad_model_load(tmp("a.safetensors"), &n, &e)) {
            CHECKF(0, "%s", e.msg);
            cad_model_free(m);
            continue;
        }
        CHECK(n->n_params == m->n_params);
        CHECK(memcmp(n->w, m->w, sizeof(float) * (size_t)m->n_params) == 0);
        CHECK(n->cfg.head == m->cfg.head && n->cfg.step_beats == 0.5);
        CHECK(n->cfg.dropout == m->cfg.dropout);
        const char *d = cad_model_get_meta(n, "train.data");
        CHECK(d && !strcmp(d, "synthetic"));
        CHECK(cad_model_save(n, tmp("b.safetensors"), &e) == 0);
        uint8_t *a, *b;
        long la = file_bytes(tmp("a.safetensors"), &a);
        long lb = file_bytes(tmp("b.safetensors"), &b);
        CHECK(la > 0 && la == lb && memcmp(a, b, (size_t)la) == 0);
        free(a);
        free(b);
        cad_model_free(m);
        cad_model_free(n);
    }
}

/* Valid safetensors that are not valid models must be refused clearly. */
static void test_bad_models(void)
{
    cad_model *m = small_model(CAD_HEAD_SIGMOID, 1), *n = NULL;
    cad_st_file f;
    cad_error e;
    cad_model_to_st(m, &f, &e);
    /* A missing tensor. */
    cad_st_file g = {0};
    for (int i = 0; i < f.n_tensors; i++)
        if (strcmp(f.tensors[i].name, "bias_hh_l1"))
            cad_st_add(&g, f.tensors[i].name, f.tensors[i].ndim,
                       f.tensors[i].shape, f.tensors[i].data, &e);
    e.msg[0] = 0;
    CHECK(cad_model_from_st(&g, &n, &e) == -1);
    CHECKF(strstr(e.msg, "bias_hh_l1") != NULL, "message: %s", e.msg);
    cad_st_free(&g);
    /* A wrong shape. */
    memset(&g, 0, sizeof g);
    for (int i = 0; i < f.n_tensors; i++) {
        cad_st_tensor *t = &f.tensors[i];
        int64_t shape[2] = {t->shape[0], t->shape[1]};
        if (!strcmp(t->name, "fc.weight"))
            shape[1] -= 1;
        cad_st_add(&g, t->name, t->ndim, shape, t->data, &e);
    }
    for (int i = 0; i < f.n_meta; i++)
        cad_st_set_meta(&g, f.meta_keys[i], f.meta_vals[i], &e);
    e.msg[0] = 0;
    CHECK(cad_model_from_st(&g, &n, &e) == -1);
    CHECKF(strstr(e.msg, "fc.weight") != NULL, "message: %s", e.msg);
    /* Nonsense metadata. */
    cad_st_set_meta(&f, "head", "transformer", &e);
    CHECK(cad_model_from_st(&f, &n, &e) == -1 && strstr(e.msg, "transformer"));
    cad_st_set_meta(&f, "head", "sigmoid", &e);
    cad_st_set_meta(&f, "step_beats", "-3", &e);
    CHECK(cad_model_from_st(&f, &n, &e) == -1 && e.msg[0]);
    cad_st_free(&g);
    cad_st_free(&f);
    /* Not a model at all, and no file. */
    CHECK(cad_model_load("tests/corpus/safetensors/fixture_mixed.safetensors",
                         &n, &e) == -1 && e.msg[0]);
    CHECK(cad_model_load(tmp("nope.safetensors"), &n, &e) == -1 &&
          strstr(e.msg, "nope.safetensors"));
    cad_model_free(m);
}

/* Synthetic pieces: arpeggios and chords on a pattern. */
static void make_data(cad_roll_set *s, int pieces, uint64_t seed)
{
    cad_rng r;
    cad_rng_seed(&r, seed);
    cad_error e;
    for (int p = 0; p < pieces; p++) {
        cad_roll roll;
        int n = 20 + (int)cad_rng_below(&r, 20);
        cad_roll_init(&roll, n, &e);
        int root = 30 + (int)cad_rng_below(&r, 20);
        for (int f = 0; f < n; f++) {
            roll.on[f * 88 + root + (f % 4) * 4] = 1;
            if (f % 2 == 0)
                roll.on[f * 88 + root - 12] = 1;
        }
        cad_roll_set_push(s, &roll, &e);
    }
}

static int train_run(uint64_t seed, int epochs, int resume_at, const char *out)
{
    cad_roll_set data = {0};
    make_data(&data, 12, 5);
    cad_seq_source src;
    cad_roll_set_source(&data, &src);
    cad_model *m = small_model(CAD_HEAD_NADE, seed);
    cad_train_config tc = {3, 8, {0}, 0, 0};
    cad_opt_config_default(&tc.opt, CAD_OPT_ADAM);
    tc.opt.clip_norm = 5;
    cad_trainer t;
    cad_error e;
    double nll;
    int rc = cad_trainer_init(&t, m, &tc, seed, &e);
    for (int ep = 0; rc == 0 && ep < epochs; ep++) {
        if (ep == resume_at) {
            /* Throw the trainer away and continue from its checkpoint. */
            rc |= cad_trainer_save(&t, tmp("ck.safetensors"), &e);
            cad_trainer_free(&t);
            cad_model_free(m);
            m = small_model(CAD_HEAD_NADE, 999);
            rc |= cad_trainer_init(&t, m, &tc, 12345, &e);
            rc |= cad_trainer_resume(&t, tmp("ck.safetensors"), &e);
        }
        rc |= cad_trainer_epoch(&t, &src, NULL, NULL, &nll, &e);
    }
    rc |= cad_model_save(m, out, &e);
    if (rc)
        fprintf(stderr, "train_run: %s\n", e.msg);
    cad_trainer_free(&t);
    cad_model_free(m);
    cad_roll_set_free(&data);
    return rc;
}

static int same_file(const char *a, const char *b)
{
    uint8_t *x, *y;
    long lx = file_bytes(a, &x), ly = file_bytes(b, &y);
    int same = lx > 0 && lx == ly && memcmp(x, y, (size_t)lx) == 0;
    free(x);
    free(y);
    return same;
}

static void test_determinism(void)
{
    CHECK(train_run(3, 4, -1, tmp("d1.safetensors")) == 0);
    CHECK(train_run(3, 4, -1, tmp("d2.safetensors")) == 0);
    CHECK(train_run(4, 4, -1, tmp("d3.safetensors")) == 0);
    CHECK(train_run(3, 4, 2, tmp("d4.safetensors")) == 0);
    /* The same run on two BLAS threads must give the same bytes. */
    openblas_set_num_threads(2);
    CHECK(train_run(3, 4, -1, tmp("d5.safetensors")) == 0);
    openblas_set_num_threads(1);
    CHECKF(same_file(tmp("d1.safetensors"), tmp("d2.safetensors")),
           "same seed, different model bytes");
    CHECKF(!same_file(tmp("d1.safetensors"), tmp("d3.safetensors")),
           "different seeds, same model");
    CHECKF(same_file(tmp("d1.safetensors"), tmp("d4.safetensors")),
           "a resumed run differs from an uninterrupted one");
    CHECKF(same_file(tmp("d1.safetensors"), tmp("d5.safetensors")),
           "1 and 2 BLAS threads give different models");
}

/* Long pieces in chunks (issue 10, item 5): the forward pass run as
 * consecutive chunks that carry the LSTM state computes the whole pass's
 * NLL; training holds one chunk of the batch at a time; a batch that fits
 * in one chunk trains exactly as before. */
/* All weights 3e38: finite, so the file checks pass, but the forward
 * pass overflows. cad_model_load (the CLI's and the plugin worker's
 * loader) must refuse it with a message (issue 10, item 6). */
static void test_overflow(void)
{
    for (int head = 0; head < 2; head++) {
        cad_model *m = small_model(head ? CAD_HEAD_NADE : CAD_HEAD_SIGMOID, 2);
        cad_error e = {{0}};
        for (long i = 0; i < m->n_params; i++)
            m->w[i] = 3e38f;
        CHECK(cad_model_save(m, tmp("huge.safetensors"), &e) == 0);
        cad_model_free(m);
        m = NULL;
        CHECK(cad_model_load(tmp("huge.safetensors"), &m, &e) == -1 && !m);
        CHECKF(strstr(e.msg, "not finite") && strstr(e.msg, "huge.safetensors"),
               "%s", e.msg);
    }
    cad_model *m = small_model(CAD_HEAD_NADE, 2);
    cad_error e;
    CHECK(cad_model_save(m, tmp("fine.safetensors"), &e) == 0);
    cad_model_free(m);
    CHECKF(cad_model_load(tmp("fine.safetensors"), &m, &e) == 0, "%s", e.msg);
    cad_model_free(m);
}

static void test_chunks(void)
{
    cad_model *m = small_model(CAD_HEAD_NADE, 3);
    enum { T = 60, B = 2, K = 88, W = 20 };
    static float x[T * B * K], y[T * B * K], mask[T * B];
    cad_rng r;
    cad_rng_seed(&r, 77);
    for (int i = 0; i < T * B * K; i++)
        y[i] = cad_rng_uniform(&r) < 0.05f;
    for (int i = B * K; i < T * B * K; i++)
        x[i] = y[i - B * K];
    for (int i = 0; i < T * B; i++)
        mask[i] = i < (T - 7) * B || i % 2 == 0; /* sequence 1 ends early */
    cad_model_ws *ws = cad_model_ws_new();
    cad_error e;
    double loss = 0, whole = 0, carried = 0, cut = 0;
    cad_batch b = {T, B, x, y, mask};
    CHECK(cad_model_forward(m, ws, &b, 0, NULL, &loss, &whole, &e) == 0);
    for (int carry = 1; carry >= 0; carry--) {
        cad_model_ws_carry(ws, carry);
        for (int t0 = 0; t0 < T; t0 += W) {
            cad_batch c = {W, B, x + t0 * B * K, y + t0 * B * K,
                           mask + t0 * B};
            CHECK(cad_model_forward(m, ws, &c, 0, NULL, &loss,
                                    carry ? &carried : &cut, &e) == 0);
        }
    }
    cad_model_ws_carry(ws, 0);
    /* (Zero-state chunks miss by about 3e-4 of the total here.) */
    CHECKF(fabs(carried - whole) < 1e-6 * whole, "chunks %.6f, whole %.6f",
           carried, whole);
    CHECKF(fabs(cut - whole) > 1e-5 * whole, "zero-state chunks %.6f should "
           "differ from %.6f", cut, whole);
    cad_model_ws_free(ws);
    cad_model_free(m);

    /* Training: memory for one chunk of the batch, not the piece; with a
     * chunk longer than every piece, the very same model as before. */
    cad_roll_set data = {0};
    make_data(&data, 6, 9); /* pieces of 20..39 frames */
    cad_seq_source src;
    cad_roll_set_source(&data, &src);
    uint8_t *bytes[3];
    long len[3];
    const int chunks[3] = {0, 40, 8};
    for (int k = 0; k < 3; k++) {
        cad_model *mm = small_model(CAD_HEAD_NADE, 4);
        cad_train_config tc = {3, 0, {0}, chunks[k], 0};
        cad_opt_config_default(&tc.opt, CAD_OPT_ADAM);
        cad_trainer t;
        double nll = 0;
        CHECK(cad_trainer_init(&t, mm, &tc, 4, &e) == 0);
        for (int ep = 0; ep < 3; ep++)
            CHECK(cad_trainer_epoch(&t, &src, NULL, NULL, &nll, &e) == 0);
        CHECKF(isfinite(nll) && nll > 0, "chunk %d: nll %g", chunks[k], nll);
        if (chunks[k] == 8)
            CHECKF(t.cap <= 8L * 3 * K, "chunk 8, batch 3: %ld floats per "
                   "batch buffer", t.cap);
        CHECK(cad_model_save(mm, tmp("chunk.safetensors"), &e) == 0);
        len[k] = file_bytes(tmp("chunk.safetensors"), &bytes[k]);
        cad_trainer_free(&t);
        cad_model_free(mm);
    }
    CHECK(len[0] > 0 && len[0] == len[1] && !memcmp(bytes[0], bytes[1], (size_t)len[0]));
    CHECK(len[2] != len[0] || memcmp(bytes[0], bytes[2], (size_t)len[0]));
    for (int k = 0; k < 3; k++)
        free(bytes[k]);
    cad_roll_set_free(&data);
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 1;
    test_torch_fixture();
    test_round_trip();
    test_bad_models();
    test_determinism();
    test_chunks();
    test_overflow();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    TEST_MAIN_END();
}
