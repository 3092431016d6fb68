/* Inside a composer: shared by cad_compose.c (the composer, piano-roll
 * frames, the queue), cad_compose_steps.c (representations decoded from
 * whole sequences) and cad_compose_score.c (whole pieces). Not for use
 * outside compose/. */
#ifndef CAD_COMPOSE_PRIV_H
#define CAD_COMPOSE_PRIV_H

#include "cad_compose.h"
#include "cad_gen.h"
#include "cad_rng.h"

/* Most steps a composer of a decoded representation keeps (the command
 * asked for no more before composers existed). */
#define CAD_COMPOSE_MAX_STEPS (1 << 16)

struct cad_composer {
    const cad_model *m;
    const cad_repr *r;
    cad_gen *g;
    cad_rng rng;
    double step_beats, step_seconds; /* the model's, for cad_step_beats */

    /* Piano rolls: frames decoded as they come. */
    int roll;          /* 1: the model's steps are piano-roll frames */
    int n_keys, low_key, onsets; /* keys from low_key; a strike bit each */
    int n_out;         /* bytes of a frame: n_keys, twice with onsets */
    uint8_t *frame;    /* the frame last sampled or observed */
    uint8_t *allowed;  /* the mask over a frame, rebuilt every step */
    int metre_off;     /* where a frame's metre bits start; -1: none */
    uint8_t *set;      /* the bits the composer sets itself (the metre's) */
    uint8_t sounding[128]; /* keys the composer holds down now */
    int shift;         /* the constraints' shift those keys sound at */
    double held_since[128]; /* the beat each sounding key was struck */

    /* Time: the beat of step `steps` is beat0 + (steps - steps0) * sb0,
     * so a constant step length gives exact multiples of it; a new
     * length (a new tempo for a model timed in seconds) starts a new
     * stretch. */
    long steps, steps0;
    double beat0, sb0;

    /* Events held back, in time order: queue[q_start, q_start + q_n). */
    cad_event queue[CAD_COMPOSE_QUEUE];
    int q_start, q_n;

    /* Other representations: steps kept and decoded whole. */
    int by_step;       /* a fields head samples whole steps */
    int K;             /* a step expanded: the network's input */
    cad_seq seq;       /* the steps sampled since the reset */
    int seq_cap;
    float *full;       /* one expanded step */
    double horizon;    /* the decoded music's length so far */
    double emitted;    /* notes before this beat are in the queue or out */
    int emitted_skip;  /* and this many of those at exactly `emitted` */
};

/* Queues an event in time order; -1 if the queue is full. */
int cad_compose_push(cad_composer *c, double beat, int kind, int pitch,
                     int velocity);
/* Free room in the queue. */
int cad_compose_room(const cad_composer *c);

/* One step of a decoded representation into c->seq (step c->seq.T). */
void cad_compose_sample_step(cad_composer *c, const cad_constraints *k);
/* Decoded representations: runs steps until the decoded music reaches
 * until_beat and queues the notes that start before it; 1 if the queue
 * had no room for all of them, -1 on a decoder's error. */
int cad_compose_decode_until(cad_composer *c, const cad_constraints *k,
                             double until_beat, cad_error *e);

#endif
