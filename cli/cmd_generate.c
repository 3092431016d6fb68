/* cadenza generate: compose a piece frame by frame with a model, primed by
 * the start of a MIDI file if given (seed 001), with temperature, seed
 * 001's probability threshold, and a key/scale/range mask; write MIDI and
 * optionally bounce it to WAV. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_model.h"
#include "cad_render.h"
#include "cad_scale.h"
#include "cli.h"
#include "cli_repr.h"
#include "cli_text.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: cadenza generate [-m MODEL] -o OUT.mid [options]\n"
"\n"
"  -m, --model F       model file (default: the shipped model)\n"
"  --primer F.mid      play the start of this file into the network first\n"
"  --primer-frames N   how many frames of the primer to use (all)\n"
"  --include-primer    start the output with the primer itself\n"
"  --bars N            length in 4/4 bars (16)\n"
"  --chars N           characters, for a text model writing OUT.txt (1000)\n"
"  --temperature T     0 = always the likeliest choice, 1 = the model's own\n"
"                      distribution, higher = wilder (1.0)\n"
"  --threshold P       never play a key whose probability is below P (0)\n"
"  --max-notes N       at most N simultaneous keys, the highest: 1 keeps\n"
"                      the melody (0 = no limit)\n"
"  --key K --scale S   keep to a scale, e.g. --key D --scale minor\n"
"                      (scales: chromatic major minor harmonic-minor dorian\n"
"                      mixolydian pentatonic minor-pentatonic)\n"
"  --lowest N --highest N  MIDI note range (21..108)\n"
"  --seed S            random seed (1); same seed, same piece\n"
"  --program N         General MIDI program 0..127 (0 = piano)\n"
"  --bpm B             tempo (100)\n"
"  --velocity V        note velocity 1..127 (80)\n"
"  --wav OUT.wav       also render through FluidSynth to this file\n"
"  --soundfont F.sf2   soundfont for --wav (system General MIDI font)\n"
"  --rate R            sample rate for --wav (48000)\n"
"  --bf16              weights in bfloat16: faster steps for large models\n"
"                      (`cadenza eval --bf16` measures the cost)\n");
}

/* A model of another representation than the piano roll (its metadata
 * names it): composed step by step and decoded (cli_repr.c). The
 * piano-roll controls (threshold, key mask, max notes) do not apply. */
static int generate_repr(const cad_model *m, const char *primer,
                         int primer_steps, cad_cli_compose_opts *co,
                         int program, const char *out, const char *wav,
                         const char *sf, int rate)
{
    cad_error e;
    cad_repr *r = NULL;
    cad_score prim = {0}, song = {0};
    int rc = 1;
    if (cad_repr_from_meta(&m->meta, &r, &e) ||
        (primer && cad_score_read(primer, NULL, &prim, &e))) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    co->primer = primer ? &prim : NULL;
    co->primer_steps = primer_steps;
    if (cad_cli_compose(m, r, co, &song, &e)) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    song.program = program;
    if (cad_score_write(&song, out, &e)) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    printf("wrote %s: %d notes in %.1f beats (%s representation, one step per %s)\n", out,
           song.n_notes, cad_score_length(&song), r->kind->name, r->kind->unit);
    if (wav) {
        cad_render_opts ro;
        cad_render_opts_default(&ro);
        ro.soundfont = sf;
        ro.rate = rate;
        if (cad_render_midi_to_wav(out, wav, &ro, &e)) {
            fprintf(stderr, "cadenza generate: %s\n", e.msg);
            goto out;
        }
        printf("wrote %s\n", wav);
    }
    rc = 0;
out:
    if (primer)
        cad_score_free(&prim);
    cad_score_free(&song);
    cad_repr_free(r);
    return rc;
}

enum { O_PRIMER = 256, O_PFRAMES, O_INCL, O_BARS, O_TEMP, O_THR, O_MAXN,
       O_KEY, O_SCALE, O_LOW, O_HIGH, O_SEED, O_PROG, O_BPM, O_VEL, O_WAV,
       O_SF, O_RATE, O_BF16, O_CHARS };

int cad_cmd_generate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"output", required_argument, 0, 'o'},
        {"primer", required_argument, 0, O_PRIMER}, {"primer-frames", required_argument, 0, O_PFRAMES},
        {"include-primer", no_argument, 0, O_INCL}, {"bars", required_argument, 0, O_BARS},
        {"temperature", required_argument, 0, O_TEMP}, {"threshold", required_argument, 0, O_THR},
        {"max-notes", required_argument, 0, O_MAXN}, {"key", required_argument, 0, O_KEY},
        {"scale", required_argument, 0, O_SCALE}, {"lowest", required_argument, 0, O_LOW},
        {"highest", required_argument, 0, O_HIGH}, {"seed", required_argument, 0, O_SEED},
        {"program", required_argument, 0, O_PROG}, {"bpm", required_argument, 0, O_BPM},
        {"velocity", required_argument, 0, O_VEL}, {"wav", required_argument, 0, O_WAV},
        {"soundfont", required_argument, 0, O_SF}, {"rate", required_argument, 0, O_RATE},
        {"bf16", no_argument, 0, O_BF16}, {"chars", required_argument, 0, O_CHARS},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL, *out = NULL, *primer = NULL, *wav = NULL, *sf = NULL;
    long bars = 16, chars = 1000, maxn = 0, low = 21, high = 108, seed = 1, prog = 0, vel = 80;
    long rate = 48000, pframes = -1;
    double temp = 1.0, thr = 0, bpm = 100;
    int incl = 0, tonic = 0, bf16 = 0, c;
    cad_scale scale = CAD_SCALE_CHROMATIC;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'o': out = optarg; break;
        case O_PRIMER: primer = optarg; break;
        case O_PFRAMES: if (cad_cli_int("generate", "primer-frames", optarg, 0, 1000000, &pframes)) return 2; break;
        case O_INCL: incl = 1; break;
        case O_BARS: if (cad_cli_int("generate", "bars", optarg, 1, 10000, &bars)) return 2; break;
        case O_TEMP: if (cad_cli_double("generate", "temperature", optarg, 0, 100, &temp)) return 2; break;
        case O_THR: if (cad_cli_double("generate", "threshold", optarg, 0, 1, &thr)) return 2; break;
        case O_MAXN: if (cad_cli_int("generate", "max-notes", optarg, 0, 88, &maxn)) return 2; break;
        case O_KEY:
            if (cad_scale_parse_tonic(optarg, &tonic)) {
                fprintf(stderr, "cadenza generate: --key: '%s' is not a note name (C, F#, Bb...)\n", optarg);
                return 2;
            }
            break;
        case O_SCALE:
            if (cad_scale_parse(optarg, &scale)) {
                fprintf(stderr, "cadenza generate: --scale: unknown scale '%s'\n", optarg);
                return 2;
            }
            break;
        case O_LOW: if (cad_cli_int("generate", "lowest", optarg, 0, 127, &low)) return 2; break;
        case O_HIGH: if (cad_cli_int("generate", "highest", optarg, 0, 127, &high)) return 2; break;
        case O_SEED: if (cad_cli_int("generate", "seed", optarg, 0, 0x7fffffffL, &seed)) return 2; break;
        case O_PROG: if (cad_cli_int("generate", "program", optarg, 0, 127, &prog)) return 2; break;
        case O_BPM: if (cad_cli_double("generate", "bpm", optarg, 10, 400, &bpm)) return 2; break;
        case O_VEL: if (cad_cli_int("generate", "velocity", optarg, 1, 127, &vel)) return 2; break;
        case O_WAV: wav = optarg; break;
        case O_BF16: bf16 = 1; break;
        case O_CHARS: if (cad_cli_int("generate", "chars", optarg, 1, 1000000, &chars)) return 2; break;
        case O_SF: sf = optarg; break;
        case O_RATE: if (cad_cli_int("generate", "rate", optarg, 8000, 192000, &rate)) return 2; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return 2;
        }
    }
    if (!out || optind != argc) {
        fprintf(stderr, "cadenza generate: need -o OUT.mid\n\n");
        help(stderr);
        return 2;
    }
    if (low > high) {
        fprintf(stderr, "cadenza generate: --lowest %ld is above --highest %ld\n", low, high);
        return 2;
    }
    if (!model)
        model = cad_cli_default_model();
    const char *ins[3] = {model, primer ? primer : model, sf ? sf : model};
    const char *outs[2] = {out, wav ? wav : out};
    if (cad_cli_check_paths("generate", ins, 3, outs, wav ? 2 : 1))
        return 1;
    cad_error e;
    cad_model *m;
    if (cad_model_load_any(model, &m, &e) || (bf16 && cad_model_to_bf16(m, &e))) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        return 1;
    }
    if (cad_model_get_meta(m, "text.plain") ||
        (strcmp(m->cfg.representation, "text") == 0 && strlen(out) > 4 &&
         strcmp(out + strlen(out) - 4, ".txt") == 0)) {
        /* characters: a model of plain text, or text asked for (cli_text.c) */
        int rc = cad_cli_text_generate(m, primer, chars, (float)temp,
                                       (uint64_t)seed, out);
        cad_model_free(m);
        return rc;
    }
    if (strcmp(m->cfg.representation, "pianoroll") != 0) {
        /* another representation: its steps decoded into music */
        cad_cli_compose_opts co = {bars * 4.0, 1 << 16, (float)temp,
                                   (uint64_t)seed, NULL, 0};
        int rc = generate_repr(m, primer, (int)(pframes >= 0 ? pframes : 1 << 20),
                               &co, (int)prog, out, wav, sf, (int)rate);
        cad_model_free(m);
        return rc;
    }
    cad_model_info info;
    cad_model_get_info(m, &info);
    /* A frame's length in quarter notes at this tempo. */
    double step = info.step_beats > 0 ? info.step_beats : info.step_seconds * bpm / 60.0;
    int rc = 1;
    cad_gen *g = cad_gen_new(m, &e);
    cad_roll prim = {0}, song = {0};
    uint8_t *allowed = malloc((size_t)info.n_keys);
    if (!g || !allowed) {
        fprintf(stderr, "cadenza generate: %s\n", g ? "out of memory" : e.msg);
        goto out;
    }
    if (high < info.low_key || low > info.low_key + info.n_keys - 1 || low > high) {
        fprintf(stderr, "cadenza generate: the range %ld..%ld has none of the "
                        "model's keys (MIDI %d..%d)\n", low, high, info.low_key,
                info.low_key + info.n_keys - 1);
        rc = 2;
        goto out;
    }
    cad_scale_mask(tonic, scale, (int)low, (int)high, info.low_key, info.n_keys, allowed);
    if (primer) {
        cad_roll_opts ro;
        cad_roll_opts_default(&ro);
        ro.step_beats = info.step_beats;
        ro.step_seconds = info.step_seconds;
        if (cad_roll_from_midi_file(primer, &ro, &prim, &e)) {
            fprintf(stderr, "cadenza generate: primer: %s\n", e.msg);
            goto out;
        }
        if (pframes >= 0 && pframes < prim.n_frames)
            prim.n_frames = (int)pframes;
    }
    int n_gen = (int)ceil(bars * 4.0 / step);
    int n_out = n_gen + (incl ? prim.n_frames : 0);
    if (cad_roll_init(&song, n_out, &e)) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    const int K = info.n_keys;
    for (int f = 0; f < prim.n_frames; f++)
        cad_gen_observe(g, prim.on + (long)f * K);
    if (incl)
        memcpy(song.on, prim.on, (size_t)prim.n_frames * K);
    cad_rng rng;
    cad_rng_seed(&rng, (uint64_t)seed);
    cad_sample_params sp = {(float)temp, (float)thr, allowed, (int)maxn};
    uint8_t *dst = song.on + (long)(incl ? prim.n_frames : 0) * K;
    for (int f = 0; f < n_gen; f++)
        cad_gen_sample(g, &sp, &rng, dst + (long)f * K);
    cad_roll_midi_opts mo;
    cad_roll_midi_opts_default(&mo);
    mo.program = (int)prog;
    mo.bpm = bpm;
    mo.velocity = (int)vel;
    mo.step_beats = step;
    if (cad_roll_write_midi(&song, &mo, out, &e)) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    long notes = 0, silent = 0;
    for (long i = 0; i < (long)n_gen * K; i++)
        notes += dst[i] && (i < K || !dst[i - K]);
    for (int f = 0; f < n_gen; f++)
        silent += memchr(dst + (long)f * K, 1, (size_t)K) == NULL;
    /* Settings that leave the model little to play are easy to reach
     * (a high threshold, a narrow range, a scale the model never uses):
     * say so rather than hand over a silent file without a word. */
    if (silent * 2 > n_gen)
        fprintf(stderr, "cadenza generate: warning: %ld of %d frames are "
                        "silent; --threshold, --lowest/--highest, --key/--scale "
                        "or --max-notes may leave the model too little to "
                        "play\n", silent, n_gen);
    printf("wrote %s: %d frames (%ld bars at %g bpm), %ld note onsets\n", out,
           n_out, bars, bpm, notes);
    if (wav) {
        cad_render_opts r;
        cad_render_opts_default(&r);
        r.soundfont = sf;
        r.rate = (int)rate;
        if (cad_render_midi_to_wav(out, wav, &r, &e)) {
            fprintf(stderr, "cadenza generate: %s\n", e.msg);
            goto out;
        }
        printf("wrote %s\n", wav);
    }
    rc = 0;
out:
    free(allowed);
    cad_roll_free(&prim);
    cad_roll_free(&song);
    cad_gen_free(g);
    cad_model_free(m);
    return rc;
}
