#!/usr/bin/env bash
# The README's second command (and CI's): install, build, run every test
# suite but the benchmarks (unit, cli, real). Ends with "N passed, N failed".
#   tests/run.sh              the normal build, in build/
#   tests/run.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer
#                             (leaks included), in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dir=build
setup=()
if [ "${1:-}" = "--sanitize" ]; then
    dir=build-asan
    setup=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
[ -d "$dir" ] || meson setup "$dir" "${setup[@]}" >/dev/null
ninja -C "$dir" >/dev/null
status=0
meson test -C "$dir" --print-errorlogs --num-processes 2 || status=$?
python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["result"] in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r["result"] == "SKIP":
        skipped += 1
    else:
        failed += 1
        print("failed:", r["name"])
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
