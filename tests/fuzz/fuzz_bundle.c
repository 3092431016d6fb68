/* The host's bundle (see fuzz_host.h): a temporary directory with tiny
 * models and a tiny soundfont, made once per process and removed at exit,
 * so that instantiating the plugin costs about a millisecond rather than
 * the 150 ms or more that the shipped model and two loads of the system's
 * General MIDI soundfont (150 MB) take. */
#include "fuzz_host.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cad_model.h"
#include "cad_synth.h"

static const char *const file_names[FZ_N_FILES] = {
    "default.safetensors", "other.safetensors", "fast.safetensors",
    "badkeys.safetensors", "tiny.sf2",          "missing.sf2",
    "copy.sf2",
};
static char bundle[256];
static char empty[300];
static char files[FZ_N_FILES][300];

static void write_model(const char *path, int n_keys, int low_key,
                        cad_head_kind head, double step_beats,
                        double step_seconds)
{
    cad_model_config c;
    cad_model_config_default(&c);
    c.n_in = c.n_out = n_keys;
    c.n_layers = 1;
    c.hidden[0] = 8;
    c.head = head;
    c.loss = head == CAD_HEAD_SOFTMAX ? CAD_LOSS_CE : CAD_LOSS_BCE;
    c.nade_hidden = 4;
    c.step_beats = step_beats;
    c.step_seconds = step_seconds;
    c.low_key = low_key;
    cad_model *m;
    cad_error e;
    if (cad_model_new(&c, 7, &m, &e) != 0 ||
        cad_model_save(m, path, &e) != 0) {
        fprintf(stderr, "fuzz host: cannot write %s: %s\n", path, e.msg);
        abort();
    }
    cad_model_free(m);
}

/* SoundFont 2, the least FluidSynth loads: one preset (bank 0, program
 * 0) with one instrument with one looped sample, a triangle wave. */
typedef struct {
    uint8_t b[2048];
    size_t n;
} sf_buf;

static void sf_put(sf_buf *b, const void *p, size_t n)
{
    if (b->n + n > sizeof b->b)
        abort();
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void sf_le(sf_buf *b, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        uint8_t c = (uint8_t)(v >> (8 * i));
        sf_put(b, &c, 1);
    }
}

static void sf_name(sf_buf *b, const char *s)
{
    char name[20] = {0};
    memcpy(name, s, strlen(s));
    sf_put(b, name, sizeof name);
}

static size_t sf_begin(sf_buf *b, const char *id, const char *list)
{
    sf_put(b, id, 4);
    size_t at = b->n;
    sf_le(b, 0, 4);
    if (list)
        sf_put(b, list, 4);
    return at;
}

static void sf_end(sf_buf *b, size_t at)
{
    uint32_t size = (uint32_t)(b->n - at - 4);
    for (int i = 0; i < 4; i++)
        b->b[at + (size_t)i] = (uint8_t)(size >> (8 * i));
}

static void write_sf2(const char *path)
{
    enum { LEN = 256, PAD = 46 }; /* the spec's 46 zero points follow */
    sf_buf b = {{0}, 0};
    size_t riff = sf_begin(&b, "RIFF", "sfbk");
    size_t l = sf_begin(&b, "LIST", "INFO"), c;
    c = sf_begin(&b, "ifil", NULL);
    sf_le(&b, 2, 2);
    sf_le(&b, 1, 2);
    sf_end(&b, c);
    c = sf_begin(&b, "isng", NULL);
    sf_put(&b, "EMU8000", 8);
    sf_end(&b, c);
    c = sf_begin(&b, "INAM", NULL);
    sf_put(&b, "cadfuzz", 8);
    sf_end(&b, c);
    sf_end(&b, l);

    l = sf_begin(&b, "LIST", "sdta");
    c = sf_begin(&b, "smpl", NULL);
    for (int i = 0; i < LEN + PAD; i++) {
        int v = i < LEN ? (i % 32 < 16 ? i % 32 : 32 - i % 32) * 1000 - 8000
                        : 0;
        sf_le(&b, (uint32_t)(uint16_t)(int16_t)v, 2);
    }
    sf_end(&b, c);
    sf_end(&b, l);

    l = sf_begin(&b, "LIST", "pdta");
    c = sf_begin(&b, "phdr", NULL); /* name, program, bank, bag, 3 x 0 */
    sf_name(&b, "tiny");
    sf_le(&b, 0, 2), sf_le(&b, 0, 2), sf_le(&b, 0, 2);
    sf_le(&b, 0, 4), sf_le(&b, 0, 4), sf_le(&b, 0, 4);
    sf_name(&b, "EOP");
    sf_le(&b, 0, 2), sf_le(&b, 0, 2), sf_le(&b, 1, 2);
    sf_le(&b, 0, 4), sf_le(&b, 0, 4), sf_le(&b, 0, 4);
    sf_end(&b, c);
    c = sf_begin(&b, "pbag", NULL); /* first generator, first modulator */
    sf_le(&b, 0, 2), sf_le(&b, 0, 2), sf_le(&b, 1, 2), sf_le(&b, 0, 2);
    sf_end(&b, c);
    c = sf_begin(&b, "pmod", NULL); /* just the terminal record */
    sf_le(&b, 0, 4), sf_le(&b, 0, 4), sf_le(&b, 0, 2);
    sf_end(&b, c);
    c = sf_begin(&b, "pgen", NULL); /* instrument (41) = 0; terminal */
    sf_le(&b, 41, 2), sf_le(&b, 0, 2), sf_le(&b, 0, 4);
    sf_end(&b, c);
    c = sf_begin(&b, "inst", NULL);
    sf_name(&b, "tiny");
    sf_le(&b, 0, 2);
    sf_name(&b, "EOI");
    sf_le(&b, 1, 2);
    sf_end(&b, c);
    c = sf_begin(&b, "ibag", NULL);
    sf_le(&b, 0, 2), sf_le(&b, 0, 2), sf_le(&b, 2, 2), sf_le(&b, 0, 2);
    sf_end(&b, c);
    c = sf_begin(&b, "imod", NULL);
    sf_le(&b, 0, 4), sf_le(&b, 0, 4), sf_le(&b, 0, 2);
    sf_end(&b, c);
    c = sf_begin(&b, "igen", NULL); /* sampleModes (54) = loop, sampleID */
    sf_le(&b, 54, 2), sf_le(&b, 1, 2), sf_le(&b, 53, 2), sf_le(&b, 0, 2);
    sf_le(&b, 0, 4);
    sf_end(&b, c);
    c = sf_begin(&b, "shdr", NULL); /* start, end, loop, rate, key 60 */
    sf_name(&b, "tiny");
    sf_le(&b, 0, 4), sf_le(&b, LEN, 4), sf_le(&b, 32, 4);
    sf_le(&b, LEN - 32, 4), sf_le(&b, 44100, 4);
    sf_le(&b, 60, 1), sf_le(&b, 0, 1), sf_le(&b, 0, 2), sf_le(&b, 1, 2);
    sf_name(&b, "EOS");
    for (int i = 0; i < 26; i++)
        sf_le(&b, 0, 1);
    sf_end(&b, c);
    sf_end(&b, l);
    sf_end(&b, riff);

    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b.b, 1, b.n, f) != b.n || fclose(f) != 0) {
        fprintf(stderr, "fuzz host: cannot write %s\n", path);
        abort();
    }
}

/* Two things in the libraries under FluidSynth cost more than an
 * iteration itself, so they are dealt with once per process:
 * - every new_fluid_synth() initialises libinstpatch, which registers its
 *   types again unless another synth still holds it, leaving a few dozen
 *   (reachable) allocations behind each time; libFuzzer then suspects a
 *   leak on every input and runs LeakSanitizer after each. One synth
 *   kept for the life of the process keeps libinstpatch initialised.
 * - Debian's FluidSynth loads soundfonts in an OpenMP parallel region,
 *   after which libgomp's threads spin for a while; one thread is plenty
 *   for a tiny soundfont (OMP_NUM_THREADS=1 would do, but only if set
 *   before libgomp loads). */
static cad_synth *keep_synth;

static void libraries_settle(void)
{
    cad_error e;
    keep_synth = cad_synth_new(48000, NULL, 0, &e);
    void *gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (gomp) {
        void *sym = dlsym(gomp, "omp_set_num_threads");
        void (*set_threads)(int);
        if (sym) {
            memcpy(&set_threads, &sym, sizeof set_threads);
            set_threads(1);
        }
        dlclose(gomp);
    }
}

static void bundle_remove(void)
{
    cad_synth_free(keep_synth);
    keep_synth = NULL;
    for (int i = 0; i < FZ_N_FILES; i++)
        unlink(files[i]);
    rmdir(empty);
    rmdir(bundle);
}

static void bundle_make(void)
{
    if (bundle[0])
        return;
    const char *tmp = getenv("TMPDIR");
    snprintf(bundle, sizeof bundle, "%s/cadenza-fuzz-XXXXXX",
             tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(bundle)) {
        perror("fuzz host: mkdtemp");
        abort();
    }
    snprintf(empty, sizeof empty, "%s/empty", bundle);
    if (mkdir(empty, 0700) != 0) {
        perror("fuzz host: mkdir");
        abort();
    }
    for (int i = 0; i < FZ_N_FILES; i++)
        snprintf(files[i], sizeof files[i], "%s/%s", bundle, file_names[i]);
    atexit(bundle_remove);
    libraries_settle();
    write_model(files[FZ_FILE_DEFAULT], 88, 21, CAD_HEAD_SIGMOID, 0.25, 0);
    write_model(files[FZ_FILE_OTHER], 128, 0, CAD_HEAD_NADE, 0, 0.3);
    write_model(files[FZ_FILE_FAST], 12, 60, CAD_HEAD_SOFTMAX, 0.001, 0);
    write_model(files[FZ_FILE_BADKEYS], 88, 100, CAD_HEAD_SIGMOID, 0.5, 0);
    write_sf2(files[FZ_FILE_SF2]);
    write_sf2(files[FZ_FILE_SF2_COPY]);
}

const char *fz_bundle_dir(void)
{
    bundle_make();
    return bundle;
}

const char *fz_empty_dir(void)
{
    bundle_make();
    return empty;
}

const char *fz_file(int which)
{
    bundle_make();
    return files[which];
}

/* The plugin's instantiate() loads "the system's soundfont": with
 * -Wl,--wrap=cad_synth_default_soundfont its call lands here. */
const char *__wrap_cad_synth_default_soundfont(void);
const char *__wrap_cad_synth_default_soundfont(void)
{
    return fz_file(FZ_FILE_SF2);
}
