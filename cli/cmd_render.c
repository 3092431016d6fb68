/* `cadenza render`: bounce a MIDI file to a WAV file through FluidSynth. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>

#include "cad_render.h"

static void cad_render_usage(FILE *f)
{
    fprintf(f,
        "usage: cadenza render IN.mid -o OUT.wav [options]\n"
        "\n"
        "Plays a Standard MIDI File through FluidSynth and writes a stereo\n"
        "24-bit WAV file, including the reverb and release tail.\n"
        "\n"
        "  -o, --output FILE     the WAV file to write (required)\n"
        "  -s, --soundfont FILE  SoundFont 2 file (default: the system's\n"
        "                        General MIDI font, /usr/share/sounds/sf2)\n"
        "  -r, --rate HZ         sample rate, 8000..96000 (default 48000)\n"
        "  -l, --level DBFS      bring the music to this RMS level, -40..-6\n"
        "                        (default -20, where General MIDI renders\n"
        "                        sit), limited to a -1 dBFS peak\n"
        "  -g, --gain G          FluidSynth master gain, 0..10, and no\n"
        "                        levelling: the synth's output as it is\n"
        "      --no-effects      turn FluidSynth's reverb and chorus off\n"
        "  -h, --help            show this help\n");
}

int cad_cmd_render(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"soundfont", required_argument, NULL, 's'},
        {"rate", required_argument, NULL, 'r'},
        {"gain", required_argument, NULL, 'g'},
        {"level", required_argument, NULL, 'l'},
        {"no-effects", no_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cad_render_opts o;
    cad_render_opts_default(&o);
    const char *out = NULL;
    long rate;
    double gain, level;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:s:r:g:l:h", longs, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 's':
            o.soundfont = optarg;
            break;
        case 'r':
            /* The header allows up to 192 kHz; FluidSynth 2.3 itself stops
             * at 96 kHz and the synth says so if asked for more. */
            if (cad_cli_int("render", "rate", optarg, 8000, 192000, &rate))
                return 2;
            o.rate = (int)rate;
            break;
        case 'g':
            if (cad_cli_double("render", "gain", optarg, 0.0, 10.0, &gain))
                return 2;
            o.gain = (float)gain;
            o.level = NAN;
            break;
        case 'l':
            if (cad_cli_double("render", "level", optarg, -40.0, -6.0,
                               &level))
                return 2;
            o.level = level;
            break;
        case 'E':
            o.effects = 0;
            break;
        case 'h':
            cad_render_usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try 'cadenza render --help'.\n");
            return 2;
        }
    }
    if (optind != argc - 1 || !out) {
        fprintf(stderr, "cadenza render: %s\n",
                optind >= argc ? "no input MIDI file given"
                : optind < argc - 1 ? "only one input MIDI file, please"
                : "no output file given (-o OUT.wav)");
        fprintf(stderr, "Try 'cadenza render --help'.\n");
        return 2;
    }

    const char *ins[2] = {argv[optind], o.soundfont ? o.soundfont : argv[optind]};
    if (cad_cli_check_paths("render", ins, 2, &out, 1))
        return 1;
    cad_error e = {{0}};
    if (cad_render_midi_to_wav(argv[optind], out, &o, &e) != 0) {
        fprintf(stderr, "cadenza render: %s\n", e.msg);
        return 1;
    }
    return 0;
}
