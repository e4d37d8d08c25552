#!/usr/bin/env bash
# A short libFuzzer run of the pipeline file parser (cim run), built with
# clang, -fsanitize=fuzzer,address,undefined, against Debian's jansson, for
# FUZZ_SECONDS from the seed corpus. Exit non-zero on any crash. Skips (77)
# without clang.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "no clang: skipped"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-g -O1 -std=c17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root/libcim" -I"$root/libcim/include")
clang "${flags[@]}" "$root/tests/fuzz/fuzz_pipeline.c" "$root/libcim/pipeline.c" "$root/libcim/error.c" \
    -ljansson -o "$out/fuzz_pipeline"
mkdir -p "$out/corpus"
cp "$root/tests/fuzz/corpus_pipeline/"* "$out/corpus/"
"$out/fuzz_pipeline" -max_total_time="$secs" -max_len=16384 -rss_limit_mb=1024 -print_final_stats=1 \
    "$out/corpus" 2>&1 | tail -30
exit "${PIPESTATUS[0]}"
