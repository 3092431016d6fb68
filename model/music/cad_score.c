/* See cad_score.h. */
#include "cad_score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCORE_PPQ 480 /* resolution of the files we write */

int cad_score_init(cad_score *s, cad_error *e)
{
    memset(s, 0, sizeof *s);
    s->tempo = malloc(sizeof *s->tempo);
    s->meter = malloc(sizeof *s->meter);
    if (!s->tempo || !s->meter) {
        cad_score_free(s);
        return cad_error_set(e, "out of memory");
    }
    s->tempo[0] = (cad_tempo){0, 120};
    s->meter[0] = (cad_meter){0, 4, 4};
    s->n_tempo = s->n_meter = 1;
    return 0;
}

int cad_score_init_at(cad_score *s, double bpm, cad_error *e)
{
    cad_tempo t = {0, bpm};
    if (cad_score_init(s, e))
        return -1;
    if (cad_score_set_tempo(s, &t, 1, e)) {
        cad_score_free(s);
        return -1;
    }
    return 0;
}

void cad_score_free(cad_score *s)
{
    free(s->notes);
    free(s->tempo);
    free(s->meter);
    memset(s, 0, sizeof *s);
}

int cad_score_push(cad_score *s, const cad_note *n, cad_error *e)
{
    if (!(n->onset >= 0 && n->duration > 0 && isfinite(n->onset + n->duration)) ||
        n->pitch > 127 || n->velocity < 1 || n->velocity > 127)
        return cad_error_set(e, "a note with onset %g, duration %g, pitch %d, "
                                "velocity %d is not a note",
                             n->onset, n->duration, n->pitch, n->velocity);
    if (s->n_notes == s->cap) {
        if (s->cap >= CAD_SCORE_MAX_NOTES)
            return cad_error_set(e, "more than %d notes", CAD_SCORE_MAX_NOTES);
        int cap = s->cap ? 2 * s->cap : 256;
        cad_note *p = realloc(s->notes, sizeof *p * (size_t)cap);
        if (!p)
            return cad_error_set(e, "out of memory");
        s->notes = p;
        s->cap = cap;
    }
    s->notes[s->n_notes++] = *n;
    return 0;
}

int cad_note_cmp(const void *pa, const void *pb)
{
    const cad_note *a = pa, *b = pb;
    if (a->onset != b->onset)
        return a->onset < b->onset ? -1 : 1;
    if (a->pitch != b->pitch)
        return a->pitch - b->pitch;
    if (a->part != b->part)
        return a->part - b->part;
    if (a->duration != b->duration)
        return a->duration < b->duration ? -1 : 1;
    return a->velocity - b->velocity;
}

void cad_score_sort(cad_score *s)
{
    if (s->n_notes > 1)
        qsort(s->notes, (size_t)s->n_notes, sizeof *s->notes, cad_note_cmp);
}

int cad_score_set_tempo(cad_score *s, const cad_tempo *t, int n, cad_error *e)
{
    if (n < 1 || n > CAD_SCORE_MAX_CHANGES || t[0].beat != 0)
        return cad_error_set(e, "a tempo map starts at beat 0");
    for (int i = 0; i < n; i++)
        if (!(t[i].bpm > 0 && t[i].bpm < 1e6) || (i && !(t[i].beat > t[i - 1].beat)))
            return cad_error_set(e, "tempo change %d (beat %g, %g bpm) is out "
                                    "of order or not a tempo", i, t[i].beat,
                                 t[i].bpm);
    cad_tempo *p = malloc(sizeof *p * (size_t)n);
    if (!p)
        return cad_error_set(e, "out of memory");
    memcpy(p, t, sizeof *p * (size_t)n);
    free(s->tempo);
    s->tempo = p;
    s->n_tempo = n;
    return 0;
}

int cad_score_set_meter(cad_score *s, const cad_meter *m, int n, cad_error *e)
{
    if (n < 1 || n > CAD_SCORE_MAX_CHANGES || m[0].beat != 0)
        return cad_error_set(e, "the metres start at beat 0");
    for (int i = 0; i < n; i++) {
        int d = m[i].denominator;
        if (m[i].numerator < 1 || m[i].numerator > 64 || d < 1 || d > 32 ||
            (d & (d - 1)) || (i && !(m[i].beat > m[i - 1].beat)))
            return cad_error_set(e, "metre %d (%d/%d at beat %g) is out of "
                                    "order or not a metre", i, m[i].numerator,
                                 d, m[i].beat);
    }
    cad_meter *p = malloc(sizeof *p * (size_t)n);
    if (!p)
        return cad_error_set(e, "out of memory");
    memcpy(p, m, sizeof *p * (size_t)n);
    free(s->meter);
    s->meter = p;
    s->n_meter = n;
    return 0;
}

double cad_score_length(const cad_score *s)
{
    double end = 0;
    for (int i = 0; i < s->n_notes; i++)
        end = fmax(end, s->notes[i].onset + s->notes[i].duration);
    return end;
}

double cad_score_seconds(const cad_score *s, double beat)
{
    double t = 0;
    for (int i = 0; i < s->n_tempo; i++) {
        double end = i + 1 < s->n_tempo ? s->tempo[i + 1].beat : INFINITY;
        double b = fmin(beat, end) - s->tempo[i].beat;
        if (b <= 0)
            break;
        t += b * 60.0 / s->tempo[i].bpm;
    }
    return t;
}

int cad_score_at_tempo(const cad_score *in, double bpm, cad_score *out,
                       cad_error *e)
{
    if (cad_score_init_at(out, bpm, e))
        return -1;
    const double beats_per_second = bpm / 60.0;
    for (int i = 0; i < in->n_notes; i++) {
        cad_note n = in->notes[i];
        double a = cad_score_seconds(in, n.onset);
        double b = cad_score_seconds(in, n.onset + n.duration);
        n.onset = a * beats_per_second;
        n.duration = (b - a) * beats_per_second;
        if (cad_score_push(out, &n, e)) {
            cad_score_free(out);
            return -1;
        }
    }
    cad_score_sort(out);
    out->key_sharps = in->key_sharps;
    out->key_minor = in->key_minor;
    out->has_key = in->has_key;
    out->program = in->program;
    return 0;
}

double cad_score_beat_at(const cad_score *s, double seconds)
{
    double t = 0;
    for (int i = 0; i < s->n_tempo; i++) {
        double spb = 60.0 / s->tempo[i].bpm;
        double end = i + 1 < s->n_tempo ? s->tempo[i + 1].beat : INFINITY;
        double dt = (end - s->tempo[i].beat) * spb;
        if (seconds <= t + dt || i + 1 == s->n_tempo)
            return s->tempo[i].beat + (seconds - t) / spb;
        t += dt;
    }
    return 0;
}

double cad_meter_bar_beats(const cad_meter *m)
{
    return m->numerator * 4.0 / m->denominator;
}

const cad_meter *cad_score_meter_at(const cad_score *s, double beat,
                                    double *pos)
{
    int i = 0;
    while (i + 1 < s->n_meter && s->meter[i + 1].beat <= beat)
        i++;
    const cad_meter *m = &s->meter[i];
    if (pos) {
        double bar = cad_meter_bar_beats(m);
        *pos = fmod(fmax(beat - m->beat, 0.0), bar);
    }
    return m;
}

/* ---- from MIDI --------------------------------------------------------- */

/* The tempo and metre changes of all tracks, in beats; at equal ticks the
 * last one read wins. */
static int changes_from_midi(const cad_midi_file *f, cad_score *s,
                             cad_error *e)
{
    cad_midi_event *ev;
    int n;
    if (cad_midi_merge(f, &ev, &n, e))
        return -1;
    cad_tempo *t = malloc(sizeof *t * (size_t)(n + 1));
    cad_meter *m = malloc(sizeof *m * (size_t)(n + 1));
    int nt = 1, nm = 1, rc = -1;
    if (!t || !m) {
        cad_error_set(e, "out of memory");
        goto out;
    }
    t[0] = (cad_tempo){0, 120};
    m[0] = (cad_meter){0, 4, 4};
    s->program = -1;
    for (int i = 0; i < n; i++) {
        double beat = (double)ev[i].tick / f->ppq;
        if (ev[i].type == CAD_MIDI_TEMPO && ev[i].value > 0) {
            if (beat > t[nt - 1].beat && nt < CAD_SCORE_MAX_CHANGES)
                nt++;
            t[nt - 1] = (cad_tempo){nt == 1 ? 0 : beat, 6e7 / ev[i].value};
        } else if (ev[i].type == CAD_MIDI_TIME_SIG && ev[i].a >= 1 &&
                   ev[i].a <= 64 && ev[i].b <= 5) {
            if (beat > m[nm - 1].beat && nm < CAD_SCORE_MAX_CHANGES)
                nm++;
            m[nm - 1] = (cad_meter){nm == 1 ? 0 : beat, ev[i].a, 1 << ev[i].b};
        } else if (ev[i].type == CAD_MIDI_PROGRAM && s->program < 0 &&
                   ev[i].channel != CAD_MIDI_DRUM_CHANNEL) {
            s->program = ev[i].a;
        }
    }
    if (s->program < 0)
        s->program = 0;
    rc = cad_score_set_tempo(s, t, nt, e) || cad_score_set_meter(s, m, nm, e)
             ? -1 : 0;
out:
    free(ev);
    free(t);
    free(m);
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int cad_score_from_midi(const cad_midi_file *f, const cad_score_opts *o,
                        cad_score *out, cad_error *e)
{
    if (cad_score_init(out, e))
        return -1;
    if (changes_from_midi(f, out, e))
        goto fail;
    cad_midi_note *notes;
    int n;
    if (cad_midi_notes(f, &notes, &n, e))
        goto fail;
    /* Parts: the (track, channel) pairs that have notes, in track order,
     * so a file we wrote (a track per part) reads back part for part. */
    uint32_t part_id[256];
    int n_parts = 0;
    for (int i = 0; i < n; i++) {
        const cad_midi_note *m = &notes[i];
        uint32_t id = (uint32_t)m->track << 4 | m->channel;
        int p = 0;
        while (p < n_parts && part_id[p] != id)
            p++;
        if (p == n_parts && n_parts < 256 &&
            !(m->channel == CAD_MIDI_DRUM_CHANNEL && !(o && o->include_drums)))
            part_id[n_parts++] = id;
    }
    qsort(part_id, (size_t)n_parts, sizeof *part_id, cmp_u32);
    for (int i = 0; i < n; i++) {
        const cad_midi_note *m = &notes[i];
        if (m->channel == CAD_MIDI_DRUM_CHANNEL && !(o && o->include_drums))
            continue;
        uint32_t id = (uint32_t)m->track << 4 | m->channel;
        int p = 0; /* the 257th part and beyond join the last */
        while (p + 1 < n_parts && part_id[p] != id)
            p++;
        cad_note nt = {
            .onset = (double)m->start / f->ppq,
            /* a note-off on the note-on's tick still sounded: one tick */
            .duration = (double)(m->end > m->start ? m->end - m->start : 1) / f->ppq,
            .pitch = m->key,
            .velocity = m->velocity ? m->velocity : 1,
            .part = (uint8_t)p,
        };
        if (cad_score_push(out, &nt, e)) {
            free(notes);
            goto fail;
        }
    }
    free(notes);
    cad_score_sort(out);
    out->has_key = cad_midi_first_key_sig(f, &out->key_sharps, &out->key_minor);
    return 0;
fail:
    cad_score_free(out);
    return -1;
}

int cad_score_read(const char *path, const cad_score_opts *o, cad_score *out,
                   cad_error *e)
{
    cad_midi_file f;
    if (cad_midi_read(path, &f, e))
        return -1;
    int rc = cad_score_from_midi(&f, o, out, e);
    if (rc)
        cad_error_prefix(e, "%s", path);
    cad_midi_free(&f);
    return rc;
}

/* ---- to MIDI ----------------------------------------------------------- */

static uint32_t to_tick(double beat)
{
    double t = floor(beat * SCORE_PPQ + 0.5);
    return t < 0 ? 0 : t > 4e9 ? 4000000000u : (uint32_t)t;
}

/* Note-offs before note-ons at the same tick, so a note struck again
 * right after it ends is two notes, not one cut short. */
static int cmp_event(const void *pa, const void *pb)
{
    const cad_midi_event *a = pa, *b = pb;
    if (a->tick != b->tick)
        return a->tick < b->tick ? -1 : 1;
    if (a->type != b->type) /* offs first; the meta types in a fixed order */
        return a->type == CAD_MIDI_NOTE_OFF ? -1 :
               b->type == CAD_MIDI_NOTE_OFF ? 1 : a->type - b->type;
    return a->a - b->a;
}

static int part_track(const cad_score *s, int part, cad_midi_file *out,
                      cad_error *e)
{
    int channel = part < 9 ? part : part + 1 < 16 ? part + 1 : 15;
    int t = cad_midi_add_track(out, NULL, e);
    if (t < 0)
        return -1;
    cad_midi_event pc = {.type = CAD_MIDI_PROGRAM, .channel = (uint8_t)channel,
                         .a = (uint8_t)(s->program & 127)};
    if (cad_midi_push(out, t, &pc, e))
        return -1;
    int n = 0;
    for (int i = 0; i < s->n_notes; i++)
        n += s->notes[i].part == part;
    cad_midi_event *ev = malloc(sizeof *ev * (size_t)(2 * n + 1));
    if (!ev)
        return cad_error_set(e, "out of memory");
    int k = 0;
    for (int i = 0; i < s->n_notes; i++) {
        const cad_note *nt = &s->notes[i];
        if (nt->part != part)
            continue;
        uint32_t a = to_tick(nt->onset), b = to_tick(nt->onset + nt->duration);
        if (b <= a)
            b = a + 1;
        ev[k++] = (cad_midi_event){.tick = a, .type = CAD_MIDI_NOTE_ON,
                                   .channel = (uint8_t)channel, .a = nt->pitch,
                                   .b = nt->velocity};
        ev[k++] = (cad_midi_event){.tick = b, .type = CAD_MIDI_NOTE_OFF,
                                   .channel = (uint8_t)channel, .a = nt->pitch};
    }
    qsort(ev, (size_t)k, sizeof *ev, cmp_event);
    int rc = 0;
    for (int i = 0; i < k && !rc; i++)
        rc = cad_midi_push(out, t, &ev[i], e);
    free(ev);
    return rc;
}

/* The conductor track: tempo changes, metres and the key, in tick order. */
static int conductor_track(const cad_score *s, cad_midi_file *out,
                           cad_error *e)
{
    int t = cad_midi_add_track(out, "Cadenza", e);
    if (t < 0)
        return -1;
    int n = s->n_tempo + s->n_meter + 1, k = 0;
    cad_midi_event *ev = malloc(sizeof *ev * (size_t)n);
    if (!ev)
        return cad_error_set(e, "out of memory");
    if (s->has_key)
        ev[k++] = (cad_midi_event){.type = CAD_MIDI_KEY_SIG,
                                   .a = (uint8_t)(int8_t)s->key_sharps,
                                   .b = (uint8_t)s->key_minor};
    for (int i = 0; i < s->n_tempo; i++)
        ev[k++] = (cad_midi_event){
            .tick = to_tick(s->tempo[i].beat), .type = CAD_MIDI_TEMPO,
            .value = (uint32_t)lround(6e7 / s->tempo[i].bpm)};
    for (int i = 0; i < s->n_meter; i++) {
        int lg = 0;
        while ((1 << lg) < s->meter[i].denominator)
            lg++;
        ev[k++] = (cad_midi_event){
            .tick = to_tick(s->meter[i].beat), .type = CAD_MIDI_TIME_SIG,
            .a = (uint8_t)s->meter[i].numerator, .b = (uint8_t)lg,
            /* a click every quarter, eight 32nds to the quarter */
            .value = 24 | 8 << 8};
    }
    qsort(ev, (size_t)k, sizeof *ev, cmp_event);
    int rc = 0;
    for (int i = 0; i < k && !rc; i++)
        rc = cad_midi_push(out, t, &ev[i], e);
    free(ev);
    return rc;
}

int cad_score_to_midi(const cad_score *s, cad_midi_file *out, cad_error *e)
{
    if (cad_midi_init(out, 1, SCORE_PPQ, e))
        return -1;
    int n_parts = 0;
    for (int k = 0; k < s->n_notes; k++)
        if (s->notes[k].part + 1 > n_parts)
            n_parts = s->notes[k].part + 1;
    if (conductor_track(s, out, e))
        goto fail;
    for (int p = 0; p < n_parts; p++)
        if (part_track(s, p, out, e))
            goto fail;
    return 0;
fail:
    cad_midi_free(out);
    return -1;
}

int cad_score_write(const cad_score *s, const char *path, cad_error *e)
{
    cad_midi_file f;
    if (cad_score_to_midi(s, &f, e))
        return -1;
    int rc = cad_midi_write(&f, path, e);
    cad_midi_free(&f);
    return rc;
}
