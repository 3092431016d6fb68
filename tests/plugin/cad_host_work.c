/* See cad_host_work.h.
 *
 * Each ring has one producer and one consumer, so two counters suffice:
 * the producer alone advances `tail`, the consumer alone `head`. A slot is
 * filled before `tail` is published with release order and read after it
 * is loaded with acquire order (and the other way round for `head`), which
 * is all the ordering the C11 memory model needs, and what ThreadSanitizer
 * checks. In threaded mode the request ring is filled by the audio thread
 * and emptied by the worker, the answer ring the other way round; in
 * synchronous mode one thread does everything. */
#include "cad_host_work.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512      /* per ring */
#define SLOT_CAP 8192  /* bytes per message, like a generous host */

typedef struct {
    uint32_t size;
    uint8_t data[SLOT_CAP];
} slot;

typedef struct {
    slot *s;
    atomic_uint head, tail;
} ring;

struct cad_hw {
    ring req, resp;
    const LV2_Worker_Interface *iface;
    LV2_Handle plugin;
    pthread_t thread;
    int have_thread;
    sem_t wake;
    atomic_int stop;
    atomic_long dropped, worked;
};

static int ring_push(ring *r, uint32_t size, const void *data)
{
    unsigned t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    unsigned h = atomic_load_explicit(&r->head, memory_order_acquire);
    if (t - h == SLOTS || size > SLOT_CAP)
        return -1;
    slot *s = &r->s[t % SLOTS];
    s->size = size;
    memcpy(s->data, data, size);
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return 0;
}

/* The oldest message, or NULL; it stays valid until ring_pop. */
static const slot *ring_peek(ring *r)
{
    unsigned h = atomic_load_explicit(&r->head, memory_order_relaxed);
    unsigned t = atomic_load_explicit(&r->tail, memory_order_acquire);
    return h == t ? NULL : &r->s[h % SLOTS];
}

static void ring_pop(ring *r)
{
    unsigned h = atomic_load_explicit(&r->head, memory_order_relaxed);
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
}

cad_hw *cad_hw_new(void)
{
    cad_hw *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->req.s = calloc(SLOTS, sizeof(slot));
    w->resp.s = calloc(SLOTS, sizeof(slot));
    if (!w->req.s || !w->resp.s || sem_init(&w->wake, 0, 0) != 0) {
        free(w->req.s);
        free(w->resp.s);
        free(w);
        return NULL;
    }
    /* Touch every page now (a non-zero fill cannot be optimised away):
     * otherwise the process grows by a page each time the rings reach a
     * slot for the first time, minutes into a run, and a test watching
     * resident memory would blame the plugin. */
    memset(w->req.s, 0xA5, SLOTS * sizeof(slot));
    memset(w->resp.s, 0xA5, SLOTS * sizeof(slot));
    return w;
}

void cad_hw_bind(cad_hw *w, const LV2_Worker_Interface *iface,
                 LV2_Handle plugin)
{
    w->iface = iface;
    w->plugin = plugin;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle rh, uint32_t size,
                                 const void *data)
{
    cad_hw *w = rh;
    if (ring_push(&w->resp, size, data) != 0) {
        atomic_fetch_add(&w->dropped, 1);
        return LV2_WORKER_ERR_NO_SPACE;
    }
    return LV2_WORKER_SUCCESS;
}

/* Works every request queued so far, oldest first. */
static void work_queued(cad_hw *w)
{
    const slot *s;
    while ((s = ring_peek(&w->req)) != NULL) {
        if (w->iface)
            w->iface->work(w->plugin, respond, w, s->size, s->data);
        ring_pop(&w->req);
        atomic_fetch_add(&w->worked, 1);
    }
}

static void *worker_main(void *arg)
{
    cad_hw *w = arg;
    for (;;) {
        sem_wait(&w->wake);
        work_queued(w);
        /* Stop is raised after the last request was queued: nothing is
         * left behind. */
        if (atomic_load(&w->stop)) {
            work_queued(w);
            return NULL;
        }
    }
}

int cad_hw_start_thread(cad_hw *w)
{
    if (w->have_thread)
        return 0;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
        return -1;
    w->have_thread = 1;
    return 0;
}

int cad_hw_threaded(const cad_hw *w) { return w->have_thread; }

void cad_hw_stop(cad_hw *w)
{
    if (!w)
        return;
    if (w->have_thread) {
        atomic_store(&w->stop, 1);
        sem_post(&w->wake);
        pthread_join(w->thread, NULL);
        w->have_thread = 0;
    }
    work_queued(w); /* synchronous mode: anything left from the last run */
    cad_hw_deliver(w);
}

void cad_hw_free(cad_hw *w)
{
    if (!w)
        return;
    cad_hw_stop(w);
    sem_destroy(&w->wake);
    free(w->req.s);
    free(w->resp.s);
    free(w);
}

LV2_Worker_Status cad_hw_schedule(cad_hw *w, uint32_t size, const void *data)
{
    if (ring_push(&w->req, size, data) != 0)
        return LV2_WORKER_ERR_NO_SPACE;
    if (w->have_thread)
        sem_post(&w->wake); /* no lock, no allocation: fine in run() */
    return LV2_WORKER_SUCCESS;
}

void cad_hw_work_now(cad_hw *w)
{
    if (!w->have_thread)
        work_queued(w);
}

void cad_hw_deliver(cad_hw *w)
{
    const slot *s;
    while ((s = ring_peek(&w->resp)) != NULL) {
        if (w->iface && w->iface->work_response)
            w->iface->work_response(w->plugin, s->size, s->data);
        ring_pop(&w->resp);
    }
}

long cad_hw_dropped(const cad_hw *w) { return atomic_load(&w->dropped); }
long cad_hw_worked(const cad_hw *w) { return atomic_load(&w->worked); }

long cad_hw_pending(cad_hw *w)
{
    /* A request leaves the ring only once work() has returned. */
    return (long)(atomic_load(&w->req.tail) - atomic_load(&w->req.head));
}
