#!/bin/sh
# `cadenza plot` end to end: a hand-made MIDI file with one note whose
# place in the picture is known (its pixels are a note's colour, the
# pixels before it are not), a model's probability map of the piece it
# composes and of a file it listens to, histograms of a folder, and bad
# usage, bad input and an output that is an input.
# Usage: test_plot_cli.sh PATH/TO/cadenza PATH/TO/png_probe
set -u
. "$(dirname "$0")/cli_lib.sh"
PROBE=$2
MODEL=presets/default.safetensors
# bytes HEX...: raw bytes (dash's printf only knows octal escapes)
bytes() { for h in "$@"; do printf "\\$(printf %03o "0x$h")"; done; }
# probe F X Y: "R G B" of one pixel
probe() { "$PROBE" "$1" "$2" "$3" | sed -n 2p; }
is_note() { # a note is drawn blue on white: blue well above red
    set -- $1 0 0 0
    [ "$3" -gt 150 ] && [ "$1" -lt 150 ]
}

# 96 ticks a quarter: rest for a beat, then C4 for one beat, then a beat
# of rest before the end of the track (3 beats in all).
{ bytes 4D 54 68 64 00 00 00 06 00 00 00 01 00 60 4D 54 72 6B 00 00 00 0C
  bytes 60 90 3C 64 60 80 3C 00 60 FF 2F 00; } >"$T/one.mid"

expect_code 0 "--help" "$CAD" plot --help
expect_code 0 "a roll" "$CAD" plot "$T/one.mid" -o "$T/one.png"
# The picture: 44 px of key names, 24 px a beat for the 2 beats up to the
# note's end, 12 px margin; keys C4..B4
# in rows of 6 px from y = 28, B4 at the top: C4's row is 94..99.
size=$("$PROBE" "$T/one.png" | head -n 1)
if [ "$size" = "104 112" ]; then ok; else bad "roll size $size, want 104 112"; fi
if is_note "$(probe "$T/one.png" 80 97)"; then ok; else bad "no note at beat 1.5, C4: $(probe "$T/one.png" 80 97)"; fi
if is_note "$(probe "$T/one.png" 55 97)"; then bad "a note at beat 0.5"; else ok; fi
if is_note "$(probe "$T/one.png" 80 91)"; then bad "a note at C#4"; else ok; fi

# Probability maps: 88 keys of 6 px; 8 bars of 4 beats at 24 px.
expect_code 0 "a map of a composition" "$CAD" plot --probabilities -m "$MODEL" --bars 8 --seed 3 -o "$T/map.png"
size=$("$PROBE" "$T/map.png" | head -n 1)
if [ "$size" = "824 568" ]; then ok; else bad "map size $size, want 824 568"; fi
# Some key somewhere is likely and most are not: the picture is not flat.
colours=$(for x in 100 200 300 400 500 600 700; do for y in 200 250 300 350; do probe "$T/map.png" $x $y; done; done | sort -u | wc -l)
if [ "$colours" -gt 5 ]; then ok; else bad "map has $colours colours at 28 points"; fi
expect_code 0 "a map of a file" "$CAD" plot --probabilities -m "$MODEL" "$T/one.mid" -o "$T/map2.png"
mkdir "$T/dir"
cp "$T/one.mid" "$T/dir/a.mid"
cp "$T/one.mid" "$T/dir/b.MID"
expect_code 0 "histograms" "$CAD" plot --histograms "$T/dir" -o "$T/hist.png"
if grep -q "2 MIDI files" "$T/out" || "$PROBE" "$T/hist.png" >/dev/null; then ok; else bad "histograms not written"; fi

# Bad usage and input.
expect_code 2 "no output" "$CAD" plot "$T/one.mid"
expect_code 2 "two files for a roll" "$CAD" plot "$T/one.mid" "$T/one.mid" -o "$T/x.png"
expect_code 2 "both pictures" "$CAD" plot --probabilities --histograms "$T/one.mid" -o "$T/x.png"
expect_code 2 "absurd bars" "$CAD" plot --probabilities --bars 100000 -o "$T/x.png"
expect_code 1 "no such file" "$CAD" plot "$T/none.mid" -o "$T/x.png"
printf 'MThd garbage' >"$T/bad.mid"
expect_code 1 "a corrupt file" "$CAD" plot "$T/bad.mid" -o "$T/x.png"
if [ ! -e "$T/x.png" ]; then ok; else bad "a picture of nothing was written"; fi
expect_code 1 "a model that is not one" "$CAD" plot --probabilities -m "$T/one.mid" -o "$T/x.png"
cp "$T/one.mid" "$T/keep.mid"
expect_code 1 "output = input" "$CAD" plot "$T/one.mid" -o "$T/one.mid"
if cmp -s "$T/one.mid" "$T/keep.mid"; then ok; else bad "the input was overwritten"; fi
expect_code 1 "output = model" "$CAD" plot --probabilities -m "$T/one.mid" -o "$T/one.mid"

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
