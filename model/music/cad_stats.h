/* Music statistics of piano rolls: what a musician hears in a whole piece
 * and the negative log-likelihood does not say — phrases that come back,
 * a metre, a key, chords that change on the bar lines, clean voice leading
 * and an ending. `cadenza stats` prints them for data sets and generated
 * music side by side; cad_stats.c defines each one where it is measured.
 *
 * Pieces are added one by one to a cad_stats, which keeps sums; a value is
 * read at the end. Rates over frames, notes, windows or voice pairs pool
 * every piece (long pieces weigh more, as in the NLL); the metre and the
 * key correlation are means over pieces and the ending a share of pieces. */
#ifndef CAD_STATS_H
#define CAD_STATS_H

#include "cad_error.h"
#include "cad_roll.h"

/* Longest bar we measure, in frames (a 4/4 bar of 256th notes). */
#define CAD_STATS_MAX_BAR_FRAMES 256

typedef enum {
    CAD_STAT_PIECES, CAD_STAT_BARS,
    CAD_STAT_REPEAT2, CAD_STAT_REPEAT4, CAD_STAT_METRE,
    CAD_STAT_CHORDS_PER_BAR, CAD_STAT_CHORDS_ON_BAR,
    CAD_STAT_PARALLELS, CAD_STAT_END_TONIC_BASS,
    CAD_STAT_KEY_FIT, CAD_STAT_KEY_COMMON, CAD_STAT_OUT_OF_KEY,
    CAD_STAT_SILENCE, CAD_STAT_POLYPHONY, CAD_STAT_HELD, CAD_STAT_STUTTER,
    CAD_STAT_COUNT
} cad_stat_id;

typedef struct {
    long pieces, frames, sounding_frames, key_frames, notes, gaps;
    double bars;
    long windows[2], repeats[2];           /* 2-bar, 4-bar windows */
    long metre_pieces;
    double metre_sum;
    long chord_changes, chord_changes_on_bar;
    long moving_pairs, parallels;
    long key_pieces, key_notes, out_of_key_notes;
    double key_r_sum;
    long key_count[24];                    /* pieces per key: majors, minors */
    long ending_pieces, ending_tonic_bass;
} cad_stats;

void cad_stats_init(cad_stats *s);
/* Adds one piece whose bars are bar_frames frames long (1..MAX; bar lines
 * at frames 0, bar_frames, 2 bar_frames...: a pickup bar is not known). */
int cad_stats_add(cad_stats *s, const cad_roll *r, int bar_frames,
                  cad_error *e);

/* The value of one statistic, NaN where it is undefined (no pieces, no
 * 4-voice frames, no chords...). */
double cad_stats_value(const cad_stats *s, cad_stat_id id);
/* The key most pieces are in (Krumhansl-Schmuckler, each piece's own
 * estimate); -1 when no piece has one. */
int cad_stats_common_key(const cad_stats *s, int *tonic, int *minor);

/* A short machine name ("repeat2") and a label for tables. */
const char *cad_stats_name(cad_stat_id id);
const char *cad_stats_label(cad_stat_id id);
/* The machine name back to its id; -1 if unknown. */
int cad_stats_find(const char *name);

#endif
