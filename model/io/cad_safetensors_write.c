/* safetensors writing, building and querying: cad_st_serialize,
 * cad_st_save, cad_st_add, cad_st_set_meta, cad_st_find, cad_st_meta and
 * cad_st_free. Reading is in cad_safetensors.c, which also holds the name,
 * UTF-8 and shape checks used here, so that both halves accept exactly
 * the same files.
 *
 * Files are written as F32 only, tensors sorted by name and the header
 * padded so the data area is 8-byte aligned, all through cad_st_put so
 * the bytes are the same on any host. */
#include "cad_safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cad_file.h"
#include "cad_safetensors_priv.h"

/* ---- writing ---------------------------------------------------------- */

typedef struct {
    const char *key, *val;
} cad_st_kv;

static int cad_st_kv_cmp(const void *a, const void *b)
{
    return strcmp(((const cad_st_kv *)a)->key, ((const cad_st_kv *)b)->key);
}

static int cad_st_tensor_cmp(const void *a, const void *b)
{
    return strcmp((*(const cad_st_tensor *const *)a)->name,
                  (*(const cad_st_tensor *const *)b)->name);
}

/* Everything the loader would reject is refused here, so that we never
 * write a file we cannot read back. ts and kv are sorted. */
static int cad_st_check_for_write(const cad_st_tensor *const *ts, int n,
                                  const cad_st_kv *kv, int n_meta,
                                  cad_error *e)
{
    for (int i = 0; i < n; i++) {
        const cad_st_tensor *t = ts[i];
        if (cad_st_check_name(t->name, "tensor", e) != 0)
            return -1;
        if (strcmp(t->name, "__metadata__") == 0)
            return cad_error_set(e, "'__metadata__' cannot name a tensor");
        if (i > 0 && strcmp(ts[i - 1]->name, t->name) == 0)
            return cad_error_set(e, "duplicate tensor name '%.200s'",
                                 t->name);
        int64_t numel = cad_st_shape_numel(t->name, t->ndim, t->shape, e);
        if (numel < 0)
            return -1;
        if (numel != t->numel || (numel > 0 && !t->data))
            return cad_error_set(e, "tensor '%.200s': numel %lld or data "
                                 "does not match its shape", t->name,
                                 (long long)t->numel);
        for (int64_t k = 0; k < t->numel; k++)
            if (!isfinite(t->data[k]))
                return cad_error_set(e, "tensor '%.200s': non-finite value "
                                     "(NaN or Inf) at index %lld", t->name,
                                     (long long)k);
    }
    for (int i = 0; i < n_meta; i++) {
        if (cad_st_check_name(kv[i].key, "__metadata__ key", e) != 0)
            return -1;
        if (!cad_st_utf8_ok(kv[i].val))
            return cad_error_set(e, "__metadata__ value of '%.200s' is not "
                                 "valid UTF-8", kv[i].key);
        if (i > 0 && strcmp(kv[i - 1].key, kv[i].key) == 0)
            return cad_error_set(e, "duplicate __metadata__ key '%.200s'",
                                 kv[i].key);
    }
    return 0;
}

/* The JSON header: __metadata__ first (as the reference writer does), then
 * tensors by name, each laid out in the data area in that same order.
 * Returns the cJSON-printed text, or NULL when out of memory. */
static char *cad_st_header_json(const cad_st_tensor *const *ts, int n,
                                const cad_st_kv *kv, int n_meta,
                                uint64_t *data_bytes)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    if (ok && n_meta > 0) {
        cJSON *m = cJSON_AddObjectToObject(root, "__metadata__");
        ok = m != NULL;
        for (int i = 0; ok && i < n_meta; i++)
            ok = cJSON_AddStringToObject(m, kv[i].key, kv[i].val) != NULL;
    }
    uint64_t off = 0;
    for (int i = 0; ok && i < n; i++) {
        const cad_st_tensor *t = ts[i];
        /* Field order as in the reference writer. cJSON returns NULL
         * (and does nothing) when handed a NULL parent. */
        cJSON *o = cJSON_AddObjectToObject(root, t->name);
        ok = cJSON_AddStringToObject(o, "dtype", "F32") != NULL;
        cJSON *shape = cJSON_AddArrayToObject(o, "shape");
        cJSON *offs = cJSON_AddArrayToObject(o, "data_offsets");
        ok = ok && shape && offs;
        for (int k = 0; ok && k < t->ndim; k++)
            ok = cJSON_AddItemToArray(
                shape, cJSON_CreateNumber((double)t->shape[k]));
        /* Offsets below 1e15 print as plain integers ("%1.15g"); a model
         * of a petabyte is not a concern here. */
        uint64_t next = off + (uint64_t)t->numel * sizeof(float);
        ok = ok && cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off))
             && cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)next));
        off = next;
    }
    char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    *data_bytes = off;
    return json;
}

/* What both writers need: the tensors sorted by name, checked, and the
 * header JSON padded with spaces so the data area starts 8-byte aligned.
 * The caller frees *ts and *header. */
static int cad_st_prepare(const cad_st_file *f, const cad_st_tensor ***ts_out,
                          char **header, size_t *padded, uint64_t *dbytes,
                          cad_error *e)
{
    int n = f->n_tensors, n_meta = f->n_meta, rc = -1;
    const cad_st_tensor **ts = malloc(((size_t)n + 1) * sizeof *ts);
    cad_st_kv *kv = malloc(((size_t)n_meta + 1) * sizeof *kv);
    char *json = NULL;
    *ts_out = NULL;
    *header = NULL;
    if (!ts || !kv) {
        cad_error_set(e, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++)
        ts[i] = &f->tensors[i];
    for (int i = 0; i < n_meta; i++)
        kv[i] = (cad_st_kv){f->meta_keys[i], f->meta_vals[i]};
    qsort(ts, (size_t)n, sizeof *ts, cad_st_tensor_cmp);
    qsort(kv, (size_t)n_meta, sizeof *kv, cad_st_kv_cmp);
    if (cad_st_check_for_write(ts, n, kv, n_meta, e) != 0)
        goto done;
    if (!(json = cad_st_header_json(ts, n, kv, n_meta, dbytes))) {
        cad_error_set(e, "out of memory building the header");
        goto done;
    }
    size_t hl = strlen(json);
    *padded = (hl + 7) / 8 * 8;
    char *pj = realloc(json, *padded + 1);
    if (!pj) {
        cad_error_set(e, "out of memory building the header");
        goto done;
    }
    json = pj;
    memset(json + hl, ' ', *padded - hl);
    json[*padded] = '\0';
    if (*dbytes > SIZE_MAX - 8 - *padded) {
        cad_error_set(e, "tensors too large to serialise");
        goto done;
    }
    *ts_out = ts;
    *header = json;
    ts = NULL;
    json = NULL;
    rc = 0;
done:
    free(ts);
    free(kv);
    free(json);
    return rc;
}

/* A tensor's values as little-endian f32 bytes. */
static void cad_st_put_floats(uint8_t *p, const float *v, size_t n)
{
    for (size_t k = 0; k < n; k++, p += 4) {
        uint32_t bits;
        memcpy(&bits, &v[k], sizeof bits);
        cad_st_put(p, bits, 4);
    }
}

int cad_st_serialize(const cad_st_file *f, uint8_t **buf, size_t *len,
                     cad_error *e)
{
    *buf = NULL;
    *len = 0;
    const cad_st_tensor **ts;
    char *json;
    size_t padded;
    uint64_t dbytes;
    if (cad_st_prepare(f, &ts, &json, &padded, &dbytes, e) != 0)
        return -1;
    size_t total = 8 + padded + (size_t)dbytes;
    uint8_t *out = malloc(total);
    if (!out) {
        free(ts);
        free(json);
        return cad_error_set(e, "out of memory (%zu bytes)", total);
    }
    cad_st_put(out, padded, 8);
    memcpy(out + 8, json, padded);
    uint8_t *p = out + 8 + padded;
    for (int i = 0; i < f->n_tensors; i++) {
        cad_st_put_floats(p, ts[i]->data, (size_t)ts[i]->numel);
        p += (size_t)ts[i]->numel * 4;
    }
    free(ts);
    free(json);
    *buf = out;
    *len = total;
    return 0;
}

/* Writes all of len bytes; an errno value on failure, 0 on success. */
static int cad_st_write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Streams the file into the temp file next to path, then commits it: the
 * tensors pass through a 64 kB buffer, never a second copy of them all
 * (a checkpoint of a large model needed twice its memory to save). */
int cad_st_save(const char *path, const cad_st_file *f, cad_error *e)
{
    const cad_st_tensor **ts;
    char *json;
    size_t padded;
    uint64_t dbytes;
    if (cad_st_prepare(f, &ts, &json, &padded, &dbytes, e) != 0)
        return cad_error_prefix(e, "%s", path);
    /* Refuse a device or FIFO before creating anything next to it. */
    enum { CHUNK = 16384 }; /* floats: 64 kB */
    uint8_t *out = malloc(CHUNK * 4);
    int bad = !out ? cad_error_set(e, "%s: out of memory", path)
                   : cad_file_check_output(path, e);
    char *tmp = bad ? NULL : cad_file_temp_path(path);
    int fd = tmp ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)
                 : -1;
    int err = 0;
    if (!bad && fd < 0) {
        err = tmp ? errno : ENOMEM;
        cad_error_set(e, "%s: cannot create temp file %s: %s", path,
                      tmp ? tmp : "", strerror(err));
        bad = 1;
    }
    if (!bad) {
        uint8_t len8[8];
        cad_st_put(len8, padded, 8);
        err = cad_st_write_all(fd, len8, 8);
        if (!err)
            err = cad_st_write_all(fd, json, padded);
        for (int i = 0; !err && i < f->n_tensors; i++)
            for (int64_t k = 0; !err && k < ts[i]->numel; k += CHUNK) {
                size_t n = (size_t)(ts[i]->numel - k < CHUNK
                                        ? ts[i]->numel - k : CHUNK);
                cad_st_put_floats(out, ts[i]->data + k, n);
                err = cad_st_write_all(fd, out, n * 4);
            }
        /* close() can report a delayed write error (NFS): it counts too;
         * cad_file_commit fsyncs before the rename. */
        if (close(fd) != 0 && !err)
            err = errno;
        if (err) {
            unlink(tmp);
            cad_error_set(e, "%s: write failed: %s", path, strerror(err));
            bad = 1;
        }
    }
    free(out);
    free(ts);
    free(json);
    int rc = bad ? -1 : cad_file_commit(tmp, path, e);
    free(tmp);
    return rc;
}

/* ---- building and querying -------------------------------------------- */

static int cad_st_add_tensor(cad_st_file *f, const char *name, int ndim,
                             const int64_t *shape, const float *data,
                             int copy, cad_error *e)
{
    if (cad_st_check_name(name, "tensor", e) != 0)
        return -1;
    if (strcmp(name, "__metadata__") == 0)
        return cad_error_set(e, "'__metadata__' cannot name a tensor");
    if (cad_st_find(f, name))
        return cad_error_set(e, "duplicate tensor name '%.200s'", name);
    int64_t numel = cad_st_shape_numel(name, ndim, shape, e);
    if (numel < 0)
        return -1;
    if (numel > 0 && !data)
        return cad_error_set(e, "tensor '%.200s': no data", name);
    if ((uint64_t)numel > SIZE_MAX / sizeof(float))
        return cad_error_set(e, "tensor '%.200s': too large", name);

    cad_st_tensor *nt = realloc(f->tensors,
                                ((size_t)f->n_tensors + 1) * sizeof *nt);
    if (!nt)
        return cad_error_set(e, "out of memory");
    f->tensors = nt;
    cad_st_tensor *t = &nt[f->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->data = copy ? malloc(numel ? (size_t)numel * sizeof(float) : 1)
                   : (float *)data;
    t->borrowed = !copy;
    if (!t->name || (copy && !t->data)) {
        free(t->name);
        if (copy)
            free(t->data);
        return cad_error_set(e, "out of memory");
    }
    if (copy && numel)
        memcpy(t->data, data, (size_t)numel * sizeof(float));
    t->ndim = ndim;
    for (int k = 0; k < ndim; k++)
        t->shape[k] = shape[k];
    t->numel = numel;
    f->n_tensors++;
    return 0;
}

int cad_st_add(cad_st_file *f, const char *name, int ndim,
               const int64_t *shape, const float *data, cad_error *e)
{
    return cad_st_add_tensor(f, name, ndim, shape, data, 1, e);
}

int cad_st_add_view(cad_st_file *f, const char *name, int ndim,
                    const int64_t *shape, const float *data, cad_error *e)
{
    return cad_st_add_tensor(f, name, ndim, shape, data, 0, e);
}

int cad_st_set_meta(cad_st_file *f, const char *key, const char *val,
                    cad_error *e)
{
    if (cad_st_check_name(key, "__metadata__ key", e) != 0)
        return -1;
    if (!cad_st_utf8_ok(val))
        return cad_error_set(e, "__metadata__ value of '%.200s' is not "
                             "valid UTF-8", key);
    char *v = strdup(val);
    if (!v)
        return cad_error_set(e, "out of memory");
    for (int i = 0; i < f->n_meta; i++) {
        if (strcmp(f->meta_keys[i], key) == 0) {
            free(f->meta_vals[i]);
            f->meta_vals[i] = v;
            return 0;
        }
    }
    size_t n = (size_t)f->n_meta + 1;
    char **nk = realloc(f->meta_keys, n * sizeof *nk);
    if (nk)
        f->meta_keys = nk;
    char **nv = nk ? realloc(f->meta_vals, n * sizeof *nv) : NULL;
    if (nv)
        f->meta_vals = nv;
    char *k = nv ? strdup(key) : NULL;
    if (!k) {
        free(v);
        return cad_error_set(e, "out of memory");
    }
    f->meta_keys[f->n_meta] = k;
    f->meta_vals[f->n_meta] = v;
    f->n_meta++;
    return 0;
}

const cad_st_tensor *cad_st_find(const cad_st_file *f, const char *name)
{
    for (int i = 0; i < f->n_tensors; i++)
        if (f->tensors[i].name && strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

const char *cad_st_meta(const cad_st_file *f, const char *key)
{
    for (int i = 0; i < f->n_meta; i++)
        if (f->meta_keys[i] && strcmp(f->meta_keys[i], key) == 0)
            return f->meta_vals[i];
    return NULL;
}

void cad_st_free(cad_st_file *f)
{
    for (int i = 0; i < f->n_tensors; i++) {
        free(f->tensors[i].name);
        if (!f->tensors[i].borrowed)
            free(f->tensors[i].data);
    }
    for (int i = 0; i < f->n_meta; i++) {
        free(f->meta_keys[i]);
        free(f->meta_vals[i]);
    }
    free(f->tensors);
    free(f->meta_keys);
    free(f->meta_vals);
    memset(f, 0, sizeof *f);
}
