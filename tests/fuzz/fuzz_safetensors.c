/* Fuzz target for the safetensors loader. Beyond "no crash", it checks a
 * property: anything the loader accepts, the writer can write, and the
 * written file loads back to the same tensors, bit for bit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cad_safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cad_fuzz_same(const cad_st_file *a, const cad_st_file *b)
{
    if (a->n_tensors != b->n_tensors || a->n_meta != b->n_meta)
        return 0;
    for (int i = 0; i < a->n_tensors; i++) {
        const cad_st_tensor *x = &a->tensors[i];
        const cad_st_tensor *y = cad_st_find(b, x->name);
        if (!y || x->ndim != y->ndim || x->numel != y->numel ||
            memcmp(x->shape, y->shape, sizeof x->shape) != 0 ||
            (x->numel &&
             memcmp(x->data, y->data, (size_t)x->numel * sizeof *x->data)))
            return 0;
    }
    for (int i = 0; i < a->n_meta; i++) {
        const char *v = cad_st_meta(b, a->meta_keys[i]);
        if (!v || strcmp(v, a->meta_vals[i]) != 0)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cad_st_file f, g;
    cad_error e;
    if (cad_st_parse(data, size, &f, &e) != 0) {
        if (e.msg[0] == '\0')
            abort(); /* every failure must say why */
        return 0;
    }
    /* Touch every value so ASan sees any bad allocation size. */
    volatile float sum = 0;
    for (int i = 0; i < f.n_tensors; i++)
        for (int64_t k = 0; k < f.tensors[i].numel; k++)
            sum += f.tensors[i].data[k];
    (void)sum;

    uint8_t *buf;
    size_t len;
    if (cad_st_serialize(&f, &buf, &len, &e) != 0)
        abort();
    if (cad_st_parse(buf, len, &g, &e) != 0 || !cad_fuzz_same(&f, &g))
        abort();
    cad_st_free(&g);
    free(buf);
    cad_st_free(&f);
    return 0;
}
