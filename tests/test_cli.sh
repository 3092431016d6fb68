#!/bin/sh
# The `cadenza` command end to end: help and exit codes, generate/eval/info
# on the shipped model (eval must reproduce the NLL recorded in the README),
# determinism of generate, clear errors for bad files and options, and a
# short train + resume. Usage: test_cli.sh PATH/TO/cadenza
set -u
. "$(dirname "$0")/cli_lib.sh"

[ -f "$DATA/pianoroll/jsb-chorales.json" ] || { echo "TEST DATA MISSING: $DATA" >&2; exit 1; }
MODEL=presets/default.safetensors

expect_code 0 "--help" "$CAD" --help
expect_code 2 "no command" "$CAD"
expect_code 2 "unknown command" "$CAD" fly
for c in train generate render eval info; do
    expect_code 0 "$c --help" "$CAD" $c --help
done

# generate: same seed, same bytes; another seed, another piece
expect_code 0 "generate" "$CAD" generate -m $MODEL -o "$T/a.mid" --bars 8 --seed 5
expect_code 0 "generate again" "$CAD" generate -m $MODEL -o "$T/b.mid" --bars 8 --seed 5
expect_code 0 "generate seed 6" "$CAD" generate -m $MODEL -o "$T/c.mid" --bars 8 --seed 6
if cmp -s "$T/a.mid" "$T/b.mid"; then ok; else bad "same seed gave different MIDI"; fi
if cmp -s "$T/a.mid" "$T/c.mid"; then bad "different seeds gave the same MIDI"; else ok; fi
head -c 4 "$T/a.mid" | grep -q MThd && ok || bad "output is not a MIDI file"
# a primer, a key and a range
expect_code 0 "generate with primer" "$CAD" generate -m $MODEL --primer "$T/a.mid" -o "$T/p.mid" --key G --scale major --lowest 48 --highest 84
expect_code 2 "bad temperature" "$CAD" generate -m $MODEL -o "$T/x.mid" --temperature abc
expect_code 2 "negative bars" "$CAD" generate -m $MODEL -o "$T/x.mid" --bars -3
expect_code 2 "unknown scale" "$CAD" generate -m $MODEL -o "$T/x.mid" --scale bebop
expect_code 2 "range upside down" "$CAD" generate -m $MODEL -o "$T/x.mid" --lowest 90 --highest 40

# eval reproduces the shipped model's validation NLL (README: 5.52)
expect_code 0 "eval" "$CAD" eval -m $MODEL "$DATA/pianoroll/jsb-chorales.json" --split valid
nll=$(tail -n 1 "$T/out")
case "$nll" in 5.52*) ok ;; *) bad "eval printed '$nll', want 5.52..." ;; esac
# bfloat16 weights: same NLL to within 0.01 (measured: equal to 4 places),
# and generation with them works and is deterministic too
expect_code 0 "eval --bf16" "$CAD" eval -m $MODEL "$DATA/pianoroll/jsb-chorales.json" --bf16
nll16=$(tail -n 1 "$T/out")
awk -v a="$nll" -v b="$nll16" 'BEGIN { d = a - b; exit !(d < 0.01 && d > -0.01 && b > 0) }' && ok || bad "bf16 NLL $nll16 vs $nll"
expect_code 0 "generate --bf16" "$CAD" generate -m $MODEL -o "$T/h1.mid" --bars 8 --seed 5 --bf16
expect_code 0 "generate --bf16 again" "$CAD" generate -m $MODEL -o "$T/h2.mid" --bars 8 --seed 5 --bf16
if cmp -s "$T/h1.mid" "$T/h2.mid"; then ok; else bad "bf16: same seed gave different MIDI"; fi
expect_code 1 "eval of a missing split" "$CAD" eval -m $MODEL "$DATA/pianoroll/jsb-chorales.json" --split test
expect_code 0 "info" "$CAD" info $MODEL
grep -q "nade head" "$T/out" && ok || bad "info does not describe the head"

# bad model files: a message naming the file, exit 1, no crash
printf 'not a model' >"$T/junk.safetensors"
expect_code 1 "junk model" "$CAD" generate -m "$T/junk.safetensors" -o "$T/x.mid"
grep -q "junk.safetensors" "$T/err" && ok || bad "error does not name the file: $(cat "$T/err")"
head -c 100000 $MODEL >"$T/cut.safetensors"
expect_code 1 "truncated model" "$CAD" info "$T/cut.safetensors"
expect_code 1 "missing model" "$CAD" info "$T/nope.safetensors"
grep -q "nope.safetensors" "$T/err" && ok || bad "error does not name the missing file"
[ ! -e "$T/x.mid" ] && ok || bad "a failed run left an output file"
# Finite weights whose forward pass overflows (all 3e38): refused with a
# message, not -nan or noise with exit 0 (issue 10, item 6)
expect_code 1 "overflowing model" "$CAD" generate -m tests/corpus/model/issue10_overflow.safetensors -o "$T/x.mid" --bars 1
grep -q "not finite" "$T/err" && ok || bad "overflowing model: $(cat "$T/err")"
# /dev/zero as a model was read for 2 GiB before "too big" (issue 10, item 5)
expect_code 1 "/dev/zero as a model" timeout 10 "$CAD" info /dev/zero
grep -q "not a regular file" "$T/err" && ok || bad "/dev/zero: $(cat "$T/err")"

# train briefly, then resume: the checkpoint continues the run
cat >"$T/tiny.json" <<'JSON'
{"train": [[[60,64,67],[62,65,69],[64,67,71],[60,64,67],[59,62,67],[60,64,67]],
           [[57,60,64],[59,62,65],[60,64,67],[57,60,64]]],
 "valid": [[[60,64,67],[62,65,69],[60,64,67]]]}
JSON
expect_code 0 "train" "$CAD" train "$T/tiny.json" -o "$T/m.safetensors" --hidden 8 --layers 1 --epochs 2 --batch 2
grep -q "valid nll" "$T/out" && ok || bad "train does not report validation NLL"
expect_code 0 "resume" "$CAD" train "$T/tiny.json" -o "$T/m.safetensors" --hidden 8 --layers 1 --epochs 3 --batch 2 --resume
grep -q "resumed from .* after epoch 2" "$T/out" && ok || bad "resume did not continue at epoch 3"
grep -q "^epoch    3" "$T/out" && ok || bad "resume did not run epoch 3"
# Every DATA argument counts, and the summary says how many pieces came
# from each (issue 10, item 2).
cat >"$T/two.json" <<'JSON'
{"train": [[[60],[62],[64]]], "valid": [[[60],[62]]]}
JSON
expect_code 0 "train A B" "$CAD" train "$T/tiny.json" "$T/two.json" -o "$T/ab.safetensors" --hidden 8 --layers 1 --epochs 1
grep -q "tiny.json: 2 training pieces, 1 validation" "$T/out" && grep -q "two.json: 1 training pieces, 1 validation" "$T/out" &&
    grep -q "^data: 3 training pieces (13 frames), 2 validation pieces (5 frames)" "$T/out" && ok || bad "train A B: $(grep data: "$T/out")"
# --resume is exactly the uninterrupted run, early stopping included
# (issue 10, item 3): killed (kill -9, by the test hook) one epoch before
# its early stop, at it, and earlier, a run resumed with the same command
# ends on the same model file and checkpoint, byte for byte.
A="--hidden 8 --layers 1 --epochs 60 --patience 2 --batch 1 --lr 0.05"
for seed in 1 2 3; do
    mkdir -p "$T/u$seed"
    "$CAD" train "$T/tiny.json" -o "$T/u$seed/m.safetensors" $A --seed $seed >"$T/out" 2>&1
    grep -q "early stop" "$T/out" && ok || bad "seed $seed: no early stop to test against"
    stop=$(grep "^epoch" "$T/out" | tail -n 1 | awk '{print $2}')
    for k in $((stop - 1)) $stop 1; do
        rm -rf "$T/r" && mkdir "$T/r"
        CADENZA_TEST_KILL_AFTER_EPOCH=$k "$CAD" train "$T/tiny.json" -o "$T/r/m.safetensors" $A --seed $seed >/dev/null 2>&1
        [ $? -eq 137 ] && ok || bad "seed $seed: the kill hook did not fire at epoch $k"
        expect_code 0 "seed $seed: resume after epoch $k" "$CAD" train "$T/tiny.json" -o "$T/r/m.safetensors" $A --seed $seed --resume
        cmp -s "$T/r/m.safetensors" "$T/u$seed/m.safetensors" && ok || bad "seed $seed, killed after epoch $k of $stop: resumed model differs"
        cmp -s "$T/r/m.safetensors.ckpt" "$T/u$seed/m.safetensors.ckpt" && ok || bad "seed $seed, killed after epoch $k: checkpoint differs"
    done
done
expect_code 1 "resume on other data" "$CAD" train "$T/two.json" -o "$T/r/m.safetensors" $A --seed 3 --resume
grep -q "other data" "$T/err" && ok || bad "resume on other data: $(cat "$T/err")"

# Provenance names the data by file name, size and content hash, never by
# a path of this machine (issue 10, item 8).
expect_code 0 "info of a trained model" "$CAD" info "$T/u1/m.safetensors"
grep "train.command:" "$T/out" | grep -q "/" && bad "train.command holds a path: $(grep train.command "$T/out")" || ok
grep -q "train.command: cadenza train tiny.json -o m.safetensors --hidden 8" "$T/out" && ok || bad "train.command: $(grep train.command "$T/out")"
size=$(wc -c <"$T/tiny.json")
grep -q "train.data: tiny.json ($size bytes, fnv1a64 [0-9a-f]\{16\})" "$T/out" && ok || bad "train.data: $(grep train.data "$T/out")"
# One 300,000-frame piece (1.5 MB of JSON): train holds one chunk of it at
# a time (issue 10, item 5; it took 820 MB at --hidden 8 and 8 GB with the
# default model before). Peak RSS is checked where /usr/bin/time exists
# and the binary is not built with AddressSanitizer (its shadow memory).
awk 'BEGIN { printf "{\"train\": [["; for (i = 0; i < 300000; i++) printf "%s[%d]", (i ? "," : ""), 60 + i % 12;
             printf "]], \"valid\": [[[60],[62]]]}" }' >"$T/long.json"
if [ -x /usr/bin/time ] && ! ldd "$CAD" 2>/dev/null | grep -q libasan; then
    expect_code 0 "train on a 300,000-frame piece" /usr/bin/time -f "peak %M KB" "$CAD" train "$T/long.json" -o "$T/long.safetensors" --hidden 8 --layers 1 --epochs 1
    kb=$(sed -n 's/^peak \([0-9]*\) KB$/\1/p' "$T/err")
    [ -n "$kb" ] && [ "$kb" -lt 300000 ] && ok || bad "300,000-frame piece: peak RSS ${kb:-?} KB, want < 300 MB"
else
    expect_code 0 "train on a 300,000-frame piece" "$CAD" train "$T/long.json" -o "$T/long.safetensors" --hidden 8 --layers 1 --epochs 1
fi
# Saving a checkpoint streams the tensors to the file: it needed a copy of
# weights and optimiser state plus the serialised file besides (issue 10,
# item 7). LSTM 2x768: 30 MB of weights; weights, gradients and Adam's two
# moments are 120 MB; peak 300 MB before, 130 MB after.
if [ -x /usr/bin/time ] && ! ldd "$CAD" 2>/dev/null | grep -q libasan; then
    mkdir "$T/big"
    expect_code 0 "train a 2x768 model" /usr/bin/time -f "peak %M KB" "$CAD" train "$T/tiny.json" -o "$T/big/m.safetensors" --hidden 768 --epochs 1
    kb=$(sed -n 's/^peak \([0-9]*\) KB$/\1/p' "$T/err")
    [ -n "$kb" ] && [ "$kb" -lt 200000 ] && ok || bad "2x768 model and checkpoint: peak RSS ${kb:-?} KB, want < 200 MB"
    rm -rf "$T/big"
fi
expect_code 0 "eval on a 300,000-frame piece" "$CAD" eval -m "$T/long.safetensors" "$T/long.json" --split train

for m in presets/default.safetensors presets/nottingham.safetensors; do
    expect_code 0 "info $m" "$CAD" info $m
    grep "train.command:" "$T/out" | grep -q "/" && bad "$m: train.command holds a path: $(grep train.command "$T/out")" || ok
    grep -q "train.data: .*json ([0-9]* bytes, fnv1a64 [0-9a-f]\{16\})" "$T/out" && ok || bad "$m: no train.data"
done

expect_code 1 "train on nothing" "$CAD" train "$T/nothing" -o "$T/n.safetensors"
expect_code 2 "train without -o" "$CAD" train "$T/tiny.json"

# An output that is an input (or another output) is refused before any
# work, naming both, and the input is left as it was (issue 10, item 1).
same_file() { # description file-that-must-survive command...
    what=$1 keep=$2
    shift 2
    cp "$keep" "$T/keep.copy"
    expect_code 1 "$what" "$@"
    grep -q "is the input\|are the same file" "$T/err" && ok || bad "$what: message: $(cat "$T/err")"
    cmp -s "$keep" "$T/keep.copy" && ok || bad "$what: $keep was changed"
}
cp "$T/tiny.json" "$T/data.json"
same_file "train -o DATA" "$T/data.json" "$CAD" train "$T/data.json" -o "$T/data.json" --hidden 8 --layers 1 --epochs 1
ln -s data.json "$T/alias.json"
same_file "train -o a link to DATA" "$T/data.json" "$CAD" train "$T/data.json" -o "$T/alias.json" --hidden 8 --layers 1 --epochs 1
cp "$T/a.mid" "$T/in.mid"
same_file "render IN -o IN" "$T/in.mid" "$CAD" render "$T/in.mid" -o "$T/in.mid"
same_file "render IN -o ./IN" "$T/in.mid" "$CAD" render "$T/in.mid" -o "$T/./in.mid"
same_file "generate --primer IN -o IN" "$T/in.mid" "$CAD" generate -m $MODEL --primer "$T/in.mid" -o "$T/in.mid" --bars 1
cp $MODEL "$T/model.safetensors" # a copy: a cadenza without the check destroys it
same_file "generate -o M -m M" "$T/model.safetensors" "$CAD" generate -m "$T/model.safetensors" -o "$T/model.safetensors" --bars 1
expect_code 1 "generate -o X --wav X" "$CAD" generate -m $MODEL -o "$T/ow.mid" --wav "$T/ow.mid" --bars 1
grep -q "ow.mid and .*ow.mid are the same file" "$T/err" && ok || bad "-o X --wav X: $(cat "$T/err")"
[ ! -e "$T/ow.mid" ] && ok || bad "-o X --wav X wrote X before refusing"
mkdir "$T/midi" && cp "$T/a.mid" "$T/midi/one.mid"
same_file "train FOLDER -o FOLDER/file" "$T/midi/one.mid" "$CAD" train "$T/midi" -o "$T/midi/one.mid"

# Saving goes through a symbolic link to its target and never replaces a
# device, FIFO or folder (issue 10, item 4).
ln -s target.mid "$T/link.mid"
expect_code 0 "generate -o LINK (dangling)" "$CAD" generate -m $MODEL -o "$T/link.mid" --bars 1
[ -L "$T/link.mid" ] && [ -f "$T/target.mid" ] && ok || bad "-o LINK replaced the link: $(ls -l "$T/link.mid")"
cp "$T/target.mid" "$T/target.before"
expect_code 0 "generate -o LINK (again)" "$CAD" generate -m $MODEL -o "$T/link.mid" --bars 1 --seed 9
[ -L "$T/link.mid" ] && ok || bad "-o LINK replaced the link the second time"
cmp -s "$T/target.mid" "$T/target.before" && bad "-o LINK left the target as it was" || ok
# A copy of /dev/full's node in $T (as root): a cadenza without the check
# would replace the system's own /dev/full with a regular file.
if mknod "$T/full" c 1 7 2>/dev/null; then
    expect_code 1 "generate -o a device" "$CAD" generate -m $MODEL -o "$T/full" --bars 1
    grep -q "character device" "$T/err" && ok || bad "device: $(cat "$T/err")"
    [ -c "$T/full" ] && ok || bad "the device node was replaced by a file"
fi
mkfifo "$T/fifo"
expect_code 1 "render -o FIFO" "$CAD" render "$T/a.mid" -o "$T/fifo"
[ -p "$T/fifo" ] && ok || bad "the FIFO was replaced"
expect_code 1 "generate -o FOLDER" "$CAD" generate -m $MODEL -o "$T/midi" --bars 1
[ -d "$T/midi" ] && ok || bad "the folder was replaced"
ls -a "$T" | grep -q "tmp-" && bad "a temp file was left: $(ls -a "$T")" || ok

# A SoundFont with the right outline and a broken pdta: FluidSynth's
# fallback loader printed a GLib CRITICAL line before our message (issue
# 10, item 7). One line, ours.
printf 'RIFF\064\000\000\000sfbkLIST\004\000\000\000INFOLIST\004\000\000\000sdtaLIST\020\000\000\000pdtaphdr\046\000\000\000\001\001\001\001' >"$T/pdta.sf2"
expect_code 1 "broken SoundFont" "$CAD" render "$T/a.mid" -o "$T/sf.wav" --soundfont "$T/pdta.sf2"
[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^cadenza render: soundfont .*pdta.sf2: FluidSynth cannot load it" "$T/err" && ok || bad "broken SoundFont: $(cat "$T/err")"

# Temp files left by a killed save (ours: ".NAME.tmp-PID-N") are removed
# by the next save of NAME once their process is gone; a live process's
# are left alone (issue 10, item 7).
dead=$(sh -c 'echo $$')
: >"$T/.kept.mid.tmp-$dead-0"
: >"$T/.kept.mid.tmp-$$-0"
: >"$T/.other.mid.tmp-$dead-0"
expect_code 0 "save next to stale temp files" "$CAD" generate -m $MODEL -o "$T/kept.mid" --bars 1
[ ! -e "$T/.kept.mid.tmp-$dead-0" ] && ok || bad "a dead process's temp file was left"
[ -e "$T/.kept.mid.tmp-$$-0" ] && [ -e "$T/.other.mid.tmp-$dead-0" ] && ok || bad "a live process's or another name's temp file was removed"
rm -f "$T/.kept.mid.tmp-$$-0" "$T/.other.mid.tmp-$dead-0"

# A missing or read-only output folder is reported before the first epoch.
expect_code 1 "train -o missing/folder" "$CAD" train "$T/tiny.json" -o "$T/nope/m.safetensors" --hidden 8 --layers 1 --epochs 1
grep -q "does not exist" "$T/err" && ! grep -q "^epoch" "$T/out" && ok || bad "missing folder: $(cat "$T/err")"
# Read-only: root writes anywhere, so as root the check runs as nobody.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    mkdir "$T/ro" && chmod 555 "$T/ro" && chmod 755 "$T"
    expect_code 1 "train -o read-only/folder" setpriv --reuid=65534 --regid=65534 --clear-groups "$CAD" train "$T/tiny.json" -o "$T/ro/m.safetensors" --hidden 8 --layers 1 --epochs 1
    grep -q "cannot write in the folder" "$T/err" && ! grep -q "^epoch" "$T/out" && ok || bad "read-only folder: $(cat "$T/err")"
    chmod 700 "$T"
fi

# Controls that leave the model nothing to play: a range outside its keys
# is refused; one that leaves it (almost) silent is played with a warning.
expect_code 2 "generate, range above the keys" "$CAD" generate -m "$MODEL" -o "$T/r.mid" --lowest 110 --highest 120
grep -q "none of the model's keys" "$T/err" && ok || bad "range outside the keys: $(cat "$T/err")"
expect_code 0 "generate, top octave only" "$CAD" generate -m "$MODEL" -o "$T/r.mid" --lowest 100 --highest 108
grep -q "warning: .* frames are silent" "$T/err" && ok || bad "no warning for a nearly silent piece: $(cat "$T/err")"
expect_code 0 "generate, a normal piece" "$CAD" generate -m "$MODEL" -o "$T/r.mid"
grep -q "warning" "$T/err" && bad "a warning for a normal piece: $(cat "$T/err")" || ok

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
