/* The Boulanger-Lewandowski benchmark JSON: {"train": [piece...], ...}
 * where a piece is a list of frames and a frame a list of MIDI pitches.
 * Parsed with cJSON, then checked strictly: a wrong shape or a pitch off the
 * 88-key range is an error that says where, never a silently odd roll. */
#include "cad_roll.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_file.h"
#include "cad_json_scan.h"

/* The benchmark files nest 4 deep ({split: [piece: [frame: [pitch]]]}). */
#define CAD_ROLL_JSON_MAX_DEPTH 64

/* 5x the largest benchmark file; cJSON needs ~30x the text in memory for a
 * file of tiny numbers, so this also bounds what a hostile file costs. */
#define CAD_ROLL_JSON_MAX_BYTES (16u << 20)

/* "a", "b", "c" of an object, for the missing-split message. */
static void list_keys(const cJSON *obj, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (const cJSON *c = obj->child; c && n + 8 < cap; c = c->next) {
        const char *k = c->string ? c->string : "";
        if (n)
            out[n++] = ',', out[n++] = ' ';
        out[n++] = '"';
        for (size_t i = 0; k[i] && n + 6 < cap; i++)
            out[n++] = (unsigned char)k[i] < 0x20 ? '?' : k[i];
        out[n++] = '"';
        out[n] = '\0';
    }
    if (!obj->child)
        snprintf(out, cap, "none");
}

static int read_piece(const cJSON *piece, int pi, cad_roll *r, cad_error *e)
{
    if (!cJSON_IsArray(piece))
        return cad_error_set(e, "piece %d is not a list of frames", pi);
    int n = cJSON_GetArraySize(piece);
    if (n < 1)
        return cad_error_set(e, "piece %d has no frames", pi);
    if (cad_roll_init(r, n, e))
        return cad_error_prefix(e, "piece %d", pi);
    int t = 0;
    for (const cJSON *fr = piece->child; fr; fr = fr->next, t++) {
        if (!cJSON_IsArray(fr))
            return cad_error_set(e, "piece %d frame %d is not a list of "
                                    "pitches", pi, t);
        for (const cJSON *p = fr->child; p; p = p->next) {
            if (!cJSON_IsNumber(p))
                return cad_error_set(e, "piece %d frame %d: a pitch is not "
                                        "a number", pi, t);
            /* Range first: converting an out-of-range double to int is
             * undefined behaviour. */
            double v = p->valuedouble;
            if (!(v >= CAD_ROLL_LOW && v < CAD_ROLL_LOW + CAD_ROLL_KEYS) ||
                v != floor(v))
                return cad_error_set(e, "piece %d frame %d: pitch %g is not "
                                        "an integer in %d..%d", pi, t, v,
                                     CAD_ROLL_LOW,
                                     CAD_ROLL_LOW + CAD_ROLL_KEYS - 1);
            r->on[(size_t)t * CAD_ROLL_KEYS + (size_t)v - CAD_ROLL_LOW] = 1;
        }
    }
    return 0;
}

int cad_roll_parse_json(const char *text, size_t len, const char *split,
                        cad_roll_set *out, cad_error *e)
{
    out->pieces = NULL;
    out->n = 0;
    if (!text || len == 0)
        return cad_error_set(e, "empty JSON text");
    if (len > CAD_ROLL_JSON_MAX_BYTES)
        return cad_error_set(e, "%zu bytes of JSON: more than the %u we "
                                "accept", len, CAD_ROLL_JSON_MAX_BYTES);
    if (memchr(text, '\0', len))
        return cad_error_set(e, "NUL byte in JSON text");
    /* cJSON stops at 1000 levels and calls it a syntax error. */
    cad_json_shape js;
    cad_json_scan(text, len, CAD_ROLL_JSON_MAX_DEPTH, (long)len + 1, &js);
    if (js.depth > CAD_ROLL_JSON_MAX_DEPTH)
        return cad_error_set(e, "JSON nested too deeply (more than %d "
                                "levels; piano-roll data has 4)",
                             CAD_ROLL_JSON_MAX_DEPTH);
    /* Older cJSON releases (before 1.7.18) can read a byte or two past the
     * end of a malformed string: parse a copy padded with NULs. */
    enum { PAD = 8 };
    char *copy = calloc(len + PAD, 1);
    if (!copy)
        return cad_error_set(e, "out of memory (%zu bytes of JSON)", len);
    memcpy(copy, text, len);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(copy, &end, 1);
    size_t at = end && end >= copy ? (size_t)(end - copy) : 0;
    free(copy);
    if (!root)
        return cad_error_set(e, "invalid JSON near byte %zu", at);
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        rc = cad_error_set(e, "top level is not an object "
                              "({\"train\": [...], ...})");
        goto done;
    }
    const cJSON *pieces = cJSON_GetObjectItemCaseSensitive(root, split);
    if (!pieces) {
        char keys[256];
        list_keys(root, keys, sizeof keys);
        rc = cad_error_set(e, "no split \"%s\" (keys: %s)", split, keys);
        goto done;
    }
    if (!cJSON_IsArray(pieces)) {
        rc = cad_error_set(e, "\"%s\" is not a list of pieces", split);
        goto done;
    }
    int pi = 0;
    for (const cJSON *p = pieces->child; p; p = p->next, pi++) {
        cad_roll r = {0, NULL};
        if (read_piece(p, pi, &r, e) || cad_roll_set_push(out, &r, e)) {
            cad_roll_free(&r);
            rc = cad_error_prefix(e, "\"%s\"", split);
            goto done;
        }
    }
    if (out->n == 0)
        rc = cad_error_set(e, "\"%s\" holds no pieces", split);
done:
    cJSON_Delete(root);
    if (rc)
        cad_roll_set_free(out);
    return rc;
}

int cad_roll_load_json(const char *path, const char *split,
                       cad_roll_set *out, cad_error *e)
{
    out->pieces = NULL;
    out->n = 0;
    uint8_t *data;
    size_t len;
    if (cad_file_read_all(path, CAD_ROLL_JSON_MAX_BYTES, &data, &len, e))
        return -1;
    int rc = cad_roll_parse_json((const char *)data, len, split, out, e);
    free(data);
    return rc ? cad_error_prefix(e, "%s", path) : 0;
}

double cad_roll_json_step_guess(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strstr(base, "jsb") || strstr(base, "JSB") ? 1.0 : 0.5;
}
