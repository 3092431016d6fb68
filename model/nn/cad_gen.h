/* Frame-by-frame generation: the small API the plugin and the CLI use.
 *
 * A cad_gen holds the LSTM state for one voice and all the scratch memory a
 * step needs, allocated once in cad_gen_new, so cad_gen_sample and
 * cad_gen_observe never allocate (the plugin calls them from its worker
 * thread, but they are also cheap enough and bounded enough for any
 * thread). Convention: the network's input at step t is frame t-1 (silence
 * before the first frame), its output the distribution of frame t.
 *
 * A window model (cad_model_config.window = W: bidirectional layers, the
 * note+duration token system) carries no state: its cad_gen keeps the
 * last W inputs instead and runs the whole network over them at every
 * step, W times the work, still bounded and allocation-free. Callers see
 * no difference. */
#ifndef CAD_GEN_H
#define CAD_GEN_H

#include <stdint.h>

#include "cad_error.h"
#include "cad_rng.h"

typedef struct cad_model cad_model;
typedef struct cad_gen cad_gen;

typedef struct {
    int n_keys;         /* frame width (88) */
    int low_key;        /* MIDI note of key 0 (21) */
    double step_beats;  /* frame length in quarter notes (0 if in seconds) */
    double step_seconds;/* frame length in seconds (0 if in beats) */
} cad_model_info;

/* Loads and checks a model file; a model whose forward pass overflows on
 * a probe input (finite weights, non-finite outputs) is refused too. */
int cad_model_load(const char *path, cad_model **out, cad_error *e);
/* The same for a model of any representation (a piano roll's frames, or
 * another representation's steps, whose metadata says how to read them:
 * music/cad_repr.h). cad_model_load refuses anything but piano rolls, so
 * that what plays frames never plays something else as frames. */
int cad_model_load_any(const char *path, cad_model **out, cad_error *e);
void cad_model_free(cad_model *m);
void cad_model_get_info(const cad_model *m, cad_model_info *info);

typedef struct {
    float temperature;  /* > 0; 1 = the model's own distribution. Values
                           <= 1e-3 mean greedy (most likely choice). */
    float threshold;    /* seed 001: keys whose probability is below this are
                           never played; 0 disables */
    const uint8_t *allowed; /* n_keys flags (key/scale/range mask) or NULL */
    int max_notes;      /* at most this many keys a frame, the highest
                           (the top voices); 0 = no limit */
    int top_k;          /* categorical heads: only the k likeliest choices
                           (0 = all) */
    float top_p;        /* and the fewest likeliest whose probability
                           reaches top_p (0 or 1 = all); cad_top_filter */
    const uint8_t *set; /* n_out flags or NULL: outputs set to 1 after
                           sampling, before the network hears the frame
                           (inputs the caller knows, such as the position
                           in the bar; mask them in `allowed` so the
                           sampler leaves them 0 otherwise) */
} cad_sample_params;

cad_gen *cad_gen_new(const cad_model *m, cad_error *e);
void cad_gen_free(cad_gen *g);
/* Back to silence: forgets everything played or observed. */
void cad_gen_reset(cad_gen *g);
/* Samples the next frame into out[n_keys] (0/1) and feeds it back. */
void cad_gen_sample(cad_gen *g, const cad_sample_params *p, cad_rng *rng,
                    uint8_t *out);
/* Feeds a frame that was played by someone else (primer, live input). */
void cad_gen_observe(cad_gen *g, const uint8_t *frame);
/* What the model expected of `frame` before hearing it: each key's
 * probability of sounding (a NADE's given the keys below as they are in
 * the frame) into p[n_out]; then `frame` is observed as above. Piano-roll
 * heads (sigmoid, NADE). */
void cad_gen_probs_observe(cad_gen *g, const uint8_t *frame, float *p);

/* The same for a model with a fields head (one output per field of a
 * layout, cad_head.h): a step in the layout's floats, sampled (with the
 * temperature of p; the frame-only parameters do not apply) or observed.
 * The network's next input is the step expanded. */
void cad_gen_sample_step(cad_gen *g, const cad_sample_params *p, cad_rng *rng,
                         float *step);
void cad_gen_observe_step(cad_gen *g, const float *step);

#endif
