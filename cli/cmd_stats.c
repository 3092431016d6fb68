/* cadenza stats: music statistics (model/cad_stats.h) of data sets and of
 * generated music, side by side, one column per input. The NLL says how
 * well a model predicts the next frame; these say whether the whole piece
 * has form, metre, a key and an ending. */
#include <ctype.h>
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cad_file.h"
#include "cad_midi.h"
#include "cad_key.h"
#include "cad_stats.h"
#include "cli.h"

#define MAX_INPUTS 16

static void help(FILE *f)
{
    fprintf(f,
"usage: cadenza stats [options] INPUT...\n"
"\n"
"Music statistics of each INPUT, one column each: repeats, metre, chord\n"
"changes, parallels, endings, key fit, silence, polyphony, note lengths,\n"
"stutter (README: Music statistics). An INPUT is a MIDI file, a folder\n"
"of them (every .mid/.midi in it, not its subfolders) or a piano-roll\n"
".json data set.\n"
"\n"
"  --split S         the split of .json inputs: train, valid, test (valid)\n"
"  --step-beats B    frame length in quarter notes: MIDI is read onto this\n"
"                    grid (0.25); .json frames are taken to be this long,\n"
"                    so it is required with them (JSB 1, Nottingham 0.5)\n"
"  --bar-beats N     bar length in quarter notes for .json data and MIDI\n"
"                    files without a time signature (4)\n"
"  --tsv             tab-separated: a header, then statistic and values\n"
"  --markdown        a Markdown table\n");
}

typedef struct {
    double step_beats, bar_beats;
    int step_given;
} opts;

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static int is_midi_name(const char *s)
{
    return ends_with_ci(s, ".mid") || ends_with_ci(s, ".midi");
}

/* Frames per bar, or -1 if the bar is not a whole number of frames (its
 * bar lines would drift across the grid). */
static int bar_frames(double bar_beats, double step_beats)
{
    double n = bar_beats / step_beats, r = floor(n + 0.5);
    if (fabs(n - r) > 1e-6 || r < 1 || r > CAD_STATS_MAX_BAR_FRAMES)
        return -1;
    return (int)r;
}

/* The bar from the file's first time signature (lowest tick, then lowest
 * track), in quarter notes; 0 if there is none or it is unusable. */
static double midi_bar_beats(const cad_midi_file *mf)
{
    const cad_midi_event *first = NULL;
    for (int t = 0; t < mf->n_tracks; t++)
        for (int i = 0; i < mf->tracks[t].n_events; i++) {
            const cad_midi_event *ev = &mf->tracks[t].events[i];
            if (ev->type == CAD_MIDI_TIME_SIG &&
                (!first || ev->tick < first->tick))
                first = ev;
        }
    if (!first || first->a == 0 || first->b > 6)
        return 0;
    return first->a * 4.0 / (1 << first->b);
}

/* One MIDI file into the statistics. The roll runs to the end of the
 * longest track, so trailing rests (and a file with no notes at all)
 * count as silence. Returns 0, or -1 with a message (the piece skipped). */
static int add_midi(cad_stats *s, const char *path, const opts *o)
{
    uint8_t *data = NULL;
    size_t len;
    cad_error e;
    cad_midi_file mf = {0};
    cad_roll roll = {0}, longer = {0};
    int rc = -1;
    if (cad_file_read_all(path, CAD_MIDI_MAX_BYTES, &data, &len, &e)) {
        fprintf(stderr, "cadenza stats: %s\n", e.msg); /* names the path */
        goto out;
    }
    if (cad_midi_parse(data, len, &mf, &e)) {
        fprintf(stderr, "cadenza stats: %s: %s\n", path, e.msg);
        goto out;
    }
    double bb = midi_bar_beats(&mf);
    if (bb <= 0)
        bb = o->bar_beats;
    int bar = bar_frames(bb, o->step_beats);
    if (bar < 0) {
        fprintf(stderr, "cadenza stats: %s: a bar of %g quarter notes is not "
                        "a whole number (1..%d) of %g-beat frames\n", path, bb,
                CAD_STATS_MAX_BAR_FRAMES, o->step_beats);
        goto out;
    }
    uint32_t end = 0;
    int notes = 0;
    for (int t = 0; t < mf.n_tracks; t++) {
        end = mf.tracks[t].end_tick > end ? mf.tracks[t].end_tick : end;
        for (int i = 0; i < mf.tracks[t].n_events; i++) {
            const cad_midi_event *ev = &mf.tracks[t].events[i];
            notes += ev->type == CAD_MIDI_NOTE_ON &&
                     ev->channel != CAD_MIDI_DRUM_CHANNEL;
        }
    }
    cad_roll_opts ro;
    cad_roll_opts_default(&ro);
    ro.step_beats = o->step_beats;
    if (notes && cad_roll_from_midi_bytes(data, len, &ro, &roll, &e)) {
        fprintf(stderr, "cadenza stats: %s: %s\n", path, e.msg);
        goto out;
    }
    double end_frames = floor((double)end / mf.ppq / o->step_beats + 0.5);
    if (end_frames > roll.n_frames) {
        if (end_frames > CAD_ROLL_MAX_FRAMES)
            end_frames = CAD_ROLL_MAX_FRAMES;
        if (cad_roll_init(&longer, (int)end_frames, &e)) {
            fprintf(stderr, "cadenza stats: %s: %s\n", path, e.msg);
            goto out;
        }
        if (roll.n_frames)
            memcpy(longer.on, roll.on, (size_t)roll.n_frames * CAD_ROLL_KEYS);
        cad_roll_free(&roll);
        roll = longer;
        longer = (cad_roll){0};
    }
    if (cad_stats_add(s, &roll, bar, &e)) {
        fprintf(stderr, "cadenza stats: %s: %s\n", path, e.msg);
        goto out;
    }
    rc = 0;
out:
    cad_roll_free(&roll);
    cad_midi_free(&mf);
    free(data);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every MIDI file of a folder, in name order. Files that cannot be read
 * are reported and skipped; a folder without one readable file fails. */
static int add_folder(cad_stats *s, const char *dir, const opts *o)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cadenza stats: %s: cannot open the folder\n", dir);
        return -1;
    }
    char **names = NULL;
    int n = 0, cap = 0, rc = -1, good = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_midi_name(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, (size_t)cap * sizeof *nn);
            if (!nn) {
                fprintf(stderr, "cadenza stats: out of memory\n");
                goto out;
            }
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name))) {
            fprintf(stderr, "cadenza stats: out of memory\n");
            goto out;
        }
        n++;
    }
    if (n) /* qsort's array may not be NULL */
        qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            good += add_midi(s, path, o) == 0;
    }
    if (good && good < n)
        fprintf(stderr, "cadenza stats: %s: %d of %d MIDI files skipped\n",
                dir, n - good, n);
    if (good)
        rc = 0;
    else
        fprintf(stderr, "cadenza stats: %s: no readable MIDI files (its "
                        "subfolders are not read)\n", dir);
out:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

static int add_json(cad_stats *s, const char *path, const char *split,
                    const opts *o)
{
    cad_roll_set set = {0};
    cad_error e;
    int bar = bar_frames(o->bar_beats, o->step_beats), rc = -1;
    if (cad_roll_load_json(path, split, &set, &e)) {
        fprintf(stderr, "cadenza stats: %s\n", e.msg);
        return -1;
    }
    for (int i = 0; i < set.n; i++)
        if (cad_stats_add(s, &set.pieces[i], bar, &e)) {
            fprintf(stderr, "cadenza stats: %s: %s\n", path, e.msg);
            goto out;
        }
    rc = 0;
out:
    cad_roll_set_free(&set);
    return rc;
}

/* The column heading: the last path component, and the split for .json. */
static void label_of(const char *path, const char *split, int json,
                     char *out, size_t size)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && path[start - 1] != '/')
        start--;
    snprintf(out, size, "%.*s%s%s", (int)(len - start), path + start,
             json ? " " : "", json ? split : "");
}

static void format_value(cad_stat_id id, double v, int digits, char *out,
                         size_t size)
{
    if (isnan(v))
        snprintf(out, size, "-");
    else if (id == CAD_STAT_PIECES)
        snprintf(out, size, "%.0f", v);
    else if (id == CAD_STAT_BARS)
        snprintf(out, size, "%.1f", v);
    else
        snprintf(out, size, "%.*f", digits, v);
}

enum { FMT_TABLE, FMT_TSV, FMT_MARKDOWN };

static void print_stats(const cad_stats *s, char labels[][64], int n, int fmt)
{
    char v[32];
    int width[MAX_INPUTS];
    for (int i = 0; i < n; i++) {
        width[i] = (int)strlen(labels[i]);
        width[i] = width[i] < 8 ? 8 : width[i];
    }
    if (fmt == FMT_TSV) {
        printf("statistic");
        for (int i = 0; i < n; i++)
            printf("\t%s", labels[i]);
        printf("\n");
    } else if (fmt == FMT_MARKDOWN) {
        printf("| |");
        for (int i = 0; i < n; i++)
            printf(" %s |", labels[i]);
        printf("\n|---|");
        for (int i = 0; i < n; i++)
            printf("---|");
        printf("\n");
    } else {
        printf("%-44s", "");
        for (int i = 0; i < n; i++)
            printf("  %*s", width[i], labels[i]);
        printf("\n");
    }
    for (int id = 0; id < CAD_STAT_COUNT; id++) {
        if (fmt == FMT_TSV)
            printf("%s", cad_stats_name(id));
        else if (fmt == FMT_MARKDOWN)
            printf("| %s |", cad_stats_label(id));
        else
            printf("%-44s", cad_stats_label(id));
        for (int i = 0; i < n; i++) {
            format_value(id, cad_stats_value(&s[i], id), fmt == FMT_TSV ? 4 : 3,
                         v, sizeof v);
            if (fmt == FMT_TSV)
                printf("\t%s", v);
            else if (fmt == FMT_MARKDOWN)
                printf(" %s |", v);
            else
                printf("  %*s", width[i], v);
        }
        printf("\n");
    }
    /* which key that is */
    if (fmt == FMT_TSV)
        printf("key_common_name");
    else if (fmt == FMT_MARKDOWN)
        printf("| commonest key |");
    else
        printf("%-44s", "commonest key");
    for (int i = 0; i < n; i++) {
        int tonic = 0, minor = 0;
        cad_key k = {0, 0, 0};
        int ok = cad_stats_common_key(&s[i], &tonic, &minor) == 0;
        k.tonic = tonic, k.minor = minor;
        const char *name = ok ? cad_key_name(&k) : "-";
        if (fmt == FMT_TSV)
            printf("\t%s", name);
        else if (fmt == FMT_MARKDOWN)
            printf(" %s |", name);
        else
            printf("  %*s", width[i], name);
    }
    printf("\n");
}

enum { O_SPLIT = 256, O_STEP, O_BAR, O_TSV, O_MD };

int cad_cmd_stats(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"split", required_argument, 0, O_SPLIT},
        {"step-beats", required_argument, 0, O_STEP},
        {"bar-beats", required_argument, 0, O_BAR},
        {"tsv", no_argument, 0, O_TSV}, {"markdown", no_argument, 0, O_MD},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    opts o = {0.25, 4.0, 0};
    const char *split = "valid";
    int fmt = FMT_TABLE, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        switch (c) {
        case O_SPLIT: split = optarg; break;
        case O_STEP:
            if (cad_cli_double("stats", "step-beats", optarg, 1.0 / 64, 16,
                               &o.step_beats))
                return 2;
            o.step_given = 1;
            break;
        case O_BAR:
            if (cad_cli_double("stats", "bar-beats", optarg, 0.25, 64,
                               &o.bar_beats))
                return 2;
            break;
        case O_TSV: fmt = FMT_TSV; break;
        case O_MD: fmt = FMT_MARKDOWN; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return 2;
        }
    }
    int n = argc - optind;
    if (n < 1 || n > MAX_INPUTS) {
        fprintf(stderr, "cadenza stats: give 1..%d inputs\n\n", MAX_INPUTS);
        help(stderr);
        return 2;
    }
    if (strcmp(split, "train") && strcmp(split, "valid") && strcmp(split, "test")) {
        fprintf(stderr, "cadenza stats: --split must be train, valid or test\n");
        return 2;
    }
    /* Check every input's kind and the options it needs before the work. */
    int kind[MAX_INPUTS]; /* 0 MIDI file, 1 folder, 2 .json */
    for (int i = 0; i < n; i++) {
        const char *p = argv[optind + i];
        struct stat st;
        if (stat(p, &st) != 0) {
            fprintf(stderr, "cadenza stats: %s: no such file or folder\n", p);
            return 1;
        }
        if (S_ISDIR(st.st_mode))
            kind[i] = 1;
        else if (ends_with_ci(p, ".json"))
            kind[i] = 2;
        else if (S_ISREG(st.st_mode))
            kind[i] = 0;
        else {
            fprintf(stderr, "cadenza stats: %s: not a regular file or a folder\n", p);
            return 1;
        }
        if (kind[i] == 2 && !o.step_given) {
            fprintf(stderr, "cadenza stats: %s: piano-roll data needs "
                            "--step-beats, its frame length (JSB 1, "
                            "Nottingham 0.5)\n", p);
            return 2;
        }
        if (kind[i] == 2 && bar_frames(o.bar_beats, o.step_beats) < 0) {
            fprintf(stderr, "cadenza stats: --bar-beats %g is not a whole "
                            "number (1..%d) of %g-beat frames\n", o.bar_beats,
                    CAD_STATS_MAX_BAR_FRAMES, o.step_beats);
            return 2;
        }
    }
    cad_stats s[MAX_INPUTS];
    char labels[MAX_INPUTS][64];
    for (int i = 0; i < n; i++) {
        const char *p = argv[optind + i];
        cad_stats_init(&s[i]);
        label_of(p, split, kind[i] == 2, labels[i], sizeof labels[i]);
        int rc = kind[i] == 2 ? add_json(&s[i], p, split, &o)
                 : kind[i] == 1 ? add_folder(&s[i], p, &o)
                                : add_midi(&s[i], p, &o);
        if (rc)
            return 1;
    }
    print_stats(s, labels, n, fmt);
    return 0;
}
