/* Standard MIDI File reader and writer: round trips, hand-made byte
 * streams for the corners of the format, corrupt and truncated input, a
 * mutation test on a real file, and every file of the two MIDI corpora. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cad_file.h"
#include "cad_midi.h"
#include "cad_rng.h"
#include "cad_roll.h"
#include "cad_test.h"

/* ---- helpers ---- */

static int parse_ok(const uint8_t *d, size_t n, cad_midi_file *f)
{
    cad_error e = {{0}};
    int rc = cad_midi_parse(d, n, f, &e);
    if (rc)
        fprintf(stderr, "  unexpected parse error: %s\n", e.msg);
    return rc == 0;
}

/* Parse must fail with a message containing `want`. */
static void expect_fail(const char *what, const uint8_t *d, size_t n,
                        const char *want)
{
    cad_midi_file f;
    cad_error e = {{0}};
    int rc = cad_midi_parse(d, n, &f, &e);
    CHECKF(rc == -1, "%s: parsed but should have failed", what);
    CHECKF(rc == -1 && strstr(e.msg, want) != NULL,
           "%s: message \"%s\" lacks \"%s\"", what, e.msg, want);
    CHECK(f.n_tracks == 0 && f.tracks == NULL);
    if (rc == 0)
        cad_midi_free(&f);
}

/* A file around one track body: MThd(format, 1 track, ppq) + MTrk. */
static size_t wrap1(uint8_t *out, int format, int ppq, const uint8_t *trk,
                    size_t n)
{
    uint8_t h[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, (uint8_t)format, 0, 1,
                   (uint8_t)(ppq >> 8), (uint8_t)ppq, 'M', 'T', 'r', 'k',
                   (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                   (uint8_t)n};
    memcpy(out, h, sizeof h);
    memcpy(out + sizeof h, trk, n);
    return sizeof h + n;
}

static cad_midi_event ev(uint32_t tick, int type, int ch, int a, int b,
                         uint32_t value)
{
    return (cad_midi_event){.tick = tick, .type = (uint8_t)type,
                            .channel = (uint8_t)ch, .a = (uint8_t)a,
                            .b = (uint8_t)b, .value = value};
}

static int same_event(const cad_midi_event *x, const cad_midi_event *y)
{
    return x->tick == y->tick && x->type == y->type &&
           x->channel == y->channel && x->a == y->a && x->b == y->b &&
           x->value == y->value;
}

/* ---- round trips ---- */

static void build_sample(cad_midi_file *f, int format)
{
    cad_error e;
    CHECK(cad_midi_init(f, format, 384, &e) == 0);
    int t0 = cad_midi_add_track(f, format ? "Conductor" : "All", &e);
    CHECK(t0 == 0);
    cad_midi_event meta[] = {
        ev(0, CAD_MIDI_TEMPO, 0, 0, 0, 500000),
        ev(0, CAD_MIDI_TIME_SIG, 0, 6, 3, 24 | 8 << 8),
        ev(0, CAD_MIDI_KEY_SIG, 0, (uint8_t)-3, 1, 0),
        ev(768, CAD_MIDI_TEMPO, 0, 0, 0, 750000),
    };
    for (int i = 0; i < 4; i++)
        CHECK(cad_midi_push(f, t0, &meta[i], &e) == 0);
    int tn = format ? cad_midi_add_track(f, "Notes", &e) : t0;
    CHECK(tn == format);
    /* Every channel: program, controller, bend, pressure, and two notes,
     * the second ended by a note-on with velocity 0. Consecutive note-ons
     * on one channel exercise running status in the writer. */
    for (int ch = 0; ch < 16; ch++) {
        uint32_t t = 1000 + (uint32_t)ch * 100;
        cad_midi_event evs[] = {
            ev(t, CAD_MIDI_PROGRAM, ch, ch * 7, 0, 0),
            ev(t, CAD_MIDI_CONTROL, ch, 64, 127, 0),
            ev(t, CAD_MIDI_PITCH_BEND, ch, 0x12, 0x45, 0),
            ev(t, CAD_MIDI_CHAN_PRESSURE, ch, 33, 0, 0),
            ev(t, CAD_MIDI_POLY_PRESSURE, ch, 60, 9, 0),
            ev(t + 1, CAD_MIDI_NOTE_ON, ch, 40 + ch, 1 + ch * 8, 0),
            ev(t + 1, CAD_MIDI_NOTE_ON, ch, 90 - ch, 100, 0),
            ev(t + 50, CAD_MIDI_NOTE_OFF, ch, 40 + ch, 64, 0),
            ev(t + 60, CAD_MIDI_NOTE_ON, ch, 90 - ch, 0, 0),
        };
        for (unsigned i = 0; i < sizeof evs / sizeof *evs; i++)
            CHECK(cad_midi_push(f, tn, &evs[i], &e) == 0);
    }
    f->tracks[tn].end_tick = 5000;
}

static void check_round_trip(int format)
{
    cad_midi_file f, g;
    cad_error e;
    build_sample(&f, format);
    uint8_t *bytes;
    size_t len;
    CHECK(cad_midi_encode(&f, &bytes, &len, &e) == 0);
    /* Header: MThd, length 6, format, tracks, 384 = 0x0180 ticks. */
    const uint8_t head[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0,
                            (uint8_t)format, 0, (uint8_t)(format + 1), 0x01,
                            0x80, 'M', 'T', 'r', 'k'};
    CHECK(len > sizeof head && memcmp(bytes, head, sizeof head) == 0);

    char dir[] = "/tmp/cad_test_midi_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/rt%d.mid", dir, format);
    CHECK(cad_midi_write(&f, path, &e) == 0);
    uint8_t *disk;
    size_t dlen;
    CHECK(cad_file_read_all(path, 1 << 20, &disk, &dlen, &e) == 0);
    CHECK(dlen == len && memcmp(disk, bytes, len) == 0);
    free(disk);
    CHECK(cad_midi_read(path, &g, &e) == 0);
    unlink(path);
    rmdir(dir);

    CHECK(g.format == format && g.ppq == 384 && g.n_tracks == f.n_tracks);
    for (int t = 0; t < f.n_tracks && t < g.n_tracks; t++) {
        const cad_midi_track *a = &f.tracks[t], *b = &g.tracks[t];
        CHECKF(a->n_events == b->n_events, "track %d: %d vs %d events", t,
               a->n_events, b->n_events);
        CHECK(b->name && strcmp(a->name, b->name) == 0);
        CHECK(a->end_tick == b->end_tick);
        for (int i = 0; i < a->n_events && i < b->n_events; i++) {
            cad_midi_event want = a->events[i];
            /* A note-on with velocity 0 comes back as a note-off. */
            if (want.type == CAD_MIDI_NOTE_ON && want.b == 0)
                want.type = CAD_MIDI_NOTE_OFF;
            CHECKF(same_event(&want, &b->events[i]), "track %d event %d", t,
                   i);
        }
    }
    /* 32 notes; channel 3's first: key 43, velocity 25, ticks 1301..1350. */
    cad_midi_note *notes;
    int n;
    CHECK(cad_midi_notes(&g, &notes, &n, &e) == 0);
    CHECK(n == 32);
    int found = 0;
    for (int i = 0; i < n; i++)
        if (notes[i].channel == 3 && notes[i].key == 43) {
            found++;
            CHECK(notes[i].start == 1301 && notes[i].end == 1350 &&
                  notes[i].velocity == 25 && notes[i].track == format);
        }
    CHECK(found == 1);
    for (int i = 1; i < n; i++)
        CHECK(notes[i - 1].start <= notes[i].start);
    free(notes);
    int sharps = 99, minor = 99;
    CHECK(cad_midi_first_key_sig(&g, &sharps, &minor) == 1);
    CHECK(sharps == -3 && minor == 1);
    /* 120 bpm for 768 ticks (2 quarters = 1 s), then 80 bpm. */
    cad_midi_tempo_map map;
    CHECK(cad_midi_tempo_map_build(&g, &map, &e) == 0);
    CHECK(map.n == 2);
    CHECK(fabs(cad_midi_tick_to_seconds(&map, 768) - 1.0) < 1e-12);
    CHECK(fabs(cad_midi_tick_to_seconds(&map, 768 + 384) - 1.75) < 1e-12);
    CHECK(fabs(cad_midi_tick_to_seconds(&map, 192) - 0.25) < 1e-12);
    cad_midi_tempo_map_free(&map);
    free(bytes);
    cad_midi_free(&f);
    cad_midi_free(&g);
}

static void test_writer_bytes(void)
{
    /* One note with running status for its note-off-as-note-on, exact. */
    cad_midi_file f;
    cad_error e;
    CHECK(cad_midi_init(&f, 0, 96, &e) == 0);
    CHECK(cad_midi_add_track(&f, NULL, &e) == 0);
    cad_midi_event a = ev(0, CAD_MIDI_NOTE_ON, 2, 60, 100, 0);
    cad_midi_event b = ev(200, CAD_MIDI_NOTE_ON, 2, 60, 0, 0);
    CHECK(cad_midi_push(&f, 0, &a, &e) == 0 && cad_midi_push(&f, 0, &b, &e) == 0);
    uint8_t *bytes;
    size_t len;
    CHECK(cad_midi_encode(&f, &bytes, &len, &e) == 0);
    const uint8_t want[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96,
                            'M', 'T', 'r', 'k', 0, 0, 0, 12,
                            0x00, 0x92, 60, 100,
                            0x81, 0x48, 60, 0, /* delta 200, running status */
                            0x00, 0xff, 0x2f, 0x00};
    CHECK(len == sizeof want && memcmp(bytes, want, len) == 0);
    free(bytes);
    /* Out-of-order events and a format 0 file with two tracks are refused. */
    cad_midi_event c = ev(100, CAD_MIDI_NOTE_OFF, 2, 60, 0, 0);
    CHECK(cad_midi_push(&f, 0, &c, &e) == 0);
    CHECK(cad_midi_encode(&f, &bytes, &len, &e) == -1);
    CHECK(strstr(e.msg, "before") != NULL);
    f.tracks[0].n_events = 2;
    CHECK(cad_midi_add_track(&f, NULL, &e) == 1);
    CHECK(cad_midi_encode(&f, &bytes, &len, &e) == -1);
    CHECK(strstr(e.msg, "format 0") != NULL);
    cad_midi_free(&f);
    CHECK(cad_midi_init(&f, 2, 96, &e) == -1);
    CHECK(cad_midi_init(&f, 1, 0, &e) == -1);
}

/* ---- hand-made files ---- */

static void test_running_status_and_skips(void)
{
    uint8_t trk[] = {
        0x00, 0xff, 0x03, 0x04, 'M', 'e', 'l', 'o',  /* track name */
        0x00, 0xff, 0x01, 0x03, 'a', 'b', 'c',       /* text: skipped */
        0x00, 0xf0, 0x03, 0x43, 0x12, 0xf7,          /* SysEx: skipped */
        0x00, 0x90, 0x3c, 0x40,                      /* C4 on */
        0x60, 0x3e, 0x50,                            /* running: D4 on */
        0x60, 0x3c, 0x00,                            /* running vel 0 */
        0x00, 0xf7, 0x02, 0xf3, 0x01,                /* escape: skipped */
        0x00, 0x3e, 0x00,                            /* running across it */
        0x00, 0xff, 0x7f, 0x02, 0x00, 0x01,          /* sequencer: skipped */
        0x00, 0x99, 0x24, 0x7f,                      /* drum, channel 10 */
        0xff, 0xff, 0xff, 0x7f, 0x89, 0x24, 0x00,    /* 4-byte delta */
        0x10, 0xff, 0x2f, 0x00,                      /* end of track */
        0x00, 0x90, 0x40, 0x40,                      /* after EOT: ignored */
    };
    uint8_t buf[256];
    size_t n = wrap1(buf, 0, 96, trk, sizeof trk);
    cad_midi_file f;
    cad_error e;
    if (!parse_ok(buf, n, &f))
        return;
    CHECK(f.n_tracks == 1 && f.ppq == 96 && f.format == 0);
    const cad_midi_track *t = &f.tracks[0];
    CHECK(t->name && strcmp(t->name, "Melo") == 0);
    CHECK(t->n_events == 6);
    cad_midi_event want[] = {
        ev(0, CAD_MIDI_NOTE_ON, 0, 60, 64, 0),
        ev(96, CAD_MIDI_NOTE_ON, 0, 62, 80, 0),
        ev(192, CAD_MIDI_NOTE_OFF, 0, 60, 0, 0),
        ev(192, CAD_MIDI_NOTE_OFF, 0, 62, 0, 0),
        ev(192, CAD_MIDI_NOTE_ON, 9, 36, 127, 0),
        ev(192 + 0x0fffffff, CAD_MIDI_NOTE_OFF, 9, 36, 0, 0),
    };
    for (int i = 0; i < 6 && i < t->n_events; i++)
        CHECKF(same_event(&want[i], &t->events[i]), "event %d", i);
    CHECK(t->end_tick == 192u + 0x0fffffff + 16);
    cad_midi_note *notes;
    int nn;
    CHECK(cad_midi_notes(&f, &notes, &nn, &e) == 0);
    CHECK(nn == 3);
    if (nn == 3) {
        CHECK(notes[0].key == 60 && notes[0].start == 0 && notes[0].end == 192);
        CHECK(notes[1].key == 62 && notes[1].start == 96 && notes[1].end == 192);
        CHECK(notes[2].key == 36 && notes[2].channel == CAD_MIDI_DRUM_CHANNEL);
    }
    free(notes);
    cad_midi_free(&f);
}

static void test_note_pairing_and_format1(void)
{
    /* Track 1: overlapping C4s (FIFO pairing), a stray note-off, a note
     * never ended; between the tracks an unknown chunk to skip. */
    uint8_t file[] = {
        'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1, 0, 2, 0, 10,
        'M', 'T', 'r', 'k', 0, 0, 0, 20,
        0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20,   /* 120 bpm */
        0x00, 0xff, 0x59, 0x02, 0x02, 0x00,         /* D major */
        0x14, 0xff, 0x51, 0x03, 0x0f, 0x42, 0x40,   /* tick 20: 60 bpm */
        'X', 'F', 'I', 'H', 0, 0, 0, 3, 1, 2, 3,
        'M', 'T', 'r', 'k', 0, 0, 0, 24,
        0x00, 0x90, 60, 10,
        0x0a, 0x90, 60, 20,
        0x00, 0x80, 70, 0,                           /* stray */
        0x0a, 0x80, 60, 0,                           /* ends the first */
        0x0a, 0x80, 60, 0,                           /* ends the second */
        0x05, 0x91, 72, 30,                          /* never ended */
    };
    cad_midi_file f;
    cad_error e;
    if (!parse_ok(file, sizeof file, &f))
        return;
    CHECK(f.format == 1 && f.n_tracks == 2);
    CHECK(f.tracks[1].end_tick == 35);
    cad_midi_note *notes;
    int n;
    CHECK(cad_midi_notes(&f, &notes, &n, &e) == 0);
    CHECK(n == 3);
    if (n == 3) {
        CHECK(notes[0].start == 0 && notes[0].end == 20 && notes[0].velocity == 10);
        CHECK(notes[1].start == 10 && notes[1].end == 30 && notes[1].velocity == 20);
        CHECK(notes[2].key == 72 && notes[2].start == 35 && notes[2].end == 35);
        CHECK(notes[2].track == 1 && notes[2].channel == 1);
    }
    free(notes);
    cad_midi_event *all;
    CHECK(cad_midi_merge(&f, &all, &n, &e) == 0);
    CHECK(n == 9);
    for (int i = 1; i < n; i++)
        CHECK(all[i - 1].tick <= all[i].tick);
    /* Stable at tick 20: the tempo change (track 0) before the note-off. */
    CHECK(n == 9 && all[5].type == CAD_MIDI_TEMPO && all[6].tick == 20 &&
          all[6].track == 1);
    free(all);
    cad_midi_tempo_map map;
    CHECK(cad_midi_tempo_map_build(&f, &map, &e) == 0);
    /* 10 ticks per quarter: 20 ticks at 0.5 s/q = 1 s, then 1 s/q. */
    CHECK(fabs(cad_midi_tick_to_seconds(&map, 20) - 1.0) < 1e-12);
    CHECK(fabs(cad_midi_tick_to_seconds(&map, 35) - 2.5) < 1e-12);
    cad_midi_tempo_map_free(&map);
    int sharps, minor;
    CHECK(cad_midi_first_key_sig(&f, &sharps, &minor) == 1 && sharps == 2 &&
          minor == 0);
    cad_midi_free(&f);

    /* Every proper prefix of this file must be rejected. */
    for (size_t cut = 0; cut < sizeof file; cut++) {
        cad_midi_file g;
        int rc = cad_midi_parse(file, cut, &g, &e);
        CHECKF(rc == -1 && e.msg[0], "prefix of %zu bytes accepted", cut);
        if (rc == 0)
            cad_midi_free(&g);
    }
}

static void test_corrupt(void)
{
    uint8_t buf[512];
    size_t n;
    expect_fail("empty", NULL, 0, "not a MIDI file");
    expect_fail("RIFF", (const uint8_t *)"RIFF\0\0\0\0WAVEfmt ", 16,
                "not a MIDI file");
    {
        uint8_t t[] = {0x00, 0xff, 0x2f, 0x00};
        n = wrap1(buf, 2, 96, t, sizeof t);
        expect_fail("format 2", buf, n, "format 2");
        n = wrap1(buf, 0, 0xe728, t, sizeof t); /* -25 fps, 40 ticks */
        expect_fail("SMPTE", buf, n, "SMPTE");
        n = wrap1(buf, 0, 0, t, sizeof t);
        expect_fail("zero division", buf, n, "ticks per quarter");
        n = wrap1(buf, 7, 96, t, sizeof t);
        expect_fail("format 7", buf, n, "format 7");
        n = wrap1(buf, 0, 96, t, sizeof t);
        buf[11] = 0;
        expect_fail("no tracks", buf, n, "no tracks");
        n = wrap1(buf, 0, 96, t, sizeof t);
        buf[11] = 3;
        expect_fail("missing tracks", buf, n, "declares 3 tracks");
        n = wrap1(buf, 0, 96, t, sizeof t);
        buf[7] = 200;
        expect_fail("header length", buf, n, "header length");
        n = wrap1(buf, 0, 96, t, sizeof t);
        buf[21] = 40;
        expect_fail("chunk length", buf, n, "truncated");
    }
    struct {
        const char *what, *want;
        uint8_t t[16];
        size_t n;
    } cases[] = {
        {"no status", "no status byte", {0x00, 0x3c, 0x40}, 3},
        {"F4 status", "not allowed", {0x00, 0xf4, 0x00}, 3},
        {"data high bit", "high bit", {0x00, 0x90, 0x3c, 0x90}, 4},
        {"5-byte delta", "longer than 4", {0x80, 0x80, 0x80, 0x80, 0x00}, 5},
        {"meta too long", "claims", {0x00, 0xff, 0x01, 0x7f, 'a'}, 5},
        {"sysex too long", "claims", {0x00, 0xf0, 0x81, 0x00, 1}, 5},
        {"cut in note", "cut off", {0x00, 0x90, 0x3c}, 3},
        {"cut in delta", "cut off", {0x00, 0x90, 0x3c, 0x40, 0x81}, 5},
        {"cut in meta", "cut off", {0x00, 0xff}, 2},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
        n = wrap1(buf, 0, 96, cases[i].t, cases[i].n);
        expect_fail(cases[i].what, buf, n, cases[i].want);
    }
    /* 17 deltas of 2^28 - 1 pass 2^32 ticks. */
    uint8_t t[17 * 6]; /* each: longest delta, empty escape event */
    for (int i = 0; i < 17; i++)
        memcpy(t + 6 * i, "\xff\xff\xff\x7f\xf7\x00", 6);
    n = wrap1(buf, 0, 96, t, sizeof t);
    expect_fail("tick overflow", buf, n, "2^32");

    /* Caps: more than CAD_MIDI_MAX_EVENTS events (3 bytes each with
     * running status), and a buffer past the size limit. */
    size_t ne = CAD_MIDI_MAX_EVENTS + 1, tl = 4 + 3 * ne;
    uint8_t *big = calloc(22 + tl, 1);
    CHECK(big != NULL);
    if (big) {
        uint8_t *p = big + 22;
        memcpy(p, "\x00\x90\x3c\x40", 4);
        for (size_t i = 0; i < ne; i++)
            memcpy(p + 4 + 3 * i, "\x00\x3c\x40", 3);
        uint8_t h[22];
        wrap1(h, 0, 96, p, 0);
        memcpy(big, h, 18);
        big[18] = (uint8_t)(tl >> 24), big[19] = (uint8_t)(tl >> 16);
        big[20] = (uint8_t)(tl >> 8), big[21] = (uint8_t)tl;
        expect_fail("event cap", big, 22 + tl, "more than");
        free(big);
    }
    size_t huge = (size_t)CAD_MIDI_MAX_BYTES + 1;
    big = calloc(huge, 1);
    if (big) {
        uint8_t tt[] = {0x00, 0xff, 0x2f, 0x00};
        wrap1(big, 0, 96, tt, sizeof tt);
        expect_fail("size cap", big, huge, "limit");
        free(big);
    }
}

/* ---- real files ---- */

static void mutate(cad_rng *r, const uint8_t *src, size_t n, uint8_t *dst,
                   size_t *dn, size_t cap)
{
    memcpy(dst, src, n);
    size_t len = n;
    int ops = 1 + (int)cad_rng_below(r, 2);
    for (int k = 0; k < ops && len > 0; k++) {
        switch (cad_rng_below(r, 5)) {
        case 0: /* change a few bytes to random values */
        case 1:
        case 2: {
            int m = 1 + (int)cad_rng_below(r, 4);
            for (int i = 0; i < m; i++)
                dst[cad_rng_below(r, (uint32_t)len)] = (uint8_t)cad_rng_u64(r);
            break;
        }
        case 3: /* truncate */
            len = cad_rng_below(r, (uint32_t)len);
            break;
        default: { /* duplicate a range somewhere else */
            size_t a = cad_rng_below(r, (uint32_t)len);
            size_t l = 1 + cad_rng_below(r, (uint32_t)(len - a));
            size_t at = cad_rng_below(r, (uint32_t)len + 1);
            if (len + l > cap)
                break;
            uint8_t *tmp = malloc(l);
            memcpy(tmp, dst + a, l);
            memmove(dst + at + l, dst + at, len - at);
            memcpy(dst + at, tmp, l);
            free(tmp);
            len += l;
        }
        }
    }
    *dn = len;
}

static void test_mutations(const char *data_dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/midi/nottingham/ashover1.mid", data_dir);
    uint8_t *orig;
    size_t n;
    cad_error e;
    int rc = cad_file_read_all(path, CAD_MIDI_MAX_BYTES, &orig, &n, &e);
    CHECKF(rc == 0, "%s", e.msg);
    if (rc)
        return;
    /* Known facts of this file (checked with a hex dump). */
    cad_midi_file f;
    CHECK(cad_midi_parse(orig, n, &f, &e) == 0);
    CHECK(f.format == 1 && f.ppq == 1024 && f.n_tracks == 2);
    int sharps = 0, minor = 1;
    CHECK(cad_midi_first_key_sig(&f, &sharps, &minor) && sharps == 1 &&
          minor == 0);
    cad_midi_note *notes;
    int nn;
    CHECK(cad_midi_notes(&f, &notes, &nn, &e) == 0 && nn > 50);
    /* The first melody note: E5 at tick 2048, velocity 90, an eighth. */
    CHECK(nn > 0 && notes[0].key == 76 && notes[0].start == 2048 &&
          notes[0].end == 2048 + 1024 && notes[0].velocity == 90);
    free(notes);
    cad_midi_free(&f);

    size_t cap = 4 * n + 64;
    uint8_t *buf = malloc(cap);
    cad_rng r;
    cad_rng_seed(&r, 20240601);
    int ok = 0;
    for (int i = 0; i < 300; i++) {
        size_t len;
        mutate(&r, orig, n, buf, &len, cap);
        /* An exact-size copy so ASan sees any read past the end. */
        uint8_t *exact = malloc(len ? len : 1);
        memcpy(exact, buf, len);
        if (cad_midi_parse(exact, len, &f, &e) == 0) {
            ok++;
            cad_midi_tempo_map map;
            cad_midi_event *all;
            int m;
            if (cad_midi_notes(&f, &notes, &nn, &e) == 0)
                free(notes);
            if (cad_midi_merge(&f, &all, &m, &e) == 0)
                free(all);
            if (cad_midi_tempo_map_build(&f, &map, &e) == 0)
                cad_midi_tempo_map_free(&map);
            cad_midi_free(&f);
        } else {
            CHECK(e.msg[0] != '\0');
        }
        cad_roll roll;
        if (cad_roll_from_midi_bytes(exact, len, NULL, &roll, &e) == 0)
            cad_roll_free(&roll);
        free(exact);
    }
    printf("mutations: 300 parsed without crashing, %d accepted\n", ok);
    free(buf);
    free(orig);
}

typedef struct {
    int found, loaded, rolled, tempo_maps;
} corpus_stats;

static void walk(const char *dir, corpus_stats *st)
{
    DIR *d = opendir(dir);
    CHECKF(d != NULL, "cannot open %s", dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            walk(path, st);
            continue;
        }
        size_t l = strlen(de->d_name);
        if (l < 4 || strcmp(de->d_name + l - 4, ".mid") != 0)
            continue;
        st->found++;
        cad_midi_file f;
        cad_error e;
        if (cad_midi_read(path, &f, &e) != 0) {
            CHECKF(0, "%s", e.msg);
            continue;
        }
        st->loaded++;
        cad_midi_tempo_map map;
        if (cad_midi_tempo_map_build(&f, &map, &e) == 0) {
            st->tempo_maps += map.n > 1;
            cad_midi_tempo_map_free(&map);
        }
        cad_midi_free(&f);
        cad_roll roll;
        if (cad_roll_from_midi_file(path, NULL, &roll, &e) == 0) {
            st->rolled += roll.n_frames > 0;
            cad_roll_free(&roll);
        } else {
            CHECKF(0, "%s", e.msg);
        }
    }
    closedir(d);
}

static void test_corpora(const char *data_dir)
{
    const char *subs[] = {"midi/nottingham", "midi/piano-midi-de"};
    for (int i = 0; i < 2; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", data_dir, subs[i]);
        corpus_stats st = {0};
        walk(dir, &st);
        printf("%s: %d files, %d loaded, %d rolls, %d with tempo changes\n",
               subs[i], st.found, st.loaded, st.rolled, st.tempo_maps);
        CHECK(st.found > 50);
        CHECK(st.loaded == st.found && st.rolled == st.found);
        if (i == 1) /* piano-midi.de: expressive tempo maps */
            CHECK(st.tempo_maps > st.found / 2);
    }
}

int main(void)
{
    const char *data_dir = cad_test_data_dir();
    check_round_trip(0);
    check_round_trip(1);
    test_writer_bytes();
    test_running_status_and_skips();
    test_note_pairing_and_format1();
    test_corrupt();
    test_mutations(data_dir);
    test_corpora(data_dir);
    TEST_MAIN_END();
}
