/* Standard MIDI Files: our own reader and writer.
 *
 * We do not use libsmf: it crashed under AddressSanitizer on about a third
 * of randomly mutated copies of a valid file. This reader treats every byte
 * as hostile: variable-length quantities are capped at 4 bytes, every chunk
 * length is checked against the buffer, and the file size, track count and
 * event count are capped so a small file cannot make us allocate gigabytes.
 *
 * In memory a file is a list of tracks; a track is a list of events with
 * absolute tick times (not deltas), in file order. Channel messages are kept
 * whole (the renderer needs program changes, controllers and pitch bends);
 * of the meta events we keep tempo, time signature, key signature, track
 * name and the end-of-track time. SysEx and the other meta events are
 * skipped. A note-on with velocity 0 is stored as a note-off.
 *
 * Supported: format 0 and 1, running status, metrical time division (ticks
 * per quarter note). Rejected with a message: format 2 and SMPTE time.
 * A "format 0" file with several tracks is read as format 1. Running
 * status survives meta and SysEx events (lenient; the writer never relies
 * on it). A missing end-of-track event is forgiven; a truncated one is not. */
#ifndef CAD_MIDI_H
#define CAD_MIDI_H

#include <stddef.h>
#include <stdint.h>

#include "cad_error.h"

#define CAD_MIDI_MAX_BYTES (16u << 20) /* largest file we read (16 MiB) */
#define CAD_MIDI_MAX_EVENTS (1 << 21)  /* events kept, all tracks together */
#define CAD_MIDI_MAX_TRACKS 4096
#define CAD_MIDI_DRUM_CHANNEL 9        /* "channel 10" counting from 1 */

/* Channel message types equal the high nibble of their status byte. */
enum {
    CAD_MIDI_NOTE_OFF = 0x8,     /* a = key, b = release velocity */
    CAD_MIDI_NOTE_ON = 0x9,      /* a = key, b = velocity 1..127 */
    CAD_MIDI_POLY_PRESSURE = 0xA,/* a = key, b = pressure */
    CAD_MIDI_CONTROL = 0xB,      /* a = controller, b = value */
    CAD_MIDI_PROGRAM = 0xC,      /* a = program */
    CAD_MIDI_CHAN_PRESSURE = 0xD,/* a = pressure */
    CAD_MIDI_PITCH_BEND = 0xE,   /* value = a | b << 7, 8192 = centre */
    /* Meta events (channel is 0). */
    CAD_MIDI_TEMPO = 0x10,       /* value = microseconds per quarter note */
    CAD_MIDI_TIME_SIG = 0x11,    /* a = numerator, b = log2(denominator),
                                    value = clocks per click | 32nds per
                                    quarter << 8 */
    CAD_MIDI_KEY_SIG = 0x12,     /* a = sharps (int8: -7..7 flats..sharps),
                                    b = 0 major / 1 minor */
};

typedef struct {
    uint32_t tick;    /* absolute time in ticks */
    uint32_t value;   /* tempo / time signature extras (see above) */
    uint16_t track;   /* index of the track (filled by the reader) */
    uint8_t type;     /* CAD_MIDI_* */
    uint8_t channel;  /* 0..15 */
    uint8_t a, b;     /* data bytes, 0..127 for channel messages */
} cad_midi_event;

typedef struct {
    char *name;       /* track name meta event, or NULL */
    uint32_t end_tick;/* time of end-of-track (>= the last event's tick) */
    cad_midi_event *events;
    int n_events;
    int cap;
} cad_midi_track;

typedef struct {
    int format;       /* 0 or 1 */
    int ppq;          /* ticks per quarter note, 1..32767 */
    cad_midi_track *tracks;
    int n_tracks;
} cad_midi_file;

/* A note: a note-on paired with the note-off that ends it. */
typedef struct {
    uint32_t start, end; /* ticks, end >= start */
    uint8_t key, velocity, channel;
    uint16_t track;
} cad_midi_note;

/* Tempo map: piecewise-linear tick -> seconds. */
typedef struct {
    uint32_t tick;
    uint32_t usec_per_quarter;
    double seconds;    /* time at `tick` */
} cad_midi_tempo_seg;

typedef struct {
    int ppq;
    cad_midi_tempo_seg *segs; /* sorted by tick; segs[0].tick == 0 */
    int n;
} cad_midi_tempo_map;

/* ---- reading ---- */

/* Parses an in-memory file. On failure *out is left empty. */
int cad_midi_parse(const uint8_t *data, size_t len, cad_midi_file *out,
                   cad_error *e);
/* Reads and parses a file (messages name the file). */
int cad_midi_read(const char *path, cad_midi_file *out, cad_error *e);
void cad_midi_free(cad_midi_file *f);

/* ---- building and writing ---- */

/* An empty file of the given format (0 or 1) and resolution. */
int cad_midi_init(cad_midi_file *f, int format, int ppq, cad_error *e);
/* Appends an empty track (name may be NULL); returns its index or -1. */
int cad_midi_add_track(cad_midi_file *f, const char *name, cad_error *e);
/* Appends an event to track t (ev->track is set to t). Events of a track
 * must be appended in non-decreasing tick order for the writer. */
int cad_midi_push(cad_midi_file *f, int t, const cad_midi_event *ev,
                  cad_error *e);
/* Encodes to SMF bytes (malloc'd, caller frees). Uses running status. */
int cad_midi_encode(const cad_midi_file *f, uint8_t **data, size_t *len,
                    cad_error *e);
/* Encodes and writes atomically. */
int cad_midi_write(const cad_midi_file *f, const char *path, cad_error *e);

/* ---- views ---- */

/* All events of all tracks in one list sorted by tick (stable: at equal
 * ticks, lower tracks first, then file order). Caller frees *out. */
int cad_midi_merge(const cad_midi_file *f, cad_midi_event **out, int *n,
                   cad_error *e);
/* Notes sorted by (start, key, channel, track). A note-off ends the oldest
 * sounding note of that key on that channel of that track; notes never
 * ended stop at their track's end. Caller frees *out. */
int cad_midi_notes(const cad_midi_file *f, cad_midi_note **out, int *n,
                   cad_error *e);
/* The first key signature (lowest tick, then lowest track). Returns 1 and
 * fills sharps (-7..7) and minor (0/1) if there is one, else 0. */
int cad_midi_first_key_sig(const cad_midi_file *f, int *sharps, int *minor);

/* Tempo map from the tempo events of all tracks (120 bpm until the first). */
int cad_midi_tempo_map_build(const cad_midi_file *f, cad_midi_tempo_map *m,
                             cad_error *e);
void cad_midi_tempo_map_free(cad_midi_tempo_map *m);
/* Seconds from the start at a (possibly fractional) tick. */
double cad_midi_tick_to_seconds(const cad_midi_tempo_map *m, double tick);

#endif
