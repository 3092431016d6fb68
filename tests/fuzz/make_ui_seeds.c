/* Writes the seeds of tests/corpus/ui_msg: messages as the plugin sends
 * them to its window (plugin/cad_ui_out.c), in fuzz_ui_msg's record
 * layout, with the URIDs fuzz_ui_msg's map gives (cad_ui_uris_map first,
 * from 1). One seed holds out-of-range values (beats of 1e300 and 1e16, a
 * tempo of 1e308, a key of 1e12): the drawing looped for ever at a beat
 * of 1e16, where adding 1 no longer changes a double.
 *   make_ui_seeds CORPUS_DIR   (writes CORPUS_DIR/ui_msg/seed-*) */
#include <stdio.h>
#include <string.h>

#include "lv2/patch/patch.h"

#include "cad_ui_msg.h"

static char uris[64][128];
static int n_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
{
    (void)h;
    for (int i = 0; i < n_uris; i++)
        if (!strcmp(uris[i], uri))
            return (LV2_URID)(i + 1);
    snprintf(uris[n_uris], sizeof uris[n_uris], "%s", uri);
    return (LV2_URID)++n_uris;
}

static LV2_URID_Map map = {NULL, map_uri};
static cad_ui_uris u;
static LV2_Atom_Forge f;
static uint8_t atom_buf[4096];
static uint8_t out[65536];
static size_t n_out;

/* Appends the atom just forged as a record: u32 len + the atom. */
static void record(void)
{
    const LV2_Atom *a = (const LV2_Atom *)atom_buf;
    uint32_t len = (uint32_t)lv2_atom_total_size(a);
    memcpy(out + n_out, &len, 4);
    memcpy(out + n_out + 4, a, len);
    n_out += 4 + len;
    lv2_atom_forge_set_buffer(&f, atom_buf, sizeof atom_buf);
}

static void transport(double beat, double qpm, double bar, int rolling,
                      double section)
{
    LV2_Atom_Forge_Frame fr;
    lv2_atom_forge_object(&f, &fr, 0, u.key.transport);
    lv2_atom_forge_key(&f, u.key.beat);
    lv2_atom_forge_double(&f, beat);
    lv2_atom_forge_key(&f, u.key.tempo);
    lv2_atom_forge_double(&f, qpm);
    lv2_atom_forge_key(&f, u.key.bar);
    lv2_atom_forge_double(&f, bar);
    lv2_atom_forge_key(&f, u.key.rolling);
    lv2_atom_forge_bool(&f, rolling);
    lv2_atom_forge_key(&f, u.key.step);
    lv2_atom_forge_double(&f, 0.25);
    lv2_atom_forge_key(&f, u.key.section);
    lv2_atom_forge_double(&f, section);
    lv2_atom_forge_pop(&f, &fr);
    record();
}

static void note(LV2_URID type, double beat, double pitch, double third)
{
    LV2_Atom_Forge_Frame fr;
    lv2_atom_forge_object(&f, &fr, 0, type);
    lv2_atom_forge_key(&f, u.key.beat);
    lv2_atom_forge_double(&f, beat);
    lv2_atom_forge_key(&f, u.key.pitch);
    lv2_atom_forge_double(&f, pitch);
    lv2_atom_forge_key(&f, type == u.key.played ? u.key.velocity : u.key.length);
    lv2_atom_forge_double(&f, third);
    lv2_atom_forge_pop(&f, &fr);
    record();
}

static void set(LV2_URID prop, const char *text)
{
    LV2_Atom_Forge_Frame fr;
    lv2_atom_forge_object(&f, &fr, 0, u.patch_Set);
    lv2_atom_forge_key(&f, u.patch_property);
    lv2_atom_forge_urid(&f, prop);
    lv2_atom_forge_key(&f, u.patch_value);
    lv2_atom_forge_string(&f, text, (uint32_t)strlen(text));
    lv2_atom_forge_pop(&f, &fr);
    record();
}

static int save(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/ui_msg/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(out, 1, n_out, fp) != n_out || fclose(fp) != 0) {
        fprintf(stderr, "make_ui_seeds: cannot write %s\n", path);
        return 1;
    }
    n_out = 0;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: make_ui_seeds CORPUS_DIR\n");
        return 2;
    }
    cad_ui_uris_map(&u, &map);
    lv2_atom_forge_init(&f, &map);
    lv2_atom_forge_set_buffer(&f, atom_buf, sizeof atom_buf);
    int rc = 0;

    /* playing: transport, notes on and off, planned notes, a replan */
    transport(8, 120, 4, 1, -1);
    note(u.key.played, 8, 60, 80);
    note(u.key.planned, 8.5, 64, 0.25);
    note(u.key.planned, 8.75, 64, 0.25);
    note(u.key.played, 8.5, 60, 0);
    note(u.key.played, 8.5, 64, 80);
    transport(9, 120, 3, 1, 1);
    lv2_atom_forge_object(&f, &(LV2_Atom_Forge_Frame){0}, 0, u.key.replan);
    record();
    transport(9.5, 0, 3, 0, 1);
    rc |= save(argv[1], "seed-playing");

    /* files and status */
    set(u.model, "/usr/share/cadenza/default.safetensors");
    set(u.soundfont, "/usr/share/sounds/sf2/default-GM.sf2");
    set(u.status, "bad.safetensors: not a safetensors file");
    rc |= save(argv[1], "seed-files");

    /* out of range everywhere */
    transport(1e300, 1e308, 1e-300, 1, 1e12);
    note(u.key.played, -1e300, 1e12, 1e12);
    note(u.key.planned, 1e300, 60, 1e300);
    transport(-1e300, -5, -1, 1, -1e12);
    transport(1e16, 120, 4, 1, 0);
    rc |= save(argv[1], "seed-huge");
    return rc;
}
