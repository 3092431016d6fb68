/* dsp/cad_sched: the beat clock, note bookkeeping and scale masks, checked
 * against numbers worked out by hand. */
#include <math.h>
#include <string.h>

#include "../cad_test.h"
#include "cad_sched.h"

static void test_clock(void)
{
    cad_clock c;
    cad_clock_init(&c, 48000);
    CHECK(!cad_clock_rolling(&c));
    CHECK(cad_clock_frame_of(&c, 1.0, 0) == CAD_SCHED_NEVER);
    /* 120 qpm at 48 kHz: 24000 frames a beat. */
    cad_clock_set(&c, 1000, 0.0, 120.0, 1.0);
    CHECK(cad_clock_rolling(&c));
    CHECK(cad_clock_frame_of(&c, 1.0, 0) == 25000);
    CHECK(cad_clock_frame_of(&c, 0.25, 0) == 7000);
    CHECK(fabs(cad_clock_beat_at(&c, 13000) - 0.5) < 1e-12);
    /* A step that starts exactly at the frame is that frame's step. */
    CHECK(cad_clock_next_step(&c, 25000, 0.25) == 4);
    CHECK(cad_clock_next_step(&c, 25001, 0.25) == 5);
    /* Never before `from`. */
    CHECK(cad_clock_frame_of(&c, 0.0, 5000) == 5000);
    /* Zero, negative, NaN tempo or speed: stopped, no division by 0. */
    cad_clock_set(&c, 0, 2.0, 0.0, 1.0);
    CHECK(!cad_clock_rolling(&c));
    CHECK(cad_clock_frame_of(&c, 3.0, 0) == CAD_SCHED_NEVER);
    CHECK(cad_clock_beat_at(&c, 1000000) == 2.0);
    cad_clock_set(&c, 0, NAN, 120.0, -1.0);
    CHECK(!cad_clock_rolling(&c) && cad_clock_beat_at(&c, 5) == 0.0);
    cad_clock_init(&c, 0); /* rate 0 falls back, never divides by 0 */
    CHECK(c.rate == 48000.0);
    /* Far future: no overflow. */
    cad_clock_set(&c, 0, 0.0, 1.0, 1e-7);
    CHECK(!cad_clock_rolling(&c));
    cad_clock_set(&c, 0, 0.0, 1.0, 1.0);
    CHECK(cad_clock_frame_of(&c, 1e300, 0) == CAD_SCHED_NEVER);
}

static void test_notes(void)
{
    cad_notes n;
    cad_notes_clear(&n);
    uint8_t f[128] = {0};
    cad_note_ev ev[256];
    f[60] = f[64] = 1;
    int k = cad_notes_step(&n, f, ev);
    CHECK(k == 2 && ev[0].note == 60 && ev[0].on && ev[1].note == 64);
    /* 64 held (tied), 60 off, 67 on: the off comes first. */
    memset(f, 0, sizeof f);
    f[64] = f[67] = 1;
    k = cad_notes_step(&n, f, ev);
    CHECK(k == 2 && ev[0].note == 60 && !ev[0].on && ev[1].note == 67 &&
          ev[1].on);
    CHECK(n.count == 2);
    k = cad_notes_release(&n, ev);
    CHECK(k == 2 && !ev[0].on && !ev[1].on && n.count == 0);
    CHECK(cad_notes_release(&n, ev) == 0);
}

static void test_scales(void)
{
    /* D major: D E F# G A B C#. */
    const int d_major[12] = {0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1};
    for (int pc = 0; pc < 12; pc++)
        CHECKF(cad_sched_allowed(2, CAD_SCALE_MAJOR, 0, 127, 60 + pc) ==
                   d_major[pc],
               "pitch class %d", pc);
    CHECK(!cad_sched_allowed(0, CAD_SCALE_CHROMATIC, 40, 50, 39));
    CHECK(cad_sched_allowed(0, CAD_SCALE_CHROMATIC, 40, 50, 50));
    CHECK(!cad_sched_allowed(0, CAD_SCALE_CHROMATIC, 50, 40, 45));
    /* Out-of-range key and scale fall back to C chromatic. */
    CHECK(cad_sched_allowed(99, -3, 0, 127, 61));
    CHECK(!cad_sched_allowed(0, 0, 0, 127, 128));
    uint8_t mask[88];
    cad_sched_mask(0, CAD_SCALE_PENTATONIC, 21, 108, 21, 88, mask);
    int n = 0;
    for (int i = 0; i < 88; i++)
        n += mask[i];
    CHECK(n == 37); /* C D E G A over A0..C8: 5 per octave, hand-counted */
    CHECK(mask[60 - 21] && !mask[61 - 21]);
}

int main(void)
{
    test_clock();
    test_notes();
    test_scales();
    TEST_MAIN_END();
}
