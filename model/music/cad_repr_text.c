/* Text (seed 000, see cad_repr.h): a score as lines of text a person can
 * read and edit, modelled one character at a time. A waltz's first bars:
 *
 *   step 0.25
 *   tempo 120
 *   metre 3/4
 *   | D3+F#3+A3:3+D5:1 . . . E5:0.5 . F#5:0.5 . G5:1 . . .
 *   | G3+B3+D4:3+B4:2 . . . . . . . A4:1 . . .
 *
 * The grammar, line by line ("%" starts a comment, to the end of the
 * line; blank lines do not count):
 *   step B      the grid, in quarter notes: one item per B (0.25); only
 *               before the first bar;
 *   tempo BPM   quarter notes per minute, from the next bar on;
 *   metre N/D   the bars from the next one on (N 1..64, D 1..32);
 *   | ITEM ...  a bar: one item per step of the bar, separated by spaces.
 *               An item is "." (nothing starts) or the notes starting on
 *               that step joined by "+": a note is its name, sharps only
 *               (flats read too), its octave (C4 = MIDI 60) and ":LENGTH"
 *               in quarter notes; a note written without a length has
 *               that of the next note in the item (so a chord of equal
 *               notes is "C4+E4+G4:1"). Notes go upward in pitch.
 * A bar holds as many items as steps fit in it (12 of 0.25 in 3/4). Its
 * notes sound from the bar's start onward; a bar's items past its length
 * are skipped, a short bar ends in silence, so each bar line puts the
 * time right again.
 *
 * Decoding is lenient, for text a model wrote: what does not parse (a
 * line, an item, a note) is skipped and counted in cad_text_report; it
 * never fails on garbage. Encoding writes the header, then a metre or
 * tempo line only where it changes.
 *
 * Drops: velocity (decoded at `velocity`), parts (merged; a key struck
 * twice at once is one note, the longer), timing finer than the step,
 * lengths beyond max_beats (16), tempo and metre changes inside a bar
 * (they take effect at the next bar line), the bars after the last onset.
 * It keeps the key, the octave and every note of a chord, unlike tokens.
 *
 * Characters: the class field "char" covers newline and printable ASCII
 * (96 classes) until fit(): fitted on music it is the 33 characters the
 * grammar writes; cad_text_fit_bytes fits it to a plain text (the seed's
 * Shakespeare). Saved as "repr.chars". */
#include "cad_repr_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every character the grammar writes, in byte order. */
static const char text_alphabet[] = "\n #+-./0123456789:ABCDEFGemoprst|";

typedef struct {
    cad_repr base;
    cad_text_opts o;
    char chars[97];   /* class -> byte, NUL-terminated */
    int n_chars;
    short cls[256];   /* byte -> class, -1 for none */
} text_repr;

void cad_text_opts_default(cad_text_opts *o)
{
    *o = (cad_text_opts){0.25, 16, 80};
}

/* ---- notes on the grid ----------------------------------------------- */

typedef struct {
    long step, len; /* onset and length in steps */
    int pitch;
} text_note;

static int cmp_text_note(const void *pa, const void *pb)
{
    const text_note *a = pa, *b = pb;
    if (a->step != b->step)
        return a->step < b->step ? -1 : 1;
    if (a->pitch != b->pitch)
        return a->pitch - b->pitch;
    return (a->len < b->len) - (a->len > b->len); /* longest first */
}

/* The score's notes on the grid, unisons merged, sorted. */
static int quantize(const cad_score *s, const cad_text_opts *o, text_note **out,
                    int *n, cad_error *e)
{
    text_note *q = malloc(sizeof *q * (size_t)(s->n_notes + 1));
    if (!q)
        return cad_error_set(e, "out of memory");
    long max_len = lround(o->max_beats / o->step_beats);
    for (int i = 0; i < s->n_notes; i++) {
        const cad_note *nt = &s->notes[i];
        long a = lround(nt->onset / o->step_beats);
        long d = lround((nt->onset + nt->duration) / o->step_beats) - a;
        q[i] = (text_note){a, d < 1 ? 1 : d > max_len ? max_len : d, nt->pitch};
        if (a > CAD_SEQ_MAX_STEPS) { /* its text would take gigabytes */
            free(q);
            return cad_error_set(e, "a note at beat %g lies beyond %d steps",
                                 nt->onset, CAD_SEQ_MAX_STEPS);
        }
    }
    qsort(q, (size_t)s->n_notes, sizeof *q, cmp_text_note);
    int m = 0;
    for (int i = 0; i < s->n_notes; i++)
        if (!m || q[m - 1].step != q[i].step || q[m - 1].pitch != q[i].pitch)
            q[m++] = q[i];
    *out = q;
    *n = m;
    return 0;
}

/* ---- bars ------------------------------------------------------------- */

static int metre_ok(int num, int den)
{
    return num >= 1 && num <= 64 && den >= 1 && den <= 32 && !(den & (den - 1));
}

static double number_of(const char *printed) { return strtod(printed, NULL); }

/* The metre and tempo of the bar starting at `beat`: the last changes at
 * or before it (a change inside a bar waits for the next). */
static void bar_at(const cad_score *s, double beat, cad_meter *m, double *bpm)
{
    int i = 0, j = 0;
    while (i + 1 < s->n_meter && s->meter[i + 1].beat <= beat + 1e-9)
        i++;
    while (j + 1 < s->n_tempo && s->tempo[j + 1].beat <= beat + 1e-9)
        j++;
    *m = s->meter[i];
    if (!metre_ok(m->numerator, m->denominator))
        *m = (cad_meter){0, 4, 4};
    char b[32];
    double t = s->tempo[j].bpm;
    snprintf(b, sizeof b, "%.6g", t >= 1 && t <= 1e5 ? t : 120.0);
    *bpm = number_of(b); /* as the text will say it */
}

/* ---- rendering -------------------------------------------------------- */

typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} text_buf;

static void put(text_buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->n;
        va_start(ap, fmt);
        int k = b->oom ? 0 : vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (b->oom || (size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? 2 * b->cap : 4096;
        while (cap - b->n <= (size_t)k)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

/* A length in quarter notes, as few digits as it takes: 1, 0.5, 0.75. */
static void put_beats(text_buf *b, double beats)
{
    char s[32];
    snprintf(s, sizeof s, "%.4f", beats);
    char *p = s + strlen(s) - 1;
    while (*p == '0')
        *p-- = '\0';
    if (*p == '.')
        *p = '\0';
    put(b, "%s", s);
}

static const char *const text_names[12] = {"C", "C#", "D", "D#", "E", "F",
                                           "F#", "G", "G#", "A", "A#", "B"};

int cad_text_render(const cad_score *s, const cad_text_opts *o, char **out,
                    size_t *len, cad_error *e)
{
    text_note *q;
    int n;
    if (quantize(s, o, &q, &n, e))
        return -1;
    text_buf b = {0};
    cad_meter m, prev_m = {0, 0, 0};
    double bpm, prev_bpm = -1, beat = 0;
    put(&b, "step %.17g\n", o->step_beats); /* exact: 0.25, 0.33333333333333331 */
    bar_at(s, 0, &m, &bpm); /* the header, even for no bars */
    put(&b, "tempo %.6g\nmetre %d/%d\n", bpm, m.numerator, m.denominator);
    prev_m = m;
    prev_bpm = bpm;
    long last = n ? q[n - 1].step : -1;
    for (int i = 0; !b.oom;) {
        long s0 = lround(beat / o->step_beats);
        if (s0 > last)
            break;
        bar_at(s, beat, &m, &bpm);
        if (m.numerator != prev_m.numerator || m.denominator != prev_m.denominator)
            put(&b, "metre %d/%d\n", m.numerator, m.denominator);
        if (bpm != prev_bpm)
            put(&b, "tempo %.6g\n", bpm);
        prev_m = m;
        prev_bpm = bpm;
        beat += cad_meter_bar_beats(&m);
        long s1 = lround(beat / o->step_beats);
        put(&b, "|");
        for (long t = s0; t < s1; t++) {
            put(&b, " ");
            if (i == n || q[i].step != t) {
                put(&b, ".");
                continue;
            }
            for (int first = i; i < n && q[i].step == t; i++) {
                put(&b, "%s%s%d", i > first ? "+" : "", text_names[q[i].pitch % 12],
                    q[i].pitch / 12 - 1);
                if (i + 1 == n || q[i + 1].step != t || q[i + 1].len != q[i].len) {
                    put(&b, ":");
                    put_beats(&b, q[i].len * o->step_beats);
                }
            }
        }
        put(&b, "\n");
    }
    free(q);
    if (b.oom) {
        free(b.p);
        return cad_error_set(e, "out of memory for the text of %d notes", n);
    }
    *out = b.p;
    *len = b.n;
    return 0;
}

/* ---- parsing ---------------------------------------------------------- */

/* A whole number or decimal in [lo, hi] and nothing else; -1 if not. */
static int parse_number(const char *s, size_t n, double lo, double hi,
                        double *out)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
            return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* "C#4:0.5" or "Bb3" (length -1: take the next one's); -1 if not a note. */
static int parse_note(const char *s, size_t n, double step, long max_len,
                      int *pitch, long *len)
{
    static const int pcs[7] = {9, 11, 0, 2, 4, 5, 7}; /* A..G */
    size_t i = 0;
    char c = n ? s[0] : 0;
    if (c >= 'a' && c <= 'g')
        c = (char)(c - 'a' + 'A');
    if (c < 'A' || c > 'G')
        return -1;
    int p = pcs[c - 'A'];
    i = 1;
    if (i < n && (s[i] == '#' || s[i] == 'b'))
        p += s[i++] == '#' ? 1 : -1;
    int neg = i < n && s[i] == '-';
    i += (size_t)neg;
    if (i == n || s[i] < '0' || s[i] > '9' || (i + 1 < n && s[i + 1] >= '0' &&
                                               s[i + 1] <= '9'))
        return -1; /* one digit of octave: -1..9 */
    int octave = neg ? -(s[i] - '0') : s[i] - '0';
    p += 12 * (octave + 1);
    i++;
    if (p < 0 || p > 127)
        return -1;
    *pitch = p;
    *len = -1;
    if (i == n)
        return 0;
    double beats;
    if (s[i] != ':' || parse_number(s + i + 1, n - i - 1, 0, 1e6, &beats))
        return -1;
    *len = lround(beats / step);
    if (*len < 1)
        return -1;
    if (*len > max_len)
        *len = max_len;
    return 0;
}

typedef struct {
    const cad_text_opts *o;
    double step;
    cad_score *s;
    cad_text_report *rep;
    cad_tempo *tempo;
    cad_meter *meter;
    int n_tempo, n_meter;
    double beat;    /* where the next bar starts */
    long bars;
} text_parser;

/* One item of a bar at step t: its notes, lengths filled from the right. */
static int parse_item(text_parser *ps, const char *s, size_t n, long t,
                      cad_error *e)
{
    ps->rep->items++;
    if (n == 1 && s[0] == '.')
        return 0;
    int pitch[128], k = 0, bad = 0;
    long len[128], max_len = lround(ps->o->max_beats / ps->step);
    for (size_t a = 0; a <= n;) {
        size_t b = a;
        while (b < n && s[b] != '+')
            b++;
        if (k < 128 && parse_note(s + a, b - a, ps->step, max_len, &pitch[k],
                                 &len[k]) == 0)
            k++;
        else
            bad++;
        a = b + 1;
    }
    ps->rep->notes_skipped += bad;
    if (!k)
        ps->rep->items_skipped++;
    long carry = 1;
    for (int i = k - 1; i >= 0; i--)
        len[i] = len[i] > 0 ? (carry = len[i]) : carry;
    for (int i = 0; i < k; i++) {
        cad_note nt = {t * ps->step, len[i] * ps->step, (uint8_t)pitch[i],
                       (uint8_t)ps->o->velocity, 0};
        if (cad_score_push(ps->s, &nt, e))
            return -1;
        ps->rep->notes++;
    }
    return 0;
}

static int parse_bar(text_parser *ps, const char *s, size_t n, cad_error *e)
{
    const cad_meter *m = &ps->meter[ps->n_meter - 1];
    double end = ps->beat + cad_meter_bar_beats(m);
    long s0 = lround(ps->beat / ps->step), s1 = lround(end / ps->step);
    long t = s0;
    for (size_t a = 1; a < n;) { /* after the "|" */
        while (a < n && (s[a] == ' ' || s[a] == '\t'))
            a++;
        size_t b = a;
        while (b < n && s[b] != ' ' && s[b] != '\t')
            b++;
        if (b > a && !(b - a == 1 && s[a] == '|')) { /* a closing "|" is fine */
            if (t < s1) {
                if (parse_item(ps, s + a, b - a, t, e))
                    return -1;
            } else {
                ps->rep->items++;
                ps->rep->items_skipped++;
            }
            t++;
        }
        a = b;
    }
    ps->beat = end;
    ps->bars++;
    return 0;
}

static int starts(const char *s, size_t n, const char *word)
{
    size_t k = strlen(word);
    return n > k && memcmp(s, word, k) == 0 && s[k] == ' ';
}

/* A header line; -1 if it is not one this parser can take here. */
static int parse_setting(text_parser *ps, const char *s, size_t n)
{
    double v, den;
    if (starts(s, n, "step") && ps->bars == 0 &&
        parse_number(s + 5, n - 5, 1.0 / 64, 4, &v) == 0) {
        ps->step = v;
        return 0;
    }
    if (starts(s, n, "tempo") && parse_number(s + 6, n - 6, 1, 1e5, &v) == 0) {
        if (ps->tempo[ps->n_tempo - 1].beat < ps->beat) {
            if (ps->n_tempo == CAD_SCORE_MAX_CHANGES)
                return -1;
            ps->n_tempo++;
        }
        ps->tempo[ps->n_tempo - 1] = (cad_tempo){ps->beat, v};
        return 0;
    }
    const char *slash = memchr(s, '/', n);
    if (starts(s, n, "metre") && slash &&
        parse_number(s + 6, (size_t)(slash - s - 6), 1, 64, &v) == 0 &&
        parse_number(slash + 1, (size_t)(s + n - slash - 1), 1, 32, &den) == 0 &&
        v == floor(v) && metre_ok((int)v, (int)den) && den == floor(den)) {
        if (ps->meter[ps->n_meter - 1].beat < ps->beat) {
            if (ps->n_meter == CAD_SCORE_MAX_CHANGES)
                return -1;
            ps->n_meter++;
        }
        ps->meter[ps->n_meter - 1] = (cad_meter){ps->beat, (int)v, (int)den};
        return 0;
    }
    return -1;
}

int cad_text_parse(const char *text, size_t len, const cad_text_opts *o,
                   cad_score *out, cad_text_report *rep, cad_error *e)
{
    cad_text_report spare;
    rep = rep ? rep : &spare;
    memset(rep, 0, sizeof *rep);
    text_parser ps = {o, o->step_beats, out, rep, NULL, NULL, 1, 1, 0, 0};
    if (cad_score_init(out, e))
        return -1;
    ps.tempo = malloc(sizeof *ps.tempo * CAD_SCORE_MAX_CHANGES);
    ps.meter = malloc(sizeof *ps.meter * CAD_SCORE_MAX_CHANGES);
    int rc = ps.tempo && ps.meter ? 0 : cad_error_set(e, "out of memory");
    if (!rc) {
        ps.tempo[0] = (cad_tempo){0, 120};
        ps.meter[0] = (cad_meter){0, 4, 4};
    }
    for (size_t a = 0; a < len && !rc;) {
        size_t b = a;
        while (b < len && text[b] != '\n')
            b++;
        const char *s = text + a;
        const char *pct = memchr(s, '%', b - a);
        size_t n = pct ? (size_t)(pct - s) : b - a;
        a = b + 1;
        while (n && (*s == ' ' || *s == '\t'))
            s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        rep->lines++;
        if (*s == '|')
            rc = parse_bar(&ps, s, n, e);
        else if (parse_setting(&ps, s, n))
            rep->lines_skipped++;
    }
    if (!rc)
        rc = cad_score_set_tempo(out, ps.tempo, ps.n_tempo, e) ||
             cad_score_set_meter(out, ps.meter, ps.n_meter, e);
    free(ps.tempo);
    free(ps.meter);
    if (rc) {
        cad_score_free(out);
        return -1;
    }
    cad_score_sort(out);
    return 0;
}

/* ---- the representation ---------------------------------------------- */

static int set_chars(text_repr *r, const char *chars, cad_error *e)
{
    size_t n = strlen(chars);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)chars[i];
        if ((c != '\n' && (c < 32 || c > 126)) ||
            (i && c <= (unsigned char)chars[i - 1]))
            return cad_error_set(e, "the characters of a text model must be "
                                    "newline and printable ASCII in byte "
                                    "order, once each (byte %d at %zu)", c, i);
    }
    if (n == 0)
        return cad_error_set(e, "a text model needs at least one character");
    memcpy(r->chars, chars, n + 1);
    r->n_chars = (int)n;
    for (int c = 0; c < 256; c++)
        r->cls[c] = -1;
    for (size_t i = 0; i < n; i++)
        r->cls[(unsigned char)chars[i]] = (short)i;
    r->base.layout.field[0].size = (int)n;
    return 0;
}

static void text_free(cad_repr *r) { free(r); }

extern const cad_repr_kind cad_repr_text;

static int text_create(const cad_st_file *f, cad_repr **out, cad_error *e)
{
    static const char *const known[] = {"step_beats", "max_beats", "velocity",
                                        "chars", NULL};
    double step, maxb, vel;
    if (cad_repr_check_opts(f, known, e) ||
        cad_repr_opt(f, "step_beats", NULL, 0.25, 1.0 / 64, 4, &step, e) ||
        cad_repr_opt(f, "max_beats", NULL, 16, 1.0 / 64, 64, &maxb, e) ||
        cad_repr_opt(f, "velocity", NULL, 80, 1, 127, &vel, e))
        return -1;
    if (maxb < step)
        return cad_error_set(e, "max_beats %g is shorter than a step", maxb);
    text_repr *r = calloc(1, sizeof *r);
    if (!r)
        return cad_error_set(e, "out of memory");
    r->base.kind = &cad_repr_text;
    r->o = (cad_text_opts){step, maxb, (int)vel};
    char all[97];
    all[0] = '\n';
    for (int c = 32; c <= 126; c++)
        all[c - 31] = (char)c;
    all[96] = '\0';
    const char *chars = f ? cad_st_meta(f, "repr.chars") : NULL;
    cad_layout_add(&r->base.layout, "char", CAD_FIELD_CLASS, 1, e);
    if (set_chars(r, chars ? chars : all, e)) {
        free(r);
        return -1;
    }
    *out = &r->base;
    return 0;
}

/* Fitted on music: the characters its grammar writes, whatever the pieces. */
static int text_fit(cad_repr *rp, const cad_score *pieces, int n, cad_error *e)
{
    (void)pieces;
    (void)n;
    return set_chars((text_repr *)rp, text_alphabet, e);
}

int cad_text_fit_bytes(cad_repr *rp, const uint8_t *bytes, size_t n,
                       cad_error *e)
{
    if (rp->kind != &cad_repr_text)
        return cad_error_set(e, "not a text representation");
    char seen[256] = {0}, chars[97];
    for (size_t i = 0; i < n; i++)
        seen[bytes[i]] = 1;
    int k = 0;
    for (int c = 0; c < 256; c++)
        if (seen[c] && (c == '\n' || (c >= 32 && c <= 126)))
            chars[k++] = (char)c;
    chars[k] = '\0';
    return set_chars((text_repr *)rp, chars, e);
}

int cad_text_encode_bytes(const cad_repr *rp, const uint8_t *bytes, size_t n,
                          cad_seq *out, cad_error *e)
{
    const text_repr *r = (const text_repr *)rp;
    if (rp->kind != &cad_repr_text)
        return cad_error_set(e, "not a text representation");
    if (n > CAD_SEQ_MAX_STEPS)
        return cad_error_set(e, "%zu characters are more than a sequence "
                                "holds (%d)", n, CAD_SEQ_MAX_STEPS);
    if (cad_seq_init(out, n ? (int)n : 1, 1, e))
        return -1;
    int unknown = r->cls[' '] >= 0 ? r->cls[' '] : 0;
    for (size_t i = 0; i < n; i++)
        out->v[i] = (float)(r->cls[bytes[i]] >= 0 ? r->cls[bytes[i]] : unknown);
    if (!n) /* an empty text is one newline: sequences have a step */
        out->v[0] = (float)(r->cls['\n'] >= 0 ? r->cls['\n'] : unknown);
    return 0;
}

int cad_text_decode_bytes(const cad_repr *rp, const cad_seq *q, char **out,
                          size_t *n, cad_error *e)
{
    const text_repr *r = (const text_repr *)rp;
    if (rp->kind != &cad_repr_text || q->width != 1)
        return cad_error_set(e, "a sequence of width %d is not text", q->width);
    char *s = malloc((size_t)q->T + 1);
    if (!s)
        return cad_error_set(e, "out of memory");
    for (int t = 0; t < q->T; t++) {
        float v = q->v[t];
        if (!(v >= 0 && lroundf(v) < r->n_chars)) {
            free(s);
            return cad_error_set(e, "step %d: class %g is not one of %d "
                                    "characters", t, v, r->n_chars);
        }
        s[t] = r->chars[lroundf(v)];
    }
    s[q->T] = '\0';
    *out = s;
    *n = (size_t)q->T;
    return 0;
}

static int text_encode(const cad_repr *rp, const cad_score *s, cad_seq *out,
                       cad_error *e)
{
    char *t;
    size_t n;
    if (cad_text_render(s, &((const text_repr *)rp)->o, &t, &n, e))
        return -1;
    int rc = cad_text_encode_bytes(rp, (const uint8_t *)t, n, out, e);
    free(t);
    return rc;
}

static int text_decode(const cad_repr *rp, const cad_seq *q, cad_score *out,
                       cad_error *e)
{
    char *t;
    size_t n;
    if (cad_text_decode_bytes(rp, q, &t, &n, e))
        return -1;
    int rc = cad_text_parse(t, n, &((const text_repr *)rp)->o, out, NULL, e);
    free(t);
    return rc;
}

/* Without the text: the grid's notes, and the bars' metres and tempi. */
static int text_expressible(const cad_repr *rp, const cad_score *in,
                            cad_score *out, cad_error *e)
{
    const cad_text_opts *o = &((const text_repr *)rp)->o;
    text_note *q;
    int n, rc = 0;
    if (cad_score_init(out, e))
        return -1;
    if (quantize(in, o, &q, &n, e)) {
        cad_score_free(out);
        return -1;
    }
    for (int i = 0; i < n && !rc; i++) {
        cad_note nt = {q[i].step * o->step_beats, q[i].len * o->step_beats,
                       (uint8_t)q[i].pitch, (uint8_t)o->velocity, 0};
        rc = cad_score_push(out, &nt, e);
    }
    long last = n ? q[n - 1].step : -1;
    free(q);
    int nm = 1, nt = 1;
    cad_meter *m = malloc(sizeof *m * CAD_SCORE_MAX_CHANGES);
    cad_tempo *t = malloc(sizeof *t * CAD_SCORE_MAX_CHANGES);
    if (!rc && (!m || !t))
        rc = cad_error_set(e, "out of memory");
    double beat = 0, bpm;
    if (!rc) {
        bar_at(in, 0, &m[0], &t[0].bpm);
        m[0].beat = t[0].beat = 0;
    }
    while (!rc && lround(beat / o->step_beats) <= last) {
        cad_meter bm;
        bar_at(in, beat, &bm, &bpm);
        if (bm.numerator != m[nm - 1].numerator ||
            bm.denominator != m[nm - 1].denominator) {
            if (nm < CAD_SCORE_MAX_CHANGES)
                nm++;
            m[nm - 1] = (cad_meter){beat, bm.numerator, bm.denominator};
        }
        if (bpm != t[nt - 1].bpm) {
            if (nt < CAD_SCORE_MAX_CHANGES)
                nt++;
            t[nt - 1] = (cad_tempo){beat, bpm};
        }
        beat += cad_meter_bar_beats(&bm);
    }
    if (!rc)
        rc = cad_score_set_meter(out, m, nm, e) || cad_score_set_tempo(out, t, nt, e);
    free(m);
    free(t);
    if (rc) {
        cad_score_free(out);
        return -1;
    }
    cad_score_sort(out);
    return 0;
}

static int text_save(const cad_repr *rp, cad_st_file *f, cad_error *e)
{
    const text_repr *r = (const text_repr *)rp;
    return cad_st_set_meta(f, "representation", "text", e) ||
           cad_repr_save_opt(f, "step_beats", r->o.step_beats, e) ||
           cad_repr_save_opt(f, "max_beats", r->o.max_beats, e) ||
           cad_repr_save_opt(f, "velocity", r->o.velocity, e) ||
           cad_st_set_meta(f, "repr.chars", r->chars, e) ? -1 : 0;
}

const cad_repr_kind cad_repr_text = {
    .name = "text",
    .unit = "character",
    .create = text_create,
    .fit = text_fit,
    .expressible = text_expressible,
    .encode = text_encode,
    .decode = text_decode,
    .save = text_save,
    .drops = "velocity, parts (merged), timing finer than 0.25 beat, notes "
             "longer than 16 beats (cut), tempo and metre changes inside a "
             "bar (moved to the next bar line), bars after the last note",
    .free = text_free,
};
