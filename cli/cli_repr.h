/* The command's side of the representations other than the piano roll
 * (see cli_repr.c). */
#ifndef CAD_CLI_REPR_H
#define CAD_CLI_REPR_H

#include "cad_repr.h"
#include "cad_score.h"

typedef struct {
    cad_score *s;
    int n;
} cad_cli_scores;

/* Appends the scores of one split of DATA (a MIDI file, or a folder: its
 * SPLIT.txt list, or for "train" every .mid file when it has none).
 * Unreadable files are reported and skipped. *found: the split exists. */
int cad_cli_load_scores(const char *path, const char *split,
                        cad_cli_scores *out, int *found);
void cad_cli_scores_free(cad_cli_scores *s);
/* Every score through the representation into out (its layout set). */
int cad_cli_encode_scores(const cad_repr *r, const cad_cli_scores *s,
                          cad_seq_set *out, cad_error *e);

/* train --repr: loads DATA as scores (validation from each folder's
 * valid.txt, else every 1/vsplit-th piece), fits r on the training pieces
 * and encodes both sets. Prints what it read; -1 after printing why. */
int cad_cli_repr_data(cad_repr *r, const char *const *paths, int n,
                      double vsplit, cad_seq_set *train, cad_seq_set *valid);

#endif
