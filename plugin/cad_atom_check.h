/* cadenza.lv2: checking an atom object before reading it, for the plugin
 * and its UI alike (both read objects the other side, or a host, sent).
 *
 * Hosts pass on whatever a UI sends, and lv2_atom_object_get trusts every
 * size it meets: an object too short for its header, or with a property
 * that runs past the object's end, would have us read past the event
 * (found by fuzz_atoms). Such an object is ignored whole. */
#ifndef CAD_ATOM_CHECK_H
#define CAD_ATOM_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "lv2/atom/util.h"

/* 1 if every property of object a lies within it. */
static inline int cad_atom_object_ok(const LV2_Atom *a)
{
    if (a->size < sizeof(LV2_Atom_Object_Body))
        return 0;
    const LV2_Atom_Object *obj = (const LV2_Atom_Object *)a;
    const uint8_t *end = (const uint8_t *)LV2_ATOM_BODY_CONST(a) + a->size;
    LV2_ATOM_OBJECT_FOREACH (obj, prop) {
        size_t room = (size_t)(end - (const uint8_t *)prop);
        if (room < sizeof *prop || prop->value.size > room - sizeof *prop)
            return 0;
    }
    return 1;
}

#endif
