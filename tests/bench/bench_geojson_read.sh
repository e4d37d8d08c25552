#!/usr/bin/env bash
# Benchmark: cim's native GeoJSON reader against GDAL's GeoJSON driver on the
# sample district's 200k parcels: first --verify (every feature's schema, WKB
# and values equal GDAL's), then the timings of both and their ratio.
set -euo pipefail
CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
BENCH=${BENCH_GEOJSON_READ:?path to bench_geojson_read}
PARCELS=${CIM_BENCH_PARCELS:-200000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
"$BENCH" "$work/src/parcels.geojson" --verify
"$BENCH" "$work/src/parcels.geojson" --repeat 3
