/* `cadenza text`: a MIDI file as the text the text representation models
 * (model/music/cad_repr_text.c has the grammar), to read, edit and feed to
 * a character RNN; and with --decode, such text back to MIDI. Decoding is
 * lenient, since the text may come from a model: what does not parse is
 * skipped and the count is reported on stderr. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cad_file.h"
#include "cad_repr_text.h"

#define TEXT_MAX_BYTES ((size_t)64 << 20) /* 64 MB: far beyond any piece */

static void help(FILE *f)
{
    fprintf(f,
"usage: cadenza text [options] IN.mid\n"
"       cadenza text --decode [options] IN.txt -o OUT.mid\n"
"\n"
"Prints a MIDI file as text, one line per bar, the form the text\n"
"representation (--repr text) models; with --decode, reads such text,\n"
"written by hand or by a model, back into a MIDI file.\n"
"\n"
"  -o, --output FILE   write FILE (atomically) instead of standard output;\n"
"                      required with --decode\n"
"  -d, --decode        read text, write MIDI; what does not parse is\n"
"                      skipped, and how much is said on stderr\n"
"      --step-beats B  the grid in quarter notes, 1/64..4 (0.25); a text's\n"
"                      own \"step\" line wins when decoding\n"
"      --max-beats B   longer notes are cut to this (16)\n"
"      --velocity V    what decoded notes play at, 1..127 (80)\n"
"  -h, --help          show this help\n"
"\n"
"The text: \"step B\", \"tempo BPM\" and \"metre N/D\" lines (each from the\n"
"next bar on), then a line per bar: \"|\" and one item per step, \".\"\n"
"when nothing starts, else the notes starting then joined by \"+\", each\n"
"its name, octave (C4 = MIDI 60) and \":\" length in quarter notes (a note\n"
"without one has the next one's). \"%%\" starts a comment.\n"
"\n"
"  metre 3/4\n"
"  | D3+F#3+A3:3+D5:1 . . . E5:0.5 . F#5:0.5 . G5:1 . . .\n");
}

/* An output that is the input would lose the input (same file, links
 * followed); one that is a device, a pipe or a folder would be replaced by
 * the atomic rename (/dev/null as a regular file). Refuse both. (The CLI
 * robustness work brings cad_cli_check_paths for every command; this is
 * the same rule until then.) */
static int bad_output(const char *in, const char *out)
{
    struct stat x, y;
    if (stat(out, &y) != 0)
        return 0; /* a new file */
    if (!S_ISREG(y.st_mode)) {
        fprintf(stderr, "cadenza text: the output %s is not a regular file\n",
                out);
        return 1;
    }
    if (stat(in, &x) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino) {
        fprintf(stderr, "cadenza text: the output %s is the input %s\n", out,
                in);
        return 1;
    }
    return 0;
}

static int encode(const char *in, const char *out, const cad_text_opts *o)
{
    cad_error e = {{0}};
    cad_score s;
    char *text;
    size_t len;
    if (cad_score_read(in, NULL, &s, &e)) {
        fprintf(stderr, "cadenza text: %s\n", e.msg);
        return 1;
    }
    int rc = cad_text_render(&s, o, &text, &len, &e);
    cad_score_free(&s);
    if (rc) {
        fprintf(stderr, "cadenza text: %s: %s\n", in, e.msg);
        return 1;
    }
    if (out)
        rc = cad_file_write_atomic(out, text, len, &e);
    else if (fwrite(text, 1, len, stdout) != len || fflush(stdout))
        rc = cad_error_set(&e, "standard output: write failed");
    free(text);
    if (rc) {
        fprintf(stderr, "cadenza text: %s\n", e.msg);
        return 1;
    }
    return 0;
}

static int decode(const char *in, const char *out, const cad_text_opts *o)
{
    cad_error e = {{0}};
    uint8_t *text;
    size_t len;
    cad_score s;
    cad_text_report r;
    if (cad_file_read_all(in, TEXT_MAX_BYTES, &text, &len, &e)) {
        fprintf(stderr, "cadenza text: %s\n", e.msg);
        return 1;
    }
    int rc = cad_text_parse((const char *)text, len, o, &s, &r, &e);
    free(text);
    if (rc) {
        fprintf(stderr, "cadenza text: %s: %s\n", in, e.msg);
        return 1;
    }
    if (r.lines_skipped || r.items_skipped || r.notes_skipped)
        fprintf(stderr, "cadenza text: %s: skipped what did not parse: %ld "
                        "of %ld lines, %ld of %ld items, %ld notes\n", in,
                r.lines_skipped, r.lines, r.items_skipped, r.items,
                r.notes_skipped);
    if (s.n_notes == 0)
        fprintf(stderr, "cadenza text: %s: no notes; writing an empty "
                        "MIDI file\n", in);
    rc = cad_score_write(&s, out, &e);
    cad_score_free(&s);
    if (rc) {
        fprintf(stderr, "cadenza text: %s\n", e.msg);
        return 1;
    }
    return 0;
}

int cad_cmd_text(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"decode", no_argument, NULL, 'd'},
        {"step-beats", required_argument, NULL, 'S'},
        {"max-beats", required_argument, NULL, 'M'},
        {"velocity", required_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cad_text_opts o;
    cad_text_opts_default(&o);
    const char *out = NULL;
    int dec = 0, c;
    long vel;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:dh", longs, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'd':
            dec = 1;
            break;
        case 'S':
            if (cad_cli_double("text", "step-beats", optarg, 1.0 / 64, 4,
                               &o.step_beats))
                return 2;
            break;
        case 'M':
            if (cad_cli_double("text", "max-beats", optarg, 1.0 / 64, 64,
                               &o.max_beats))
                return 2;
            break;
        case 'V':
            if (cad_cli_int("text", "velocity", optarg, 1, 127, &vel))
                return 2;
            o.velocity = (int)vel;
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            help(stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "cadenza text: %s\n\n", optind == argc ?
                "which file? give one input" : "one input at a time");
        help(stderr);
        return 2;
    }
    if (o.max_beats < o.step_beats) {
        fprintf(stderr, "cadenza text: --max-beats is shorter than a step\n");
        return 2;
    }
    if (dec && !out) {
        fprintf(stderr, "cadenza text: --decode writes MIDI: give -o OUT.mid\n");
        return 2;
    }
    const char *in = argv[optind];
    if (out && bad_output(in, out))
        return 1;
    return dec ? decode(in, out, &o) : encode(in, out, &o);
}
