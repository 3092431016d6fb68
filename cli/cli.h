/* The `cadenza` subcommands. Each takes the argv that follows the
 * subcommand name (argv[0] is the subcommand itself, as getopt expects),
 * prints errors to stderr naming the file and the problem, and returns the
 * process exit code: 0 success, 1 failure, 2 bad usage. */
#ifndef CAD_CLI_H
#define CAD_CLI_H

int cad_cmd_train(int argc, char **argv);
int cad_cmd_generate(int argc, char **argv);
int cad_cmd_render(int argc, char **argv);
int cad_cmd_eval(int argc, char **argv);
int cad_cmd_info(int argc, char **argv);

/* Strict number parsing for options: the whole string must be a number in
 * [lo, hi]; otherwise prints "cadenza NAME: --OPT: ..." and returns -1. */
int cad_cli_int(const char *cmd, const char *opt, const char *s, long lo,
                long hi, long *out);
int cad_cli_double(const char *cmd, const char *opt, const char *s,
                   double lo, double hi, double *out);
/* The default model: $CADENZA_MODEL, else the installed data dir copy,
 * else presets/default.safetensors relative to the working directory. */
const char *cad_cli_default_model(void);

#endif
