/* cadenza.lv2: the instrument's shared definitions.
 *
 * Who touches what. The audio thread (run, work_response) owns everything
 * in cad_plugin except the insides of the cad_voice and cad_sound objects;
 * the worker thread (work) owns the LSTM state inside each cad_voice and
 * builds and frees voices and sounds. The two talk only through worker
 * messages (cad_msg), which the host delivers in order, so a voice is never
 * freed while a request that names it is still queued.
 *
 * Why "openings". The notes must not depend on when the worker answers, or
 * an export would depend on the host's block size. Every request is made
 * far enough ahead (CAD_LOOKAHEAD frames, the largest block we support)
 * that a host running the worker synchronously has answered it before the
 * step is due. The one place that cannot work is the first step after the
 * transport starts or jumps: it is due at once. So the worker keeps a
 * second LSTM state per voice, reset and already run for CAD_OPEN_LEN steps
 * with the current parameters ("primed"), and the audio thread keeps those
 * first steps: a (re)start plays them at once and tells the worker to
 * continue from that state. */
#ifndef CAD_PLUGIN_H
#define CAD_PLUGIN_H

#include <stdint.h>

#include "lv2/atom/atom.h"
#include "lv2/atom/forge.h"
#include "lv2/core/lv2.h"
#include "lv2/log/logger.h"
#include "lv2/urid/urid.h"
#include "lv2/worker/worker.h"

#include "cad_contract.h"
#include "cad_gen.h"
#include "cad_rng.h"
#include "cad_sched.h"
#include "cad_synth.h"
#include "cad_ui_out.h"

/* URIs, ports, controls and their defaults: what hosts and the UI see. */
#define CAD_LOOKAHEAD 8192 /* frames; also the largest host block */
#define CAD_OPEN_LEN 8     /* primed steps per opening */
#define CAD_RING 32        /* upcoming steps kept (power of two) */
#define CAD_OUTBOX 256     /* worker messages waiting to be scheduled */
#define CAD_LOADS 8        /* loaded models/soundfonts waiting for their frame */
#define CAD_PATH_MAX 2048
#define CAD_GEN_CHANNEL 0   /* MIDI channel of the generated notes */
#define CAD_INPUT_CHANNEL 1 /* MIDI channel the input is played on */

/* A set of MIDI notes, one bit each: the unit every message carries. */
typedef struct {
    uint8_t b[16];
} cad_bits;

static inline int cad_bits_get(const cad_bits *s, int n)
{
    return (s->b[n >> 3] >> (n & 7)) & 1;
}
static inline void cad_bits_set(cad_bits *s, int n)
{
    s->b[n >> 3] = (uint8_t)(s->b[n >> 3] | 1u << (n & 7));
}
static inline int cad_bits_any(const cad_bits *s)
{
    for (int i = 0; i < 16; i++)
        if (s->b[i])
            return 1;
    return 0;
}

/* The generation parameters a step is sampled with. Compared bytewise to
 * decide whether the primed opening is still current, so it has no
 * padding and is always fully initialised. */
typedef struct {
    uint64_t seed; /* seed port and variation counter combined */
    float temperature, threshold;
    int32_t max_notes, key, scale, low, high;
    int32_t pad_;
} cad_params;

/* A loaded model with its two LSTM states (see "openings" above). */
typedef struct {
    cad_model *model;
    cad_model_info info;
    double step_beats; /* grid step in quarter notes, always > 0 */
    cad_gen *gen[2];
    cad_rng rng[2];
    int live;          /* which of gen[] plays; the other is primed */
    char path[CAD_PATH_MAX];
} cad_voice;

/* A synth with its soundfont. */
typedef struct {
    cad_synth *synth;
    char path[CAD_PATH_MAX]; /* "" when no soundfont is loaded */
} cad_sound;

/* Worker messages, both ways. Requests and answers share one header; a
 * path, an error text or an opening follows it. */
enum {
    CAD_MSG_GEN,        /* sample the live state: -> CAD_MSG_FRAME */
    CAD_MSG_PRIME,      /* reset + run the primed state: -> CAD_MSG_OPENING */
    CAD_MSG_START,      /* the primed state becomes the live one */
    CAD_MSG_RESET,      /* reset the live state (cold start, listen mode) */
    CAD_MSG_OBSERVE,    /* the player's notes go into the live state */
    CAD_MSG_LOAD_MODEL, /* -> CAD_MSG_MODEL or CAD_MSG_ERROR */
    CAD_MSG_LOAD_SOUND, /* -> CAD_MSG_SOUND or CAD_MSG_ERROR */
    CAD_MSG_FREE_VOICE,
    CAD_MSG_FREE_SOUND,
    CAD_MSG_FRAME,
    CAD_MSG_OPENING,
    CAD_MSG_MODEL,
    CAD_MSG_SOUND,
    CAD_MSG_ERROR,
};

typedef struct {
    uint32_t type;
    uint32_t id;      /* epoch (GEN/FRAME) or prime number (PRIME/OPENING) */
    int64_t step;     /* step (GEN/FRAME) or apply-at frame (loads) */
    void *ptr;        /* the cad_voice or cad_sound concerned */
    cad_params params;
    cad_bits bits;    /* FRAME, OBSERVE */
} cad_msg;

typedef struct {
    cad_msg head;
    cad_bits steps[CAD_OPEN_LEN];
} cad_msg_opening;

typedef struct {
    cad_msg head;
    char text[CAD_PATH_MAX + 256]; /* path (loads) or message (errors) */
} cad_msg_text;

typedef struct {
    LV2_URID atom_Path, atom_String, atom_Int, atom_Long, atom_Float,
        atom_Double, atom_Bool, atom_Object, atom_Blank, atom_Sequence,
        atom_URID, atom_eventTransfer, midi_Event, patch_Get, patch_Set, patch_property,
        patch_value, time_Position, time_bar, time_barBeat, time_beat,
        time_beatsPerBar, time_beatUnit, time_beatsPerMinute, time_speed,
        cad_model, cad_soundfont, cad_status, cad_variation;
} cad_uris;

/* One upcoming step. */
typedef struct {
    int64_t step;
    uint32_t epoch;
    int valid;
    cad_bits bits;
} cad_slot;

/* Control values read at the start of each block, made safe to use. */
typedef struct {
    int enabled, mode, max_notes, seed, key, scale, low, high, velocity,
        program, regenerate, freewheel;
    float tempo, temperature, threshold, gain;
} cad_controls;

typedef struct cad_plugin {
    /* Host features */
    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    LV2_Atom_Forge forge;
    LV2_Atom_Forge_Frame out_frame;
    int out_open;           /* the output sequence was begun */
    cad_uris uris;

    /* Ports */
    const LV2_Atom_Sequence *in;
    LV2_Atom_Sequence *out;
    float *audio[2];
    const float *ctl[CAD_N_PORTS];

    double rate;
    char bundle[CAD_PATH_MAX];
    int activated;
    int64_t now;            /* absolute frame of this block's start */

    /* Objects (see cad_plugin.h header comment for ownership) */
    cad_voice *voice;       /* may be NULL: no model, no composing */
    cad_sound *sound;       /* may be NULL: silent, MIDI out still works */
    cad_voice *voice_next;  /* loaded, waiting for its restart */
    int64_t voice_next_at;  /* frame from which it may take over */
    int voice_armed;        /* voice_next is primed, restart_step set */
    int synth_phase;        /* frames the synth has rendered, mod 64 */
    /* A fresh synth with the same soundfont, swapped in whenever playing
     * starts: FluidSynth keeps state across notes that even a system reset
     * does not clear (measured: 1e-4 differences in a note played after
     * minutes of silence), so only a synth that has never played makes a
     * second export equal the first. The worker builds the next spare. */
    cad_sound *spare;
    cad_sound *sound_next;  /* loaded, waiting for its frame */
    int64_t sound_next_at;
    /* Answered loads (CAD_MSG_MODEL and CAD_MSG_SOUND), oldest first, as
     * they arrived: each becomes voice_next or sound_next only when its
     * frame comes. Put there on arrival, a load replaced an older one
     * that was not yet due (or was armed), so whether the older one ever
     * played depended on when the worker answered, i.e. on the host's
     * block size (found by comparing two block sizes in the plugin
     * tests; the host was also told of the older model). */
    cad_msg loads[CAD_LOADS];
    int n_loads;

    /* Time */
    cad_clock host;         /* from time:Position */
    cad_clock free_clock;   /* the tempo port's */
    double host_bpb, host_unit, host_bpm; /* last values seen */
    int playing;            /* steps are being played */
    int resync_due;         /* start afresh at the next run() */
    double step_beats;
    int64_t next_step;      /* next grid step to play ... */
    int64_t next_frame;     /* ... and its absolute frame */
    int64_t restart_step;   /* -1, or the step that starts afresh */
    int64_t next_req;       /* next step to ask the worker for */
    int64_t gen_limit;      /* no requests at or past this step */
    uint32_t epoch;         /* answers of older epochs are dropped */
    cad_slot ring[CAD_RING];

    /* Openings */
    uint32_t prime_id;      /* last PRIME sent (0: none) */
    cad_voice *prime_voice;
    cad_params prime_params;
    int prime_forced;       /* send a new PRIME even if params match */
    int prime_freewheel;    /* the last PRIME was sent while freewheeling */
    uint32_t opening_id;    /* PRIME whose opening we hold (0: none) */
    cad_bits opening[CAD_OPEN_LEN];

    /* Notes */
    cad_notes gen_notes;    /* sounding generated notes */
    cad_notes in_notes;     /* held input notes */
    cad_bits in_struck;     /* input notes begun since the last step */
    int64_t last_input_step;
    int64_t phrase_steps;
    int answering;

    /* Controls as last seen */
    cad_controls c;
    int have_controls;
    uint32_t variation;     /* regenerate presses, saved in the state */
    float gain_now;

    /* Worker messages not yet accepted by schedule_work */
    cad_msg outbox[CAD_OUTBOX];
    int out_head, out_count;
    /* Loads to request: model, soundfont, spare synth ("" none) */
    char load_path[3][CAD_PATH_MAX];
    int64_t load_at[3];

    /* Things to tell the host at the next run() */
    int notify_model, notify_sound;
    char status[512];
    int notify_status;
    int forge_failed;       /* out of room in the output this block */

    cad_ui_out ui;          /* traffic for Cadenza's own window */
} cad_plugin;

/* cad_work.c */
LV2_Worker_Status cad_work(LV2_Handle h, LV2_Worker_Respond_Function respond,
                           LV2_Worker_Respond_Handle rh, uint32_t size,
                           const void *data);
LV2_Worker_Status cad_work_response(LV2_Handle h, uint32_t size,
                                    const void *data);
cad_voice *cad_voice_load(const char *path, const cad_params *p,
                          cad_error *e);
void cad_voice_free(cad_voice *v);
void cad_voice_prime(cad_voice *v, const cad_params *p, cad_bits *out);
cad_sound *cad_sound_load(double rate, const char *path, cad_error *e);
void cad_sound_free(cad_sound *s);

/* cad_run.c */
void cad_run(LV2_Handle h, uint32_t n);
void cad_read_controls(cad_plugin *p, cad_controls *c);
void cad_params_from(const cad_plugin *p, const cad_controls *c,
                     cad_params *out);
void cad_outbox_push(cad_plugin *p, const cad_msg *m);
void cad_resync(cad_plugin *p, int64_t frame);
void cad_request_load(cad_plugin *p, int which, const char *path,
                      int64_t frame);
void cad_install_voice(cad_plugin *p, cad_voice *v);
void cad_install_sound(cad_plugin *p, cad_sound *s);

/* cad_state.c */
const void *cad_state_extension(void);

#endif
