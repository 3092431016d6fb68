/* Training and evaluation on sequences of any representation (a
 * cad_seq_source: piano rolls, tokens, events...): cutting pieces into
 * sequences, filling padded batches, one epoch of minibatch training,
 * and the benchmark metric (NLL per step, nats).
 *
 * A sequence's target at step t is frame t and its input frame t-1; the
 * input before a piece's first frame is silence. With seq_len > 0, pieces
 * are cut into chunks of that many frames (the last may be shorter), each
 * starting from a zero LSTM state but with the real preceding frame as its
 * first input; with seq_len = 0, every piece is one sequence.
 *
 * Memory depends on the chunk, not on the piece: a batch whose longest
 * sequence has more than `chunk` frames is run as consecutive chunks of
 * that many time steps, each starting from the LSTM state the previous one
 * ended in (truncated backpropagation through time: the gradient stops at
 * a chunk's start), with one optimiser step for the whole batch. Batches
 * that fit in one chunk train exactly as before. Evaluation runs in chunks
 * the same way; there, carrying the state makes it exact.
 *
 * A window model (cad_model_config.window = W, e.g. a bidirectional one)
 * sees no more than the last W steps: every training sequence is the W
 * inputs before one target, from a zero state, with the loss at its last
 * step only (inputs before a piece's start are silence, as the first
 * input always is), and evaluation averages over every step of every
 * piece, each predicted from its own window. */
#ifndef CAD_TRAIN_H
#define CAD_TRAIN_H

#include "cad_model_train.h"
#include "cad_optim.h"
#include "cad_seq.h"

/* A stretch of one piece that is one training sequence. */
typedef struct {
    int piece, start, len;
} cad_train_span;

/* Longer than every piece of the JSB and Nottingham benchmarks (at most
 * 144 and 1788 frames), so their training is as it was before chunks. */
#define CAD_TRAIN_CHUNK 2048

typedef struct {
    int batch;        /* sequences per batch */
    int seq_len;      /* 0 = whole pieces */
    cad_opt_config opt;
    int chunk;        /* time steps held at once; 0 = CAD_TRAIN_CHUNK */
    int window_stride;/* a window model (cad_model_config.window) trains
                         each epoch on a random 1/window_stride of its
                         windows (each costs W steps for one prediction);
                         0 or 1 = every one, as the note+duration token
                         system */
} cad_train_config;

typedef struct {
    cad_model *m;
    cad_train_config cfg;
    cad_optim opt;
    cad_model_ws *ws;
    cad_rng rng;       /* shuffling and dropout */
    cad_train_span *seqs;
    int n_seqs;
    float *x, *y, *mask;
    long cap;          /* floats allocated in x and y */
    long epoch;        /* completed epochs */
    /* The training loop's own state, kept in checkpoints so that a resumed
     * run stops (early or not) exactly where the uninterrupted one would,
     * on the same model: */
    double best;       /* best validation NLL so far, exact (INFINITY: none) */
    long best_epoch;   /* the epoch that reached it */
    long since_best;   /* epochs since then */
    uint64_t data_hash; /* the pieces and their order (the source's hash) */
    /* the batch just trained, for a progress callback: its NLL summed
     * over its steps, and its sequences */
    double batch_nll;
    int batch_seqs;
} cad_trainer;

int cad_trainer_init(cad_trainer *t, cad_model *m, const cad_train_config *c,
                     uint64_t seed, cad_error *e);
void cad_trainer_free(cad_trainer *t);

typedef void (*cad_progress_fn)(void *ud, int done, int total, double nll);

/* One pass over the training set in a fresh random order. *nll receives the
 * training NLL per frame (with dropout on). */
int cad_trainer_epoch(cad_trainer *t, const cad_seq_source *data,
                      cad_progress_fn progress, void *ud, double *nll,
                      cad_error *e);

/* The benchmark metric: for every frame of every piece, -log p(frame),
 * averaged over all frames (long pieces weigh more). Whole pieces, no
 * dropout, zero start state. */
int cad_eval_nll(cad_model *m, const cad_seq_source *data, double *nll,
                 long *frames, cad_error *e);

/* Optimiser state, RNG, the loop's state (best, best_epoch, since_best) and
 * the data's fingerprint into/out of a checkpoint file (with the model).
 * Resuming on data with another fingerprint than t->data_hash fails. */
int cad_trainer_save(const cad_trainer *t, const char *path, cad_error *e);
int cad_trainer_resume(cad_trainer *t, const char *path, cad_error *e);

#endif
