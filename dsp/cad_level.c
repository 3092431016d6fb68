/* Gated RMS and peak of a render, and the gain to a target level (see
 * cad_level.h for why it is gated). */
#include "cad_level.h"

#include <math.h>
#include <string.h>

#define CAD_LEVEL_GATE_DBFS -60.0

void cad_level_init(cad_level_meter *m, int rate)
{
    *m = (cad_level_meter){0};
    m->block_frames = rate > 0 ? (int64_t)rate * 4 / 10 : 19200;
}

/* Mean power per sample of a block, kept if it is above the gate. */
static void cad_level_close_block(cad_level_meter *m)
{
    double mean = m->block_power / (2.0 * (double)m->in_block);
    if (mean > pow(10.0, CAD_LEVEL_GATE_DBFS / 10.0)) {
        m->gated_power += mean;
        m->gated_blocks++;
    }
    m->block_power = 0.0;
    m->in_block = 0;
}

void cad_level_add(cad_level_meter *m, const float *lr, int n)
{
    for (int i = 0; i < n; i++) {
        float l = lr[2 * i], r = lr[2 * i + 1];
        float a = fabsf(l) > fabsf(r) ? fabsf(l) : fabsf(r);
        if (a > m->peak) /* NaN never compares greater: not a peak */
            m->peak = a;
        m->block_power += (double)l * l + (double)r * r;
        if (++m->in_block == m->block_frames)
            cad_level_close_block(m);
    }
}

double cad_level_rms_dbfs(const cad_level_meter *m)
{
    cad_level_meter c = *m;
    if (c.in_block >= c.block_frames / 4)
        cad_level_close_block(&c);
    if (c.gated_blocks == 0)
        return -INFINITY;
    return 10.0 * log10(c.gated_power / (double)c.gated_blocks);
}

double cad_level_gain(const cad_level_meter *m, double target_dbfs,
                      double ceiling_dbfs)
{
    double level = cad_level_rms_dbfs(m);
    if (!isfinite(level) || !(m->peak > 0.0f))
        return 1.0;
    double g = pow(10.0, (target_dbfs - level) / 20.0);
    double cap = pow(10.0, (ceiling_dbfs + CAD_LEVEL_LIMIT_DB) / 20.0) /
                 (double)m->peak;
    return g < cap ? g : cap;
}

/* ---- the look-ahead limiter ------------------------------------------ *
 *
 * need[t]: the largest gain frame t can take and stay under the ceiling.
 * g1[s] = min(need[s .. s+L]) (a sliding-window minimum, kept in a deque
 * of indices whose need values increase), eased back up at the release
 * rate but never above that minimum. The gain applied at frame p is the
 * mean of g1 over the L windows that end at or after p... each of which
 * contains p, so the mean is at most need[p]: the ceiling holds exactly,
 * and the gain moves in ramps, not steps. */

void cad_level_limiter_init(cad_level_limiter *l, int rate, double gain,
                            double ceiling_dbfs)
{
    memset(l, 0, sizeof *l);
    l->gain = gain;
    l->ceiling = pow(10.0, ceiling_dbfs / 20.0);
    l->L = rate / 200; /* 5 ms */
    if (l->L < 1)
        l->L = 1;
    if (l->L > CAD_LEVEL_LOOKAHEAD_MAX)
        l->L = CAD_LEVEL_LOOKAHEAD_MAX;
    /* back up 1/e of the way in 200 ms */
    l->release = 1.0 - exp(-1.0 / (0.2 * (rate > 0 ? rate : 48000)));
    l->held = 1.0;
    for (int i = 0; i < l->L; i++)
        l->g1[i] = 1.0f;
    l->g1_sum = l->L;
}

int cad_level_limiter_push(cad_level_limiter *l, float left, float right,
                           float out[2])
{
    const int R = 2 * CAD_LEVEL_LOOKAHEAD_MAX; /* ring sizes */
    const int64_t t = l->t++;
    if (!isfinite(left)) /* a synth gone wrong: silence, not NaN */
        left = 0.0f;
    if (!isfinite(right))
        right = 0.0f;
    float a = fabsf(left) > fabsf(right) ? fabsf(left) : fabsf(right);
    double peak = (double)a * l->gain;
    float need = peak > l->ceiling ? (float)(l->ceiling / peak) : 1.0f;
    l->need[t % R] = need;
    l->x[2 * (t % R)] = left;
    l->x[2 * (t % R) + 1] = right;
    while (l->dq_len > 0 &&
           l->need[l->dq[(l->dq_head + l->dq_len - 1) % R] % R] >= need)
        l->dq_len--;
    l->dq[(l->dq_head + l->dq_len++) % R] = t;
    if (t < l->L)
        return 0;
    /* window [s, s+L] with s = t - L is complete */
    const int64_t s = t - l->L;
    while (l->dq[l->dq_head] < s) {
        l->dq_head = (l->dq_head + 1) % R;
        l->dq_len--;
    }
    double wmin = l->need[l->dq[l->dq_head] % R];
    l->held += (1.0 - l->held) * l->release;
    if (l->held > wmin)
        l->held = wmin;
    /* the mean of g1 over s-L+1 .. s is the gain for frame s */
    int slot = (int)(s % l->L);
    l->g1_sum += l->held - l->g1[slot];
    l->g1[slot] = (float)l->held;
    /* The mean is at most need[s] but for float rounding and the first L
     * frames (whose earlier windows never existed): the min makes sure. */
    double g = l->g1_sum / l->L;
    if (g > l->need[s % R])
        g = l->need[s % R];
    g *= l->gain;
    out[0] = (float)(l->x[2 * (s % R)] * g);
    out[1] = (float)(l->x[2 * (s % R) + 1] * g);
    return 1;
}

int cad_level_limiter_flush(cad_level_limiter *l, float *out_lr)
{
    int n = 0;
    for (int i = 0; i < l->L; i++)
        n += cad_level_limiter_push(l, 0.0f, 0.0f, out_lr + 2 * n);
    return n;
}
