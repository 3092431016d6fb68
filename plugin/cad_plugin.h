/* cadenza.lv2: the instrument's shared definitions. The worker protocol,
 * who owns what and why there are "openings", is in cad_worker_msg.h. */
#ifndef CAD_PLUGIN_H
#define CAD_PLUGIN_H

#include <stdint.h>

#include "lv2/atom/atom.h"
#include "lv2/atom/forge.h"
#include "lv2/core/lv2.h"
#include "lv2/log/logger.h"
#include "lv2/urid/urid.h"
#include "lv2/worker/worker.h"

#include "cad_compose.h"
#include "cad_contract.h"
#include "cad_sched.h"
#include "cad_synth.h"
#include "cad_ui_out.h"
#include "cad_worker_msg.h"

/* URIs, ports, controls and their defaults: what hosts and the UI see. */
#define CAD_LOOKAHEAD 8192 /* frames; also the largest host block */
#define CAD_RING 32        /* upcoming slots kept (power of two) */
#define CAD_OUTBOX 256     /* worker messages waiting to be scheduled */
#define CAD_LOADS 8        /* loaded models/soundfonts waiting for their frame */
#define CAD_GEN_CHANNEL 0   /* MIDI channel of the generated notes */
#define CAD_INPUT_CHANNEL 1 /* MIDI channel the input is played on */

/* A loaded model with its two composers (see "openings" in
 * cad_worker_msg.h). The audio thread reads only the fields above
 * `comp`, which never change after the load. */
typedef struct {
    cad_model *model;
    cad_repr *repr;
    int roll;          /* its steps are piano-roll frames: a slot is a
                          step, and listen mode works */
    int own_velocity;  /* its notes carry their own velocities */
    double step_beats, step_seconds; /* the model's (cad_step_beats) */
    char path[CAD_PATH_MAX];
    /* The worker's: */
    cad_composer *comp[2];
    int64_t slots[2];  /* slots each has composed (or observed) */
    int live;          /* which of comp[] plays; the other is primed */
    int failed;        /* a decoder error was reported (once a voice) */
} cad_voice;

/* A synth with its soundfont. */
typedef struct {
    cad_synth *synth;
    char path[CAD_PATH_MAX]; /* "" when no soundfont is loaded */
} cad_sound;

typedef struct {
    LV2_URID atom_Path, atom_String, atom_Int, atom_Long, atom_Float,
        atom_Double, atom_Bool, atom_Object, atom_Blank, atom_Sequence,
        atom_URID, atom_eventTransfer, midi_Event, patch_Get, patch_Set, patch_property,
        patch_value, time_Position, time_bar, time_barBeat, time_beat,
        time_beatsPerBar, time_beatUnit, time_beatsPerMinute, time_speed,
        cad_model, cad_soundfont, cad_status, cad_variation;
} cad_uris;

/* One upcoming slot: its note events, as the worker's answers fill it. */
typedef struct cad_slot {
    int64_t step;
    uint32_t epoch;
    int valid;         /* all its answers are in */
    int n;
    cad_note_msg ev[CAD_SLOT_NOTES];
} cad_slot;

/* A note event of the slot being played, waiting for its frame. */
typedef struct {
    double beat;       /* on the active clock */
    uint8_t kind, pitch, velocity;
} cad_due;

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

    /* Objects (cad_worker_msg.h says who owns them) */
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
    double step_beats;      /* a slot's length (cad_voice_slot_beats) */
    float slot_bpm;         /* the tempo it was chosen at (params.bpm) */
    int64_t next_step;      /* next slot to play ... */
    int64_t next_frame;     /* ... and its absolute frame */
    int64_t restart_step;   /* -1, or the step that starts afresh */
    int64_t next_req;       /* next step to ask the worker for */
    int64_t gen_limit;      /* no requests at or past this step */
    uint32_t epoch;         /* answers of older epochs are dropped */
    cad_slot ring[CAD_RING];
    /* The events of the slot being played, in time order, waiting for
     * their frames: due[due_head, due_head + due_n), none before frame
     * due_from (the slot's start). */
    cad_due due[2 * CAD_SLOT_NOTES];
    int due_head, due_n;
    int64_t due_from;

    /* Openings */
    uint32_t prime_id;      /* last PRIME sent (0: none) */
    cad_voice *prime_voice;
    cad_params prime_params;
    int prime_forced;       /* send a new PRIME even if params match */
    int prime_freewheel;    /* the last PRIME was sent while freewheeling */
    uint32_t opening_id;    /* PRIME whose opening we hold (0: none) */
    cad_slot opening[CAD_OPEN_LEN]; /* filled by OPENING answers */

    /* Notes */
    cad_notes gen_notes;    /* sounding generated notes */
    uint8_t gen_vel[128];   /* and the velocity each was struck with */
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
/* Resets v's primed composer and composes its CAD_OPEN_LEN slots into
 * out, where the worker cannot answer (instantiate, restore). */
void cad_voice_prime(cad_voice *v, const cad_params *p, cad_slot *out);
/* A slot's length in beats for v at `bpm` (cad_worker_msg.h, "Slots"). */
double cad_voice_slot_beats(const cad_voice *v, float bpm);
/* The tempo v composes at, given the clock's (quarter notes a minute):
 * the clock's for a piano roll timed in seconds, else 120 (unused, and
 * constant so that a tempo change never asks for a new opening). */
float cad_voice_bpm(const cad_voice *v, double qpm);
cad_sound *cad_sound_load(double rate, const char *path, cad_error *e);
void cad_sound_free(cad_sound *s);

/* cad_run.c */
void cad_run(LV2_Handle h, uint32_t n);
/* The clock the plugin plays by: the host's, or its own tempo's. */
const cad_clock *cad_active_clock(const cad_plugin *p);
void cad_read_controls(cad_plugin *p, cad_controls *c);
void cad_params_from(const cad_plugin *p, const cad_controls *c,
                     cad_params *out);
void cad_outbox_push(cad_plugin *p, const cad_msg *m);
void cad_resync(cad_plugin *p, int64_t frame);
/* The slot grid for the voice and the tempo in force (after a load). */
void cad_set_grid(cad_plugin *p);
void cad_request_load(cad_plugin *p, int which, const char *path,
                      int64_t frame);
/* Keeps the opening in step with the parameters in force (asks the
 * worker for a new one when they change). */
void cad_maybe_prime(cad_plugin *p);

/* cad_install.c: a loaded model or soundfont put in place, the one way
 * for instantiate, restore() and run(); the caller says where it is, which
 * decides what may be done there (cad_install.c says what and why). */
typedef enum {
    CAD_INSTALL_INSTANTIATE,
    CAD_INSTALL_RESTORE, /* never while run() runs */
    CAD_INSTALL_RUN,     /* the audio thread: real-time safe */
} cad_install_how;
/* v (not NULL) becomes the voice; the one playing and any waiting for
 * its restart are let go. */
void cad_install_voice(cad_plugin *p, cad_voice *v, cad_install_how how);
/* s (not NULL) becomes the sound; the one playing, its spare and any
 * waiting for its frame are let go. */
void cad_install_sound(cad_plugin *p, cad_sound *s, cad_install_how how);
/* Asks the worker for a spare synth of the soundfont in use. */
void cad_request_spare(cad_plugin *p);

/* cad_slots.c: a slot's events at their frames */
void cad_due_clear(cad_plugin *p);
/* The events of slot sl, which starts at beat `start` (frame `frame`). */
void cad_due_slot(cad_plugin *p, const cad_slot *sl, double start,
                  int64_t frame);
/* The frame of the next event due, or INT64_MAX. */
int64_t cad_due_next(const cad_plugin *p);
/* Plays what is due by `frame` (in this block) as one batch. */
void cad_due_play(cad_plugin *p, int64_t frame);

/* cad_state.c */
const void *cad_state_extension(void);

#endif
