/* The FluidSynth wrapper. Two jobs beyond forwarding calls: keep absurd
 * arguments and bad soundfonts away from FluidSynth (clamp everything,
 * check the file ourselves before sfload so the user gets our message),
 * and keep FluidSynth quiet (it logs to stderr by default, which a plugin
 * host or a CLI pipeline should not see). */
#include "cad_synth.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fluidsynth.h>

struct cad_synth {
    fluid_settings_t *settings;
    fluid_synth_t *synth;
};

/* ---- logging --------------------------------------------------------
 * FluidSynth's log hook is process-global. We install one hook that drops
 * everything, except that while a soundfont is loading, errors raised on
 * the loading thread are kept so cad_synth_new can quote them. Loads are
 * serialised by load_lock; other threads (say, a plugin's audio thread)
 * logging at the same time are ignored, and the hook never allocates or
 * blocks, so it is safe wherever FluidSynth calls it. */
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int log_capturing;
static pthread_t log_owner;
static char log_msg[256];

static void cad_synth_log(int level, const char *message, void *data)
{
    (void)data;
    if (level > FLUID_ERR || !message)
        return;
    if (!atomic_load_explicit(&log_capturing, memory_order_acquire) ||
        !pthread_equal(pthread_self(), log_owner))
        return;
    if (log_msg[0])
        return; /* the first error is the cause; later ones are fallout */
    size_t n = strlen(message);
    if (n >= sizeof log_msg)
        n = sizeof log_msg - 1;
    memcpy(log_msg, message, n);
    log_msg[n] = '\0';
}

static void cad_synth_log_install(void)
{
    for (int level = FLUID_PANIC; level <= FLUID_DBG; level++)
        fluid_set_log_function(level, cad_synth_log, NULL);
}

/* ---- soundfont ------------------------------------------------------ */

const char *cad_synth_default_soundfont(void)
{
    static const char *cands[] = {
        "/usr/share/sounds/sf2/default-GM.sf2",
        "/usr/share/sounds/sf2/FluidR3_GM.sf2",
        "/usr/share/sounds/sf2/TimGM6mb.sf2",
        "/usr/share/soundfonts/default.sf2",
    };
    for (size_t i = 0; i < sizeof cands / sizeof *cands; i++)
        if (access(cands[i], R_OK) == 0)
            return cands[i];
    return NULL;
}

static uint32_t cad_synth_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* A SoundFont 2 file is RIFF('sfbk' LIST('INFO') LIST('sdta')
 * LIST('pdta')), and FluidSynth insists the RIFF size match the file size.
 * Checking that outline ourselves means a missing file, a text file named
 * .sf2 or a truncated download gets a plain explanation. It also keeps
 * such files away from FluidSynth's fallback DLS loader (libinstpatch),
 * which reports its failures through GLib straight to stderr. */
static int cad_synth_check_sf2(const char *path, cad_error *e)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return cad_error_set(e, "soundfont %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return cad_error_set(e, "soundfont %s: not a regular file", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cad_error_set(e, "soundfont %s: %s", path, strerror(errno));
    unsigned char h[12];
    int rc = 0;
    if (fread(h, 1, sizeof h, f) != sizeof h || memcmp(h, "RIFF", 4) != 0 ||
        memcmp(h + 8, "sfbk", 4) != 0) {
        rc = cad_error_set(e, "soundfont %s: not a SoundFont 2 file "
                              "(no RIFF/sfbk header)", path);
        goto done;
    }
    if ((uint64_t)cad_synth_le32(h + 4) + 8 != (uint64_t)st.st_size) {
        rc = cad_error_set(e, "soundfont %s: file is %lld bytes but its "
                              "header says %llu (truncated?)", path,
                           (long long)st.st_size,
                           (unsigned long long)cad_synth_le32(h + 4) + 8);
        goto done;
    }
    static const char *lists[3] = {"INFO", "sdta", "pdta"};
    uint64_t pos = 12;
    for (int i = 0; i < 3; i++) {
        if (fseeko(f, (off_t)pos, SEEK_SET) != 0 ||
            fread(h, 1, sizeof h, f) != sizeof h ||
            memcmp(h, "LIST", 4) != 0 || memcmp(h + 8, lists[i], 4) != 0 ||
            pos + 8 + cad_synth_le32(h + 4) > (uint64_t)st.st_size) {
            rc = cad_error_set(e, "soundfont %s: corrupt (no valid %s list "
                                  "at byte %llu)", path, lists[i],
                               (unsigned long long)pos);
            goto done;
        }
        pos += 8 + cad_synth_le32(h + 4);
    }
done:
    fclose(f);
    return rc;
}

/* Debian's FluidSynth reads a soundfont's samples inside an OpenMP
 * parallel region. libgomp keeps the threads of that region as a pool
 * belonging to the thread that entered it, for as long as that thread
 * lives: entered from a host's worker thread (or its main thread, while
 * exporting), the pool would stay in the host's process for good, and
 * lv2lint's child process never exited because of it (issue 9). So the
 * load runs in a thread of our own that ends right after it, and that
 * thread asks OpenMP for one thread: the number of threads is a setting
 * of the thread that sets it (OpenMP's nthreads-var belongs to each
 * thread's data environment), so the host's own threads are untouched,
 * and the region runs on our thread alone: no pool is started at all.
 * (With a pool, its threads outlived our thread by a moment under load,
 * so the next load's thread found no malloc arena free and made a new
 * one: the soak test saw the process grow 9 MB.) omp_set_num_threads is
 * looked up in the process rather than linked: it is there when
 * FluidSynth was built with OpenMP, and then only. Nothing process-wide
 * (OMP_NUM_THREADS, the environment) is touched. */
typedef struct {
    fluid_synth_t *synth;
    const char *path;
    int id;
} cad_synth_loader;

static void cad_synth_one_omp_thread(void)
{
    void (*set_threads)(int);
    void *sym = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    memcpy(&set_threads, &sym, sizeof set_threads);
    if (set_threads)
        set_threads(1);
}

static void *cad_synth_load_thread(void *arg)
{
    cad_synth_loader *l = arg;
    cad_synth_one_omp_thread();
    log_owner = pthread_self();
    atomic_store_explicit(&log_capturing, 1, memory_order_release);
    l->id = fluid_synth_sfload(l->synth, l->path, 1);
    atomic_store_explicit(&log_capturing, 0, memory_order_release);
    return NULL;
}

static int cad_synth_load(cad_synth *s, const char *path, cad_error *e)
{
    if (cad_synth_check_sf2(path, e) != 0)
        return -1;
    pthread_mutex_lock(&load_lock);
    log_msg[0] = '\0';
    cad_synth_loader l = {s->synth, path, FLUID_FAILED};
    pthread_t t;
    int err = pthread_create(&t, NULL, cad_synth_load_thread, &l);
    if (err == 0)
        pthread_join(t, NULL);
    int rc = 0;
    if (err != 0)
        rc = cad_error_set(e, "soundfont %s: cannot start its loading "
                              "thread (%s)", path, strerror(err));
    else if (l.id == FLUID_FAILED)
        rc = cad_error_set(e, "soundfont %s: FluidSynth cannot load it (%s)",
                           path, log_msg[0] ? log_msg : "corrupt file?");
    pthread_mutex_unlock(&load_lock);
    return rc;
}

/* ---- lifetime ------------------------------------------------------- */

cad_synth *cad_synth_new(double rate, const char *soundfont, int effects,
                         cad_error *e)
{
    pthread_once(&log_once, cad_synth_log_install);

    cad_synth *s = calloc(1, sizeof *s);
    if (!s) {
        cad_error_set(e, "synth: out of memory");
        return NULL;
    }
    s->settings = new_fluid_settings();
    if (!s->settings) {
        cad_error_set(e, "synth: FluidSynth cannot create its settings");
        goto fail;
    }
    /* Ask FluidSynth for its own limits: 2.3 stops at 96 kHz, and a later
     * version may allow more. */
    double lo = 0, hi = 0;
    fluid_settings_getnum_range(s->settings, "synth.sample-rate", &lo, &hi);
    if (!(rate >= lo && rate <= hi)) {
        cad_error_set(e, "synth: sample rate %g Hz is outside FluidSynth's "
                         "range %g..%g Hz", rate, lo, hi);
        goto fail;
    }
    fluid_settings_setnum(s->settings, "synth.sample-rate", rate);
    fluid_settings_setint(s->settings, "synth.reverb.active", effects != 0);
    fluid_settings_setint(s->settings, "synth.chorus.active", effects != 0);
    /* Callers serialise every call themselves (the plugin from its one
     * audio thread), so FluidSynth's per-call mutex is pure overhead. */
    fluid_settings_setint(s->settings, "synth.threadsafe-api", 0);
    fluid_settings_setint(s->settings, "synth.cpu-cores", 1);
    /* Load all samples up front: lazy loading would read the disk from
     * inside a note-on. */
    fluid_settings_setint(s->settings, "synth.dynamic-sample-loading", 0);

    s->synth = new_fluid_synth(s->settings);
    if (!s->synth) {
        cad_error_set(e, "synth: FluidSynth cannot create a synth at %g Hz",
                      rate);
        goto fail;
    }
    if (soundfont && cad_synth_load(s, soundfont, e) != 0)
        goto fail;
    return s;

fail:
    cad_synth_free(s);
    return NULL;
}

void cad_synth_free(cad_synth *s)
{
    if (!s)
        return;
    if (s->synth)
        delete_fluid_synth(s->synth);
    if (s->settings)
        delete_fluid_settings(s->settings);
    free(s);
}

/* ---- events --------------------------------------------------------- */

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void cad_synth_note_on(cad_synth *s, int chan, int key, int vel)
{
    fluid_synth_noteon(s->synth, clampi(chan, 0, 15), clampi(key, 0, 127),
                       clampi(vel, 0, 127));
}

void cad_synth_note_off(cad_synth *s, int chan, int key)
{
    fluid_synth_noteoff(s->synth, clampi(chan, 0, 15), clampi(key, 0, 127));
}

void cad_synth_program(cad_synth *s, int chan, int program)
{
    fluid_synth_program_change(s->synth, clampi(chan, 0, 15),
                               clampi(program, 0, 127));
}

void cad_synth_cc(cad_synth *s, int chan, int cc, int value)
{
    fluid_synth_cc(s->synth, clampi(chan, 0, 15), clampi(cc, 0, 127),
                   clampi(value, 0, 127));
}

/* Not yet in cad_synth.h (see the report); cad_render.c declares it. */
void cad_synth_pitch_bend(cad_synth *s, int chan, int value);
void cad_synth_pitch_bend(cad_synth *s, int chan, int value)
{
    fluid_synth_pitch_bend(s->synth, clampi(chan, 0, 15),
                           clampi(value, 0, 16383));
}

void cad_synth_all_notes_off(cad_synth *s)
{
    /* Channel -1: every channel. Notes enter their release phase (and the
     * sustain pedal is honoured) rather than being cut with a click. */
    fluid_synth_all_notes_off(s->synth, -1);
}

void cad_synth_gain(cad_synth *s, float gain)
{
    if (!(gain >= 0.0f)) /* also catches NaN */
        gain = 0.0f;
    if (gain > 10.0f)
        gain = 10.0f;
    fluid_synth_set_gain(s->synth, gain);
}

void cad_synth_render(cad_synth *s, int n, float *left, float *right)
{
    if (n <= 0)
        return;
    fluid_synth_write_float(s->synth, n, left, 0, 1, right, 0, 1);
}
