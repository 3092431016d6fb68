#!/bin/sh
# jalv 1.6.6 (Debian 12) applies every preset in turn (issue 9), run
# through run_installed.sh. jalv passes restore() a work:schedule that it
# services only for plugins declaring state:threadSafeRestore; Cadenza's
# restore used to call it, and applying the folk preset crashed jalv
# (SIGSEGV). jalv runs on a JACK server of our own (dummy driver, a name
# no one else uses), and its console is driven through its stdin: first
# "presets" (which loads the preset files; without it "preset URI" finds
# nothing and does nothing), then each preset, then "controls".
# Passes if jalv exits cleanly, the plugin logs each preset's model as
# restored, and the last preset's control values are in force.
set -u
for tool in jalv jackd; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "$tool not installed (Debian packages jalv, jackd1)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
done
unset MALLOC_PERTURB_
work=$(mktemp -d "${TMPDIR:-/tmp}/cadenza-jalv-XXXXXX") || exit 1
JACK_DEFAULT_SERVER="cadenza-test-$$"
export JACK_DEFAULT_SERVER
jackd -n "$JACK_DEFAULT_SERVER" -r -d dummy -r 48000 -p 1024 \
    >"$work/jackd.log" 2>&1 &
jack=$!
trap 'kill $jack 2>/dev/null; wait $jack 2>/dev/null; rm -rf "$work"' EXIT INT TERM
sleep 2

uri=urn:cadenza:lv2
{
    sleep 2
    echo presets
    sleep 1
    for p in folk-fiddle calm-piano chorale-organ piano-notes piano-events folk-fiddle; do
        echo "preset $uri#preset-$p"
        sleep 2
    done
    echo controls
    sleep 1
} | timeout -k 5 60 jalv -n "cadenza-test-$$" "$uri" >"$work/jalv.log" 2>&1
rc=$?
status=0
if [ $rc -ne 0 ]; then
    echo "jalv exited with status $rc (139: SIGSEGV)" >&2
    status=1
fi
# The models, in the order the presets were applied (the chorale's is
# the one already loaded, so it is not loaded again).
models=$(sed -n 's|^cadenza: restored .*/\([^/]*\.safetensors\)$|\1|p' "$work/jalv.log" | tr '\n' ' ')
echo "models restored: $models"
if [ "$models" != "nottingham.safetensors default.safetensors piano-notes.safetensors piano-events.safetensors nottingham.safetensors " ]; then
    echo "expected the folk, calm, notes, events and folk presets' models" >&2
    status=1
fi
# The folk preset's controls are in force at the end.
for want in "program = 110.000000" "tempo = 112.000000" "key = 2.000000"; do
    if ! tail -n 20 "$work/jalv.log" | grep -qx "$want"; then
        echo "not in force after the last preset: $want" >&2
        status=1
    fi
done
[ $status -ne 0 ] && cat "$work/jalv.log" >&2
if [ $status -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $status
