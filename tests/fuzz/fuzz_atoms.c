/* libFuzzer target: arbitrary bytes as what reaches cadenza.lv2 through its
 * events-in port (time:Position, patch:Set and patch:Get objects, MIDI,
 * and anything else a host or UI might pass on) and its control ports,
 * over a few blocks, with the worker run between them. See fuzz_host.h for
 * the host, and for what it checks besides "no crash, no leak, no
 * undefined behaviour".
 *
 * Layout of an input (all little-endian; missing bytes read as zero):
 *   u8 flags   bit 0: the bundle has no model
 *              bit 1: work() runs inside schedule_work
 *              bit 2: schedule_work refuses every third request
 *              bit 3: events-out holds only 8 + (next u8) bytes
 *              bits 4-5: rate 48000, 44100, 96000 or 192000 (no synth)
 *   [u8 out capacity, if bit 3]
 *   u8 blocks  1 + this % 8 blocks follow, each as fz_host_block reads it:
 *              u16 frames, u8 n + n x (u8 port, f32 value), u8 action,
 *              u16 action frame, u16 len + len bytes of LV2_Atom_Event
 *              records (i64 frames, u32 size, u32 type, body, padding) */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const double rates[4] = {48000, 44100, 96000, 192000};
    fz_in in = {data, size, 0};
    uint8_t flags = fz_u8(&in);
    fz_opts o = {
        .rate = rates[(flags >> 4) & 3],
        .with_model = !(flags & 1),
        .work_in_schedule = (flags >> 1) & 1,
        .refuse_every = flags & 4 ? 3 : 0,
        .out_capacity = 8192, /* the rsz:minimumSize cadenza.ttl asks for */
    };
    if (flags & 8)
        o.out_capacity = 8 + fz_u8(&in);
    fz_host *h = fz_host_new(&o);
    if (!h)
        return 0;
    fz_host_activate(h, 1);
    int blocks = 1 + fz_u8(&in) % 8;
    for (int b = 0; b < blocks; b++)
        fz_host_block(h, &in);
    fz_host_free(h);
    return 0;
}
