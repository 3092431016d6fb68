#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cad_file.h"

int cad_cli_int(const char *cmd, const char *opt, const char *s, long lo,
                long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "cadenza %s: --%s: '%s' is not a whole number in "
                        "[%ld, %ld]\n", cmd, opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cad_cli_double(const char *cmd, const char *opt, const char *s,
                   double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !isfinite(v) || v < lo ||
        v > hi) {
        fprintf(stderr, "cadenza %s: --%s: '%s' is not a number in "
                        "[%g, %g]\n", cmd, opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

const char *cad_cli_default_model(void)
{
    const char *env = getenv("CADENZA_MODEL");
    if (env && *env)
        return env;
#ifdef CAD_DATADIR
    if (access(CAD_DATADIR "/default.safetensors", R_OK) == 0)
        return CAD_DATADIR "/default.safetensors";
#endif
    return "presets/default.safetensors";
}

/* An output that is one of the files directly inside the input folder
 * dir (a MIDI file of the training data, its train.txt list). */
static const char *clash_in_folder(const char *dir, const char *out,
                                   char *buf, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    const char *hit = NULL;
    struct dirent *de;
    while (!hit && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(buf, cap, "%s/%s", dir, de->d_name);
        if (cad_file_same(buf, out))
            hit = buf;
    }
    closedir(d);
    return hit;
}

int cad_cli_check_paths(const char *cmd, const char *const *in, int n_in,
                        const char *const *out, int n_out)
{
    for (int o = 0; o < n_out; o++) {
        cad_error e;
        if (cad_file_check_output(out[o], &e)) {
            fprintf(stderr, "cadenza %s: %s\n", cmd, e.msg);
            return -1;
        }
        for (int i = 0; i < n_in; i++) {
            char buf[8192];
            struct stat st;
            const char *hit = NULL;
            if (cad_file_same(in[i], out[o]))
                hit = in[i];
            else if (stat(in[i], &st) == 0 && S_ISDIR(st.st_mode))
                hit = clash_in_folder(in[i], out[o], buf, sizeof buf);
            if (hit) {
                fprintf(stderr, "cadenza %s: the output %s is the input %s; "
                                "refusing to overwrite it\n", cmd, out[o],
                        hit);
                return -1;
            }
        }
        for (int p = 0; p < o; p++)
            if (cad_file_same(out[p], out[o])) {
                fprintf(stderr, "cadenza %s: the outputs %s and %s are the "
                                "same file\n", cmd, out[p], out[o]);
                return -1;
            }
    }
    return 0;
}
