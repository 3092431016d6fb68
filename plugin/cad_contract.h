/* cadenza.lv2: the contract with hosts and with the plugin's own UI.
 *
 * Everything a host or a UI sees of the plugin, and nothing of how it
 * works: the URIs, the port indices, the controls with their ranges and
 * defaults, and the properties set with patch:Set. A UI includes this
 * header alone (it has no LV2 dependency beyond strings and numbers), so
 * the UI cannot reach into the instance.
 *
 * cadenza.ttl.in says the same things to hosts; tests/plugin/test_contract.c
 * reads the installed TTL and fails if the two ever disagree. */
#ifndef CAD_CONTRACT_H
#define CAD_CONTRACT_H

#define CAD_URI "urn:cadenza:lv2"
#define CAD_NS CAD_URI "#"
#define CAD_UI_URI CAD_URI "#ui"

/* Properties (patch:Set / patch:Get with these as patch:property). */
#define CAD_PROP_MODEL CAD_NS "model"         /* atom:Path, writable */
#define CAD_PROP_SOUNDFONT CAD_NS "soundfont" /* atom:Path, writable */
#define CAD_PROP_STATUS CAD_NS "status"       /* atom:String, readable */
#define CAD_PROP_VARIATION CAD_NS "variation" /* state only */

/* Port indices: the order of lv2:index in cadenza.ttl. */
enum {
    CAD_PORT_EVENTS_IN, CAD_PORT_EVENTS_OUT, CAD_PORT_OUT_L, CAD_PORT_OUT_R,
    CAD_PORT_ENABLED, CAD_PORT_MODE, CAD_PORT_TEMPO, CAD_PORT_TEMPERATURE,
    CAD_PORT_THRESHOLD, CAD_PORT_MAX_NOTES, CAD_PORT_SEED, CAD_PORT_KEY,
    CAD_PORT_SCALE, CAD_PORT_LOW, CAD_PORT_HIGH, CAD_PORT_VELOCITY,
    CAD_PORT_PROGRAM, CAD_PORT_GAIN, CAD_PORT_REGENERATE, CAD_PORT_FREEWHEEL,
    CAD_N_PORTS
};
#define CAD_FIRST_CONTROL CAD_PORT_ENABLED

/* Values of the mode port. */
enum { CAD_MODE_FOLLOW, CAD_MODE_FREE, CAD_MODE_LISTEN };

/* One control port as the TTL declares it. `integer`: the port has
 * lv2:integer or lv2:toggled or lv2:enumeration, and the plugin rounds
 * what it reads. */
typedef struct {
    const char *symbol;
    float min, max, dflt;
    int integer;
} cad_control_spec;

/* The control ports, indexed by port index minus CAD_FIRST_CONTROL. The
 * one table of defaults: run() clamps to it, test hosts start from it. */
static const cad_control_spec cad_controls_spec[CAD_N_PORTS -
                                                CAD_FIRST_CONTROL] = {
    {"enabled", 0, 1, 1, 1},
    {"mode", 0, 2, CAD_MODE_FOLLOW, 1},
    {"tempo", 20, 300, 120, 0},
    {"temperature", 0, 2, 1, 0},
    {"threshold", 0, 0.95f, 0, 0},
    {"max_notes", 0, 8, 4, 1},
    {"seed", 0, 65535, 1, 1},
    {"key", 0, 11, 0, 1},
    {"scale", 0, 7, 0, 1},
    {"low", 0, 127, 36, 1},
    {"high", 0, 127, 96, 1},
    {"velocity", 1, 127, 80, 1},
    {"program", 0, 127, 0, 1},
    {"gain", -60, 12, 0, 0},
    {"regenerate", 0, 1, 0, 1},
    {"freewheel", 0, 1, 0, 1},
};

/* The spec of control port `port`, or NULL for the other ports. */
static inline const cad_control_spec *cad_control_of(unsigned port)
{
    return port >= CAD_FIRST_CONTROL && port < CAD_N_PORTS
               ? &cad_controls_spec[port - CAD_FIRST_CONTROL]
               : 0;
}

#endif
