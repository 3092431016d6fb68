/* Representations other than the piano roll (notes, events, tokens,
 * text): their kinds decode whole sequences (music/cad_repr.h), so a
 * composer keeps the steps it sampled and decodes them again as they
 * grow, which allocates. Their notes are masked when they are played: the
 * sampler does not know which of a step's classes are pitches. */
#include <string.h>

#include "cad_compose_priv.h"
#include "cad_model.h"

/* A sampled 0/1 frame as the representation's step (the class of each
 * CLASS field, the bits of each BITS field), for models whose one head
 * covers the whole expanded step. */
static void frame_to_step(const cad_layout *l, const uint8_t *frame,
                          float *step)
{
    for (int i = 0; i < l->n_fields; i++) {
        const cad_field *f = &l->field[i];
        if (f->kind == CAD_FIELD_BITS) {
            for (int k = 0; k < f->size; k++)
                step[f->offset + k] = frame[k];
        } else {
            int c = 0;
            while (c < f->size && !frame[c])
                c++;
            step[f->offset] = c < f->size ? (float)c : 0.0f;
        }
        frame += f->size;
    }
}

void cad_compose_sample_step(cad_composer *c, const cad_constraints *k)
{
    const cad_layout *l = &c->r->layout;
    float *step = c->seq.v + (long)c->seq.T * l->width;
    /* no mask: a step's classes are not pitches (see above) */
    cad_sample_params sp = {.temperature = k->temperature, .top_k = k->top_k,
                            .top_p = k->top_p};
    if (c->by_step) {
        cad_gen_sample_step(c->g, &sp, &c->rng, step);
    } else {
        cad_gen_sample(c->g, &sp, &c->rng, c->frame);
        frame_to_step(l, c->frame, step);
    }
    c->seq.T++;
    c->steps++;
}

/* The steps so far, decoded. */
static int decode(cad_composer *c, cad_score *out, cad_error *e)
{
    cad_seq part = {c->seq.T, c->seq.width, c->seq.v};
    return c->r->kind->decode(c->r, &part, out, e);
}

/* Queues the notes of s that start in [c->emitted, until_beat), each a
 * note-on and a note-off. A note that ends with the decoded music may
 * only end there because the steps stop there (a performance event's
 * note still held): unless the composer can take no more steps, it waits
 * for more. Returns 0 when all are queued, 1 when the queue ran out of
 * room, 2 when a note has to wait; the rest come next time. */
static int queue_notes(cad_composer *c, const cad_constraints *k,
                       const cad_score *s, double until_beat)
{
    const double end = cad_score_length(s);
    const int more = c->seq.T < c->seq_cap;
    int skip = c->emitted_skip;
    for (int i = 0; i < s->n_notes; i++) {
        const cad_note *nt = &s->notes[i];
        if (nt->onset < c->emitted || nt->onset >= until_beat)
            continue;
        if (nt->onset == c->emitted && skip > 0) { /* queued last time */
            skip--;
            continue;
        }
        /* A note held max_hold beats is let go then (as a piano roll's
           key is): its end is known without more steps. Otherwise one
           that lasts to the end may only end there for want of steps.
           (onset + duration need not add up to the end exactly) */
        double dur = nt->duration;
        if (k->max_hold > 0 && dur >= k->max_hold)
            dur = k->max_hold;
        else if (more && nt->onset + nt->duration >= end - 1e-6)
            return 2;
        if (cad_compose_room(c) < 2)
            return 1;
        if (nt->onset > c->emitted)
            c->emitted = nt->onset, c->emitted_skip = 0;
        c->emitted_skip++;
        int p = nt->pitch + k->shift; /* in the key asked for */
        if (p < 0 || p > 127 || !cad_constraints_allow(k, p))
            continue;
        cad_compose_push(c, nt->onset, CAD_EVENT_NOTE_ON, p, nt->velocity);
        cad_compose_push(c, nt->onset + dur, CAD_EVENT_NOTE_OFF, p, 0);
    }
    c->emitted = until_beat;
    c->emitted_skip = 0;
    return 0;
}

/* Sixteen more steps, and how long the decoded music is now. */
static int more_steps(cad_composer *c, const cad_constraints *k,
                      cad_error *e)
{
    for (int i = 0; i < 16 && c->seq.T < c->seq_cap; i++)
        cad_compose_sample_step(c, k);
    cad_score s;
    if (decode(c, &s, e))
        return -1;
    c->horizon = cad_score_length(&s);
    cad_score_free(&s);
    return 0;
}

int cad_compose_decode_until(cad_composer *c, const cad_constraints *k,
                             double until_beat, cad_error *e)
{
    if (until_beat <= c->emitted)
        return 0;
    /* until the decoded music reaches the beat (or the composer has
     * taken all the steps it can keep) */
    while (c->horizon < until_beat && c->seq.T < c->seq_cap)
        if (more_steps(c, k, e))
            return -1;
    for (;;) {
        cad_score s;
        if (decode(c, &s, e))
            return -1;
        int rc = queue_notes(c, k, &s, until_beat);
        cad_score_free(&s);
        if (rc < 2)
            return rc;
        if (more_steps(c, k, e)) /* a note still held: hear how it ends */
            return -1;
    }
}
