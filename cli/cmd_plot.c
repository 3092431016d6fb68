/* cadenza plot: pictures of music and of what a model expects, as PNG.
 *
 *   a piano roll of a MIDI file: notes as bars on a pitch/beat grid, bar
 *     lines from its time signatures, louder notes darker;
 *   a model's probability map (the picture the piano-roll LSTM with a
 *     threshold was judged by): for every frame of a piece, each key's
 *     probability of sounding as the model saw it coming, with the notes
 *     that did sound outlined. The piece is a MIDI file (the model
 *     listens to it) or one the model composes there and then;
 *   histograms of pitch, step (seconds from one onset to the next) and
 *     duration over MIDI files and folders, the pictures by which the
 *     pitch/step/duration system compared its output with its data.
 *
 * Drawn with cairo (Debian's libcairo2), which also writes the PNG; the
 * bytes go to the file atomically like every file we write. */
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include "cad_file.h"
#include "cad_gen.h"
#include "cad_roll.h"
#include "cad_score.h"
#include "cli.h"

#define PLOT_MAX_WIDTH 8000 /* pixels: long pieces get fewer per beat */
#define PLOT_MAX_FILES 4096 /* histogram inputs, after expanding folders */

static void help(FILE *f)
{
    fprintf(f,
"usage: cadenza plot IN.mid -o ROLL.png\n"
"       cadenza plot --probabilities [-m MODEL] [IN.mid] -o MAP.png\n"
"       cadenza plot --histograms INPUT... -o HIST.png\n"
"\n"
"  -o, --output F.png    the picture to write (required)\n"
"  -m, --model F         the piano-roll model of --probabilities (default:\n"
"                        the shipped one)\n"
"      --probabilities   each key's probability at each frame, as the model\n"
"                        saw the frame coming, notes that sounded outlined;\n"
"                        of IN.mid, or of a piece the model composes:\n"
"      --bars N          its length (8)\n"
"      --seed S          (1)\n"
"      --temperature T   (1)\n"
"      --histograms      pitch, step and duration (seconds) of every note\n"
"                        in the MIDI files and folders given (recursively)\n"
"      --px-per-beat N   horizontal scale of rolls and maps (24; less for\n"
"                        long pieces, to stay within 8000 pixels)\n");
}

/* ---- PNG out --------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t n, cap;
} png_buf;

static cairo_status_t png_append(void *closure, const unsigned char *data,
                                 unsigned int len)
{
    png_buf *b = closure;
    if (b->n + len > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 65536) + len;
        unsigned char *q = realloc(b->p, cap);
        if (!q)
            return CAIRO_STATUS_NO_MEMORY;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* Writes the surface as PNG to path, atomically. */
static int save_png(cairo_surface_t *s, const char *path)
{
    png_buf b = {0};
    cairo_status_t st = cairo_surface_write_to_png_stream(s, png_append, &b);
    int rc = -1;
    cad_error e = {{0}};
    if (st != CAIRO_STATUS_SUCCESS)
        fprintf(stderr, "cadenza plot: %s: %s\n", path,
                cairo_status_to_string(st));
    else if (cad_file_write_atomic(path, b.p, b.n, &e) != 0)
        fprintf(stderr, "cadenza plot: %s\n", e.msg);
    else
        rc = 0, printf("wrote %s\n", path);
    free(b.p);
    return rc;
}

static cairo_surface_t *new_canvas(int w, int h, cairo_t **cr)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    *cr = cairo_create(s);
    cairo_set_source_rgb(*cr, 1, 1, 1);
    cairo_paint(*cr);
    return s;
}

static void text(cairo_t *cr, double x, double y, double size,
                 const char *s)
{
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

/* ---- the frame of a roll or a map: keys down the side, bars across --- */

typedef struct {
    int lo, hi;         /* MIDI pitches shown, inclusive */
    double beats;       /* length shown */
    double px_beat, px_key;
    int left, top, w, h; /* the plotting area */
} grid;

static void grid_fit(grid *g, int lo, int hi, double beats, double px_beat)
{
    g->lo = lo;
    g->hi = hi;
    g->beats = beats > 1 ? beats : 1;
    g->px_beat = px_beat;
    if (g->beats * g->px_beat > PLOT_MAX_WIDTH)
        g->px_beat = PLOT_MAX_WIDTH / g->beats;
    g->px_key = 6;
    g->left = 44;
    g->top = 28;
    g->w = (int)ceil(g->beats * g->px_beat);
    g->h = (int)((hi - lo + 1) * g->px_key);
}

static double gx(const grid *g, double beat)
{
    return g->left + beat * g->px_beat;
}

static double gy(const grid *g, int pitch) /* top edge of the key's row */
{
    return g->top + (g->hi - pitch) * g->px_key;
}

/* Black keys shaded, C's named, bar lines from the score's metres (or
 * every `bar_beats` without a score). */
static void draw_grid(cairo_t *cr, const grid *g, const cad_score *s,
                      double bar_beats, int dark)
{
    static const int black[12] = {0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0};
    for (int p = g->lo; p <= g->hi; p++) {
        if (!dark && black[p % 12]) {
            cairo_set_source_rgb(cr, 0.93, 0.93, 0.95);
            cairo_rectangle(cr, g->left, gy(g, p), g->w, g->px_key);
            cairo_fill(cr);
        }
        if (p % 12 == 0) {
            char name[16];
            snprintf(name, sizeof name, "C%d", p / 12 - 1);
            text(cr, 4, gy(g, p) + g->px_key, 10, name);
        }
    }
    double beat = 0;
    int bar = 1;
    while (beat < g->beats + 1e-9) {
        double len = bar_beats;
        if (s) {
            const cad_meter *m = cad_score_meter_at(s, beat, NULL);
            len = cad_meter_bar_beats(m);
        }
        if (!(len > 0))
            len = 4;
        double x = floor(gx(g, beat)) + 0.5;
        if (dark)
            cairo_set_source_rgba(cr, 1, 1, 1, 0.35);
        else
            cairo_set_source_rgb(cr, 0.7, 0.7, 0.75);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, x, g->top);
        cairo_line_to(cr, x, g->top + g->h);
        cairo_stroke(cr);
        if ((bar - 1) % 4 == 0 && beat < g->beats - 1e-9) {
            char num[16];
            snprintf(num, sizeof num, "%d", bar);
            text(cr, x + 2, g->top - 6, 10, num);
        }
        beat += len;
        bar++;
    }
}

/* ---- a piano roll ---------------------------------------------------- */

static int plot_roll(const char *in, const char *out, double px_beat)
{
    cad_score s;
    cad_error e = {{0}};
    if (cad_score_read(in, NULL, &s, &e) != 0) {
        fprintf(stderr, "cadenza plot: %s\n", e.msg);
        return 1;
    }
    int lo = 127, hi = 0;
    for (int i = 0; i < s.n_notes; i++) {
        lo = s.notes[i].pitch < lo ? s.notes[i].pitch : lo;
        hi = s.notes[i].pitch > hi ? s.notes[i].pitch : hi;
    }
    if (s.n_notes == 0)
        lo = 60, hi = 72;
    /* whole octaves around the notes: C's at the bottom of the picture */
    lo = lo / 12 * 12;
    hi = hi / 12 * 12 + 11 > 127 ? 127 : hi / 12 * 12 + 11;
    grid g;
    grid_fit(&g, lo, hi, cad_score_length(&s), px_beat);
    cairo_t *cr;
    cairo_surface_t *surf = new_canvas(g.left + g.w + 12, g.top + g.h + 12,
                                       &cr);
    draw_grid(cr, &g, &s, 4, 0);
    static const double part_rgb[4][3] = {
        {0.16, 0.35, 0.75}, {0.80, 0.30, 0.15}, {0.15, 0.60, 0.30},
        {0.55, 0.25, 0.65}};
    for (int i = 0; i < s.n_notes; i++) {
        const cad_note *n = &s.notes[i];
        const double *c = part_rgb[n->part % 4];
        cairo_set_source_rgba(cr, c[0], c[1], c[2],
                              0.35 + 0.65 * n->velocity / 127.0);
        double w = n->duration * g.px_beat;
        cairo_rectangle(cr, gx(&g, n->onset), gy(&g, n->pitch) + 0.5,
                        w > 1.5 ? w - 0.5 : 1.0, g.px_key - 1);
        cairo_fill(cr);
    }
    char title[600];
    snprintf(title, sizeof title, "%s: %d notes, %.0f beats", in, s.n_notes,
             cad_score_length(&s));
    text(cr, g.left, 12, 11, title);
    cairo_destroy(cr);
    int rc = save_png(surf, out) ? 1 : 0;
    cairo_surface_destroy(surf);
    cad_score_free(&s);
    return rc;
}

/* ---- a model's probability map ------------------------------------- */

/* Dark blue (never) through red to pale yellow (certain): a ramp that
 * stays readable in grey, so faint probabilities still show. */
static void heat(double p, double rgb[3])
{
    p = p < 0 ? 0 : p > 1 ? 1 : sqrt(p); /* small ones matter most */
    rgb[0] = p < 0.5 ? 0.05 + 1.5 * p : 0.8 + 0.4 * (p - 0.5);
    rgb[1] = p < 0.5 ? 0.05 + 0.3 * p : 0.2 + 1.5 * (p - 0.5);
    rgb[2] = p < 0.5 ? 0.25 + 0.3 * p : 0.4 - 0.2 * (p - 0.5);
}

typedef struct {
    const char *model, *in;
    int bars;
    long seed;
    double temperature, px_beat;
} map_opts;

static int plot_map(const map_opts *o, const char *out)
{
    cad_error e = {{0}};
    cad_model *m = NULL;
    cad_gen *gen = NULL, *teller = NULL;
    cad_roll roll = {0};
    float *p = NULL;
    cairo_surface_t *surf = NULL;
    int rc = 1;
    if (cad_model_load(o->model, &m, &e) != 0) {
        fprintf(stderr, "cadenza plot: %s\n", e.msg);
        return 1;
    }
    cad_model_info info;
    cad_model_get_info(m, &info);
    const int K = info.n_keys;
    /* a grid in seconds is drawn at 120 bpm: two frames of 0.25 s a beat */
    double step = info.step_beats > 0 ? info.step_beats
                                      : info.step_seconds * 2.0;
    if (o->in) {
        cad_roll_opts ro;
        cad_roll_opts_default(&ro);
        ro.step_beats = info.step_beats;
        ro.step_seconds = info.step_seconds;
        if (cad_roll_from_midi_file(o->in, &ro, &roll, &e) != 0) {
            fprintf(stderr, "cadenza plot: %s\n", e.msg);
            goto out;
        }
        if (K != CAD_ROLL_KEYS || info.low_key != CAD_ROLL_LOW) {
            fprintf(stderr, "cadenza plot: %s plays keys %d..%d, not a "
                    "piano's\n", o->model, info.low_key,
                    info.low_key + K - 1);
            goto out;
        }
    } else {
        /* compose: one network samples, a second one (the same model)
         * listens to the same frames and tells what it expected */
        int n = (int)ceil(o->bars * 4.0 / step);
        gen = cad_gen_new(m, &e);
        if (!gen || cad_roll_init(&roll, n, &e) != 0) {
            fprintf(stderr, "cadenza plot: %s\n", e.msg);
            goto out;
        }
        cad_rng rng;
        cad_rng_seed(&rng, (uint64_t)o->seed);
        cad_sample_params sp = {.temperature = (float)o->temperature, .top_p = 1.0f};
        for (int f = 0; f < n; f++)
            cad_gen_sample(gen, &sp, &rng, roll.on + (long)f * K);
    }
    teller = cad_gen_new(m, &e);
    p = malloc(sizeof(float) * (size_t)K * (size_t)(roll.n_frames + 1));
    if (!teller || !p) {
        fprintf(stderr, "cadenza plot: %s\n", teller ? "out of memory"
                                                     : e.msg);
        goto out;
    }
    for (int f = 0; f < roll.n_frames; f++)
        cad_gen_probs_observe(teller, roll.on + (long)f * K,
                              p + (long)f * K);

    grid g;
    grid_fit(&g, info.low_key, info.low_key + K - 1, roll.n_frames * step,
             o->px_beat);
    cairo_t *cr;
    surf = new_canvas(g.left + g.w + 12, g.top + g.h + 12, &cr);
    double fw = step * g.px_beat;
    for (int f = 0; f < roll.n_frames; f++)
        for (int k = 0; k < K; k++) {
            double rgb[3];
            heat(p[(long)f * K + k], rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_rectangle(cr, gx(&g, f * step), gy(&g, info.low_key + k),
                            fw + 0.5, g.px_key);
            cairo_fill(cr);
        }
    draw_grid(cr, &g, NULL, 4, 1);
    cairo_set_source_rgb(cr, 0.3, 1.0, 0.9);
    cairo_set_line_width(cr, 1);
    for (int f = 0; f < roll.n_frames; f++)
        for (int k = 0; k < K; k++)
            if (roll.on[(long)f * K + k]) {
                cairo_rectangle(cr, gx(&g, f * step) + 0.5,
                                gy(&g, info.low_key + k) + 0.5, fw - 1,
                                g.px_key - 1);
                cairo_stroke(cr);
            }
    char title[700];
    if (o->in)
        snprintf(title, sizeof title, "%s listening to %s: p(key sounds)",
                 o->model, o->in);
    else
        snprintf(title, sizeof title, "%s composing (seed %ld, T %.2f): "
                 "p(key sounds)", o->model, o->seed, o->temperature);
    text(cr, g.left, 12, 11, title);
    cairo_destroy(cr);
    rc = save_png(surf, out) ? 1 : 0;
out:
    if (surf)
        cairo_surface_destroy(surf);
    free(p);
    cad_roll_free(&roll);
    cad_gen_free(gen);
    cad_gen_free(teller);
    cad_model_free(m);
    return rc;
}

/* ---- histograms ----------------------------------------------------- */

typedef struct {
    char **paths;
    int n;
} file_list;

static int is_midi(const char *s)
{
    size_t n = strlen(s);
    return (n > 4 && !strcasecmp(s + n - 4, ".mid")) ||
           (n > 5 && !strcasecmp(s + n - 5, ".midi"));
}

/* MIDI files under path (itself, or in it to a depth of 4 folders). */
static int collect(const char *path, int depth, file_list *l)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "cadenza plot: %s: no such file or folder\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (l->n == PLOT_MAX_FILES)
            return 0;
        l->paths[l->n] = strdup(path);
        return l->paths[l->n++] ? 0 : -1;
    }
    if (depth > 4)
        return 0;
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "cadenza plot: %s: cannot read the folder\n", path);
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, de->d_name);
        struct stat cs;
        if (stat(full, &cs) != 0)
            continue;
        if (S_ISDIR(cs.st_mode) || is_midi(de->d_name))
            rc = collect(full, depth + 1, l);
    }
    closedir(d);
    return rc;
}

#define HIST_BINS 128

typedef struct {
    const char *name, *unit;
    double lo, hi; /* values past hi go in the last bin */
    int bins;      /* pitch: one a semitone */
    long count[HIST_BINS];
    long total;
} hist;

static void hist_add(hist *h, double v)
{
    int b = (int)floor((v - h->lo) / (h->hi - h->lo) * h->bins);
    b = b < 0 ? 0 : b >= h->bins ? h->bins - 1 : b;
    h->count[b]++;
    h->total++;
}

static void draw_hist(cairo_t *cr, const hist *h, double x0, double y0,
                      double w, double ht)
{
    long mx = 1;
    for (int b = 0; b < h->bins; b++)
        mx = h->count[b] > mx ? h->count[b] : mx;
    cairo_set_source_rgb(cr, 0.16, 0.35, 0.75);
    double bw = w / h->bins;
    for (int b = 0; b < h->bins; b++) {
        double bh = ht * (double)h->count[b] / (double)mx;
        cairo_rectangle(cr, x0 + b * bw, y0 + ht - bh, bw * 0.8, bh);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, x0, y0 + ht + 0.5);
    cairo_line_to(cr, x0 + w, y0 + ht + 0.5);
    cairo_stroke(cr);
    char s[128];
    snprintf(s, sizeof s, "%s (%s), %ld notes", h->name, h->unit, h->total);
    text(cr, x0, y0 - 8, 12, s);
    for (int t = 0; t <= 4; t++) {
        snprintf(s, sizeof s, "%g%s", h->lo + (h->hi - h->lo) * t / 4,
                 t == 4 ? "+" : "");
        text(cr, x0 + w * t / 4 - (t ? 10 : 0), y0 + ht + 14, 10, s);
    }
}

static int plot_hist(char **inputs, int n_in, const char *out)
{
    file_list l = {calloc(PLOT_MAX_FILES, sizeof(char *)), 0};
    if (!l.paths)
        return 1;
    int rc = 1;
    for (int i = 0; i < n_in; i++)
        if (collect(inputs[i], 0, &l) != 0)
            goto out;
    if (l.n == 0) {
        fprintf(stderr, "cadenza plot: no MIDI files in the inputs\n");
        goto out;
    }
    hist h[3] = {{"pitch", "MIDI", 0, 128, 128, {0}, 0},
                 {"step", "s from the previous onset", 0, 2, 48, {0}, 0},
                 {"duration", "s", 0, 4, 48, {0}, 0}};
    int read = 0;
    for (int i = 0; i < l.n; i++) {
        cad_score s;
        cad_error e = {{0}};
        if (cad_score_read(l.paths[i], NULL, &s, &e) != 0) {
            fprintf(stderr, "cadenza plot: skipped %s\n", e.msg);
            continue;
        }
        read++;
        double prev = -1;
        for (int k = 0; k < s.n_notes; k++) {
            const cad_note *nt = &s.notes[k];
            double on = cad_score_seconds(&s, nt->onset);
            hist_add(&h[0], nt->pitch);
            if (prev >= 0)
                hist_add(&h[1], on - prev);
            prev = on;
            hist_add(&h[2], cad_score_seconds(&s, nt->onset + nt->duration) -
                                on);
        }
        cad_score_free(&s);
    }
    cairo_t *cr;
    cairo_surface_t *surf = new_canvas(1200, 360, &cr);
    for (int i = 0; i < 3; i++)
        draw_hist(cr, &h[i], 30 + i * 395, 50, 360, 260);
    char title[160];
    snprintf(title, sizeof title, "%d MIDI files (%d read)", l.n, read);
    text(cr, 30, 18, 12, title);
    cairo_destroy(cr);
    rc = save_png(surf, out) ? 1 : 0;
    cairo_surface_destroy(surf);
out:
    for (int i = 0; i < l.n; i++)
        free(l.paths[i]);
    free(l.paths);
    return rc;
}

/* ---- the command ------------------------------------------------------ */

int cad_cmd_plot(int argc, char **argv)
{
    enum { O_PROB = 256, O_HIST, O_BARS, O_SEED, O_TEMP, O_PX };
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'},
        {"model", required_argument, 0, 'm'},
        {"probabilities", no_argument, 0, O_PROB},
        {"histograms", no_argument, 0, O_HIST},
        {"bars", required_argument, 0, O_BARS},
        {"seed", required_argument, 0, O_SEED},
        {"temperature", required_argument, 0, O_TEMP},
        {"px-per-beat", required_argument, 0, O_PX},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    map_opts mo = {cad_cli_default_model(), NULL, 8, 1, 1.0, 24.0};
    const char *out = NULL;
    int prob = 0, hst = 0, c;
    long bars;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:m:h", longs, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'm': mo.model = optarg; break;
        case O_PROB: prob = 1; break;
        case O_HIST: hst = 1; break;
        case O_BARS:
            if (cad_cli_int("plot", "bars", optarg, 1, 256, &bars))
                return 2;
            mo.bars = (int)bars;
            break;
        case O_SEED:
            if (cad_cli_int("plot", "seed", optarg, 0, 2147483647, &mo.seed))
                return 2;
            break;
        case O_TEMP:
            if (cad_cli_double("plot", "temperature", optarg, 0, 10,
                               &mo.temperature))
                return 2;
            break;
        case O_PX:
            if (cad_cli_double("plot", "px-per-beat", optarg, 1, 400,
                               &mo.px_beat))
                return 2;
            break;
        case 'h': help(stdout); return 0;
        default:
            fprintf(stderr, "Try 'cadenza plot --help'.\n");
            return 2;
        }
    }
    int n_in = argc - optind;
    const char *why = !out ? "no output given (-o OUT.png)"
                      : prob && hst ? "--probabilities or --histograms, "
                                      "not both"
                      : hst && n_in < 1 ? "--histograms needs MIDI files "
                                          "or folders"
                      : prob && n_in > 1 ? "--probabilities takes at most "
                                           "one MIDI file"
                      : !prob && !hst && n_in != 1 ? "one MIDI file, please"
                                                   : NULL;
    if (why) {
        fprintf(stderr, "cadenza plot: %s\nTry 'cadenza plot --help'.\n",
                why);
        return 2;
    }
    /* an output that is an input would lose the input */
    const char *ins[64];
    int k = 0;
    for (int i = optind; i < argc && k < 63; i++)
        ins[k++] = argv[i];
    if (prob && mo.model)
        ins[k++] = mo.model;
    if (cad_cli_check_paths("plot", ins, k, &out, 1))
        return 1;
    int rc;
    if (hst) {
        rc = plot_hist(argv + optind, n_in, out);
    } else if (prob) {
        if (!mo.model) {
            fprintf(stderr, "cadenza plot: no model given and none "
                            "installed (-m MODEL)\n");
            return 1;
        }
        mo.in = n_in ? argv[optind] : NULL;
        rc = plot_map(&mo, out);
    } else {
        rc = plot_roll(argv[optind], out, mo.px_beat);
    }
    /* cairo's text keeps fonts in process-wide caches (its own and
       fontconfig's); give them back so a leak checker sees only ours */
    cairo_debug_reset_static_data();
    FcFini();
    return rc;
}
