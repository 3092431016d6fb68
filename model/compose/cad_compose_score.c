/* Whole pieces for the command (cad_compose_score): the events of a
 * composer paired into notes, or a decoded representation's steps read
 * as its decoder reads them. */
#include "cad_compose_priv.h"

/* Notes from a composer's events: a note-on opens a key (closing the
 * note it still held: a re-strike), a note-off closes it. */
typedef struct {
    double onset[128];
    uint8_t velocity[128], open[128];
} note_pairing;

static int close_note(note_pairing *np, int p, double beat, cad_score *out,
                      cad_error *e)
{
    if (!np->open[p])
        return 0;
    np->open[p] = 0;
    cad_note nt = {np->onset[p], beat - np->onset[p], (uint8_t)p,
                   np->velocity[p], 0};
    return nt.duration > 0 ? cad_score_push(out, &nt, e) : 0;
}

static int roll_piece(cad_composer *c, const cad_compose_opts *o,
                      cad_score *out, cad_error *e)
{
    note_pairing np = {{0}, {0}, {0}};
    cad_event ev[512];
    int n, rc;
    do {
        rc = cad_composer_advance(c, &o->k, o->beats, ev, 512, &n, e);
        if (rc < 0)
            return -1;
        for (int i = 0; i < n; i++) {
            int p = ev[i].pitch;
            if (close_note(&np, p, ev[i].beat, out, e))
                return -1;
            if (ev[i].kind == CAD_EVENT_NOTE_ON) {
                np.open[p] = 1;
                np.onset[p] = ev[i].beat;
                np.velocity[p] = ev[i].velocity;
            }
        }
    } while (rc > 0);
    /* what still sounds ends with the last step */
    for (int p = 0; p < 128; p++)
        if (close_note(&np, p, cad_composer_beat(c), out, e))
            return -1;
    cad_score_sort(out);
    return 0;
}

/* Step after step until the decoded music is long enough (checked every
 * sixteen steps), then every step decoded at once and the notes the
 * constraints refuse left out. */
static int decoded_piece(cad_composer *c, const cad_compose_opts *o,
                         cad_score *out, cad_error *e)
{
    cad_seq part;
    while (c->seq.T < c->seq_cap) {
        cad_compose_sample_step(c, &o->k);
        if (c->seq.T % 16 == 0) {
            cad_score s;
            part = (cad_seq){c->seq.T, c->seq.width, c->seq.v};
            if (c->r->kind->decode(c->r, &part, &s, e))
                return -1;
            double len = cad_score_length(&s);
            cad_score_free(&s);
            if (len >= o->beats)
                break;
        }
    }
    part = (cad_seq){c->seq.T, c->seq.width, c->seq.v};
    if (c->r->kind->decode(c->r, &part, out, e))
        return -1;
    /* in the key asked for, and the mask on what is played
       (cad_compose_steps.c says why there) */
    int kept = 0;
    for (int i = 0; i < out->n_notes; i++) {
        cad_note n = out->notes[i];
        int p = n.pitch + o->k.shift;
        if (p < 0 || p > 127 || !cad_constraints_allow(&o->k, p))
            continue;
        n.pitch = (uint8_t)p;
        if (o->k.max_hold > 0 && n.duration > o->k.max_hold)
            n.duration = o->k.max_hold; /* let go, as the events do */
        out->notes[kept++] = n;
    }
    out->n_notes = kept;
    cad_score_sort(out);
    return 0;
}

int cad_compose_score(const cad_model *m, const cad_repr *r,
                      const cad_compose_opts *o, cad_score *out,
                      long *steps, cad_error *e)
{
    cad_composer *c = cad_composer_new(m, r, e);
    if (!c)
        return -1;
    int rc = -1;
    cad_composer_reset(c, o->seed);
    if (o->primer &&
        cad_composer_prime(c, &o->k, o->primer, o->primer_steps, e))
        goto out;
    if (!c->roll) {
        rc = decoded_piece(c, o, out, e);
        goto out;
    }
    cad_meter metre = {0, o->k.metre.numerator, o->k.metre.denominator};
    if (cad_score_init_at(out, o->k.bpm, e))
        goto out;
    if (cad_score_set_meter(out, &metre, 1, e)) {
        cad_score_free(out);
        goto out;
    }
    rc = roll_piece(c, o, out, e);
    if (rc)
        cad_score_free(out);
out:
    if (steps)
        *steps = cad_composer_steps(c);
    cad_composer_free(c);
    return rc;
}
