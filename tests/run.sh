#!/usr/bin/env bash
# The README's second command (and CI's): install, build, run every test
# suite but the benchmarks (unit, cli, real). Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
status=0
meson test -C build --print-errorlogs --num-processes 2 || status=$?
python3 - build/meson-logs/testlog.json <<'PY'
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
