#!/bin/sh
# Models of other representations than the piano roll, end to end through
# `cadenza`: train on a folder of MIDI files (--repr), info names the
# representation, generate decodes the model's steps into MIDI (the same
# seed twice, the same file; with a primer; in bfloat16), eval reads the
# folder through the model's own vocabulary, and frame-by-frame users
# refuse such a model. Representations of several fields a step (notes)
# train a fields head. Also --cell for the piano roll.
#   test_repr_cli.sh PATH/TO/cadenza
set -u
. "$(dirname "$0")/cli_lib.sh"
if ! ls "$DATA"/midi/nottingham/ashover*.mid >/dev/null 2>&1; then
    echo "FAIL: no Nottingham MIDI files under $DATA (set CAD_DATA_DIR)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
mkdir "$T/tunes"
ls "$DATA"/midi/nottingham/ashover*.mid | head -n 12 | xargs -I{} cp {} "$T/tunes/"
A="--hidden 16 --layers 1 --epochs 2 --seq-len 100 --batch 4 --seed 3"

for repr in events tokens text; do
    cadenza_has=$("$CAD" train --help 2>&1 | grep -c "$repr")
    [ "$cadenza_has" -gt 0 ] || { bad "train --help does not name $repr"; continue; }
    m="$T/$repr.safetensors"
    if ! "$CAD" train "$T/tunes" -o "$m" --repr "$repr" $A >"$T/out" 2>"$T/err"; then
        # a representation that is not registered in this build says so
        if grep -q "is not one of" "$T/err"; then ok; continue; fi
        bad "train --repr $repr failed"; cat "$T/err" >&2; continue
    fi
    ok
    grep -q "as $repr" "$T/out" && ok || bad "train --repr $repr: no data line"
    expect_code 0 "info $repr" "$CAD" info "$m"
    grep -q "representation: $repr" "$T/out" && ok || bad "info does not name $repr"
    expect_code 0 "generate $repr" "$CAD" generate -m "$m" -o "$T/a.mid" --bars 4 --seed 5
    expect_code 0 "generate $repr again" "$CAD" generate -m "$m" -o "$T/b.mid" --bars 4 --seed 5
    cmp -s "$T/a.mid" "$T/b.mid" && ok || bad "$repr: the same seed gave different MIDI"
    expect_code 0 "generate $repr, primer" "$CAD" generate -m "$m" -o "$T/c.mid" --bars 4 \
        --primer "$T/tunes/$(ls "$T/tunes" | head -n 1)" --primer-frames 40
    expect_code 0 "generate $repr, bf16" "$CAD" generate -m "$m" -o "$T/d.mid" --bars 4 --bf16
    # top-k 1 leaves only the likeliest choice: what temperature 0 takes
    expect_code 0 "generate $repr, top-k 1" "$CAD" generate -m "$m" -o "$T/k1.mid" --bars 4 --top-k 1 --seed 3
    expect_code 0 "generate $repr, greedy" "$CAD" generate -m "$m" -o "$T/t0.mid" --bars 4 --temperature 0
    cmp -s "$T/k1.mid" "$T/t0.mid" && ok || bad "$repr: --top-k 1 is not the likeliest choice"
    expect_code 0 "generate $repr, top-p" "$CAD" generate -m "$m" -o "$T/p.mid" --bars 4 --top-p 0.5 --top-k 20
    expect_code 0 "generate $repr, song form" "$CAD" generate -m "$m" -o "$T/f.mid" --form ABCBDB --section-bars 1
    grep -q "wrote" "$T/out" && ok || bad "$repr: --form wrote nothing"
    expect_code 2 "generate $repr, a form in small letters" "$CAD" generate -m "$m" -o "$T/f.mid" --form abc
    expect_code 0 "eval $repr" "$CAD" eval -m "$m" "$T/tunes" --split train
    nll=$(tail -n 1 "$T/out")
    awk -v v="$nll" 'BEGIN { exit !(v > 0 && v < 20) }' && ok || bad "eval $repr: NLL '$nll'"
done

# The piano-roll's frame-by-frame users refuse such a model with a reason.
if [ -f "$T/events.safetensors" ]; then
    expect_code 1 "eval on piano-roll JSON" "$CAD" eval -m "$T/events.safetensors" \
        "$DATA/pianoroll/jsb-chorales.json" --split valid
fi
# Several fields a step (pitch, step, duration): a fields head, an output
# per field, with the pitch/step/duration systems' loss weights and
# positive pressure; in seconds, and on a beat grid.
for opt in "" "--repr-opt grid=24"; do
    expect_code 0 "train --repr notes $opt" "$CAD" train "$T/tunes" -o "$T/n.safetensors" \
        --repr notes $opt --field-weight pitch=0.05 --pressure 10 $A
    expect_code 0 "info notes" "$CAD" info "$T/n.safetensors"
    grep -q "fields head" "$T/out" && ok || bad "notes $opt: not a fields head: $(head -n 2 "$T/out")"
    expect_code 0 "generate notes $opt" "$CAD" generate -m "$T/n.safetensors" -o "$T/n1.mid" --bars 4 --seed 2
    expect_code 0 "generate notes $opt again" "$CAD" generate -m "$T/n.safetensors" -o "$T/n2.mid" --bars 4 --seed 2
    cmp -s "$T/n1.mid" "$T/n2.mid" && ok || bad "notes $opt: the same seed gave different MIDI"
    expect_code 0 "eval notes $opt" "$CAD" eval -m "$T/n.safetensors" "$T/tunes" --split train
done
expect_code 2 "train --field-weight without =" "$CAD" train "$T/tunes" -o "$T/n.safetensors" --repr notes --field-weight pitch
expect_code 2 "train --repr bogus" "$CAD" train "$T/tunes" -o "$T/n.safetensors" --repr holograms
expect_code 2 "train --repr-opt without =" "$CAD" train "$T/tunes" -o "$T/n.safetensors" --repr events --repr-opt grid
expect_code 1 "train --repr-opt unknown" "$CAD" train "$T/tunes" -o "$T/n.safetensors" --repr events --repr-opt swing=1 $A
# --cell for the piano roll
# A piano roll timed in seconds (the probability-threshold system's 0.3 s
# frames) composes on the beats those make at --bpm, its primer heard in
# seconds through the primer's tempo map.
expect_code 0 "train --step-seconds" "$CAD" train "$T/tunes" -o "$T/s.safetensors" --step-seconds 0.3 $A
expect_code 0 "generate, frames in seconds" "$CAD" generate -m "$T/s.safetensors" -o "$T/s1.mid" \
    --bars 2 --bpm 90 --primer "$T/tunes/$(ls "$T/tunes" | head -n 1)" --include-primer

expect_code 0 "train --cell gru" "$CAD" train "$T/tunes" -o "$T/g.safetensors" --cell gru $A
expect_code 0 "info gru" "$CAD" info "$T/g.safetensors"
grep -q "layer GRU" "$T/out" && ok || bad "info does not say GRU: $(head -n 2 "$T/out")"
expect_code 0 "generate gru" "$CAD" generate -m "$T/g.safetensors" -o "$T/g.mid" --bars 2
expect_code 2 "train --cell transformer" "$CAD" train "$T/tunes" -o "$T/g.safetensors" --cell transformer

# A piano roll with options is read as scores: re-strike bits, the metre
# (the composer writes where each frame lies in the bar), moved to C.
expect_code 0 "train pianoroll onsets+metre" "$CAD" train "$T/tunes" -o "$T/pm.safetensors" \
    --repr pianoroll --repr-opt onsets=1 --repr-opt metre=1 --transpose --step-beats 0.5 $A
grep -q "as pianoroll" "$T/out" && ok || bad "pianoroll with options: not read as scores"
expect_code 0 "info pianoroll metre" "$CAD" info "$T/pm.safetensors"
grep -q "repr.metre: 1" "$T/out" && ok || bad "info: no repr.metre"
expect_code 0 "generate in 6/8" "$CAD" generate -m "$T/pm.safetensors" -o "$T/pm.mid" --bars 4 --metre 6/8
expect_code 0 "text of it" "$CAD" text "$T/pm.mid"
grep -q "^metre 6/8" "$T/out" && ok || bad "the 6/8 piece's file is not in 6/8: $(sed -n 3p "$T/out")"
expect_code 0 "generate, the primer's metre" "$CAD" generate -m "$T/pm.safetensors" -o "$T/pm2.mid" \
    --bars 4 --primer "$T/tunes/$(ls "$T/tunes" | head -n 1)"
expect_code 2 "generate --metre 7" "$CAD" generate -m "$T/pm.safetensors" -o "$T/pm.mid" --metre 7

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
