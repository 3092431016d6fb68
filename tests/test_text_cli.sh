#!/bin/sh
# `cadenza text` end to end: exit codes and messages for bad usage and bad
# inputs; a hand-made 3/4 MIDI file whose text is known; -o against
# stdout; outputs that are the input; text back to MIDI and to the same
# text again (hand-made and real files); hand-edited text (flats,
# comments); garbage that decodes with a count of what was skipped.
# Usage: test_text_cli.sh PATH/TO/cadenza
set -u
. "$(dirname "$0")/cli_lib.sh"
same() { # file file description
    if cmp -s "$1" "$2"; then ok; else bad "$3"; diff "$1" "$2" | head -n 10 >&2; fi
}
# bytes HEX...: raw bytes (dash's printf only knows octal escapes)
bytes() { for h in "$@"; do printf "\\$(printf %03o "0x$h")"; done; }

NOTT=$DATA/midi/nottingham
[ -f "$NOTT/jigs10.mid" ] || { echo "TEST DATA MISSING: $NOTT" >&2; exit 1; }

# One tick per quarter note: six bars of 3/4, a quarter-note C4 on each
# downbeat, two bars of rest (the text stops at the last note's bar).
{ bytes 4D 54 68 64 00 00 00 06 00 00 00 01 00 01 4D 54 72 6B 00 00 00 3C
  bytes 00 FF 58 04 03 02 18 08
  for i in 0 1 2 3 4 5; do
      if [ $i -eq 0 ]; then bytes 00; else bytes 02; fi
      bytes 90 3C 40 01 80 3C 00
  done
  bytes 08 FF 2F 00; } >"$T/waltz.mid"
{ printf 'step 0.25\ntempo 120\nmetre 3/4\n'
  for i in 1 2 3 4 5 6; do printf '| C4:1 . . . . . . . . . . .\n'; done; } >"$T/waltz.want"

expect_code 0 "--help" "$CAD" text --help
grep -q "usage: cadenza text" "$T/out" && ok || bad "--help prints no usage"
expect_code 0 "text is listed" "$CAD" --help
grep -q "^  text " "$T/out" && ok || bad "cadenza --help does not list text"
expect_code 2 "no input" "$CAD" text
expect_code 2 "two inputs" "$CAD" text "$T/waltz.mid" "$T/waltz.mid"
expect_code 2 "unknown option" "$CAD" text --frobnicate "$T/waltz.mid"
expect_code 2 "bad --step-beats" "$CAD" text --step-beats 0 "$T/waltz.mid"
expect_code 2 "--step-beats not a number" "$CAD" text --step-beats 1x "$T/waltz.mid"
expect_code 2 "bad --velocity" "$CAD" text --velocity 200 "$T/waltz.mid"
expect_code 2 "--max-beats below a step" "$CAD" text --max-beats 0.1 "$T/waltz.mid"
expect_code 2 "--decode without -o" "$CAD" text --decode "$T/waltz.want"
grep -q -- "-o" "$T/err" && ok || bad "no hint about -o"
expect_code 1 "missing input" "$CAD" text "$T/nothing.mid"
grep -q "nothing.mid" "$T/err" && ok || bad "missing input not named"
printf 'not midi' >"$T/junk.mid"
expect_code 1 "not a MIDI file" "$CAD" text "$T/junk.mid"
expect_code 1 "a folder" "$CAD" text "$T"
expect_code 1 "a folder to decode" "$CAD" text -d "$T" -o "$T/x.mid"
expect_code 1 "special file" "$CAD" text /dev/null

# The waltz's text, on stdout and with -o (the same bytes).
expect_code 0 "waltz" "$CAD" text "$T/waltz.mid"
same "$T/out" "$T/waltz.want" "the waltz's text"
expect_code 0 "waltz -o" "$CAD" text "$T/waltz.mid" -o "$T/waltz.txt"
same "$T/waltz.txt" "$T/waltz.want" "-o writes what stdout shows"
[ ! -s "$T/out" ] && ok || bad "-o also printed to stdout"
expect_code 0 "--step-beats 1" "$CAD" text --step-beats 1 "$T/waltz.mid"
[ "$(sed -n 4p "$T/out")" = "| C4:1 . ." ] && ok || bad "quarter-note grid: $(sed -n 4p "$T/out")"
# Outputs that are the input, and outputs that cannot be written.
cp "$T/waltz.mid" "$T/keep.mid"
expect_code 1 "output is the input" "$CAD" text "$T/keep.mid" -o "$T/keep.mid"
same "$T/keep.mid" "$T/waltz.mid" "the input was changed"
ln -s "$T/keep.mid" "$T/link.mid"
expect_code 1 "output is a link to the input" "$CAD" text "$T/keep.mid" -o "$T/link.mid"
same "$T/keep.mid" "$T/waltz.mid" "the input was changed through a link"
expect_code 1 "decode onto its input" "$CAD" text -d "$T/waltz.txt" -o "$T/waltz.txt"
same "$T/waltz.txt" "$T/waltz.want" "the text was changed"
expect_code 1 "output a folder" "$CAD" text "$T/waltz.mid" -o "$T"
grep -q "not a regular file" "$T/err" && ok || bad "a folder as output: $(cat "$T/err")"
mkfifo "$T/fifo"
expect_code 1 "output a pipe" "$CAD" text "$T/waltz.mid" -o "$T/fifo"
[ -p "$T/fifo" ] && ok || bad "the pipe was replaced"
expect_code 1 "output in a missing folder" "$CAD" text "$T/waltz.mid" -o "$T/no/such.txt"

# Back to MIDI and to the same text.
expect_code 0 "decode" "$CAD" text --decode "$T/waltz.txt" -o "$T/back.mid"
[ ! -s "$T/err" ] && ok || bad "a clean text reported skips: $(cat "$T/err")"
expect_code 0 "decoded MIDI" "$CAD" text "$T/back.mid"
same "$T/out" "$T/waltz.want" "text -> MIDI -> text"
for f in ashover1 jigs10 waltzes50 reelsa-c12 xmas1 morris1; do
    "$CAD" text "$NOTT/$f.mid" -o "$T/$f.txt" &&
        "$CAD" text -d "$T/$f.txt" -o "$T/$f.mid" 2>"$T/err" &&
        "$CAD" text "$T/$f.mid" -o "$T/$f.again" && ok || bad "$f: round trip failed"
    same "$T/$f.txt" "$T/$f.again" "$f: text -> MIDI -> text differs"
done

# Text as a person edits it: flats, lower case, comments, a closing bar.
printf '%% a B-flat chord, then C\nmetre 2/4\n| bb3+D4+F4:2 . . . . . . . |  %% held\n| c5:0.5 . . . . . . .\n' >"$T/edit.txt"
expect_code 0 "edited text" "$CAD" text -d "$T/edit.txt" -o "$T/edit.mid"
expect_code 0 "edited text back" "$CAD" text "$T/edit.mid"
printf 'step 0.25\ntempo 120\nmetre 2/4\n| A#3+D4+F4:2 . . . . . . .\n| C5:0.5 . . . . . . .\n' >"$T/edit.want"
same "$T/out" "$T/edit.want" "edited text"

# Garbage decodes, says how much it skipped, and writes a MIDI file.
{ printf 'metre 0/4\n| C4:1 zz Q9 . . . . . . . . . . . . . . . . .\n'
  head -c 3000 /dev/urandom; } >"$T/garbage.txt"
expect_code 0 "garbage" "$CAD" text -d "$T/garbage.txt" -o "$T/garbage.mid"
grep -q "skipped" "$T/err" && ok || bad "no count of skipped text"
expect_code 0 "garbage's MIDI" "$CAD" text "$T/garbage.mid"
: >"$T/empty.txt"
expect_code 0 "empty text" "$CAD" text -d "$T/empty.txt" -o "$T/empty.mid"
grep -q "no notes" "$T/err" && ok || bad "no word about an empty result"
[ -s "$T/empty.mid" ] && ok || bad "no MIDI file for empty text"

# The character RNN on any plain text (not music): the seed's settings,
# its smoothed loss, the last tenth as validation text, sampling to .txt.
for i in $(seq 1 60); do
    printf 'Verse %d: the fiddle plays a reel, the piper answers it.\n' "$i"
    printf 'And every tune comes round again, as tunes will do.\n'
done >"$T/plain.txt"
expect_code 0 "train on plain text" "$CAD" train "$T/plain.txt" -o "$T/plain.safetensors" \
    --repr text --cell rnn --layers 1 --hidden 100 --seq-len 25 --batch 1 \
    --optimizer adagrad --lr 0.1 --clip-value 5 --clip-norm 0 --dropout 0 \
    --dropout-in 0 --epochs 4 --print-every 50
cp "$T/out" "$T/train.out"
grep -q "characters of training text" "$T/train.out" && ok || bad "no word about the text read"
first=$(grep '^iter 0, loss:' "$T/train.out" | sed 's/.*loss: //')
last=$(grep '^iter ' "$T/train.out" | tail -n 1 | sed 's/.*loss: //')
[ -n "$first" ] && awk -v f="$first" -v l="$last" 'BEGIN { exit !(l < f - 5) }' &&
    ok || bad "smoothed loss did not fall: '$first' -> '$last'"
# iteration 0: 0.999 * 25 log(V) + 0.001 * its own loss, near 25 log(V)
v=$(tr -d '\n' <"$T/plain.txt" | fold -w1 | sort -u | wc -l)
awk -v f="$first" -v v="$((v + 1))" 'BEGIN { e = 25 * log(v); exit !(f > e - 0.2 && f < e + 0.2) }' &&
    ok || bad "iteration 0's loss $first is not 25 log(V) for V = $((v + 1))"
best=$(grep '^best valid nll' "$T/train.out" | awk '{ print $4 }')
expect_code 0 "eval on the text" "$CAD" eval -m "$T/plain.safetensors" "$T/plain.txt" --split valid
[ "$(tail -n 1 "$T/out")" = "$best" ] && ok || bad "eval $(tail -n 1 "$T/out"), training said $best"
grep -q "characters" "$T/out" && ok || bad "eval does not count characters"
expect_code 0 "sample text" "$CAD" generate -m "$T/plain.safetensors" -o "$T/s1.txt" --chars 200 --temperature 0.8
[ "$(wc -c <"$T/s1.txt")" -eq 200 ] && ok || bad "sampled $(wc -c <"$T/s1.txt") characters, not 200"
[ -z "$(tr -d '\nVerse0-9:thefidlpaysrcwnuoAvgmi,. ' <"$T/s1.txt")" ] && ok ||
    bad "sampled characters the text does not have: $(cat "$T/s1.txt")"
"$CAD" generate -m "$T/plain.safetensors" -o "$T/s2.txt" --chars 200 --temperature 0.8 >/dev/null
same "$T/s1.txt" "$T/s2.txt" "the same seed samples other text"
"$CAD" generate -m "$T/plain.safetensors" -o "$T/s3.txt" --chars 200 --temperature 0.8 --seed 9 >/dev/null
cmp -s "$T/s1.txt" "$T/s3.txt" && bad "another seed samples the same text" || ok
printf 'And every' >"$T/primer.txt"
expect_code 0 "greedy with a primer" "$CAD" generate -m "$T/plain.safetensors" -o "$T/g.txt" \
    --chars 40 --temperature 0 --primer "$T/primer.txt"
expect_code 1 "a plain text model to MIDI" "$CAD" generate -m "$T/plain.safetensors" -o "$T/g.mid"
grep -q "NAME.txt" "$T/err" && ok || bad "no hint to write .txt"
expect_code 1 "plain text for another representation" "$CAD" train "$T/plain.txt" \
    -o "$T/x.safetensors" --repr tokens --epochs 1

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
