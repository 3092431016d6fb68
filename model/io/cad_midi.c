/* Standard MIDI File reader, and the small API to build a file in memory.
 * The writer is in cad_midi_write.c, the note/tempo views in
 * cad_midi_view.c.
 *
 * A file is a header chunk "MThd" followed by chunks; "MTrk" chunks hold a
 * stream of (delta-time, event) pairs. Everything in the stream is read
 * through a cursor that knows how many bytes are left, so no read can pass
 * the end of the chunk, whatever the lengths inside it claim. */
#include "cad_midi.h"

#include <stdlib.h>
#include <string.h>

#include "cad_file.h"

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    size_t base; /* offset of p in the file, for messages */
    int track;
} cursor;

static int truncated(const cursor *c, cad_error *e)
{
    return cad_error_set(e, "track %d: event cut off at byte %zu "
                            "(truncated or corrupt track)",
                         c->track, c->base + c->pos);
}

static int get_byte(cursor *c, uint8_t *b, cad_error *e)
{
    if (c->pos >= c->len)
        return truncated(c, e);
    *b = c->p[c->pos++];
    return 0;
}

/* Variable-length quantity: 7 bits per byte, high bit = more follows. The
 * standard allows at most 4 bytes (values below 2^28). */
static int get_vlq(cursor *c, uint32_t *out, cad_error *e)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t b = 0;
        if (get_byte(c, &b, e))
            return -1;
        v = (v << 7) | (b & 0x7f);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return cad_error_set(e, "track %d: variable-length number longer than "
                            "4 bytes at byte %zu (corrupt file)",
                         c->track, c->base + c->pos - 4);
}

/* Claims n bytes of payload (meta or SysEx) and returns a pointer to them. */
static int get_span(cursor *c, uint32_t n, const uint8_t **span,
                    cad_error *e)
{
    if (n > c->len - c->pos)
        return cad_error_set(e, "track %d: event at byte %zu claims %u "
                                "bytes but only %zu are left in the track",
                             c->track, c->base + c->pos, n,
                             c->len - c->pos);
    *span = c->p + c->pos;
    c->pos += n;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

/* ---- building ---- */

int cad_midi_init(cad_midi_file *f, int format, int ppq, cad_error *e)
{
    memset(f, 0, sizeof *f);
    if (format != 0 && format != 1)
        return cad_error_set(e, "MIDI format %d: only 0 and 1 are supported",
                             format);
    if (ppq < 1 || ppq > 0x7fff)
        return cad_error_set(e, "%d ticks per quarter note: must be "
                                "1..32767", ppq);
    f->format = format;
    f->ppq = ppq;
    return 0;
}

static char *clean_name(const uint8_t *s, size_t n)
{
    /* Names end up in messages and terminals: no control characters. */
    if (n > 255)
        n = 255;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] < 0x20 || s[i] == 0x7f ? ' ' : (char)s[i];
    out[n] = '\0';
    return out;
}

int cad_midi_add_track(cad_midi_file *f, const char *name, cad_error *e)
{
    if (f->n_tracks >= CAD_MIDI_MAX_TRACKS)
        return cad_error_set(e, "more than %d tracks", CAD_MIDI_MAX_TRACKS);
    cad_midi_track *nt =
        realloc(f->tracks, (size_t)(f->n_tracks + 1) * sizeof *nt);
    if (!nt)
        return cad_error_set(e, "out of memory adding a track");
    f->tracks = nt;
    cad_midi_track *t = &nt[f->n_tracks];
    memset(t, 0, sizeof *t);
    if (name && !(t->name = clean_name((const uint8_t *)name, strlen(name))))
        return cad_error_set(e, "out of memory adding a track");
    return f->n_tracks++;
}

int cad_midi_push(cad_midi_file *f, int ti, const cad_midi_event *ev,
                  cad_error *e)
{
    if (ti < 0 || ti >= f->n_tracks)
        return cad_error_set(e, "no track %d", ti);
    cad_midi_track *t = &f->tracks[ti];
    if (t->n_events >= CAD_MIDI_MAX_EVENTS)
        return cad_error_set(e, "track %d: more than %d events", ti,
                             CAD_MIDI_MAX_EVENTS);
    if (t->n_events == t->cap) {
        int cap = t->cap ? t->cap * 2 : 64;
        cad_midi_event *ne = realloc(t->events, (size_t)cap * sizeof *ne);
        if (!ne)
            return cad_error_set(e, "out of memory (%d events)", cap);
        t->events = ne;
        t->cap = cap;
    }
    cad_midi_event *d = &t->events[t->n_events++];
    *d = *ev;
    d->track = (uint16_t)ti;
    if (ev->tick > t->end_tick)
        t->end_tick = ev->tick;
    return 0;
}

void cad_midi_free(cad_midi_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_tracks; i++) {
        free(f->tracks[i].name);
        free(f->tracks[i].events);
    }
    free(f->tracks);
    memset(f, 0, sizeof *f);
}

/* ---- reading ---- */

/* Meta event `type` with payload d[0..n). Only the ones we use are kept;
 * a known type with a malformed length is skipped like an unknown one. */
static int read_meta(cad_midi_file *f, int ti, uint32_t tick, uint8_t type,
                     const uint8_t *d, uint32_t n, cad_error *e)
{
    cad_midi_event ev = {.tick = tick};
    switch (type) {
    case 0x03: /* track name: the first one wins */
        if (!f->tracks[ti].name &&
            !(f->tracks[ti].name = clean_name(d, n)))
            return cad_error_set(e, "out of memory");
        return 0;
    case 0x51:
        if (n != 3)
            return 0;
        ev.type = CAD_MIDI_TEMPO;
        ev.value = (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
        if (ev.value == 0) /* would stop time; ignore */
            return 0;
        break;
    case 0x58:
        if (n != 4)
            return 0;
        ev.type = CAD_MIDI_TIME_SIG;
        ev.a = d[0];
        ev.b = d[1];
        ev.value = d[2] | (uint32_t)d[3] << 8;
        break;
    case 0x59:
        if (n != 2 || (int8_t)d[0] < -7 || (int8_t)d[0] > 7 || d[1] > 1)
            return 0;
        ev.type = CAD_MIDI_KEY_SIG;
        ev.a = d[0];
        ev.b = d[1];
        break;
    default:
        return 0;
    }
    return cad_midi_push(f, ti, &ev, e);
}

/* One MTrk chunk. *budget is the number of events the file may still add. */
static int read_track(cad_midi_file *f, int ti, cursor *c, int *budget,
                      cad_error *e)
{
    uint32_t tick = 0;
    uint8_t running = 0; /* last channel status byte, 0 = none yet */
    while (c->pos < c->len) {
        uint32_t delta = 0;
        if (get_vlq(c, &delta, e))
            return -1;
        if (delta > UINT32_MAX - tick)
            return cad_error_set(e, "track %d: time passes 2^32 ticks at "
                                    "byte %zu (corrupt file)",
                                 ti, c->base + c->pos);
        tick += delta;
        if (c->pos >= c->len)
            return truncated(c, e);
        uint8_t st = c->p[c->pos];
        if (st & 0x80) {
            c->pos++;
        } else if (running) {
            st = running; /* running status: the data byte is not consumed */
        } else {
            return cad_error_set(e, "track %d: data byte 0x%02x at byte %zu "
                                    "with no status byte before it",
                                 ti, st, c->base + c->pos);
        }

        if (st == 0xff) { /* meta event */
            uint8_t type = 0;
            uint32_t n = 0;
            const uint8_t *d = NULL;
            if (get_byte(c, &type, e) || get_vlq(c, &n, e) ||
                get_span(c, n, &d, e))
                return -1;
            if (type == 0x2f) /* end of track; anything after is ignored */
                break;
            int before = f->tracks[ti].n_events;
            if (read_meta(f, ti, tick, type, d, n, e))
                return -1;
            *budget -= f->tracks[ti].n_events - before;
        } else if (st == 0xf0 || st == 0xf7) { /* SysEx / escape: skip */
            uint32_t n = 0;
            const uint8_t *d = NULL;
            if (get_vlq(c, &n, e) || get_span(c, n, &d, e))
                return -1;
        } else if (st >= 0xf0) {
            return cad_error_set(e, "track %d: status byte 0x%02x at byte "
                                    "%zu is not allowed in a MIDI file",
                                 ti, st, c->base + c->pos - 1);
        } else { /* channel message */
            running = st;
            int hi = st >> 4, nd = (hi == 0xC || hi == 0xD) ? 1 : 2;
            uint8_t d[2] = {0, 0};
            for (int k = 0; k < nd; k++) {
                if (get_byte(c, &d[k], e))
                    return -1;
                if (d[k] & 0x80)
                    return cad_error_set(e, "track %d: byte %zu: data byte "
                                            "0x%02x has its high bit set "
                                            "(corrupt event)",
                                         ti, c->base + c->pos - 1, d[k]);
            }
            cad_midi_event ev = {.tick = tick, .type = (uint8_t)hi,
                                 .channel = st & 0x0f, .a = d[0],
                                 .b = d[1]};
            if (hi == CAD_MIDI_NOTE_ON && d[1] == 0)
                ev.type = CAD_MIDI_NOTE_OFF;
            if (--*budget < 0)
                return cad_error_set(e, "more than %d events: refusing to "
                                        "load such a file",
                                     CAD_MIDI_MAX_EVENTS);
            if (cad_midi_push(f, ti, &ev, e))
                return -1;
        }
        if (*budget < 0)
            return cad_error_set(e, "more than %d events: refusing to load "
                                    "such a file", CAD_MIDI_MAX_EVENTS);
    }
    /* A missing end-of-track event is common enough to forgive. */
    if (tick > f->tracks[ti].end_tick)
        f->tracks[ti].end_tick = tick;
    return 0;
}

static int parse(const uint8_t *data, size_t len, cad_midi_file *f,
                 cad_error *e)
{
    if (len < 4 || memcmp(data, "MThd", 4) != 0)
        return cad_error_set(e, "not a MIDI file (no MThd header)");
    if (len < 14)
        return cad_error_set(e, "only %zu bytes: too short for a MIDI "
                                "header (truncated file?)", len);
    if (len > CAD_MIDI_MAX_BYTES)
        return cad_error_set(e, "%zu bytes: larger than the %u-byte limit "
                                "for MIDI files", len, CAD_MIDI_MAX_BYTES);
    uint32_t hlen = be32(data + 4);
    if (hlen < 6 || hlen > len - 8)
        return cad_error_set(e, "MThd header length %u is invalid for a "
                                "%zu-byte file", hlen, len);
    const uint8_t *h = data + 8;
    int format = h[0] << 8 | h[1];
    int ntrks = h[2] << 8 | h[3];
    int div = h[4] << 8 | h[5];
    if (format == 2)
        return cad_error_set(e, "format 2 (independent sequences) is not "
                                "supported; convert to format 1");
    if (format > 2)
        return cad_error_set(e, "unknown MIDI format %d", format);
    if (div & 0x8000)
        return cad_error_set(e, "SMPTE time division (%d frames/s) is not "
                                "supported; only ticks per quarter note",
                             -(int)(int8_t)(div >> 8));
    if (ntrks == 0)
        return cad_error_set(e, "the header declares no tracks");
    if (ntrks > CAD_MIDI_MAX_TRACKS)
        return cad_error_set(e, "%d tracks: more than the %d we accept",
                             ntrks, CAD_MIDI_MAX_TRACKS);
    /* A "format 0" file with several tracks is read as format 1. */
    if (cad_midi_init(f, ntrks > 1 ? 1 : format, div, e))
        return -1;

    int budget = CAD_MIDI_MAX_EVENTS;
    size_t pos = 8 + (size_t)hlen;
    while (f->n_tracks < ntrks && len - pos >= 8) {
        uint32_t clen = be32(data + pos + 4);
        int is_track = memcmp(data + pos, "MTrk", 4) == 0;
        if (clen > len - pos - 8)
            return cad_error_set(e, "%s chunk at byte %zu: length %u but "
                                    "only %zu bytes left (truncated file?)",
                                 is_track ? "MTrk" : "unknown", pos, clen,
                                 len - pos - 8);
        if (is_track) {
            int ti = cad_midi_add_track(f, NULL, e);
            if (ti < 0)
                return -1;
            cursor c = {data + pos + 8, clen, 0, pos + 8, ti};
            if (read_track(f, ti, &c, &budget, e))
                return -1;
        } /* other chunks are skipped, as the standard asks */
        pos += 8 + (size_t)clen;
    }
    if (f->n_tracks < ntrks)
        return cad_error_set(e, "the header declares %d tracks but the file "
                                "holds %d (truncated file?)",
                             ntrks, f->n_tracks);
    return 0;
}

int cad_midi_parse(const uint8_t *data, size_t len, cad_midi_file *out,
                   cad_error *e)
{
    memset(out, 0, sizeof *out);
    if (!data)
        len = 0;
    if (parse(data, len, out, e)) {
        cad_midi_free(out);
        return -1;
    }
    return 0;
}

int cad_midi_read(const char *path, cad_midi_file *out, cad_error *e)
{
    uint8_t *data;
    size_t len;
    memset(out, 0, sizeof *out);
    if (cad_file_read_all(path, CAD_MIDI_MAX_BYTES, &data, &len, e))
        return -1;
    int rc = cad_midi_parse(data, len, out, e);
    free(data);
    if (rc)
        return cad_error_prefix(e, "%s", path);
    return 0;
}
