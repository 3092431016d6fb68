/* The tokens representation (model/music/cad_repr_tokens.c) on pieces
 * whose tokens are known by hand: the token strings and vocabulary, normal
 * order, transposition to C major / A minor (key signature and estimate),
 * voicings that give one token, the unknown-token policy, the vocabulary
 * through a real model file, and options a file may not have. The generic
 * round trip is in test_repr.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_repr.h"
#include "cad_test.h"

typedef struct {
    double onset, duration;
    int pitch;
} hand_note;

/* A score from notes; sharps > -8 sets a key signature. */
static void make(cad_score *s, const hand_note *n, int count, int sharps,
                 int minor)
{
    cad_error e;
    cad_score_init(s, &e);
    for (int i = 0; i < count; i++) {
        cad_note nt = {n[i].onset, n[i].duration, (uint8_t)n[i].pitch, 90,
                       (uint8_t)(i % 2)};
        CHECK(cad_score_push(s, &nt, &e) == 0);
    }
    cad_score_sort(s);
    if (sharps > -8) {
        s->has_key = 1;
        s->key_sharps = sharps;
        s->key_minor = minor;
    }
}

static cad_repr *fitted(const cad_score *pieces, int n, cad_st_file *meta)
{
    cad_error e;
    cad_repr *r = NULL;
    CHECK(cad_repr_find("tokens")->create(meta, &r, &e) == 0);
    if (r && r->kind->fit(r, pieces, n, &e))
        CHECKF(0, "fit: %s", e.msg);
    return r;
}

/* The token of each step, as the vocabulary spells it, joined by spaces
 * with runs of rests counted: "C4$1.0 rest*3 ...". */
static void token_string(cad_repr *r, const cad_score *s, char *out, size_t cap)
{
    cad_error e;
    cad_st_file meta = {0};
    cad_seq q = {0};
    CHECK(r->kind->save(r, &meta, &e) == 0);
    CHECK(r->kind->encode(r, s, &q, &e) == 0);
    const char *v = cad_st_meta(&meta, "repr.vocab");
    char *vocab = strdup(v ? v : ""), *tok[256];
    int n = 0;
    for (char *p = strtok(vocab, " "); p && n < 256; p = strtok(NULL, " "))
        tok[n++] = p;
    size_t at = 0;
    out[0] = '\0';
    for (int t = 0; t < q.T; t++) {
        int c = (int)q.v[t], run = 1;
        while (c == 0 && t + 1 < q.T && q.v[t + 1] == 0)
            run++, t++;
        if (run > 1)
            at += (size_t)snprintf(out + at, cap - at, "%srest*%d", at ? " " : "", run);
        else
            at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? " " : "",
                                   c < n ? tok[c] : "?");
    }
    free(vocab);
    cad_seq_free(&q);
    cad_st_free(&meta);
}

static void test_known_tokens(void)
{
    /* C major by its key signature: not moved */
    const hand_note n[] = {
        {0, 1, 60},                                          /* C4 */
        {1, 2, 48}, {1, 0.5, 52}, {1, 1, 55},                /* C E G */
        {3.25, 0.25, 66},                                    /* F#4 */
        {4, 1, 43}, {4, 1, 47}, {4, 1, 50}, {4, 1, 53},      /* G7 */
        {5.1, 0.3, 64},                                      /* E4, off grid */
    };
    cad_score s;
    make(&s, n, 10, 0, 0);
    cad_repr *r = fitted(&s, 1, NULL);
    char got[1024];
    token_string(r, &s, got, sizeof got);
    const char *want = "C4$1.0 rest*3 0.4.7$2.0 rest*8 F#4$0.25 rest*2 "
                       "11.2.5.7$1.0 rest*3 E4$0.5";
    CHECKF(strcmp(got, want) == 0, "tokens\n  %s\nwant\n  %s", got, want);
    cad_error e;
    cad_st_file meta = {0};
    r->kind->save(r, &meta, &e);
    const char *v = cad_st_meta(&meta, "repr.vocab");
    CHECKF(v && strcmp(v, "rest 0.4.7$2.0 11.2.5.7$1.0 C4$1.0 E4$0.5 F#4$0.25") == 0,
           "vocabulary '%s'", v ? v : "(none)");
    CHECK(r->layout.n_fields == 1 && r->layout.field[0].kind == CAD_FIELD_CLASS &&
          r->layout.field[0].size == 6 && strcmp(r->layout.field[0].name, "token") == 0);
    /* decoded: the G7 in close position upward from B3 (octave 3) */
    cad_seq q;
    cad_score d;
    CHECK(r->kind->encode(r, &s, &q, &e) == 0 && r->kind->decode(r, &q, &d, &e) == 0);
    int want_p[] = {60, 48, 52, 55, 66, 59, 62, 65, 67, 64};
    double want_on[] = {0, 1, 1, 1, 3.25, 4, 4, 4, 4, 5};
    CHECKF(d.n_notes == 10, "%d notes decoded", d.n_notes);
    for (int i = 0; i < d.n_notes && i < 10; i++)
        CHECKF(d.notes[i].pitch == want_p[i] && d.notes[i].onset == want_on[i] &&
                   d.notes[i].velocity == 80 && d.notes[i].part == 0,
               "note %d: %g p%d", i, d.notes[i].onset, d.notes[i].pitch);
    CHECK(d.n_notes == 10 && d.notes[9].duration == 0.5 && d.notes[1].duration == 2);
    cad_score_free(&d);
    cad_seq_free(&q);
    cad_st_free(&meta);
    cad_repr_free(r);
    cad_score_free(&s);
}

/* Normal order: the smallest span, then packed to the left, then the
 * lowest first pitch class. */
static void test_normal_order(void)
{
    const int chords[][5] = {
        {60, 64, 67, -1},      /* C major: 0.4.7 */
        {55, 59, 62, 65, -1},  /* G7: 11.2.5.7 */
        {60, 63, 66, 69, -1},  /* diminished 7th: all spans tie: 0.3.6.9 */
        {60, 66, -1},          /* tritone: 0.6 */
        {60, 64, 68, -1},      /* augmented: 0.4.8 */
        {57, 60, 64, -1},      /* A minor: 9.0.4 */
        {62, 65, 69, 72, -1},  /* D minor 7th {2,5,9,0}: 9.0.2.5 (span 8) */
        {60, 62, 67, -1},      /* {0,2,7}: 0.2.7 and 7.0.2 both span 7;
                                  packed to the left: 0.2.7 */
        {48, 60, 72, -1},      /* octaves of C: one pitch class, "0" */
    };
    const char *want = "0.4.7$1.0 rest*3 11.2.5.7$1.0 rest*3 0.3.6.9$1.0 "
                       "rest*3 0.6$1.0 rest*3 0.4.8$1.0 rest*3 9.0.4$1.0 "
                       "rest*3 9.0.2.5$1.0 rest*3 0.2.7$1.0 rest*3 0$1.0";
    hand_note n[64];
    int k = 0;
    for (int c = 0; c < 9; c++)
        for (int j = 0; chords[c][j] >= 0; j++)
            n[k++] = (hand_note){c, 1, chords[c][j]};
    cad_score s;
    make(&s, n, k, -8, 0);
    cad_st_file f = {0};
    cad_error e;
    cad_st_set_meta(&f, "repr.transpose", "0", &e);
    cad_repr *r = fitted(&s, 1, &f);
    char got[1024];
    token_string(r, &s, got, sizeof got);
    CHECKF(strcmp(got, want) == 0, "normal order\n  %s\nwant\n  %s", got, want);
    cad_repr_free(r);
    cad_st_free(&f);
    cad_score_free(&s);
}

/* The same C major chord in four voicings: one token, one class. */
static void test_voicings(void)
{
    const hand_note v[4][4] = {
        {{0, 1, 48}, {0, 1, 52}, {0, 1, 55}, {0, 1, 55}},  /* root position */
        {{0, 1, 52}, {0, 1, 55}, {0, 1, 60}, {0, 1, 60}},  /* first inversion */
        {{0, 1, 43}, {0, 1, 60}, {0, 1, 76}, {0, 1, 76}},  /* open, wide */
        {{0, 1, 48}, {0, 1, 55}, {0, 1, 60}, {0, 1, 64}},  /* doubled root */
    };
    cad_score s[4];
    for (int i = 0; i < 4; i++)
        make(&s[i], v[i], 4, 0, 0);
    cad_repr *r = fitted(s, 4, NULL);
    CHECKF(r->layout.field[0].size == 2, "%d classes for one chord",
           r->layout.field[0].size);
    for (int i = 0; i < 4; i++) {
        char got[256];
        token_string(r, &s[i], got, sizeof got);
        CHECKF(strcmp(got, "0.4.7$1.0") == 0, "voicing %d: %s", i, got);
        cad_score_free(&s[i]);
    }
    cad_repr_free(r);
}

/* G major and E minor by their key signature, G major by the estimate. */
static void test_transpose(void)
{
    const hand_note g[] = {{0, 1, 67}, {1, 1, 71}, {2, 1, 74}, {3, 1, 66},
                           {4, 2, 67}, {0, 4, 55}, {0, 4, 59}, {0, 4, 62}};
    cad_score s;
    char got[256];
    make(&s, g, 8, 1, 0);
    cad_repr *r = fitted(&s, 1, NULL);
    token_string(r, &s, got, sizeof got);
    /* G4 B4 D5 F#4 G4 -> C5 E5 G5 B4 C5; the G chord -> C */
    const char *want = "0.4.7$4.0 rest*3 E5$1.0 rest*3 G5$1.0 rest*3 B4$1.0 "
                       "rest*3 C5$2.0";
    CHECKF(strcmp(got, want) == 0, "G major by signature\n  %s\nwant\n  %s", got, want);
    cad_repr_free(r);
    /* no signature: the Krumhansl–Schmuckler estimate says G major */
    s.has_key = 0;
    r = fitted(&s, 1, NULL);
    token_string(r, &s, got, sizeof got);
    CHECKF(strcmp(got, want) == 0, "G major by estimate\n  %s\nwant\n  %s", got, want);
    cad_repr_free(r);
    /* transpose off: left in G */
    cad_error e;
    cad_st_file f = {0};
    cad_st_set_meta(&f, "repr.transpose", "0", &e);
    r = fitted(&s, 1, &f);
    token_string(r, &s, got, sizeof got);
    CHECKF(strncmp(got, "7.11.2$4.0 rest*3 B4$1.0", 24) == 0, "not moved: %s", got);
    cad_repr_free(r);
    cad_st_free(&f);
    cad_score_free(&s);
    /* E minor (one sharp, minor) goes to A minor: E4 -> A4 */
    const hand_note em[] = {{0, 1, 64}, {1, 1, 67}, {2, 1, 71}};
    make(&s, em, 3, 1, 1);
    r = fitted(&s, 1, NULL);
    token_string(r, &s, got, sizeof got);
    CHECKF(strcmp(got, "A4$1.0 rest*3 C5$1.0 rest*3 E5$1.0") == 0, "E minor: %s", got);
    cad_repr_free(r);
    cad_score_free(&s);
    /* F# major (six sharps) moves down 6, not up 6 */
    const hand_note fs[] = {{0, 1, 66}};
    make(&s, fs, 1, 6, 0);
    r = fitted(&s, 1, NULL);
    token_string(r, &s, got, sizeof got);
    CHECKF(strcmp(got, "C4$1.0") == 0, "F# major: %s", got);
    cad_repr_free(r);
    cad_score_free(&s);
}

/* Unknown tokens: the same pitch at the nearest known length (the shorter
 * on a tie), else a rest. */
static void test_unknown(void)
{
    const hand_note train[] = {{0, 1, 60}, {1, 2, 60}, {3, 1, 62}};
    const hand_note test[] = {{0, 1.5, 60}, {2, 1, 65}, {3, 3, 62}};
    cad_score a, b, d;
    make(&a, train, 3, 0, 0);
    make(&b, test, 3, 0, 0);
    cad_repr *r = fitted(&a, 1, NULL);
    char got[256];
    token_string(r, &b, got, sizeof got);
    CHECKF(strcmp(got, "C4$1.0 rest*11 D4$1.0") == 0, "unknown tokens: %s", got);
    cad_error e;
    cad_seq q;
    CHECK(r->kind->encode(r, &b, &q, &e) == 0 && r->kind->decode(r, &q, &d, &e) == 0);
    CHECK(d.n_notes == 2 && d.notes[0].duration == 1 && d.notes[1].pitch == 62);
    cad_score_free(&d);
    cad_seq_free(&q);
    /* classes outside the vocabulary are refused, not read past */
    cad_seq_init(&q, 2, 1, &e);
    q.v[1] = 4;
    CHECK(r->kind->decode(r, &q, &d, &e) != 0 && strstr(e.msg, "class"));
    q.v[1] = NAN;
    CHECK(r->kind->decode(r, &q, &d, &e) != 0);
    cad_seq_free(&q);
    cad_repr_free(r);
    /* before fit there is no vocabulary: a clear refusal */
    CHECK(cad_repr_find("tokens")->create(NULL, &r, &e) == 0);
    CHECK(r->kind->encode(r, &a, &q, &e) != 0 && strstr(e.msg, "vocabulary"));
    cad_repr_free(r);
    cad_score_free(&a);
    cad_score_free(&b);
}

/* The vocabulary through a real model file, and metadata a file may not
 * have. */
static void test_metadata(void)
{
    const hand_note n[] = {{0, 1, 60}, {1, 1, 64}, {1, 1, 67}, {2, 0.25, 61}};
    cad_score s;
    make(&s, n, 4, 0, 0);
    cad_repr *r = fitted(&s, 1, NULL), *back = NULL;
    cad_st_file f = {0}, g = {0};
    cad_error e;
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK(r->kind->save(r, &f, &e) == 0 && cad_st_serialize(&f, &buf, &len, &e) == 0);
    CHECK(cad_st_parse(buf, len, &g, &e) == 0);
    CHECK(cad_repr_from_meta(&g, &back, &e) == 0 && back &&
          back->layout.field[0].size == r->layout.field[0].size);
    char a[256], b[256];
    token_string(r, &s, a, sizeof a);
    if (back)
        token_string(back, &s, b, sizeof b);
    CHECKF(back && strcmp(a, b) == 0, "after a file: %s against %s", b, a);
    free(buf);
    cad_st_free(&f);
    cad_st_free(&g);
    cad_repr_free(back);
    cad_repr_free(r);
    cad_score_free(&s);
    const char *bad[][2] = {
        {"repr.vocab", "C4$1.0 rest"},          /* rest not first */
        {"repr.vocab", "rest D4$1.0 C4$1.0"},   /* not sorted */
        {"repr.vocab", "rest C4$1.0 C4$1.0"},   /* twice */
        {"repr.vocab", "rest H4$1.0"},          /* not a note */
        {"repr.vocab", "rest C4$0.0"},          /* no length */
        {"repr.vocab", "rest 0.12$1.0"},        /* not a pitch class */
        {"repr.vocab", "rest 0.0$1.0"},         /* a pitch class twice */
        {"repr.vocab", "rest C4$99.0"},         /* past max_beats */
        {"repr.vocab", "rest  C4$1.0"},         /* an empty token */
        {"repr.vocab", "rest C99999999999999999999$1.0"}, /* no such octave */
        {"repr.vocab", "rest 0.4.$1.0"},        /* a dot too many */
        {"repr.vocab", "rest +4.7$1.0"},        /* a sign */
        {"repr.vocab", "rest G#9$1.0"},         /* past MIDI 127 */
        {"repr.chord_octave", "9"},
        {"repr.max_beats", "0.1"},              /* shorter than a step */
        {"repr.colour", "1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cad_st_file h = {0};
        cad_repr *x = NULL;
        cad_st_set_meta(&h, "representation", "tokens", &e);
        cad_st_set_meta(&h, bad[i][0], bad[i][1], &e);
        CHECKF(cad_repr_from_meta(&h, &x, &e) != 0 && !x, "%s = '%s' accepted",
               bad[i][0], bad[i][1]);
        cad_repr_free(x);
        cad_st_free(&h);
    }
}

int main(void)
{
    test_known_tokens();
    test_normal_order();
    test_voicings();
    test_transpose();
    test_unknown();
    test_metadata();
    TEST_MAIN_END();
}
