/* The statistics of cad_stats.h. A frame is the set of keys sounding; a
 * note is a maximal run of frames in which one key sounds (a piano roll
 * cannot tell a held note from a re-struck one); a note starts (an onset)
 * at its first frame. Each statistic below says what it measures and why
 * a musician cares. */
#include "cad_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_key.h"

#define K CAD_ROLL_KEYS

static const uint8_t *frame(const cad_roll *r, long t)
{
    return r->on + t * K;
}

static int onset(const cad_roll *r, long t, int k)
{
    return frame(r, t)[k] && (t == 0 || !frame(r, t - 1)[k]);
}

void cad_stats_init(cad_stats *s)
{
    memset(s, 0, sizeof *s);
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211u;
    return h;
}

/* Form. Of the windows of W bars that start on a bar line and in which at
 * least one note starts, the share whose W * bar_frames frames are
 * identical, key for key, to those of a window starting on an earlier bar
 * line of the same piece. Folk tunes are built of repeated phrases (AABB);
 * music in which nothing comes back sounds like improvised noodling. A
 * window in which nothing is struck (silence, or one chord held on) is not
 * counted, so a drone does not pass for form. Earlier windows are found
 * through a hash table of the distinct windows seen so far (open
 * addressing): a long piece costs linear time, not a comparison with every
 * earlier window. */
static int add_repeats(cad_stats *s, const cad_roll *r, int bar, int slot,
                       int w, cad_error *e)
{
    long len = (long)w * bar, n_bars = r->n_frames / bar;
    if (n_bars < w)
        return 0;
    size_t size = 16;
    while (size < 2 * (size_t)n_bars)
        size *= 2;
    long *table = malloc(size * sizeof *table);
    uint64_t *hashes = malloc((size_t)n_bars * sizeof *hashes);
    if (!table || !hashes) {
        free(table);
        free(hashes);
        return cad_error_set(e, "out of memory for %ld bars", n_bars);
    }
    for (size_t i = 0; i < size; i++)
        table[i] = -1;
    for (long b = 0; b + w <= n_bars; b++) {
        long t0 = b * bar;
        const uint8_t *win = frame(r, t0);
        int struck = 0, seen = 0;
        for (long t = t0; t < t0 + len && !struck; t++)
            for (int k = 0; k < K && !struck; k++)
                struck = onset(r, t, k);
        uint64_t h = hashes[b] = hash_bytes(win, (size_t)(len * K));
        size_t i = (size_t)h & (size - 1);
        for (; table[i] >= 0; i = (i + 1) & (size - 1))
            if (hashes[table[i]] == h &&
                !memcmp(frame(r, table[i] * bar), win, (size_t)(len * K))) {
                seen = 1;
                break;
            }
        if (!seen)
            table[i] = b;
        if (struck) {
            s->windows[slot]++;
            s->repeats[slot] += seen;
        }
    }
    free(table);
    free(hashes);
    return 0;
}

/* Metre. h[p] = the number of note onsets (every key counts) at frames
 * whose position in the bar is p = t mod bar_frames; the piece's metre is
 * the coefficient of variation of h over the bar's positions, standard
 * deviation / mean (population form). 0: notes start equally often
 * everywhere in the bar, no metre to hear; sqrt(bar_frames - 1): every
 * note starts on the downbeat. Real tunes stress some positions (beats)
 * over others; the same frames shuffled give ~0.1-0.2 (the counts' noise).
 * Pieces with no onset or one-frame bars are left out; the set's value is
 * the mean over pieces. */
static void add_metre(cad_stats *s, const cad_roll *r, int bar)
{
    double h[CAD_STATS_MAX_BAR_FRAMES] = {0}, total = 0;
    for (long t = 0; t < r->n_frames; t++)
        for (int k = 0; k < K; k++)
            if (onset(r, t, k)) {
                h[t % bar] += 1;
                total += 1;
            }
    if (total == 0 || bar < 2)
        return;
    double mean = total / bar, var = 0;
    for (int p = 0; p < bar; p++)
        var += (h[p] - mean) * (h[p] - mean) / bar;
    s->metre_sum += sqrt(var) / mean;
    s->metre_pieces++;
}

/* Harmony and the bar. A frame's chord is the set of pitch classes of its
 * keys below the highest (the highest is taken as the melody); frames with
 * fewer than two keys have none. A chord change is a frame whose chord
 * differs from the last chord before it. Reported: changes per bar, and
 * the share of changes that fall on the piece's bar line. The bar line is
 * inferred, as the position in the bar (t mod bar_frames) where more of
 * the piece's chord changes fall than anywhere else: the data sets start
 * with pickups of any length and carry no bar lines (Nottingham tunes
 * change chord on the second eighth of the 4/4 grid more often than
 * anywhere else), so frame 0 cannot be trusted. Music with a metre
 * changes harmony on its strong beat: a few tenths of the changes land
 * on one position; changes that fall anywhere give about
 * 1 / bar_frames. */
static void add_chords(cad_stats *s, const cad_roll *r, int bar)
{
    long h[CAD_STATS_MAX_BAR_FRAMES] = {0}, most = 0;
    int last = -1;
    for (long t = 0; t < r->n_frames; t++) {
        const uint8_t *f = frame(r, t);
        int top = -1, n = 0, chord = 0;
        for (int k = K - 1; k >= 0; k--)
            if (f[k]) {
                if (top < 0)
                    top = k;
                else
                    chord |= 1 << ((k + CAD_ROLL_LOW) % 12);
                n++;
            }
        if (n < 2)
            continue;
        if (last >= 0 && chord != last) {
            s->chord_changes++;
            h[t % bar]++;
        }
        last = chord;
    }
    for (int p = 0; p < bar; p++)
        most = h[p] > most ? h[p] : most;
    s->chord_changes_on_bar += most;
}

/* Voice leading, for four-part writing (chorales). In two consecutive
 * frames that both have exactly four keys sounding, the voices are the
 * keys in ascending order (bass, tenor, alto, soprano). A voice pair is
 * moving if either voice changes pitch; it moves in parallel fifths or
 * octaves if both voices move the same way and the interval between them,
 * modulo 12, is 7 in both frames or 0 in both (compound intervals count).
 * Reported: parallels / moving pairs. Parallel perfect intervals make two
 * voices sound as one; Bach avoided them, so the rate is low in the data. */
static void add_parallels(cad_stats *s, const cad_roll *r)
{
    int prev[4], n_prev = 0;
    for (long t = 0; t < r->n_frames; t++) {
        const uint8_t *f = frame(r, t);
        int v[4] = {0}, n = 0;
        for (int k = 0; k < K; k++)
            if (f[k] && n++ < 4)
                v[n - 1] = k;
        if (n == 4 && n_prev == 4)
            for (int i = 0; i < 4; i++)
                for (int j = i + 1; j < 4; j++) {
                    int di = v[i] - prev[i], dj = v[j] - prev[j];
                    if (!di && !dj)
                        continue;
                    s->moving_pairs++;
                    int a = (prev[j] - prev[i]) % 12, b = (v[j] - v[i]) % 12;
                    if ((di > 0) == (dj > 0) && di && dj && a == b &&
                        (a == 0 || a == 7))
                        s->parallels++;
                }
        n_prev = n;
        memcpy(prev, v, sizeof v);
    }
}

/* Key and ending. The piece's key is its Krumhansl–Schmuckler estimate
 * from the frames each pitch class sounds (cad_key.c).
 * - key fit: the estimate's correlation r, mean over pieces; near 1 for
 *   tonal music that stays in one key, low for music without a key.
 * - out-of-key notes: the share of note onsets whose pitch class is not in
 *   the key's scale (major, or natural minor plus the leading tone); wrong
 *   notes, or modulations, are what a listener hears as out of key.
 * - ending: the share of pieces whose last sounding frame has the key's
 *   tonic as its lowest key. A chorale ends on a cadence to the tonic;
 *   music that just stops sounds unfinished. */
static void add_key(cad_stats *s, const cad_roll *r)
{
    double w[12];
    cad_key key;
    cad_key_roll_histogram(r, w);
    if (cad_key_estimate(w, &key))
        return;
    s->key_pieces++;
    s->key_r_sum += key.r;
    s->key_count[key.minor * 12 + key.tonic]++;
    for (long t = 0; t < r->n_frames; t++)
        for (int k = 0; k < K; k++)
            if (onset(r, t, k)) {
                s->key_notes++;
                s->out_of_key_notes +=
                    !cad_key_in_scale(&key, (k + CAD_ROLL_LOW) % 12);
            }
    for (long t = r->n_frames - 1; t >= 0; t--) {
        const uint8_t *f = frame(r, t);
        int k = 0;
        while (k < K && !f[k])
            k++;
        if (k == K)
            continue;
        s->ending_pieces++;
        s->ending_tonic_bass += (k + CAD_ROLL_LOW) % 12 == key.tonic;
        break;
    }
}

/* Texture.
 * - silence: the share of frames with no key sounding. Rests belong to
 *   music; a model that has gone quiet, or a control that silences it,
 *   shows here.
 * - polyphony: keys sounding per frame, over frames that are not silent:
 *   a melody is 1, a chorale 4.
 * - held: mean note length in frames. Drones are long; nervous, chopped
 *   music is short.
 * - stutter: one-frame gaps (a key on, off for exactly one frame, on
 *   again) per note. A piano roll cannot re-strike a held key, so a model
 *   that wants a repeated note leaves a one-frame hole; too many sound
 *   like a stammer. */
static void add_texture(cad_stats *s, const cad_roll *r)
{
    for (long t = 0; t < r->n_frames; t++) {
        int n = 0;
        for (int k = 0; k < K; k++) {
            n += frame(r, t)[k];
            s->notes += onset(r, t, k);
            if (t >= 1 && t + 1 < r->n_frames && !frame(r, t)[k] &&
                frame(r, t - 1)[k] && frame(r, t + 1)[k])
                s->gaps++;
        }
        s->key_frames += n;
        s->sounding_frames += n > 0;
    }
}

int cad_stats_add(cad_stats *s, const cad_roll *r, int bar_frames,
                  cad_error *e)
{
    if (bar_frames < 1 || bar_frames > CAD_STATS_MAX_BAR_FRAMES)
        return cad_error_set(e, "a bar of %d frames (measured: 1..%d)",
                             bar_frames, CAD_STATS_MAX_BAR_FRAMES);
    if (r->n_frames < 0 || r->n_frames > CAD_ROLL_MAX_FRAMES)
        return cad_error_set(e, "a roll of %d frames", r->n_frames);
    if (add_repeats(s, r, bar_frames, 0, 2, e) ||
        add_repeats(s, r, bar_frames, 1, 4, e))
        return -1;
    s->pieces++;
    s->frames += r->n_frames;
    s->bars += (double)r->n_frames / bar_frames;
    add_metre(s, r, bar_frames);
    add_chords(s, r, bar_frames);
    add_parallels(s, r);
    add_key(s, r);
    add_texture(s, r);
    return 0;
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

double cad_stats_value(const cad_stats *s, cad_stat_id id)
{
    switch (id) {
    case CAD_STAT_PIECES: return (double)s->pieces;
    case CAD_STAT_BARS: return s->bars;
    case CAD_STAT_REPEAT2: return ratio(s->repeats[0], s->windows[0]);
    case CAD_STAT_REPEAT4: return ratio(s->repeats[1], s->windows[1]);
    case CAD_STAT_METRE: return ratio(s->metre_sum, s->metre_pieces);
    case CAD_STAT_CHORDS_PER_BAR: return ratio(s->chord_changes, s->bars);
    case CAD_STAT_CHORDS_ON_BAR:
        return ratio(s->chord_changes_on_bar, s->chord_changes);
    case CAD_STAT_PARALLELS: return ratio(s->parallels, s->moving_pairs);
    case CAD_STAT_END_TONIC_BASS:
        return ratio(s->ending_tonic_bass, s->ending_pieces);
    case CAD_STAT_KEY_FIT: return ratio(s->key_r_sum, s->key_pieces);
    case CAD_STAT_KEY_COMMON: {
        long best = 0;
        for (int i = 0; i < 24; i++)
            best = s->key_count[i] > best ? s->key_count[i] : best;
        return ratio(best, s->key_pieces);
    }
    case CAD_STAT_OUT_OF_KEY: return ratio(s->out_of_key_notes, s->key_notes);
    case CAD_STAT_SILENCE:
        return ratio(s->frames - s->sounding_frames, s->frames);
    case CAD_STAT_POLYPHONY: return ratio(s->key_frames, s->sounding_frames);
    case CAD_STAT_HELD: return ratio(s->key_frames, s->notes);
    case CAD_STAT_STUTTER: return ratio(s->gaps, s->notes);
    case CAD_STAT_COUNT: break;
    }
    return NAN;
}

static const char *const names[CAD_STAT_COUNT][2] = {
    {"pieces", "pieces"},
    {"bars", "bars"},
    {"repeat2", "2-bar windows repeating an earlier one"},
    {"repeat4", "4-bar windows repeating an earlier one"},
    {"metre", "metre: onset unevenness over the bar (CV)"},
    {"chords_per_bar", "chord changes per bar"},
    {"chords_on_bar", "share of chord changes on the bar line"},
    {"parallels", "parallel 5ths/8ves per moving voice pair"},
    {"end_tonic_bass", "last frame has the tonic in the bass"},
    {"key_fit", "key fit: Krumhansl-Schmuckler r"},
    {"key_common", "pieces in the commonest key (below)"},
    {"out_of_key", "out-of-key note share"},
    {"silence", "silent frames"},
    {"polyphony", "keys per sounding frame"},
    {"held", "mean note length (frames)"},
    {"stutter", "one-frame gaps per note"},
};

int cad_stats_common_key(const cad_stats *s, int *tonic, int *minor)
{
    int best = -1;
    for (int i = 0; i < 24; i++)
        if (s->key_count[i] > 0 && (best < 0 || s->key_count[i] > s->key_count[best]))
            best = i;
    if (best < 0)
        return -1;
    *tonic = best % 12;
    *minor = best / 12;
    return 0;
}

const char *cad_stats_name(cad_stat_id id)
{
    return id >= 0 && id < CAD_STAT_COUNT ? names[id][0] : "?";
}

const char *cad_stats_label(cad_stat_id id)
{
    return id >= 0 && id < CAD_STAT_COUNT ? names[id][1] : "?";
}

int cad_stats_find(const char *name)
{
    for (int i = 0; i < CAD_STAT_COUNT; i++)
        if (!strcmp(name, names[i][0]))
            return i;
    return -1;
}
