/* A JACK transport that rolls, with a tempo and a metre: what a DAW is to
 * jalv (Debian has no jack_transport tool). Becomes the timebase master,
 * says bar, beat and tempo for every position, starts the transport from
 * frame 0, and stops it after SECONDS.
 *   jack_roll SECONDS BPM BEATS_PER_BAR
 * The ui_jalv test runs it so the window follows a host's transport. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jack/jack.h>
#include <jack/transport.h>

static double bpm = 120, beats_per_bar = 4;

static void timebase(jack_transport_state_t state, jack_nframes_t n,
                     jack_position_t *pos, int new_pos, void *arg)
{
    (void)state;
    (void)n;
    (void)new_pos;
    (void)arg;
    double beats = (double)pos->frame / pos->frame_rate * bpm / 60.0;
    long bar = (long)(beats / beats_per_bar);
    double in_bar = beats - (double)bar * beats_per_bar;
    pos->valid |= JackPositionBBT;
    pos->bar = (int32_t)bar + 1; /* JACK counts from 1 */
    pos->beat = (int32_t)in_bar + 1;
    pos->ticks_per_beat = 1920;
    pos->tick = (int32_t)((in_bar - (int)in_bar) * 1920);
    pos->bar_start_tick = (double)bar * beats_per_bar * 1920;
    pos->beats_per_bar = (float)beats_per_bar;
    pos->beat_type = 4;
    pos->beats_per_minute = bpm;
}

/* JACK 1 calls the timebase master from its process cycle: without a
 * process callback the client is not in the graph, and no one hears the
 * bar and tempo. */
static int process(jack_nframes_t n, void *arg)
{
    (void)n;
    (void)arg;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: jack_roll SECONDS BPM BEATS_PER_BAR\n");
        return 2;
    }
    double seconds = atof(argv[1]);
    bpm = atof(argv[2]);
    beats_per_bar = atof(argv[3]);
    jack_client_t *c = jack_client_open("cadenza-roll", JackNoStartServer,
                                        NULL);
    if (!c) {
        fprintf(stderr, "jack_roll: no JACK server\n");
        return 1;
    }
    if (jack_set_process_callback(c, process, NULL) != 0 ||
        jack_set_timebase_callback(c, 0, timebase, NULL) != 0 ||
        jack_activate(c) != 0) {
        fprintf(stderr, "jack_roll: cannot become the timebase master\n");
        jack_client_close(c);
        return 1;
    }
    jack_transport_locate(c, 0);
    jack_transport_start(c);
    usleep((useconds_t)(seconds * 1e6));
    jack_transport_stop(c);
    jack_client_close(c);
    return 0;
}
