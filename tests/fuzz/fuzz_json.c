/* libFuzzer target: arbitrary bytes as the piano-roll benchmark JSON. */
#include <stddef.h>
#include <stdint.h>

#include "cad_roll.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cad_roll_set s;
    cad_error e;
    if (cad_roll_parse_json((const char *)data, size, "train", &s, &e) == 0) {
        /* Every piece must be a well-formed roll. */
        for (int i = 0; i < s.n; i++)
            if (s.pieces[i].n_frames < 1 || !s.pieces[i].on)
                __builtin_trap();
        cad_roll_set_free(&s);
    }
    return 0;
}
