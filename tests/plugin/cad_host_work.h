/* The test host's side of the LV2 worker (cad_host.c uses it). Requests
 * go from the audio thread to work() and answers from work() back to
 * work_response() through two single-producer, single-consumer rings of
 * fixed slots: pushing and popping never allocate or lock, so the host
 * itself stays inside what cad_rt.c allows in the audio thread.
 *
 * Two ways to run work():
 *   synchronous  cad_hw_work_now() after run(), as Ardour and Carla do
 *                while exporting (deterministic);
 *   threaded     a worker thread of its own, woken by a semaphore, as
 *                Ardour does live: work() runs while run() runs.
 * Either way the plugin sees exactly the LV2 contract: work() is never
 * called concurrently with itself, answers reach work_response() in the
 * order they were given, in the audio thread, never during run(). */
#ifndef CAD_HOST_WORK_H
#define CAD_HOST_WORK_H

#include <stdint.h>

#include "lv2/worker/worker.h"

typedef struct cad_hw cad_hw;

cad_hw *cad_hw_new(void);
/* The plugin's worker interface, once it is instantiated. */
void cad_hw_bind(cad_hw *w, const LV2_Worker_Interface *iface,
                 LV2_Handle plugin);
/* Starts the worker thread; 0 on success. Call before the first run(). */
int cad_hw_start_thread(cad_hw *w);
int cad_hw_threaded(const cad_hw *w);
/* Lets the thread finish what is queued, joins it and hands the last
 * answers to work_response(), so nothing the plugin allocated is lost.
 * Call before the instance is cleaned up; harmless without a thread. */
void cad_hw_stop(cad_hw *w);
void cad_hw_free(cad_hw *w);

/* The LV2_Worker_Schedule function body (audio thread). */
LV2_Worker_Status cad_hw_schedule(cad_hw *w, uint32_t size,
                                  const void *data);
/* Synchronous mode: works every queued request now (caller's thread). */
void cad_hw_work_now(cad_hw *w);
/* Audio thread, outside run(): every answer so far to work_response(). */
void cad_hw_deliver(cad_hw *w);
/* Answers work() gave that did not fit in the ring (lost: a test fails). */
long cad_hw_dropped(const cad_hw *w);
/* Requests worked so far, and requests queued or being worked. */
long cad_hw_worked(const cad_hw *w);
long cad_hw_pending(cad_hw *w);

#endif
