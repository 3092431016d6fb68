/* Cadenza's window, its messages: the atoms of cad_contract.h, read into
 * the window's state and written for the plugin. No X11, no drawing. */
#ifndef CAD_UI_MSG_H
#define CAD_UI_MSG_H

#include "lv2/atom/forge.h"
#include "lv2/urid/urid.h"

#include "cad_ui_keys.h"
#include "cad_ui_state.h"

typedef struct {
    LV2_URID atom_Object, atom_Blank, atom_Path, atom_String, atom_URID,
        atom_Double, atom_Float, atom_Int, atom_Long, atom_Bool,
        atom_eventTransfer, patch_Set, patch_Get, patch_property, patch_value,
        model, soundfont, status;
    cad_ui_keys key; /* the messages between plugin and window */
} cad_ui_uris;

void cad_ui_uris_map(cad_ui_uris *u, LV2_URID_Map *map);

/* Applies one atom from the plugin's events_out to the state (`now`:
 * seconds, for the playhead). 1 if the picture changed. Anything else
 * (MIDI, malformed objects) is ignored. */
int cad_ui_msg_apply(const cad_ui_uris *u, cad_ui_state *s,
                     const LV2_Atom *a, double now);

/* Writes a message into the forge's buffer and returns it (NULL if it did
 * not fit): an object with no properties (CAD_UI_ON, CAD_UI_OFF,
 * patch:Get), or a patch:Set of a file property. */
const LV2_Atom *cad_ui_msg_object(LV2_Atom_Forge *f, LV2_URID otype);
const LV2_Atom *cad_ui_msg_set_path(const cad_ui_uris *u, LV2_Atom_Forge *f,
                                    LV2_URID property, const char *path);

#endif
