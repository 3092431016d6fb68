/* Fuzz target for the model loader: bytes -> safetensors -> model. A file
 * that loads as a model must also generate: a few frames are sampled so
 * that shapes the validator let through are exercised for real. The
 * probe of cad_model_load (finite outputs) runs first, as it does there. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cad_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cad_st_file f;
    cad_error e;
    if (cad_st_parse(data, size, &f, &e) != 0)
        return 0;
    cad_model *m;
    e.msg[0] = 0;
    if (cad_model_from_st(&f, &m, &e) != 0) {
        cad_st_free(&f);
        if (e.msg[0] == '\0')
            abort(); /* every failure must say why */
        return 0;
    }
    cad_st_free(&f);
    e.msg[0] = 0;
    if (cad_model_probe(m, &e) != 0) { /* as cad_model_load does */
        cad_model_free(m);
        if (e.msg[0] == '\0')
            abort();
        return 0;
    }
    cad_gen *g = cad_gen_new(m, &e);
    if (g) {
        uint8_t frame[CAD_MAX_WIDTH];
        cad_rng r;
        cad_rng_seed(&r, 1);
        cad_sample_params p = {.temperature = 1.0f};
        for (int i = 0; i < 3; i++)
            cad_gen_sample(g, &p, &r, frame);
        cad_gen_free(g);
    }
    cad_model_free(m);
    return 0;
}
