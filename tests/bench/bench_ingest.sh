#!/usr/bin/env bash
# Benchmark: ingest of 200,000 sample-district parcels from GeoJSON into a
# fresh store (reprojected to EPSG:4547, spatial index) against GDAL's
#   ogr2ogr -f SQLite -dsco SPATIALITE=YES -t_srs EPSG:4547
# on the same file. cim's time includes `cim init`; runs alternate between the
# two tools so machine noise hits both; medians of CIM_BENCH_RUNS runs.
# Goal (issue 2): cim <= 0.67 x ogr2ogr, peak memory < 500 MB.
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
PARCELS=${CIM_BENCH_PARCELS:-200000}
RUNS=${CIM_BENCH_RUNS:-3}
GOAL=0.67
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
src=$work/src/parcels.geojson
features=$(ogrinfo -ro -so -al "$src" | sed -n 's/^Feature Count: //p')
echo "input: $src, $features polygons, $(du -m "$src" | cut -f1) MB"

. "$(dirname "$0")/lib.sh"

# Runs a command, appends "seconds peak_kib" to a file.

: >"$work/cim.t"; : >"$work/ogr.t"
for i in $(seq "$RUNS"); do
    rm -f "$work"/c.cim* "$work"/o.sqlite*
    timed "$work/cim.t" bash -c "'$CIM' init '$work/c.cim' --quiet && '$CIM' ingest '$work/c.cim' '$src' --layer parcels --quiet"
    timed "$work/ogr.t" ogr2ogr -f SQLite -dsco SPATIALITE=YES -t_srs EPSG:4547 "$work/o.sqlite" "$src"
done

ours=$(sqlite3 "$work/c.cim" "SELECT count(*) FROM parcels")
theirs=$(sqlite3 "$work/o.sqlite" "SELECT count(*) FROM parcels")
if [ "$ours" != "$features" ] || [ "$theirs" != "$features" ]; then
    echo "row counts differ: cim $ours, ogr2ogr $theirs, source $features" >&2
    exit 1
fi

cim_s=$(cut -d' ' -f1 "$work/cim.t" | median)
ogr_s=$(cut -d' ' -f1 "$work/ogr.t" | median)
cim_mb=$(cut -d' ' -f2 "$work/cim.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
ogr_mb=$(cut -d' ' -f2 "$work/ogr.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
ratio=$(awk -v a="$cim_s" -v b="$ogr_s" 'BEGIN {printf "%.2f", a / b}')
echo "runs: cim $(cut -d' ' -f1 "$work/cim.t" | tr '\n' ' ')| ogr2ogr $(cut -d' ' -f1 "$work/ogr.t" | tr '\n' ' ')"
printf '%-28s %10s %12s\n' "tool" "median s" "peak MB"
printf '%-28s %10s %12s\n' "cim init + ingest" "$cim_s" "$cim_mb"
printf '%-28s %10s %12s\n' "ogr2ogr -f SQLite" "$ogr_s" "$ogr_mb"
echo "ratio cim/ogr2ogr: $ratio (goal <= $GOAL; peak memory goal < 500 MB)"
awk -v r="$ratio" -v g="$GOAL" -v m="$cim_mb" 'BEGIN {exit !(r <= g && m < 500)}'
