# What the command-line tests share (sourced, not run): the command under
# test, the data folder, a temporary folder removed at exit, and counting
# checks. A script sources it as `. "$(dirname "$0")/cli_lib.sh"` after
# `set -u`, with the cadenza binary as its first argument.
CAD=$1
DATA=${CAD_DATA_DIR:-../shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
checks=0
ok() { checks=$((checks + 1)); }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*" >&2; }
# expect_code CODE DESCRIPTION COMMAND...: runs it, stdout in $T/out and
# stderr in $T/err, and checks the exit code.
expect_code() {
    want=$1 what=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want"; cat "$T/err" >&2; fi
}
