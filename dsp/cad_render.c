/* Offline bounce: MIDI file -> FluidSynth -> 24-bit WAV.
 *
 * The plan: merge every track's events into one time-ordered list, turn
 * each event's tick into a sample frame through the tempo map, then walk
 * the list rendering audio up to each event's frame and applying it there.
 * After the last event (or the end-of-track, whichever is later) we keep
 * rendering until the output has stayed below -90 dBFS for half a second,
 * so reverb and release tails are not chopped off.
 *
 * "Exact sample frame" has one caveat: FluidSynth computes audio in blocks
 * of 64 frames and an event takes effect at the next block it computes,
 * so an event can sound up to 63 frames (1.3 ms at 48 kHz) late. The lag
 * is deterministic, so the output still is. */
#include "cad_render.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sndfile.h>

#include "cad_file.h"
#include "cad_level.h"
#include "cad_midi.h"
#include "cad_synth.h"

#define CAD_RENDER_CHUNK 1024              /* frames per synth call */
#define CAD_RENDER_MAX_SECONDS 3600.0      /* longest piece we bounce */
#define CAD_RENDER_TAIL_MAX_SECONDS 10.0   /* longest tail after the end */
#define CAD_RENDER_QUIET_SECONDS 0.5       /* silence that ends the tail */
#define CAD_RENDER_QUIET_LEVEL 3.1622777e-5f /* -90 dBFS */

void cad_render_opts_default(cad_render_opts *o)
{
    o->soundfont = NULL;
    o->rate = 48000;
    o->gain = 0.5f;  /* FluidSynth's 0.2 is quiet for a solo line; 0.5
                        leaves headroom for dense piano files */
    o->effects = 1;
    o->level = -20.0; /* where General MIDI renders usually sit */
}

/* ---- the event list ------------------------------------------------- */

typedef struct {
    int64_t frame;
    int seq; /* position in the tick-sorted merge, for a stable order */
    cad_midi_event ev;
} cad_render_event;

/* At one tick, note-offs go first: a file that ends a note and strikes
 * the same key again at the same moment must re-strike it, not silence
 * the new note. Everything else keeps the merged order (track, then file
 * order), so a program change still precedes the notes that follow it. */
static int cad_render_event_cmp(const void *pa, const void *pb)
{
    const cad_render_event *a = pa, *b = pb;
    if (a->ev.tick != b->ev.tick)
        return a->ev.tick < b->ev.tick ? -1 : 1;
    int oa = a->ev.type != CAD_MIDI_NOTE_OFF;
    int ob = b->ev.type != CAD_MIDI_NOTE_OFF;
    if (oa != ob)
        return oa - ob;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

static int64_t cad_render_frame(const cad_midi_tempo_map *m, uint32_t tick,
                                int rate)
{
    return (int64_t)llround(cad_midi_tick_to_seconds(m, tick) * rate);
}

/* Builds the frame-stamped event list and the frame where the music ends.
 * Only the channel messages the synth understands are kept. */
static int cad_render_events(const char *midi_path, int rate,
                             cad_render_event **out, int *n_out,
                             int64_t *end_frame, cad_error *e)
{
    cad_midi_file mf = {0};
    cad_midi_tempo_map map = {0};
    cad_midi_event *merged = NULL;
    cad_render_event *evs = NULL;
    int n = 0, rc = -1;

    if (cad_midi_read(midi_path, &mf, e) != 0)
        return -1; /* cad_midi_read's message names the file */
    if (cad_midi_tempo_map_build(&mf, &map, e) != 0 ||
        cad_midi_merge(&mf, &merged, &n, e) != 0) {
        cad_error_prefix(e, "%s", midi_path);
        goto done;
    }
    uint32_t end_tick = 0;
    for (int t = 0; t < mf.n_tracks; t++)
        if (mf.tracks[t].end_tick > end_tick)
            end_tick = mf.tracks[t].end_tick;
    for (int i = 0; i < n; i++)
        if (merged[i].tick > end_tick)
            end_tick = merged[i].tick;
    double end_s = cad_midi_tick_to_seconds(&map, end_tick);
    if (!(end_s <= CAD_RENDER_MAX_SECONDS)) {
        cad_error_set(e, "%s: the music lasts %.0f s; renders are limited "
                         "to %.0f s", midi_path, end_s,
                      CAD_RENDER_MAX_SECONDS);
        goto done;
    }
    *end_frame = cad_render_frame(&map, end_tick, rate);

    evs = malloc((size_t)(n > 0 ? n : 1) * sizeof *evs);
    if (!evs) {
        cad_error_set(e, "%s: out of memory for %d events", midi_path, n);
        goto done;
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        switch (merged[i].type) {
        case CAD_MIDI_NOTE_ON: case CAD_MIDI_NOTE_OFF: case CAD_MIDI_CONTROL:
        case CAD_MIDI_PROGRAM: case CAD_MIDI_PITCH_BEND:
            evs[k].frame = cad_render_frame(&map, merged[i].tick, rate);
            evs[k].seq = i;
            evs[k].ev = merged[i];
            k++;
            break;
        default:
            break; /* meta events and aftertouch: nothing to play */
        }
    }
    qsort(evs, (size_t)k, sizeof *evs, cad_render_event_cmp);
    *out = evs;
    *n_out = k;
    evs = NULL;
    rc = 0;
done:
    free(evs);
    free(merged);
    cad_midi_tempo_map_free(&map);
    cad_midi_free(&mf);
    return rc;
}

static void cad_render_apply(cad_synth *s, const cad_midi_event *ev)
{
    switch (ev->type) {
    case CAD_MIDI_NOTE_ON:
        cad_synth_note_on(s, ev->channel, ev->a, ev->b);
        break;
    case CAD_MIDI_NOTE_OFF:
        cad_synth_note_off(s, ev->channel, ev->a);
        break;
    case CAD_MIDI_CONTROL:
        cad_synth_cc(s, ev->channel, ev->a, ev->b);
        break;
    case CAD_MIDI_PROGRAM:
        cad_synth_program(s, ev->channel, ev->a);
        break;
    case CAD_MIDI_PITCH_BEND:
        cad_synth_pitch_bend(s, ev->channel, ev->a | ev->b << 7);
        break;
    default:
        break;
    }
}

/* ---- audio out ------------------------------------------------------ */

typedef struct {
    cad_synth *synth;
    SNDFILE *sf;
    const char *path; /* the final WAV path, for messages */
    int64_t written;  /* frames so far */
    cad_level_meter meter;
    float l[CAD_RENDER_CHUNK], r[CAD_RENDER_CHUNK];
    float lr[2 * CAD_RENDER_CHUNK];
} cad_render_out;

static int cad_render_write(cad_render_out *o, int n, cad_error *e)
{
    for (int i = 0; i < n; i++) {
        o->lr[2 * i] = o->l[i];
        o->lr[2 * i + 1] = o->r[i];
    }
    if (sf_writef_float(o->sf, o->lr, n) != n)
        return cad_error_set(e, "%s: write failed: %s", o->path,
                             sf_strerror(o->sf));
    cad_level_add(&o->meter, o->lr, n);
    o->written += n;
    return 0;
}

/* Renders and writes audio up to (not including) frame `until`. */
static int cad_render_until(cad_render_out *o, int64_t until, cad_error *e)
{
    while (o->written < until) {
        int64_t left = until - o->written;
        int n = left < CAD_RENDER_CHUNK ? (int)left : CAD_RENDER_CHUNK;
        cad_synth_render(o->synth, n, o->l, o->r);
        if (cad_render_write(o, n, e) != 0)
            return -1;
    }
    return 0;
}

/* The tail: stop at the frame where the output has been quiet for
 * CAD_RENDER_QUIET_SECONDS, or after CAD_RENDER_TAIL_MAX_SECONDS (a note
 * held by a pedal that never lifts would otherwise ring forever). */
static int cad_render_tail(cad_render_out *o, int rate, cad_error *e)
{
    const int64_t need = (int64_t)(CAD_RENDER_QUIET_SECONDS * rate);
    const int64_t cap = (int64_t)(CAD_RENDER_TAIL_MAX_SECONDS * rate);
    int64_t quiet = 0, done = 0;
    while (done < cap) {
        int n = cap - done < CAD_RENDER_CHUNK ? (int)(cap - done)
                                              : CAD_RENDER_CHUNK;
        cad_synth_render(o->synth, n, o->l, o->r);
        int keep = n;
        for (int i = 0; i < n; i++) {
            if (fabsf(o->l[i]) < CAD_RENDER_QUIET_LEVEL &&
                fabsf(o->r[i]) < CAD_RENDER_QUIET_LEVEL)
                quiet++;
            else
                quiet = 0;
            if (quiet >= need) {
                keep = i + 1;
                break;
            }
        }
        if (cad_render_write(o, keep, e) != 0)
            return -1;
        done += keep;
        if (quiet >= need)
            break;
    }
    return 0;
}

/* ---- levelling -------------------------------------------------------- */

/* Copies the float render `from` into the 24-bit WAV `to`, scaled by g
 * and limited to -1 dBFS. */
static int cad_render_scale(const char *from, const char *to, int rate,
                            double g, const char *path, cad_error *e)
{
    SF_INFO in_info = {0}, out_info = {0};
    SNDFILE *in = sf_open(from, SFM_READ, &in_info);
    if (!in)
        return cad_error_set(e, "%s: cannot read back %s: %s", path, from,
                             sf_strerror(NULL));
    out_info.samplerate = rate;
    out_info.channels = 2;
    out_info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
    SNDFILE *out = sf_open(to, SFM_WRITE, &out_info);
    if (!out) {
        sf_close(in);
        return cad_error_set(e, "%s: cannot create %s: %s", path, to,
                             sf_strerror(NULL));
    }
    sf_command(out, SFC_SET_CLIPPING, NULL, SF_TRUE);
    float buf[2 * CAD_RENDER_CHUNK], res[2 * CAD_RENDER_CHUNK];
    cad_level_limiter *lim = malloc(sizeof *lim);
    int rc = lim ? 0 : cad_error_set(e, "%s: out of memory", path);
    if (lim)
        cad_level_limiter_init(lim, rate, g, -1.0);
    sf_count_t n;
    while (rc == 0 && (n = sf_readf_float(in, buf, CAD_RENDER_CHUNK)) > 0) {
        sf_count_t k = 0;
        for (sf_count_t i = 0; i < n; i++)
            k += cad_level_limiter_push(lim, buf[2 * i], buf[2 * i + 1],
                                        res + 2 * k);
        if (sf_writef_float(out, res, k) != k)
            rc = cad_error_set(e, "%s: write failed: %s", path,
                               sf_strerror(out));
    }
    if (rc == 0) {
        sf_count_t k = cad_level_limiter_flush(lim, res);
        if (sf_writef_float(out, res, k) != k)
            rc = cad_error_set(e, "%s: write failed: %s", path,
                               sf_strerror(out));
    }
    free(lim);
    sf_close(in);
    int cerr = sf_close(out);
    if (cerr != 0 && rc == 0)
        rc = cad_error_set(e, "%s: write failed: %s", path,
                           sf_error_number(cerr));
    return rc;
}

/* ---- the whole bounce ----------------------------------------------- */

static int cad_render_check_opts(const cad_render_opts *o, cad_error *e)
{
    if (o->rate < 8000 || o->rate > 192000)
        return cad_error_set(e, "render: sample rate %d Hz is outside "
                                "8000..192000", o->rate);
    if (!(o->gain >= 0.0f && o->gain <= 10.0f))
        return cad_error_set(e, "render: gain %g is outside 0..10",
                             (double)o->gain);
    if (!isnan(o->level) && !(o->level >= -40.0 && o->level <= -6.0))
        return cad_error_set(e, "render: level %g dBFS is outside -40..-6",
                             o->level);
    return 0;
}

int cad_render_midi_to_wav(const char *midi_path, const char *wav_path,
                           const cad_render_opts *opts, cad_error *e)
{
    cad_render_opts def;
    if (!opts) {
        cad_render_opts_default(&def);
        opts = &def;
    }
    if (cad_render_check_opts(opts, e) != 0)
        return -1;
    const char *sf2 = opts->soundfont ? opts->soundfont
                                      : cad_synth_default_soundfont();
    if (!sf2)
        return cad_error_set(e, "render: no General MIDI soundfont found in "
                                "/usr/share/sounds/sf2; install "
                                "fluid-soundfont-gm or pass a soundfont");

    cad_render_event *evs = NULL;
    int n_evs = 0;
    int64_t end_frame = 0;
    if (cad_render_events(midi_path, opts->rate, &evs, &n_evs, &end_frame,
                          e) != 0)
        return -1;

    int rc = -1;
    char *tmp = NULL, *raw = NULL;
    cad_render_out *o = calloc(1, sizeof *o);
    if (!o) {
        cad_error_set(e, "render: out of memory");
        goto done;
    }
    o->path = wav_path;
    o->synth = cad_synth_new(opts->rate, sf2, opts->effects, e);
    if (!o->synth)
        goto done;
    cad_synth_gain(o->synth, opts->gain);

    /* Levelled: the synth writes floats (no clipping yet) to a temp file
     * of its own, scaled into the WAV's temp file once the level is known;
     * otherwise straight into the WAV's. */
    const int levelled = !isnan(opts->level);
    tmp = cad_file_temp_path(wav_path);
    raw = levelled ? cad_file_temp_path(wav_path) : NULL;
    if (!tmp || (levelled && !raw)) {
        cad_error_set(e, "%s: out of memory", wav_path);
        goto done;
    }
    cad_level_init(&o->meter, opts->rate);
    SF_INFO info = {0};
    info.samplerate = opts->rate;
    info.channels = 2;
    info.format = SF_FORMAT_WAV |
                  (levelled ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_24);
    o->sf = sf_open(levelled ? raw : tmp, SFM_WRITE, &info);
    if (!o->sf) {
        cad_error_set(e, "%s: cannot create %s: %s", wav_path,
                      levelled ? raw : tmp, sf_strerror(NULL));
        goto done;
    }
    /* Without this libsndfile wraps overloud samples around to the other
     * extreme (a loud click) instead of clipping them. */
    sf_command(o->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);

    for (int i = 0; i < n_evs; i++) {
        if (cad_render_until(o, evs[i].frame, e) != 0)
            goto done;
        cad_render_apply(o->synth, &evs[i].ev);
    }
    if (cad_render_until(o, end_frame, e) != 0)
        goto done;
    /* Notes left hanging by a file without their note-offs start their
     * release here rather than droning through the whole tail. */
    cad_synth_all_notes_off(o->synth);
    if (cad_render_tail(o, opts->rate, e) != 0)
        goto done;

    int cerr = sf_close(o->sf);
    o->sf = NULL;
    if (cerr != 0) {
        cad_error_set(e, "%s: write failed: %s", wav_path,
                      sf_error_number(cerr));
        goto done;
    }
    if (levelled &&
        cad_render_scale(raw, tmp, opts->rate,
                         cad_level_gain(&o->meter, opts->level, -1.0),
                         wav_path, e) != 0)
        goto done;
    rc = cad_file_commit(tmp, wav_path, e); /* removes tmp on failure */
    free(tmp);
    tmp = NULL;
done:
    if (o && o->sf)
        sf_close(o->sf);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    if (raw) {
        unlink(raw);
        free(raw);
    }
    if (o)
        cad_synth_free(o->synth);
    free(o);
    free(evs);
    return rc;
}
