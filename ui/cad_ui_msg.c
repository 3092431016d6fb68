/* See cad_ui_msg.h. */
#include "cad_ui_msg.h"

#include <math.h>
#include <string.h>

#include "lv2/atom/util.h"
#include "lv2/patch/patch.h"
#include "lv2/ui/ui.h"

#include "cad_atom_check.h"

void cad_ui_uris_map(cad_ui_uris *u, LV2_URID_Map *map)
{
#define MAP(field, uri) u->field = map->map(map->handle, uri)
    MAP(atom_Object, LV2_ATOM__Object);
    MAP(atom_Blank, LV2_ATOM__Blank);
    MAP(atom_Path, LV2_ATOM__Path);
    MAP(atom_String, LV2_ATOM__String);
    MAP(atom_URID, LV2_ATOM__URID);
    MAP(atom_Double, LV2_ATOM__Double);
    MAP(atom_Float, LV2_ATOM__Float);
    MAP(atom_Int, LV2_ATOM__Int);
    MAP(atom_Long, LV2_ATOM__Long);
    MAP(atom_Bool, LV2_ATOM__Bool);
    MAP(atom_eventTransfer, LV2_ATOM__eventTransfer);
    MAP(patch_Set, LV2_PATCH__Set);
    MAP(patch_Get, LV2_PATCH__Get);
    MAP(patch_property, LV2_PATCH__property);
    MAP(patch_value, LV2_PATCH__value);
    MAP(model, CAD_PROP_MODEL);
    MAP(soundfont, CAD_PROP_SOUNDFONT);
    MAP(status, CAD_PROP_STATUS);
#undef MAP
    cad_ui_keys_map(&u->key, map);
}

/* A number of any of the atom number types; 0 if absent or not one. */
static int number(const cad_ui_uris *u, const LV2_Atom *a, double *out)
{
    if (!a)
        return 0;
    if (a->type == u->atom_Double && a->size >= 8)
        *out = ((const LV2_Atom_Double *)a)->body;
    else if (a->type == u->atom_Float && a->size >= 4)
        *out = ((const LV2_Atom_Float *)a)->body;
    else if (a->type == u->atom_Int && a->size >= 4)
        *out = ((const LV2_Atom_Int *)a)->body;
    else if (a->type == u->atom_Long && a->size >= 8)
        *out = (double)((const LV2_Atom_Long *)a)->body;
    else if (a->type == u->atom_Bool && a->size >= 4)
        *out = ((const LV2_Atom_Bool *)a)->body != 0;
    else
        return 0;
    return isfinite(*out);
}

/* A number as an int, whatever its size (a cast of a double out of int's
 * range is undefined). */
static int to_int(double v)
{
    return v < -1e6 ? -1000000 : v > 1e6 ? 1000000 : (int)v;
}


/* A string body, NUL-terminated within its size, or NULL. */
static const char *string_of(const cad_ui_uris *u, const LV2_Atom *a)
{
    if (!a || (a->type != u->atom_Path && a->type != u->atom_String) ||
        a->size == 0)
        return NULL;
    const char *s = LV2_ATOM_BODY_CONST(a);
    return s[a->size - 1] == 0 ? s : NULL;
}

static int apply_set(const cad_ui_uris *u, cad_ui_state *s,
                     const LV2_Atom_Object *obj)
{
    const LV2_Atom *prop = NULL, *value = NULL;
    lv2_atom_object_get(obj, u->patch_property, &prop, u->patch_value, &value,
                        0);
    if (!prop || prop->type != u->atom_URID || prop->size < 4)
        return 0;
    LV2_URID key = ((const LV2_Atom_URID *)prop)->body;
    const char *str = string_of(u, value);
    if (!str)
        return 0;
    if (key == u->model || key == u->soundfont) {
        int which = key == u->soundfont;
        cad_ui_state_file(s, which, str);
        /* A load the window asked for has arrived. */
        if (s->status_kind == CAD_UI_BUSY)
            cad_ui_state_status(s, CAD_UI_INFO, "");
        return 1;
    }
    if (key == u->status) {
        cad_ui_state_status(s, str[0] ? CAD_UI_ERROR : CAD_UI_INFO, str);
        return 1;
    }
    return 0;
}

int cad_ui_msg_apply(const cad_ui_uris *u, cad_ui_state *s,
                     const LV2_Atom *a, double now)
{
    if ((a->type != u->atom_Object && a->type != u->atom_Blank) ||
        !cad_atom_object_ok(a))
        return 0;
    const LV2_Atom_Object *obj = (const LV2_Atom_Object *)a;
    LV2_URID t = obj->body.otype;
    if (t == u->patch_Set)
        return apply_set(u, s, obj);
    if (t == u->key.replan) {
        cad_ui_state_replan(s);
        return 1;
    }
    const LV2_Atom *beat = NULL, *length = NULL, *pitch = NULL,
                   *velocity = NULL, *tempo = NULL, *bar = NULL,
                   *rolling = NULL, *step = NULL, *section = NULL;
    lv2_atom_object_get(obj, u->key.beat, &beat, u->key.length, &length, u->key.pitch,
                        &pitch, u->key.velocity, &velocity, u->key.tempo, &tempo,
                        u->key.bar, &bar, u->key.rolling, &rolling, u->key.step, &step,
                        u->key.section, &section, 0);
    double b, len, p, v, q, br, r, st, sec;
    if (t == u->key.played && number(u, beat, &b) && number(u, pitch, &p) &&
        number(u, velocity, &v)) {
        cad_ui_state_played(s, b, to_int(p), to_int(v));
        return 1;
    }
    if (t == u->key.planned && number(u, beat, &b) && number(u, pitch, &p) &&
        number(u, length, &len)) {
        cad_ui_state_planned(s, b, len, to_int(p));
        return 1;
    }
    if (t == u->key.transport && number(u, beat, &b) && number(u, tempo, &q)) {
        if (!number(u, bar, &br))
            br = s->bar;
        if (!number(u, rolling, &r))
            r = q > 0;
        if (!number(u, step, &st))
            st = s->step;
        if (!number(u, section, &sec))
            sec = -1;
        cad_ui_state_transport(s, b, q, br, r != 0, st, to_int(sec), now);
        return 1;
    }
    return 0;
}

const LV2_Atom *cad_ui_msg_object(LV2_Atom_Forge *f, LV2_URID otype)
{
    size_t start = f->offset;
    LV2_Atom_Forge_Frame frame;
    if (!lv2_atom_forge_object(f, &frame, 0, otype))
        return NULL;
    lv2_atom_forge_pop(f, &frame);
    return (const LV2_Atom *)(f->buf + start);
}

const LV2_Atom *cad_ui_msg_set_path(const cad_ui_uris *u, LV2_Atom_Forge *f,
                                    LV2_URID property, const char *path)
{
    size_t start = f->offset;
    LV2_Atom_Forge_Frame frame;
    if (!lv2_atom_forge_object(f, &frame, 0, u->patch_Set) ||
        !lv2_atom_forge_key(f, u->patch_property) ||
        !lv2_atom_forge_urid(f, property) ||
        !lv2_atom_forge_key(f, u->patch_value) ||
        !lv2_atom_forge_path(f, path, (uint32_t)strlen(path)))
        return NULL;
    lv2_atom_forge_pop(f, &frame);
    return (const LV2_Atom *)(f->buf + start);
}
