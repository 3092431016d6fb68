/* The event scheduler: where in the sample stream each generated step falls,
 * which notes start and stop between two steps, and which keys a key/scale/
 * range setting allows. Pure C, no allocation, no LV2: the plugin's run()
 * calls everything here, and the tests can check it without a host.
 *
 * Time is kept as an *anchor* (an absolute sample frame, the musical
 * position there, the tempo and the transport speed) rather than as a
 * position that is advanced block by block: summing per-block increments
 * rounds differently for different block sizes, while a position computed
 * from the anchor is the same number whatever the host's block size. */
#ifndef CAD_SCHED_H
#define CAD_SCHED_H

#include <stdint.h>

#include "cad_scale.h"

#define CAD_SCHED_NEVER INT64_MAX

typedef struct {
    double rate;          /* samples per second (> 0) */
    int64_t anchor_frame; /* absolute sample frame of the anchor */
    double anchor_beat;   /* position there, in quarter notes */
    double qpm;           /* tempo, quarter notes per minute */
    double speed;         /* transport speed: 0 stopped, 1 rolling */
} cad_clock;

/* Stopped at beat 0, 120 qpm. rate <= 0 is treated as 48000. */
void cad_clock_init(cad_clock *c, double rate);
/* From `frame` on, the position is `beat` and moves at qpm * speed. */
void cad_clock_set(cad_clock *c, int64_t frame, double beat, double qpm,
                   double speed);
/* Moving forward at a usable tempo (negative speed counts as stopped). */
int cad_clock_rolling(const cad_clock *c);
double cad_clock_beat_at(const cad_clock *c, int64_t frame);
/* First frame >= from whose position is >= beat; CAD_SCHED_NEVER if the
 * clock is stopped and has not reached it. */
int64_t cad_clock_frame_of(const cad_clock *c, double beat, int64_t from);
/* Index of the first grid step (of step_beats quarter notes) that starts
 * at or after `frame`. A step that starts less than a millionth of a beat
 * before `frame` counts as starting there, so a relocation onto a bar line
 * plays that bar's first step. */
int64_t cad_clock_next_step(const cad_clock *c, int64_t frame,
                            double step_beats);

/* Notes sounding on one channel, and the events that turn one piano-roll
 * frame into the next: keys held in both frames are tied (sustained),
 * which is how a piano roll with one frame per step reads. */
typedef struct {
    uint8_t on[128];
    int count;
} cad_notes;

typedef struct {
    uint8_t note;
    uint8_t on; /* 1 note on, 0 note off */
} cad_note_ev;

void cad_notes_clear(cad_notes *n);
/* Moves n to `next` (128 flags, indexed by MIDI note) and writes the note
 * offs then the note ons into ev (room for 256 is always enough). Returns
 * the number of events. */
int cad_notes_step(cad_notes *n, const uint8_t *next, cad_note_ev *ev);
/* Note offs for everything sounding, then clears n. Returns the count. */
int cad_notes_release(cad_notes *n, cad_note_ev *ev);

/* Which keys a key/scale/range setting allows, with the plugin's port
 * values as they come (music/cad_scale.h holds the one table of scales,
 * numbered as the scale port numbers them). */
int cad_sched_allowed(int key, int scale, int low, int high, int note);
/* allowed[k] for the n_keys keys of a model whose key 0 is MIDI low_key. */
void cad_sched_mask(int key, int scale, int low, int high, int low_key,
                    int n_keys, uint8_t *allowed);

#endif
