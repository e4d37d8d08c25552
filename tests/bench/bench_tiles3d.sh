#!/usr/bin/env bash
# Benchmark: a 3D Tiles tileset of about 100,000 sample-district buildings
# (`cim sample --parcels 50000`; footprints with height_m), `cim tiles3d`
# (read, triangulate, extrude, ECEF frames, GLB + property tables, tileset)
# against the nearest peer Debian has: GDAL writing just the 2D footprints
# with their attributes, reprojected to EPSG:4326, as GeoJSON
#   ogr2ogr -f GeoJSON -t_srs EPSG:4326 OUT.geojson STORE buildings
# (no triangulation, no 3D: what reading and writing the same features costs
# without any of the 3D work; neither SpatiaLite nor GDAL can triangulate or
# write glTF here). Runs alternate so machine noise hits both; medians of
# CIM_BENCH_RUNS; buildings per second, output bytes and peak RSS of each.
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
PARCELS=${CIM_BENCH_PARCELS:-50000}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
"$CIM" init "$work/s.cim" --quiet
"$CIM" ingest "$work/s.cim" "$work/src/buildings.geojson" --layer buildings --quiet
features=$(sqlite3 "$work/s.cim" "SELECT count(*) FROM buildings")
echo "input: $features buildings in a cim store (EPSG:4547), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"

. "$(dirname "$0")/lib.sh"

: >"$work/cim.t"; : >"$work/ogr.t"
for i in $(seq "$RUNS"); do
    rm -rf "$work/3d" "$work/o.geojson"
    timed "$work/cim.t" "$CIM" tiles3d "$work/s.cim" --layer buildings -o "$work/3d" --json
    cp "$work/last.out" "$work/cim.json"
    timed "$work/ogr.t" ogr2ogr -f GeoJSON -t_srs EPSG:4326 "$work/o.geojson" "$work/s.cim" buildings
done
j() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/cim.json" "$1"; }
built=$(j buildings)
echo "cim: $built buildings ($(j skipped_no_height) skipped without height), $(j content_tiles) GLB tiles of $(j tiles), depth $(j depth), $(j triangles) triangles"
cim_s=$(cut -d' ' -f1 "$work/cim.t" | median)
ogr_s=$(cut -d' ' -f1 "$work/ogr.t" | median)
cim_mb=$(cut -d' ' -f2 "$work/cim.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
ogr_mb=$(cut -d' ' -f2 "$work/ogr.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
echo "runs: cim $(cut -d' ' -f1 "$work/cim.t" | tr '\n' ' ')| ogr2ogr $(cut -d' ' -f1 "$work/ogr.t" | tr '\n' ' ')"
printf '%-34s %9s %14s %12s %9s\n' "tool" "median s" "buildings/s" "bytes" "peak MB"
printf '%-34s %9s %14s %12s %9s\n' "cim tiles3d (3D Tiles, GLB)" "$cim_s" \
    "$(awk -v n="$built" -v s="$cim_s" 'BEGIN {printf "%.0f", n / s}')" "$(du -sb "$work/3d" | cut -f1)" "$cim_mb"
printf '%-34s %9s %14s %12s %9s\n' "ogr2ogr -f GeoJSON (2D footprints)" "$ogr_s" \
    "$(awk -v n="$features" -v s="$ogr_s" 'BEGIN {printf "%.0f", n / s}')" "$(stat -c %s "$work/o.geojson")" "$ogr_mb"
echo "time cim/ogr2ogr: $(awk -v a="$cim_s" -v b="$ogr_s" 'BEGIN {printf "%.2f", a / b}') (cim does the 3D work on top)"
