/* Token models with the new layer kinds, end to end: a token embedding
 * under an LSTM, and window models (a one-directional LSTM and
 * bidirectional layers over the last W tokens), each memorise a short
 * token sequence (NLL per token near zero), and greedy generation from
 * silence replays it token for token. The replay holds generation's
 * window (cad_gen.c: the stack rerun over the last W inputs) to
 * training's windows (cad_train.c), and its embedding step to the batched
 * embedding. */
#include <math.h>
#include <string.h>

#include "cad_test.h"
#include "cad_train.h"

enum { LEN = 24, V = 6, W = 5 };

/* A tune of 6 tokens whose every 4-gram is followed by one token only,
 * so a window of W >= 4 (with silence before the start) determines it. */
static const int tune[LEN] = {0, 1, 2, 3, 1, 2, 4, 5, 1, 2, 3, 0,
                              5, 4, 2, 1, 0, 3, 3, 2, 5, 5, 0, 1};

static void make_data(cad_seq_set *s)
{
    cad_error e;
    memset(s, 0, sizeof *s);
    cad_layout_add(&s->layout, "token", CAD_FIELD_CLASS, V, &e);
    cad_seq q;
    cad_seq_init(&q, LEN, 1, &e);
    for (int t = 0; t < LEN; t++)
        q.v[t] = (float)tune[t];
    cad_seq_set_push(s, &q, &e);
}

static void fit(const char *label, int embed, int bidirectional,
                const char *cell, int window, const cad_seq_set *data)
{
    cad_seq_source src;
    cad_seq_set_source(data, &src);
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_in = c.n_out = V;
    snprintf(c.cell, sizeof c.cell, "%s", cell);
    c.n_layers = 2;
    c.hidden[0] = c.hidden[1] = 16;
    c.head = CAD_HEAD_SOFTMAX, c.loss = CAD_LOSS_CE;
    c.embed = embed, c.bidirectional = bidirectional, c.window = window;
    snprintf(c.representation, sizeof c.representation, "test");
    cad_model *m;
    cad_error e;
    if (cad_model_new(&c, 42, &m, &e)) {
        CHECKF(0, "%s: %s", label, e.msg);
        return;
    }
    cad_train_config tc = {4, 0, {0}, 0, 0};
    cad_opt_config_default(&tc.opt, CAD_OPT_ADAM);
    tc.opt.lr = 1e-2f;
    cad_trainer t;
    CHECK(cad_trainer_init(&t, m, &tc, 1, &e) == 0);
    double first = 0, nll = 0;
    for (int ep = 0; ep < 300; ep++) {
        CHECK(cad_trainer_epoch(&t, &src, NULL, NULL, &nll, &e) == 0);
        if (ep == 0)
            first = nll;
    }
    long steps = 0;
    CHECK(cad_eval_nll(m, &src, &nll, &steps, &e) == 0);
    CHECKF(steps == LEN, "%s: evaluated %ld tokens, not %d", label, steps,
           LEN);
    cad_gen *g = cad_gen_new(m, &e);
    cad_rng rng;
    cad_rng_seed(&rng, 1);
    cad_sample_params p = {.temperature = 0.0f};
    uint8_t out[V];
    int replay = 1;
    for (int s = 0; s < LEN; s++) {
        cad_gen_sample(g, &p, &rng, out);
        replay &= out[tune[s]] == 1;
    }
    printf("%-34s nll %.4f -> %.4f, replay %s\n", label, first, nll,
           replay ? "exact" : "WRONG");
    CHECKF(nll < 0.05, "%s did not memorise: %.4f", label, nll);
    CHECKF(replay, "%s: greedy generation does not replay the tune", label);
    cad_gen_free(g);
    cad_trainer_free(&t);
    cad_model_free(m);
}

int main(void)
{
    cad_seq_set data;
    make_data(&data);
    fit("embedding 4, lstm", 4, 0, "lstm", 0, &data);
    fit("lstm, window 5", 0, 0, "lstm", W, &data);
    fit("embedding 4, bidirectional lstm", 4, 1, "lstm", W, &data);
    fit("bidirectional gru, window 5", 0, 1, "gru", W, &data);
    fit("bidirectional rnn, window 5", 0, 1, "rnn", W, &data);
    cad_seq_set_free(&data);
    TEST_MAIN_END();
}
