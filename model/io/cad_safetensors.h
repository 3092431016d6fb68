/* safetensors files: an 8-byte little-endian header length, a JSON header
 * {"name": {"dtype": "F32", "shape": [...], "data_offsets": [a, b]}, ...,
 *  "__metadata__": {"key": "string value", ...}}, then the raw
 * little-endian tensor bytes. This is the format PyTorch users already
 * have, so a model trained there loads here. Tensors are held as f32 in
 * memory; F32, F16 and BF16 are accepted on load, F32 is written. */
#ifndef CAD_SAFETENSORS_H
#define CAD_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "cad_error.h"

#define CAD_ST_MAX_DIMS 4

typedef struct {
    char *name;
    int ndim;
    int64_t shape[CAD_ST_MAX_DIMS];
    int64_t numel;
    float *data;
    int borrowed; /* data belongs to the caller (cad_st_add_view) */
} cad_st_tensor;

typedef struct {
    cad_st_tensor *tensors;
    int n_tensors;
    char **meta_keys;
    char **meta_vals;
    int n_meta;
} cad_st_file;

/* Validates everything: header size against file size, JSON syntax, dtypes,
 * shapes, offsets inside the data area and not overlapping, numel matching
 * bytes, all values finite. */
int cad_st_parse(const uint8_t *buf, size_t len, cad_st_file *out,
                 cad_error *e);
int cad_st_load(const char *path, cad_st_file *out, cad_error *e);
/* Serialises to memory (caller frees *buf) / writes atomically. The file
 * is written tensor by tensor through a small buffer, so saving costs no
 * second copy of the tensors. */
int cad_st_serialize(const cad_st_file *f, uint8_t **buf, size_t *len,
                     cad_error *e);
int cad_st_save(const char *path, const cad_st_file *f, cad_error *e);

/* Building a file: copies name and data. */
int cad_st_add(cad_st_file *f, const char *name, int ndim,
               const int64_t *shape, const float *data, cad_error *e);
/* The same without the copy: f points at data, which must stay valid and
 * unchanged until f is freed (saving what is already in memory: a model,
 * a checkpoint's optimiser state). */
int cad_st_add_view(cad_st_file *f, const char *name, int ndim,
                    const int64_t *shape, const float *data, cad_error *e);
int cad_st_set_meta(cad_st_file *f, const char *key, const char *val,
                    cad_error *e);

const cad_st_tensor *cad_st_find(const cad_st_file *f, const char *name);
const char *cad_st_meta(const cad_st_file *f, const char *key);
void cad_st_free(cad_st_file *f);

#endif
