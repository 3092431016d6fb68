/* The text representation (model/music/cad_repr_text.c): a hand-made
 * piece and the exact text it must print; that text read back (notes,
 * tempo and metre); text a person edited (flats, lower case, comments, a
 * closing bar line); real files through text and back with nothing
 * skipped; garbage that decodes without failing and counts what it
 * skipped; plain text bytes (the seed's Shakespeare) through the "char"
 * field; the vocabulary through a real model file. The generic round trip
 * is in test_repr.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_repr_text.h"
#include "cad_test.h"

static void push(cad_score *s, double onset, double dur, int pitch, int part)
{
    cad_error e;
    cad_note n = {onset, dur, (uint8_t)pitch, 100, (uint8_t)part};
    CHECK(cad_score_push(s, &n, &e) == 0);
}

/* Two bars of 3/4 at 100 bpm, a change to 90 bpm at beat 4 (inside the
 * second bar, so it takes effect at the third bar line, beat 6), then 2/4
 * from beat 6 with a C4 struck twice at once and a note too long. */
static void waltz(cad_score *s)
{
    cad_error e;
    cad_score_init(s, &e);
    push(s, 0, 3, 50, 1);
    push(s, 0, 3, 54, 1);
    push(s, 0, 3, 57, 1);
    push(s, 0, 1, 74, 0);
    push(s, 1, 0.5, 76, 0);
    push(s, 1.5, 0.5, 78, 0);
    push(s, 2.02, 0.98, 79, 0); /* a little late: onto the grid */
    push(s, 6, 0.25, 60, 0);
    push(s, 6, 0.5, 60, 1);     /* the same key: one note, the longer */
    push(s, 7, 40, 58, 0);      /* longer than max_beats: cut to 16 */
    cad_score_sort(s);
    cad_tempo t[] = {{0, 100}, {4, 90}};
    cad_meter m[] = {{0, 3, 4}, {6, 2, 4}};
    cad_score_set_tempo(s, t, 2, &e);
    cad_score_set_meter(s, m, 2, &e);
}

static const char waltz_text[] =
    "step 0.25\n"
    "tempo 100\n"
    "metre 3/4\n"
    "| D3+F#3+A3:3+D5:1 . . . E5:0.5 . F#5:0.5 . G5:1 . . .\n"
    "| . . . . . . . . . . . .\n"
    "metre 2/4\n"
    "tempo 90\n"
    "| C4:0.5 . . . A#3:16 . . .\n";

static void test_known_text(void)
{
    cad_score s, d;
    cad_text_opts o;
    cad_text_opts_default(&o);
    cad_error e;
    char *t = NULL;
    size_t n;
    waltz(&s);
    CHECK(cad_text_render(&s, &o, &t, &n, &e) == 0);
    CHECKF(t && strcmp(t, waltz_text) == 0 && n == strlen(waltz_text),
           "text\n%s\nwant\n%s", t ? t : "(none)", waltz_text);
    cad_text_report r;
    CHECK(cad_text_parse(waltz_text, strlen(waltz_text), &o, &d, &r, &e) == 0);
    CHECKF(r.lines == 8 && r.lines_skipped == 0 && r.items == 32 &&
               r.items_skipped == 0 && r.notes == 9 && r.notes_skipped == 0,
           "report: %ld/%ld lines, %ld/%ld items, %ld/%ld notes", r.lines_skipped,
           r.lines, r.items_skipped, r.items, r.notes_skipped, r.notes);
    CHECK(d.n_notes == 9 && d.notes[6].onset == 2 && d.notes[6].duration == 1);
    CHECK(d.n_notes == 9 && d.notes[7].pitch == 60 && d.notes[7].duration == 0.5);
    CHECK(d.n_notes == 9 && d.notes[8].pitch == 58 && d.notes[8].duration == 16);
    CHECK(d.n_tempo == 2 && d.tempo[1].beat == 6 && d.tempo[1].bpm == 90);
    CHECK(d.n_meter == 2 && d.meter[1].beat == 6 && d.meter[1].numerator == 2);
    /* expressible says the same, tempo and metre included */
    cad_repr *rp;
    cad_score x;
    CHECK(cad_repr_find("text")->create(NULL, &rp, &e) == 0);
    CHECK(rp->kind->expressible(rp, &s, &x, &e) == 0);
    CHECK(x.n_notes == d.n_notes && x.n_tempo == 2 && x.tempo[1].beat == 6 &&
          x.n_meter == 2 && x.meter[1].beat == 6 && x.meter[1].denominator == 4);
    cad_score_free(&x);
    /* a note a year away would make gigabytes of text: refused */
    push(&s, 1e7, 1, 60, 0);
    cad_score_sort(&s);
    char *big = NULL;
    CHECK(cad_text_render(&s, &o, &big, &n, &e) != 0 && !big && strstr(e.msg, "beyond"));
    CHECK(rp->kind->expressible(rp, &s, &x, &e) != 0);
    cad_repr_free(rp);
    cad_score_free(&d);
    free(t);
    cad_score_free(&s);
}

/* What a person might type: comments, flats, lower case, tabs, a closing
 * "|", a note without a length taking the next one's, a CR LF file. */
static void test_edited(void)
{
    const char *t = "% my tune\r\n"
                    "metre 2/4\r\n"
                    "\r\n"
                    "|\tc4+Eb4+G4:1  .  .  . Bb4 . . . |\r\n"
                    "| C4+E4:0.5+G4 . . . . . . . D4:1 % the end\r\n";
    cad_text_opts o;
    cad_text_opts_default(&o);
    cad_score d;
    cad_text_report r;
    cad_error e;
    CHECK(cad_text_parse(t, strlen(t), &o, &d, &r, &e) == 0);
    /* D4 is a 9th item in a bar of 8 steps: skipped */
    CHECKF(r.lines == 3 && r.lines_skipped == 0 && r.items_skipped == 1 &&
               r.items == 17,
           "edited: %ld/%ld lines, %ld/%ld items", r.lines_skipped, r.lines,
           r.items_skipped, r.items);
    int want_p[] = {60, 63, 67, 70, 60, 64, 67};
    double want_on[] = {0, 0, 0, 1, 2, 2, 2}, want_len[] = {1, 1, 1, 0.25, 0.5, 0.5, 0.25};
    CHECKF(d.n_notes == 7, "%d notes", d.n_notes);
    for (int i = 0; i < 7 && i < d.n_notes; i++)
        CHECKF(d.notes[i].pitch == want_p[i] && d.notes[i].onset == want_on[i] &&
                   d.notes[i].duration == want_len[i] && d.notes[i].velocity == 80,
               "note %d: %g+%g p%d", i, d.notes[i].onset, d.notes[i].duration,
               d.notes[i].pitch);
    cad_score_free(&d);
}

/* Model output is not to be trusted: nothing in it may fail the decode. */
static void test_garbage(void)
{
    cad_text_opts o;
    cad_text_opts_default(&o);
    cad_score d;
    cad_text_report r;
    cad_error e;
    const char *t = "metre 0/4\ntempo -5\nstep 1e9\nmetre 3/3\ntempo nan\n"
                    "| C99:1 H4 C4:0 C4:1e400 c4:1 Db4:0.5 C#-1:1 G9:1 A9:1\n"
                    "|||| ++ + C4:: C4:0.1.2 :1 .. C4:-1\n"
                    "step 0.5\nhello world\n";
    CHECK(cad_text_parse(t, strlen(t), &o, &d, &r, &e) == 0);
    CHECKF(r.lines == 9 && r.lines_skipped == 7 && d.n_notes == 4 &&
               r.notes_skipped == 5 + 11,
           "garbage: %ld/%ld lines, %ld/%ld items, %ld skipped notes, %d notes",
           r.lines_skipped, r.lines, r.items_skipped, r.items, r.notes_skipped,
           d.n_notes);
    CHECK(d.n_notes == 4 && d.notes[0].pitch == 60 && d.notes[2].pitch == 1 &&
          d.notes[3].pitch == 127);
    cad_score_free(&d);
    /* random bytes, all 256 of them, with and without newlines */
    size_t n = 200000;
    char *junk = malloc(n);
    uint32_t x = 12345;
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            junk[i] = round == 0 ? (char)(x >> 24)
                    : round == 1 ? " |.+:#C4E5b-0123\n"[(x >> 24) % 17]
                                 : "| C4:1 . \n"[(x >> 24) % 10];
        }
        CHECKF(cad_text_parse(junk, n, &o, &d, &r, &e) == 0, "round %d: %s",
               round, e.msg);
        for (int i = 0; i < d.n_notes; i++)
            CHECK(d.notes[i].duration > 0 && d.notes[i].duration <= 16);
        cad_score_free(&d);
    }
    free(junk);
    /* nothing at all */
    CHECK(cad_text_parse("", 0, &o, &d, &r, &e) == 0 && d.n_notes == 0);
    cad_score_free(&d);
}

/* Real pieces: text and back is what expressible says, nothing skipped. */
static void test_real_files(void)
{
    const char *data = cad_test_data_dir();
    const char *files[] = {
        "midi/nottingham/ashover1.mid", "midi/nottingham/jigs10.mid",
        "midi/nottingham/waltzes50.mid", "midi/nottingham/reelsa-c12.mid",
        "midi/nottingham/hpps1.mid", "midi/nottingham/playford3.mid",
        "midi/piano-midi-de/Bach/bach_846.mid",
        "midi/piano-midi-de/Chopin/chp_op18.mid",
    };
    cad_repr *rp;
    cad_error e;
    CHECK(cad_repr_find("text")->create(NULL, &rp, &e) == 0);
    rp->kind->fit(rp, NULL, 0, &e);
    CHECKF(rp->layout.field[0].size == 33, "%d characters fitted",
           rp->layout.field[0].size);
    for (size_t i = 0; data && i < sizeof files / sizeof *files; i++) {
        char path[512];
        cad_score s, d, x;
        snprintf(path, sizeof path, "%s/%s", data, files[i]);
        if (cad_score_read(path, NULL, &s, &e)) {
            CHECKF(0, "%s", e.msg);
            continue;
        }
        cad_text_opts o;
        cad_text_opts_default(&o);
        char *t;
        size_t n;
        cad_text_report r;
        CHECK(cad_text_render(&s, &o, &t, &n, &e) == 0);
        CHECK(cad_text_parse(t, n, &o, &d, &r, &e) == 0);
        CHECKF(r.lines_skipped == 0 && r.items_skipped == 0 && r.notes_skipped == 0,
               "%s: skipped %ld lines, %ld items, %ld notes", files[i],
               r.lines_skipped, r.items_skipped, r.notes_skipped);
        CHECK(rp->kind->expressible(rp, &s, &x, &e) == 0);
        int same = x.n_notes == d.n_notes && x.n_tempo == d.n_tempo &&
                   x.n_meter == d.n_meter;
        for (int k = 0; same && k < x.n_notes; k++)
            same = x.notes[k].onset == d.notes[k].onset &&
                   x.notes[k].duration == d.notes[k].duration &&
                   x.notes[k].pitch == d.notes[k].pitch;
        for (int k = 0; same && k < x.n_tempo; k++)
            same = x.tempo[k].beat == d.tempo[k].beat && x.tempo[k].bpm == d.tempo[k].bpm;
        for (int k = 0; same && k < x.n_meter; k++)
            same = x.meter[k].beat == d.meter[k].beat &&
                   x.meter[k].numerator == d.meter[k].numerator &&
                   x.meter[k].denominator == d.meter[k].denominator;
        CHECKF(same, "%s: text and back is not what text expresses", files[i]);
        /* every character is one of the fitted 33: none became a space */
        cad_seq q;
        char *back = NULL;
        size_t m;
        CHECK(rp->kind->encode(rp, &s, &q, &e) == 0 && q.T == (int)n);
        CHECKF(cad_text_decode_bytes(rp, &q, &back, &m, &e) == 0 && m == n &&
                   memcmp(back, t, n) == 0, "%s: characters lost", files[i]);
        free(back);
        cad_seq_free(&q);
        free(t);
        cad_score_free(&x);
        cad_score_free(&d);
        cad_score_free(&s);
    }
    cad_repr_free(rp);
}

/* Plain text, as the seed's Shakespeare half trains on. */
static void test_bytes(void)
{
    const char *verse = "To be, or not to be: that is the question:\n"
                        "Whether 'tis nobler in the mind to suffer \"x\\y\"\n";
    cad_repr *r, *back = NULL;
    cad_error e;
    cad_seq q;
    char *out;
    size_t n;
    CHECK(cad_repr_find("text")->create(NULL, &r, &e) == 0);
    CHECK(r->layout.field[0].size == 96);
    CHECK(cad_text_encode_bytes(r, (const uint8_t *)verse, strlen(verse), &q, &e) == 0);
    CHECK(cad_text_decode_bytes(r, &q, &out, &n, &e) == 0 && strcmp(out, verse) == 0);
    free(out);
    cad_seq_free(&q);
    /* fitted to the verse: its distinct characters; others become spaces */
    CHECK(cad_text_fit_bytes(r, (const uint8_t *)verse, strlen(verse), &e) == 0);
    CHECKF(r->layout.field[0].size == 27, "%d characters in the verse",
           r->layout.field[0].size);
    CHECK(cad_text_encode_bytes(r, (const uint8_t *)"Zoo\t\xc3\xa9!", 7, &q, &e) == 0);
    CHECK(cad_text_decode_bytes(r, &q, &out, &n, &e) == 0 && strcmp(out, " oo    ") == 0);
    free(out);
    cad_seq_free(&q);
    /* the characters through a real model file: newline, quote, backslash */
    cad_st_file f = {0}, g = {0};
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK(r->kind->save(r, &f, &e) == 0 && cad_st_serialize(&f, &buf, &len, &e) == 0);
    CHECK(cad_st_parse(buf, len, &g, &e) == 0 && cad_repr_from_meta(&g, &back, &e) == 0);
    CHECK(back && back->layout.field[0].size == 27);
    if (back) {
        CHECK(cad_text_encode_bytes(back, (const uint8_t *)verse, strlen(verse), &q, &e) == 0);
        CHECK(cad_text_decode_bytes(back, &q, &out, &n, &e) == 0 && strcmp(out, verse) == 0);
        free(out);
        cad_seq_free(&q);
    }
    free(buf);
    cad_st_free(&f);
    cad_st_free(&g);
    cad_repr_free(back);
    /* classes outside the vocabulary are refused */
    cad_seq_init(&q, 1, 1, &e);
    q.v[0] = 27;
    CHECK(cad_text_decode_bytes(r, &q, &out, &n, &e) != 0);
    cad_seq_free(&q);
    cad_repr_free(r);
    /* metadata a file may not have */
    const char *bad[][2] = {{"repr.chars", "ba"}, {"repr.chars", "aa"},
                            {"repr.chars", ""}, {"repr.chars", "a\tb"},
                            {"repr.step_beats", "0"}, {"repr.font", "1"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cad_st_file h = {0};
        cad_repr *x = NULL;
        cad_st_set_meta(&h, "representation", "text", &e);
        cad_st_set_meta(&h, bad[i][0], bad[i][1], &e);
        CHECKF(cad_repr_from_meta(&h, &x, &e) != 0 && !x, "%s = '%s' accepted",
               bad[i][0], bad[i][1]);
        cad_st_free(&h);
    }
}

int main(void)
{
    test_known_text();
    test_edited();
    test_garbage();
    test_real_files();
    test_bytes();
    TEST_MAIN_END();
}
