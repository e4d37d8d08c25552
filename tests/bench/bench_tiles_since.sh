#!/usr/bin/env bash
# Benchmark: `cim tiles --since` patching a z10-14 PMTiles archive of 200,000
# sample parcels after a nightly upsert of 100 adjacent parcels (moved 100 m,
# a new land use), against the alternative, a full rebuild of the same
# archive. Runs alternate; medians of CIM_BENCH_RUNS; tiles re-rendered, peak
# memory; the patched archive must equal the full rebuild byte for byte.
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
PARCELS=${CIM_BENCH_PARCELS:-200000}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
"$CIM" init "$work/s.cim" --quiet
"$CIM" ingest "$work/s.cim" "$work/src/parcels.geojson" --layer parcels --quiet
rm -rf "$work/src"
tiles() { "$CIM" tiles "$work/s.cim" --layer parcels --minzoom 10 --maxzoom 14 "$@"; }
tiles -o "$work/base.pmtiles" --quiet
run=$(sqlite3 "$work/s.cim" "SELECT max(id) FROM cim_runs")

# the nightly change: 100 parcels in a row (fids are laid out street by street)
mid=$((PARCELS / 2))
ogr2ogr -f GeoJSON "$work/mod.geojson" "$work/s.cim" -dialect sqlite -sql "SELECT parcel_id, scheme,
    'X9' AS landuse, landuse_plan, far_limit, height_limit_m, street, district,
    ST_Translate(geom, 100, 0, 0) AS geom FROM parcels WHERE fid BETWEEN $mid AND $((mid + 99))" -t_srs EPSG:4326
"$CIM" ingest "$work/s.cim" "$work/mod.geojson" --layer parcels --upsert parcel_id --quiet
echo "input: $PARCELS parcels, 100 upserted after run $run; z10-14 PMTiles, $(nproc) CPUs"

: >"$work/patch.t"; : >"$work/full.t"
mkdir -p "$work/full"
for i in $(seq "$RUNS"); do
    cp "$work/base.pmtiles" "$work/p.pmtiles"
    timed "$work/patch.t" "$CIM" tiles "$work/s.cim" --layer parcels --minzoom 10 --maxzoom 14 \
        -o "$work/p.pmtiles" --since "$run" --json
    cp "$work/last.out" "$work/patch.json"
    rm -f "$work/full/p.pmtiles"
    timed "$work/full.t" "$CIM" tiles "$work/s.cim" --layer parcels --minzoom 10 --maxzoom 14 \
        -o "$work/full/p.pmtiles" --json
    cp "$work/last.out" "$work/full.json"
done
# (the same file name: the metadata names the tileset after it)
cmp "$work/p.pmtiles" "$work/full/p.pmtiles" || { echo "the patched archive differs from the full rebuild" >&2; exit 1; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/$1.json" "$2"; }
patch_s=$(cut -d' ' -f1 "$work/patch.t" | median)
full_s=$(cut -d' ' -f1 "$work/full.t" | median)
mb() { cut -d' ' -f2 "$1" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}'; }
echo "runs: patch $(cut -d' ' -f1 "$work/patch.t" | tr '\n' ' ')| full $(cut -d' ' -f1 "$work/full.t" | tr '\n' ' ')"
printf '%-34s %9s %14s %9s\n' "tool" "median s" "tiles rendered" "peak MB"
printf '%-34s %9s %14s %9s\n' "cim tiles --since (patch)" "$patch_s" "$(field patch tiles_rendered)" "$(mb "$work/patch.t")"
printf '%-34s %9s %14s %9s\n' "cim tiles (full rebuild)" "$full_s" "$(field full tiles)" "$(mb "$work/full.t")"
echo "tiles touched by the change: $(field patch tiles_touched); the patched archive = the full rebuild, byte for byte"
echo "speed-up full/patch: $(awk -v a="$patch_s" -v b="$full_s" 'BEGIN {printf "%.1f", b / a}')x"
