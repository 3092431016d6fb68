/* Private to model/: what cad_safetensors.c (reading) and
 * cad_safetensors_write.c (writing, building, querying) share.
 *
 * The writer refuses everything the loader would reject, so the name,
 * UTF-8 and shape checks live once, in cad_safetensors.c, and are used by
 * both; the byte-order helpers are tiny and inline here. */
#ifndef CAD_SAFETENSORS_PRIV_H
#define CAD_SAFETENSORS_PRIV_H

#include <stdint.h>

#include "cad_error.h"
#include "cad_safetensors.h"

#define CAD_ST_MAX_NAME 1024                /* bytes, for names and keys */
#define CAD_ST_MAX_EXACT 9007199254740992.0 /* 2^53: JSON numbers are doubles */
#define CAD_ST_MAX_NUMEL (INT64_MAX / 4)

/* All byte order handling goes through these, built from shifts, so the
 * code is correct on big-endian hosts too. */
static inline uint64_t cad_st_get(const uint8_t *p, int nbytes)
{
    uint64_t v = 0;
    for (int i = nbytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline void cad_st_put(uint8_t *p, uint64_t v, int nbytes)
{
    for (int i = 0; i < nbytes; i++, v >>= 8)
        p[i] = (uint8_t)(v & 0xff);
}

/* Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF);
 * 1 if s is valid. */
int cad_st_utf8_ok(const char *s);
/* Non-empty, at most CAD_ST_MAX_NAME bytes, valid UTF-8; kind ("tensor",
 * "__metadata__ key") names the thing in the message. */
int cad_st_check_name(const char *name, const char *kind, cad_error *e);
/* Checks ndim and every dimension; returns numel, or -1 with a message. */
int64_t cad_st_shape_numel(const char *name, int ndim, const int64_t *shape,
                           cad_error *e);

#endif
