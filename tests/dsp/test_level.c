/* dsp/cad_level: the gated level against sines worked out by hand, and the
 * limiter's promises (never over the ceiling, untouched below it, no gain
 * steps, nothing lost or added) on signals made to break them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../cad_test.h"
#include "cad_level.h"

#define RATE 48000

static void sine(float *lr, int n, double amp, double hz, int from)
{
    for (int i = 0; i < n; i++) {
        float v = (float)(amp * sin(2 * M_PI * hz * (from + i) / RATE));
        lr[2 * i] = lr[2 * i + 1] = v;
    }
}

static void test_meter(void)
{
    /* A sine of amplitude A has RMS A/sqrt(2): 0.1 -> -23.01 dBFS. */
    static float lr[2 * RATE];
    cad_level_meter m;
    cad_level_init(&m, RATE);
    for (int s = 0; s < 2; s++) { /* 2 s: five whole 400 ms blocks */
        sine(lr, RATE, 0.1, 440, s * RATE);
        cad_level_add(&m, lr, RATE);
    }
    double want = 20 * log10(0.1 / sqrt(2));
    CHECKF(fabs(cad_level_rms_dbfs(&m) - want) < 0.01, "%g vs %g",
           cad_level_rms_dbfs(&m), want);
    CHECK(fabsf(m.peak - 0.1f) < 1e-4f);
    /* Ten seconds of rests after it (and a -70 dBFS hum) change nothing:
     * the gate leaves them out. */
    for (int s = 0; s < 10; s++) {
        sine(lr, RATE, 0.0003, 50, s * RATE);
        cad_level_add(&m, lr, RATE);
    }
    CHECKF(fabs(cad_level_rms_dbfs(&m) - want) < 0.01, "gated %g",
           cad_level_rms_dbfs(&m));
    /* To -20: +3.01 dB, the peak allows it. */
    double g = cad_level_gain(&m, -20.0, -1.0);
    CHECKF(fabs(20 * log10(g) - (-20.0 - want)) < 0.01, "gain %g", g);
    /* Silence: gain 1, level -inf. */
    cad_level_meter z;
    cad_level_init(&z, RATE);
    memset(lr, 0, sizeof lr);
    cad_level_add(&z, lr, RATE);
    CHECK(isinf(cad_level_rms_dbfs(&z)) && cad_level_gain(&z, -20, -1) == 1);
    /* A loud peak caps the gain at the limiter's range over the ceiling. */
    cad_level_meter p;
    cad_level_init(&p, RATE);
    sine(lr, RATE, 0.01, 440, 0);
    lr[1000] = 0.9f;
    cad_level_add(&p, lr, RATE);
    g = cad_level_gain(&p, -20.0, -1.0);
    CHECKF(fabs(20 * log10(g * 0.9) - (-1.0 + CAD_LEVEL_LIMIT_DB)) < 0.01,
           "capped gain %g", g);
}

/* Runs n frames of in through a limiter at gain g; out gets n frames. */
static void limit(const float *in, float *out, int n, double g)
{
    cad_level_limiter *l = malloc(sizeof *l);
    cad_level_limiter_init(l, RATE, g, -1.0);
    int k = 0;
    for (int i = 0; i < n; i++)
        k += cad_level_limiter_push(l, in[2 * i], in[2 * i + 1],
                                    out + 2 * k);
    k += cad_level_limiter_flush(l, out + 2 * k);
    CHECKF(k == n, "%d frames out of %d", k, n);
    free(l);
}

static void test_limiter(void)
{
    const int n = 2 * RATE;
    float *in = malloc(sizeof(float) * 2 * n);
    float *out = malloc(sizeof(float) * 2 * n);
    const float ceiling = (float)pow(10.0, -1.0 / 20.0);

    /* Below the ceiling: the input times the gain, sample for sample. */
    sine(in, n, 0.2, 440, 0);
    limit(in, out, n, 2.0);
    double worst = 0;
    for (int i = 0; i < 2 * n; i++)
        worst = fmax(worst, fabs(out[i] - 2.0 * in[i]));
    CHECKF(worst < 1e-6, "untouched signal changed by %g", worst);

    /* Spikes and bursts far over it, at random places, on a quiet bed:
     * never over the ceiling, and the gain moves in ramps. */
    srand(7);
    sine(in, n, 0.05, 220, 0);
    for (int s = 0; s < 40; s++) {
        int at = rand() % n, len = 1 + rand() % 2000;
        for (int i = at; i < at + len && i < n; i++)
            in[2 * i + (s & 1)] = (float)(0.3 + 0.7 * rand() / RAND_MAX) *
                                  (i & 1 ? 1 : -1);
    }
    in[0] = 1.0f;           /* at the very first frame too */
    in[2 * n - 1] = -1.0f;  /* and the last */
    limit(in, out, n, 2.0);
    float peak = 0;
    double step = 0;
    double prev = 2.0;
    for (int i = 0; i < n; i++) {
        peak = fmaxf(peak, fmaxf(fabsf(out[2 * i]), fabsf(out[2 * i + 1])));
        /* the gain applied, read off the bed's frames where it is clear */
        if (fabsf(in[2 * i]) > 0.02f && fabsf(in[2 * i]) < 0.06f &&
            fabsf(in[2 * i + 1] - in[2 * i]) < 1e-9f) {
            double gain = out[2 * i] / in[2 * i];
            if (i > 0 && fabsf(in[2 * i - 2]) > 0.02f)
                step = fmax(step, fabs(gain - prev) / 2.0);
            prev = gain;
        }
    }
    CHECKF(peak <= ceiling * 1.00001f, "peak %g over %g", peak, ceiling);
    /* A 5 ms ramp is 240 frames: no frame-to-frame change near a full
     * step (a step would be 0.5 and more here). */
    CHECKF(step < 0.05, "largest gain change between frames %g", step);

    /* NaN in: finite out. */
    sine(in, n, 0.1, 440, 0);
    in[5000] = NAN;
    limit(in, out, n, 1.0);
    int finite = 1;
    for (int i = 0; i < 2 * n; i++)
        finite &= isfinite(out[i]);
    CHECK(finite);
    free(in);
    free(out);
}

int main(void)
{
    test_meter();
    test_limiter();
    TEST_MAIN_END();
}
