#!/usr/bin/env bash
# Short libFuzzer runs for CI (issue 9 asks for them): builds each target with
# clang, -fsanitize=fuzzer,address,undefined, and runs it for FUZZ_SECONDS
# from the seed corpus. Exit non-zero on any crash. Skips (77) without clang.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "no clang: skipped"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-g -O1 -std=c17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root/formats/geojson" -I"$root/libcim" -I"$root/libcim/include")
# Target: geojson (default), step (the IFC/STEP reader, with GEOS), pipeline
# (cim run's file parser), sensors (the CSV/JSON readers; these two against
# Debian's jansson), mvt (the MVT encoder, a round trip) or gltf (footprint
# triangulation, prisms and the GLB writer).
target=${1:-geojson}
max_len=65536
case $target in
geojson)
    clang "${flags[@]}" "$root/tests/fuzz/fuzz_geojson.c" "$root"/formats/geojson/*.c \
        "$root/libcim/wkb.c" "$root/libcim/error.c" -lm -o "$out/fuzz_$target"
    ;;
step)
    clang "${flags[@]}" -DGEOS_USE_ONLY_R_API -I"$root/formats/ifc" "$root/tests/fuzz/fuzz_step.c" \
        "$root"/formats/ifc/*.c -lgeos_c -lm -o "$out/fuzz_$target"
    ;;
pipeline)
    clang "${flags[@]}" "$root/tests/fuzz/fuzz_pipeline.c" "$root/libcim/pipeline.c" "$root/libcim/error.c" \
        -ljansson -o "$out/fuzz_$target"
    max_len=16384
    ;;
sensors)
    clang "${flags[@]}" -I"$root/formats/sensors" "$root/tests/fuzz/fuzz_sensors.c" "$root"/formats/sensors/*.c \
        -ljansson -lm -o "$out/fuzz_$target"
    max_len=16384
    ;;
mvt)
    clang "${flags[@]}" -I"$root/formats/mvt" -I"$root/formats/bytes" "$root/tests/fuzz/fuzz_mvt.c" \
        "$root"/formats/mvt/*.c "$root"/formats/bytes/*.c -lz -o "$out/fuzz_$target"
    max_len=16384
    ;;
gltf)
    clang "${flags[@]}" -I"$root/formats/gltf" -I"$root/formats/bytes" "$root/tests/fuzz/fuzz_gltf.c" \
        "$root"/formats/gltf/*.c "$root"/formats/bytes/*.c -lz -lm -o "$out/fuzz_$target"
    # up to ~500 points: ear clipping's last resort (splitting along a
    # diagonal) is cubic on self-crossing garbage, as in mapbox/earcut
    max_len=1024
    ;;
*) echo "run_fuzz.sh: unknown target '$target'" >&2; exit 2 ;;
esac
mkdir -p "$out/corpus"
cp "$root/tests/fuzz/corpus_$target/"* "$out/corpus/"
"$out/fuzz_$target" -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=1024 -print_final_stats=1 \
    "$out/corpus" 2>&1 | tail -30
exit "${PIPESTATUS[0]}"
