/* libFuzzer target: arbitrary bytes through the MIDI reader and every view
 * of the result, then the writer. Besides "no crash, no leak, no undefined
 * behaviour", it checks one property: a file we parsed and could encode
 * again must parse back to exactly the same events. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cad_midi.h"
#include "cad_roll.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const cad_midi_file *a, const cad_midi_file *b)
{
    if (a->ppq != b->ppq || a->format != b->format ||
        a->n_tracks != b->n_tracks)
        abort();
    for (int t = 0; t < a->n_tracks; t++) {
        const cad_midi_track *x = &a->tracks[t], *y = &b->tracks[t];
        if (x->n_events != y->n_events || x->end_tick != y->end_tick ||
            (!x->name != !y->name) || (x->name && strcmp(x->name, y->name)))
            abort();
        for (int i = 0; i < x->n_events; i++) {
            const cad_midi_event *p = &x->events[i], *q = &y->events[i];
            if (p->tick != q->tick || p->type != q->type ||
                p->channel != q->channel || p->a != q->a || p->b != q->b ||
                p->value != q->value)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cad_midi_file f;
    cad_error e;
    if (cad_midi_parse(data, size, &f, &e) != 0)
        return 0;

    cad_midi_note *notes;
    cad_midi_event *all;
    int n;
    if (cad_midi_notes(&f, &notes, &n, &e) == 0)
        free(notes);
    if (cad_midi_merge(&f, &all, &n, &e) == 0)
        free(all);
    cad_midi_tempo_map map;
    if (cad_midi_tempo_map_build(&f, &map, &e) == 0) {
        volatile double s = cad_midi_tick_to_seconds(&map, 1e6);
        (void)s;
        cad_midi_tempo_map_free(&map);
    }
    int sharps, minor;
    cad_midi_first_key_sig(&f, &sharps, &minor);

    uint8_t *out;
    size_t len;
    if (cad_midi_encode(&f, &out, &len, &e) == 0) {
        cad_midi_file g;
        if (cad_midi_parse(out, len, &g, &e) != 0)
            abort(); /* we wrote a file we cannot read */
        check_same(&f, &g);
        cad_midi_free(&g);
        free(out);
    }
    cad_midi_free(&f);

    /* The roll conversion, on the beat grid and on a seconds grid. */
    cad_roll_opts o;
    cad_roll r;
    cad_roll_opts_default(&o);
    o.transpose_to_c = size & 1;
    o.include_drums = (size >> 1) & 1;
    if (cad_roll_from_midi_bytes(data, size, &o, &r, &e) == 0)
        cad_roll_free(&r);
    o.step_seconds = 0.3;
    if (cad_roll_from_midi_bytes(data, size, &o, &r, &e) == 0)
        cad_roll_free(&r);
    return 0;
}
