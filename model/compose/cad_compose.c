/* The composer (cad_compose.h): constraints, the one mask, the one rule
 * for step lengths, the queue of timed events, and piano-roll frames
 * decoded into events as they are sampled. Representations decoded from
 * whole sequences are in cad_compose_steps.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_compose_priv.h"
#include "cad_metre.h"
#include "cad_model.h"

void cad_constraints_default(cad_constraints *k)
{
    memset(k, 0, sizeof *k);
    k->temperature = 1.0f;
    k->scale = CAD_SCALE_CHROMATIC;
    k->low = 0;
    k->high = 127;
    k->velocity = 80;
    k->bpm = 120;
    k->metre = (cad_meter){0, 4, 4};
}

void cad_constraints_in_key(cad_constraints *k, int tonic, cad_scale s)
{
    k->key = tonic;
    k->scale = s;
    k->shift = cad_key_shift(cad_scale_home(s), tonic);
}

int cad_constraints_allow(const cad_constraints *k, int pitch)
{
    return cad_scale_allows(k->key, k->scale, k->low, k->high, pitch);
}

double cad_step_beats(double step_beats, double step_seconds, double bpm)
{
    if (step_beats > 0)
        return step_beats;
    if (step_seconds > 0 && bpm > 0)
        return step_seconds * bpm / 60.0; /* bpm quarter notes a minute */
    return 0;
}

double cad_composer_step_beats(const cad_composer *c,
                               const cad_constraints *k)
{
    return cad_step_beats(c->step_beats, c->step_seconds, k->bpm);
}

/* ---- construction ------------------------------------------------------ */

/* A piano roll whose frames the network samples as bits: a "keys" field,
 * maybe an "onsets" one of the same size right after it, maybe the
 * metre's bits last; nothing else. */
static int is_roll(const cad_model *m, const cad_repr *r)
{
    const cad_layout *l = &r->layout;
    if (strcmp(r->kind->name, "pianoroll") != 0 || m->cfg.head == CAD_HEAD_FIELDS)
        return 0;
    const cad_field *keys = cad_layout_find(l, "keys");
    const cad_field *on = cad_layout_find(l, "onsets");
    const cad_field *me = cad_layout_find(l, "metre");
    return keys && keys->kind == CAD_FIELD_BITS && keys->offset == 0 &&
           l->n_fields == 1 + !!on + !!me &&
           (!on || (on->size == keys->size && on->offset == keys->size)) &&
           (!me || (me->size == CAD_METRE_BITS && me->offset + me->size == l->width));
}

cad_composer *cad_composer_new(const cad_model *m, const cad_repr *r,
                               cad_error *e)
{
    const int K = cad_layout_expanded_width(&r->layout);
    if (K != m->cfg.n_in || K != m->cfg.n_out) {
        cad_error_set(e, "the model reads %d values a step and writes %d, "
                         "its representation (%s) has %d", m->cfg.n_in,
                      m->cfg.n_out, r->kind->name, K);
        return NULL;
    }
    cad_composer *c = calloc(1, sizeof *c);
    if (!c) {
        cad_error_set(e, "out of memory");
        return NULL;
    }
    c->m = m;
    c->r = r;
    c->K = K;
    c->step_beats = m->cfg.step_beats;
    c->step_seconds = m->cfg.step_seconds;
    c->roll = is_roll(m, r);
    c->metre_off = -1;
    c->by_step = m->cfg.head == CAD_HEAD_FIELDS;
    c->n_out = m->cfg.n_out;
    if (c->roll) {
        const cad_field *me = cad_layout_find(&r->layout, "metre");
        c->onsets = cad_layout_find(&r->layout, "onsets") != NULL;
        c->n_keys = cad_layout_find(&r->layout, "keys")->size;
        c->metre_off = me ? me->offset : -1;
        c->low_key = m->cfg.low_key;
        if (c->low_key < 0 || c->low_key + c->n_keys > 128) {
            cad_error_set(e, "keys %d from MIDI %d run past note 127",
                          c->n_keys, c->low_key);
            free(c);
            return NULL;
        }
    }
    c->g = cad_gen_new(m, e);
    c->frame = calloc((size_t)K, 1);
    c->allowed = calloc((size_t)K, 1);
    c->set = calloc((size_t)K, 1);
    c->full = calloc((size_t)K, sizeof *c->full);
    int ok = c->g && c->frame && c->allowed && c->set && c->full;
    if (ok && !c->roll) { /* the steps a decoder will read */
        c->seq_cap = CAD_COMPOSE_MAX_STEPS;
        ok = cad_seq_init(&c->seq, c->seq_cap, r->layout.width, e) == 0;
    } else if (!ok && c->g) {
        cad_error_set(e, "out of memory");
    }
    if (!ok) {
        cad_composer_free(c);
        return NULL;
    }
    cad_composer_reset(c, 1);
    return c;
}

void cad_composer_free(cad_composer *c)
{
    if (!c)
        return;
    cad_gen_free(c->g);
    free(c->frame);
    free(c->allowed);
    free(c->set);
    free(c->full);
    cad_seq_free(&c->seq);
    free(c);
}

void cad_composer_reset(cad_composer *c, uint64_t seed)
{
    cad_gen_reset(c->g);
    cad_rng_seed(&c->rng, seed);
    memset(c->frame, 0, (size_t)c->K);
    memset(c->sounding, 0, sizeof c->sounding);
    c->shift = 0;
    c->steps = c->steps0 = 0;
    c->beat0 = c->sb0 = 0;
    c->q_start = c->q_n = 0;
    c->seq.T = 0;
    c->horizon = c->emitted = 0;
    c->emitted_skip = 0;
}

int cad_composer_realtime(const cad_composer *c) { return c->roll; }
long cad_composer_steps(const cad_composer *c) { return c->steps; }

double cad_composer_beat(const cad_composer *c)
{
    return c->beat0 + (double)(c->steps - c->steps0) * c->sb0;
}

/* The beat the next step starts at, its length set by k. */
static double step_start(cad_composer *c, const cad_constraints *k)
{
    double sb = cad_composer_step_beats(c, k);
    if (sb != c->sb0) { /* a new stretch at the new length */
        c->beat0 = cad_composer_beat(c);
        c->steps0 = c->steps;
        c->sb0 = sb;
    }
    return cad_composer_beat(c);
}

int cad_compose_repr(const cad_model *m, double bpm, cad_repr **out,
                     cad_error *e)
{
    const cad_model_config *mc = &m->cfg;
    if (strcmp(mc->representation, "pianoroll") != 0 || mc->step_beats > 0 ||
        !(mc->step_seconds > 0))
        return cad_repr_from_meta(&m->meta, out, e);
    /* a grid in seconds: the options of a piano roll on beats */
    char step[32], low[16], keys[16];
    snprintf(step, sizeof step, "%.17g",
             cad_step_beats(0, mc->step_seconds, bpm));
    snprintf(low, sizeof low, "%d", mc->low_key);
    snprintf(keys, sizeof keys, "%d", mc->n_out);
    cad_st_file f = {0};
    int rc = cad_st_set_meta(&f, "repr.step_beats", step, e) ||
             cad_st_set_meta(&f, "repr.low_key", low, e) ||
             cad_st_set_meta(&f, "repr.keys", keys, e) ||
             cad_repr_find("pianoroll")->create(&f, out, e);
    cad_st_free(&f);
    return rc ? cad_error_prefix(e, "a piano roll of %g s frames at %g bpm",
                                 mc->step_seconds, bpm)
              : 0;
}

/* s moved by `by` semitones (the notes it would take out of MIDI's
 * 0..127 left out). */
static int score_moved(const cad_score *s, int by, cad_score *out,
                       cad_error *e)
{
    if (cad_score_init(out, e))
        return -1;
    if (cad_score_set_tempo(out, s->tempo, s->n_tempo, e) ||
        cad_score_set_meter(out, s->meter, s->n_meter, e))
        goto fail;
    out->program = s->program;
    for (int i = 0; i < s->n_notes; i++) {
        cad_note n = s->notes[i];
        int p = n.pitch + by;
        if (p < 0 || p > 127)
            continue;
        n.pitch = (uint8_t)p;
        if (cad_score_push(out, &n, e))
            goto fail;
    }
    cad_score_sort(out);
    return 0;
fail:
    cad_score_free(out);
    return -1;
}

int cad_composer_prime(cad_composer *c, const cad_constraints *k,
                       const cad_score *s, int steps, cad_error *e)
{
    cad_seq p;
    cad_score at, moved;
    const cad_score *in = s;
    /* as the model hears it: in seconds for a model timed in them, and
       in the model's own key */
    int seconds = !(c->step_beats > 0) && c->step_seconds > 0;
    if (seconds) {
        if (cad_score_at_tempo(s, k->bpm, &at, e))
            return -1;
        in = &at;
    }
    if (k->shift) {
        int bad = score_moved(in, -k->shift, &moved, e);
        if (seconds)
            cad_score_free(&at);
        if (bad)
            return -1;
        in = &moved;
    }
    int rc = c->r->kind->encode(c->r, in, &p, e);
    if (in != s)
        cad_score_free(in == &at ? &at : &moved);
    if (rc)
        return -1;
    for (int t = 0; t < p.T && t < steps; t++) {
        const float *step = p.v + (long)t * p.width;
        if (c->by_step) {
            cad_gen_observe_step(c->g, step);
            continue;
        }
        cad_layout_expand(&c->r->layout, step, c->full);
        for (int i = 0; i < c->K; i++)
            c->frame[i] = c->full[i] > 0.5f;
        cad_gen_observe(c->g, c->frame);
    }
    cad_seq_free(&p);
    return 0;
}

/* ---- the queue --------------------------------------------------------- */

/* Time order; at one beat note-offs first (a key released and struck
 * again at one instant sounds again), then by pitch. */
static int event_before(const cad_event *a, const cad_event *b)
{
    if (a->beat != b->beat)
        return a->beat < b->beat;
    if (a->kind != b->kind)
        return a->kind == CAD_EVENT_NOTE_OFF;
    return a->pitch < b->pitch;
}

int cad_compose_room(const cad_composer *c)
{
    return CAD_COMPOSE_QUEUE - c->q_n;
}

int cad_compose_push(cad_composer *c, double beat, int kind, int pitch,
                     int velocity)
{
    if (c->q_n == CAD_COMPOSE_QUEUE)
        return -1;
    if (c->q_start + c->q_n == CAD_COMPOSE_QUEUE) { /* slide to the front */
        memmove(c->queue, c->queue + c->q_start, sizeof *c->queue * (size_t)c->q_n);
        c->q_start = 0;
    }
    cad_event ev = {beat, (uint8_t)kind, (uint8_t)pitch,
                    (uint8_t)(kind == CAD_EVENT_NOTE_ON ? velocity : 0)};
    /* events mostly come in time order: insert from the back */
    int i = c->q_start + c->q_n;
    while (i > c->q_start && event_before(&ev, &c->queue[i - 1])) {
        c->queue[i] = c->queue[i - 1];
        i--;
    }
    c->queue[i] = ev;
    c->q_n++;
    return 0;
}

/* Moves the queued events before until_beat to out[*n..max). */
static void drain(cad_composer *c, double until_beat, cad_event *out,
                  int max, int *n)
{
    while (c->q_n > 0 && *n < max && c->queue[c->q_start].beat < until_beat) {
        out[(*n)++] = c->queue[c->q_start++];
        c->q_n--;
    }
    if (c->q_n == 0)
        c->q_start = 0;
}

/* ---- piano-roll frames --------------------------------------------------- */

/* The model's key i sounds as MIDI note low_key + i + shift, if that is
 * a MIDI note at all. */
static int sounds_as(const cad_composer *c, const cad_constraints *k, int i)
{
    int p = c->low_key + i + k->shift;
    return p >= 0 && p < 128 ? p : -1;
}

static void roll_mask(cad_composer *c, const cad_constraints *k,
                      double beat)
{
    for (int i = 0; i < c->n_keys; i++) {
        int p = sounds_as(c, k, i);
        c->allowed[i] = (uint8_t)(p >= 0 && cad_constraints_allow(k, p));
        if (p >= 0 && k->max_hold > 0 && c->sounding[p] &&
            beat - c->held_since[p] >= k->max_hold - 1e-9)
            c->allowed[i] = 0; /* held long enough: let go */
        if (c->onsets)
            c->allowed[c->n_keys + i] = c->allowed[i];
    }
}

/* One frame: sampled, then played. A key turns on (note-on), off
 * (note-off), or with an onset bit is struck again (both); a held key
 * gives nothing. The network hears the frame it sampled; the synth gets
 * only what the mask allows, whatever the sampler did. */
/* The metre's bits of the step at `beat` into frame (the composer's to
 * set: cad_metre.h), and masked for the sampler. */
static void metre_step(cad_composer *c, const cad_constraints *k,
                       double beat, uint8_t *frame)
{
    if (c->metre_off < 0)
        return;
    double bar = cad_meter_bar_beats(&k->metre);
    double pos = bar > 0 ? fmod(beat - k->metre.beat, bar) : 0;
    if (pos < 0)
        pos += bar;
    if (bar - pos < 1e-9) /* a rounding short of the next bar line */
        pos = 0;
    float bits[CAD_METRE_BITS];
    cad_metre_bits(pos, cad_composer_step_beats(c, k), &k->metre, bits);
    for (int i = 0; i < CAD_METRE_BITS; i++) {
        frame[c->metre_off + i] = (uint8_t)(bits[i] > 0.5f);
        c->allowed[c->metre_off + i] = 0;
    }
}

/* A new shift (a new key): what sounds in the old key stops. */
static void release_all(cad_composer *c, double beat)
{
    for (int p = 0; p < 128; p++)
        if (c->sounding[p]) {
            cad_compose_push(c, beat, CAD_EVENT_NOTE_OFF, p, 0);
            c->sounding[p] = 0;
        }
}

static void roll_step(cad_composer *c, const cad_constraints *k)
{
    double beat = step_start(c, k);
    if (k->shift != c->shift) {
        release_all(c, beat);
        c->shift = k->shift;
    }
    roll_mask(c, k, beat);
    metre_step(c, k, beat, c->set);
    cad_sample_params sp = {.temperature = k->temperature,
                            .threshold = k->threshold,
                            .allowed = c->allowed,
                            .max_notes = k->max_notes,
                            .top_k = k->top_k,
                            .top_p = k->top_p,
                            .set = c->metre_off >= 0 ? c->set : NULL};
    cad_gen_sample(c->g, &sp, &c->rng, c->frame);
    /* a note-on of velocity 0 is a note-off in MIDI: never send one */
    int vel = k->velocity < 1 ? 1 : k->velocity > 127 ? 127 : k->velocity;
    for (int i = 0; i < c->n_keys; i++) {
        int p = sounds_as(c, k, i);
        if (p < 0)
            continue; /* never allowed, never sounding */
        int was = c->sounding[p];
        int is = c->frame[i] && c->allowed[i];
        int strike = c->onsets && was && is && c->frame[c->n_keys + i];
        if (was && (!is || strike))
            cad_compose_push(c, beat, CAD_EVENT_NOTE_OFF, p, 0);
        if (is && (!was || strike)) {
            cad_compose_push(c, beat, CAD_EVENT_NOTE_ON, p, vel);
            c->held_since[p] = beat;
        }
        c->sounding[p] = (uint8_t)is;
    }
    c->steps++;
}

int cad_composer_observe_keys(cad_composer *c, const cad_constraints *k,
                              const uint8_t *keys)
{
    if (!c->roll)
        return -1;
    double beat = step_start(c, k);
    release_all(c, beat);
    c->shift = k->shift;
    for (int i = 0; i < c->n_keys; i++) {
        int p = sounds_as(c, k, i), on = p >= 0 && keys[p] != 0;
        if (c->onsets) /* struck now if it was not down the step before */
            c->frame[c->n_keys + i] = (uint8_t)(on && !c->frame[i]);
        c->frame[i] = (uint8_t)on;
    }
    metre_step(c, k, beat, c->frame);
    cad_gen_observe(c->g, c->frame);
    c->steps++;
    return 0;
}

int cad_composer_advance(cad_composer *c, const cad_constraints *k,
                         double until_beat, cad_event *out, int max, int *n,
                         cad_error *e)
{
    *n = 0;
    if (isnan(until_beat)) /* no beat: nothing lies before it */
        return 0;
    if (!c->roll) {
        int rc = cad_compose_decode_until(c, k, until_beat, e);
        if (rc < 0)
            return -1;
        drain(c, until_beat, out, max, n);
        return rc || (c->q_n > 0 && c->queue[c->q_start].beat < until_beat);
    }
    /* A frame's events come at its start, so once the next step starts
     * at or after until_beat, every event before it is known. A frame
     * makes at most two events a key: it runs only when they fit. */
    if (cad_composer_step_beats(c, k) <= 0)
        return cad_error_set(e, "the model's step length is unknown");
    for (;;) {
        drain(c, until_beat, out, max, n);
        if (step_start(c, k) >= until_beat)
            break;
        if (*n == max || cad_compose_room(c) < 2 * c->n_keys)
            return 1; /* the caller takes these first */
        roll_step(c, k);
    }
    return c->q_n > 0 && c->queue[c->q_start].beat < until_beat;
}
