#!/usr/bin/env bash
# Short libFuzzer run of the sensor readers (formats/sensors, jansson): built
# with clang, -fsanitize=fuzzer,address,undefined, run for FUZZ_SECONDS from
# the seed corpus. Exit non-zero on any crash. Skips (77) without clang.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "no clang: skipped"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-g -O1 -std=c17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root/formats/sensors")
clang "${flags[@]}" "$root/tests/fuzz/fuzz_sensors.c" "$root"/formats/sensors/*.c -ljansson -lm -o "$out/fuzz_sensors"
mkdir -p "$out/corpus"
cp "$root/tests/fuzz/corpus_sensors/"* "$out/corpus/"
"$out/fuzz_sensors" -max_total_time="$secs" -max_len=16384 -rss_limit_mb=1024 -print_final_stats=1 \
    "$out/corpus" 2>&1 | tail -30
exit "${PIPESTATUS[0]}"
