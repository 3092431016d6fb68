/* The Krumhansl–Schmuckler key estimate (Krumhansl 1990, "Cognitive
 * Foundations of Musical Pitch"): listeners' ratings of how well each
 * pitch class fits a key (the Krumhansl–Kessler probe-tone profiles) are
 * correlated with how much each pitch class is played. */
#include "cad_key.h"

#include <math.h>

/* Probe-tone ratings from the tonic upwards (Krumhansl & Kessler 1982). */
static const double major_profile[12] = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09,
                                         2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
static const double minor_profile[12] = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53,
                                         2.54, 4.75, 3.98, 2.69, 3.34, 3.17};

/* Pearson correlation of x with the profile rotated to start on tonic. */
static double correlate(const double x[12], const double profile[12],
                        int tonic)
{
    double mx = 0, mp = 0;
    for (int i = 0; i < 12; i++) {
        mx += x[i] / 12;
        mp += profile[i] / 12;
    }
    double sxy = 0, sxx = 0, syy = 0;
    for (int pc = 0; pc < 12; pc++) {
        double dx = x[pc] - mx, dy = profile[(pc - tonic + 12) % 12] - mp;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    return sxy / sqrt(sxx * syy);
}

int cad_key_estimate(const double weight[12], cad_key *out)
{
    double lo = weight[0], hi = weight[0];
    for (int i = 1; i < 12; i++) {
        lo = weight[i] < lo ? weight[i] : lo;
        hi = weight[i] > hi ? weight[i] : hi;
    }
    if (!(hi > lo)) /* flat (or NaN): the correlation is undefined */
        return -1;
    cad_key best = {0, 0, -2.0};
    for (int minor = 0; minor < 2; minor++)
        for (int tonic = 0; tonic < 12; tonic++) {
            double r = correlate(weight, minor ? minor_profile : major_profile,
                                 tonic);
            if (r > best.r)
                best = (cad_key){tonic, minor, r};
        }
    *out = best;
    return 0;
}

void cad_key_roll_histogram(const cad_roll *r, double weight[12])
{
    for (int i = 0; i < 12; i++)
        weight[i] = 0;
    for (long t = 0; t < r->n_frames; t++) {
        const uint8_t *f = r->on + t * CAD_ROLL_KEYS;
        for (int k = 0; k < CAD_ROLL_KEYS; k++)
            if (f[k])
                weight[(k + CAD_ROLL_LOW) % 12] += 1;
    }
}

int cad_key_in_scale(const cad_key *k, int pc)
{
    /* Steps above the tonic. Minor: natural minor 0 2 3 5 7 8 10 and the
     * leading tone 11. */
    static const uint8_t major[12] = {1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1};
    static const uint8_t minor[12] = {1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1};
    int step = ((pc - k->tonic) % 12 + 12) % 12;
    return k->minor ? minor[step] : major[step];
}

const char *cad_key_name(const cad_key *k)
{
    static const char *names[24] = {
        "C major", "C# major", "D major", "Eb major", "E major", "F major",
        "F# major", "G major", "Ab major", "A major", "Bb major", "B major",
        "C minor", "C# minor", "D minor", "Eb minor", "E minor", "F minor",
        "F# minor", "G minor", "G# minor", "A minor", "Bb minor", "B minor"};
    int i = ((k->tonic % 12) + 12) % 12 + (k->minor ? 12 : 0);
    return names[i];
}

void cad_key_score_histogram(const cad_score *s, double weight[12])
{
    for (int i = 0; i < 12; i++)
        weight[i] = 0;
    for (int i = 0; i < s->n_notes; i++)
        weight[s->notes[i].pitch % 12] += s->notes[i].duration;
}

int cad_key_shift_to_c(const cad_score *s)
{
    int major; /* the tonic of the key or of its relative major */
    if (s->has_key) {
        major = ((7 * s->key_sharps) % 12 + 12) % 12;
    } else {
        double w[12];
        cad_key k;
        cad_key_score_histogram(s, w);
        if (cad_key_estimate(w, &k))
            return 0;
        major = k.minor ? (k.tonic + 3) % 12 : k.tonic;
    }
    int shift = (12 - major) % 12;
    return shift > 5 ? shift - 12 : shift;
}
