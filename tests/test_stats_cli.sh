#!/bin/sh
# `cadenza stats` end to end: exit codes and messages for bad usage and
# bad inputs; a hand-made 3/4 MIDI file whose statistics are known (its
# time signature sets the bar; without one, --bar-beats does); trailing
# rests counted as silence; folders; and the data sets' values recorded in
# the README. Usage: test_stats_cli.sh PATH/TO/cadenza
set -u
. "$(dirname "$0")/cli_lib.sh"
# value STAT [COLUMN]: from the last --tsv output
value() { awk -F'\t' -v s="$1" -v c="${2:-1}" '$1 == s { print $(c + 1) }' "$T/out"; }
expect_value() { # stat want description [column]
    got=$(value "$1" "${4:-1}")
    if [ "$got" = "$2" ]; then ok; else bad "$3: $1 = '$got', want $2"; fi
}
# bytes HEX...: raw bytes (dash's printf only knows octal escapes)
bytes() { for h in "$@"; do printf "\\$(printf %03o "0x$h")"; done; }

[ -f "$DATA/pianoroll/jsb-chorales.json" ] || { echo "TEST DATA MISSING: $DATA" >&2; exit 1; }
JSB=$DATA/pianoroll/jsb-chorales.json
NOTT=$DATA/pianoroll/nottingham.json

# A MIDI file at one tick per quarter note: six bars of 3/4, one quarter
# note C4 on each downbeat, then two bars of rest (end of track at tick
# 24). With quarter-note frames: 24 frames, 8 bars of 3. 2-bar windows
# with an onset: bars 0..5, of which 1..4 repeat bar 0's pair: 4/6. 4-bar
# windows: 0..4, of which 1 and 2 repeat: 2/5. Every onset on the
# downbeat: metre sqrt(3 - 1). Silent frames: 18 of 24.
notes() {
    for i in 0 1 2 3 4 5; do
        if [ $i -eq 0 ]; then bytes 00; else bytes 02; fi
        bytes 90 3C 40 01 80 3C 00
    done
    bytes 08 FF 2F 00
}
{ bytes 4D 54 68 64 00 00 00 06 00 00 00 01 00 01 4D 54 72 6B 00 00 00 3C
  bytes 00 FF 58 04 03 02 18 08; notes; } >"$T/waltz.mid"
{ bytes 4D 54 68 64 00 00 00 06 00 00 00 01 00 01 4D 54 72 6B 00 00 00 34
  notes; } >"$T/nosig.mid"

expect_code 0 "--help" "$CAD" stats --help
grep -q "usage: cadenza stats" "$T/out" && ok || bad "--help prints no usage"
expect_code 0 "stats is listed" "$CAD" --help
grep -q "stats" "$T/out" && ok || bad "cadenza --help does not list stats"
expect_code 2 "no input" "$CAD" stats
expect_code 2 "unknown option" "$CAD" stats --frobnicate "$T/waltz.mid"
expect_code 2 "bad --step-beats" "$CAD" stats --step-beats 0 "$T/waltz.mid"
expect_code 2 "--step-beats not a number" "$CAD" stats --step-beats 1x "$T/waltz.mid"
expect_code 2 "bad --bar-beats" "$CAD" stats --bar-beats -4 "$T/waltz.mid"
expect_code 2 "bad --split" "$CAD" stats --split everything --step-beats 1 "$JSB"
expect_code 2 ".json without --step-beats" "$CAD" stats "$JSB"
grep -q "step-beats" "$T/err" && ok || bad "no hint about --step-beats"
expect_code 2 "bar not a whole number of frames" "$CAD" stats --step-beats 1 --bar-beats 4.5 "$JSB"
expect_code 1 "missing input" "$CAD" stats "$T/nothing.mid"
grep -q "nothing.mid" "$T/err" && ok || bad "missing input not named"
expect_code 1 "missing split" "$CAD" stats --step-beats 1 --split test "$JSB"
printf 'not midi' >"$T/junk.mid"
expect_code 1 "not a MIDI file" "$CAD" stats "$T/junk.mid"
mkdir "$T/empty"
expect_code 1 "folder without MIDI" "$CAD" stats "$T/empty"
expect_code 1 "special file" "$CAD" stats /dev/null

# The waltz: its time signature gives 3-frame bars.
expect_code 0 "waltz" "$CAD" stats --step-beats 1 --tsv "$T/waltz.mid"
expect_value pieces 1 "waltz"
expect_value bars 8.0 "waltz"
expect_value repeat2 0.6667 "waltz"
expect_value repeat4 0.4000 "waltz"
expect_value metre 1.4142 "waltz"
expect_value silence 0.7500 "waltz"
expect_value held 1.0000 "waltz"
expect_value parallels - "waltz (no four-voice frames)"
# Without a time signature the bar is --bar-beats (4): onsets at frames
# 0 3 6 9 12 15 fall on positions 0 3 2 1 0 3 of a 4-frame bar, CV 1/3.
expect_code 0 "no time signature" "$CAD" stats --step-beats 1 --tsv "$T/nosig.mid"
expect_value metre 0.3333 "4/4 by default"
expect_value bars 6.0 "4/4 by default"
expect_code 0 "--bar-beats 3" "$CAD" stats --step-beats 1 --bar-beats 3 --tsv "$T/nosig.mid"
expect_value metre 1.4142 "--bar-beats 3"
# A folder: the waltz twice and a broken file (skipped with a message),
# next to the file alone; same values, twice the pieces.
mkdir "$T/dir"
cp "$T/waltz.mid" "$T/dir/a.mid"
cp "$T/waltz.mid" "$T/dir/b.MID"
cp "$T/junk.mid" "$T/dir/c.mid"
expect_code 0 "folder" "$CAD" stats --step-beats 1 --tsv "$T/dir" "$T/waltz.mid"
grep -q "c.mid" "$T/err" && ok || bad "the broken file is not named"
grep -q "1 of 3 MIDI files skipped" "$T/err" && ok || bad "no count of skipped files"
expect_value pieces 2 "folder"
expect_value repeat2 0.6667 "folder"
expect_value repeat2 0.6667 "file next to the folder" 2
head -n 1 "$T/out" | grep -q "^statistic	dir	waltz.mid$" && ok || bad "tsv header: $(head -n 1 "$T/out")"
[ "$(wc -l <"$T/out")" -eq 18 ] && ok || bad "tsv: $(wc -l <"$T/out") lines, want 18"
# the commonest key, by name: the waltz is in C major
grep -q "^key_common_name	.*	C major$" "$T/out" && ok || bad "tsv: no key name row: $(grep key_common_name "$T/out")"
expect_code 0 "markdown" "$CAD" stats --step-beats 1 --markdown "$T/waltz.mid"
grep -q "^| 2-bar windows repeating an earlier one | 0.667 |$" "$T/out" && ok || bad "markdown row"

# The data sets' values as recorded in the README.
expect_code 0 "JSB and Nottingham" "$CAD" stats --step-beats 1 --tsv "$JSB"
expect_value pieces 76 "JSB valid"
expect_value end_tonic_bass 0.8158 "JSB valid"
expect_value parallels 0.0051 "JSB valid"
expect_value metre 0.1728 "JSB valid"
expect_code 0 "Nottingham" "$CAD" stats --step-beats 0.5 --tsv "$NOTT"
expect_value pieces 173 "Nottingham valid"
expect_value repeat2 0.3910 "Nottingham valid"
expect_value metre 0.6989 "Nottingham valid"

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
