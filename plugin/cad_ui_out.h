/* cadenza.lv2, audio thread: what the plugin tells its own window.
 *
 * Nothing goes out unless a window said it is open (CAD_UI_ON), so a host
 * without Cadenza's UI sees exactly the output it always did. run() and
 * work_response() call the hooks below where something happens; each
 * queues a small record in a fixed ring, and cad_ui_flush writes at most
 * CAD_UI_MAX_PER_RUN of them at the end of run(), after the MIDI, so the
 * output sequence stays in time order. No allocation, no locks, no I/O;
 * every loop is bounded by the ring or by 128 keys. The messages are
 * described in cad_contract.h. */
#ifndef CAD_UI_OUT_H
#define CAD_UI_OUT_H

#include <stdint.h>

#include "lv2/atom/atom.h"
#include "lv2/urid/urid.h"

#include "cad_ui_keys.h"

#define CAD_UI_QUEUE 512 /* records waiting for room in events_out */

typedef struct {
    uint8_t kind;   /* 0 played, 1 planned, 2 replan */
    uint8_t pitch;
    uint8_t velocity;
    double beat, length;
} cad_ui_rec;

typedef struct {
    cad_ui_keys key;        /* the messages' URIDs */
    int open;               /* a window is listening */
    int section;            /* song-form section playing (0 = A), -1 none */
    cad_ui_rec queue[CAD_UI_QUEUE];
    int head, count;
    int64_t last_transport; /* frame of the last Transport sent */
    uint8_t held[128];      /* keys a planned note holds at the end of the
                               last slot announced (slots come in order) */
    int last_rolling;
} cad_ui_out;

struct cad_plugin; /* cad_plugin.h */
struct cad_slot;

void cad_ui_init(cad_ui_out *u, LV2_URID_Map *map);
/* 1 if `otype` was a UI message (CAD_UI_ON / CAD_UI_OFF), now handled. */
int cad_ui_message(struct cad_plugin *p, LV2_URID otype);
/* Hooks: a note on (velocity > 0) or off went out at `off` in this block;
 * a slot's notes arrived from the worker, the slots in order (a note is
 * planned slot by slot, as a piano roll's held key was, up to its
 * note-off); planned notes were dropped. */
void cad_ui_played(struct cad_plugin *p, uint32_t off, int pitch, int velocity);
void cad_ui_planned(struct cad_plugin *p, double beat, double length, int pitch);
void cad_ui_planned_slot(struct cad_plugin *p,
                         const struct cad_slot *sl);
void cad_ui_replan(struct cad_plugin *p);
/* Writes what is queued, and the transport now and then (end of run()). */
void cad_ui_flush(struct cad_plugin *p, uint32_t n);

#endif
