/* Plain text for the character RNN (the text representation trained on
 * any text file, as the character-RNN seed trained on Shakespeare): the
 * command's side, reading text files into character sequences and
 * sampling characters from a model (see cli_text.c). */
#ifndef CAD_CLI_TEXT_H
#define CAD_CLI_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "cad_model.h"
#include "cad_repr.h"

/* Largest text file read (bytes). */
#define CAD_CLI_TEXT_MAX (64L << 20)

/* 1 if path is a regular file that is neither MIDI nor piano-roll JSON:
 * `train --repr text` then reads it as plain text. */
int cad_cli_text_is_plain(const char *path);

/* train --repr text on plain text files: the last vsplit of each file
 * (by characters) is its validation part, the rest training; r's
 * vocabulary becomes the characters of the training parts. Prints what it
 * read; -1 after printing why. */
int cad_cli_text_data(cad_repr *r, const char *const *paths, int n,
                      double vsplit, cad_seq_set *train, cad_seq_set *valid);

/* One split ("train", "valid" or "all") of a text file, cut as training
 * cut it (vsplit), encoded with r's vocabulary: for eval. */
int cad_cli_text_split(const cad_repr *r, const char *path, const char *split,
                       double vsplit, cad_seq_set *out, cad_error *e);

/* n characters sampled from m (after the primer's, which it reads first,
 * as if it had written them) at temperature temp (0: the most likely
 * each time). *out is malloc'd, NUL-terminated. */
int cad_cli_text_sample(const cad_model *m, const cad_repr *r,
                        const char *primer, long n, float temp, uint64_t seed,
                        char **out, cad_error *e);

/* generate -o OUT.txt with a text model: n characters (after the text of
 * primer_path, a text file, if not NULL) written to out. Prints what it
 * wrote; returns the command's exit code. */
int cad_cli_text_generate(const cad_model *m, const char *primer_path, long n,
                          float temp, uint64_t seed, const char *out);

#endif
