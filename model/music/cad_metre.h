/* Where a step is in its bar, as bits a network reads: how a piano roll
 * knows the metre (the pianoroll representation's "metre" option).
 *
 * A piano roll without it sees only which keys sound; where the bar lines
 * fall it must guess from the music, and a model trained that way puts
 * its chord changes anywhere (the folk model: a quarter of them on a bar
 * line against almost half in the data). Magenta's Lookback RNN and the
 * biaxial RNN give the network the position in the bar as input; so does
 * this field, with the metre itself:
 *
 *   bits 0..4  the step's position in the bar, in steps, as a binary
 *              counter (so 32 steps a bar at most: a 4/4 bar of 32nds)
 *   bits 5..8  the metre, one of 2/4, 3/4, 4/4, 6/8 (none for others:
 *              the counter still says where the bar lines fall)
 *
 * The composer writes these bits itself at every step (the network never
 * has to guess them), from the metre a musician asks for or the host's
 * transport; the piece it decodes carries the metre as its time
 * signature. */
#ifndef CAD_METRE_H
#define CAD_METRE_H

#include "cad_score.h"

#define CAD_METRE_BITS 9

/* The bits for a step that starts pos_beats (quarter notes) after a bar
 * line, in metre m, steps of step_beats. */
void cad_metre_bits(double pos_beats, double step_beats, const cad_meter *m,
                    float bits[CAD_METRE_BITS]);

/* The metre bits say: 0 if none of the four is set, else that metre. */
int cad_metre_of_bits(const float bits[CAD_METRE_BITS], cad_meter *m);

/* "3/4" -> {0, 3, 4}; -1 unless N/D with N 1..32 and D a power of two
 * 1..32. */
int cad_metre_parse(const char *text, cad_meter *m);

#endif
