/* Representations decoded from whole sequences (compose/cad_compose_steps.c):
 * a composer's events over many calls must pair up into exactly the notes
 * of the piece cad_compose_score writes with the same seed (a note-on at
 * each onset, its note-off at onset + duration), less the notes the
 * constraints refuse (the notes still held at the end aside). Random pitch/step/duration models (a fields head),
 * in seconds and on a beat grid, and a random token model (softmax). */
#include <math.h>

#include "compose_fixture.h"

enum { MAXEV = 16384 };
#define BEATS 96.0

static cad_model *random_model(const cad_repr *r, int fields, uint64_t seed)
{
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_in = c.n_out = cad_layout_expanded_width(&r->layout);
    c.n_layers = 1;
    c.hidden[0] = 12;
    c.head = fields ? CAD_HEAD_FIELDS : CAD_HEAD_SOFTMAX;
    c.loss = fields ? CAD_LOSS_BCE : CAD_LOSS_CE;
    if (fields) {
        c.fields = r->layout;
        for (int i = 0; i < r->layout.n_fields; i++)
            c.field_weight[i] = 1;
    }
    snprintf(c.representation, sizeof c.representation, "%s", r->kind->name);
    cad_model *m;
    cad_error e;
    if (cad_model_new(&c, seed, &m, &e)) {
        fprintf(stderr, "model: %s\n", e.msg);
        abort();
    }
    return m;
}

static void check_kind(const char *kind, const char *grid, int fields)
{
    cad_st_file meta = {0};
    cad_repr *r;
    cad_error e;
    if (grid)
        CHECK(cad_st_set_meta(&meta, "repr.grid", grid, &e) == 0);
    CHECK(cad_repr_find(kind)->create(grid ? &meta : NULL, &r, &e) == 0);
    cad_model *m = random_model(r, fields, 4);
    cad_compose_opts o = {.seed = 8, .beats = BEATS};
    cad_constraints_default(&o.k);
    /* D major: the notes moved up 2, and some refused by the scale */
    cad_constraints_in_key(&o.k, 2, CAD_SCALE_MAJOR);
    o.k.max_hold = 4; /* long notes let go at 4 beats, both ways */
    o.k.temperature = 1.5f;
    cad_score s;
    CHECK(cad_compose_score(m, r, &o, &s, NULL, &e) == 0);
    /* the same by events, in calls of up to 1.3 beats, at most 50 events each */
    cad_composer *c = cad_composer_new(m, r, &e);
    CHECK(c && !cad_composer_realtime(c));
    cad_composer_reset(c, 8);
    static cad_event ev[MAXEV];
    int total = 0, n, rc;
    for (double until = 0;;) {
        rc = cad_composer_advance(c, &o.k, until, ev + total, 50, &n, &e);
        total += n;
        if (rc < 0 || total > MAXEV - 50) {
            CHECKF(0, "%s: %s after %d events", kind, rc < 0 ? e.msg : "no end", total);
            break;
        }
        if (rc == 0 && until == BEATS)
            break;
        if (rc == 0)
            until = until + 1.3 < BEATS ? until + 1.3 : BEATS;
    }
    /* every note of the piece that starts before the last goal: a note-off
     * closes one of the notes of its pitch still open (one pitch may
     * sound twice over: notes overlap) */
    enum { OPEN = 32 };
    static double onset[128][OPEN];
    int open[128] = {0}, found = 0, bad = 0, expect = 0, still = 0;
    for (int i = 0; i < s.n_notes; i++)
        expect += s.notes[i].onset < BEATS;
    for (int i = 0; i < total; i++) {
        int p = ev[i].pitch;
        if (ev[i].kind == CAD_EVENT_NOTE_ON) {
            bad += !cad_constraints_allow(&o.k, p) || open[p] == OPEN;
            if (open[p] < OPEN)
                onset[p][open[p]++] = ev[i].beat;
            continue;
        }
        int hit = -1;
        for (int a = 0; a < open[p] && hit < 0; a++)
            for (int j = 0; j < s.n_notes && hit < 0; j++)
                if (s.notes[j].pitch == p && s.notes[j].onset == onset[p][a] &&
                    fabs(s.notes[j].onset + s.notes[j].duration - ev[i].beat) < 1e-9)
                    hit = a;
        if (hit >= 0) {
            found++;
            onset[p][hit] = onset[p][--open[p]];
        } else {
            fprintf(stderr, "  %s: unpaired note-off %d at %.17g\n", kind, p,
                    ev[i].beat);
            bad++;
        }
    }
    for (int p = 0; p < 128; p++)
        still += open[p];
    CHECKF(bad == 0, "%s: %d notes outside the mask or unpaired", kind, bad);
    CHECKF(expect > 15 && s.n_notes >= expect, "%s: %d notes", kind, expect);
    /* notes that end after the last goal are still to be released */
    CHECKF(found + still == expect, "%s %s: %d notes paired + %d held, the "
           "piece has %d", kind, grid ? grid : "", found, still, expect);
    cad_composer_free(c);
    cad_score_free(&s);
    cad_model_free(m);
    cad_repr_free(r);
    cad_st_free(&meta);
}

int main(void)
{
    check_kind("notes", NULL, 1);
    check_kind("notes", "12", 1);
    check_kind("events", NULL, 0);
    TEST_MAIN_END();
}
