/* libFuzzer target: arbitrary bytes as what a host passes Cadenza's window
 * from the plugin's events-out port (ui/cad_ui_msg.c reads it), followed
 * by a drawing of the window in that state (ui/cad_ui_draw.c), so values
 * that break the picture's arithmetic (huge beats, tempos, keys) show up
 * too, as a crash, a hang or undefined behaviour.
 *
 * Layout of an input: records of u32 len (little-endian) + len bytes, each
 * an atom (header and body) handed over as the host's port_event would,
 * with `len` as the buffer size; a record whose atom claims more than len
 * is refused as the window refuses it. URIDs are numbered in the order
 * cad_ui_uris_map maps them, from 1, so the fuzzer finds them. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cad_ui_draw.h"
#include "cad_ui_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* The first text drawn loads fontconfig's configuration, kept for the
 * life of the process: not a leak of ours. */
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

static char uris[64][128];
static int n_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
{
    (void)h;
    for (int i = 0; i < n_uris; i++)
        if (!strcmp(uris[i], uri))
            return (LV2_URID)(i + 1);
    if (n_uris == 64)
        return 0;
    snprintf(uris[n_uris], sizeof uris[n_uris], "%s", uri);
    return (LV2_URID)++n_uris;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static LV2_URID_Map map = {NULL, map_uri};
    static cad_ui_uris u;
    static cad_ui_state s;
    static uint64_t buf[8192]; /* atoms are 64-bit aligned */
    if (!u.atom_Object)
        cad_ui_uris_map(&u, &map);
    cad_ui_state_init(&s);
    size_t off = 0;
    double now = 0;
    while (off + 4 <= size) {
        uint32_t len;
        memcpy(&len, data + off, 4);
        off += 4;
        if (len > size - off)
            len = (uint32_t)(size - off);
        if (len > sizeof buf)
            len = sizeof buf;
        memcpy(buf, data + off, len);
        off += len;
        const LV2_Atom *a = (const LV2_Atom *)buf;
        /* as port_event checks it (not lv2_atom_total_size, whose 32-bit
         * sum wraps to a small number for a size near 4 GiB) */
        if (len >= sizeof(LV2_Atom) && a->size <= len - sizeof(LV2_Atom))
            cad_ui_msg_apply(&u, &s, a, now);
        now += 0.01;
        if (s.n_played + s.n_planned > 0 && (off & 7) == 0)
            cad_ui_state_prune(&s, cad_ui_state_beat_at(&s, now), 64);
    }
    cairo_surface_t *img = cairo_image_surface_create(
        CAIRO_FORMAT_RGB24, CAD_UI_MIN_WIDTH, CAD_UI_MIN_HEIGHT);
    cairo_t *cr = cairo_create(img);
    cad_ui_layout l;
    cad_ui_layout_make(&l, &s, CAD_UI_MIN_WIDTH, CAD_UI_MIN_HEIGHT,
                       cad_ui_state_beat_at(&s, now));
    cad_ui_draw(cr, &s, &l, NULL);
    cairo_destroy(cr);
    cairo_surface_destroy(img);
    return 0;
}
