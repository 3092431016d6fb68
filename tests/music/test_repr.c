/* Every registered representation (model/music/cad_repr*.c), held to the
 * same contract on real music and hand-made pieces:
 *   - decode(encode(s)) is exactly expressible(s): what the kind says it
 *     keeps, it keeps, and it says what it drops;
 *   - its options survive the model file's metadata: a copy created from
 *     what save() wrote encodes the same sequence;
 *   - the layout's fields tile the step.
 * Kind-specific cases (a re-struck note with and without onset bits)
 * follow. A new kind is covered by the generic part the moment it is
 * registered. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_key.h"
#include "cad_metre.h"
#include "cad_repr.h"
#include "cad_test.h"

static int same_notes(const cad_score *a, const cad_score *b, const char *what)
{
    if (a->n_notes != b->n_notes) {
        fprintf(stderr, "%s: %d notes against %d\n", what, a->n_notes,
                b->n_notes);
        return 0;
    }
    for (int i = 0; i < a->n_notes; i++) {
        const cad_note *x = &a->notes[i], *y = &b->notes[i];
        if (fabs(x->onset - y->onset) > 1e-9 ||
            fabs(x->duration - y->duration) > 1e-9 || x->pitch != y->pitch ||
            x->velocity != y->velocity || x->part != y->part) {
            fprintf(stderr, "%s: note %d: %g+%g p%d v%d part %d against "
                            "%g+%g p%d v%d part %d\n", what, i, x->onset,
                    x->duration, x->pitch, x->velocity, x->part, y->onset,
                    y->duration, y->pitch, y->velocity, y->part);
            return 0;
        }
    }
    return 1;
}

/* One kind, one set of options (metadata), a set of pieces. */
static void check_kind(const cad_repr_kind *k, const cad_st_file *opts,
                       cad_score *pieces, int n, const char *label)
{
    cad_error e;
    cad_repr *r;
    if (k->create(opts, &r, &e)) {
        CHECKF(0, "%s: %s", label, e.msg);
        return;
    }
    CHECK(r->kind == k && strlen(k->drops) > 0 && strlen(k->unit) > 0);
    int w = 0;
    for (int f = 0; f < r->layout.n_fields; f++) {
        const cad_field *fd = &r->layout.field[f];
        CHECKF(fd->offset == w, "%s: field %s at %d, not %d", label, fd->name,
               fd->offset, w);
        w += fd->kind == CAD_FIELD_BITS ? fd->size : 1;
    }
    CHECKF(w == r->layout.width && w > 0, "%s: fields cover %d of %d", label,
           w, r->layout.width);
    if (k->fit && k->fit(r, pieces, n, &e))
        CHECKF(0, "%s: fit: %s", label, e.msg);

    /* the options as a model file carries them */
    cad_st_file meta = {0};
    cad_repr *again = NULL;
    CHECKF(k->save(r, &meta, &e) == 0 && cad_repr_from_meta(&meta, &again, &e) == 0,
           "%s: options do not come back: %s", label, e.msg);
    CHECK(again && again->kind == k);

    for (int i = 0; i < n; i++) {
        cad_seq q = {0}, q2 = {0};
        cad_score d, x;
        char what[160];
        snprintf(what, sizeof what, "%s, piece %d", label, i);
        if (k->encode(r, &pieces[i], &q, &e) || k->decode(r, &q, &d, &e)) {
            CHECKF(0, "%s: %s", what, e.msg);
            cad_seq_free(&q);
            continue;
        }
        CHECKF(q.width == r->layout.width && q.T > 0, "%s: %d steps of %d",
               what, q.T, q.width);
        if (k->expressible(r, &pieces[i], &x, &e) == 0) {
            CHECKF(same_notes(&d, &x, what),
                   "%s: decode(encode(piece)) is not what %s says it "
                   "expresses", what, k->name);
            cad_score_free(&x);
        } else {
            CHECKF(0, "%s: %s", what, e.msg);
        }
        if (again && again->kind->encode(again, &pieces[i], &q2, &e) == 0) {
            CHECKF(q2.T == q.T && q2.width == q.width &&
                       memcmp(q.v, q2.v, sizeof(float) * (size_t)q.T * q.width) == 0,
                   "%s: the copy from metadata encodes differently", what);
        }
        cad_seq_free(&q2);
        cad_seq_free(&q);
        cad_score_free(&d);
    }
    cad_repr_free(again);
    cad_st_free(&meta);
    cad_repr_free(r);
}

static int load_pieces(cad_score *out, int max)
{
    const char *data = cad_test_data_dir();
    if (!data)
        return 0;
    const char *files[] = {
        "midi/nottingham/ashover1.mid", "midi/nottingham/jigs10.mid",
        "midi/nottingham/waltzes50.mid", "midi/nottingham/reelsa-c12.mid",
        "midi/piano-midi-de/Bach/bach_846.mid", "midi/piano-midi-de/Chopin/chp_op18.mid",
    };
    int n = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files && n < max; i++) {
        char path[512];
        cad_error e;
        snprintf(path, sizeof path, "%s/%s", data, files[i]);
        if (cad_score_read(path, NULL, &out[n], &e) == 0)
            n++;
        else
            CHECKF(0, "%s", e.msg);
    }
    return n;
}

/* The metre field: every frame's position in its bar and the metre, from
 * the piece's time signature; decoding gives the piece that metre back.
 * Transposition: a piece moves to C major / A minor. */
static void test_metre_field(const cad_st_file *f, cad_score *pieces, int n)
{
    cad_repr *r;
    cad_error e;
    CHECK(cad_repr_find("pianoroll")->create(f, &r, &e) == 0);
    const cad_field *me = cad_layout_find(&r->layout, "metre");
    CHECK(me && me->size == CAD_METRE_BITS && me->offset == 176);
    for (int i = 0; i < n && me; i++) {
        cad_seq q;
        cad_score d;
        if (r->kind->encode(r, &pieces[i], &q, &e) ||
            r->kind->decode(r, &q, &d, &e)) {
            CHECKF(0, "%s", e.msg);
            continue;
        }
        const cad_meter *m0 = &pieces[i].meter[0];
        int known = (m0->denominator == 4 && m0->numerator >= 2 &&
                     m0->numerator <= 4) ||
                    (m0->numerator == 6 && m0->denominator == 8);
        if (known && pieces[i].n_meter == 1)
            CHECKF(d.meter[0].numerator == m0->numerator &&
                       d.meter[0].denominator == m0->denominator,
                   "piece %d in %d/%d decodes in %d/%d", i, m0->numerator,
                   m0->denominator, d.meter[0].numerator, d.meter[0].denominator);
        /* the counter: 0 on every bar line of a piece in one metre */
        if (pieces[i].n_meter == 1) {
            double bar = cad_meter_bar_beats(m0);
            int wrong = 0;
            for (int t = 0; t < q.T; t++) {
                const float *b = q.v + (long)t * q.width + me->offset;
                int pos = (int)b[0] + 2 * (int)b[1] + 4 * (int)b[2] +
                          8 * (int)b[3] + 16 * (int)b[4];
                wrong += pos != (int)lround(fmod(t * 0.25, bar) / 0.25);
            }
            CHECKF(wrong == 0, "piece %d: %d frames with the wrong position",
                   i, wrong);
        }
        /* transposed: the most common key of the result is C major or A minor */
        double w[12];
        cad_key k;
        cad_key_score_histogram(&d, w);
        if (cad_key_estimate(w, &k) == 0 && k.r > 0.8)
            CHECKF((k.tonic == 0 && !k.minor) || (k.tonic == 9 && k.minor) ||
                       (k.tonic == 7 && !k.minor) || (k.tonic == 5 && !k.minor) ||
                       (k.tonic == 2 && k.minor) || (k.tonic == 4 && k.minor),
                   "piece %d transposed is in %s", i, cad_key_name(&k));
        cad_score_free(&d);
        cad_seq_free(&q);
    }
    cad_repr_free(r);
}

/* D struck, held 1 beat, struck again at once, and a chord under it. */
static void restruck(cad_score *s)
{
    cad_error e;
    cad_score_init(s, &e);
    cad_note notes[] = {{0, 1, 62, 90, 0}, {1, 1, 62, 90, 0}, {0, 2, 50, 70, 1},
                        {0, 2, 54, 70, 1}, {2, 0.5, 64, 100, 0}};
    for (size_t i = 0; i < sizeof notes / sizeof *notes; i++)
        cad_score_push(s, &notes[i], &e);
    cad_score_sort(s);
}

static void test_pianoroll_restrike(void)
{
    cad_error e;
    cad_score s, d;
    restruck(&s);
    for (int onsets = 0; onsets <= 1; onsets++) {
        cad_st_file f = {0};
        cad_st_set_meta(&f, "repr.onsets", onsets ? "1" : "0", &e);
        cad_st_set_meta(&f, "repr.step_beats", "0.5", &e);
        cad_repr *r;
        cad_seq q;
        CHECK(cad_repr_find("pianoroll")->create(&f, &r, &e) == 0);
        CHECK(r->kind->encode(r, &s, &q, &e) == 0);
        CHECK(r->kind->decode(r, &q, &d, &e) == 0);
        int d_notes = 0;
        for (int i = 0; i < d.n_notes; i++)
            d_notes += d.notes[i].pitch == 62;
        CHECKF(d_notes == (onsets ? 2 : 1), "onsets %d: the re-struck D "
               "decodes as %d notes", onsets, d_notes);
        CHECK(q.T == 5 && q.width == (onsets ? 176 : 88));
        cad_score_free(&d);
        cad_seq_free(&q);
        cad_repr_free(r);
        cad_st_free(&f);
    }
    cad_score_free(&s);
    /* options a file may not have */
    cad_st_file bad = {0};
    cad_repr *r = NULL;
    cad_st_set_meta(&bad, "repr.swing", "1", &e);
    CHECK(cad_repr_find("pianoroll")->create(&bad, &r, &e) != 0 && !r);
    cad_st_free(&bad);
    cad_st_set_meta(&bad, "repr.step_beats", "nan", &e);
    CHECK(cad_repr_find("pianoroll")->create(&bad, &r, &e) != 0);
    cad_st_free(&bad);
    cad_st_set_meta(&bad, "representation", "holograms", &e);
    CHECK(cad_repr_from_meta(&bad, &r, &e) != 0 && strstr(e.msg, "holograms"));
    cad_st_free(&bad);
}

int main(void)
{
    cad_score pieces[8];
    int n = load_pieces(pieces, 7);
    restruck(&pieces[n++]);
    const cad_repr_kind *const *kinds = cad_repr_kinds();
    int n_kinds = 0;
    for (int i = 0; kinds[i]; i++, n_kinds++) {
        check_kind(kinds[i], NULL, pieces, n, kinds[i]->name);
        CHECK(cad_repr_find(kinds[i]->name) == kinds[i]);
    }
    printf("%d representations, %d pieces\n", n_kinds, n);
    /* the piano roll's options that change what it expresses */
    cad_error e;
    cad_st_file f = {0};
    cad_st_set_meta(&f, "representation", "pianoroll", &e);
    cad_st_set_meta(&f, "repr.onsets", "1", &e);
    check_kind(cad_repr_find("pianoroll"), &f, pieces, n, "pianoroll+onsets");
    cad_st_set_meta(&f, "repr.metre", "1", &e);
    cad_st_set_meta(&f, "repr.transpose", "1", &e);
    check_kind(cad_repr_find("pianoroll"), &f, pieces, n,
               "pianoroll+onsets+metre+transpose");
    test_metre_field(&f, pieces, n);
    cad_st_set_meta(&f, "repr.metre", "0", &e);
    cad_st_set_meta(&f, "repr.transpose", "0", &e);
    cad_st_set_meta(&f, "repr.step_beats", "1", &e);
    cad_st_set_meta(&f, "repr.low_key", "36", &e);
    cad_st_set_meta(&f, "repr.keys", "49", &e);
    check_kind(cad_repr_find("pianoroll"), &f, pieces, n,
               "pianoroll, quarter notes, 49 keys from C2");
    cad_st_free(&f);
    /* notes on the grid, as classes, and at another tempo and velocity */
    cad_st_set_meta(&f, "repr.grid", "24", &e);
    check_kind(cad_repr_find("notes"), &f, pieces, n, "notes, grid 1/24");
    cad_st_set_meta(&f, "repr.grid", "12", &e);
    cad_st_set_meta(&f, "repr.grid_beats", "2", &e);
    cad_st_set_meta(&f, "repr.bpm", "90", &e);
    check_kind(cad_repr_find("notes"), &f, pieces, n,
               "notes, grid 1/12 to 2 beats, 90 bpm");
    cad_st_free(&f);
    cad_st_set_meta(&f, "repr.bpm", "75.5", &e);
    cad_st_set_meta(&f, "repr.velocity", "64", &e);
    check_kind(cad_repr_find("notes"), &f, pieces, n, "notes, 75.5 bpm");
    cad_st_free(&f);
    cad_st_set_meta(&f, "repr.bpm", "100", &e);
    check_kind(cad_repr_find("events"), &f, pieces, n, "events, 100 bpm");
    cad_st_free(&f);
    test_pianoroll_restrike();
    for (int i = 0; i < n; i++)
        cad_score_free(&pieces[i]);
    TEST_MAIN_END();
}
