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

/* ---- The plugin's own window (ui/, issue 14) ------------------------------
 *
 * The UI sees the controls as ports and everything else as atom objects
 * on the two event ports. UI -> plugin, on events_in: patch:Set of
 * CAD_PROP_MODEL / CAD_PROP_SOUNDFONT (an atom:Path), patch:Get (the
 * plugin answers with the model and SoundFont in use), and these two
 * objects without properties: */
#define CAD_UI_ON CAD_NS "uiOn"   /* a window opened: send it the traffic below */
#define CAD_UI_OFF CAD_NS "uiOff" /* the window closed: stop */

/* Plugin -> UI, on events_out, only between uiOn and uiOff, and at most
 * CAD_UI_MAX_PER_RUN objects per run() (more wait for the next one; a
 * queue that overflows drops the oldest). Every position is in quarter
 * notes of the clock the plugin plays by (the host's transport, or its
 * own in free-running and listen modes). */
#define CAD_UI_MAX_PER_RUN 48
/* A note began (velocity > 0) or ended (velocity 0): beat, pitch, velocity. */
#define CAD_UI_PLAYED CAD_NS "Played"
/* A note the model has composed, not yet played: beat, length, pitch. */
#define CAD_UI_PLANNED CAD_NS "Planned"
/* The planned notes not yet played were thrown away (a new piece, a new
 * model, a stop or a jump): no properties. */
#define CAD_UI_REPLAN CAD_NS "Replan"
/* Where the plugin is, about 25 times a second and whenever playing starts
 * or stops: beat, tempo, bar, rolling, step, section. */
#define CAD_UI_TRANSPORT CAD_NS "Transport"

/* Their properties. */
#define CAD_UI_BEAT CAD_NS "beat"         /* atom:Double, quarter notes */
#define CAD_UI_LENGTH CAD_NS "length"     /* atom:Double, quarter notes */
#define CAD_UI_PITCH CAD_NS "pitch"       /* atom:Int, MIDI note 0..127 */
#define CAD_UI_VELOCITY CAD_NS "noteVelocity" /* atom:Int, 0..127 */
#define CAD_UI_TEMPO CAD_NS "qpm"         /* atom:Double, quarter notes a
                                           * minute, speed included */
#define CAD_UI_BAR CAD_NS "barLength"     /* atom:Double, quarter notes */
#define CAD_UI_ROLLING CAD_NS "rolling"   /* atom:Bool: steps are played */
#define CAD_UI_STEP CAD_NS "stepLength"   /* atom:Double, the model's grid */
#define CAD_UI_SECTION CAD_NS "section"   /* atom:Int: 0 = A, 1 = B, ...;
                                           * -1: the model has no song form */

/* What the key, scale and mode ports' values mean, for a UI to show them
 * (the TTL's scale points say the same; plugin_contract compares). A
 * scale is a set of semitones above the key's root, bit i for i semitones
 * (the scale table of model/music; tests/ui compares). */
static const char *const cad_key_names[12] = {
    "C", "C#/Db", "D", "D#/Eb", "E", "F",
    "F#/Gb", "G", "G#/Ab", "A", "A#/Bb", "B",
};
static const struct {
    const char *name;
    unsigned short semitones;
} cad_scale_spec[8] = {
    {"Chromatic", 0xfff},
    {"Major", 0xab5},
    {"Natural minor", 0x5ad},
    {"Harmonic minor", 0x9ad},
    {"Dorian", 0x6ad},
    {"Mixolydian", 0x6b5},
    {"Major pentatonic", 0x295},
    {"Minor pentatonic", 0x4a9},
};
static const char *const cad_mode_names[3] = {
    "Follow host transport", "Free-running", "Listen and continue",
};

#endif
