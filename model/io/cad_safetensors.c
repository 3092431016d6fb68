/* safetensors reading: cad_st_parse, cad_st_load, and the validation
 * helpers the writer shares (declared in cad_safetensors_priv.h). Writing,
 * building and querying are in cad_safetensors_write.c; the split keeps
 * each half readable in one sitting.
 *
 * Layout of a file: u64 little-endian N, then N bytes of JSON header
 * (padded with spaces), then the data area. Each header entry gives a
 * dtype, a shape and [start, end) byte offsets into the data area.
 *
 * The loader trusts nothing: every length, offset and number in the file
 * is checked before it is used, so a truncated or hostile file gives a
 * one-line message and never a crash or a huge allocation. Memory use is
 * bounded by the file: cJSON's tree for the header, plus at most two f32
 * bytes for every data byte (F16 and BF16 widen to f32).
 *
 * All byte order handling goes through cad_st_get/put (in the private
 * header), built from shifts, so the code is correct on big-endian hosts
 * too. */
#include "cad_safetensors.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cad_file.h"
#include "cad_json_scan.h"
#include "cad_safetensors_priv.h"

/* A real header is a few kilobytes: the shipped 2x256 model's is 1.6 kB,
 * one of the largest models we build (8 layers, NADE, optimiser state in a
 * checkpoint, 4 kB of provenance) stays under 10 kB. 1 MiB leaves room for
 * any exporter's metadata; its JSON tree is bounded separately. */
#define CAD_ST_MAX_HEADER (1u << 20)
#define CAD_ST_MAX_HEADER_DEPTH 4       /* {name: {"shape": [..]}} is 3 */
#define CAD_ST_MAX_HEADER_VALUES 65536  /* about 4 MB of cJSON tree */
#define CAD_ST_MAX_FILE ((size_t)1 << 31)   /* 2 GiB: far above any model */

/* ---- little helpers --------------------------------------------------- */

/* IEEE half: 1 sign, 5 exponent (bias 15), 10 mantissa bits. Every half
 * is exactly representable as a float, so this conversion is exact. */
static float cad_st_f16_to_f32(uint16_t h)
{
    int exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)man, -24); /* zero and subnormals */
    else if (exp == 31)
        v = man ? NAN : INFINITY;
    else
        v = ldexpf((float)(man | 0x400), exp - 25);
    return (h & 0x8000) ? -v : v;
}

/* bfloat16 is the top half of an f32. */
static float cad_st_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static float cad_st_f32_from_bits(uint32_t bits)
{
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
int cad_st_utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int n;
        uint32_t cp, min;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        for (int i = 1; i <= n; i++) { /* stops at a NUL: 0 is no 10xxxxxx */
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* Names of tensors (kind = "tensor") and metadata keys. */
int cad_st_check_name(const char *name, const char *kind, cad_error *e)
{
    size_t n = strlen(name);
    if (n == 0)
        return cad_error_set(e, "empty %s name", kind);
    if (n > CAD_ST_MAX_NAME)
        return cad_error_set(e, "%s name '%.40s...' is too long (%zu bytes, "
                             "limit %d)", kind, name, n, CAD_ST_MAX_NAME);
    if (!cad_st_utf8_ok(name))
        return cad_error_set(e, "%s name is not valid UTF-8", kind);
    return 0;
}

static int cad_st_strcmp_p(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts a copy of names; returns the first duplicated one, or NULL. Also
 * returns NULL (and sets *oom) if the copy cannot be made. */
static const char *cad_st_find_dup(char *const *names, int n, int *oom)
{
    *oom = 0;
    if (n < 2)
        return NULL;
    const char **s = malloc((size_t)n * sizeof *s);
    if (!s) {
        *oom = 1;
        return NULL;
    }
    memcpy(s, names, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cad_st_strcmp_p);
    const char *dup = NULL;
    for (int i = 1; i < n && !dup; i++)
        if (strcmp(s[i - 1], s[i]) == 0)
            dup = s[i];
    free(s);
    return dup;
}

/* A JSON number that must be a non-negative integer exactly representable
 * in a double (the reference writer uses u64; beyond 2^53 precision is
 * already lost, and no real file gets there). */
static int cad_st_json_uint(const cJSON *j, uint64_t *out, const char *tname,
                            const char *what, cad_error *e)
{
    if (!cJSON_IsNumber(j))
        return cad_error_set(e, "tensor '%s': %s entries must be numbers",
                             tname, what);
    double d = j->valuedouble;
    if (d < 0)
        return cad_error_set(e, "tensor '%s': negative %s entry %g", tname,
                             what, d);
    if (!(d <= CAD_ST_MAX_EXACT))
        return cad_error_set(e, "tensor '%s': %s entry %g is too large",
                             tname, what, d);
    if (d != floor(d))
        return cad_error_set(e, "tensor '%s': %s entry %g is not an integer",
                             tname, what, d);
    *out = (uint64_t)d;
    return 0;
}

/* Shape checks shared by the loader, cad_st_add and the writer; returns
 * numel, or -1 with a message. A zero anywhere makes an empty tensor,
 * whatever the other dims. */
int64_t cad_st_shape_numel(const char *name, int ndim, const int64_t *shape,
                           cad_error *e)
{
    if (ndim < 0 || ndim > CAD_ST_MAX_DIMS)
        return cad_error_set(e, "tensor '%s': %d dimensions, at most %d "
                             "supported", name, ndim, CAD_ST_MAX_DIMS);
    int64_t numel = 1;
    for (int k = 0; k < ndim; k++)
        if (shape[k] < 0 || (double)shape[k] > CAD_ST_MAX_EXACT)
            return cad_error_set(e, "tensor '%s': bad dimension %lld", name,
                                 (long long)shape[k]);
    for (int k = 0; k < ndim; k++) {
        if (shape[k] == 0)
            return 0;
        if (numel > CAD_ST_MAX_NUMEL / shape[k])
            return cad_error_set(e, "tensor '%s': shape product overflows",
                                 name);
        numel *= shape[k];
    }
    return numel;
}

/* ---- parsing ---------------------------------------------------------- */

typedef struct {
    uint64_t start, end;
    int idx;
} cad_st_range;

static int cad_st_range_cmp(const void *a, const void *b)
{
    const cad_st_range *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->idx - y->idx;
}

/* One header entry: validate it against the data area, then convert its
 * bytes to f32 into t. */
static int cad_st_parse_tensor(const cJSON *item, const uint8_t *data,
                               uint64_t dlen, cad_st_tensor *t,
                               cad_st_range *r, cad_error *e)
{
    const char *name = item->string;
    if (cad_st_check_name(name, "tensor", e) != 0)
        return -1;
    if (!(t->name = strdup(name)))
        return cad_error_set(e, "out of memory");
    if (!cJSON_IsObject(item))
        return cad_error_set(e, "tensor '%s': entry must be a JSON object",
                             name);

    const cJSON *jd = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!jd)
        return cad_error_set(e, "tensor '%s': missing \"dtype\"", name);
    if (!js)
        return cad_error_set(e, "tensor '%s': missing \"shape\"", name);
    if (!jo)
        return cad_error_set(e, "tensor '%s': missing \"data_offsets\"", name);
    if (!cJSON_IsString(jd))
        return cad_error_set(e, "tensor '%s': \"dtype\" must be a string",
                             name);
    if (!cJSON_IsArray(js))
        return cad_error_set(e, "tensor '%s': \"shape\" must be an array",
                             name);
    if (!cJSON_IsArray(jo) || cJSON_GetArraySize(jo) != 2)
        return cad_error_set(e, "tensor '%s': \"data_offsets\" must be an "
                             "array of two integers", name);

    const char *dtype = jd->valuestring;
    int esize;
    if (strcmp(dtype, "F32") == 0)
        esize = 4;
    else if (strcmp(dtype, "F16") == 0 || strcmp(dtype, "BF16") == 0)
        esize = 2;
    else
        return cad_error_set(e, "tensor '%s': unsupported dtype '%.32s' "
                             "(supported: F32, F16, BF16)", name, dtype);

    int ndim = cJSON_GetArraySize(js);
    if (ndim > CAD_ST_MAX_DIMS)
        return cad_error_set(e, "tensor '%s': %d dimensions, at most %d "
                             "supported", name, ndim, CAD_ST_MAX_DIMS);
    t->ndim = ndim;
    int k = 0;
    const cJSON *j;
    cJSON_ArrayForEach(j, js) {
        uint64_t d;
        if (cad_st_json_uint(j, &d, name, "shape", e) != 0)
            return -1;
        t->shape[k++] = (int64_t)d;
    }
    if ((t->numel = cad_st_shape_numel(name, ndim, t->shape, e)) < 0)
        return -1;

    uint64_t start, end;
    if (cad_st_json_uint(jo->child, &start, name, "data_offsets", e) != 0 ||
        cad_st_json_uint(jo->child->next, &end, name, "data_offsets", e) != 0)
        return -1;
    if (end < start)
        return cad_error_set(e, "tensor '%s': data_offsets end %llu is "
                             "before start %llu", name,
                             (unsigned long long)end,
                             (unsigned long long)start);
    if (end > dlen)
        return cad_error_set(e, "tensor '%s': data_offsets [%llu, %llu] "
                             "outside the data area (%llu bytes)", name,
                             (unsigned long long)start,
                             (unsigned long long)end,
                             (unsigned long long)dlen);
    uint64_t want = (uint64_t)t->numel * (uint64_t)esize;
    if (end - start != want)
        return cad_error_set(e, "tensor '%s': data_offsets give %llu bytes "
                             "but %lld %s values need %llu", name,
                             (unsigned long long)(end - start),
                             (long long)t->numel, dtype,
                             (unsigned long long)want);
    r->start = start;
    r->end = end;

    /* numel <= dlen / 2 here, so this allocation is bounded by the file. */
    t->data = malloc(t->numel ? (size_t)t->numel * sizeof(float) : 1);
    if (!t->data)
        return cad_error_set(e, "tensor '%s': out of memory", name);
    const uint8_t *p = data + start;
    for (int64_t i = 0; i < t->numel; i++, p += esize) {
        float v;
        if (esize == 4)
            v = cad_st_f32_from_bits((uint32_t)cad_st_get(p, 4));
        else if (dtype[0] == 'F')
            v = cad_st_f16_to_f32((uint16_t)cad_st_get(p, 2));
        else
            v = cad_st_bf16_to_f32((uint16_t)cad_st_get(p, 2));
        if (!isfinite(v))
            return cad_error_set(e, "tensor '%s': non-finite value (NaN or "
                                 "Inf) at index %lld", name, (long long)i);
        t->data[i] = v;
    }
    return 0;
}

static int cad_st_parse_meta(const cJSON *m, cad_st_file *out, cad_error *e)
{
    if (!cJSON_IsObject(m))
        return cad_error_set(e, "__metadata__ must be a JSON object");
    int n = cJSON_GetArraySize(m);
    out->meta_keys = calloc((size_t)n + 1, sizeof *out->meta_keys);
    out->meta_vals = calloc((size_t)n + 1, sizeof *out->meta_vals);
    if (!out->meta_keys || !out->meta_vals)
        return cad_error_set(e, "out of memory");
    const cJSON *j;
    cJSON_ArrayForEach(j, m) {
        if (!cJSON_IsString(j))
            return cad_error_set(e, "__metadata__ value of '%.200s' must be "
                                 "a string", j->string);
        if (cad_st_check_name(j->string, "__metadata__ key", e) != 0)
            return -1;
        if (!cad_st_utf8_ok(j->valuestring))
            return cad_error_set(e, "__metadata__ value of '%.200s' is not "
                                 "valid UTF-8", j->string);
        int k = out->n_meta++;
        out->meta_keys[k] = strdup(j->string);
        out->meta_vals[k] = strdup(j->valuestring);
        if (!out->meta_keys[k] || !out->meta_vals[k])
            return cad_error_set(e, "out of memory");
    }
    int oom;
    const char *dup = cad_st_find_dup(out->meta_keys, out->n_meta, &oom);
    if (oom)
        return cad_error_set(e, "out of memory");
    if (dup)
        return cad_error_set(e, "duplicate __metadata__ key '%.200s'", dup);
    return 0;
}

/* The body of cad_st_parse once the header JSON is in hand. */
static int cad_st_parse_root(const cJSON *root, const uint8_t *data,
                             uint64_t dlen, cad_st_file *out, cad_error *e)
{
    if (!cJSON_IsObject(root))
        return cad_error_set(e, "header is not a JSON object");
    int n = 0, n_meta = 0;
    const cJSON *j;
    cJSON_ArrayForEach(j, root) {
        if (strcmp(j->string, "__metadata__") == 0)
            n_meta++;
        else
            n++;
    }
    if (n_meta > 1)
        return cad_error_set(e, "header has more than one __metadata__");
    out->tensors = calloc((size_t)n + 1, sizeof *out->tensors);
    cad_st_range *ranges = calloc((size_t)n + 1, sizeof *ranges);
    char **names = calloc((size_t)n + 1, sizeof *names);
    int rc = -1;
    if (!out->tensors || !ranges || !names) {
        cad_error_set(e, "out of memory");
        goto done;
    }
    cJSON_ArrayForEach(j, root) {
        if (strcmp(j->string, "__metadata__") == 0) {
            if (cad_st_parse_meta(j, out, e) != 0)
                goto done;
            continue;
        }
        /* Counted before it is filled, so cad_st_free frees a half-built
         * tensor too. */
        int k = out->n_tensors++;
        ranges[k].idx = k;
        if (cad_st_parse_tensor(j, data, dlen, &out->tensors[k], &ranges[k],
                                e) != 0)
            goto done;
        names[k] = out->tensors[k].name;
    }

    int oom;
    const char *dup = cad_st_find_dup(names, n, &oom);
    if (oom) {
        cad_error_set(e, "out of memory");
        goto done;
    }
    if (dup) {
        cad_error_set(e, "duplicate tensor name '%.200s'", dup);
        goto done;
    }
    /* Sorted by start, a tensor overlaps an earlier one iff it starts
     * before the furthest end seen so far. Empty tensors own no bytes. */
    qsort(ranges, (size_t)n, sizeof *ranges, cad_st_range_cmp);
    uint64_t far = 0;
    int far_idx = -1;
    for (int k = 0; k < n; k++) {
        if (ranges[k].start == ranges[k].end)
            continue;
        if (far_idx >= 0 && ranges[k].start < far) {
            cad_error_set(e, "tensors '%.200s' and '%.200s' overlap in the "
                          "data area", out->tensors[far_idx].name,
                          out->tensors[ranges[k].idx].name);
            goto done;
        }
        far = ranges[k].end;
        far_idx = ranges[k].idx;
    }
    rc = 0;
done:
    free(ranges);
    free(names);
    return rc;
}

int cad_st_parse(const uint8_t *buf, size_t len, cad_st_file *out,
                 cad_error *e)
{
    memset(out, 0, sizeof *out);
    if (len < 8)
        return cad_error_set(e, "file too short (%zu bytes): a safetensors "
                             "file starts with an 8-byte header length", len);
    uint64_t hlen = cad_st_get(buf, 8);
    if (hlen > CAD_ST_MAX_HEADER)
        return cad_error_set(e, "header length %llu is absurd (limit %u "
                             "bytes)", (unsigned long long)hlen,
                             CAD_ST_MAX_HEADER);
    if (hlen > len - 8)
        return cad_error_set(e, "header length %llu is larger than the %zu "
                             "bytes left in the file",
                             (unsigned long long)hlen, len - 8);
    const char *hdr = (const char *)buf + 8, *end = NULL;
    /* The header's shape before cJSON builds a tree of it. */
    cad_json_shape js;
    cad_json_scan(hdr, (size_t)hlen, CAD_ST_MAX_HEADER_DEPTH,
                  CAD_ST_MAX_HEADER_VALUES, &js);
    if (js.depth > CAD_ST_MAX_HEADER_DEPTH)
        return cad_error_set(e, "header JSON is nested too deeply (more "
                             "than %d levels; a safetensors header has 3)",
                             CAD_ST_MAX_HEADER_DEPTH);
    if (js.values > CAD_ST_MAX_HEADER_VALUES)
        return cad_error_set(e, "header JSON holds too many values (more "
                             "than %d; a model's header has a few hundred)",
                             CAD_ST_MAX_HEADER_VALUES);
    cJSON *root = cJSON_ParseWithLengthOpts(hdr, (size_t)hlen, &end, 0);
    if (!root) {
        size_t at = end && end >= hdr ? (size_t)(end - hdr) : 0;
        return cad_error_set(e, "header is not valid JSON (near byte %zu of "
                             "%llu)", at, (unsigned long long)hlen);
    }
    /* The reference writer pads with spaces; anything else after the JSON
     * means the header length or the header is wrong. */
    for (const char *p = end; p < hdr + hlen; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            cJSON_Delete(root);
            return cad_error_set(e, "header has trailing bytes after the "
                                 "JSON (at byte %zu of %llu)",
                                 (size_t)(p - hdr), (unsigned long long)hlen);
        }
    }
    int rc = cad_st_parse_root(root, buf + 8 + hlen, len - 8 - hlen, out, e);
    cJSON_Delete(root);
    if (rc != 0)
        cad_st_free(out);
    return rc;
}

int cad_st_load(const char *path, cad_st_file *out, cad_error *e)
{
    uint8_t *buf;
    size_t len;
    memset(out, 0, sizeof *out);
    /* The header length first: a file whose header cannot be right is
     * refused without reading the rest of it. */
    uint8_t head[8];
    size_t got;
    uint64_t size;
    if (cad_file_peek(path, head, sizeof head, &got, &size, e) != 0)
        return -1;
    uint64_t hlen = got == sizeof head ? cad_st_get(head, 8) : 0;
    if (hlen > CAD_ST_MAX_HEADER)
        return cad_error_set(e, "%s: header length %llu is absurd (limit %u "
                             "bytes)", path, (unsigned long long)hlen,
                             CAD_ST_MAX_HEADER);
    if (cad_file_read_all(path, CAD_ST_MAX_FILE, &buf, &len, e) != 0)
        return -1;
    int rc = cad_st_parse(buf, len, out, e);
    free(buf);
    if (rc != 0)
        return cad_error_prefix(e, "%s", path);
    return 0;
}
