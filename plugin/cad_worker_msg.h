/* cadenza.lv2: the worker protocol, the only way the audio thread (run,
 * work_response) and the worker thread (work) talk.
 *
 * Who owns what. The audio thread owns everything in cad_plugin except
 * the insides of the cad_voice and cad_sound objects; the worker owns the
 * composers inside each cad_voice (and where each has got to), and builds
 * and frees voices and sounds. A pointer in a message (cad_msg.ptr):
 *   - in a request (GEN, PRIME, START, RESET, OBSERVE) names a voice the
 *     audio thread still holds; the worker may use the voice's composers
 *     but neither keeps nor frees the pointer;
 *   - in FREE_VOICE / FREE_SOUND hands the object to the worker, which
 *     frees it; the audio thread forgets it as it sends the message;
 *   - in an answer (MODEL, SOUND) hands a freshly loaded object to the
 *     audio thread, which owns it from work_response on (and frees it by
 *     sending FREE_* back);
 *   - in NOTES / OPENING answers is only compared, never followed.
 * The host delivers requests in the order they were scheduled, and
 * answers in the order they were given, so a voice is never freed while a
 * request that names it is still queued (its FREE_VOICE comes after), and
 * the answers of one slot arrive in order, the one marked last last.
 *
 * Why "openings". The notes must not depend on when the worker answers, or
 * an export would depend on the host's block size. Every slot is asked for
 * far enough ahead (CAD_LOOKAHEAD frames, the largest block we support)
 * that a host running the worker synchronously has answered it before the
 * slot is due. The one place that cannot work is the first slot after the
 * transport starts or jumps: it is due at once. So the worker keeps a
 * second composer per voice, reset and already run for CAD_OPEN_LEN slots
 * with the current parameters ("primed"), and the audio thread keeps those
 * first slots: a (re)start plays them at once and tells the worker to
 * continue from that composer (START).
 *
 * Slots. The audio thread asks for the music one fixed window of beats at
 * a time, in order: a slot. For a piano roll a slot is one model step
 * (its frames are the grid, as they always were); for every other
 * representation it is CAD_WINDOW_BEATS. The answer holds the slot's note
 * events, each at its offset in beats from the slot's start, which run()
 * turns into the exact frame. A slot holds at most CAD_SLOT_NOTES events
 * (a piano roll's frame makes at most 256); should a decoded
 * representation put more into one window, the rest stay in the
 * composer's queue and come at the start of the next slot, late but
 * never lost. Events travel CAD_MSG_NOTES_MAX to an answer, so a message
 * stays small whatever the host's worker buffer. */
#ifndef CAD_WORKER_MSG_H
#define CAD_WORKER_MSG_H

#include <stdint.h>

#define CAD_OPEN_LEN 8        /* primed slots per opening */
#define CAD_SLOT_NOTES 256    /* note events a slot holds at most */
#define CAD_MSG_NOTES_MAX 32  /* note events per answer */
/* A slot of a representation other than the piano roll, in beats: short
 * enough that the ring of 32 slots (eight beats) holds far more than
 * CAD_LOOKAHEAD at any usable tempo and an opening of eight is already two
 * beats of music, long enough that a request and its answers cost little
 * per beat (a decoded representation decodes its steps again per call). */
#define CAD_WINDOW_BEATS 0.25

/* A set of MIDI notes, one bit each: what the player held in a step. */
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

/* The parameters a slot is composed with (cad_constraints in the
 * worker). Compared bytewise to decide whether the primed opening is
 * still current, so it has no padding and is always fully initialised. */
typedef struct {
    uint64_t seed; /* seed port and variation counter combined */
    float temperature, threshold;
    float bpm;     /* the tempo of a model timed in seconds, else 120 */
    int32_t max_notes, key, scale, low, high;
    int32_t metre_num, metre_den; /* the host's time signature: a model
                                     with the metre option is told where
                                     in the bar it is, taking the piece's
                                     start as a bar line */
} cad_params;

/* One note event of a slot. */
typedef struct {
    float beat;       /* beats after the slot's start, >= 0 */
    uint8_t kind;     /* cad_event_kind: CAD_EVENT_NOTE_ON or _OFF */
    uint8_t pitch;    /* MIDI 0..127 */
    uint8_t velocity; /* note-on 1..127, note-off 0 */
    uint8_t pad_;
} cad_note_msg;

/* Worker messages, both ways. */
enum {
    CAD_MSG_GEN,        /* compose the live composer's next slot:
                           -> CAD_MSG_NOTES, one or more */
    CAD_MSG_PRIME,      /* reset the primed composer and compose
                           CAD_OPEN_LEN slots: -> CAD_MSG_OPENING, more */
    CAD_MSG_START,      /* the primed composer becomes the live one */
    CAD_MSG_RESET,      /* reset the live composer (cold start, listen) */
    CAD_MSG_OBSERVE,    /* the player's notes of a slot into the live
                           composer (piano rolls) */
    CAD_MSG_LOAD_MODEL, /* path follows: -> CAD_MSG_MODEL or _ERROR */
    CAD_MSG_LOAD_SOUND, /* path follows: -> CAD_MSG_SOUND or _ERROR */
    CAD_MSG_FREE_VOICE,
    CAD_MSG_FREE_SOUND,
    CAD_MSG_NOTES,
    CAD_MSG_OPENING,
    CAD_MSG_MODEL,
    CAD_MSG_SOUND,
    CAD_MSG_ERROR,      /* text follows: for the status */
};

/* The header every message starts with; a path, a text or note events
 * may follow it. */
typedef struct {
    uint32_t type;
    uint32_t id;      /* epoch (GEN/NOTES), prime number (PRIME/OPENING),
                         1 for a spare synth (LOAD_SOUND/SOUND) */
    int64_t step;     /* slot (GEN/NOTES), slot of the opening
                         (OPENING), apply-at frame (loads) */
    void *ptr;        /* the cad_voice or cad_sound concerned */
    cad_params params;
    cad_bits bits;    /* OBSERVE */
} cad_msg;

/* Flags of a NOTES or OPENING answer. */
#define CAD_NOTES_LAST 1u   /* the slot's last answer */
#define CAD_OPENING_LAST 2u /* and the opening's last slot */

typedef struct {
    cad_msg head;
    uint32_t flags;
    uint32_t n;       /* events that follow (sent: only these) */
    cad_note_msg ev[CAD_MSG_NOTES_MAX];
} cad_msg_notes;

#define CAD_PATH_MAX 2048
typedef struct {
    cad_msg head;
    char text[CAD_PATH_MAX + 256]; /* path (loads) or message (errors) */
} cad_msg_text;

#endif
