/* A small headless LV2 host for the plugin tests: loads cadenza.lv2 by URI
 * through lilv (from LV2_PATH, i.e. the staged install), runs it block by
 * block with a transport it controls, runs the worker synchronously the
 * way Ardour and Carla do while exporting (requests made during run() are
 * worked after it, answers delivered before the next run()), and records
 * the audio and the MIDI the plugin sends out.
 *
 * For long runs it can keep only the last block (cad_host_keep(h, 0)),
 * and for thread-safety tests it can run the worker in a thread of its
 * own, as Ardour does live (cad_host_threaded, cad_host_work.h). */
#ifndef CAD_HOST_H
#define CAD_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <lilv/lilv.h>

#define CAD_PLUGIN_URI "urn:cadenza:lv2"

typedef struct cad_host cad_host;

typedef struct {
    int64_t frame; /* absolute */
    uint8_t msg[3];
} cad_host_midi;

/* A block just run: its audio and the MIDI the plugin sent, valid until
 * the next cad_host_run. */
typedef struct {
    int64_t frame; /* absolute frame of the block's first sample */
    uint32_t n;
    const float *left, *right;
    const cad_host_midi *midi;
    size_t n_midi;
} cad_host_block;

typedef struct {
    /* Recorded output */
    float *left, *right;
    size_t frames, cap;
    cad_host_midi *midi;
    size_t n_midi, cap_midi;
    int notifications;        /* patch:Set messages received */
    char last_model[1024];    /* last cadenza:model path notified */
    char last_soundfont[1024]; /* last cadenza:soundfont path notified */
    char last_status[512];    /* last cadenza:status notified */
    char last_log[512];       /* last line the plugin sent to log:log */
    /* Real-time statistics, filled by cad_rt.c while run() executes */
    long rt_calls;
} cad_host_rec;

/* NULL (with a message on stderr) if the plugin is not found. */
cad_host *cad_host_new(double rate, const char *uri);
void cad_host_free(cad_host *h);
LilvWorld *cad_host_world(cad_host *h);
const LilvPlugin *cad_host_plugin(cad_host *h);
LilvInstance *cad_host_instance(cad_host *h);
void *cad_host_urid_map(cad_host *h);   /* LV2_URID_Map * */
void *cad_host_urid_unmap(cad_host *h); /* LV2_URID_Unmap * */
const void *const *cad_host_features(cad_host *h);
cad_host_rec *cad_host_rec_get(cad_host *h);

/* Control port by symbol; returns -1 if there is no such port. */
int cad_host_set(cad_host *h, const char *symbol, float value);
float cad_host_get(cad_host *h, const char *symbol);
/* Transport from `frame` on: rolling or not, tempo, position in beats. The
 * host sends a time:Position then and at the start of every block after,
 * as Ardour does. */
void cad_host_transport(cad_host *h, int64_t frame, int rolling, double bpm,
                        double beat);
/* patch:Set of a cadenza parameter ("model" or "soundfont") at `frame`. */
void cad_host_patch_set(cad_host *h, int64_t frame, const char *param,
                        const char *path);
void cad_host_midi_in(cad_host *h, int64_t frame, uint8_t b0, uint8_t b1,
                      uint8_t b2);
/* An object with no properties, of type `otype` (a URI), at `frame`: what
 * Cadenza's window sends as it opens and closes (cad_contract.h). */
void cad_host_object(cad_host *h, int64_t frame, const char *otype);
/* fn(data, absolute frame, atom) for every event the plugin sends, as each
 * block's output is recorded (NULL: none). */
typedef void (*cad_host_atom_fn)(void *data, int64_t frame,
                                 const void *atom);
void cad_host_on_output(cad_host *h, cad_host_atom_fn fn, void *data);
/* Every n-th schedule_work call fails (0: never), like a full queue. */
void cad_host_fail_schedule(cad_host *h, int every_n);
/* 1 (the default): rec holds all audio and MIDI from then on. 0: only the
 * last block is kept (cad_host_last_block); notifications still reach rec. */
void cad_host_keep(cad_host *h, int keep);
const cad_host_block *cad_host_last_block(cad_host *h);
/* 1: transport and patch objects are typed atom:Blank, as Carla 2.5 sends
 * them; 0 (the default): atom:Object. */
void cad_host_blank_objects(cad_host *h, int blank);
/* 1: requests the plugin makes from now on are accepted but held back, as
 * by a worker thread that does not get the CPU; 0: new requests go to the
 * worker again, the held ones stay held until cad_host_release_work hands
 * them over (they are worked after the next run, after newer ones). */
void cad_host_defer_work(cad_host *h, int defer);
void cad_host_release_work(cad_host *h);
/* Runs work() in a worker thread from now on (call before the first run);
 * answers are delivered before and after each run(). 0 on success. */
int cad_host_threaded(cad_host *h);
/* run() returns no earlier than the block is due at `speed` times real
 * time from now (0: as fast as possible, the default). */
void cad_host_pace(cad_host *h, double speed);
/* Answers the plugin gave that the host had no room for (should be 0),
 * requests worked so far, and requests not yet worked. */
long cad_host_dropped_answers(cad_host *h);
long cad_host_worked(cad_host *h);
long cad_host_work_pending(cad_host *h);

/* Runs one block of n frames (n <= 8192). */
void cad_host_run(cad_host *h, uint32_t n);
/* Microseconds the last block spent in the plugin's real-time entry
 * points (run() and work_response(), not the synchronous work()). */
double cad_host_rt_us(const cad_host *h);
int64_t cad_host_now(cad_host *h);

/* A copy of a file (tests put models where they own them); 0 on success. */
int cad_host_copy_file(const char *from, const char *to);

/* Output files. */
int cad_host_write_wav(const cad_host *h, const char *path);
int cad_host_write_midi(const cad_host *h, const char *path, double bpm);

#endif
