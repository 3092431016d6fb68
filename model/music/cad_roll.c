/* Piano rolls: allocation, MIDI -> roll on a beat or seconds grid, a folder
 * of MIDI files, and roll -> MIDI. The JSON benchmarks are read in
 * cad_roll_json.c. */
#include "cad_roll.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_midi.h"

void cad_roll_opts_default(cad_roll_opts *o)
{
    o->step_beats = 0.25;
    o->step_seconds = 0.0;
    o->include_drums = 0;
    o->transpose_to_c = 0;
}

void cad_roll_midi_opts_default(cad_roll_midi_opts *o)
{
    o->program = 0; /* Acoustic Grand Piano */
    o->bpm = 120.0;
    o->velocity = 80;
    o->step_beats = 0.25;
    o->channel = 0;
}

int cad_roll_init(cad_roll *r, int n_frames, cad_error *e)
{
    r->n_frames = 0;
    r->on = NULL;
    if (n_frames < 0 || n_frames > CAD_ROLL_MAX_FRAMES)
        return cad_error_set(e, "%d frames: a roll holds 0..%d", n_frames,
                             CAD_ROLL_MAX_FRAMES);
    /* calloc(0) may return NULL: allocate at least one byte. */
    r->on = calloc((size_t)n_frames * CAD_ROLL_KEYS + 1, 1);
    if (!r->on)
        return cad_error_set(e, "out of memory for a %d-frame roll",
                             n_frames);
    r->n_frames = n_frames;
    return 0;
}

void cad_roll_free(cad_roll *r)
{
    if (!r)
        return;
    free(r->on);
    r->on = NULL;
    r->n_frames = 0;
}

void cad_roll_set_free(cad_roll_set *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        cad_roll_free(&s->pieces[i]);
    free(s->pieces);
    s->pieces = NULL;
    s->n = 0;
}

int cad_roll_set_push(cad_roll_set *s, cad_roll *r, cad_error *e)
{
    cad_roll *np = realloc(s->pieces, (size_t)(s->n + 1) * sizeof *np);
    if (!np)
        return cad_error_set(e, "out of memory (%d pieces)", s->n + 1);
    s->pieces = np;
    s->pieces[s->n++] = *r;
    r->on = NULL;
    r->n_frames = 0;
    return 0;
}

int cad_roll_set_total_frames(const cad_roll_set *s)
{
    long total = 0;
    for (int i = 0; i < s->n; i++)
        total += s->pieces[i].n_frames;
    return total > 0x7fffffff ? 0x7fffffff : (int)total;
}

/* Semitones that take the key with `sharps` sharps (negative: flats) to C
 * major, or its relative minor to A minor: both share the signature, so the
 * shift only depends on it. The smallest move (-6..+5) keeps the range. */
static int shift_for_key_sig(int sharps)
{
    int tonic = ((sharps * 7) % 12 + 12) % 12; /* each sharp: a fifth up */
    return tonic > 5 ? 12 - tonic : -tonic;
}

typedef struct {
    int key; /* 0..87 */
    long start, end;
} span;

static int cmp_span(const void *pa, const void *pb)
{
    const span *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key - b->key;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Frame index of a time in grid units, with the frame cap checked first so
 * a hostile tick count cannot overflow the conversion. */
static int to_frame(double units, long *out)
{
    double f = floor(units + 0.5); /* round half up, as in the brief */
    if (!(f >= 0.0) || f > CAD_ROLL_MAX_FRAMES)
        return -1;
    *out = (long)f;
    return 0;
}

static int roll_from_file(const cad_midi_file *mf, const cad_roll_opts *o,
                          cad_roll *out, cad_error *e)
{
    int seconds_grid = o->step_seconds > 0;
    if (seconds_grid ? !isfinite(o->step_seconds)
                     : !(o->step_beats > 0 && isfinite(o->step_beats)))
        return cad_error_set(e, "frame length must be a positive number "
                                "(step_beats %g, step_seconds %g)",
                             o->step_beats, o->step_seconds);
    int shift = 0, sharps, minor;
    if (o->transpose_to_c && cad_midi_first_key_sig(mf, &sharps, &minor))
        shift = shift_for_key_sig(sharps);

    cad_midi_note *notes;
    int n_notes;
    if (cad_midi_notes(mf, &notes, &n_notes, e))
        return -1;
    cad_midi_tempo_map map = {0};
    span *spans = malloc((size_t)(n_notes ? n_notes : 1) * sizeof *spans);
    if (!spans || (seconds_grid && cad_midi_tempo_map_build(mf, &map, e))) {
        free(notes);
        free(spans);
        return spans ? -1 : cad_error_set(e, "out of memory");
    }
    int n_spans = 0;
    long n_frames = 0;
    for (int i = 0; i < n_notes; i++) {
        const cad_midi_note *nt = &notes[i];
        if (nt->channel == CAD_MIDI_DRUM_CHANNEL && !o->include_drums)
            continue;
        int key = nt->key + shift;
        while (key < CAD_ROLL_LOW)
            key += 12;
        while (key >= CAD_ROLL_LOW + CAD_ROLL_KEYS)
            key -= 12;
        double a, b;
        if (seconds_grid) {
            a = cad_midi_tick_to_seconds(&map, nt->start) / o->step_seconds;
            b = cad_midi_tick_to_seconds(&map, nt->end) / o->step_seconds;
        } else {
            a = (double)nt->start / mf->ppq / o->step_beats;
            b = (double)nt->end / mf->ppq / o->step_beats;
        }
        span s = {.key = key - CAD_ROLL_LOW};
        if (to_frame(a, &s.start) || to_frame(b, &s.end) ||
            s.start >= CAD_ROLL_MAX_FRAMES) {
            uint32_t t0 = nt->start, t1 = nt->end;
            free(notes);
            free(spans);
            cad_midi_tempo_map_free(&map);
            return cad_error_set(e, "a note (ticks %u..%u) reaches beyond "
                                    "%d frames (too long for a roll)",
                                 t0, t1, CAD_ROLL_MAX_FRAMES);
        }
        if (s.end <= s.start) /* a note sounds in at least one frame */
            s.end = s.start + 1;
        if (s.end > n_frames)
            n_frames = s.end;
        spans[n_spans++] = s;
    }
    free(notes);
    cad_midi_tempo_map_free(&map);
    if (n_spans == 0) {
        free(spans);
        return cad_error_set(e, "no notes%s", o->include_drums
                                                  ? ""
                                                  : " (drums skipped)");
    }
    if (n_frames > CAD_ROLL_MAX_FRAMES)
        n_frames = CAD_ROLL_MAX_FRAMES;
    if (cad_roll_init(out, (int)n_frames, e)) {
        free(spans);
        return -1;
    }
    /* Per key, fill only frames not yet covered: the work is bounded by
     * keys x frames however many overlapping notes a file stacks up. */
    qsort(spans, (size_t)n_spans, sizeof *spans, cmp_span);
    long covered = 0;
    for (int i = 0; i < n_spans; i++) {
        if (i == 0 || spans[i].key != spans[i - 1].key)
            covered = 0;
        long from = spans[i].start > covered ? spans[i].start : covered;
        long to = spans[i].end < n_frames ? spans[i].end : n_frames;
        for (long t = from; t < to; t++)
            out->on[t * CAD_ROLL_KEYS + spans[i].key] = 1;
        if (to > covered)
            covered = to;
    }
    free(spans);
    return 0;
}

int cad_roll_from_midi_bytes(const uint8_t *data, size_t len,
                             const cad_roll_opts *o, cad_roll *out,
                             cad_error *e)
{
    cad_roll_opts def;
    if (!o) {
        cad_roll_opts_default(&def);
        o = &def;
    }
    out->n_frames = 0;
    out->on = NULL;
    cad_midi_file mf;
    if (cad_midi_parse(data, len, &mf, e))
        return -1;
    int rc = roll_from_file(&mf, o, out, e);
    cad_midi_free(&mf);
    return rc;
}

int cad_roll_from_midi_file(const char *path, const cad_roll_opts *o,
                            cad_roll *out, cad_error *e)
{
    cad_roll_opts def;
    if (!o) {
        cad_roll_opts_default(&def);
        o = &def;
    }
    out->n_frames = 0;
    out->on = NULL;
    cad_midi_file mf;
    if (cad_midi_read(path, &mf, e))
        return -1;
    int rc = roll_from_file(&mf, o, out, e);
    cad_midi_free(&mf);
    return rc ? cad_error_prefix(e, "%s", path) : 0;
}

static int is_midi_name(const char *s)
{
    size_t n = strlen(s);
    const char *ext = n >= 4 && s[n - 4] == '.' ? s + n - 3
                      : n >= 5 && s[n - 5] == '.' ? s + n - 4 : NULL;
    if (!ext || s[0] == '.')
        return 0;
    char low[5] = {0};
    for (int i = 0; ext[i] && i < 4; i++)
        low[i] = (char)tolower((unsigned char)ext[i]);
    return strcmp(low, "mid") == 0 || strcmp(low, "midi") == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cad_roll_load_dir(const char *dir, const cad_roll_opts *o,
                      cad_roll_set *out, cad_error *e)
{
    out->pieces = NULL;
    out->n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return cad_error_set(e, "%s: cannot open folder", dir);
    char **names = NULL;
    int n = 0, rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!is_midi_name(de->d_name))
            continue;
        char **nn = realloc(names, (size_t)(n + 1) * sizeof *nn);
        if (!nn || !(nn[n] = strdup(de->d_name))) {
            names = nn ? nn : names;
            rc = cad_error_set(e, "%s: out of memory listing files", dir);
            break;
        }
        names = nn;
        n++;
    }
    closedir(d);
    if (rc == 0) {
        qsort(names, (size_t)n, sizeof *names, cmp_str);
        for (int i = 0; i < n && rc == 0; i++) {
            size_t plen = strlen(dir) + strlen(names[i]) + 2;
            char *path = malloc(plen);
            if (!path) {
                rc = cad_error_set(e, "out of memory");
                break;
            }
            snprintf(path, plen, "%s/%s", dir, names[i]);
            cad_roll r;
            cad_error fe;
            if (cad_roll_from_midi_file(path, o, &r, &fe) != 0)
                fprintf(stderr, "cadenza: skipping %s\n", fe.msg);
            else if (cad_roll_set_push(out, &r, e) != 0) {
                cad_roll_free(&r);
                rc = -1;
            }
            free(path);
        }
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc == 0 && out->n == 0)
        rc = cad_error_set(e, "%s: no readable .mid/.midi files (%d tried)",
                           dir, n);
    if (rc)
        cad_roll_set_free(out);
    return rc;
}

int cad_roll_write_midi(const cad_roll *r, const cad_roll_midi_opts *o,
                        const char *path, cad_error *e)
{
    cad_roll_midi_opts def;
    if (!o) {
        cad_roll_midi_opts_default(&def);
        o = &def;
    }
    enum { PPQ = 480 }; /* divisible by 2, 3, 4, 5, 8, 16 */
    if (o->program < 0 || o->program > 127 || o->channel < 0 ||
        o->channel > 15 || o->velocity < 1 || o->velocity > 127)
        return cad_error_set(e, "%s: program %d, channel %d or velocity %d "
                                "out of range", path, o->program, o->channel,
                             o->velocity);
    if (!(o->bpm >= 4.0 && o->bpm <= 1000.0))
        return cad_error_set(e, "%s: tempo %g bpm out of range 4..1000",
                             path, o->bpm);
    double st = o->step_beats * PPQ;
    if (!(st >= 1.0 && st <= 64 * PPQ))
        return cad_error_set(e, "%s: step of %g beats out of range", path,
                             o->step_beats);
    if (r->n_frames < 0 || r->n_frames > CAD_ROLL_MAX_FRAMES)
        return cad_error_set(e, "%s: roll of %d frames", path, r->n_frames);
    uint32_t step = (uint32_t)lround(st);
    if ((double)r->n_frames * step >= 2147483648.0)
        return cad_error_set(e, "%s: %d frames of %g beats is too long for a "
                                "MIDI file", path, r->n_frames, o->step_beats);

    cad_midi_file f;
    if (cad_midi_init(&f, 0, PPQ, e) || cad_midi_add_track(&f, NULL, e) < 0)
        goto fail;
    uint8_t ch = (uint8_t)o->channel;
    cad_midi_event head[] = {
        {.type = CAD_MIDI_TEMPO, .value = (uint32_t)lround(6e7 / o->bpm)},
        /* 4/4; a click every quarter (24 clocks), 8 32nds per quarter */
        {.type = CAD_MIDI_TIME_SIG, .a = 4, .b = 2, .value = 24 | 8 << 8},
        {.type = CAD_MIDI_PROGRAM, .channel = ch, .a = (uint8_t)o->program},
    };
    for (int i = 0; i < 3; i++)
        if (cad_midi_push(&f, 0, &head[i], e))
            goto fail;
    /* At each frame boundary: first end the notes that stop, then start
     * the ones that begin, so events stay in time order. */
    for (int t = 0; t <= r->n_frames; t++) {
        const uint8_t *now = t < r->n_frames ? r->on + (size_t)t * CAD_ROLL_KEYS
                                             : NULL;
        const uint8_t *prev = t > 0 ? r->on + (size_t)(t - 1) * CAD_ROLL_KEYS
                                    : NULL;
        for (int pass = 0; pass < 2; pass++)
            for (int k = 0; k < CAD_ROLL_KEYS; k++) {
                int was = prev && prev[k], is = now && now[k];
                if (was == is || (pass == 0) != was)
                    continue;
                cad_midi_event ev = {
                    .tick = (uint32_t)t * step, .channel = ch,
                    .type = was ? CAD_MIDI_NOTE_OFF : CAD_MIDI_NOTE_ON,
                    .a = (uint8_t)(k + CAD_ROLL_LOW),
                    .b = was ? 0 : (uint8_t)o->velocity};
                if (cad_midi_push(&f, 0, &ev, e))
                    goto fail;
            }
    }
    f.tracks[0].end_tick = (uint32_t)r->n_frames * step;
    int rc = cad_midi_write(&f, path, e); /* its messages name the path */
    cad_midi_free(&f);
    return rc;
fail:
    cad_midi_free(&f);
    return cad_error_prefix(e, "%s", path);
}

uint64_t cad_roll_set_hash(const cad_roll_set *s, uint64_t h)
{
    const uint64_t prime = 0x100000001b3ULL;
    if (!h)
        h = 0xcbf29ce484222325ULL;
    for (int p = 0; p < s->n; p++) {
        const cad_roll *r = &s->pieces[p];
        h = (h ^ (uint64_t)r->n_frames) * prime;
        for (long i = 0; i < (long)r->n_frames * CAD_ROLL_KEYS; i++)
            h = (h ^ r->on[i]) * prime;
    }
    return h;
}

static int roll_len(const void *d, int p)
{
    return ((const cad_roll_set *)d)->pieces[p].n_frames;
}

static void roll_expand(const void *d, int p, int t, float *out)
{
    const uint8_t *on = ((const cad_roll_set *)d)->pieces[p].on +
                        (long)t * CAD_ROLL_KEYS;
    for (int k = 0; k < CAD_ROLL_KEYS; k++)
        out[k] = on[k];
}

static uint64_t roll_hash(const void *d, uint64_t h)
{
    return cad_roll_set_hash(d, h);
}

void cad_roll_set_source(const cad_roll_set *s, cad_seq_source *out)
{
    *out = (cad_seq_source){s->n, CAD_ROLL_KEYS, roll_len, roll_expand,
                            roll_hash, s};
}
