#include "cad_scale.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Each scale as a 12-bit set of semitones above the tonic. */
static const struct {
    const char *name;
    uint16_t bits;
} scales[CAD_SCALE_COUNT] = {
    {"chromatic", 0xfff},
    {"major", 1 << 0 | 1 << 2 | 1 << 4 | 1 << 5 | 1 << 7 | 1 << 9 | 1 << 11},
    {"minor", 1 << 0 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 8 | 1 << 10},
    {"harmonic-minor", 1 << 0 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 8 | 1 << 11},
    {"dorian", 1 << 0 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 9 | 1 << 10},
    {"mixolydian", 1 << 0 | 1 << 2 | 1 << 4 | 1 << 5 | 1 << 7 | 1 << 9 | 1 << 10},
    {"pentatonic", 1 << 0 | 1 << 2 | 1 << 4 | 1 << 7 | 1 << 9},
    {"minor-pentatonic", 1 << 0 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 10},
};

const char *cad_scale_name(cad_scale s)
{
    return (unsigned)s < CAD_SCALE_COUNT ? scales[s].name : "?";
}

int cad_scale_parse(const char *name, cad_scale *s)
{
    for (int i = 0; i < CAD_SCALE_COUNT; i++)
        if (strcasecmp(name, scales[i].name) == 0)
            return *s = (cad_scale)i, 0;
    return -1;
}

int cad_scale_parse_tonic(const char *name, int *pc)
{
    static const int base[7] = {9, 11, 0, 2, 4, 5, 7}; /* A B C D E F G */
    char c = (char)toupper((unsigned char)name[0]);
    if (c < 'A' || c > 'G')
        return -1;
    int v = base[c - 'A'];
    if (name[1] == '#' || name[1] == 's')
        v++;
    else if (name[1] == 'b')
        v--;
    if (name[1] && name[2])
        return -1;
    if (name[1] && name[1] != '#' && name[1] != 's' && name[1] != 'b')
        return -1;
    *pc = (v + 12) % 12;
    return 0;
}

int cad_scale_allows(int tonic, cad_scale s, int lowest, int highest,
                     int note)
{
    if (tonic < 0 || tonic > 11)
        tonic = 0;
    if ((unsigned)s >= CAD_SCALE_COUNT)
        s = CAD_SCALE_CHROMATIC;
    if (note < 0 || note > 127 || note < lowest || note > highest)
        return 0;
    return (scales[s].bits >> ((note - tonic + 12) % 12)) & 1;
}

void cad_scale_mask(int tonic, cad_scale s, int lowest, int highest,
                    int low_key, int n_keys, uint8_t *allowed)
{
    for (int k = 0; k < n_keys; k++)
        allowed[k] = (uint8_t)cad_scale_allows(tonic, s, lowest, highest,
                                               low_key + k);
}

int cad_scale_home(cad_scale s)
{
    switch (s) {
    case CAD_SCALE_MINOR:
    case CAD_SCALE_HARMONIC_MINOR:
    case CAD_SCALE_MINOR_PENTATONIC: return 9;
    case CAD_SCALE_DORIAN: return 2;
    case CAD_SCALE_MIXOLYDIAN: return 7;
    default: return 0;
    }
}

int cad_key_shift(int from, int to)
{
    int d = ((to - from) % 12 + 12) % 12; /* 0..11 up */
    return d > 6 ? d - 12 : d;
}
