/* cadenza.lv2: the URIDs of the messages between the plugin and its
 * window (cad_contract.h names them), mapped once the same way on both
 * sides: the plugin writes these objects (cad_ui_out.c), the window
 * reads them (ui/cad_ui_msg.c). */
#ifndef CAD_UI_KEYS_H
#define CAD_UI_KEYS_H

#include "lv2/urid/urid.h"

#include "cad_contract.h"

typedef struct {
    LV2_URID on, off,                      /* the window opens, closes */
        played, planned, replan, transport, /* message types */
        beat, length, pitch, velocity, tempo, bar, rolling, step,
        section;                           /* their keys */
} cad_ui_keys;

static inline void cad_ui_keys_map(cad_ui_keys *k, LV2_URID_Map *map)
{
#define CAD_MAP(field, uri) k->field = map->map(map->handle, uri)
    CAD_MAP(on, CAD_UI_ON);
    CAD_MAP(off, CAD_UI_OFF);
    CAD_MAP(played, CAD_UI_PLAYED);
    CAD_MAP(planned, CAD_UI_PLANNED);
    CAD_MAP(replan, CAD_UI_REPLAN);
    CAD_MAP(transport, CAD_UI_TRANSPORT);
    CAD_MAP(beat, CAD_UI_BEAT);
    CAD_MAP(length, CAD_UI_LENGTH);
    CAD_MAP(pitch, CAD_UI_PITCH);
    CAD_MAP(velocity, CAD_UI_VELOCITY);
    CAD_MAP(tempo, CAD_UI_TEMPO);
    CAD_MAP(bar, CAD_UI_BAR);
    CAD_MAP(rolling, CAD_UI_ROLLING);
    CAD_MAP(step, CAD_UI_STEP);
    CAD_MAP(section, CAD_UI_SECTION);
#undef CAD_MAP
}

#endif
