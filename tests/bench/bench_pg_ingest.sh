#!/usr/bin/env bash
# Benchmark (issue 10): ingest of 200,000 sample-district parcels from
# GeoJSON into a PostGIS schema (reprojected to EPSG:4547, GiST index, rows
# by COPY) against GDAL's
#   ogr2ogr -f PostgreSQL -t_srs EPSG:4547 -lco SPATIAL_INDEX=GIST
# (COPY is GDAL's default for a new table) on the same file into the same
# throwaway cluster (tests/pg/cluster.sh), and against cim into a SpatiaLite
# file. cim's times include `cim init`; runs alternate between the tools so
# machine noise hits all; medians of CIM_BENCH_RUNS runs.
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
PARCELS=${CIM_BENCH_PARCELS:-200000}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
bench_pg_start

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
src=$work/src/parcels.geojson
features=$(ogrinfo -ro -so -al "$src" | sed -n 's/^Feature Count: //p')
echo "input: $src, $features polygons, $(du -m "$src" | cut -f1) MB"

port=$PG_PORT

: >"$work/cim_pg.t"; : >"$work/ogr_pg.t"; : >"$work/cim_sl.t"
for i in $(seq "$RUNS"); do
    rm -f "$work"/c.cim*
    $PG_PSQL -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS c CASCADE; DROP SCHEMA IF EXISTS o CASCADE; CREATE SCHEMA o" >/dev/null
    S=$(pg_store c)
    timed "$work/cim_pg.t" bash -c "'$CIM' init '$S' --srid 4547 --quiet && '$CIM' ingest '$S' '$src' --layer parcels --quiet"
    timed "$work/ogr_pg.t" ogr2ogr -f PostgreSQL "PG:host=$PG_DIR port=$port user=cim dbname=cim" "$src" \
        -t_srs EPSG:4547 -lco SPATIAL_INDEX=GIST -lco SCHEMA=o -nln parcels
    timed "$work/cim_sl.t" bash -c "'$CIM' init '$work/c.cim' --quiet && '$CIM' ingest '$work/c.cim' '$src' --layer parcels --quiet"
done

ours=$(pg_sql c "SELECT count(*) FROM parcels")
theirs=$(pg_sql o "SELECT count(*) FROM o.parcels")
local_rows=$(sqlite3 "$work/c.cim" "SELECT count(*) FROM parcels")
if [ "$ours" != "$features" ] || [ "$theirs" != "$features" ] || [ "$local_rows" != "$features" ]; then
    echo "row counts differ: cim PostGIS $ours, ogr2ogr $theirs, cim SpatiaLite $local_rows, source $features" >&2
    exit 1
fi
# The same polygons: total area on both PostGIS tables (1e-9 relative).
a1=$(pg_sql c "SELECT sum(ST_Area(geom)) FROM parcels")
a2=$(pg_sql o "SELECT sum(ST_Area(wkb_geometry)) FROM o.parcels")
awk -v a="$a1" -v b="$a2" 'BEGIN {d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * a)}' ||
    { echo "total areas differ: cim $a1, ogr2ogr $a2" >&2; exit 1; }

med() { cut -d' ' -f1 "$work/$1.t" | median; }
peak() { cut -d' ' -f2 "$work/$1.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}'; }
echo "runs: cim PostGIS $(cut -d' ' -f1 "$work/cim_pg.t" | tr '\n' ' ')| ogr2ogr $(cut -d' ' -f1 "$work/ogr_pg.t" | tr '\n' ' ')| cim SpatiaLite $(cut -d' ' -f1 "$work/cim_sl.t" | tr '\n' ' ')"
printf '%-32s %10s %12s\n' "tool" "median s" "peak MB"
printf '%-32s %10s %12s\n' "cim init + ingest (PostGIS)" "$(med cim_pg)" "$(peak cim_pg)"
printf '%-32s %10s %12s\n' "ogr2ogr -f PostgreSQL" "$(med ogr_pg)" "$(peak ogr_pg)"
printf '%-32s %10s %12s\n' "cim init + ingest (SpatiaLite)" "$(med cim_sl)" "$(peak cim_sl)"
echo "ratio cim/ogr2ogr on PostGIS: $(awk -v a="$(med cim_pg)" -v b="$(med ogr_pg)" 'BEGIN {printf "%.2f", a / b}')"
echo "ratio cim PostGIS/SpatiaLite: $(awk -v a="$(med cim_pg)" -v b="$(med cim_sl)" 'BEGIN {printf "%.2f", a / b}')"
