/* libFuzzer target: arbitrary bytes as a saved state handed back to
 * cadenza.lv2 (LV2_State_Interface::restore). Whatever key the plugin asks
 * for, the answer comes from the input: missing, or any type, flags and
 * size, the bytes not necessarily NUL-terminated, paths of any length.
 * Restore happens before activation, after it, or while playing, with or
 * without the state:mapPath, state:freePath and work:schedule features;
 * then a few blocks run (see fuzz_host.h) and the state is saved again,
 * which must give well-formed values.
 *
 * Layout of an input (all little-endian; missing bytes read as zero):
 *   u8 flags   bit 0: the bundle has no model
 *              bit 1: restore gets state:mapPath (relative paths are in
 *                     the bundle), bit 2: state:freePath,
 *              bit 3: work:schedule
 *              bits 4-5: restore 0 before activate, 1 after it, 2 after
 *                     the first block, 3 before activate and again then
 *              bit 6: mapPath's absolute_path fails (returns NULL)
 *              bit 7: work() runs inside schedule_work
 *   u8 more    bit 0: schedule_work refuses every third request
 *   u16 len + len bytes: the answers, one per retrieve call in order:
 *              u8 kind: % 4 == 0 missing; 3 a bundle file (u8 which, as
 *              an atom:Path); else u8 type (0..4 Path, String, Int, Float,
 *              URID; 5 a raw u32 follows; 6, 7 that number), u8 flags,
 *              u16 size + size bytes
 *   u8 blocks  1 + this % 6 blocks, as fz_host_block reads them */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    fz_in answers;
    int map_fails;
    void *vals[16]; /* what retrieve returned: valid until restore returns */
    int n_vals;
} fz_state;

static const void *retrieve(LV2_State_Handle handle, uint32_t key,
                            size_t *size, uint32_t *type, uint32_t *flags)
{
    fz_state *s = handle;
    (void)key; /* answered in the order asked */
    uint8_t kind = fz_u8(&s->answers);
    if (kind % 4 == 0 || s->n_vals == 16)
        return NULL;
    const uint8_t *bytes;
    size_t got;
    if (kind % 4 == 3) {
        const char *path = fz_file(fz_u8(&s->answers) % FZ_N_FILES);
        bytes = (const uint8_t *)path;
        got = strlen(path) + 1;
        *type = FZ_ATOM_PATH;
        *flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
    } else {
        static const uint32_t types[] = {FZ_ATOM_PATH, FZ_ATOM_STRING,
                                         FZ_ATOM_INT, FZ_ATOM_FLOAT,
                                         FZ_ATOM_URID};
        uint8_t t = fz_u8(&s->answers) % 8;
        *type = t < 5 ? types[t] : t == 5 ? fz_u32(&s->answers) : t;
        *flags = fz_u8(&s->answers);
        got = fz_take(&s->answers, fz_u16(&s->answers), &bytes);
    }
    /* A buffer of exactly the size said, so reading past it shows. */
    void *v = malloc(got ? got : 1);
    if (!v)
        abort();
    memcpy(v, bytes, got);
    s->vals[s->n_vals++] = v;
    *size = got;
    return v;
}

/* Abstract paths are relative to the bundle, as a host's would be to its
 * session; the plugin frees them with free_path, or free() without it. */
static char *abstract_path(LV2_State_Map_Path_Handle handle,
                           const char *path)
{
    (void)handle;
    const char *dir = fz_bundle_dir();
    size_t n = strlen(dir);
    if (!strncmp(path, dir, n) && path[n] == '/')
        path += n + 1;
    return strdup(path);
}

static char *absolute_path(LV2_State_Map_Path_Handle handle,
                           const char *path)
{
    const fz_state *s = handle;
    if (s->map_fails)
        return NULL;
    if (path[0] == '/')
        return strdup(path);
    const char *dir = fz_bundle_dir();
    char *abs = malloc(strlen(dir) + strlen(path) + 2);
    if (!abs)
        abort();
    strcpy(abs, dir);
    strcat(abs, "/");
    strcat(abs, path);
    return abs;
}

static void free_path(LV2_State_Free_Path_Handle handle, char *path)
{
    (void)handle;
    free(path);
}

static void do_restore(fz_host *h, fz_state *s,
                       const LV2_State_Interface *st,
                       const LV2_Feature *const *features)
{
    st->restore(fz_host_handle(h), retrieve, s, 0, features);
    for (int i = 0; i < s->n_vals; i++)
        free(s->vals[i]);
    s->n_vals = 0;
}

/* save() must store paths as NUL-terminated Paths and the count as an
 * Int, whatever was restored. */
static LV2_State_Status store(LV2_State_Handle handle, uint32_t key,
                              const void *value, size_t size, uint32_t type,
                              uint32_t flags)
{
    (void)handle;
    (void)flags;
    if (key == FZ_CAD_MODEL || key == FZ_CAD_SOUNDFONT) {
        if (type != FZ_ATOM_PATH || size == 0 ||
            strlen(value) + 1 != size)
            abort();
    } else if (key == FZ_CAD_VARIATION) {
        if (type != FZ_ATOM_INT || size != sizeof(int32_t))
            abort();
    } else {
        abort();
    }
    return LV2_STATE_SUCCESS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size, 0};
    uint8_t flags = fz_u8(&in), more = fz_u8(&in);
    fz_state s = {.map_fails = (flags >> 6) & 1};
    const uint8_t *answers;
    size_t n_answers = fz_take(&in, fz_u16(&in), &answers);
    s.answers = (fz_in){answers, n_answers, 0};

    fz_opts o = {
        .rate = 48000,
        .with_model = !(flags & 1),
        .work_in_schedule = (flags >> 7) & 1,
        .refuse_every = more & 1 ? 3 : 0,
        .out_capacity = 8192,
    };
    fz_host *h = fz_host_new(&o);
    if (!h)
        return 0;
    const LV2_State_Interface *st =
        fz_host_descriptor(h)->extension_data(LV2_STATE__interface);
    if (!st || !st->restore || !st->save)
        abort();
    LV2_State_Map_Path mp = {&s, abstract_path, absolute_path};
    LV2_State_Free_Path fp = {NULL, free_path};
    LV2_Feature f_map = {LV2_STATE__mapPath, &mp};
    LV2_Feature f_free = {LV2_STATE__freePath, &fp};
    LV2_Feature f_sched = {LV2_WORKER__schedule,
                           (void *)fz_host_schedule(h)};
    const LV2_Feature *features[4];
    int nf = 0;
    if (flags & 2)
        features[nf++] = &f_map;
    if (flags & 4)
        features[nf++] = &f_free;
    if (flags & 8)
        features[nf++] = &f_sched;
    features[nf] = NULL;

    int when = (flags >> 4) & 3;
    if (when == 0 || when == 3)
        do_restore(h, &s, st, features);
    fz_host_activate(h, 1);
    if (when == 1)
        do_restore(h, &s, st, features);
    int blocks = 1 + fz_u8(&in) % 6;
    for (int b = 0; b < blocks; b++) {
        fz_host_block(h, &in);
        if (b == 0 && when >= 2)
            do_restore(h, &s, st, features);
    }
    if (st->save(fz_host_handle(h), store, NULL, 0, features) !=
        LV2_STATE_SUCCESS)
        abort();
    fz_host_free(h);
    return 0;
}
