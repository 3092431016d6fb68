/* Standard MIDI File writer: a cad_midi_file to bytes, then to disk
 * atomically. Channel messages use running status (the status byte is left
 * out when it repeats), which keeps files small and exercises the reader's
 * handling of it in the round-trip tests. */
#include "cad_midi.h"

#include <stdlib.h>
#include <string.h>

#include "cad_file.h"

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int oom;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put1(buf *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(b, &c, 1);
}

static void put_be(buf *b, uint32_t v, int nbytes)
{
    for (int i = nbytes - 1; i >= 0; i--)
        put1(b, (v >> (8 * i)) & 0xff);
}

/* v < 2^28: at most 4 bytes, most significant group first. */
static void put_vlq(buf *b, uint32_t v)
{
    uint8_t tmp[4];
    int n = 0;
    do {
        tmp[n++] = v & 0x7f;
        v >>= 7;
    } while (v && n < 4);
    while (n-- > 0)
        put1(b, tmp[n] | (n ? 0x80 : 0));
}

static int put_event(buf *b, const cad_midi_event *ev, uint8_t *running,
                     int ti, int i, cad_error *e)
{
    if (ev->type >= CAD_MIDI_NOTE_OFF && ev->type <= CAD_MIDI_PITCH_BEND) {
        if (ev->channel > 15 || ev->a > 127 || ev->b > 127)
            return cad_error_set(e, "track %d event %d: channel %d or data "
                                    "bytes %d %d out of range",
                                 ti, i, ev->channel, ev->a, ev->b);
        uint8_t st = (uint8_t)(ev->type << 4 | ev->channel);
        if (st != *running)
            put1(b, st);
        *running = st;
        put1(b, ev->a);
        if (ev->type != CAD_MIDI_PROGRAM && ev->type != CAD_MIDI_CHAN_PRESSURE)
            put1(b, ev->b);
        return 0;
    }
    /* Meta events cancel running status for strict readers. */
    *running = 0;
    switch (ev->type) {
    case CAD_MIDI_TEMPO:
        if (ev->value < 1 || ev->value > 0xffffff)
            return cad_error_set(e, "track %d event %d: tempo %u us per "
                                    "quarter out of range", ti, i, ev->value);
        put(b, "\xff\x51\x03", 3);
        put_be(b, ev->value, 3);
        return 0;
    case CAD_MIDI_TIME_SIG:
        put(b, "\xff\x58\x04", 3);
        put1(b, ev->a);
        put1(b, ev->b);
        put1(b, ev->value & 0xff);        /* MIDI clocks per click */
        put1(b, (ev->value >> 8) & 0xff); /* 32nd notes per quarter */
        return 0;
    case CAD_MIDI_KEY_SIG:
        if ((int8_t)ev->a < -7 || (int8_t)ev->a > 7 || ev->b > 1)
            return cad_error_set(e, "track %d event %d: key signature %d "
                                    "%s out of range", ti, i, (int8_t)ev->a,
                                 ev->b ? "minor" : "major");
        put(b, "\xff\x59\x02", 3);
        put1(b, ev->a);
        put1(b, ev->b);
        return 0;
    default:
        return cad_error_set(e, "track %d event %d: unknown event type %d",
                             ti, i, ev->type);
    }
}

static int put_track(buf *b, const cad_midi_track *t, int ti, cad_error *e)
{
    put(b, "MTrk", 4);
    size_t len_at = b->len;
    put_be(b, 0, 4); /* patched below */
    if (t->name) {
        size_t n = strlen(t->name);
        put(b, "\x00\xff\x03", 3);
        put_vlq(b, (uint32_t)n);
        put(b, t->name, n);
    }
    uint32_t now = 0;
    uint8_t running = 0;
    for (int i = 0; i < t->n_events; i++) {
        const cad_midi_event *ev = &t->events[i];
        if (ev->tick < now)
            return cad_error_set(e, "track %d: event %d at tick %u comes "
                                    "before the previous one (tick %u)",
                                 ti, i, ev->tick, now);
        if (ev->tick - now >= 1u << 28)
            return cad_error_set(e, "track %d: gap of %u ticks before event "
                                    "%d is too long for a MIDI file",
                                 ti, ev->tick - now, i);
        put_vlq(b, ev->tick - now);
        now = ev->tick;
        if (put_event(b, ev, &running, ti, i, e))
            return -1;
    }
    uint32_t end = t->end_tick > now ? t->end_tick : now;
    if (end - now >= 1u << 28)
        return cad_error_set(e, "track %d: end of track too far after the "
                                "last event", ti);
    put_vlq(b, end - now);
    put(b, "\xff\x2f\x00", 3);
    if (!b->oom) {
        uint32_t n = (uint32_t)(b->len - len_at - 4);
        for (int k = 0; k < 4; k++)
            b->p[len_at + k] = (uint8_t)(n >> (8 * (3 - k)));
    }
    return 0;
}

int cad_midi_encode(const cad_midi_file *f, uint8_t **data, size_t *len,
                    cad_error *e)
{
    *data = NULL;
    *len = 0;
    if (f->format != 0 && f->format != 1)
        return cad_error_set(e, "cannot write MIDI format %d", f->format);
    if (f->format == 0 && f->n_tracks != 1)
        return cad_error_set(e, "format 0 needs exactly one track, not %d",
                             f->n_tracks);
    if (f->n_tracks < 1 || f->n_tracks > CAD_MIDI_MAX_TRACKS)
        return cad_error_set(e, "cannot write %d tracks", f->n_tracks);
    if (f->ppq < 1 || f->ppq > 0x7fff)
        return cad_error_set(e, "%d ticks per quarter: must be 1..32767",
                             f->ppq);
    buf b = {0};
    put(&b, "MThd\x00\x00\x00\x06", 8);
    put_be(&b, (uint32_t)f->format, 2);
    put_be(&b, (uint32_t)f->n_tracks, 2);
    put_be(&b, (uint32_t)f->ppq, 2);
    for (int t = 0; t < f->n_tracks; t++) {
        if (put_track(&b, &f->tracks[t], t, e)) {
            free(b.p);
            return -1;
        }
    }
    if (b.oom) {
        free(b.p);
        return cad_error_set(e, "out of memory encoding a MIDI file");
    }
    *data = b.p;
    *len = b.len;
    return 0;
}

int cad_midi_write(const cad_midi_file *f, const char *path, cad_error *e)
{
    uint8_t *data;
    size_t len;
    if (cad_midi_encode(f, &data, &len, e))
        return cad_error_prefix(e, "%s", path);
    int rc = cad_file_write_atomic(path, data, len, e);
    free(data);
    return rc;
}
