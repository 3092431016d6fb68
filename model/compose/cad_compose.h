/* Composing: the one generation path of the command and the plugin.
 *
 * A composer joins a network (nn/) and the representation its steps are
 * in (music/): it runs the network step by step under a musician's
 * constraints and turns what it samples into timed note events, in
 * quarter notes ("beats") from the start of the composition. The plugin's
 * worker asks for the events up to the next block of the host's
 * transport, the command for a whole piece (cad_compose_score); both get
 * the same notes for the same seed, model and constraints.
 *
 * Life of a composer:
 *
 *   cad_compose_repr(model, bpm, &repr, &e);  what its steps are
 *   c = cad_composer_new(model, repr, &e);    allocates all it will need
 *   cad_composer_reset(c, seed);              silence, beat 0, the seed
 *   cad_composer_prime(c, &k, score, n, &e);  optional: play a primer in
 *   cad_composer_observe_keys(c, &k, keys);   or: the player's notes of
 *                                             one step (listen mode)
 *   cad_composer_advance(c, &k, until, ev, max, &n, &e);  again and again
 *   cad_composer_free(c);
 *
 * Real time: for models whose steps are piano-roll frames, reset,
 * observe_keys and advance never allocate, and an advance runs no more
 * model steps than lie before until_beat, stopping early when `out` is
 * full (the plugin's worker asks for a slot of beats at a time). Other
 * representations are decoded through their kind's whole-sequence
 * decoder, which allocates and may look ahead of until_beat until a note
 * is settled (cad_composer_realtime says which case a composer is in);
 * the plugin calls advance only in its worker, so it plays both.
 * cad_composer_prime encodes a score, and allocates: it is for the
 * command, not for a real-time thread.
 *
 * This layer sees base, io, nn and music, and no BLAS: the plugin links
 * it (cad_compose_dep in model/meson.build). */
#ifndef CAD_COMPOSE_H
#define CAD_COMPOSE_H

#include <stdint.h>

#include "cad_error.h"
#include "cad_repr.h"
#include "cad_scale.h"
#include "cad_score.h"

typedef struct cad_model cad_model;
typedef struct cad_composer cad_composer;

/* What a musician asks of the composition, in one place. Applied to every
 * step; may change from one advance to the next (automation). */
typedef struct {
    float temperature; /* 1 = the model's own distribution, <= 1e-3 the
                          likeliest choice, higher = wilder */
    int top_k;         /* categorical choices: only the k likeliest (0 = all) */
    float top_p;       /* and only the smallest set of likeliest choices
                          whose probability reaches top_p (0 or 1 = all) */
    float threshold;   /* piano rolls: never a key whose probability is
                          below this (the probability-threshold system) */
    int max_notes;     /* piano rolls: at most this many keys at once, the
                          highest (1 keeps the melody); 0 = no limit */
    double max_hold;   /* a note held this many beats is let go (a piano
                          roll's key for a step; another representation's
                          note ends there); 0 = no limit. At low
                          temperature a piano roll settles on one chord and
                          holds it for ever, and a weak performance model
                          forgets its note-offs; this makes them move on */
    int key;           /* tonic, pitch class 0..11 (C = 0) */
    cad_scale scale;   /* the notes of the scale on that tonic */
    int shift;         /* semitones the model's music is moved up (what
                          it composes sounds that much higher, a primer
                          or a player it hears is moved down by it):
                          cad_constraints_in_key; 0 = as the model has it */
    int low, high;     /* MIDI range, inclusive */
    int velocity;      /* 1..127 (clamped), for representations that keep
                          none */
    double bpm;        /* the tempo, for models whose steps are in seconds */
    cad_meter metre;   /* the bars: numerator/denominator (4/4), and
                          metre.beat, a beat of the composition on which a
                          bar starts (0). Piano rolls with the metre option
                          are told where they are in it (music/cad_metre.h) */
} cad_constraints;

/* Temperature 1, no top-k/top-p/threshold/limit, C chromatic over MIDI
 * 0..127, velocity 80, 120 bpm, 4/4 from beat 0. */
void cad_constraints_default(cad_constraints *k);

/* Composing in a key: scale s on tonic (0..11) as the mask, and the
 * shift that moves a model's C major / A minor there (cad_scale_home).
 * A model trained on data in every key is still kept to the scale; one
 * trained in C (the transposed data sets) now composes in the key. */
void cad_constraints_in_key(cad_constraints *k, int tonic, cad_scale s);

/* The one mask: 1 if the constraints let `pitch` (MIDI) be played. Every
 * note-on a composer returns passes it, under the constraints of the
 * call that composed it (a promise: enforced on what is played, not only
 * asked of the sampler). */
int cad_constraints_allow(const cad_constraints *k, int pitch);

/* The one rule for step lengths: how many beats a model step lasts. A
 * model on a beat grid says so itself (step_beats > 0, the tempo does
 * not matter); a model timed in seconds lasts step_seconds at `bpm`
 * quarter notes a minute. 0 when neither is known. */
double cad_step_beats(double step_beats, double step_seconds, double bpm);

typedef enum { CAD_EVENT_NOTE_OFF, CAD_EVENT_NOTE_ON } cad_event_kind;

typedef struct {
    double beat;      /* when, in beats from the start of the composition */
    uint8_t kind;     /* cad_event_kind */
    uint8_t pitch;    /* MIDI 0..127 */
    uint8_t velocity; /* note-on: 1..127; note-off: 0 */
} cad_event;

/* Events a composer holds back for later calls, at most: a piano-roll
 * frame makes at most two a key (off and on) and runs only when they
 * fit; a decoded representation's notes wait their turn when it is full.
 * (1024 events are 16 kB of the composer.) */
#define CAD_COMPOSE_QUEUE 1024

/* The representation of m's steps, from its file's metadata; for a
 * piano roll timed in seconds (the probability-threshold system's 0.3 s
 * frames), a piano roll on the grid of beats those seconds make at bpm
 * (cad_step_beats), which is how a composer plays it. */
int cad_compose_repr(const cad_model *m, double bpm, cad_repr **out,
                     cad_error *e);

/* A composer for model m, whose steps r describes (cad_compose_repr;
 * both must outlive the composer). Fails, saying why,
 * when the model's steps are not r's. Starts reset with seed 1. */
cad_composer *cad_composer_new(const cad_model *m, const cad_repr *r,
                               cad_error *e);
void cad_composer_free(cad_composer *c);

/* Back to silence at beat 0: forgets what was played, observed or queued,
 * and seeds the random numbers. Same seed, same constraints, same calls:
 * the same events. */
void cad_composer_reset(cad_composer *c, uint64_t seed);

/* Plays the first `steps` encoded steps of s into the network (all of
 * them if it has fewer), as the model's own: the command's --primer. A
 * model timed in seconds hears s in seconds, on its grid at k->bpm
 * (cad_score_at_tempo). No events come of it, and the beat stays where
 * it was. Allocates. */
int cad_composer_prime(cad_composer *c, const cad_constraints *k,
                       const cad_score *s, int steps, cad_error *e);

/* Listen mode (piano rolls): keys[128], nonzero for each MIDI note the
 * player held during one step, observed as the model's next step. The
 * step's time passes (the beat moves on by a step at k's tempo), and
 * what the composer itself still sounded is released at the step's start
 * (note-offs in the queue): the player has the instrument. -1 if the
 * model is not a piano roll. */
int cad_composer_observe_keys(cad_composer *c, const cad_constraints *k,
                              const uint8_t *keys);

/* Composes until the music reaches until_beat: runs model steps as far as
 * needed, writes to out (at most max) the events with beat < until_beat
 * in time order (at one beat: note-offs first, then note-ons; lower
 * pitches first), and keeps the events beyond (a held note's note-off,
 * a frame's events that overflow max) in the queue for the next call.
 * A note sounds from its note-on to its note-off; a held piano-roll key
 * gives no events until it is released or (with onset bits) struck
 * again. *n receives the count. Returns 0, 1 when it stopped before
 * until_beat because out or the queue was full (call again), or -1 on
 * an error of a representation's decoder (e says why). */
int cad_composer_advance(cad_composer *c, const cad_constraints *k,
                         double until_beat, cad_event *out, int max, int *n,
                         cad_error *e);

/* The beat at which the next model step starts (0 after a reset). */
double cad_composer_beat(const cad_composer *c);
/* Model steps taken since the reset (primer and observed steps aside). */
long cad_composer_steps(const cad_composer *c);
/* A step's length in beats under k (cad_step_beats for the model). */
double cad_composer_step_beats(const cad_composer *c,
                               const cad_constraints *k);
/* 1 if advance and observe_keys never allocate for this model. */
int cad_composer_realtime(const cad_composer *c);

/* A whole piece, for the command. */
typedef struct {
    cad_constraints k;
    uint64_t seed;
    double beats;            /* compose until the music is this long */
    const cad_score *primer; /* or NULL */
    int primer_steps;        /* how many of its encoded steps */
} cad_compose_opts;

/* Composes with m (steps in r) into out, a score at k.bpm: a piano roll
 * through cad_composer_advance up to `beats`, with notes still held
 * there ending at it; another representation step by step, as its
 * decoder reads the steps, until the decoded music is `beats` long.
 * *steps (if steps is not NULL): the model steps it took. */
int cad_compose_score(const cad_model *m, const cad_repr *r,
                      const cad_compose_opts *o, cad_score *out,
                      long *steps, cad_error *e);

/* Song form: a piece in sections, one a letter (A-Z), equal letters the
 * same music note for note ("ABCBDB": verse, chorus, verse, chorus,
 * bridge, chorus). Each new letter is composed under o (its own seed
 * drawn from o->seed) for section_beats, primed with the section before
 * it (the first with o->primer); sections are cut at their length.
 * out: the piece, len(form) * section_beats long. *steps: model steps. */
#define CAD_FORM_MAX 64
int cad_compose_form(const cad_model *m, const cad_repr *r,
                     const cad_compose_opts *o, const char *form,
                     double section_beats, cad_score *out, long *steps,
                     cad_error *e);
/* 0 if form is a form cad_compose_form takes, else -1 saying why. */
int cad_compose_form_check(const char *form, cad_error *e);

#endif
