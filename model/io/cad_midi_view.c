/* Views of a parsed MIDI file: one merged event list, the list of notes
 * (note-on paired with note-off), the first key signature, and the tempo
 * map that turns ticks into seconds. */
#include "cad_midi.h"

#include <stdlib.h>
#include <string.h>

/* Bottom-up merge sort by tick: stable, so events at the same tick keep
 * their track and file order (a note-off before a note-on of the same key
 * must stay before it). */
static void sort_by_tick(cad_midi_event *a, cad_midi_event *tmp, int n)
{
    for (int w = 1; w < n; w *= 2) {
        for (int lo = 0; lo < n; lo += 2 * w) {
            int mid = lo + w < n ? lo + w : n;
            int hi = lo + 2 * w < n ? lo + 2 * w : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = a[j].tick < a[i].tick ? a[j++] : a[i++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        memcpy(a, tmp, (size_t)n * sizeof *a);
    }
}

int cad_midi_merge(const cad_midi_file *f, cad_midi_event **out, int *n,
                   cad_error *e)
{
    *out = NULL;
    *n = 0;
    size_t total = 0;
    for (int t = 0; t < f->n_tracks; t++)
        total += (size_t)f->tracks[t].n_events;
    if (total > CAD_MIDI_MAX_EVENTS)
        return cad_error_set(e, "%zu events: more than %d", total,
                             CAD_MIDI_MAX_EVENTS);
    cad_midi_event *all = malloc((total ? total : 1) * sizeof *all);
    cad_midi_event *tmp = malloc((total ? total : 1) * sizeof *tmp);
    if (!all || !tmp) {
        free(all);
        free(tmp);
        return cad_error_set(e, "out of memory merging %zu events", total);
    }
    size_t k = 0;
    for (int t = 0; t < f->n_tracks; t++)
        for (int i = 0; i < f->tracks[t].n_events; i++) {
            all[k] = f->tracks[t].events[i];
            all[k++].track = (uint16_t)t;
        }
    sort_by_tick(all, tmp, (int)total);
    free(tmp);
    *out = all;
    *n = (int)total;
    return 0;
}

static int cmp_note(const void *pa, const void *pb)
{
    const cad_midi_note *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->key != b->key)
        return a->key - b->key;
    if (a->channel != b->channel)
        return a->channel - b->channel;
    if (a->track != b->track)
        return a->track - b->track;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return (int)a->velocity - (int)b->velocity;
}

/* Open notes of each (channel, key) form a FIFO threaded through next[]:
 * a note-off ends the oldest. Everything is O(events). */
int cad_midi_notes(const cad_midi_file *f, cad_midi_note **out, int *n,
                   cad_error *e)
{
    *out = NULL;
    *n = 0;
    size_t max = 0;
    for (int t = 0; t < f->n_tracks; t++)
        max += (size_t)f->tracks[t].n_events;
    if (max > CAD_MIDI_MAX_EVENTS)
        return cad_error_set(e, "%zu events: more than %d", max,
                             CAD_MIDI_MAX_EVENTS);
    cad_midi_note *notes = malloc((max ? max : 1) * sizeof *notes);
    int *next = malloc((max ? max : 1) * sizeof *next);
    int head[16 * 128], tail[16 * 128];
    if (!notes || !next) {
        free(notes);
        free(next);
        return cad_error_set(e, "out of memory pairing notes");
    }
    for (int s = 0; s < 16 * 128; s++)
        head[s] = tail[s] = -1;
    int count = 0;
    for (int t = 0; t < f->n_tracks; t++) {
        const cad_midi_track *tr = &f->tracks[t];
        int first = count;
        for (int i = 0; i < tr->n_events; i++) {
            const cad_midi_event *ev = &tr->events[i];
            if (ev->channel > 15 || ev->a > 127)
                continue;
            int s = ev->channel * 128 + ev->a;
            if (ev->type == CAD_MIDI_NOTE_ON && ev->b > 0) {
                notes[count] = (cad_midi_note){
                    .start = ev->tick, .end = ev->tick, .key = ev->a,
                    .velocity = ev->b, .channel = ev->channel,
                    .track = (uint16_t)t};
                next[count] = -1;
                if (tail[s] >= 0)
                    next[tail[s]] = count;
                else
                    head[s] = count;
                tail[s] = count++;
            } else if (ev->type == CAD_MIDI_NOTE_OFF ||
                       ev->type == CAD_MIDI_NOTE_ON) {
                int h = head[s];
                if (h < 0)
                    continue; /* stray note-off */
                notes[h].end = ev->tick >= notes[h].start ? ev->tick
                                                          : notes[h].start;
                head[s] = next[h];
                if (head[s] < 0)
                    tail[s] = -1;
            }
        }
        /* Notes still sounding stop at the end of their track. */
        for (int k = first; k < count; k++) {
            int s = notes[k].channel * 128 + notes[k].key;
            if (head[s] < 0)
                continue;
            for (int h = head[s]; h >= 0; h = next[h])
                if (tr->end_tick > notes[h].start)
                    notes[h].end = tr->end_tick;
            head[s] = tail[s] = -1;
        }
    }
    free(next);
    qsort(notes, (size_t)count, sizeof *notes, cmp_note);
    *out = notes;
    *n = count;
    return 0;
}

int cad_midi_first_key_sig(const cad_midi_file *f, int *sharps, int *minor)
{
    int found = 0;
    uint32_t best = 0;
    for (int t = 0; t < f->n_tracks; t++)
        for (int i = 0; i < f->tracks[t].n_events; i++) {
            const cad_midi_event *ev = &f->tracks[t].events[i];
            if (ev->type != CAD_MIDI_KEY_SIG)
                continue;
            if (!found || ev->tick < best) {
                found = 1;
                best = ev->tick;
                *sharps = (int8_t)ev->a;
                *minor = ev->b;
            }
            break; /* later ones in this track are later in time */
        }
    return found;
}

int cad_midi_tempo_map_build(const cad_midi_file *f, cad_midi_tempo_map *m,
                             cad_error *e)
{
    memset(m, 0, sizeof *m);
    m->ppq = f->ppq > 0 ? f->ppq : 1;
    cad_midi_event *all;
    int n;
    if (cad_midi_merge(f, &all, &n, e))
        return -1;
    int n_tempo = 0;
    for (int i = 0; i < n; i++)
        n_tempo += all[i].type == CAD_MIDI_TEMPO;
    m->segs = malloc((size_t)(n_tempo + 1) * sizeof *m->segs);
    if (!m->segs) {
        free(all);
        return cad_error_set(e, "out of memory building the tempo map");
    }
    m->segs[0] = (cad_midi_tempo_seg){0, 500000, 0.0}; /* 120 bpm */
    m->n = 1;
    for (int i = 0; i < n; i++) {
        if (all[i].type != CAD_MIDI_TEMPO || all[i].value == 0)
            continue;
        cad_midi_tempo_seg *last = &m->segs[m->n - 1];
        if (all[i].tick == last->tick) { /* later event at same tick wins */
            last->usec_per_quarter = all[i].value;
            continue;
        }
        double secs = last->seconds + (double)(all[i].tick - last->tick) *
                                          last->usec_per_quarter * 1e-6 /
                                          m->ppq;
        m->segs[m->n++] = (cad_midi_tempo_seg){all[i].tick, all[i].value,
                                               secs};
    }
    free(all);
    return 0;
}

void cad_midi_tempo_map_free(cad_midi_tempo_map *m)
{
    if (!m)
        return;
    free(m->segs);
    memset(m, 0, sizeof *m);
}

double cad_midi_tick_to_seconds(const cad_midi_tempo_map *m, double tick)
{
    if (!m->segs || m->n < 1) /* an empty map: 120 bpm */
        return tick * 0.5 / (m->ppq > 0 ? m->ppq : 1);
    /* Last segment starting at or before tick. */
    int lo = 0, hi = m->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (m->segs[mid].tick <= tick)
            lo = mid;
        else
            hi = mid - 1;
    }
    const cad_midi_tempo_seg *s = &m->segs[lo];
    return s->seconds +
           (tick - s->tick) * s->usec_per_quarter * 1e-6 / m->ppq;
}
