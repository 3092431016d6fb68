/* The `cadenza` subcommands. Each takes the argv that follows the
 * subcommand name (argv[0] is the subcommand itself, as getopt expects),
 * prints errors to stderr naming the file and the problem, and returns the
 * process exit code: 0 success, 1 failure, 2 bad usage. */
#ifndef CAD_CLI_H
#define CAD_CLI_H

#include <stddef.h>

int cad_cmd_train(int argc, char **argv);
int cad_cmd_generate(int argc, char **argv);
int cad_cmd_render(int argc, char **argv);
int cad_cmd_eval(int argc, char **argv);
int cad_cmd_info(int argc, char **argv);
int cad_cmd_stats(int argc, char **argv);
int cad_cmd_text(int argc, char **argv);
int cad_cmd_plot(int argc, char **argv);

/* Strict number parsing for options: the whole string must be a number in
 * [lo, hi]; otherwise prints "cadenza NAME: --OPT: ..." and returns -1. */
int cad_cli_int(const char *cmd, const char *opt, const char *s, long lo,
                long hi, long *out);
int cad_cli_double(const char *cmd, const char *opt, const char *s,
                   double lo, double hi, double *out);
/* The default model: $CADENZA_MODEL, else the installed data dir copy,
 * else presets/default.safetensors relative to the working directory. */
const char *cad_cli_default_model(void);

/* Before any work starts: every output must be writable (a regular file
 * or a new name in a writable folder; a link is written through) and must
 * not be the same file (device and inode, links followed) as any input or
 * any other output. Inputs that are folders count with the files directly
 * in them. Prints "cadenza CMD: ..." naming both files and returns -1. */
int cad_cli_check_paths(const char *cmd, const char *const *in, int n_in,
                        const char *const *out, int n_out);

/* Provenance of training data, without the paths of this machine: for
 * each file "NAME (N bytes, fnv1a64 HASH)", for each folder "NAME/ (K
 * files, N bytes, fnv1a64 HASH)" over its files' names and contents in
 * name order; "; " between them, cut with "..." at cap. Returns -1 if
 * one cannot be read. */
int cad_cli_describe_data(const char *const *paths, int n, char *out,
                          size_t cap);

/* Loads the pieces of one split from DATA: a piano-roll JSON file (the
 * split's key) or a MIDI folder (its SPLIT.txt list, or for "train"/"all"
 * every file when there is no list). *found says whether the split
 * existed. Prints its own errors; returns -1 on failure. */
#include "cad_roll.h"
int cad_cli_load_split(const char *path, const char *split,
                       const cad_roll_opts *o, cad_roll_set *out, int *found);

#endif
