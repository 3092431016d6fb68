#!/bin/sh
# Static checks of the installed bundle (run through run_installed.sh):
# lv2_validate on every Turtle file, and only lv2_descriptor exported.
set -u
bundle="$CAD_BUNDLE"
status=0
for f in manifest.ttl cadenza.ttl default.safetensors nottingham.safetensors \
         preset-chorale-organ.ttl \
         preset-folk-fiddle.ttl preset-calm-piano.ttl preset-piano-notes.ttl \
         preset-piano-events.ttl piano-notes.safetensors piano-events.safetensors \
         cadenza.so; do
    if [ ! -e "$bundle/$f" ]; then
        echo "not installed: $bundle/$f" >&2
        status=1
    fi
done
out=$(lv2_validate "$bundle"/*.ttl 2>&1)
echo "$out" | tail -n 1
case "$out" in
    *"Found 0 errors"*) ;;
    *) echo "$out" >&2; status=1 ;;
esac
exported=$(nm -D --defined-only "$bundle/cadenza.so" | awk '{print $3}')
if [ "$exported" != "lv2_descriptor" ]; then
    echo "exported symbols other than lv2_descriptor:" >&2
    echo "$exported" | head -n 20 >&2
    status=1
fi
echo "exported: $exported"
if [ $status -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $status
