#!/bin/sh
# Cadenza's window in a real host: Debian's jalv.gtk3 (GTK 3, which embeds
# the X11 UI through suil) on an Xvfb display, on a JACK server of our own
# (dummy driver) whose transport jack_roll rolls in 3/4 at 100 bpm; the
# plugin follows it (the default play mode), in D Dorian. After a few
# seconds of playing the screen is saved as a PNG (x11_shot: XGetImage,
# written by cairo) and must hold notes: pixels of the played and of the
# planned colour. Run through run_installed.sh, so jalv finds only the
# staged bundle's UI.
#   test_jalv_ui.sh X11_SHOT JACK_ROLL OUT.png
# Skips (exit 77) only when Xvfb is not installed (scripts/deps lists it).
set -u
shot=$1
roll=$2
out=$3
if ! command -v Xvfb >/dev/null 2>&1; then
    echo "SKIP: Xvfb not installed (Debian package xvfb)"
    exit 77
fi
for tool in jalv.gtk3 jackd; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "$tool not installed (Debian packages jalv, jackd1)" >&2
        exit 1
    fi
done
unset MALLOC_PERTURB_
work=$(mktemp -d "${TMPDIR:-/tmp}/cadenza-ui-XXXXXX") || exit 1
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$work"' EXIT INT TERM

# A display number no one else uses: Xvfb picks it and writes it to fd 3.
Xvfb -displayfd 3 -screen 0 1024x640x24 -nolisten tcp 3>"$work/display" \
    >"$work/xvfb.log" 2>&1 &
pids="$!"
for i in 1 2 3 4 5 6 7 8 9 10; do
    [ -s "$work/display" ] && break
    sleep 0.5
done
if ! [ -s "$work/display" ]; then
    echo "Xvfb did not start" >&2
    cat "$work/xvfb.log" >&2
    exit 1
fi
DISPLAY=:$(cat "$work/display")
export DISPLAY

JACK_DEFAULT_SERVER="cadenza-ui-$$"
export JACK_DEFAULT_SERVER
jackd -n "$JACK_DEFAULT_SERVER" -r -d dummy -r 48000 -p 1024 \
    >"$work/jackd.log" 2>&1 &
pids="$! $pids"
sleep 2

jalv.gtk3 -n "cadenza-ui-$$" -c key=2 -c scale=4 urn:cadenza:lv2 \
    >"$work/jalv.log" 2>&1 &
jalv=$!
pids="$jalv $pids"
sleep 3
"$roll" 30 100 3 >"$work/roll.log" 2>&1 &
pids="$! $pids"
sleep 10
status=0
if ! kill -0 $jalv 2>/dev/null; then
    echo "jalv.gtk3 exited early" >&2
    status=1
fi
counts=$("$shot" "$out" f0a030 3cc8dc) || status=1
echo "pixels by colour (played f0a030, planned 3cc8dc):"
echo "$counts"
played=$(echo "$counts" | awk '$1 == "f0a030" { print $2 }')
planned=$(echo "$counts" | awk '$1 == "3cc8dc" { print $2 }')
if [ "${played:-0}" -lt 500 ]; then
    echo "too few played-note pixels: ${played:-0}" >&2
    status=1
fi
if [ "${planned:-0}" -lt 20 ]; then
    echo "too few planned-note pixels: ${planned:-0}" >&2
    status=1
fi
if ! grep -q "cadenza UI" "$work/jalv.log" && [ $status -eq 0 ]; then
    echo "screenshot: $out"
fi
[ $status -ne 0 ] && cat "$work/jalv.log" >&2
exit $status
