/* cadenza.lv2: an LV2 instrument that composes with an LSTM and plays what
 * it composes through FluidSynth.
 *
 * This file is the plugin's life cycle: instantiate (which, being allowed
 * to block, loads the default model and soundfont so the synth is ready
 * before the first run()), port connection, cleanup and the descriptor.
 * run() is in cad_run.c, the worker in cad_work.c, state in cad_state.c,
 * and putting a loaded model or soundfont in place in cad_install.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lv2/midi/midi.h"
#include "lv2/patch/patch.h"
#include "lv2/state/state.h"
#include "lv2/time/time.h"

#include "cad_out.h"

static void map_uris(LV2_URID_Map *map, cad_uris *u)
{
#define MAP(field, uri) u->field = map->map(map->handle, uri)
    MAP(atom_Path, LV2_ATOM__Path);
    MAP(atom_String, LV2_ATOM__String);
    MAP(atom_Int, LV2_ATOM__Int);
    MAP(atom_Long, LV2_ATOM__Long);
    MAP(atom_Float, LV2_ATOM__Float);
    MAP(atom_Double, LV2_ATOM__Double);
    MAP(atom_Bool, LV2_ATOM__Bool);
    MAP(atom_Object, LV2_ATOM__Object);
    MAP(atom_Blank, LV2_ATOM__Blank);
    MAP(atom_Sequence, LV2_ATOM__Sequence);
    MAP(atom_URID, LV2_ATOM__URID);
    MAP(atom_eventTransfer, LV2_ATOM__eventTransfer);
    MAP(midi_Event, LV2_MIDI__MidiEvent);
    MAP(patch_Get, LV2_PATCH__Get);
    MAP(patch_Set, LV2_PATCH__Set);
    MAP(patch_property, LV2_PATCH__property);
    MAP(patch_value, LV2_PATCH__value);
    MAP(time_Position, LV2_TIME__Position);
    MAP(time_bar, LV2_TIME__bar);
    MAP(time_barBeat, LV2_TIME__barBeat);
    MAP(time_beat, LV2_TIME__beat);
    MAP(time_beatsPerBar, LV2_TIME__beatsPerBar);
    MAP(time_beatUnit, LV2_TIME__beatUnit);
    MAP(time_beatsPerMinute, LV2_TIME__beatsPerMinute);
    MAP(time_speed, LV2_TIME__speed);
    MAP(cad_model, CAD_NS "model");
    MAP(cad_soundfont, CAD_NS "soundfont");
    MAP(cad_status, CAD_NS "status");
    MAP(cad_variation, CAD_NS "variation");
#undef MAP
}

static void cleanup(LV2_Handle h);

static LV2_Handle instantiate(const LV2_Descriptor *d, double rate,
                              const char *bundle,
                              const LV2_Feature *const *features)
{
    (void)d;
    cad_plugin *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    LV2_Log_Log *log = NULL;
    for (int i = 0; features && features[i]; i++) {
        if (!strcmp(features[i]->URI, LV2_URID__map))
            p->map = features[i]->data;
        else if (!strcmp(features[i]->URI, LV2_WORKER__schedule))
            p->schedule = features[i]->data;
        else if (!strcmp(features[i]->URI, LV2_LOG__log))
            log = features[i]->data;
    }
    lv2_log_logger_init(&p->logger, p->map, log);
    if (!p->map || !p->schedule) {
        lv2_log_error(&p->logger, "cadenza: host lacks %s\n",
                      p->map ? "work:schedule" : "urid:map");
        free(p);
        return NULL;
    }
    map_uris(p->map, &p->uris);
    lv2_atom_forge_init(&p->forge, p->map);
    cad_ui_init(&p->ui, p->map);

    p->rate = rate > 0 ? rate : 48000.0;
    snprintf(p->bundle, sizeof p->bundle, "%s", bundle ? bundle : "");
    cad_clock_init(&p->host, p->rate);
    cad_clock_init(&p->free_clock, p->rate);
    p->host_bpb = 4;
    p->host_unit = 4;
    p->host_bpm = 120;
    p->step_beats = 1.0;
    p->restart_step = -1;
    p->gen_limit = INT64_MAX;
    p->last_input_step = -1;
    /* Ports are not connected yet: this reads the defaults. */
    cad_read_controls(p, &p->c);

    cad_error e = {{0}};
    char path[CAD_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s%sdefault.safetensors", p->bundle,
             p->bundle[0] && p->bundle[strlen(p->bundle) - 1] != '/' ? "/"
                                                                     : "");
    cad_params params;
    cad_params_from(p, &p->c, &params);
    cad_voice *v = cad_voice_load(path, &params, &e);
    if (v)
        cad_install_voice(p, v, CAD_INSTALL_INSTANTIATE);
    else
        lv2_log_warning(&p->logger, "cadenza: no default model: %s\n", e.msg);

    cad_sound *s = cad_sound_load(p->rate, cad_synth_default_soundfont(), &e);
    if (!s) {
        lv2_log_warning(&p->logger, "cadenza: %s; composing in silence\n",
                        e.msg);
        s = cad_sound_load(p->rate, NULL, &e);
    }
    if (s)
        cad_install_sound(p, s, CAD_INSTALL_INSTANTIATE);
    return p;
}

static void connect_port(LV2_Handle h, uint32_t port, void *data)
{
    cad_plugin *p = h;
    switch (port) {
    case CAD_PORT_EVENTS_IN:
        p->in = data;
        break;
    case CAD_PORT_EVENTS_OUT:
        p->out = data;
        break;
    case CAD_PORT_OUT_L:
    case CAD_PORT_OUT_R:
        p->audio[port - CAD_PORT_OUT_L] = data;
        break;
    default:
        if (port < CAD_N_PORTS)
            p->ctl[port] = data;
        break;
    }
}

static void activate(LV2_Handle h)
{
    ((cad_plugin *)h)->activated = 1;
}

static void deactivate(LV2_Handle h)
{
    ((cad_plugin *)h)->activated = 0;
}

static void cleanup(LV2_Handle h)
{
    cad_plugin *p = h;
    /* Objects whose free request never reached the worker. */
    for (int i = 0; i < p->out_count; i++) {
        const cad_msg *m = &p->outbox[(p->out_head + i) % CAD_OUTBOX];
        if (m->type == CAD_MSG_FREE_VOICE)
            cad_voice_free(m->ptr);
        else if (m->type == CAD_MSG_FREE_SOUND)
            cad_sound_free(m->ptr);
    }
    for (int i = 0; i < p->n_loads; i++) {
        if (p->loads[i].type == CAD_MSG_MODEL)
            cad_voice_free(p->loads[i].ptr);
        else
            cad_sound_free(p->loads[i].ptr);
    }
    cad_voice_free(p->voice);
    cad_voice_free(p->voice_next);
    cad_sound_free(p->sound);
    cad_sound_free(p->sound_next);
    cad_sound_free(p->spare);
    free(p);
}

static const void *extension_data(const char *uri)
{
    static const LV2_Worker_Interface worker = {cad_work, cad_work_response,
                                                NULL};
    if (!strcmp(uri, LV2_WORKER__interface))
        return &worker;
    if (!strcmp(uri, LV2_STATE__interface))
        return cad_state_extension();
    return NULL;
}

static const LV2_Descriptor descriptor = {
    CAD_URI, instantiate, connect_port, activate,
    cad_run, deactivate, cleanup,      extension_data,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
