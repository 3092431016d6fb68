/* cadenza eval: the benchmark metric of Boulanger-Lewandowski et al. 2012,
 * negative log-likelihood per frame in nats: for every frame of every
 * piece, -log p(the whole 88-key frame | the frames before it), averaged
 * over all frames of all pieces (long pieces weigh more). The first frame
 * of each piece is predicted from silence and counts. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_roll.h"
#include "cad_train.h"
#include "cli.h"
#include "cli_repr.h"
#include "cli_text.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: cadenza eval [-m MODEL] DATA [--split train|valid|test] [--bf16]\n"
"\n"
"DATA: a piano-roll .json file (the split's key) or a MIDI folder (its\n"
"SPLIT.txt list). Prints pieces, frames and the NLL per frame in nats; the\n"
"last line is the number alone. Default model: the shipped one.\n"
"--bf16 rounds the weights to bfloat16 first, as `generate --bf16` uses\n"
"them: the difference is what the faster generation costs.\n");
}

/* Models that read MIDI as scores through their representation: any but
 * the plain piano roll (with onsets, the metre or transposition, a piano
 * roll is read that way too, as `cadenza train` read it). */
static int reads_scores(const cad_model *m)
{
    static const char *const opts[] = {"repr.onsets", "repr.metre",
                                       "repr.transpose"};
    if (strcmp(m->cfg.representation, "pianoroll") != 0)
        return 1;
    for (int i = 0; i < 3; i++) {
        const char *v = cad_model_get_meta(m, opts[i]);
        if (v && atof(v) != 0)
            return 1;
    }
    return 0;
}

/* A model of another representation: the split's MIDI files encoded as
 * its metadata says (its vocabulary, its options), NLL per step. */
static int eval_repr(cad_model *m, const char *model, const char *data,
                     const char *split)
{
    cad_error e;
    cad_repr *r = NULL;
    cad_cli_scores sc = {0};
    cad_seq_set set = {0};
    int found = 0, rc = 1;
    if (cad_repr_from_meta(&m->meta, &r, &e)) {
        fprintf(stderr, "cadenza eval: %s\n", e.msg);
        return 1;
    }
    if (cad_model_get_meta(m, "text.plain") && cad_cli_text_is_plain(data)) {
        /* a character model on a text file, split as training split it */
        const char *vs = cad_model_get_meta(m, "text.valid_split");
        if (cad_cli_text_split(r, data, split, vs ? atof(vs) : 0.1, &set, &e)) {
            fprintf(stderr, "cadenza eval: %s: %s\n", data, e.msg);
            goto out;
        }
        goto encoded;
    }
    if (cad_cli_load_scores(data, split, &sc, &found))
        goto out;
    if (!found || sc.n == 0) {
        fprintf(stderr, "cadenza eval: %s has no '%s' split\n", data, split);
        goto out;
    }
    if (cad_cli_encode_scores(r, &sc, &set, &e)) {
        fprintf(stderr, "cadenza eval: %s\n", e.msg);
        goto out;
    }
encoded:;
    cad_seq_source src;
    cad_seq_set_source(&set, &src);
    double nll;
    long steps;
    if (cad_eval_nll(m, &src, &nll, &steps, &e)) {
        fprintf(stderr, "cadenza eval: %s\n", e.msg);
        goto out;
    }
    printf("model %s\ndata %s [%s]: %d pieces, %ld %ss\n"
           "NLL per %s (nats):\n%.4f\n", model, data, split, set.n, steps,
           r->kind->unit, r->kind->unit, nll);
    rc = 0;
out:
    cad_seq_set_free(&set);
    cad_cli_scores_free(&sc);
    cad_repr_free(r);
    return rc;
}

int cad_cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"split", required_argument, 0, 's'},
        {"bf16", no_argument, 0, 'b'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *model = NULL, *split = "valid";
    int c, bf16 = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 's': split = optarg; break;
        case 'b': bf16 = 1; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        help(stderr);
        return 2;
    }
    if (strcmp(split, "train") && strcmp(split, "valid") && strcmp(split, "test")) {
        fprintf(stderr, "cadenza eval: --split must be train, valid or test\n");
        return 2;
    }
    if (!model)
        model = cad_cli_default_model();
    cad_error e;
    cad_model *m;
    if (cad_model_load_any(model, &m, &e) ||
        (bf16 && cad_model_to_bf16(m, &e))) {
        fprintf(stderr, "cadenza eval: %s\n", e.msg);
        return 1;
    }
    if (reads_scores(m)) {
        int r = eval_repr(m, model, argv[optind], split);
        cad_model_free(m);
        return r;
    }
    cad_roll_opts ro;
    cad_roll_opts_default(&ro);
    if (m->cfg.step_seconds > 0)
        ro.step_seconds = m->cfg.step_seconds;
    else
        ro.step_beats = m->cfg.step_beats;
    cad_roll_set data = {0};
    int found, rc = 1;
    if (cad_cli_load_split(argv[optind], split, &ro, &data, &found))
        goto out;
    if (!found || data.n == 0) {
        fprintf(stderr, "cadenza eval: %s has no '%s' split\n", argv[optind], split);
        goto out;
    }
    double nll;
    long frames;
    cad_seq_source src;
    cad_roll_set_source(&data, &src);
    if (cad_eval_nll(m, &src, &nll, &frames, &e)) {
        fprintf(stderr, "cadenza eval: %s\n", e.msg);
        goto out;
    }
    printf("model %s\ndata %s [%s]: %d pieces, %ld frames\n"
           "NLL per frame (nats):\n%.4f\n", model, argv[optind], split, data.n,
           frames, nll);
    rc = 0;
out:
    cad_roll_set_free(&data);
    cad_model_free(m);
    return rc;
}
