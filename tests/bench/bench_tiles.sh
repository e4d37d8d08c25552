#!/usr/bin/env bash
# Benchmark: vector tiles z10-14 of 200,000 sample-district parcels from one
# store, `cim tiles` against GDAL's
#   ogr2ogr -f MBTiles -dsco MINZOOM=10 -dsco MAXZOOM=14
# reading the same store table, and against Mapbox's geojson-vt + vt-pbf
# (geojsonvt_tiles.mjs; tippecanoe is neither a Debian nor an npm package)
# on the same parcels as GeoJSON. Runs alternate between the two tools so
# machine noise hits both; medians of CIM_BENCH_RUNS runs; tiles, bytes and
# peak memory of each. Goal (issue 6): cim at least 10x faster than ogr2ogr
# (and, beyond that, tippecanoe's 14-17 s for this input on this machine class).
# Then memory as the layer grows: cim on a layer CIM_BENCH_SCALE (4) times as
# large (the sample district grown to match), peak against the first peak;
# goal: under 1.5x (the layers are read a block at a time, so memory follows
# the density, not the size).
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
PARCELS=${CIM_BENCH_PARCELS:-200000}
RUNS=${CIM_BENCH_RUNS:-3}
GOAL=10
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
"$CIM" init "$work/s.cim" --quiet
"$CIM" ingest "$work/s.cim" "$work/src/parcels.geojson" --layer parcels --quiet
features=$(sqlite3 "$work/s.cim" "SELECT count(*) FROM parcels")
echo "input: $features parcels in a cim store (EPSG:4547), zooms 10-14, $(nproc) CPUs"

. "$(dirname "$0")/lib.sh"

# the JavaScript peer reads GeoJSON in EPSG:4326 (its conversion is not timed)
NODE_DIR=$(dirname "$0")/../node
vt=0
if [ -d "$NODE_DIR/node_modules/geojson-vt" ] && [ -d "$NODE_DIR/node_modules/vt-pbf" ]; then
    ogr2ogr -f GeoJSON -t_srs EPSG:4326 "$work/p.geojson" "$work/s.cim" parcels
    vt=1
fi

: >"$work/cim.t"; : >"$work/ogr.t"; : >"$work/vt.t"
for i in $(seq "$RUNS"); do
    rm -f "$work/c.mbtiles" "$work/o.mbtiles"
    timed "$work/cim.t" "$CIM" tiles "$work/s.cim" --layer parcels --minzoom 10 --maxzoom 14 -o "$work/c.mbtiles"
    cp "$work/last.out" "$work/cim.summary"
    timed "$work/ogr.t" ogr2ogr -f MBTiles "$work/o.mbtiles" "$work/s.cim" parcels \
        -dsco MINZOOM=10 -dsco MAXZOOM=14
    if [ "$vt" = 1 ]; then
        timed "$work/vt.t" node "$(dirname "$0")/geojsonvt_tiles.mjs" "$work/p.geojson" parcels 10 14
        cp "$work/last.out" "$work/vt.summary"
    fi
done
cat "$work/cim.summary"

tiles() { sqlite3 "$1" "SELECT count(*) FROM tiles"; }
bytes() { sqlite3 "$1" "SELECT sum(length(tile_data)) FROM tiles"; }
maxb() { sqlite3 "$1" "SELECT max(length(tile_data)) FROM tiles"; }
cim_s=$(cut -d' ' -f1 "$work/cim.t" | median)
ogr_s=$(cut -d' ' -f1 "$work/ogr.t" | median)
cim_mb=$(cut -d' ' -f2 "$work/cim.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
ogr_mb=$(cut -d' ' -f2 "$work/ogr.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
ratio=$(awk -v a="$cim_s" -v b="$ogr_s" 'BEGIN {printf "%.1f", b / a}')
echo "runs: cim $(cut -d' ' -f1 "$work/cim.t" | tr '\n' ' ')| ogr2ogr $(cut -d' ' -f1 "$work/ogr.t" | tr '\n' ' ')"
printf '%-22s %9s %8s %12s %12s %9s\n' "tool" "median s" "tiles" "bytes" "largest" "peak MB"
printf '%-22s %9s %8s %12s %12s %9s\n' "cim tiles" "$cim_s" "$(tiles "$work/c.mbtiles")" \
    "$(bytes "$work/c.mbtiles")" "$(maxb "$work/c.mbtiles")" "$cim_mb"
printf '%-22s %9s %8s %12s %12s %9s\n' "ogr2ogr -f MBTiles" "$ogr_s" "$(tiles "$work/o.mbtiles")" \
    "$(bytes "$work/o.mbtiles")" "$(maxb "$work/o.mbtiles")" "$ogr_mb"
if [ "$vt" = 1 ]; then
    read -r vt_tiles vt_bytes vt_max <"$work/vt.summary"
    vt_s=$(cut -d' ' -f1 "$work/vt.t" | median)
    vt_mb=$(cut -d' ' -f2 "$work/vt.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
    printf '%-22s %9s %8s %12s %12s %9s\n' "geojson-vt + vt-pbf" "$vt_s" "$vt_tiles" "$vt_bytes" "$vt_max" "$vt_mb"
    echo "speed-up geojson-vt/cim: $(awk -v a="$cim_s" -v b="$vt_s" 'BEGIN {printf "%.1f", b / a}')x" \
        "(geojson-vt keeps every feature: no tile limits)"
fi
if command -v tippecanoe >/dev/null; then
    ogr2ogr -f GeoJSONSeq "$work/p.geojsons" "$work/s.cim" parcels -t_srs EPSG:4326
    /usr/bin/time -f "%e %M" -o "$work/time" tippecanoe -q -f -Z10 -z14 -o "$work/t.mbtiles" "$work/p.geojsons"
    echo "tippecanoe: $(cut -d' ' -f1 "$work/time") s"
else
    echo "tippecanoe: not installed (not a Debian 12 package); its published figure: 14-17 s"
fi
echo "speed-up ogr2ogr/cim: ${ratio}x (goal >= ${GOAL}x)"

SCALE=${CIM_BENCH_SCALE:-4}
big=$((PARCELS * SCALE))
rm -rf "$work/src"
"$CIM" sample "$work/src" --parcels "$big" --days 0 --quiet
"$CIM" init "$work/b.cim" --quiet
"$CIM" ingest "$work/b.cim" "$work/src/parcels.geojson" --layer parcels --quiet
rm -rf "$work/src"
: >"$work/big.t"
for i in $(seq "$RUNS"); do
    rm -f "$work/b.mbtiles"
    timed "$work/big.t" "$CIM" tiles "$work/b.cim" --layer parcels --minzoom 10 --maxzoom 14 -o "$work/b.mbtiles"
done
big_s=$(cut -d' ' -f1 "$work/big.t" | median)
big_mb=$(cut -d' ' -f2 "$work/big.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
grow=$(awk -v a="$big_mb" -v b="$cim_mb" 'BEGIN {printf "%.2f", a / b}')
echo "memory as the layer grows: $PARCELS parcels ${cim_mb} MB, $big parcels ${big_mb} MB (${big_s} s," \
    "$(tiles "$work/b.mbtiles") tiles): ${grow}x for ${SCALE}x the features (goal < 1.5x)"
awk -v r="$ratio" -v g="$GOAL" -v m="$grow" 'BEGIN {exit !(r >= g && m < 1.5)}'
