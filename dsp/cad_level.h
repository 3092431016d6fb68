/* Loudness for offline bounces: how loud a render is, and the gain that
 * brings it to a target level without clipping.
 *
 * FluidSynth's level depends on the SoundFont, the instrument and how many
 * notes sound at once: a solo flute and a four-voice chorale differ by
 * 15 dB at one gain setting. A bounce should come out where General MIDI
 * renders usually sit, about -20 dBFS RMS, whatever was played. The level
 * is measured the way loudness meters gate it (EBU R 128's idea, without
 * its frequency weighting): the mean power of 400 ms blocks, leaving out
 * blocks quieter than -60 dBFS, so rests and the release tail do not make
 * a sparse piece look quiet.
 *
 * Nothing goes above the ceiling (-1 dBFS), so levelling never clips. A
 * piano's attacks stand 22 to 25 dB above its RMS, so a plain gain capped
 * by the peak leaves piano music 3 to 6 dB short of the target; a
 * look-ahead limiter takes up to CAD_LEVEL_LIMIT_DB off the few attacks
 * that would pass the ceiling, its gain eased in over 5 ms before each
 * (never a step, so no click) and out over 200 ms after. */
#ifndef CAD_LEVEL_H
#define CAD_LEVEL_H

#include <stdint.h>

typedef struct {
    int64_t block_frames; /* 400 ms */
    int64_t in_block;     /* frames in the block being summed */
    double block_power;   /* its sum of squares (both channels) */
    double gated_power;   /* sum of mean powers of the blocks kept */
    int64_t gated_blocks;
    float peak;           /* largest |sample| seen */
} cad_level_meter;

void cad_level_init(cad_level_meter *m, int rate);
/* n stereo frames, interleaved L R. */
void cad_level_add(cad_level_meter *m, const float *lr, int n);
/* The gated RMS level in dBFS (-inf for silence). Counts the block in
 * progress if it has at least 100 ms. */
double cad_level_rms_dbfs(const cad_level_meter *m);
/* The gain that puts the level at target_dbfs, lowered so the peak is at
 * most CAD_LEVEL_LIMIT_DB over ceiling_dbfs (the limiter takes that off);
 * 1 for silence. */
#define CAD_LEVEL_LIMIT_DB 6.0
double cad_level_gain(const cad_level_meter *m, double target_dbfs,
                      double ceiling_dbfs);

/* The limiter: frames go in, the same frames come out `delay` frames
 * later, scaled by `gain` and limited to the ceiling. */
#define CAD_LEVEL_LOOKAHEAD_MAX 1024
typedef struct {
    double gain, ceiling, release;
    int L;          /* look-ahead, frames */
    int64_t t;      /* frames pushed */
    float x[2 * CAD_LEVEL_LOOKAHEAD_MAX * 2]; /* the delay line, 2L frames */
    float need[2 * CAD_LEVEL_LOOKAHEAD_MAX];  /* gain each frame allows */
    int64_t dq[2 * CAD_LEVEL_LOOKAHEAD_MAX];  /* indices of a window min */
    int dq_head, dq_len;
    double held;    /* window minimum after release */
    float g1[2 * CAD_LEVEL_LOOKAHEAD_MAX];    /* its last L values */
    double g1_sum;
} cad_level_limiter;

void cad_level_limiter_init(cad_level_limiter *l, int rate, double gain,
                            double ceiling_dbfs);
/* Pushes one stereo frame; when a frame comes out (after the first L
 * pushes) writes it to out[0..1] and returns 1. */
int cad_level_limiter_push(cad_level_limiter *l, float left, float right,
                           float out[2]);
/* With no more input: pushes silence to drain the delay line. Returns
 * the number of frames it wrote to out (up to L). */
int cad_level_limiter_flush(cad_level_limiter *l, float *out_lr);

#endif
