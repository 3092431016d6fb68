/* What other LV2 hosts do to the plugin, replayed in our own host so CI
 * keeps it working (issue 9). One scenario per argument:
 *   blank    transport and patch:Set typed atom:Blank, as Carla 2.5 sends
 *            them: the same music as with atom:Object, and the model loads
 *   nul      state values with and without their terminating NUL (lilv
 *            counts it, Carla does not); refused values are logged
 *   restore  restore() with no worker, with one that refuses every job and
 *            with one that would run jobs later (jalv 1.6.6): restore
 *            loads by itself, asks no worker, and all three play the same
 *   presets  every preset sets every control, the model and the
 *            SoundFont, so it sounds the same whatever was applied before
 *   threads  the host process has as many threads after instantiate, run,
 *            loads and cleanup as before: no OpenBLAS or OpenMP pool
 *            (lv2lint's child process never exited because of them)
 *   export   Ardour's export under load: the worker thread has not
 *            answered a request from before the export when its stopped
 *            freewheel cycles begin; the export is the same as if it had
 * Run through run_installed.sh, like test_plugin. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lv2/atom/atom.h"
#include "lv2/log/log.h"
#include "lv2/state/state.h"
#include "lv2/urid/urid.h"
#include "lv2/worker/worker.h"

#include "../cad_test.h"
#include "cad_host.h"

#define RATE 48000.0
#define GM_FONT "/usr/share/sounds/sf2/FluidR3_GM.sf2"
/* What the presets name: the system's General MIDI SoundFont. */
#define PRESET_FONT "/usr/share/sounds/sf2/default-GM.sf2"

static char bundle_file[1200];

/* A file of the installed bundle. */
static const char *in_bundle(const char *name)
{
    snprintf(bundle_file, sizeof bundle_file, "%s/%s",
             getenv("CAD_BUNDLE") ? getenv("CAD_BUNDLE") : ".", name);
    return bundle_file;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcmp(s + n - k, tail);
}

static void run_for(cad_host *h, double seconds)
{
    int64_t end = cad_host_now(h) + (int64_t)(seconds * RATE);
    while (cad_host_now(h) < end)
        cad_host_run(h, 512);
}

static size_t note_ons(const cad_host_rec *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_midi; i++)
        if ((r->midi[i].msg[0] & 0xF0) == 0x90 && r->midi[i].msg[2] > 0)
            n++;
    return n;
}

/* Audio and MIDI from frame `from` on are the same in both. */
static int same_from(const cad_host_rec *a, const cad_host_rec *b,
                     int64_t from)
{
    if (a->frames != b->frames || (size_t)from > a->frames)
        return 0;
    size_t n = a->frames - (size_t)from;
    for (size_t k = (size_t)from; k < a->frames; k++)
        if (a->left[k] != b->left[k] || a->right[k] != b->right[k]) {
            printf("audio differs from frame %zu on\n", k);
            return 0;
        }
    (void)n;
    size_t i = 0, j = 0;
    while (i < a->n_midi && a->midi[i].frame < from)
        i++;
    while (j < b->n_midi && b->midi[j].frame < from)
        j++;
    if (a->n_midi - i != b->n_midi - j) {
        printf("%zu and %zu MIDI events\n", a->n_midi - i, b->n_midi - j);
        return 0;
    }
    for (; i < a->n_midi; i++, j++)
        if (a->midi[i].frame != b->midi[j].frame ||
            memcmp(a->midi[i].msg, b->midi[j].msg, 3))
            return 0;
    return 1;
}

/* ---- blank: Carla's atom:Blank objects ------------------------------------ */

static cad_host *play_transport(int blank)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    if (!h)
        return NULL;
    cad_host_blank_objects(h, blank);
    cad_host_transport(h, 4800, 1, 120, 0);
    char folk[1200];
    snprintf(folk, sizeof folk, "%s", in_bundle("nottingham.safetensors"));
    cad_host_patch_set(h, 48000, "model", folk);
    run_for(h, 8);
    return h;
}

static void test_blank(void)
{
    cad_host *a = play_transport(0), *b = play_transport(1);
    CHECK(a && b);
    if (a && b) {
        const cad_host_rec *ra = cad_host_rec_get(a);
        const cad_host_rec *rb = cad_host_rec_get(b);
        printf("blank: %zu notes with atom:Object, %zu with atom:Blank; "
               "model '%s'\n", note_ons(ra), note_ons(rb), rb->last_model);
        CHECK(note_ons(rb) > 10);
        CHECK(same_from(ra, rb, 0));
        CHECK(ends_with(rb->last_model, "/nottingham.safetensors"));
    }
    cad_host_free(a);
    cad_host_free(b);
}

/* ---- state values, as hosts hand them back ------------------------------- */

typedef struct {
    LV2_URID model_key, sf_key, path_type;
    const char *model, *sf;
    uint32_t model_type;  /* 0: path_type */
    int with_nul;         /* the size counts the terminating NUL */
} fake_state;

static const void *fake_retrieve(LV2_State_Handle sh, uint32_t key,
                                 size_t *size, uint32_t *type,
                                 uint32_t *flags)
{
    const fake_state *s = sh;
    const char *v = key == s->model_key ? s->model
                    : key == s->sf_key  ? s->sf
                                        : NULL;
    if (!v)
        return NULL;
    *size = strlen(v) + (s->with_nul ? 1 : 0);
    *type = key == s->model_key && s->model_type ? s->model_type
                                                 : s->path_type;
    *flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
    return v;
}

static const LV2_State_Interface *state_iface(cad_host *h)
{
    return lilv_instance_get_extension_data(cad_host_instance(h),
                                            LV2_STATE__interface);
}

static void restore_fake(cad_host *h, fake_state *s,
                         const LV2_Feature *const *features)
{
    LV2_URID_Map *map = cad_host_urid_map(h);
    s->model_key = map->map(map->handle, CAD_PLUGIN_URI "#model");
    s->sf_key = map->map(map->handle, CAD_PLUGIN_URI "#soundfont");
    s->path_type = map->map(map->handle, LV2_ATOM__Path);
    const LV2_State_Interface *st = state_iface(h);
    CHECK(st && st->restore);
    if (st && st->restore)
        st->restore(lilv_instance_get_handle(cad_host_instance(h)),
                    fake_retrieve, s, 0, features);
}

static void test_nul(void)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h != NULL);
    if (!h)
        return;
    cad_host_rec *r = cad_host_rec_get(h);
    const LV2_Feature *const *feat =
        (const LV2_Feature *const *)cad_host_features(h);
    char folk[1200], def[1200];
    snprintf(folk, sizeof folk, "%s", in_bundle("nottingham.safetensors"));
    snprintf(def, sizeof def, "%s", in_bundle("default.safetensors"));
    run_for(h, 0.1);

    /* Carla: no NUL counted. */
    fake_state s = {.model = folk, .sf = GM_FONT, .with_nul = 0};
    restore_fake(h, &s, feat);
    run_for(h, 0.1);
    printf("nul: without NUL -> model '%s', soundfont '%s'\n",
           r->last_model, r->last_soundfont);
    CHECK(!strcmp(r->last_model, folk));
    CHECK(!strcmp(r->last_soundfont, GM_FONT));

    /* lilv: NUL counted. */
    s = (fake_state){.model = def, .with_nul = 1};
    restore_fake(h, &s, feat);
    run_for(h, 0.1);
    printf("nul: with NUL -> model '%s'\n", r->last_model);
    CHECK(!strcmp(r->last_model, def));

    /* Refused, with the reason in the host's log; the model stays. */
    LV2_URID_Map *map = cad_host_urid_map(h);
    r->last_log[0] = 0;
    s = (fake_state){.model = folk, .with_nul = 1,
                     .model_type = map->map(map->handle, LV2_ATOM__Int)};
    restore_fake(h, &s, feat);
    run_for(h, 0.1);
    printf("nul: a model typed atom:Int -> log '%s'", r->last_log);
    CHECK(strstr(r->last_log, "model was not restored") != NULL);
    CHECK(!strcmp(r->last_model, def));
    r->last_log[0] = 0;
    s = (fake_state){.model = "", .with_nul = 1};
    restore_fake(h, &s, feat);
    printf("nul: an empty model -> log '%s'", r->last_log);
    CHECK(strstr(r->last_log, "empty") != NULL);
    cad_host_free(h);
}

/* ---- restore() and the host's worker (jalv) ------------------------------ */

/* A work:schedule for restore(): refuses every job (mode 0), or keeps it
 * to run after restore returns (mode 1), as jalv 1.6.6 does for plugins
 * without state:threadSafeRestore (it never runs them). */
typedef struct {
    int mode, calls;
} fake_worker;

static LV2_Worker_Status fake_schedule(LV2_Worker_Schedule_Handle hh,
                                       uint32_t size, const void *data)
{
    (void)size;
    (void)data;
    fake_worker *w = hh;
    w->calls++;
    return w->mode == 0 ? LV2_WORKER_ERR_NO_SPACE : LV2_WORKER_SUCCESS;
}

/* Restores the folk preset's state with the given worker (NULL: none),
 * then plays 4 s free-running. */
static cad_host *restore_with(fake_worker *w)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    if (!h)
        return NULL;
    const LV2_Feature *const *all =
        (const LV2_Feature *const *)cad_host_features(h);
    /* The host's features without its own work:schedule, plus ours. */
    const LV2_Feature *feat[8];
    int n = 0;
    for (int i = 0; all[i] && n < 6; i++)
        if (strcmp(all[i]->URI, LV2_WORKER__schedule))
            feat[n++] = all[i];
    LV2_Worker_Schedule sched = {w, fake_schedule};
    LV2_Feature f_sched = {LV2_WORKER__schedule, &sched};
    if (w)
        feat[n++] = &f_sched;
    feat[n] = NULL;
    cad_host_set(h, "mode", 1);
    run_for(h, 0.1);
    char folk[1200];
    snprintf(folk, sizeof folk, "%s", in_bundle("nottingham.safetensors"));
    fake_state s = {.model = folk, .sf = GM_FONT, .with_nul = 1};
    restore_fake(h, &s, feat);
    /* Installed by restore itself: the very next block plays it. */
    cad_host_run(h, 512);
    CHECK(!strcmp(cad_host_rec_get(h)->last_model, folk));
    run_for(h, 4);
    return h;
}

static void test_restore(void)
{
    fake_worker refuse = {0, 0}, later = {1, 0};
    cad_host *a = restore_with(NULL);
    cad_host *b = restore_with(&refuse);
    cad_host *c = restore_with(&later);
    CHECK(a && b && c);
    printf("restore: schedule_work calls from restore(): refusing %d, "
           "later %d\n", refuse.calls, later.calls);
    CHECK(refuse.calls == 0 && later.calls == 0);
    if (a && b && c) {
        printf("restore: %zu notes after the restore\n",
               note_ons(cad_host_rec_get(a)));
        CHECK(note_ons(cad_host_rec_get(a)) > 10);
        CHECK(same_from(cad_host_rec_get(a), cad_host_rec_get(b), 0));
        CHECK(same_from(cad_host_rec_get(a), cad_host_rec_get(c), 0));
    }
    cad_host_free(a);
    cad_host_free(b);
    cad_host_free(c);
}

/* ---- presets, one after another ------------------------------------------ */

static const char *preset_names[] = {"preset-folk-fiddle",
                                     "preset-calm-piano",
                                     "preset-chorale-organ",
                                     "preset-piano-notes",
                                     "preset-piano-events"};
static const char *preset_models[] = {"/nottingham.safetensors",
                                      "/default.safetensors",
                                      "/default.safetensors",
                                      "/piano-notes.safetensors",
                                      "/piano-events.safetensors"};
#define N_PRESETS 5

static void set_port(const char *symbol, void *ud, const void *value,
                     uint32_t size, uint32_t type)
{
    (void)type;
    if (size == sizeof(float))
        cad_host_set(ud, symbol, *(const float *)value);
}

/* The port symbols a state sets (lilv 0.24 has no getter for one). */
typedef struct {
    char sym[32][32];
    int n;
} port_list;

static void list_port(const char *symbol, void *ud, const void *value,
                      uint32_t size, uint32_t type)
{
    (void)value;
    (void)size;
    (void)type;
    port_list *l = ud;
    if (l->n < 32)
        snprintf(l->sym[l->n++], sizeof l->sym[0], "%s", symbol);
}

static int lists(const port_list *l, const char *symbol)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->sym[i], symbol))
            return 1;
    return 0;
}

static LilvState *preset(cad_host *h, int i)
{
    char uri[256];
    snprintf(uri, sizeof uri, "%s#%s", CAD_PLUGIN_URI, preset_names[i]);
    LilvNode *pu = lilv_new_uri(cad_host_world(h), uri);
    lilv_world_load_resource(cad_host_world(h), pu);
    LilvState *st = lilv_state_new_from_world(cad_host_world(h),
                                              cad_host_urid_map(h), pu);
    lilv_node_free(pu);
    return st;
}

static void apply_preset(cad_host *h, int i)
{
    LilvState *st = preset(h, i);
    CHECK(st != NULL);
    if (!st)
        return;
    lilv_state_restore(st, cad_host_instance(h), set_port, h, 0,
                       (const LV2_Feature *const *)cad_host_features(h));
    lilv_state_free(st);
}

/* Applies the presets in `order` (-1 ends it), 1 s apart, the last one at
 * 3 s, then starts the transport at 4 s and records 6 s. */
static cad_host *presets_then(const int *order)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    if (!h)
        return NULL;
    int n = 0;
    while (order[n] >= 0)
        n++;
    for (int k = 0; k < 3; k++) {
        if (k >= 3 - n)
            apply_preset(h, order[k - (3 - n)]);
        /* Something to forget: a press of regenerate and a seed. */
        cad_host_set(h, "regenerate", (float)(k & 1));
        run_for(h, 1);
    }
    cad_host_transport(h, cad_host_now(h) + 48000, 1, 120, 0);
    run_for(h, 7);
    return h;
}

static void test_presets(void)
{
    /* Every preset sets every control input port. */
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h != NULL);
    if (!h)
        return;
    const LilvPlugin *pl = cad_host_plugin(h);
    LilvNode *control = lilv_new_uri(cad_host_world(h), LV2_CORE__ControlPort);
    LilvNode *input = lilv_new_uri(cad_host_world(h), LV2_CORE__InputPort);
    LilvNode *designation = lilv_new_uri(cad_host_world(h),
                                         LV2_CORE__designation);
    LilvNode *freewheeling = lilv_new_uri(cad_host_world(h),
                                          LV2_CORE__freeWheeling);
    for (int i = 0; i < N_PRESETS; i++) {
        LilvState *st = preset(h, i);
        CHECK(st != NULL);
        port_list set = {.n = 0};
        if (st)
            lilv_state_emit_port_values(st, list_port, &set);
        for (uint32_t p = 0; st && p < lilv_plugin_get_num_ports(pl); p++) {
            const LilvPort *port = lilv_plugin_get_port_by_index(pl, p);
            if (!lilv_port_is_a(pl, port, control) ||
                !lilv_port_is_a(pl, port, input))
                continue;
            /* Ports the host sets itself (freewheeling) are not settings. */
            LilvNodes *d = lilv_port_get_value(pl, port, designation);
            int host_set = d && lilv_nodes_contains(d, freewheeling);
            lilv_nodes_free(d);
            if (host_set)
                continue;
            const char *sym =
                lilv_node_as_string(lilv_port_get_symbol(pl, port));
            CHECKF(lists(&set, sym),
                   "%s does not set %s", preset_names[i], sym);
        }
        lilv_state_free(st);
    }
    lilv_node_free(control);
    lilv_node_free(input);
    lilv_node_free(designation);
    lilv_node_free(freewheeling);

    /* Each preset in turn (what jalv's menu does): its own model, and its
     * SoundFont in place of one chosen in between. */
    for (int i = 0; i < N_PRESETS; i++) {
        cad_host_patch_set(h, cad_host_now(h), "soundfont", GM_FONT);
        run_for(h, 0.3);
        CHECK(!strcmp(cad_host_rec_get(h)->last_soundfont, GM_FONT));
        apply_preset(h, i);
        run_for(h, 0.2);
        printf("presets: %s -> model '%s'\n", preset_names[i],
               cad_host_rec_get(h)->last_model);
        CHECK(ends_with(cad_host_rec_get(h)->last_model, preset_models[i]));
        CHECK(!strcmp(cad_host_rec_get(h)->last_soundfont, PRESET_FONT));
    }
    cad_host_free(h);

    /* Calm piano sounds the same after nothing, after the folk tune and
     * after the chorale (applied back to back, with no block between). */
    int alone[] = {1, -1}, folk[] = {0, 1, -1}, both[] = {2, 0, 1, -1};
    cad_host *a = presets_then(alone), *b = presets_then(folk),
             *c = presets_then(both);
    CHECK(a && b && c);
    if (a && b && c) {
        int64_t from = 4 * 48000;
        size_t n = note_ons(cad_host_rec_get(a));
        printf("presets: calm piano alone: %zu notes\n", n);
        CHECK(n > 10);
        CHECK(same_from(cad_host_rec_get(a), cad_host_rec_get(b), from));
        CHECK(same_from(cad_host_rec_get(a), cad_host_rec_get(c), from));
    }
    cad_host_free(a);
    cad_host_free(b);
    cad_host_free(c);
}

/* ---- threads --------------------------------------------------------------- */

static int count_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* Threads that are ending take a moment to leave /proc: waits up to 2 s
 * for the count to come down to `want`. */
static int threads_settle(int want)
{
    int n = count_threads();
    for (int i = 0; i < 200 && n > want; i++) {
        nanosleep(&(struct timespec){0, 10000000}, NULL);
        n = count_threads();
    }
    return n;
}

static void test_threads(void)
{
    int before = count_threads();
    CHECK(before >= 1);
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h != NULL);
    if (!h)
        return;
    int after_new = threads_settle(before);
    /* Loads in work() (synchronous: this thread), in restore(), a run. */
    cad_host_transport(h, 0, 1, 120, 0);
    cad_host_patch_set(h, 1000, "soundfont", GM_FONT);
    char folk[1200];
    snprintf(folk, sizeof folk, "%s", in_bundle("nottingham.safetensors"));
    cad_host_patch_set(h, 2000, "model", folk);
    run_for(h, 1);
    apply_preset(h, 1);
    run_for(h, 1);
    int after_run = threads_settle(before);
    CHECK(!strcmp(cad_host_rec_get(h)->last_soundfont, PRESET_FONT));
    cad_host_free(h);
    int after_free = threads_settle(before);

    /* The worker in a thread of its own (as Ardour runs it live): one
     * thread more while the host lives, none after. */
    h = cad_host_new(RATE, CAD_PLUGIN_URI);
    CHECK(h && cad_host_threaded(h) == 0);
    int threaded = 0;
    if (h) {
        cad_host_patch_set(h, 1000, "soundfont", GM_FONT);
        cad_host_pace(h, 4);
        run_for(h, 2);
        /* A cold 140 MB SoundFont on a loaded two-core machine takes longer
         * than those 0.5 s (it failed so on a fresh CI machine): keep
         * playing until the worker has answered, up to a minute of audio. */
        for (int i = 0; i < 120 && strcmp(cad_host_rec_get(h)->last_soundfont,
                                          GM_FONT); i++)
            run_for(h, 0.5);
        threaded = threads_settle(before + 1);
        CHECK(!strcmp(cad_host_rec_get(h)->last_soundfont, GM_FONT));
    }
    cad_host_free(h);
    int after_threaded = threads_settle(before);
    printf("threads: before %d, after instantiate %d, after loads and "
           "runs %d, after cleanup %d; threaded worker: %d while it runs, "
           "%d after\n", before, after_new, after_run, after_free, threaded,
           after_threaded);
    CHECK(after_new == before);
    CHECK(after_run == before);
    CHECK(after_free == before);
    CHECK(threaded == before + 1);
    CHECK(after_threaded == before);
}

/* ---- export: a late worker at the start of an export ---------------------- */

/* Settings changed while stopped; `slow`: the worker thread does not get
 * the CPU until the export rolls (Ardour under load). Then 0.25 s of
 * stopped cycles in freewheel with a synchronous worker (Ardour's export
 * preroll), and the transport rolls. */
static cad_host *export_with(int slow)
{
    cad_host *h = cad_host_new(RATE, CAD_PLUGIN_URI);
    if (!h)
        return NULL;
    run_for(h, 0.5);
    if (slow)
        cad_host_defer_work(h, 1);
    cad_host_set(h, "temperature", 0.6f);
    cad_host_set(h, "seed", 9);
    run_for(h, 0.5);
    cad_host_defer_work(h, 0);
    cad_host_set(h, "freewheel", 1);
    run_for(h, 0.25);
    cad_host_transport(h, cad_host_now(h), 1, 120, 0);
    run_for(h, 1);
    cad_host_release_work(h); /* the worker thread finally answers */
    run_for(h, 5);
    return h;
}

static void test_export(void)
{
    cad_host *a = export_with(0), *b = export_with(1);
    CHECK(a && b);
    if (a && b) {
        size_t n = note_ons(cad_host_rec_get(a));
        printf("export: %zu notes; the same with a late worker: %s\n", n,
               same_from(cad_host_rec_get(a), cad_host_rec_get(b), 0)
                   ? "yes" : "no");
        CHECK(n > 10);
        CHECK(same_from(cad_host_rec_get(a), cad_host_rec_get(b), 0));
    }
    cad_host_free(a);
    cad_host_free(b);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "blank";
    if (!getenv("LV2_PATH") || !getenv("CAD_BUNDLE"))
        fprintf(stderr, "LV2_PATH/CAD_BUNDLE not set: run through "
                        "run_installed.sh\n");
    if (!strcmp(what, "blank"))
        test_blank();
    else if (!strcmp(what, "nul"))
        test_nul();
    else if (!strcmp(what, "restore"))
        test_restore();
    else if (!strcmp(what, "presets"))
        test_presets();
    else if (!strcmp(what, "threads"))
        test_threads();
    else if (!strcmp(what, "export"))
        test_export();
    else {
        fprintf(stderr, "unknown test %s\n", what);
        return 2;
    }
    TEST_MAIN_END();
}
