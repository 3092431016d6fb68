#!/bin/sh
# lv2lint (not packaged in Debian 12; built from its source) on the staged
# bundle, with the window's checks: it instantiates the UI, so it runs on
# an Xvfb display of its own. -E warn: a warning fails. Run through
# run_installed.sh.
#   test_lv2lint.sh LV2LINT
set -u
lint=$1
if ! command -v Xvfb >/dev/null 2>&1; then
    echo "SKIP: Xvfb not installed (Debian package xvfb)"
    exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cadenza-lint-XXXXXX") || exit 1
Xvfb -displayfd 3 -screen 0 1024x640x24 -nolisten tcp 3>"$work/display" \
    >"$work/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; wait $xvfb 2>/dev/null; rm -rf "$work"' EXIT INT TERM
for i in 1 2 3 4 5 6 7 8 9 10; do
    [ -s "$work/display" ] && break
    sleep 0.5
done
DISPLAY=:$(cat "$work/display")
export DISPLAY
"$lint" -E warn -S warn -I "$CAD_BUNDLE/" urn:cadenza:lv2
