/* cadenza generate: compose a piece with a model of any representation
 * through the one composition path (model/compose/), primed by the start
 * of a MIDI file if given, with temperature, top-k/top-p, the probability
 * threshold and a key/scale/range mask; write MIDI and optionally bounce
 * it to WAV. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_compose.h"
#include "cad_key.h"
#include "cad_metre.h"
#include "cad_model.h"
#include "cad_render.h"
#include "cad_roll.h"
#include "cad_scale.h"
#include "cli.h"
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
"  --bars N            length in bars (16)\n"
"  --form F            song form, e.g. ABCBDB: a section a letter, equal\n"
"                      letters the same music (the length is then the\n"
"                      form's sections, --bars aside)\n"
"  --section-bars N    a section's length in bars (4)\n"
"  --metre N/D         the time signature, e.g. 3/4 or 6/8 (the primer's,\n"
"                      else 4/4); a model trained with the metre option\n"
"                      composes in it\n"
"  --chars N           characters, for a text model writing OUT.txt (1000)\n"
"  --temperature T     0 = always the likeliest choice, 1 = the model's own\n"
"                      distribution, higher = wilder (1.0)\n"
"  --top-k K           choose only among the K likeliest notes, tokens or\n"
"                      events (0 = all; not for piano rolls, whose keys are\n"
"                      chosen one by one)\n"
"  --top-p P           and only among the fewest likeliest whose probability\n"
"                      reaches P (1 = all)\n"
"  --threshold P       piano rolls: never play a key whose probability is\n"
"                      below P (0)\n"
"  --max-notes N       piano rolls: at most N simultaneous keys, the\n"
"                      highest: 1 keeps the melody (0 = no limit)\n"
"  --max-hold B        let a note go after B beats held, so low\n"
"                      temperatures do not hold one chord for ever (8;\n"
"                      0 = no limit)\n"
"  --key K --scale S   keep to a scale, e.g. --key D --scale minor\n"
"                      (scales: chromatic major minor harmonic-minor dorian\n"
"                      mixolydian pentatonic minor-pentatonic); a piano roll\n"
"                      never samples other keys, other models' notes outside\n"
"                      it are left out. Music in C major / A minor (the\n"
"                      transposed data sets' models) is moved into the key;\n"
"                      without --key, a primer's key (its estimate) is kept\n"
"  --lowest N --highest N  MIDI note range (piano rolls 21..108, others\n"
"                      0..127), kept like the scale\n"
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

/* What was composed, written: a piano roll of the 88 keys as frames
 * (format 0, a held key one note, as `cadenza generate` has always written
 * it), anything else as a score. */
typedef struct {
    const cad_model *m;
    const cad_repr *r;
    const cad_score *primer; /* or NULL */
    int primer_steps, include_primer, program, velocity;
    double bpm, step; /* the model's step in beats at bpm */
    const char *out;
} gen_output;

/* The 88-key piano roll without onset bits, which the frame writer
 * takes as it is. */
static int is_plain_roll(const gen_output *o)
{
    return strcmp(o->r->kind->name, "pianoroll") == 0 &&
           o->r->layout.n_fields == 1 && o->m->cfg.n_out == CAD_ROLL_KEYS &&
           o->m->cfg.low_key == CAD_ROLL_LOW;
}

/* Frames: the primer's own (with --include-primer), then the steps
 * composed, every note on the frames it covers. */
static int write_roll(const gen_output *o, const cad_score *song, long steps,
                      cad_error *e)
{
    cad_seq p = {0};
    cad_roll roll = {0};
    int rc = -1, n_prim = 0;
    if (o->include_primer && o->primer) {
        /* as the composer heard it: in seconds for a model timed in them */
        cad_score at;
        int seconds = !(o->m->cfg.step_beats > 0);
        if (seconds && cad_score_at_tempo(o->primer, o->bpm, &at, e))
            goto out;
        int bad = o->r->kind->encode(o->r, seconds ? &at : o->primer, &p, e);
        if (seconds)
            cad_score_free(&at);
        if (bad)
            goto out;
        n_prim = p.T < o->primer_steps ? p.T : o->primer_steps;
    }
    if (cad_roll_init(&roll, n_prim + (int)steps, e))
        goto out;
    for (int t = 0; t < n_prim; t++)
        for (int k = 0; k < CAD_ROLL_KEYS; k++)
            roll.on[(long)t * CAD_ROLL_KEYS + k] = p.v[(long)t * p.width + k] > 0.5f;
    uint8_t *gen = roll.on + (long)n_prim * CAD_ROLL_KEYS;
    for (int i = 0; i < song->n_notes; i++) {
        const cad_note *nt = &song->notes[i];
        if (nt->pitch < CAD_ROLL_LOW || nt->pitch >= CAD_ROLL_LOW + CAD_ROLL_KEYS)
            continue; /* moved off the piano by a key (a range past it) */
        long a = lround(nt->onset / o->step);
        long b = lround((nt->onset + nt->duration) / o->step);
        for (long t = a; t < b && t < steps; t++)
            gen[t * CAD_ROLL_KEYS + nt->pitch - CAD_ROLL_LOW] = 1;
    }
    cad_roll_midi_opts mo;
    cad_roll_midi_opts_default(&mo);
    mo.program = o->program;
    mo.bpm = o->bpm;
    mo.velocity = o->velocity;
    mo.step_beats = o->step;
    if (cad_roll_write_midi(&roll, &mo, o->out, e))
        goto out;
    long notes = 0, silent = 0;
    for (long i = 0; i < steps * CAD_ROLL_KEYS; i++)
        notes += gen[i] && (i < CAD_ROLL_KEYS || !gen[i - CAD_ROLL_KEYS]);
    for (long t = 0; t < steps; t++)
        silent += memchr(gen + t * CAD_ROLL_KEYS, 1, CAD_ROLL_KEYS) == NULL;
    /* Settings that leave the model little to play are easy to reach
     * (a high threshold, a narrow range, a scale the model never uses):
     * say so rather than hand over a silent file without a word. */
    if (silent * 2 > steps)
        fprintf(stderr, "cadenza generate: warning: %ld of %ld frames are "
                        "silent; --threshold, --lowest/--highest, --key/--scale "
                        "or --max-notes may leave the model too little to "
                        "play\n", silent, steps);
    printf("wrote %s: %d frames (%g beats at %g bpm), %ld note onsets\n",
           o->out, roll.n_frames, steps * o->step, o->bpm, notes);
    rc = 0;
out:
    cad_seq_free(&p);
    cad_roll_free(&roll);
    return rc;
}

static int write_output(const gen_output *o, cad_score *song, long steps,
                        cad_error *e)
{
    /* the frame writer writes no time signature (MIDI's default is 4/4):
       in another metre the score says it */
    int four_four = song->n_meter == 1 && song->meter[0].numerator == 4 &&
                    song->meter[0].denominator == 4;
    if (is_plain_roll(o) && four_four)
        return write_roll(o, song, steps, e);
    song->program = o->program;
    if (cad_score_write(song, o->out, e))
        return -1;
    printf("wrote %s: %d notes in %.1f beats (%s representation, %ld %ss)\n",
           o->out, song->n_notes, cad_score_length(song), o->r->kind->name,
           steps, o->r->kind->unit);
    return 0;
}

enum { O_PRIMER = 256, O_PFRAMES, O_INCL, O_BARS, O_TEMP, O_THR, O_MAXN,
       O_KEY, O_SCALE, O_LOW, O_HIGH, O_SEED, O_PROG, O_BPM, O_VEL, O_WAV,
       O_SF, O_RATE, O_BF16, O_TOPK, O_TOPP, O_CHARS,
       O_FORM, O_SECTION, O_HOLD, O_METRE };

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
        {"form", required_argument, 0, O_FORM},
        {"section-bars", required_argument, 0, O_SECTION},
        {"max-hold", required_argument, 0, O_HOLD},
        {"metre", required_argument, 0, O_METRE}, {"meter", required_argument, 0, O_METRE},
        {"top-k", required_argument, 0, O_TOPK}, {"top-p", required_argument, 0, O_TOPP},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL, *out = NULL, *primer = NULL, *wav = NULL, *sf = NULL;
    const char *form = NULL;
    long section_bars = 4;
    double max_hold = 8; /* two 4/4 bars */
    cad_meter metre = {0, 0, 0}; /* 0: the primer's, or 4/4 */
    long bars = 16, chars = 1000, maxn = 0, low = 21, high = 108, seed = 1, prog = 0, vel = 80;
    long rate = 48000, pframes = -1, topk = 0;
    double temp = 1.0, thr = 0, bpm = 100, topp = 1;
    int incl = 0, tonic = 0, bf16 = 0, range_set = 0, key_set = 0, c;
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
            key_set = 1;
            break;
        case O_SCALE:
            if (cad_scale_parse(optarg, &scale)) {
                fprintf(stderr, "cadenza generate: --scale: unknown scale '%s'\n", optarg);
                return 2;
            }
            key_set = 1;
            break;
        case O_LOW: if (cad_cli_int("generate", "lowest", optarg, 0, 127, &low)) return 2; range_set |= 1; break;
        case O_HIGH: if (cad_cli_int("generate", "highest", optarg, 0, 127, &high)) return 2; range_set |= 2; break;
        case O_SEED: if (cad_cli_int("generate", "seed", optarg, 0, 0x7fffffffL, &seed)) return 2; break;
        case O_PROG: if (cad_cli_int("generate", "program", optarg, 0, 127, &prog)) return 2; break;
        case O_BPM: if (cad_cli_double("generate", "bpm", optarg, 10, 400, &bpm)) return 2; break;
        case O_VEL: if (cad_cli_int("generate", "velocity", optarg, 1, 127, &vel)) return 2; break;
        case O_WAV: wav = optarg; break;
        case O_BF16: bf16 = 1; break;
        case O_TOPK: if (cad_cli_int("generate", "top-k", optarg, 0, 1000000, &topk)) return 2; break;
        case O_TOPP: if (cad_cli_double("generate", "top-p", optarg, 0, 1, &topp)) return 2; break;
        case O_FORM: {
            cad_error fe;
            form = optarg;
            if (cad_compose_form_check(form, &fe)) {
                fprintf(stderr, "cadenza generate: --form: %s\n", fe.msg);
                return 2;
            }
            break;
        }
        case O_METRE:
            if (cad_metre_parse(optarg, &metre)) {
                fprintf(stderr, "cadenza generate: --metre: '%s' is not a time "
                                "signature such as 3/4 or 6/8\n", optarg);
                return 2;
            }
            break;
        case O_HOLD: if (cad_cli_double("generate", "max-hold", optarg, 0, 4096, &max_hold)) return 2; break;
        case O_SECTION: if (cad_cli_int("generate", "section-bars", optarg, 1, 1024, &section_bars)) return 2; break;
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
    cad_model *m = NULL;
    cad_repr *r = NULL;
    cad_score prim = {0}, song = {0};
    int rc = 1;
    if (cad_model_load_any(model, &m, &e) || (bf16 && cad_model_to_bf16(m, &e))) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    if (cad_model_get_meta(m, "text.plain") ||
        (strcmp(m->cfg.representation, "text") == 0 && strlen(out) > 4 &&
         strcmp(out + strlen(out) - 4, ".txt") == 0)) {
        /* characters: a model of plain text, or text asked for (cli_text.c) */
        rc = cad_cli_text_generate(m, primer, chars, (float)temp,
                                   (uint64_t)seed, out);
        goto out;
    }
    if (cad_compose_repr(m, bpm, &r, &e) ||
        (primer && cad_score_read(primer, NULL, &prim, &e))) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    cad_model_info info;
    cad_model_get_info(m, &info);
    int roll = strcmp(r->kind->name, "pianoroll") == 0;
    if (!roll) { /* the piano's range is the piano roll's default */
        low = range_set & 1 ? low : 0;
        high = range_set & 2 ? high : 127;
    }
    if (roll && (high < info.low_key || low > info.low_key + info.n_keys - 1)) {
        fprintf(stderr, "cadenza generate: the range %ld..%ld has none of the "
                        "model's keys (MIDI %d..%d)\n", low, high, info.low_key,
                info.low_key + info.n_keys - 1);
        rc = 2;
        goto out;
    }
    cad_compose_opts co = {.seed = (uint64_t)seed, .beats = bars * 4.0,
                           .primer = primer ? &prim : NULL,
                           .primer_steps = pframes >= 0 ? (int)pframes : 1 << 20};
    cad_constraints_default(&co.k);
    co.k.temperature = (float)temp;
    co.k.top_k = (int)topk;
    co.k.top_p = (float)topp;
    co.k.threshold = (float)thr;
    co.k.max_notes = (int)maxn;
    co.k.max_hold = max_hold;
    /* the bars: as asked, or the primer's first, or 4/4 (a model with the
       metre option composes in them; the file says so either way) */
    if (metre.numerator > 0)
        co.k.metre = metre;
    else if (primer && prim.n_meter > 0)
        co.k.metre = (cad_meter){0, prim.meter[0].numerator, prim.meter[0].denominator};
    const double bar_beats = cad_meter_bar_beats(&co.k.metre);
    co.beats = (double)bars * bar_beats;
    if (key_set) {
        /* in that key: a model of music in C major / A minor is moved there */
        cad_constraints_in_key(&co.k, tonic, scale);
    } else if (primer) {
        /* on in the primer's key: the primer is moved into the model's
           C major / A minor, what follows moved back */
        double w[12];
        cad_key pk;
        cad_key_score_histogram(&prim, w);
        if (cad_key_estimate(w, &pk) == 0) {
            co.k.shift = cad_key_shift(pk.minor ? 9 : 0, pk.tonic);
            fprintf(stderr, "cadenza generate: the primer is in %s; going on "
                            "in it (--key to choose)\n", cad_key_name(&pk));
        }
    }
    co.k.low = (int)low;
    co.k.high = (int)high;
    co.k.velocity = (int)vel;
    co.k.bpm = bpm;
    long steps;
    gen_output go = {m, r, primer ? &prim : NULL, co.primer_steps, incl,
                     (int)prog, (int)vel, bpm,
                     cad_step_beats(info.step_beats, info.step_seconds, bpm), out};
    int composed = form ? cad_compose_form(m, r, &co, form, section_bars * bar_beats,
                                           &song, &steps, &e)
                        : cad_compose_score(m, r, &co, &song, &steps, &e);
    if (!composed && form && is_plain_roll(&go)) /* frames of the whole form */
        steps = lround((double)strlen(form) * (double)section_bars * bar_beats / go.step);
    if (composed || write_output(&go, &song, steps, &e)) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    if (wav) {
        cad_render_opts ro;
        cad_render_opts_default(&ro);
        ro.soundfont = sf;
        ro.rate = (int)rate;
        if (cad_render_midi_to_wav(out, wav, &ro, &e)) {
            fprintf(stderr, "cadenza generate: %s\n", e.msg);
            goto out;
        }
        printf("wrote %s\n", wav);
    }
    rc = 0;
out:
    cad_score_free(&prim);
    cad_score_free(&song);
    cad_repr_free(r);
    cad_model_free(m);
    return rc;
}
