/* What the plugin tells its window (plugin/cad_ui_out.c, messages in
 * cad_contract.h), in our own host. Two instances play the same 9 s with
 * the host's transport; the second has a window open from 1 s to 7 s.
 *   - the music (audio and MIDI) is the same in both: the window's
 *     traffic changes nothing else;
 *   - nothing for the window before uiOn or after uiOff, and at most
 *     CAD_UI_MAX_PER_RUN objects in any run();
 *   - every note on in the MIDI output while the window is open is a
 *     Played message, same key, in order, at the beat of its frame, and
 *     its note off too;
 *   - notes were announced as Planned before they played;
 *   - the transport about 25 times a second, at the host's tempo and bar;
 *   - the model and SoundFont in use are named as the window opens;
 *   - no allocation or lock in run() or work_response() all along.
 * Run through run_installed.sh, like test_plugin. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lv2/atom/atom.h"
#include "lv2/atom/util.h"
#include "lv2/patch/patch.h"
#include "lv2/urid/urid.h"

#include "../cad_test.h"
#include "cad_contract.h"
#include "cad_host.h"
#include "cad_rt.h"

#define RATE 48000.0
#define BLOCK 512
#define ON_FRAME ((int64_t)(94 * BLOCK))    /* ~1 s, on a block boundary */
#define OFF_FRAME ((int64_t)(656 * BLOCK))  /* ~7 s */
#define MAX_SEEN 20000

typedef struct {
    int64_t frame;
    int kind; /* 0 played, 1 planned, 2 replan, 3 transport, 4 file */
    double beat, length, tempo, bar;
    int pitch, velocity, rolling;
} seen;

typedef struct {
    LV2_URID_Map *map;
    LV2_URID object, played, planned, replan, transport, beat, length, pitch,
        velocity, tempo, bar, rolling, patch_set, patch_property, model,
        soundfont;
    seen *s;
    int n;
    int this_run, most_per_run;
} watcher;

static LV2_URID U(watcher *w, const char *uri)
{
    return w->map->map(w->map->handle, uri);
}

static double num(const LV2_Atom *a)
{
    if (!a)
        return NAN;
    if (a->size == 8 && a->type != 0)
        return ((const LV2_Atom_Double *)a)->body;
    return ((const LV2_Atom_Int *)a)->body;
}

static void on_output(void *data, int64_t frame, const void *atom)
{
    watcher *w = data;
    const LV2_Atom *a = atom;
    if (a->type != w->object || w->n == MAX_SEEN)
        return;
    const LV2_Atom_Object *o = atom;
    LV2_URID t = o->body.otype;
    seen e = {.frame = frame, .kind = -1};
    const LV2_Atom *beat = NULL, *len = NULL, *pitch = NULL, *vel = NULL,
                   *tempo = NULL, *bar = NULL, *rolling = NULL, *prop = NULL;
    lv2_atom_object_get(o, w->beat, &beat, w->length, &len, w->pitch, &pitch,
                        w->velocity, &vel, w->tempo, &tempo, w->bar, &bar,
                        w->rolling, &rolling, w->patch_property, &prop, 0);
    if (t == w->played)
        e.kind = 0;
    else if (t == w->planned)
        e.kind = 1;
    else if (t == w->replan)
        e.kind = 2;
    else if (t == w->transport)
        e.kind = 3;
    else if (t == w->patch_set && prop &&
             (((const LV2_Atom_URID *)prop)->body == w->model ||
              ((const LV2_Atom_URID *)prop)->body == w->soundfont))
        e.kind = 4;
    if (e.kind < 0)
        return;
    e.beat = num(beat);
    e.length = num(len);
    e.pitch = pitch ? (int)num(pitch) : -1;
    e.velocity = vel ? (int)num(vel) : -1;
    e.tempo = num(tempo);
    e.bar = num(bar);
    e.rolling = rolling ? ((const LV2_Atom_Bool *)rolling)->body : -1;
    w->s[w->n++] = e;
    if (e.kind != 4 && ++w->this_run > w->most_per_run)
        w->most_per_run = w->this_run;
}

static cad_host *start(void)
{
    cad_host *h = cad_host_new(RATE, CAD_URI);
    if (h)
        cad_host_transport(h, 0, 1, 120, 0);
    return h;
}

int main(void)
{
    if (!getenv("CAD_BUNDLE"))
        fprintf(stderr, "CAD_BUNDLE not set: run through run_installed.sh\n");
    cad_rt_init();
    cad_host *ref = start(), *h = start();
    CHECK(ref && h);
    if (!ref || !h)
        TEST_MAIN_END();
    static seen store[MAX_SEEN];
    watcher w = {.map = cad_host_urid_map(h), .s = store};
    w.object = U(&w, LV2_ATOM__Object);
    w.played = U(&w, CAD_UI_PLAYED);
    w.planned = U(&w, CAD_UI_PLANNED);
    w.replan = U(&w, CAD_UI_REPLAN);
    w.transport = U(&w, CAD_UI_TRANSPORT);
    w.beat = U(&w, CAD_UI_BEAT);
    w.length = U(&w, CAD_UI_LENGTH);
    w.pitch = U(&w, CAD_UI_PITCH);
    w.velocity = U(&w, CAD_UI_VELOCITY);
    w.tempo = U(&w, CAD_UI_TEMPO);
    w.bar = U(&w, CAD_UI_BAR);
    w.rolling = U(&w, CAD_UI_ROLLING);
    w.patch_set = U(&w, LV2_PATCH__Set);
    w.patch_property = U(&w, LV2_PATCH__property);
    w.model = U(&w, CAD_PROP_MODEL);
    w.soundfont = U(&w, CAD_PROP_SOUNDFONT);
    cad_host_on_output(h, on_output, &w);
    cad_host_object(h, ON_FRAME, CAD_UI_ON);
    cad_host_object(h, OFF_FRAME, CAD_UI_OFF);

    long rt0 = cad_rt_count();
    while (cad_host_now(h) < (int64_t)(9 * RATE)) {
        w.this_run = 0;
        cad_host_run(ref, BLOCK);
        cad_host_run(h, BLOCK);
    }
    long rt_calls = cad_rt_count() - rt0;
    CHECKF(rt_calls == 0, "%ld allocator/lock calls, last %s", rt_calls,
           cad_rt_last());

    /* The same music with and without a window. */
    const cad_host_rec *ra = cad_host_rec_get(ref), *rb = cad_host_rec_get(h);
    CHECK(ra->frames == rb->frames && ra->n_midi == rb->n_midi);
    CHECK(ra->frames == rb->frames &&
          !memcmp(ra->left, rb->left, ra->frames * sizeof *ra->left));
    int same_midi = ra->n_midi == rb->n_midi;
    for (size_t i = 0; same_midi && i < ra->n_midi; i++)
        same_midi = ra->midi[i].frame == rb->midi[i].frame &&
                    !memcmp(ra->midi[i].msg, rb->midi[i].msg, 3);
    CHECK(same_midi);

    /* Only while open, and bounded per run. */
    int n_played = 0, n_planned = 0, n_transport = 0, n_files = 0;
    for (int i = 0; i < w.n; i++) {
        CHECKF(w.s[i].frame >= ON_FRAME && w.s[i].frame < OFF_FRAME,
               "message at frame %lld", (long long)w.s[i].frame);
        n_played += w.s[i].kind == 0;
        n_planned += w.s[i].kind == 1;
        n_transport += w.s[i].kind == 3;
        n_files += w.s[i].kind == 4;
    }
    printf("window open %.2f s: %d played, %d planned, %d transport, "
           "%d file messages; at most %d in one run\n",
           (double)(OFF_FRAME - ON_FRAME) / RATE, n_played, n_planned,
           n_transport, n_files, w.most_per_run);
    CHECK(w.most_per_run <= CAD_UI_MAX_PER_RUN);
    CHECK(n_files >= 2);

    /* Every MIDI note on and off while open is a Played message. */
    int k = 0, mismatches = 0, n_on = 0;
    for (size_t i = 0; i < rb->n_midi; i++) {
        const cad_host_midi *m = &rb->midi[i];
        int st = m->msg[0] & 0xF0;
        if (m->frame < ON_FRAME || m->frame >= OFF_FRAME ||
            (st != 0x90 && st != 0x80))
            continue;
        int vel = st == 0x90 ? m->msg[2] : 0;
        n_on += vel > 0;
        while (k < w.n && w.s[k].kind != 0)
            k++;
        if (k == w.n) {
            mismatches++;
            continue;
        }
        const seen *e = &w.s[k++];
        double beat = (double)m->frame * 2.0 / RATE; /* 120 bpm from 0 */
        if (e->pitch != m->msg[1] || (e->velocity > 0) != (vel > 0) ||
            fabs(e->beat - beat) > 1e-6)
            mismatches++;
    }
    CHECKF(mismatches == 0, "%d of the MIDI events had no matching Played",
           mismatches);
    CHECK(n_on > 20);

    /* Notes were planned before they played, from the first: as the
     * window opens it hears of the steps already waiting. */
    int unplanned = 0, checked = 0;
    for (int i = 0; i < w.n; i++) {
        const seen *e = &w.s[i];
        if (e->kind != 0 || e->velocity == 0)
            continue;
        int found = 0;
        for (int j = 0; j < i && !found; j++)
            found = w.s[j].kind == 1 && w.s[j].pitch == e->pitch &&
                    w.s[j].beat <= e->beat + 1e-6 &&
                    e->beat < w.s[j].beat + w.s[j].length - 1e-6;
        unplanned += !found;
        if (!found && getenv("CAD_DEBUG"))
            fprintf(stderr, "unplanned %d at %.3f\n", e->pitch, e->beat);
        checked++;
    }
    CHECKF(checked > 10 && unplanned == 0, "%d of %d not planned", unplanned,
           checked);

    /* The transport: ~25 a second, rolling, the host's tempo and bar,
     * beats matching the frames. */
    double open_s = (double)(OFF_FRAME - ON_FRAME) / RATE;
    CHECKF(n_transport > 20 * open_s && n_transport < 30 * open_s, "%d",
           n_transport);
    double last = -1;
    for (int i = 0; i < w.n; i++) {
        const seen *e = &w.s[i];
        if (e->kind != 3)
            continue;
        CHECK(e->rolling == 1 && e->tempo == 120 && e->bar == 4);
        CHECK(e->beat > last);
        CHECK(fabs(e->beat - (double)e->frame * 2.0 / RATE) < 1e-6);
        last = e->beat;
    }
    cad_host_free(ref);
    cad_host_free(h);
    TEST_MAIN_END();
}
