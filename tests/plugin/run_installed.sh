#!/bin/sh
# Installs the build into a fresh staging directory and runs a command with
# LV2_PATH pointing at the staged lv2 directory (and CAD_BUNDLE at the
# bundle), so the plugin tests load
# the bundle exactly as `meson install` lays it out (only the bundle, tag
# 'lv2', so the test does not wait for unrelated targets).
#   run_installed.sh BUILD_DIR LV2DIR COMMAND [ARGS...]
set -u
build=$1
lv2dir=$2
shift 2
stage=$(mktemp -d "${TMPDIR:-/tmp}/cadenza-stage-XXXXXX") || exit 1
trap 'rm -rf "$stage"' EXIT INT TERM
if ! meson install -C "$build" --no-rebuild --quiet --tags lv2 \
        --destdir "$stage" \
        >"$stage.log" 2>&1; then
    cat "$stage.log" >&2
    rm -f "$stage.log"
    echo "run_installed.sh: meson install failed" >&2
    exit 1
fi
rm -f "$stage.log"
# The system's specifications too (as Ardour needs), so lilv knows the
# plugin classes; the staged bundle comes first.
CAD_BUNDLE="$stage$lv2dir/cadenza.lv2"
LV2_PATH="$stage$lv2dir:/usr/lib/lv2"
export CAD_BUNDLE LV2_PATH
"$@"
