/* Checks the exports of the Ardour end-to-end test:
 *   wav_check RAMP.wav FLAT.wav
 * RAMP is the session with the temperature automated from 0.1 to 1.9,
 * FLAT the same session held at 0.1. RAMP must not be silent, and in its
 * last quarter (temperature 1.45..1.9) the music must have changed
 * character against FLAT: more notes at once (a higher level) and at
 * least as many note onsets (sudden rises of the short-term level). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sndfile.h>

/* Onsets in [from, to): 10 ms windows whose level rises 3 dB above the
 * previous window's and above a floor. */
static int onsets(const float *x, long from, long to, int rate)
{
    long w = rate / 100;
    double prev = 0;
    int n = 0;
    for (long i = from; i + w <= to; i += w) {
        double acc = 0;
        for (long j = i; j < i + w; j++)
            acc += (double)x[j] * x[j];
        double rms = sqrt(acc / (double)w);
        if (rms > 1e-3 && rms > prev * 1.41)
            n++;
        prev = rms;
    }
    return n;
}

typedef struct {
    long n;
    int rate;
    float *mono;
} wav;

static int load(const char *path, wav *w)
{
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    w->n = (long)info.frames;
    w->rate = info.samplerate;
    if (w->n < 400 || info.channels < 1) {
        fprintf(stderr, "%s: too short (%ld frames)\n", path, w->n);
        sf_close(f);
        return -1;
    }
    float *buf = malloc(sizeof(float) * (size_t)w->n * (size_t)info.channels);
    w->mono = calloc((size_t)w->n, sizeof(float));
    if (!buf || !w->mono || sf_readf_float(f, buf, w->n) != w->n) {
        fprintf(stderr, "%s: cannot read %ld frames\n", path, w->n);
        free(buf);
        sf_close(f);
        return -1;
    }
    sf_close(f);
    for (long i = 0; i < w->n; i++) {
        double s = 0;
        for (int c = 0; c < info.channels; c++)
            s += buf[i * info.channels + c];
        w->mono[i] = (float)(s / info.channels);
    }
    free(buf);
    return 0;
}

static double level(const wav *w, long from, long to)
{
    double acc = 0;
    for (long i = from; i < to; i++)
        acc += (double)w->mono[i] * w->mono[i];
    return sqrt(acc / (double)(to - from));
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: wav_check RAMP.wav FLAT.wav\n");
        return 2;
    }
    wav r, f;
    if (load(argv[1], &r) != 0 || load(argv[2], &f) != 0)
        return 1;
    long q = r.n / 4;
    double all = level(&r, 0, r.n);
    double r_last = level(&r, r.n - q, r.n), f_last = level(&f, f.n - q, f.n);
    int r_on = onsets(r.mono, r.n - q, r.n, r.rate);
    int f_on = onsets(f.mono, f.n - q, f.n, f.rate);
    printf("ramp: %ld frames at %d Hz, rms %.4f; last quarter: rms %.4f, "
           "%d onsets; flat 0.1: rms %.4f, %d onsets\n",
           r.n, r.rate, all, r_last, r_on, f_last, f_on);
    int failed = 0;
    if (all < 1e-3) {
        fprintf(stderr, "silent export\n");
        failed++;
    }
    if (!(r.n == f.n && r_last > 1.3 * f_last && r_on >= f_on)) {
        fprintf(stderr, "the temperature ramp changed nothing audible\n");
        failed++;
    }
    free(r.mono);
    free(f.mono);
    printf("%d passed, %d failed\n", 2 - failed, failed);
    return failed ? 1 : 0;
}
