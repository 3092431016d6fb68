#!/bin/sh
# The plugin plays models of other representations than the piano roll:
# trains tiny ones (notes, tokens, performance events, text) on a few
# Nottingham tunes with the built command, as tests/test_repr_cli.sh does,
# then runs test_plugin's "repr" scenario on them, its "seconds" one on
# the shipped model made a piano roll timed in seconds, and test_threads with
# the tokens model taking turns with the shipped piano roll under a live
# worker thread (through run_installed.sh).
#   test_repr.sh CADENZA TEST_PLUGIN TEST_THREADS DATA_DIR
set -u
CAD=$1
TEST_PLUGIN=$2
TEST_THREADS=$3
DATA=$4
BUNDLE_MODEL=${CAD_BUNDLE:-.}/default.safetensors
if ! ls "$DATA"/midi/nottingham/ashover*.mid >/dev/null 2>&1; then
    echo "FAIL: no Nottingham MIDI files under $DATA" >&2
    exit 1
fi
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
mkdir "$T/tunes"
ls "$DATA"/midi/nottingham/ashover*.mid | head -n 4 | xargs -I{} cp {} "$T/tunes/"
models=""
# representation:epochs:hidden. Tiny events and text models need more
# training before they write notes at all (text: one character a step).
for spec in notes:2:16 tokens:2:16 events:12:16 text:30:32; do
    repr=${spec%%:*}
    rest=${spec#*:}
    epochs=${rest%%:*}
    hidden=${rest#*:}
    m="$T/$repr.safetensors"
    if ! "$CAD" train "$T/tunes" -o "$m" --repr "$repr" --hidden "$hidden" \
            --layers 1 --epochs "$epochs" --seq-len 100 --batch 4 --seed 3 \
            >"$T/out" 2>&1; then
        cat "$T/out" >&2
        echo "FAIL: train --repr $repr" >&2
        exit 1
    fi
    models="$models $m"
done
# shellcheck disable=SC2086 # the paths have no spaces (mktemp)
"$TEST_PLUGIN" repr $models || exit 1
# The shipped piano roll, its frames made 0.3 s long (the threshold
# system's) by rewriting the metadata in its safetensors header.
python3 - "$BUNDLE_MODEL" "$T/seconds.safetensors" <<'PY' || exit 1
import json, struct, sys
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
h['__metadata__'].update(step_beats='0', step_seconds='0.3')
j = json.dumps(h).encode()
j += b' ' * (-len(j) % 8)
open(sys.argv[2], 'wb').write(struct.pack('<Q', len(j)) + j + b[8 + n:])
PY
"$TEST_PLUGIN" seconds "$T/seconds.safetensors" || exit 1
"$TEST_THREADS" threads "$T/tokens.safetensors"
