#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
