# lib.sh: shared by the real-data tests. Counts checks, keeps a temp dir,
# ends with "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
CIM=${CIM:?set CIM to the cim binary}
DATA=${CIM_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }
check_eq() { if [ "$1" == "$2" ]; then ok; else bad "$3: got '$1', expected '$2'"; fi; }
# check_rel A B TOL WHAT: |A - B| <= TOL * |B|
check_rel() {
    if awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(d <= t * m) }'; then
        ok
    else
        bad "$4: $1 vs $2 (relative tolerance $3)"
    fi
}
# A value from cim's store through cim query (CSV, header dropped).
q() { "$CIM" query "$1" "$2" --format csv | tail -n +2 | tr -d '\r'; }
# The feature count ogrinfo reports for a layer; GML opened without writing a .gfs.
ogr_count() { ogrinfo -ro -so -oo WRITE_GFS=NO "$@" 2>/dev/null | sed -n 's/^Feature Count: //p' | head -1; }
ogr_count_plain() { ogrinfo -ro -so "$@" 2>/dev/null | sed -n 's/^Feature Count: //p' | head -1; }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
