/* cadenza train: fit a model to piano rolls, with a validation set for
 * early stopping, an atomic checkpoint every epoch and --resume. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cad_roll.h"
#include "cli_repr.h"
#include "cli_text.h"
#include "cad_train.h"
#include "cli.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: cadenza train DATA... -o MODEL.safetensors [options]\n"
"\n"
"DATA is a folder of .mid files (split by its train.txt/valid.txt when it\n"
"has them) or a piano-roll .json file with \"train\" and \"valid\" keys;\n"
"with --repr text, also any plain text file (its last --valid-split is\n"
"the validation text; the vocabulary is its characters).\n"
"\n"
"architecture:\n"
"  --repr KIND        what a step is: pianoroll (the default; JSON data\n"
"                     sets or MIDI), or for MIDI folders tokens, text,\n"
"                     events or notes (one model step per token, character,\n"
"                     event or note; see README)\n"
"  --repr-opt K=V     an option of the representation (repeatable), e.g.\n"
"                     --repr notes --repr-opt grid=24\n"
"  --field-weight F=W for representations of several fields a step (notes):\n"
"                     the loss weight of field F (1), e.g. pitch=0.05\n"
"  --pressure P       their regressions' penalty for going below zero (0)\n"
"  --cell KIND        lstm | gru | rnn: the recurrent layers (lstm)\n"
"  --layers N         recurrent layers (2)\n"
"  --hidden H[,H...]  units per layer (256; per direction if bidirectional)\n"
"  --embed N          a token embedding of N values below the layers, for\n"
"                     the token representations (0 = one-hot input)\n"
"  --bidirectional    layers that read both ways (needs --window)\n"
"  --window W         predict each step from the last W steps alone, from\n"
"                     a zero state (note+duration tokens: 32); generation\n"
"                     then reruns the model over W steps for each step\n"
"  --head KIND        sigmoid | nade (sigmoid)\n"
"  --nade-hidden N    NADE hidden units (150)\n"
"  --loss KIND        bce | mse, for the sigmoid head (bce)\n"
"  --dropout P        between layers and before the head (0.5)\n"
"  --dropout-in P     on the input (0.2)\n"
"training:\n"
"  --optimizer NAME   adam | rmsprop | adagrad | sgd (adam)\n"
"  --lr X             learning rate (1e-3 for adam)\n"
"  --batch N          sequences per batch (8)\n"
"  --seq-len N        frames per sequence, 0 = whole pieces (0)\n"
"  --window-stride S  with --window: train each epoch on a random 1/S of\n"
"                     the windows (1 = all)\n"
"  --chunk N          time steps held in memory at once (2048): longer\n"
"                     sequences train in chunks that carry the LSTM state\n"
"                     (truncated backpropagation through time)\n"
"  --clip-norm X      clip the gradient's global norm (5; 0 = off)\n"
"  --clip-value X     clip each gradient component (0 = off)\n"
"  --epochs N         maximum epochs (100)\n"
"  --patience N       stop after N epochs without a better valid NLL (10)\n"
"  --print-every N    every N batches print the loss smoothed over batches\n"
"                     as the character RNN did (0.999 old + 0.001 new; a\n"
"                     batch's loss summed over its steps, per sequence)\n"
"  --valid-split F    fraction of pieces held out when DATA has no valid\n"
"                     split (0.1)\n"
"  --seed S           initialisation, order and dropout (1)\n"
"  --resume           continue from MODEL.safetensors.ckpt\n"
"representation (MIDI folders):\n"
"  --step-beats B     frame length in quarter notes (0.25)\n"
"  --step-seconds S   frame length in seconds instead (seed 001: 0.3)\n"
"  --transpose        transpose each file to C by its key signature\n"
"\n"
"The best model (lowest validation NLL) is written to MODEL; the latest\n"
"state, with the optimiser's, to MODEL.ckpt after every epoch.\n");
}

enum { O_LAYERS = 256, O_HIDDEN, O_HEAD, O_NADE, O_LOSS, O_DROP, O_DROPIN,
       O_OPT, O_LR, O_BATCH, O_SEQ, O_CLIPN, O_CLIPV, O_EPOCHS, O_PAT,
       O_VSPLIT, O_SEED, O_RESUME, O_STEPB, O_STEPS, O_TRANS, O_CHUNK,
       O_CELL, O_REPR, O_REPROPT, O_FWEIGHT, O_PRESSURE, O_EMBED, O_BIDIR,
       O_WINDOW, O_WSTRIDE, O_PRINT, O_HELP };

static const struct option opts[] = {
    {"output", required_argument, 0, 'o'}, {"layers", required_argument, 0, O_LAYERS},
    {"hidden", required_argument, 0, O_HIDDEN}, {"head", required_argument, 0, O_HEAD},
    {"nade-hidden", required_argument, 0, O_NADE}, {"loss", required_argument, 0, O_LOSS},
    {"dropout", required_argument, 0, O_DROP}, {"dropout-in", required_argument, 0, O_DROPIN},
    {"optimizer", required_argument, 0, O_OPT}, {"lr", required_argument, 0, O_LR},
    {"batch", required_argument, 0, O_BATCH}, {"seq-len", required_argument, 0, O_SEQ},
    {"clip-norm", required_argument, 0, O_CLIPN}, {"clip-value", required_argument, 0, O_CLIPV},
    {"epochs", required_argument, 0, O_EPOCHS}, {"patience", required_argument, 0, O_PAT},
    {"valid-split", required_argument, 0, O_VSPLIT}, {"seed", required_argument, 0, O_SEED},
    {"resume", no_argument, 0, O_RESUME}, {"step-beats", required_argument, 0, O_STEPB},
    {"step-seconds", required_argument, 0, O_STEPS}, {"transpose", no_argument, 0, O_TRANS},
    {"chunk", required_argument, 0, O_CHUNK}, {"cell", required_argument, 0, O_CELL},
    {"repr", required_argument, 0, O_REPR}, {"repr-opt", required_argument, 0, O_REPROPT},
    {"field-weight", required_argument, 0, O_FWEIGHT}, {"pressure", required_argument, 0, O_PRESSURE},
    {"embed", required_argument, 0, O_EMBED}, {"bidirectional", no_argument, 0, O_BIDIR},
    {"print-every", required_argument, 0, O_PRINT}, {"window", required_argument, 0, O_WINDOW}, {"window-stride", required_argument, 0, O_WSTRIDE},
    {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0}};

typedef struct {
    int tty;
    time_t last;
    /* --print-every: the character RNN's smoothed loss */
    const cad_trainer *t;
    long every, iter;
    double smooth;
} progress_state;

static void progress(void *ud, int done, int total, double nll)
{
    progress_state *p = ud;
    if (p->every) {
        double loss = p->t->batch_nll / p->t->batch_seqs;
        p->smooth = 0.999 * p->smooth + 0.001 * loss;
        if (p->iter % p->every == 0) {
            printf("iter %ld, loss: %f\n", p->iter, p->smooth);
            fflush(stdout);
        }
        p->iter++;
    }
    if (!p->tty)
        return;
    int width = 30, fill = total ? done * width / total : width;
    fprintf(stderr, "\r  [%.*s%*s] %d/%d  nll %.3f ", fill,
            "##############################", width - fill, "", done, total,
            nll);
    if (done == total)
        fprintf(stderr, "\r%*s\r", 70, "");
    fflush(stderr);
}

static int parse_hidden(const char *s, cad_model_config *c, int *n)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    *n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        long v;
        if (*n >= CAD_MAX_LAYERS ||
            cad_cli_int("train", "hidden", tok, 1, 4096, &v))
            return -1;
        c->hidden[(*n)++] = (int)v;
    }
    return *n ? 0 : -1;
}

/* The last part of a path ("data.json" of "/home/me/data.json"). */
static const char *base_name(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--; /* "folder/" names the folder */
    const char *s = path + n;
    while (s > path && s[-1] != '/')
        s--;
    return s;
}

static void append(char *dst, size_t cap, const char *a, const char *b)
{
    size_t n = strlen(dst);
    snprintf(dst + n, cap - n, "%s%s", a, b);
}

/* "cadenza train" and the options as given, but DATA and -o by their
 * file names only and without --resume. getopt_long has moved the DATA
 * arguments behind the options (argv[optind..]). */
static int provenance(int argc, char **argv, char *out, size_t cap)
{
    snprintf(out, cap, "cadenza train");
    for (int i = optind; i < argc; i++)
        append(out, cap, " ", base_name(argv[i]));
    for (int i = 1; i < optind; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--resume"))
            continue;
        if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < optind) {
            append(out, cap, " -o ", base_name(argv[++i]));
        } else if (!strncmp(a, "--output=", 9)) {
            append(out, cap, " -o ", base_name(a + 9));
        } else if (!strncmp(a, "-o", 2) && a[2]) {
            append(out, cap, " -o ", base_name(a + 2));
        } else {
            append(out, cap, " ", a);
        }
    }
    if (strlen(out) + 1 >= cap) /* cut: say so rather than refuse */
        memcpy(out + cap - 4, "...", 4);
    return 0;
}

/* Moves a seeded-random fraction of train's pieces into valid. */
static int carve_valid(cad_roll_set *train, cad_roll_set *valid, double frac,
                       uint64_t seed)
{
    int n = (int)floor(train->n * frac + 0.5);
    if (n < 1 || n >= train->n)
        return 0;
    cad_rng r;
    cad_rng_seed(&r, seed ^ 0x5eed);
    for (int i = train->n - 1; i > 0; i--) {
        int j = (int)cad_rng_below(&r, (uint32_t)i + 1);
        cad_roll t = train->pieces[i];
        train->pieces[i] = train->pieces[j];
        train->pieces[j] = t;
    }
    cad_error e;
    for (int i = 0; i < n; i++) {
        cad_roll *p = &train->pieces[--train->n];
        if (cad_roll_set_push(valid, p, &e))
            return -1;
    }
    return 0;
}

/* The loss weight --field-weight gave a field (kept as metadata strings,
 * already checked), 1 when it gave none. */
static float field_weight_of(const cad_st_file *weights, const char *name)
{
    const char *v = cad_st_meta(weights, name);
    return v ? (float)strtod(v, NULL) : 1.0f;
}

int cad_cmd_train(int argc, char **argv)
{
    cad_model_config mc;
    cad_model_config_default(&mc);
    mc.dropout = 0.5f;
    mc.dropout_in = 0.2f;
    cad_opt_kind ok = CAD_OPT_ADAM;
    double lr = -1, clip_norm = 5, clip_value = 0, vsplit = 0.1, d;
    long batch = 8, seq_len = 0, chunk = CAD_TRAIN_CHUNK, epochs = 100, patience = 10, seed = 1, v;
    long layers = -1, wstride = 1, print_every = 0;
    int plain_text = 0;
    int resume = 0, nh = 1, c, step_given = 0;
    const char *out = NULL, *repr_name = NULL;
    cad_st_file repr_opts = {0}, weights = {0};
    double pressure = 0;
    cad_error e;
    cad_roll_opts ro;
    cad_roll_opts_default(&ro);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_LAYERS: if (cad_cli_int("train", "layers", optarg, 1, CAD_MAX_LAYERS, &layers)) return 2; break;
        case O_HIDDEN: if (parse_hidden(optarg, &mc, &nh)) return 2; break;
        case O_REPR:
            if (!cad_repr_find(optarg)) {
                fprintf(stderr, "cadenza train: --repr: '%s' is not one of "
                                "pianoroll, tokens, text, events, notes\n", optarg);
                return 2;
            }
            repr_name = optarg;
            break;
        case O_REPROPT: {
            const char *eq = strchr(optarg, '=');
            char key[64];
            if (!eq || eq == optarg || eq - optarg > 40) {
                fprintf(stderr, "cadenza train: --repr-opt: '%s' is not KEY=VALUE\n", optarg);
                return 2;
            }
            snprintf(key, sizeof key, "repr.%.*s", (int)(eq - optarg), optarg);
            if (cad_st_set_meta(&repr_opts, key, eq + 1, &e))
                return 1;
            break;
        }
        case O_FWEIGHT: {
            const char *eq = strchr(optarg, '=');
            char key[64];
            double w;
            if (!eq || eq == optarg || eq - optarg > 40 ||
                cad_cli_double("train", "field-weight", eq + 1, 0, 1e6, &w)) {
                fprintf(stderr, "cadenza train: --field-weight: '%s' is not FIELD=WEIGHT\n", optarg);
                return 2;
            }
            snprintf(key, sizeof key, "%.*s", (int)(eq - optarg), optarg);
            if (cad_st_set_meta(&weights, key, eq + 1, &e))
                return 1;
            break;
        }
        case O_EMBED: if (cad_cli_int("train", "embed", optarg, 0, 4096, &v)) return 2; mc.embed = (int)v; break;
        case O_BIDIR: mc.bidirectional = 1; break;
        case O_WINDOW: if (cad_cli_int("train", "window", optarg, 1, 4096, &v)) return 2; mc.window = (int)v; break;
        case O_PRINT: if (cad_cli_int("train", "print-every", optarg, 0, 100000000, &print_every)) return 2; break;
        case O_WSTRIDE: if (cad_cli_int("train", "window-stride", optarg, 1, 1000000, &wstride)) return 2; break;
        case O_PRESSURE: if (cad_cli_double("train", "pressure", optarg, 0, 1e6, &pressure)) return 2; break;
        case O_CELL:
            if (strcmp(optarg, "lstm") && strcmp(optarg, "gru") && strcmp(optarg, "rnn")) {
                fprintf(stderr, "cadenza train: --cell: '%s' is not lstm, gru or rnn\n", optarg);
                return 2;
            }
            snprintf(mc.cell, sizeof mc.cell, "%s", optarg);
            break;
        case O_HEAD:
            if (cad_head_parse(optarg, &mc.head) || mc.head == CAD_HEAD_SOFTMAX) {
                fprintf(stderr, "cadenza train: --head: '%s' is not sigmoid or nade\n", optarg);
                return 2;
            }
            break;
        case O_NADE: if (cad_cli_int("train", "nade-hidden", optarg, 1, CAD_NADE_MAX_HID, &v)) return 2; mc.nade_hidden = (int)v; break;
        case O_LOSS:
            if (cad_loss_parse(optarg, &mc.loss) || mc.loss == CAD_LOSS_CE) {
                fprintf(stderr, "cadenza train: --loss: '%s' is not bce or mse\n", optarg);
                return 2;
            }
            break;
        case O_DROP: if (cad_cli_double("train", "dropout", optarg, 0, 0.95, &d)) return 2; mc.dropout = (float)d; break;
        case O_DROPIN: if (cad_cli_double("train", "dropout-in", optarg, 0, 0.95, &d)) return 2; mc.dropout_in = (float)d; break;
        case O_OPT:
            if (cad_opt_parse(optarg, &ok)) {
                fprintf(stderr, "cadenza train: --optimizer: '%s' is not adam, rmsprop, adagrad or sgd\n", optarg);
                return 2;
            }
            break;
        case O_LR: if (cad_cli_double("train", "lr", optarg, 1e-7, 10, &lr)) return 2; break;
        case O_BATCH: if (cad_cli_int("train", "batch", optarg, 1, 4096, &batch)) return 2; break;
        case O_CHUNK: if (cad_cli_int("train", "chunk", optarg, 16, 100000, &chunk)) return 2; break;
        case O_SEQ: if (cad_cli_int("train", "seq-len", optarg, 0, 100000, &seq_len)) return 2; break;
        case O_CLIPN: if (cad_cli_double("train", "clip-norm", optarg, 0, 1e6, &clip_norm)) return 2; break;
        case O_CLIPV: if (cad_cli_double("train", "clip-value", optarg, 0, 1e6, &clip_value)) return 2; break;
        case O_EPOCHS: if (cad_cli_int("train", "epochs", optarg, 1, 1000000, &epochs)) return 2; break;
        case O_PAT: if (cad_cli_int("train", "patience", optarg, 0, 1000000, &patience)) return 2; break;
        case O_VSPLIT: if (cad_cli_double("train", "valid-split", optarg, 0, 0.9, &vsplit)) return 2; break;
        case O_SEED: if (cad_cli_int("train", "seed", optarg, 0, 0x7fffffffL, &seed)) return 2; break;
        case O_RESUME: resume = 1; break;
        case O_STEPB: if (cad_cli_double("train", "step-beats", optarg, 1.0 / 64, 16, &ro.step_beats)) return 2; step_given = 1; break;
        case O_STEPS: if (cad_cli_double("train", "step-seconds", optarg, 0.001, 10, &ro.step_seconds)) return 2; break;
        case O_TRANS: ro.transpose_to_c = 1; break;
        case 'h': case O_HELP: help(stdout); return 0;
        default: help(stderr); return 2;
        }
    }
    if (!out || optind >= argc) {
        fprintf(stderr, "cadenza train: need DATA and -o MODEL\n\n");
        help(stderr);
        return 2;
    }
    /* --layers 3 --hidden 256 means three layers of 256. */
    if (layers < 0)
        layers = nh > 1 ? nh : 2;
    if (nh > 1 && nh != layers) {
        fprintf(stderr, "cadenza train: --hidden lists %d sizes for %ld layers\n", nh, layers);
        return 2;
    }
    for (int l = nh; l < layers; l++)
        mc.hidden[l] = mc.hidden[nh - 1];
    mc.n_layers = (int)layers;
    size_t ol = strlen(out) + 6;
    char *ckpt = malloc(ol);
    if (!ckpt)
        return 1;
    snprintf(ckpt, ol, "%s.ckpt", out);
    /* Before any data is read: a model written over its own training data,
     * or into a folder that is missing, must not cost an epoch first. */
    const char *outs[2] = {out, ckpt};
    if (cad_cli_check_paths("train", (const char *const *)argv + optind,
                            argc - optind, outs, 2)) {
        free(ckpt);
        return 1;
    }

    cad_roll_set train = {0}, valid = {0};
    cad_seq_set train_seqs = {0}, valid_seqs = {0};
    cad_repr *repr = NULL;
    cad_seq_source train_src, valid_src;
    /* A piano roll with options (onsets, metre) is read as scores too. */
    int roll_repr = repr_name && strcmp(repr_name, "pianoroll") == 0 &&
                    repr_opts.n_meta > 0;
    if (roll_repr) {
        char v[32];
        snprintf(v, sizeof v, "%.17g", ro.step_beats);
        if ((step_given && !cad_st_meta(&repr_opts, "repr.step_beats") &&
             cad_st_set_meta(&repr_opts, "repr.step_beats", v, &e)) ||
            (ro.transpose_to_c && cad_st_set_meta(&repr_opts, "repr.transpose", "1", &e))) {
            fprintf(stderr, "cadenza train: %s\n", e.msg);
            goto fail_data;
        }
    }
    if (repr_name && (strcmp(repr_name, "pianoroll") != 0 || roll_repr)) {
        /* Any other representation: MIDI read as scores, encoded. */
        if (cad_st_set_meta(&repr_opts, "representation", repr_name, &e) ||
            cad_repr_from_meta(&repr_opts, &repr, &e)) {
            fprintf(stderr, "cadenza train: --repr %s: %s\n", repr_name, e.msg);
            goto fail_data;
        }
        /* text from plain text files: the character RNN on any text */
        plain_text = strcmp(repr_name, "text") == 0 &&
                     cad_cli_text_is_plain(argv[optind]);
        if (plain_text ? cad_cli_text_data(repr, (const char *const *)argv + optind,
                                           argc - optind, vsplit, &train_seqs,
                                           &valid_seqs)
                       : cad_cli_repr_data(repr, (const char *const *)argv + optind,
                                           argc - optind, vsplit, &train_seqs,
                                           &valid_seqs))
            goto fail_data;
        const cad_layout *l = &repr->layout;
        mc.n_in = mc.n_out = cad_layout_expanded_width(l);
        int all_bits = 1;
        for (int i = 0; i < l->n_fields; i++)
            all_bits &= l->field[i].kind == CAD_FIELD_BITS;
        if (roll_repr) { /* the grid and the keys, as every piano roll says */
            double sb, lk;
            if (cad_repr_opt(&repr_opts, "step_beats", NULL, 0.25, 1.0 / 64, 16, &sb, &e) ||
                cad_repr_opt(&repr_opts, "low_key", NULL, 21, 0, 127, &lk, &e)) {
                fprintf(stderr, "cadenza train: %s\n", e.msg);
                goto fail_data;
            }
            mc.step_beats = sb;
            mc.step_seconds = 0;
            mc.low_key = (int)lk;
            /* the metre's bits are the composer's to set, not to predict */
            const cad_field *me = cad_layout_find(l, "metre");
            if (me && me->offset + me->size == l->width)
                mc.n_given = me->size;
        }
        if (l->n_fields == 1 && l->field[0].kind == CAD_FIELD_CLASS) {
            mc.head = CAD_HEAD_SOFTMAX;
            mc.loss = CAD_LOSS_CE;
        } else if (!all_bits) {
            /* several fields (pitch, step, duration): an output each */
            mc.head = CAD_HEAD_FIELDS;
            mc.fields = *l;
            for (int i = 0; i < l->n_fields; i++)
                mc.field_weight[i] = field_weight_of(&weights, l->field[i].name);
            mc.pressure = (float)pressure;
        }
        snprintf(mc.representation, sizeof mc.representation, "%s", repr_name);
        cad_seq_set_source(&train_seqs, &train_src);
        cad_seq_set_source(&valid_seqs, &valid_src);
        goto data_ready;
    }
    int has_valid = 0;
    for (int i = optind; i < argc; i++) {
        int found, t0 = train.n, v0 = valid.n;
        if (cad_cli_load_split(argv[i], "train", &ro, &train, &found) ||
            cad_cli_load_split(argv[i], "valid", &ro, &valid, &found))
            goto fail_data;
        has_valid |= found;
        printf("data: %s: %d training pieces, %d validation pieces\n",
               argv[i], train.n - t0, valid.n - v0);
    }
    if (train.n == 0) {
        fprintf(stderr, "cadenza train: no training pieces found\n");
        goto fail_data;
    }
    if (!has_valid && carve_valid(&train, &valid, vsplit, (uint64_t)seed))
        goto fail_data;
    /* A piano-roll JSON file has its own grid, which it does not record;
     * the model must know it to generate at the right speed. The
     * benchmarks use quarter notes for JSB and eighth notes otherwise;
     * --step-beats overrides the guess. */
    if (strstr(argv[optind], ".json")) {
        if (!step_given)
            ro.step_beats = cad_roll_json_step_guess(argv[optind]);
        printf("piano-roll JSON: frames of %g quarter notes%s\n", ro.step_beats,
               step_given ? "" : " (from the file name; --step-beats to change)");
        mc.step_beats = ro.step_beats;
        mc.step_seconds = 0;
    } else if (ro.step_seconds > 0) {
        mc.step_beats = 0;
        mc.step_seconds = ro.step_seconds;
    } else {
        mc.step_beats = ro.step_beats;
    }
    printf("data: %d training pieces (%d frames), %d validation pieces (%d frames)\n",
           train.n, cad_roll_set_total_frames(&train), valid.n,
           cad_roll_set_total_frames(&valid));
    cad_roll_set_source(&train, &train_src);
    cad_roll_set_source(&valid, &valid_src);

data_ready:;
    cad_model *m;
    if (cad_model_new(&mc, (uint64_t)seed, &m, &e)) {
        fprintf(stderr, "cadenza train: %s\n", e.msg);
        goto fail_data;
    }
    cad_train_config tc = {(int)batch, (int)seq_len, {0}, (int)chunk, (int)wstride};
    cad_opt_config_default(&tc.opt, ok);
    if (lr > 0)
        tc.opt.lr = (float)lr;
    tc.opt.clip_norm = (float)clip_norm;
    tc.opt.clip_value = (float)clip_value;
    cad_trainer t;
    if (cad_trainer_init(&t, m, &tc, (uint64_t)seed, &e)) {
        fprintf(stderr, "cadenza train: %s\n", e.msg);
        cad_model_free(m);
        goto fail_data;
    }
    t.data_hash = valid_src.hash(valid_src.data, train_src.hash(train_src.data, 0));
    /* what decoding the model's steps needs: options, vocabulary */
    if (repr && repr->kind->save(repr, &m->meta, &e)) {
        fprintf(stderr, "cadenza train: %s\n", e.msg);
        goto fail;
    }
    if (resume) {
        if (cad_trainer_resume(&t, ckpt, &e)) {
            fprintf(stderr, "cadenza train: cannot resume: %s\n", e.msg);
            goto fail;
        }
        printf("resumed from %s after epoch %ld\n", ckpt, t.epoch);
    }
    /* Provenance goes into the model file: the command without the paths
     * of the machine that ran it, and the data by name, size and content
     * hash. --resume is left out: a resumed run is the same run. */
    char cmd[4096], data_id[16384];
    if (provenance(argc, argv, cmd, sizeof cmd) ||
        cad_cli_describe_data((const char *const *)argv + optind,
                              argc - optind, data_id, sizeof data_id)) {
        fprintf(stderr, "cadenza train: cannot read the data again to "
                        "record its content hash\n");
        goto fail;
    }
    cad_model_set_meta(m, "train.command", cmd);
    cad_model_set_meta(m, "train.data", data_id);
    if (plain_text) { /* what eval and generate need to know */
        char vs[32];
        snprintf(vs, sizeof vs, "%.17g", vsplit);
        cad_model_set_meta(m, "text.plain", "1");
        cad_model_set_meta(m, "text.valid_split", vs);
    }
    if (mc.embed)
        printf("model: embedding %d, then ", mc.embed);
    printf("%s%d x %s%s(", mc.embed ? "" : "model: ", mc.n_layers,
           mc.bidirectional ? "bidirectional " : "",
           strcmp(mc.cell, "lstm") == 0 ? "LSTM" :
           strcmp(mc.cell, "gru") == 0 ? "GRU" : "RNN");
    for (int l = 0; l < mc.n_layers; l++)
        printf("%s%d", l ? "," : "", mc.hidden[l]);
    printf(") + %s head, %ld parameters; %s lr %g, batch %ld\n",
           cad_head_name(mc.head), m->n_params, cad_opt_name(ok),
           (double)tc.opt.lr, batch);
    if (mc.window)
        printf("window: each step predicted from the last %d\n", mc.window);

    /* the character RNN's loss at iteration 0: a uniform guess over the
     * characters, for each step of a sequence */
    progress_state ps = {isatty(2) && !print_every, 0, &t, print_every, 0,
                         log((double)mc.n_out) * (seq_len ? seq_len : 1)};
    double tr = 0, va = NAN;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Test hook: a kill -9 right after epoch N's checkpoint, at a point a
     * test can choose (resuming must then give the uninterrupted run's
     * model, byte for byte). */
    const char *kill_at = getenv("CADENZA_TEST_KILL_AFTER_EPOCH");
    for (;;) {
        /* Checked first, so that a run resumed after its early stop does
         * not train on. */
        if (valid_src.n && patience > 0 && t.since_best >= patience) {
            printf("early stop: no better validation NLL for %ld epochs\n", patience);
            break;
        }
        if (t.epoch >= epochs)
            break;
        if (cad_trainer_epoch(&t, &train_src, progress, &ps, &tr, &e)) {
            fprintf(stderr, "cadenza train: %s\n", e.msg);
            goto fail;
        }
        long frames;
        if (valid_src.n && cad_eval_nll(m, &valid_src, &va, &frames, &e)) {
            fprintf(stderr, "cadenza train: validation: %s\n", e.msg);
            goto fail;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) +
                      1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        int better = valid_src.n ? va < t.best : 1;
        printf("epoch %4ld  train nll %.4f  valid nll %.4f  %6.0fs%s\n", t.epoch,
               tr, va, secs, better ? "  *" : "");
        fflush(stdout);
        char buf[64];
        snprintf(buf, sizeof buf, "%ld", t.epoch);
        cad_model_set_meta(m, "train.epochs", buf);
        snprintf(buf, sizeof buf, "%.4f", tr);
        cad_model_set_meta(m, "train.train_nll", buf);
        snprintf(buf, sizeof buf, "%.4f", va);
        cad_model_set_meta(m, "train.valid_nll", buf);
        /* The time is printed, not recorded: it is the one thing a rerun
         * (or a resumed run) cannot repeat, and the same seed, data and
         * options must give the same model file, byte for byte. */
        if (better) {
            t.best = valid_src.n ? va : tr;
            t.best_epoch = t.epoch;
            t.since_best = 0;
            snprintf(buf, sizeof buf, "%.4f", t.best);
            cad_model_set_meta(m, "train.best_valid_nll", buf);
            if (cad_model_save(m, out, &e)) {
                fprintf(stderr, "cadenza train: %s\n", e.msg);
                goto fail;
            }
        } else {
            t.since_best++;
        }
        if (cad_trainer_save(&t, ckpt, &e)) {
            fprintf(stderr, "cadenza train: %s\n", e.msg);
            goto fail;
        }
        if (kill_at && strtol(kill_at, NULL, 10) == t.epoch)
            raise(SIGKILL);
    }
    printf("best valid nll %.4f (epoch %ld) -> %s\n", t.best, t.best_epoch, out);
    free(ckpt);
    cad_trainer_free(&t);
    cad_model_free(m);
    cad_roll_set_free(&train);
    cad_roll_set_free(&valid);
    cad_seq_set_free(&train_seqs);
    cad_seq_set_free(&valid_seqs);
    cad_repr_free(repr);
    cad_st_free(&repr_opts);
    cad_st_free(&weights);
    return 0;
fail:
    cad_trainer_free(&t);
    cad_model_free(m);
fail_data:
    free(ckpt);
    cad_roll_set_free(&train);
    cad_roll_set_free(&valid);
    cad_seq_set_free(&train_seqs);
    cad_seq_set_free(&valid_seqs);
    cad_repr_free(repr);
    cad_st_free(&repr_opts);
    cad_st_free(&weights);
    return 1;
}
