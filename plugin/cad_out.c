/* See cad_out.h. */
#include <math.h>
#include <string.h>

#include "cad_out.h"

void cad_out_begin(cad_plugin *p)
{
    p->forge_failed = 1;
    p->out_open = 0;
    if (!p->out || p->out->atom.size < sizeof(LV2_Atom_Sequence))
        return;
    lv2_atom_forge_set_buffer(&p->forge, (uint8_t *)p->out,
                              p->out->atom.size);
    if (lv2_atom_forge_sequence_head(&p->forge, &p->out_frame, 0)) {
        p->forge_failed = 0;
        p->out_open = 1;
    }
}

static int room(const cad_plugin *p, uint32_t need)
{
    return !p->forge_failed && p->forge.size - p->forge.offset >= need;
}

static void out_midi(cad_plugin *p, uint32_t off, uint8_t b0, uint8_t b1,
                     uint8_t b2, uint32_t len)
{
    const uint8_t msg[3] = {b0, b1, b2};
    if (!room(p, sizeof(LV2_Atom_Event) + 8))
        return;
    if (!lv2_atom_forge_frame_time(&p->forge, off) ||
        !lv2_atom_forge_atom(&p->forge, len, p->uris.midi_Event) ||
        !lv2_atom_forge_write(&p->forge, msg, len))
        p->forge_failed = 1;
}

/* patch:Set { property, value } at frame 0. */
static void out_set(cad_plugin *p, LV2_URID key, LV2_URID type,
                    const char *str)
{
    uint32_t len = (uint32_t)strlen(str);
    if (!room(p, 128 + len))
        return;
    LV2_Atom_Forge *f = &p->forge;
    LV2_Atom_Forge_Frame obj;
    if (!lv2_atom_forge_frame_time(f, 0) ||
        !lv2_atom_forge_object(f, &obj, 0, p->uris.patch_Set) ||
        !lv2_atom_forge_key(f, p->uris.patch_property) ||
        !lv2_atom_forge_urid(f, key) ||
        !lv2_atom_forge_key(f, p->uris.patch_value) ||
        !lv2_atom_forge_typed_string(f, type, str, len)) {
        p->forge_failed = 1;
        return;
    }
    lv2_atom_forge_pop(f, &obj);
}

void cad_write_notifications(cad_plugin *p)
{
    const cad_uris *u = &p->uris;
    if (p->notify_model) {
        const cad_voice *v = p->voice_next ? p->voice_next : p->voice;
        if (v)
            out_set(p, u->cad_model, u->atom_Path, v->path);
    }
    if (p->notify_sound && p->sound && p->sound->path[0])
        out_set(p, u->cad_soundfont, u->atom_Path, p->sound->path);
    if (p->notify_status)
        out_set(p, u->cad_status, u->atom_String, p->status);
    /* Dropped, not retried, if they did not fit: a host with a tiny
     * notify buffer would otherwise be sent the same thing forever. */
    p->notify_model = p->notify_sound = p->notify_status = 0;
}

float cad_db_to_gain(float db)
{
    return db <= -59.5f ? 0.0f : powf(10.0f, db / 20.0f);
}

void cad_out_finish(cad_plugin *p, uint32_t n)
{
    if (p->out_open)
        lv2_atom_forge_pop(&p->forge, &p->out_frame);
    else if (p->out)
        p->out->atom.size = 0; /* too small for a sequence: say nothing
                                * (whatever its size: below 8 bytes of
                                * room the host's capacity was left as the
                                * size of a garbage atom; fuzz_atoms) */
    /* The port buffer is the host's again until the next run(): whatever
     * would go out in between (a restore's note offs) is dropped rather
     * than written into it. */
    p->out_open = 0;
    p->forge_failed = 1;
    float *l = p->audio[0], *r = p->audio[1];
    if (!l || !r)
        return;
    if (!p->c.enabled) {
        memset(l, 0, n * sizeof *l);
        memset(r, 0, n * sizeof *r);
        return;
    }
    /* One-pole smoothing (20 ms) so gain automation does not click. */
    float target = cad_db_to_gain(p->c.gain);
    float coef = 1.0f - expf(-1.0f / (0.02f * (float)p->rate));
    float g = p->gain_now;
    /* In float the pole never quite arrives: it stalls about 1e-4 short
     * of the target, at a point that depends on where it came from, so
     * the same settings played louder or softer by that much depending
     * on what was played before (found by applying presets in different
     * orders, issue 9). So it lands exactly once within 1e-4 (-80 dB). */
    const float snap = 1e-4f * target + 1e-7f;
    for (uint32_t i = 0; i < n; i++) {
        g += (target - g) * coef;
        if (fabsf(target - g) <= snap)
            g = target;
        l[i] *= g;
        r[i] *= g;
    }
    p->gain_now = g;
}

void cad_out_render(cad_plugin *p, uint32_t from, uint32_t to)
{
    if (to <= from)
        return;
    cad_synth *s = p->sound ? p->sound->synth : NULL;
    float *l = p->audio[0], *r = p->audio[1];
    p->synth_phase = (int)((p->synth_phase + (to - from)) % 64);
    if (l && r) {
        if (s)
            cad_synth_render(s, (int)(to - from), l + from, r + from);
        else {
            memset(l + from, 0, (to - from) * sizeof *l);
            memset(r + from, 0, (to - from) * sizeof *r);
        }
        return;
    }
    /* Unconnected outputs: render anyway, so the synth's block grid stays
     * tied to absolute time. */
    float sl[256], sr[256];
    while (s && from < to) {
        uint32_t k = to - from < 256 ? to - from : 256;
        cad_synth_render(s, (int)k, sl, sr);
        from += k;
    }
}

void cad_align_synth(cad_plugin *p)
{
    float l[64], r[64];
    int d = (64 - p->synth_phase) % 64;
    if (d > 0 && p->sound && p->sound->synth)
        cad_synth_render(p->sound->synth, d, l, r);
    p->synth_phase = 0;
}

void cad_play_note(cad_plugin *p, uint32_t off, int note, int velocity)
{
    cad_synth *s = p->sound ? p->sound->synth : NULL;
    cad_ui_played(p, off, note, velocity);
    if (velocity > 0) {
        if (s)
            cad_synth_note_on(s, CAD_GEN_CHANNEL, note, velocity);
        out_midi(p, off, 0x90 | CAD_GEN_CHANNEL, (uint8_t)note,
                 (uint8_t)velocity, 3);
    } else {
        if (s)
            cad_synth_note_off(s, CAD_GEN_CHANNEL, note);
        out_midi(p, off, 0x80 | CAD_GEN_CHANNEL, (uint8_t)note, 0, 3);
    }
}

void cad_play_events(cad_plugin *p, uint32_t off, const cad_note_ev *ev,
                     int n)
{
    for (int i = 0; i < n; i++)
        cad_play_note(p, off, ev[i].note, ev[i].on ? p->c.velocity : 0);
}

void cad_release_generated(cad_plugin *p, uint32_t off)
{
    cad_note_ev ev[128];
    int n = cad_notes_release(&p->gen_notes, ev);
    cad_play_events(p, off, ev, n);
}

void cad_release_all(cad_plugin *p, uint32_t off)
{
    cad_release_generated(p, off);
    cad_notes_clear(&p->in_notes);
    memset(&p->in_struck, 0, sizeof p->in_struck);
    if (p->sound && p->sound->synth)
        cad_synth_all_notes_off(p->sound->synth);
}

void cad_program_change(cad_plugin *p)
{
    if (p->sound && p->sound->synth) {
        cad_synth_program(p->sound->synth, CAD_GEN_CHANNEL, p->c.program);
        cad_synth_program(p->sound->synth, CAD_INPUT_CHANNEL, p->c.program);
    }
    out_midi(p, 0, 0xC0 | CAD_GEN_CHANNEL, (uint8_t)p->c.program, 0, 2);
}

void cad_status_set(cad_plugin *p, const char *msg)
{
    size_t n = 0;
    while (msg[n] && n + 1 < sizeof p->status) {
        p->status[n] = msg[n];
        n++;
    }
    p->status[n] = 0;
    p->notify_status = 1;
}

int cad_atom_number(const cad_uris *u, const LV2_Atom *a, double *out)
{
    if (!a)
        return 0;
    if (a->type == u->atom_Int && a->size >= 4)
        *out = ((const LV2_Atom_Int *)a)->body;
    else if (a->type == u->atom_Long && a->size >= 8)
        *out = (double)((const LV2_Atom_Long *)a)->body;
    else if (a->type == u->atom_Float && a->size >= 4)
        *out = ((const LV2_Atom_Float *)a)->body;
    else if (a->type == u->atom_Double && a->size >= 8)
        *out = ((const LV2_Atom_Double *)a)->body;
    else if (a->type == u->atom_Bool && a->size >= 4)
        *out = ((const LV2_Atom_Bool *)a)->body != 0;
    else
        return 0;
    return isfinite(*out);
}
