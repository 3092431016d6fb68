/* Bar position and metre as bits (cad_metre.h). */
#include "cad_metre.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const int metres[4][2] = {{2, 4}, {3, 4}, {4, 4}, {6, 8}};

void cad_metre_bits(double pos_beats, double step_beats, const cad_meter *m,
                    float bits[CAD_METRE_BITS])
{
    memset(bits, 0, sizeof(float) * CAD_METRE_BITS);
    long pos = step_beats > 0 ? lround(pos_beats / step_beats) : 0;
    if (pos < 0)
        pos = 0;
    for (int b = 0; b < 5; b++)
        bits[b] = (float)((pos >> b) & 1);
    for (int i = 0; i < 4; i++)
        if (m->numerator == metres[i][0] && m->denominator == metres[i][1])
            bits[5 + i] = 1;
}

int cad_metre_of_bits(const float bits[CAD_METRE_BITS], cad_meter *m)
{
    for (int i = 0; i < 4; i++)
        if (bits[5 + i] > 0.5f) {
            *m = (cad_meter){0, metres[i][0], metres[i][1]};
            return 1;
        }
    return 0;
}

int cad_metre_parse(const char *text, cad_meter *m)
{
    int n, d;
    char tail;
    if (sscanf(text, "%d/%d%c", &n, &d, &tail) != 2 || n < 1 || n > 32 ||
        d < 1 || d > 32 || (d & (d - 1)) != 0)
        return -1;
    *m = (cad_meter){0, n, d};
    return 0;
}
