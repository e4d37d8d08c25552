# shellcheck shell=bash
# lib.sh: what the CLI test scripts share. Source it first thing:
#   . "$(dirname "$0")/lib.sh"
# It gives a temporary directory $T (removed on exit), runs commands with
# their exit code, stdout and stderr captured, counts checks and ends with the
# line "N passed, N failed" (exit 1 on any failure, or if the script stops
# before calling finish).
#
# Checks compare with values computed independently of cim (sqlite3, ogrinfo,
# python3, areas worked out by hand), never with what cim itself printed.

set -u
export LC_ALL=C.UTF-8

if [ -z "${CIM:-}" ] || [ ! -x "$CIM" ]; then
    echo "lib.sh: \$CIM must name the cim binary (meson test sets it)" >&2
    exit 1
fi
CIM_SOURCE_ROOT=${CIM_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CIM_SHARED_DATA=${CIM_SHARED_DATA:-$CIM_SOURCE_ROOT/../shared/data}

# The real interpreter, resolved once: a pyenv shim costs 0.3 s a call.
PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo python3)

T=$(mktemp -d "${TMPDIR:-/tmp}/cim-cli.XXXXXX")
OUT=$T/.stdout   # stdout of the last run/expect_exit
ERR=$T/.stderr   # stderr of the last run/expect_exit
RC=0             # exit code of the last run/expect_exit
PASSED=0
FAILED=0
_FINISHED=0
_TEST_NAME=$(basename "$0" .sh)

_on_exit() {
    local code=$?
    rm -rf "$T"
    if [ "$_FINISHED" != 1 ]; then
        echo "FAIL: $_TEST_NAME stopped before finish (exit $code)"
        echo "$PASSED passed, $((FAILED + 1)) failed"
        exit 1
    fi
}
trap _on_exit EXIT

pass() { PASSED=$((PASSED + 1)); }
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $*"
}
# Shows the captured output of the last command (after a failed check).
show_last() {
    echo "  --- stdout:"
    head -c 2000 "$OUT" | sed 's/^/  | /'
    echo "  --- stderr:"
    head -c 2000 "$ERR" | sed 's/^/  | /'
}

# run CMD...: runs it, capturing stdout/stderr into $OUT/$ERR and the code into $RC.
run() {
    "$@" >"$OUT" 2>"$ERR"
    RC=$?
}

# expect_exit CODE -- CMD...: runs CMD and checks its exit code.
expect_exit() {
    local want=$1
    shift
    [ "${1:-}" = "--" ] && shift
    run "$@"
    if [ "$RC" = "$want" ]; then
        pass
    else
        fail "exit $RC, wanted $want: $*"
        show_last
    fi
}

expect_stderr_contains() {
    if grep -qF -- "$1" "$ERR"; then
        pass
    else
        fail "stderr lacks '$1'"
        show_last
    fi
}
expect_stdout_contains() {
    if grep -qF -- "$1" "$OUT"; then
        pass
    else
        fail "stdout lacks '$1'"
        show_last
    fi
}
expect_stderr_empty() {
    if [ ! -s "$ERR" ]; then
        pass
    else
        fail "stderr not empty"
        show_last
    fi
}
expect_stdout_empty() {
    if [ ! -s "$OUT" ]; then
        pass
    else
        fail "stdout not empty"
        show_last
    fi
}
# The error convention: the first line of stderr is "cim: <what>: <why>".
expect_error_format() {
    if head -n 1 "$ERR" | grep -q '^cim: [^:]*: .'; then
        pass
    else
        fail "stderr does not start with 'cim: <what>: <why>'"
        show_last
    fi
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    if [ "$2" = "$3" ]; then
        pass
    else
        fail "$1: got '$3', wanted '$2'"
    fi
}
expect_ne() {
    if [ "$2" != "$3" ]; then
        pass
    else
        fail "$1: got '$3', which it must not be"
    fi
}
# expect_near WHAT EXPECTED ACTUAL TOLERANCE (absolute)
expect_near() {
    if awk -v e="$2" -v a="$3" -v t="$4" 'BEGIN { d = a - e; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; then
        pass
    else
        fail "$1: got '$3', wanted $2 +- $4"
    fi
}
# expect_true WHAT CMD...: the command succeeds (its output is discarded).
expect_true() {
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then
        pass
    else
        fail "$what"
    fi
}

# sql STORE SQL: plain SQLite on the store (no SpatiaLite functions), read-only.
sql() {
    sqlite3 -readonly -batch -noheader "$1" "$2"
}
# spatial_sql STORE SQL: with SpatiaLite loaded (for ST_* checks independent of cim).
spatial_sql() {
    sqlite3 -readonly -batch -noheader -cmd "SELECT load_extension('mod_spatialite');" "$1" "$2" | sed '/^$/d'
}

# store_fingerprint STORE: SHA-256 of the store file's bytes and of its SQL
# dump, plus the size of a non-empty -wal (uncheckpointed pages would change
# the store as SQLite sees it without touching the file's bytes).
store_fingerprint() {
    local s=$1
    printf 'file %s\n' "$(sha256sum <"$s" | cut -d' ' -f1)"
    printf 'dump %s\n' "$(sqlite3 -readonly -batch "$s" .dump | sha256sum | cut -d' ' -f1)"
    if [ -s "$s-wal" ]; then
        printf 'wal %s bytes\n' "$(stat -c %s "$s-wal")"
    fi
}
# expect_unchanged WHAT STORE BEFORE: BEFORE is an earlier store_fingerprint.
expect_unchanged() {
    local now
    now=$(store_fingerprint "$2")
    if [ "$now" = "$3" ]; then
        pass
    else
        fail "$1: the store changed"
        printf '  before: %s\n  after:  %s\n' "$3" "$now"
    fi
}

# json_valid FILE: parses as JSON.
json_valid() {
    "$PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"
}
# json_get FILE PYEXPR: evaluates a Python expression on the parsed JSON `d`.
json_get() {
    "$PYTHON" -c 'import json,sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# A new store in $T, e.g. new_store s.cim [--srid N]; prints nothing.
new_store() {
    local path=$T/$1
    shift
    if ! "$CIM" init "$path" --quiet "$@" >/dev/null 2>"$T/.init_err"; then
        fail "cim init $path $*: $(cat "$T/.init_err")"
    fi
}

# district_store NAME [SAMPLE OPTIONS...]: $T/NAME, a store of the sample
# district's parcels, roads and stations (the sources in $T/district).
district_store() {
    local name=$1
    shift
    "$CIM" sample "$T/district" "$@" --quiet || fail "sample"
    new_store "$name"
    for l in parcels roads stations; do
        "$CIM" ingest "$T/$name" "$T/district/$l.geojson" --quiet || fail "ingest $l"
    done
}

finish() {
    _FINISHED=1
    echo "$PASSED passed, $FAILED failed"
    if [ "$FAILED" -gt 0 ] || [ "$PASSED" -eq 0 ]; then
        exit 1
    fi
    exit 0
}
