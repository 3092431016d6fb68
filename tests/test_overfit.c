/* Learning works end to end: a tiny model memorises a short melody with
 * chords (NLL per frame near zero), and generation at temperature 0 from
 * silence replays it note for note. Run for both heads and every
 * optimiser (each must at least cut the loss by 90 %). */
#include <math.h>
#include <string.h>

#include "cad_test.h"
#include "cad_roll.h"
#include "cad_train.h"

enum { FRAMES = 16 };

static void make_tune(cad_roll_set *s)
{
    static const int melody[FRAMES] = {60, 62, 64, 65, 67, 65, 64, 62,
                                       60, 64, 67, 72, 67, 64, 60, 55};
    cad_roll r;
    cad_error e;
    cad_roll_init(&r, FRAMES, &e);
    for (int f = 0; f < FRAMES; f++) {
        r.on[f * 88 + melody[f] - 21] = 1;
        if (f % 4 == 0) { /* a chord every bar */
            r.on[f * 88 + 48 - 21] = 1;
            r.on[f * 88 + 52 - 21] = 1;
        }
    }
    cad_roll_set_push(s, &r, &e);
}

static double fit(cad_head_kind head, cad_opt_kind opt, float lr, int epochs,
                  double *first, int *replay_ok, const cad_roll_set *data)
{
    cad_seq_source src;
    cad_roll_set_source(data, &src);
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_layers = 1;
    c.hidden[0] = 32;
    c.head = head;
    c.nade_hidden = 16;
    cad_model *m;
    cad_error e;
    cad_model_new(&c, 42, &m, &e);
    cad_train_config tc = {1, 0, {0}, 0, 0};
    cad_opt_config_default(&tc.opt, opt);
    tc.opt.lr = lr;
    tc.opt.clip_norm = 10;
    cad_trainer t;
    cad_trainer_init(&t, m, &tc, 1, &e);
    double nll = 0;
    for (int ep = 0; ep < epochs; ep++) {
        cad_trainer_epoch(&t, &src, NULL, NULL, &nll, &e);
        if (ep == 0)
            *first = nll;
    }
    long frames;
    cad_eval_nll(m, &src, &nll, &frames, &e);
    /* Replay: greedy generation from silence must give the tune back. */
    cad_gen *g = cad_gen_new(m, &e);
    cad_rng rng;
    cad_rng_seed(&rng, 1);
    cad_sample_params p = {.temperature = 0.0f};
    uint8_t frame[88];
    *replay_ok = 1;
    for (int f = 0; f < FRAMES; f++) {
        cad_gen_sample(g, &p, &rng, frame);
        if (memcmp(frame, data->pieces[0].on + f * 88, 88) != 0)
            *replay_ok = 0;
    }
    cad_gen_free(g);
    cad_trainer_free(&t);
    cad_model_free(m);
    return nll;
}

int main(void)
{
    cad_roll_set data = {0};
    make_tune(&data);
    double first;
    int replay;
    double nll = fit(CAD_HEAD_SIGMOID, CAD_OPT_ADAM, 1e-2f, 2500, &first, &replay, &data);
    printf("sigmoid/adam: nll %.4f -> %.4f, replay %s\n", first, nll, replay ? "exact" : "WRONG");
    CHECKF(nll < 0.05, "sigmoid head did not memorise: %.4f", nll);
    CHECK(replay);
    nll = fit(CAD_HEAD_NADE, CAD_OPT_ADAM, 1e-2f, 2500, &first, &replay, &data);
    printf("nade/adam:    nll %.4f -> %.4f, replay %s\n", first, nll, replay ? "exact" : "WRONG");
    CHECKF(nll < 0.05, "NADE head did not memorise: %.4f", nll);
    CHECK(replay);
    static const struct { cad_opt_kind k; float lr; } opts[] = {
        {CAD_OPT_RMSPROP, 3e-3f}, {CAD_OPT_ADAGRAD, 5e-2f}, {CAD_OPT_SGD, 1.0f}};
    for (int i = 0; i < 3; i++) {
        nll = fit(CAD_HEAD_SIGMOID, opts[i].k, opts[i].lr, 150, &first, &replay, &data);
        printf("sigmoid/%-7s nll %.4f -> %.4f\n", cad_opt_name(opts[i].k), first, nll);
        CHECKF(nll < 0.1 * first, "%s did not learn: %.4f -> %.4f",
               cad_opt_name(opts[i].k), first, nll);
    }
    cad_roll_set_free(&data);
    TEST_MAIN_END();
}
