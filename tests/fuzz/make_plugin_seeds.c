/* Writes the hand-made seeds of the plugin's fuzz targets, in the layouts
 * fuzz_atoms.c and fuzz_state.c describe:
 *
 *   make_plugin_seeds DIR    (DIR/atoms/seed_* and DIR/state/seed_*)
 *
 * Run by hand when the layouts change (the seeds are committed, together
 * with every crash input found since, in tests/corpus). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lv2/atom/forge.h"

#include "fuzz_host.h"

typedef struct {
    uint8_t b[16384];
    size_t n;
} seed;

static void put(seed *s, const void *p, size_t n)
{
    if (s->n + n > sizeof s->b)
        abort();
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

static void put8(seed *s, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(s, &c, 1);
}

static void put16(seed *s, unsigned v)
{
    put8(s, v & 0xFF);
    put8(s, v >> 8);
}

static void putf(seed *s, float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    put16(s, v & 0xFFFF);
    put16(s, v >> 16);
}

/* Events, as raw bytes for a block. */
typedef struct {
    uint8_t b[8192];
    size_t n;
    LV2_Atom_Forge f;
} events;

static void ev_init(events *e)
{
    e->n = 0;
    lv2_atom_forge_init(&e->f, fz_map());
    lv2_atom_forge_set_buffer(&e->f, e->b, sizeof e->b);
}

static void ev_sync(events *e)
{
    e->n = e->f.offset;
}

/* A time:Position with bar/barBeat, as Ardour sends it. */
static void ev_position(events *e, int64_t frame, float speed, int64_t bar,
                        float bar_beat, float bpm)
{
    LV2_Atom_Forge_Frame o;
    LV2_Atom_Forge *f = &e->f;
    lv2_atom_forge_frame_time(f, frame);
    lv2_atom_forge_object(f, &o, 0, FZ_TIME_POSITION);
    lv2_atom_forge_key(f, FZ_TIME_SPEED);
    lv2_atom_forge_float(f, speed);
    lv2_atom_forge_key(f, FZ_TIME_BAR);
    lv2_atom_forge_long(f, bar);
    lv2_atom_forge_key(f, FZ_TIME_BAR_BEAT);
    lv2_atom_forge_float(f, bar_beat);
    lv2_atom_forge_key(f, FZ_TIME_BEAT_UNIT);
    lv2_atom_forge_int(f, 4);
    lv2_atom_forge_key(f, FZ_TIME_BEATS_PER_BAR);
    lv2_atom_forge_float(f, 4.0f);
    lv2_atom_forge_key(f, FZ_TIME_BEATS_PER_MINUTE);
    lv2_atom_forge_float(f, bpm);
    lv2_atom_forge_pop(f, &o);
    ev_sync(e);
}

/* The other way to say where: time:beat as a double. */
static void ev_beat(events *e, int64_t frame, double beat, double bpm)
{
    LV2_Atom_Forge_Frame o;
    LV2_Atom_Forge *f = &e->f;
    lv2_atom_forge_frame_time(f, frame);
    lv2_atom_forge_object(f, &o, 0, FZ_TIME_POSITION);
    lv2_atom_forge_key(f, FZ_TIME_SPEED);
    lv2_atom_forge_double(f, 1.0);
    lv2_atom_forge_key(f, FZ_TIME_BEAT);
    lv2_atom_forge_double(f, beat);
    lv2_atom_forge_key(f, FZ_TIME_BEATS_PER_MINUTE);
    lv2_atom_forge_double(f, bpm);
    lv2_atom_forge_pop(f, &o);
    ev_sync(e);
}

static void ev_set(events *e, int64_t frame, LV2_URID key, const char *path)
{
    size_t n = fz_forge_set(e->b + e->n, sizeof e->b - e->n, frame, key,
                            path);
    if (!n)
        abort();
    e->n += n;
    e->f.offset = (uint32_t)e->n;
}

static void ev_get(events *e, int64_t frame)
{
    LV2_Atom_Forge_Frame o;
    lv2_atom_forge_frame_time(&e->f, frame);
    lv2_atom_forge_object(&e->f, &o, 0, FZ_PATCH_GET);
    lv2_atom_forge_pop(&e->f, &o);
    ev_sync(e);
}

static void ev_midi(events *e, int64_t frame, const uint8_t *msg,
                    uint32_t len)
{
    lv2_atom_forge_frame_time(&e->f, frame);
    lv2_atom_forge_atom(&e->f, len, FZ_MIDI_EVENT);
    lv2_atom_forge_write(&e->f, msg, len);
    ev_sync(e);
}

/* Raw bytes: whatever a broken UI or host might send (the structs that
 * hold them have no padding, so every byte written is set). */
static void ev_raw(events *e, const void *p, size_t n)
{
    memcpy(e->b + e->n, p, n);
    e->n += n;
    e->f.offset = (uint32_t)e->n;
}

typedef struct {
    uint8_t port;
    float value;
} ctl;

static void block(seed *s, unsigned frames, const ctl *c, int nc,
                  int action, unsigned at, const events *e)
{
    put16(s, frames);
    put8(s, (unsigned)nc);
    for (int i = 0; i < nc; i++) {
        put8(s, c[i].port);
        putf(s, c[i].value);
    }
    put8(s, (unsigned)action);
    put16(s, at);
    put16(s, e ? (unsigned)e->n : 0);
    if (e)
        put(s, e->b, e->n);
}

/* The header of a fuzz_atoms input: flags, the output capacity if bit 3
 * says so (cap >= 0), and the number of blocks that follow. */
static void atoms_begin(seed *s, unsigned flags, int cap, int blocks)
{
    s->n = 0;
    put8(s, flags | (cap >= 0 ? 8 : 0));
    if (cap >= 0)
        put8(s, (unsigned)cap);
    put8(s, (unsigned)(blocks - 1));
}

static void save(const char *dir, const char *sub, const char *name,
                 const seed *s)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(s->b, 1, s->n, f) != s->n || fclose(f) != 0) {
        fprintf(stderr, "make_plugin_seeds: cannot write %s\n", path);
        exit(1);
    }
}

static void atoms(const char *dir)
{
    seed s;
    events e;
    const ctl free_run[] = {{CAD_PORT_MODE, 1}};

    /* The transport starts, plays four blocks, stops. */
    atoms_begin(&s, 0, -1, 4);
    ev_init(&e);
    ev_position(&e, 0, 1.0f, 2, 0.0f, 120.0f);
    block(&s, 4096, NULL, 0, 0, 0, &e);
    block(&s, 4096, NULL, 0, 0, 0, NULL);
    block(&s, 8192, NULL, 0, 0, 0, NULL);
    ev_init(&e);
    ev_position(&e, 100, 0.0f, 3, 1.5f, 120.0f);
    block(&s, 1024, NULL, 0, 0, 0, &e);
    save(dir, "atoms", "seed_position", &s);

    /* time:beat as doubles, a jump back, a tempo change. */
    atoms_begin(&s, 0, -1, 3);
    ev_init(&e);
    ev_beat(&e, 0, 8.0, 90.0);
    block(&s, 2048, NULL, 0, 0, 0, &e);
    ev_init(&e);
    ev_beat(&e, 10, 0.0, 200.0);
    ev_beat(&e, 2000, 0.1, 200.0);
    block(&s, 4096, NULL, 0, 0, 0, &e);
    block(&s, 4096, NULL, 0, 0, 0, NULL);
    save(dir, "atoms", "seed_position_beat", &s);

    /* Absurd but finite positions and tempi: bar 2^62, a double beat of
     * 1e300, then back to 0 at a crawl. */
    atoms_begin(&s, 0, -1, 3);
    ev_init(&e);
    ev_position(&e, 0, 1.0f, INT64_C(1) << 62, 3e38f, 3e38f);
    block(&s, 4096, NULL, 0, 0, 0, &e);
    ev_init(&e);
    ev_beat(&e, 0, 1e300, 1e300);
    block(&s, 4096, NULL, 0, 0, 0, &e);
    ev_init(&e);
    ev_beat(&e, 0, 0.0, 1.0);
    ev_position(&e, 1, 1e-5f, 0, 0.0f, 1.0f);
    block(&s, 4096, NULL, 0, 0, 0, &e);
    save(dir, "atoms", "seed_position_absurd", &s);

    /* patch:Set of the model to a file that does not exist. */
    atoms_begin(&s, 0, -1, 2);
    ev_init(&e);
    ev_set(&e, 0, FZ_CAD_MODEL, "/nonexistent/model.safetensors");
    block(&s, 256, NULL, 0, 0, 0, &e);
    block(&s, 256, NULL, 0, 0, 0, NULL);
    save(dir, "atoms", "seed_set_missing_model", &s);

    /* patch:Set of the soundfont to a file that is not one. */
    atoms_begin(&s, 0, -1, 2);
    ev_init(&e);
    ev_set(&e, 3, FZ_CAD_SOUNDFONT, "/etc/hostname");
    block(&s, 64, NULL, 0, 0, 0, &e);
    block(&s, 8192, NULL, 0, 0, 0, NULL);
    save(dir, "atoms", "seed_set_bad_soundfont", &s);

    /* patch:Get (a UI opening). */
    atoms_begin(&s, 0, -1, 1);
    ev_init(&e);
    ev_get(&e, 0);
    block(&s, 128, NULL, 0, 0, 0, &e);
    save(dir, "atoms", "seed_get", &s);

    /* Listen mode at 300 bpm: a phrase played in, then a bar of silence,
     * which Cadenza answers. */
    const ctl listen[] = {{CAD_PORT_MODE, 2}, {CAD_PORT_TEMPO, 300}};
    atoms_begin(&s, 0, -1, 8);
    ev_init(&e);
    static const uint8_t on1[3] = {0x90, 60, 100}, off1[3] = {0x80, 60, 0},
                         on2[3] = {0x91, 64, 90}, off2[3] = {0x90, 64, 0},
                         cc[3] = {0xB0, 64, 127}, pc[2] = {0xC0, 5};
    ev_midi(&e, 10, on1, 3);
    ev_midi(&e, 20, cc, 3);
    ev_midi(&e, 4000, off1, 3);
    block(&s, 8192, listen, 2, 0, 0, &e);
    ev_init(&e);
    ev_midi(&e, 0, on2, 3);
    ev_midi(&e, 5, pc, 2);
    ev_midi(&e, 8000, off2, 3);
    block(&s, 8192, NULL, 0, 0, 0, &e);
    for (int i = 0; i < 5; i++)
        block(&s, 8192, NULL, 0, 0, 0, NULL);
    /* ... and the player comes in again while it answers. */
    ev_init(&e);
    ev_midi(&e, 100, on1, 3);
    block(&s, 8192, NULL, 0, 0, 0, &e);
    save(dir, "atoms", "seed_midi_listen", &s);

    /* Soundfonts swapped while a note is held and the synth is between
     * its 64-frame blocks; an empty path and one too long. */
    atoms_begin(&s, 0, -1, 5);
    ev_init(&e);
    ev_midi(&e, 0, on1, 3);
    ev_set(&e, 1, FZ_CAD_SOUNDFONT, "");
    block(&s, 1000, free_run, 1, 10, 0, &e);
    block(&s, 8191, NULL, 0, 5, 3, NULL);
    ev_init(&e);
    {
        static char longpath[CAD_PATH_MAX + 10];
        memset(longpath, 'b', sizeof longpath - 1);
        longpath[0] = '/';
        ev_set(&e, 0, FZ_CAD_MODEL, longpath);
    }
    block(&s, 8191, NULL, 0, 10, 5, &e);
    block(&s, 8191, NULL, 0, 0, 0, NULL);
    block(&s, 8191, NULL, 0, 0, 0, NULL);
    save(dir, "atoms", "seed_soundfont_swaps", &s);

    /* Free-running, then loads of the host's bundle files while playing
     * (actions 2, 5, 3, 6), with the worker inside schedule_work. */
    atoms_begin(&s, 2, -1, 6);
    block(&s, 4096, free_run, 1, 0, 0, NULL);
    block(&s, 4096, NULL, 0, 2, 100, NULL);
    block(&s, 8192, NULL, 0, 5, 0, NULL);
    block(&s, 8192, NULL, 0, 3, 0, NULL);
    block(&s, 8192, NULL, 0, 6, 0, NULL);
    block(&s, 8192, NULL, 0, 4, 0, NULL);
    save(dir, "atoms", "seed_free_loads", &s);

    /* A model loaded while stopped; then, playing, the controls move:
     * regenerate, seed, mode, enabled. */
    const ctl regen[] = {{CAD_PORT_REGENERATE, 1}};
    const ctl seed5[] = {{CAD_PORT_SEED, 5}, {CAD_PORT_REGENERATE, 0}};
    const ctl to_listen[] = {{CAD_PORT_MODE, 2}};
    const ctl off[] = {{CAD_PORT_ENABLED, 0}};
    const ctl on_follow[] = {{CAD_PORT_ENABLED, 1}, {CAD_PORT_MODE, 0}};
    atoms_begin(&s, 0, -1, 8);
    block(&s, 8192, NULL, 0, 2, 0, NULL);
    block(&s, 8192, NULL, 0, 0, 0, NULL);
    block(&s, 8192, free_run, 1, 0, 0, NULL);
    block(&s, 8192, regen, 1, 0, 0, NULL);
    block(&s, 8192, seed5, 2, 0, 0, NULL);
    block(&s, 4096, to_listen, 1, 0, 0, NULL);
    block(&s, 4096, off, 1, 0, 0, NULL);
    block(&s, 4096, on_follow, 2, 8, 0, NULL);
    save(dir, "atoms", "seed_controls_playing", &s);

    /* Every control out of range or not a number, a refusing worker
     * queue and a tiny output buffer. */
    atoms_begin(&s, 4, 40, 3);
    const ctl wild[] = {
        {CAD_PORT_MODE, 1},           {CAD_PORT_TEMPO, 1e30f},
        {CAD_PORT_TEMPERATURE, NAN},  {CAD_PORT_THRESHOLD, -INFINITY},
        {CAD_PORT_MAX_NOTES, 1e9f},   {CAD_PORT_SEED, -5},
        {CAD_PORT_KEY, INFINITY},     {CAD_PORT_SCALE, 99},
        {CAD_PORT_LOW, 127},          {CAD_PORT_HIGH, 0},
        {CAD_PORT_VELOCITY, 0},       {CAD_PORT_PROGRAM, 3e38f},
        {CAD_PORT_GAIN, 1e10f},       {CAD_PORT_REGENERATE, 1},
    };
    block(&s, 8192, wild, (int)(sizeof wild / sizeof *wild), 0, 0, NULL);
    const ctl wild2[] = {{CAD_PORT_ENABLED, NAN}, {CAD_PORT_REGENERATE, 0},
                         {CAD_PORT_SEED, 70000}, {CAD_PORT_TEMPO, 0}};
    block(&s, 0, wild2, 4, 0, 0, NULL);
    block(&s, 8192, NULL, 0, 0, 0, NULL);
    save(dir, "atoms", "seed_wild_controls", &s);

    /* Malformed atoms: an object too short for its header, a patch:Set
     * whose value claims more bytes than the object has, an unterminated
     * path, a MIDI event of one byte, and an event cut short. */
    atoms_begin(&s, 0, -1, 1);
    ev_init(&e);
    {
        struct {
            int64_t frames;
            uint32_t size, type;
            uint32_t otype, pad;
        } shortobj = {0, 4, FZ_ATOM_OBJECT, FZ_PATCH_SET, 0};
        ev_raw(&e, &shortobj, sizeof shortobj);
    }
    {
        struct {
            int64_t frames;
            uint32_t size, type;
            uint32_t id, otype;
            uint32_t k1, c1, s1, t1, v1, p1;
            uint32_t k2, c2, s2, t2;
            char path[8];
        } liar = {1, 56, FZ_ATOM_OBJECT, 0, FZ_PATCH_SET,
                  FZ_PATCH_PROPERTY, 0, 4, FZ_ATOM_URID, FZ_CAD_MODEL, 0,
                  FZ_PATCH_VALUE, 0, 200, FZ_ATOM_PATH, "/a/b/c"};
        ev_raw(&e, &liar, sizeof liar);
    }
    {
        struct {
            int64_t frames;
            uint32_t size, type;
            uint32_t id, otype;
            uint32_t k1, c1, s1, t1, v1, p1;
            uint32_t k2, c2, s2, t2;
            char path[8];
        } unterminated = {2, 56, FZ_ATOM_OBJECT, 0, FZ_PATCH_SET,
                          FZ_PATCH_PROPERTY, 0, 4, FZ_ATOM_URID,
                          FZ_CAD_SOUNDFONT, 0, FZ_PATCH_VALUE, 0, 8,
                          FZ_ATOM_STRING, {'/', 'x', 'x', 'x', 'x', 'x', 'x',
                                           'x'}};
        ev_raw(&e, &unterminated, sizeof unterminated);
    }
    static const uint8_t one[1] = {0x90};
    ev_midi(&e, 3, one, 1);
    {
        struct {
            int64_t frames;
            uint32_t size, type;
            uint8_t body[8];
        } cut = {4, 1000, FZ_MIDI_EVENT, {0x90, 60, 1, 0, 0, 0, 0, 0}};
        ev_raw(&e, &cut, sizeof cut);
    }
    block(&s, 512, NULL, 0, 0, 0, &e);
    save(dir, "atoms", "seed_malformed", &s);
}

static void answer_path(seed *s, uint8_t type, const char *path, int nul)
{
    put8(s, 1);
    put8(s, type);
    put8(s, 0);
    size_t n = strlen(path) + (nul ? 1 : 0);
    put16(s, (unsigned)n);
    put(s, path, n);
}

static void answer_int(seed *s, int32_t v)
{
    put8(s, 1);
    put8(s, 2); /* atom:Int */
    put8(s, 0);
    put16(s, 4);
    put(s, &v, 4);
}

/* The answers go first, behind a length. */
static void state(seed *s, uint8_t flags, const seed *answers, int blocks)
{
    s->n = 0;
    put8(s, flags);
    put8(s, 0);
    put16(s, (unsigned)answers->n);
    put(s, answers->b, answers->n);
    put8(s, (unsigned)(blocks - 1));
}

static void states(const char *dir)
{
    seed s, a;
    const ctl free_run[] = {{CAD_PORT_MODE, 1}};

    /* A session's state: count, model and soundfont relative to the
     * bundle (mapPath, freePath), restored before activation. */
    a.n = 0;
    answer_int(&a, 3);
    answer_path(&a, 0, "other.safetensors", 1);
    answer_path(&a, 0, "tiny.sf2", 1);
    state(&s, 2 | 4, &a, 2);
    block(&s, 4096, free_run, 1, 0, 0, NULL);
    block(&s, 4096, NULL, 0, 0, 0, NULL);
    save(dir, "state", "seed_session", &s);

    /* Another soundfont, restored before activation without a worker. */
    a.n = 0;
    answer_int(&a, 0);
    answer_path(&a, 0, "default.safetensors", 1);
    answer_path(&a, 0, "copy.sf2", 1);
    state(&s, 2, &a, 2);
    block(&s, 4096, free_run, 1, 0, 0, NULL);
    block(&s, 4096, NULL, 0, 0, 0, NULL);
    save(dir, "state", "seed_session_soundfont", &s);

    /* The same with the worker, after activation. */
    state(&s, 2 | 4 | 8 | 1 << 4, &a, 2);
    block(&s, 4096, free_run, 1, 0, 0, NULL);
    block(&s, 8192, NULL, 0, 0, 0, NULL);
    save(dir, "state", "seed_session_worker", &s);

    /* Every key missing. */
    a.n = 0;
    put8(&a, 0);
    put8(&a, 0);
    put8(&a, 0);
    state(&s, 0, &a, 1);
    block(&s, 512, NULL, 0, 0, 0, NULL);
    save(dir, "state", "seed_missing", &s);

    /* A path without its NUL, and a model that does not exist, restored
     * while playing without a worker. */
    a.n = 0;
    answer_int(&a, -1);
    answer_path(&a, 0, "/nonexistent/model.safetensors", 1);
    answer_path(&a, 1, "/usr/share/sounds/sf2/x.sf2", 0);
    state(&s, 2 << 4, &a, 3);
    block(&s, 8192, free_run, 1, 0, 0, NULL);
    block(&s, 8192, NULL, 0, 0, 0, NULL);
    block(&s, 8192, NULL, 0, 0, 0, NULL);
    save(dir, "state", "seed_bad_paths_playing", &s);

    /* A path longer than the plugin keeps, and wrong types. */
    a.n = 0;
    put8(&a, 1);
    put8(&a, 3); /* atom:Float for the count */
    put8(&a, 0);
    put16(&a, 4);
    putf(&a, 2.5f);
    {
        static char longpath[3000];
        memset(longpath, 'a', sizeof longpath - 1);
        longpath[0] = '/';
        answer_path(&a, 0, longpath, 1);
    }
    put8(&a, 1);
    put8(&a, 5); /* a raw type follows: 0xFFFF */
    put16(&a, 0xFFFF);
    put16(&a, 0);
    put8(&a, 0);
    put16(&a, 2);
    put(&a, "x", 2);
    state(&s, 8 | 1 << 4, &a, 1);
    block(&s, 1024, NULL, 0, 0, 0, NULL);
    save(dir, "state", "seed_long_path", &s);

    /* Bundle files as absolute paths, restored before activation and
     * again while playing, with the worker inside schedule_work. */
    a.n = 0;
    put8(&a, 0);
    put8(&a, 3);
    put8(&a, FZ_FILE_FAST);
    put8(&a, 3);
    put8(&a, FZ_FILE_SF2);
    put8(&a, 0);
    put8(&a, 3);
    put8(&a, FZ_FILE_BADKEYS);
    put8(&a, 3);
    put8(&a, FZ_FILE_MISSING);
    state(&s, 8 | 3 << 4 | 128, &a, 3);
    block(&s, 8192, free_run, 1, 0, 0, NULL);
    block(&s, 8192, NULL, 0, 0, 0, NULL);
    block(&s, 8192, NULL, 0, 0, 0, NULL);
    save(dir, "state", "seed_files_twice", &s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_plugin_seeds DIR\n");
        return 2;
    }
    atoms(argv[1]);
    states(argv[1]);
    return 0;
}
