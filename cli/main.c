/* cadenza: train piano-roll LSTMs, generate MIDI with them, bounce MIDI to
 * WAV through FluidSynth, and evaluate models on the standard benchmarks. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* FluidSynth falls back to libinstpatch for a file that is not a good
 * SoundFont, and libinstpatch reports its own failure as a GLib CRITICAL
 * line on stderr, before our message says the same thing plainly. In our
 * own process (never in the plugin: a host's GLib settings are not ours)
 * GLib's messages are dropped; failures reach the user through the error
 * FluidSynth returns. CADENZA_DEBUG=1 keeps them. */
static void quiet_glib(const gchar *domain, GLogLevelFlags level,
                       const gchar *message, gpointer data)
{
    (void)domain, (void)level, (void)message, (void)data;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *what;
} commands[] = {
    {"train", cad_cmd_train, "train a model on MIDI folders or piano-roll JSON"},
    {"generate", cad_cmd_generate, "compose a piece with a model (MIDI, optional WAV)"},
    {"render", cad_cmd_render, "bounce a MIDI file to WAV through FluidSynth"},
    {"eval", cad_cmd_eval, "negative log-likelihood per frame on a data set"},
    {"info", cad_cmd_info, "describe a model file"},
    {"stats", cad_cmd_stats, "music statistics of MIDI and data sets, side by side"},
    {"text", cad_cmd_text, "a MIDI file as readable text, and text back to MIDI"},
    {"plot", cad_cmd_plot, "pictures: a piano roll, a model's probabilities, histograms"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: cadenza COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\n'cadenza COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
    const char *debug = getenv("CADENZA_DEBUG");
    if (!debug || !*debug || !strcmp(debug, "0"))
        g_log_set_default_handler(quiet_glib, NULL);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("cadenza %s\n", CAD_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "cadenza: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
