/* A minimal LV2 host, in process and without lilv, for the fuzz targets
 * that feed outside input to cadenza.lv2 (fuzz_atoms, fuzz_state). The
 * plugin's sources are linked in and reached through lv2_descriptor(0).
 *
 * Strict where a real host may be lax, so that ASan sees what a host would
 * not: every port buffer is allocated for one block, exactly as large as
 * it must be, and freed right after run(); audio outputs start as NaN so a
 * frame the plugin forgets to write shows; what the plugin writes is
 * checked for well-formedness after every block. The worker is run
 * synchronously, either inside schedule_work (as Ardour does while
 * exporting) or between blocks, and can be told to refuse requests now and
 * then (as Carla does when its queue is full).
 *
 * instantiate() would load the system's General MIDI soundfont (150 MB,
 * 70 ms a load, twice) and the bundle's model on every iteration: the host
 * makes a bundle of its own in a temporary directory instead, with tiny
 * models and a tiny generated soundfont, and the targets are linked with
 * --wrap=cad_synth_default_soundfont so that the plugin's "system
 * soundfont" is the tiny one (fuzz_bundle.c). */
#ifndef FUZZ_HOST_H
#define FUZZ_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "lv2/core/lv2.h"
#include "lv2/state/state.h"
#include "lv2/urid/urid.h"
#include "lv2/worker/worker.h"

#include "cad_plugin.h"

/* ---- reading the fuzz input ----------------------------------------------
 * Front to back; reads past the end give zeros, so every input is valid. */
typedef struct {
    const uint8_t *p;
    size_t n, pos;
} fz_in;

uint8_t fz_u8(fz_in *in);
uint16_t fz_u16(fz_in *in);
uint32_t fz_u32(fz_in *in);
float fz_f32(fz_in *in); /* raw bits: NaN, inf, denormals, anything */
/* Up to `want` bytes in place; returns how many there were. */
size_t fz_take(fz_in *in, size_t want, const uint8_t **out);

/* ---- URIDs -----------------------------------------------------------------
 * A fixed table, so the committed seeds name the same URIDs from one run
 * to the next. Append only: a seed that says 14 means patch:Set forever.
 * URIs not in the table are added after it, in the order first asked. */
enum {
    FZ_ATOM_PATH = 1, FZ_ATOM_STRING, FZ_ATOM_INT, FZ_ATOM_LONG,
    FZ_ATOM_FLOAT, FZ_ATOM_DOUBLE, FZ_ATOM_BOOL, FZ_ATOM_OBJECT,
    FZ_ATOM_SEQUENCE, FZ_ATOM_URID, FZ_ATOM_EVENT_TRANSFER, FZ_MIDI_EVENT,
    FZ_PATCH_GET, FZ_PATCH_SET, FZ_PATCH_PROPERTY, FZ_PATCH_VALUE,
    FZ_TIME_POSITION, FZ_TIME_BAR, FZ_TIME_BAR_BEAT, FZ_TIME_BEAT,
    FZ_TIME_BEATS_PER_BAR, FZ_TIME_BEAT_UNIT, FZ_TIME_BEATS_PER_MINUTE,
    FZ_TIME_SPEED, FZ_CAD_MODEL, FZ_CAD_SOUNDFONT, FZ_CAD_STATUS,
    FZ_CAD_VARIATION, FZ_ATOM_BLANK, FZ_ATOM_CHUNK, FZ_ATOM_LITERAL,
    FZ_ATOM_PROPERTY, FZ_ATOM_RESOURCE, FZ_ATOM_TUPLE, FZ_ATOM_URI,
    FZ_ATOM_VECTOR, FZ_TIME_FRAME, FZ_PATCH_SUBJECT, FZ_LOG_ERROR,
    FZ_LOG_NOTE, FZ_LOG_TRACE, FZ_LOG_WARNING, FZ_N_FIXED_URIDS
};

LV2_URID_Map *fz_map(void);

/* ---- the bundle (fuzz_bundle.c) -------------------------------------------
 * Files in the host's temporary bundle directory (made once per process,
 * removed at exit). */
enum {
    FZ_FILE_DEFAULT,  /* default.safetensors: 88 keys, sigmoid, 1/4 beat */
    FZ_FILE_OTHER,    /* other.safetensors: 128 keys, NADE, 0.3 s steps */
    FZ_FILE_FAST,     /* fast.safetensors: 12 keys, softmax, 1/1000 beat */
    FZ_FILE_BADKEYS,  /* badkeys.safetensors: keys beyond MIDI note 127 */
    FZ_FILE_SF2,      /* tiny.sf2: one preset, one looped sample */
    FZ_FILE_MISSING,  /* missing.sf2: does not exist */
    FZ_FILE_SF2_COPY, /* copy.sf2: tiny.sf2 again, under another name */
    FZ_N_FILES
};
const char *fz_bundle_dir(void);     /* with default.safetensors */
const char *fz_empty_dir(void);      /* a bundle without a model */
const char *fz_file(int which);      /* absolute path of a bundle file */

/* ---- the host ---------------------------------------------------------- */
typedef struct {
    double rate;
    int with_model;       /* bundle with default.safetensors, or empty */
    int work_in_schedule; /* work() inside schedule_work, not after run */
    int refuse_every;     /* 0, or refuse every n-th schedule_work call */
    uint32_t out_capacity;/* bytes of the events-out buffer (>= 8) */
} fz_opts;

typedef struct fz_host fz_host;

/* Instantiates (activation is the target's to place, see fuzz_state.c);
 * NULL if instantiate refused, and then the target simply returns. */
fz_host *fz_host_new(const fz_opts *o);
/* Drains the worker, deactivates, cleans up, frees. */
void fz_host_free(fz_host *h);
LV2_Handle fz_host_handle(fz_host *h);
const LV2_Descriptor *fz_host_descriptor(fz_host *h);
const LV2_Worker_Schedule *fz_host_schedule(fz_host *h);
void fz_host_activate(fz_host *h, int on);

/* The value the host will connect to control port `port` from now on. */
void fz_host_control(fz_host *h, uint32_t port, float value);
/* One block of n frames (n <= CAD_LOOKAHEAD). events/len: LV2_Atom_Event
 * records as raw bytes, made into a well-formed sequence (each event's
 * size clamped to the bytes there are, events 8-byte aligned); what is
 * inside an event is passed on untouched. Then the worker runs. */
void fz_host_run(fz_host *h, uint32_t n, const uint8_t *events, size_t len);
/* Every request and response still queued is delivered. */
void fz_host_drain(fz_host *h);

/* Reads one block from the input, as both targets lay it out:
 *   u16 frames (mod CAD_LOOKAHEAD + 1)
 *   u8 count, then count x (u8 port, f32 value): control port values
 *   u8 action, u16 frame: a host-made event put first in the block
 *      (0 none, 1..4 patch:Set of the model to default, other, fast or
 *      badkeys, 5, 6 and 10 of the soundfont to tiny.sf2, missing.sf2 and
 *      copy.sf2, 7 patch:Get, 8 transport rolling at 120 bpm from beat 0,
 *      9 stopped)
 *   u16 len, len bytes: raw events (see fz_host_run)
 * and runs it. */
void fz_host_block(fz_host *h, fz_in *in);

/* Writes an event (frame, then a patch:Set of key to a Path) into buf as
 * raw bytes for fz_host_run; returns its padded size, 0 if it did not fit.
 * Used by the host's actions and by the seed generator. */
size_t fz_forge_set(uint8_t *buf, size_t cap, int64_t frame, LV2_URID key,
                    const char *path);

#endif
