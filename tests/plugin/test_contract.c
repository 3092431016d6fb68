/* The plugin's contract (plugin/cad_contract.h) against what the installed
 * cadenza.ttl tells hosts: the same ports in the same order, the same
 * ranges and defaults, the same integer controls, the same properties.
 * run() clamps to the header's table and hosts show the TTL's, so a
 * difference is a control that jumps when the plugin first reads it.
 * Also the names the window shows for the key, scale and mode values
 * (the TTL's scale points), and that the window is declared. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lilv/lilv.h>

#include "cad_contract.h"

static int failed, checks;
#define CHECK(c)                                                          \
    do {                                                                  \
        checks++;                                                         \
        if (!(c)) {                                                       \
            failed++;                                                     \
            fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #c); \
        }                                                                 \
    } while (0)

static int has(LilvWorld *w, const LilvPlugin *pl, const LilvPort *port,
               const char *uri)
{
    LilvNode *n = lilv_new_uri(w, uri);
    int r = lilv_port_has_property(pl, port, n);
    lilv_node_free(n);
    return r;
}

static int writable(LilvWorld *w, const LilvPlugin *pl, const char *pred,
                    const char *prop)
{
    LilvNode *p = lilv_new_uri(w, pred);
    LilvNodes *vals = lilv_plugin_get_value(pl, p);
    int found = 0;
    LILV_FOREACH (nodes, i, vals)
        if (!strcmp(lilv_node_as_uri(lilv_nodes_get(vals, i)), prop))
            found = 1;
    lilv_nodes_free(vals);
    lilv_node_free(p);
    return found;
}

/* The scale points of a port are the header's names, value by value. */
static void check_names(const LilvPlugin *pl, const char *symbol,
                        const char *const *names, int n, size_t stride)
{
    const LilvPort *port = NULL;
    for (unsigned i = 0; i < lilv_plugin_get_num_ports(pl) && !port; i++) {
        const LilvPort *p = lilv_plugin_get_port_by_index(pl, i);
        if (!strcmp(lilv_node_as_string(lilv_port_get_symbol(pl, p)), symbol))
            port = p;
    }
    CHECK(port != NULL);
    if (!port)
        return;
    LilvScalePoints *sp = lilv_port_get_scale_points(pl, port);
    int seen = 0;
    LILV_FOREACH (scale_points, i, sp) {
        const LilvScalePoint *s = lilv_scale_points_get(sp, i);
        int v = (int)lilv_node_as_float(lilv_scale_point_get_value(s));
        const char *label = lilv_node_as_string(lilv_scale_point_get_label(s));
        const char *name =
            v >= 0 && v < n
                ? *(const char *const *)((const char *)names + (size_t)v * stride)
                : "";
        if (strcmp(label, name) != 0)
            fprintf(stderr, "%s %d: TTL \"%s\", header \"%s\"\n", symbol, v,
                    label, name);
        CHECK(!strcmp(label, name));
        seen++;
    }
    CHECK(seen == n);
    lilv_scale_points_free(sp);
}

int main(void)
{
    static const char *const fixed[] = {"events_in", "events_out", "out_l",
                                        "out_r"};
    LilvWorld *w = lilv_world_new();
    lilv_world_load_all(w);
    LilvNode *uri = lilv_new_uri(w, CAD_URI);
    const LilvPlugin *pl =
        lilv_plugins_get_by_uri(lilv_world_get_all_plugins(w), uri);
    CHECK(pl != NULL);
    if (!pl)
        return 1;
    CHECK(lilv_plugin_get_num_ports(pl) == CAD_N_PORTS);
    for (unsigned i = 0; i < lilv_plugin_get_num_ports(pl); i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(pl, i);
        const char *sym =
            lilv_node_as_string(lilv_port_get_symbol(pl, port));
        const cad_control_spec *c = cad_control_of(i);
        if (!c) {
            CHECK(i < 4 && !strcmp(sym, fixed[i]));
            continue;
        }
        LilvNode *d, *lo, *hi;
        lilv_port_get_range(pl, port, &d, &lo, &hi);
        int ok = !strcmp(sym, c->symbol) && d && lo && hi &&
                 fabsf(lilv_node_as_float(d) - c->dflt) < 1e-6f &&
                 fabsf(lilv_node_as_float(lo) - c->min) < 1e-6f &&
                 fabsf(lilv_node_as_float(hi) - c->max) < 1e-6f;
        int integer = has(w, pl, port, LILV_NS_LV2 "integer") ||
                      has(w, pl, port, LILV_NS_LV2 "toggled") ||
                      has(w, pl, port, LILV_NS_LV2 "enumeration");
        if (!ok || integer != c->integer)
            fprintf(stderr, "port %u: TTL %s %g [%g, %g] integer %d, "
                    "header %s %g [%g, %g] integer %d\n", i, sym,
                    d ? lilv_node_as_float(d) : NAN,
                    lo ? lilv_node_as_float(lo) : NAN,
                    hi ? lilv_node_as_float(hi) : NAN, integer, c->symbol,
                    c->dflt, c->min, c->max, c->integer);
        CHECK(ok);
        CHECK(integer == c->integer);
        lilv_node_free(d);
        lilv_node_free(lo);
        lilv_node_free(hi);
    }
    const char *patch = "http://lv2plug.in/ns/ext/patch#";
    char wr[64], rd[64];
    snprintf(wr, sizeof wr, "%swritable", patch);
    snprintf(rd, sizeof rd, "%sreadable", patch);
    CHECK(writable(w, pl, wr, CAD_PROP_MODEL));
    CHECK(writable(w, pl, wr, CAD_PROP_SOUNDFONT));
    CHECK(writable(w, pl, rd, CAD_PROP_STATUS));

    check_names(pl, "key", cad_key_names, 12, sizeof *cad_key_names);
    check_names(pl, "mode", cad_mode_names, 3, sizeof *cad_mode_names);
    check_names(pl, "scale", &cad_scale_spec[0].name, 8, sizeof *cad_scale_spec);

    /* The window: an X11 UI of the plugin, in the bundle. */
    LilvUIs *uis = lilv_plugin_get_uis(pl);
    LilvNode *ui_uri = lilv_new_uri(w, CAD_UI_URI);
    const LilvUI *ui = lilv_uis_get_by_uri(uis, ui_uri);
    CHECK(ui != NULL);
    if (ui) {
        LilvNode *x11 = lilv_new_uri(w, "http://lv2plug.in/ns/extensions/ui#X11UI");
        CHECK(lilv_ui_is_a(ui, x11));
        const char *bin = lilv_node_as_uri(lilv_ui_get_binary_uri(ui));
        CHECK(strstr(bin, "/cadenza_ui.so") != NULL);
        lilv_node_free(x11);
    }
    lilv_node_free(ui_uri);
    lilv_uis_free(uis);
    lilv_node_free(uri);
    lilv_world_free(w);
    printf("%d checks, %d failed\n", checks, failed);
    return failed != 0;
}
