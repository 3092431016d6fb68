/* Note+duration tokens (seed 004, see cad_repr.h): one token per step of
 * step_beats (0.25) quarter notes, saying what starts on that step:
 *
 *   "rest"          nothing starts here (a note may still be sounding);
 *   "E4$0.5"        one note: its name and octave (MIDI 60 = C4, sharps),
 *                   "$", its length in quarter notes;
 *   "0.4.7$1.0"     two or more pitches at once: their pitch classes in
 *                   normal order (below), "$", the length of the longest.
 *
 * Onsets go to the nearest step; a length is end step minus onset step, at
 * least one step, at most max_beats (8). Before that the piece is moved to
 * C major / A minor (option transpose, on by default): by its key signature
 * when the file has one, else by the Krumhansl–Schmuckler estimate of
 * cad_key.h over note lengths; by the smallest shift, -6..+5 semitones.
 *
 * Normal order (the seed took music21's normalOrder; this is our own
 * definition, Forte's convention): take the distinct pitch classes sorted
 * upward; of their rotations (each read upward modulo 12) keep those of
 * the smallest span from first to last; among them the one packed most to
 * the left (smallest interval from the first to the second, then to the
 * third, ...); if still tied, the one starting on the lowest pitch class.
 * C major {0,4,7} -> "0.4.7"; G7 {7,11,2,5} -> "11.2.5.7". The handful of
 * sets where Forte's and Rahn's rules differ (e.g. {0,1,3,7,8}) may read
 * differently from music21; triads and sevenths do not. A chord token
 * keeps the pitch classes only:
 * the octave, the voicing, doublings (C3+C4 is "0") and which note was the
 * melody are lost, so a melody over its accompaniment becomes one chord.
 * A decoded chord is rebuilt in close position upward from its first pitch
 * class in octave chord_octave (3: C3 = MIDI 48), as the seed rebuilt its
 * chords around one fixed octave.
 *
 * Vocabulary: fit() collects the tokens of the training pieces, keeps the
 * max_vocab (4096) most frequent (ties by spelling), puts "rest" at class
 * 0 and the others after it sorted by strcmp: the same pieces always give
 * the same classes. save() writes it as "repr.vocab", the tokens joined by
 * spaces (about 10 bytes a token: 40 KB at most by default). A token not
 * in the vocabulary becomes the known token with the same pitch or chord
 * and the nearest length (the shorter on a tie); if there is none, a rest
 * (its notes are dropped). A kind created without a vocabulary knows only
 * "rest" and refuses to encode.
 *
 * Drops: velocity (decoded at `velocity`), parts (merged), timing finer
 * than the step, all but the longest length of notes struck together (a
 * melody note struck with its chord gets the chord's length), the key
 * (everything in C / A minor), tempo and metre (decoded as 120 bpm, 4/4),
 * the silence after the last onset, and for chords octave and voicing.
 * Where the seed read melody and accompaniment from separate tracks it
 * wrote a token for each at the same offset; here one step has one token,
 * so they merge into one chord. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_key.h"
#include "cad_repr.h"

#define TOK_LEN 48        /* "0.1.2.3.4.5.6.7.8.9.10.11$64.0" and more fit */
#define TOK_MAX_VOCAB 65536

typedef struct {
    int n;              /* pitches */
    uint8_t pitch[12];  /* a note, or a chord in close position upward */
    long dur;           /* steps */
} tok_info;

typedef struct {
    cad_repr base;
    double step_beats, max_beats;
    int transpose, chord_octave, velocity, max_vocab;
    char (*vocab)[TOK_LEN]; /* [n_vocab]: "rest", then sorted by strcmp */
    tok_info *info;         /* what each token decodes to */
    int n_vocab;
} tok_repr;

static const char *const tok_names[12] = {"C", "C#", "D", "D#", "E", "F",
                                          "F#", "G", "G#", "A", "A#", "B"};

static long max_steps(const tok_repr *r)
{
    return lround(r->max_beats / r->step_beats);
}

/* Parses a token into what it decodes to; -1 if it is not one. */
static int tok_parse(const tok_repr *r, const char *tok, tok_info *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(tok, "rest") == 0)
        return 0;
    const char *dollar = strchr(tok, '$');
    char *end;
    if (!dollar)
        return -1;
    double beats = strtod(dollar + 1, &end);
    out->dur = isfinite(beats) ? lround(beats / r->step_beats) : 0;
    if (end == dollar + 1 || *end || out->dur < 1 || out->dur > max_steps(r))
        return -1;
    if (*tok >= 'A' && *tok <= 'G') { /* a note: name, octave */
        int pc = -1;
        for (int i = 0; i < 12; i++) {
            size_t len = strlen(tok_names[i]);
            if (strncmp(tok, tok_names[i], len) == 0 &&
                (tok[len] == '-' || (tok[len] >= '0' && tok[len] <= '9')))
                pc = i;
        }
        if (pc < 0)
            return -1;
        long octave = strtol(tok + strlen(tok_names[pc]), &end, 10);
        if (end != dollar || octave < -1 || octave > 9 ||
            12 * (octave + 1) + pc > 127)
            return -1;
        long p = 12 * (octave + 1) + pc;
        out->n = 1;
        out->pitch[0] = (uint8_t)p;
        return 0;
    }
    /* a chord: pitch classes, each placed above the one before */
    const char *c = tok;
    int prev = 12 * (r->chord_octave + 1) - 1, seen = 0;
    while (c < dollar) {
        long pc = *c >= '0' && *c <= '9' ? strtol(c, &end, 10) : -1;
        if (pc < 0 || pc > 11 || (seen >> pc & 1) ||
            (*end != '.' && end != dollar))
            return -1;
        seen |= 1 << pc;
        int p = prev + 1;
        while (p % 12 != pc)
            p++;
        out->pitch[out->n++] = (uint8_t)(prev = p);
        c = end + (*end == '.');
    }
    return out->n >= 1 && c[-1] != '.' ? 0 : -1;
}

/* Rotation i of the sorted pitch classes against rotation j: the span
 * first, then the intervals from the first to the second, the third, ...
 * (packed to the left), then the lower first pitch class. */
static int rotation_cmp(const int *pcs, int n, int i, int j)
{
    for (int step = 0; step < n - 1; step++) {
        int k = step == 0 ? n - 1 : step;
        int a = (pcs[(i + k) % n] - pcs[i] + 12) % 12;
        int b = (pcs[(j + k) % n] - pcs[j] + 12) % 12;
        if (a != b)
            return a - b;
    }
    return pcs[i] - pcs[j];
}

/* The normal order of a set of pitch classes (bit pc set), as in the
 * header comment; returns how many. */
static int normal_order(int set, int out[12])
{
    int pcs[12], n = 0, best = 0;
    for (int pc = 0; pc < 12; pc++)
        if (set >> pc & 1)
            pcs[n++] = pc;
    for (int i = 1; i < n; i++)
        if (rotation_cmp(pcs, n, i, best) < 0)
            best = i;
    for (int k = 0; k < n; k++)
        out[k] = pcs[(best + k) % n];
    return n;
}

/* What starts on one step: its distinct pitches and longest length. */
typedef struct {
    long step, dur;
    int n;
    unsigned char has[128];
} tok_group;

/* The next group from note *i on (moved by shift semitones; notes moved
 * outside 0..127 are dropped); 0 when there are no more. */
static int next_group(const tok_repr *r, const cad_score *s, int shift,
                      int *i, tok_group *g)
{
    while (*i < s->n_notes) {
        memset(g, 0, sizeof *g);
        g->step = lround(s->notes[*i].onset / r->step_beats);
        for (; *i < s->n_notes; (*i)++) {
            const cad_note *nt = &s->notes[*i];
            long a = lround(nt->onset / r->step_beats);
            if (a != g->step)
                break;
            long d = lround((nt->onset + nt->duration) / r->step_beats) - a;
            d = d < 1 ? 1 : d > max_steps(r) ? max_steps(r) : d;
            int p = nt->pitch + shift;
            if (p < 0 || p > 127)
                continue;
            g->n += !g->has[p];
            g->has[p] = 1;
            g->dur = d > g->dur ? d : g->dur;
        }
        if (g->n)
            return 1;
    }
    return 0;
}

static void fmt_beats(double beats, char *out, size_t cap)
{
    snprintf(out, cap, "%.4f", beats);
    char *p = out + strlen(out) - 1; /* "1.0000" -> "1.0", "0.2500" -> "0.25" */
    while (*p == '0' && p[-1] != '.')
        *p-- = '\0';
}

static void group_token(const tok_repr *r, const tok_group *g, char *out)
{
    char len[24];
    fmt_beats(g->dur * r->step_beats, len, sizeof len);
    if (g->n == 1) {
        int p = 0;
        while (!g->has[p])
            p++;
        snprintf(out, TOK_LEN, "%s%d$%s", tok_names[p % 12], p / 12 - 1, len);
        return;
    }
    int set = 0, pcs[12], n;
    for (int p = 0; p < 128; p++)
        if (g->has[p])
            set |= 1 << (p % 12);
    n = normal_order(set, pcs);
    int at = 0;
    for (int k = 0; k < n; k++)
        at += snprintf(out + at, (size_t)(TOK_LEN - at), k ? ".%d" : "%d", pcs[k]);
    snprintf(out + at, (size_t)(TOK_LEN - at), "$%s", len);
}

/* Transposition to C major / A minor, in semitones (0 when off or when
 * no key can be told). */
static int key_shift(const tok_repr *r, const cad_score *s)
{
    return r->transpose ? cad_key_shift_to_c(s) : 0;
}

static int cmp_tok(const void *a, const void *b) { return strcmp(a, b); }

/* The class of a token, or by the unknown-token policy; 0 is a rest. */
static int tok_lookup(const tok_repr *r, const char *tok)
{
    if (r->n_vocab > 1) {
        const char(*hit)[TOK_LEN] = bsearch(tok, r->vocab + 1,
                                            (size_t)r->n_vocab - 1, TOK_LEN, cmp_tok);
        if (hit)
            return (int)(hit - r->vocab);
    }
    size_t head = (size_t)(strchr(tok, '$') - tok) + 1;
    long want = lround(strtod(tok + head, NULL) / r->step_beats);
    int best = 0;
    long best_d = 0;
    for (int i = 1; i < r->n_vocab; i++) {
        if (strncmp(r->vocab[i], tok, head) != 0)
            continue;
        long d = labs(r->info[i].dur - want);
        if (!best || d < best_d ||
            (d == best_d && r->info[i].dur < r->info[best].dur))
            best = i, best_d = d;
    }
    return best;
}

static int push_token(const tok_repr *r, int cls, long step, cad_score *out,
                      cad_error *e)
{
    const tok_info *in = &r->info[cls];
    for (int k = 0; k < in->n; k++) {
        cad_note nt = {step * r->step_beats, in->dur * r->step_beats,
                       in->pitch[k], (uint8_t)r->velocity, 0};
        if (cad_score_push(out, &nt, e))
            return -1;
    }
    return 0;
}

/* Replaces the vocabulary (n tokens, the first "rest"), checking each. */
static int set_vocab(tok_repr *r, char (*vocab)[TOK_LEN], int n, cad_error *e)
{
    tok_info *info = calloc((size_t)n, sizeof *info);
    if (!info) {
        free(vocab);
        return cad_error_set(e, "out of memory");
    }
    for (int i = 0; i < n; i++)
        if ((i == 0) != (strcmp(vocab[i], "rest") == 0) ||
            tok_parse(r, vocab[i], &info[i]) ||
            (i > 1 && strcmp(vocab[i - 1], vocab[i]) >= 0)) {
            int rc = cad_error_set(e, "token %d of the vocabulary, '%s', is "
                                      "not a token in its place", i, vocab[i]);
            free(vocab);
            free(info);
            return rc;
        }
    free(r->vocab);
    free(r->info);
    r->vocab = vocab;
    r->info = info;
    r->n_vocab = n;
    r->base.layout.field[0].size = n;
    return 0;
}

static void tok_free(cad_repr *rp)
{
    tok_repr *r = (tok_repr *)rp;
    free(r->vocab);
    free(r->info);
    free(r);
}

extern const cad_repr_kind cad_repr_tokens;

static int tok_create(const cad_st_file *f, cad_repr **out, cad_error *e)
{
    static const char *const known[] = {"step_beats", "max_beats", "transpose",
                                        "chord_octave", "velocity", "max_vocab",
                                        "vocab", NULL};
    double step, maxb, tr, oct, vel, maxv;
    if (cad_repr_check_opts(f, known, e) ||
        cad_repr_opt(f, "step_beats", NULL, 0.25, 1.0 / 64, 4, &step, e) ||
        cad_repr_opt(f, "max_beats", NULL, 8, 1.0 / 64, 64, &maxb, e) ||
        cad_repr_opt(f, "transpose", NULL, 1, 0, 1, &tr, e) ||
        cad_repr_opt(f, "chord_octave", NULL, 3, 0, 7, &oct, e) ||
        cad_repr_opt(f, "velocity", NULL, 80, 1, 127, &vel, e) ||
        cad_repr_opt(f, "max_vocab", NULL, 4096, 1, TOK_MAX_VOCAB - 1, &maxv, e))
        return -1;
    if (maxb < step || maxb / step > 4096)
        return cad_error_set(e, "max_beats %g is not 1 to 4096 steps of %g",
                             maxb, step);
    tok_repr *r = calloc(1, sizeof *r);
    if (!r)
        return cad_error_set(e, "out of memory");
    r->base.kind = &cad_repr_tokens;
    r->step_beats = step;
    r->max_beats = maxb;
    r->transpose = tr != 0;
    r->chord_octave = (int)oct;
    r->velocity = (int)vel;
    r->max_vocab = (int)maxv;
    cad_layout_add(&r->base.layout, "token", CAD_FIELD_CLASS, 1, e);
    /* the vocabulary: the saved one, or just "rest" */
    const char *s = f ? cad_st_meta(f, "repr.vocab") : NULL;
    s = s ? s : "rest";
    int n = 1;
    for (const char *c = s; *c; c++)
        n += *c == ' ';
    char(*vocab)[TOK_LEN] = n <= TOK_MAX_VOCAB ? calloc((size_t)n, TOK_LEN) : NULL;
    int k = 0;
    for (const char *c = s; vocab && k < n; k++) {
        size_t len = strcspn(c, " ");
        if (len < TOK_LEN)
            memcpy(vocab[k], c, len);
        else /* too long to be a token: refused below */
            strcpy(vocab[k], "(too long)");
        c += strcspn(c, " ");
        c += *c == ' ';
    }
    if (!vocab || set_vocab(r, vocab, n, e)) {
        if (!vocab)
            cad_error_set(e, "a vocabulary of %d tokens is beyond %d", n,
                          TOK_MAX_VOCAB);
        tok_free(&r->base);
        return -1;
    }
    *out = &r->base;
    return 0;
}

typedef struct {
    char tok[TOK_LEN];
    long count;
} tok_count;

static int cmp_count(const void *pa, const void *pb)
{
    const tok_count *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->tok, b->tok);
}

static int tok_fit(cad_repr *rp, const cad_score *pieces, int n, cad_error *e)
{
    tok_repr *r = (tok_repr *)rp;
    long total = 0, m = 0;
    for (int p = 0; p < n; p++)
        total += pieces[p].n_notes; /* at least one note per group */
    tok_count *all = malloc(sizeof *all * (size_t)(total + 1));
    if (!all)
        return cad_error_set(e, "out of memory for %ld tokens", total);
    for (int p = 0; p < n; p++) {
        int shift = key_shift(r, &pieces[p]), i = 0;
        tok_group g;
        while (next_group(r, &pieces[p], shift, &i, &g)) {
            group_token(r, &g, all[m].tok);
            all[m++].count = 1;
        }
    }
    qsort(all, (size_t)m, sizeof *all, cmp_tok); /* tok is first */
    long u = 0;
    for (long i = 0; i < m; i++) { /* distinct tokens with counts */
        if (u && strcmp(all[u - 1].tok, all[i].tok) == 0)
            all[u - 1].count++;
        else
            all[u++] = all[i];
    }
    qsort(all, (size_t)u, sizeof *all, cmp_count);
    if (u > r->max_vocab)
        u = r->max_vocab;
    char(*vocab)[TOK_LEN] = calloc((size_t)u + 1, TOK_LEN);
    if (!vocab) {
        free(all);
        return cad_error_set(e, "out of memory");
    }
    strcpy(vocab[0], "rest");
    for (long i = 0; i < u; i++)
        strcpy(vocab[i + 1], all[i].tok);
    free(all);
    qsort(vocab + 1, (size_t)u, TOK_LEN, cmp_tok);
    return set_vocab(r, vocab, (int)u + 1, e);
}

static int no_vocab(const tok_repr *r, cad_error *e)
{
    return r->n_vocab < 2 ? cad_error_set(e, "tokens: no vocabulary; fit it "
                                             "on training pieces or load it "
                                             "from a model") : 0;
}

static int tok_encode(const cad_repr *rp, const cad_score *s, cad_seq *out,
                      cad_error *e)
{
    const tok_repr *r = (const tok_repr *)rp;
    if (no_vocab(r, e))
        return -1;
    long T = 1;
    if (s->n_notes)
        T = lround(s->notes[s->n_notes - 1].onset / r->step_beats) + 1;
    if (T > CAD_SEQ_MAX_STEPS)
        return cad_error_set(e, "a note at beat %g lies beyond %d tokens",
                             s->notes[s->n_notes - 1].onset, CAD_SEQ_MAX_STEPS);
    if (cad_seq_init(out, (int)T, 1, e))
        return -1;
    int shift = key_shift(r, s), i = 0;
    tok_group g;
    char tok[TOK_LEN];
    while (next_group(r, s, shift, &i, &g)) {
        group_token(r, &g, tok);
        out->v[g.step] = (float)tok_lookup(r, tok);
    }
    return 0;
}

static int tok_decode(const cad_repr *rp, const cad_seq *q, cad_score *out,
                      cad_error *e)
{
    const tok_repr *r = (const tok_repr *)rp;
    if (q->width != 1)
        return cad_error_set(e, "a sequence of width %d is not tokens", q->width);
    if (cad_score_init(out, e))
        return -1;
    for (long t = 0; t < q->T; t++) {
        float v = q->v[t];
        if (!(v >= 0 && lroundf(v) < r->n_vocab)) {
            cad_score_free(out);
            return cad_error_set(e, "step %ld: class %g is not one of %d "
                                    "tokens", t, v, r->n_vocab);
        }
        if (push_token(r, (int)lroundf(v), t, out, e)) {
            cad_score_free(out);
            return -1;
        }
    }
    cad_score_sort(out);
    return 0;
}

/* The same tokens, straight from the groups to notes: no sequence. */
static int tok_expressible(const cad_repr *rp, const cad_score *in,
                           cad_score *out, cad_error *e)
{
    const tok_repr *r = (const tok_repr *)rp;
    if (no_vocab(r, e) || cad_score_init(out, e))
        return -1;
    int shift = key_shift(r, in), i = 0;
    tok_group g;
    char tok[TOK_LEN];
    while (next_group(r, in, shift, &i, &g)) {
        group_token(r, &g, tok);
        if (push_token(r, tok_lookup(r, tok), g.step, out, e)) {
            cad_score_free(out);
            return -1;
        }
    }
    cad_score_sort(out);
    return 0;
}

static int tok_save(const cad_repr *rp, cad_st_file *f, cad_error *e)
{
    const tok_repr *r = (const tok_repr *)rp;
    char *s = malloc((size_t)r->n_vocab * TOK_LEN + 1);
    if (!s)
        return cad_error_set(e, "out of memory");
    size_t at = 0;
    for (int i = 0; i < r->n_vocab; i++) {
        size_t len = strlen(r->vocab[i]);
        memcpy(s + at, r->vocab[i], len);
        at += len;
        s[at++] = i + 1 < r->n_vocab ? ' ' : '\0';
    }
    int rc = cad_st_set_meta(f, "representation", "tokens", e) ||
             cad_repr_save_opt(f, "step_beats", r->step_beats, e) ||
             cad_repr_save_opt(f, "max_beats", r->max_beats, e) ||
             cad_repr_save_opt(f, "transpose", r->transpose, e) ||
             cad_repr_save_opt(f, "chord_octave", r->chord_octave, e) ||
             cad_repr_save_opt(f, "velocity", r->velocity, e) ||
             cad_repr_save_opt(f, "max_vocab", r->max_vocab, e) ||
             cad_st_set_meta(f, "repr.vocab", s, e) ? -1 : 0;
    free(s);
    return rc;
}

const cad_repr_kind cad_repr_tokens = {
    .name = "tokens",
    .unit = "token",
    .create = tok_create,
    .fit = tok_fit,
    .expressible = tok_expressible,
    .encode = tok_encode,
    .decode = tok_decode,
    .save = tok_save,
    .drops = "the key (moved to C major / A minor), velocity, parts, tempo "
             "and metre, timing finer than 0.25 beat, all but the longest "
             "of notes struck together, and the octave and voicing of chords "
             "(rebuilt in close position from octave 3)",
    .free = tok_free,
};
