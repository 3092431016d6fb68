/* Song form (compose/cad_compose_form.c): in ABCBDB the three B sections
 * are the same notes, A, C and D are not copies of each other or of B,
 * nothing sounds past its section, and bad forms are refused. Random
 * models, so sections differ unless the form makes them equal: a piano
 * roll (the composer's events) and a performance-event model (a decoded
 * representation). */
#include <math.h>

#include "compose_fixture.h"

#define SECTION 8.0 /* beats */

static cad_model *random_model(const char *kind, const cad_repr *r)
{
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_layers = 1;
    c.hidden[0] = 16;
    if (r) {
        c.n_in = c.n_out = cad_layout_expanded_width(&r->layout);
        c.head = CAD_HEAD_SOFTMAX;
        c.loss = CAD_LOSS_CE;
        snprintf(c.representation, sizeof c.representation, "%s", kind);
    }
    cad_model *m;
    cad_error e;
    if (cad_model_new(&c, 11, &m, &e)) {
        fprintf(stderr, "model: %s\n", e.msg);
        abort();
    }
    return m;
}

/* The notes of section i (onsets in [i, i+1) sections), moved to 0. */
static int section_notes(const cad_score *s, int i, cad_note *out, int max)
{
    int n = 0;
    for (int j = 0; j < s->n_notes && n < max; j++) {
        const cad_note *nt = &s->notes[j];
        if (nt->onset >= i * SECTION && nt->onset < (i + 1) * SECTION) {
            out[n] = *nt;
            out[n++].onset -= i * SECTION;
        }
    }
    return n;
}

static int same_section(const cad_score *s, int a, int b)
{
    static cad_note x[4096], y[4096];
    int nx = section_notes(s, a, x, 4096), ny = section_notes(s, b, y, 4096);
    if (nx != ny)
        return 0;
    for (int i = 0; i < nx; i++)
        if (fabs(x[i].onset - y[i].onset) > 1e-9 || x[i].pitch != y[i].pitch ||
            fabs(x[i].duration - y[i].duration) > 1e-9)
            return 0;
    return 1;
}

static void check_form(const cad_model *m, const cad_repr *r)
{
    cad_compose_opts o = {.seed = 5};
    cad_constraints_default(&o.k);
    o.k.temperature = 1.2f;
    cad_score s;
    cad_error e;
    long steps = 0;
    int rc = cad_compose_form(m, r, &o, "ABCBDB", SECTION, &s, &steps, &e);
    CHECKF(rc == 0, "%s", e.msg);
    CHECK(steps > 0);
    CHECK(s.n_notes > 20);
    CHECK(cad_score_length(&s) <= 6 * SECTION + 1e-9);
    for (int i = 0; i < s.n_notes; i++) { /* nothing across a section's end */
        int sec = (int)(s.notes[i].onset / SECTION);
        CHECK(s.notes[i].onset + s.notes[i].duration <= (sec + 1) * SECTION + 1e-9);
    }
    CHECK(same_section(&s, 1, 3) && same_section(&s, 1, 5));
    CHECK(!same_section(&s, 0, 2) && !same_section(&s, 0, 1) &&
          !same_section(&s, 2, 4) && !same_section(&s, 1, 4));
    /* the same seed, the same piece */
    cad_score t;
    CHECK(cad_compose_form(m, r, &o, "ABCBDB", SECTION, &t, NULL, &e) == 0);
    CHECK(t.n_notes == s.n_notes &&
          memcmp(t.notes, s.notes, sizeof *s.notes * (size_t)s.n_notes) == 0);
    cad_score_free(&t);
    cad_score_free(&s);
}

int main(void)
{
    cad_model *roll = random_model("pianoroll", NULL);
    cad_repr *rr = fixture_repr(roll);
    check_form(roll, rr);

    cad_repr *tr;
    cad_error e;
    CHECK(cad_repr_find("events")->create(NULL, &tr, &e) == 0);
    cad_model *tok = random_model("events", tr);
    check_form(tok, tr);

    /* forms that are not forms */
    cad_compose_opts o = {.seed = 1};
    cad_constraints_default(&o.k);
    cad_score s;
    CHECK(cad_compose_form(roll, rr, &o, "", SECTION, &s, NULL, &e) == -1);
    CHECK(cad_compose_form(roll, rr, &o, "AbA", SECTION, &s, NULL, &e) == -1);
    CHECK(strstr(e.msg, "capital") != NULL);
    CHECK(cad_compose_form(roll, rr, &o, "AB", 0, &s, NULL, &e) == -1);
    char longform[CAD_FORM_MAX + 2];
    memset(longform, 'A', sizeof longform - 1);
    longform[CAD_FORM_MAX + 1] = 0;
    CHECK(cad_compose_form(roll, rr, &o, longform, SECTION, &s, NULL, &e) == -1);

    cad_repr_free(rr);
    cad_repr_free(tr);
    cad_model_free(roll);
    cad_model_free(tok);
    TEST_MAIN_END();
}
