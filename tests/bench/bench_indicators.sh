#!/usr/bin/env bash
# Benchmark: cim indicators on the sample district (100,000 parcels and
# their buildings by default) against SpatiaLite SQL on the same store doing
# less (building count, FAR with clipped areas, coverage of the union, max
# height per parcel; no setback, no spacing) through its spatial index:
#   CREATE TABLE ref AS SELECT p.fid, ... ST_Area(ST_Intersection(ST_Union(b.geom), p.geom)) ...
#   FROM parcels p JOIN buildings b ON b.ROWID IN (SELECT ROWID FROM SpatialIndex ...) GROUP BY p.fid
# Runs alternate between the two; medians of CIM_BENCH_RUNS runs. cim is also
# timed with --threads 1. Checks that both give the same coverage (1e-9).
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
PARCELS=${CIM_BENCH_PARCELS:-100000}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
S=$work/s.cim
"$CIM" init "$S" --quiet
"$CIM" ingest "$S" "$work/src/parcels.geojson" --layer parcels --quiet
"$CIM" ingest "$S" "$work/src/buildings.geojson" --layer buildings --quiet
echo "input: $(sqlite3 "$S" "SELECT count(*) FROM parcels") parcels, $(sqlite3 "$S" "SELECT count(*) FROM buildings") buildings"

REF="CREATE TABLE ref AS SELECT p.fid AS fid, count(*) AS n,
  sum(ST_Area(ST_Intersection(b.geom, p.geom)) * coalesce(b.storeys, max(1, round(b.height_m / 3.0)))) / ST_Area(p.geom) AS far,
  ST_Area(ST_Intersection(ST_Union(b.geom), p.geom)) / ST_Area(p.geom) AS cov, max(b.height_m) AS maxh
FROM parcels p JOIN buildings b ON b.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'buildings'
  AND search_frame = p.geom) AND ST_Intersects(b.geom, p.geom) GROUP BY p.fid;"

. "$(dirname "$0")/lib.sh"

: >"$work/cim.t"; : >"$work/cim1.t"; : >"$work/spl.t"
for i in $(seq "$RUNS"); do
    timed "$work/cim.t" "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from sz --replace --quiet
    timed "$work/cim1.t" "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from sz --replace \
        --quiet --threads 1 --out ind1
    timed "$work/spl.t" sqlite3 -cmd "SELECT load_extension('mod_spatialite');" "$S" "DROP TABLE IF EXISTS ref; $REF"
done

same=$(sqlite3 -cmd "SELECT load_extension('mod_spatialite');" "$S" \
    "SELECT count(*) = sum(abs(i.coverage - r.cov) < 1e-9) FROM indicators i JOIN ref r ON r.fid = i.parcel_fid" | tail -1)
if [ "$same" != 1 ]; then
    echo "coverage differs between cim and SpatiaLite" >&2
    exit 1
fi

cim_s=$(cut -d' ' -f1 "$work/cim.t" | median)
cim1_s=$(cut -d' ' -f1 "$work/cim1.t" | median)
spl_s=$(cut -d' ' -f1 "$work/spl.t" | median)
cim_mb=$(cut -d' ' -f2 "$work/cim.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
echo "runs: cim $(cut -d' ' -f1 "$work/cim.t" | tr '\n' ' ')| cim -t1 $(cut -d' ' -f1 "$work/cim1.t" | tr '\n' ' ')| spatialite $(cut -d' ' -f1 "$work/spl.t" | tr '\n' ' ')"
printf '%-34s %10s\n' "tool" "median s"
printf '%-34s %10s   (peak %s MB)\n' "cim indicators (all CPUs)" "$cim_s" "$cim_mb"
printf '%-34s %10s\n' "cim indicators --threads 1" "$cim1_s"
printf '%-34s %10s\n' "SpatiaLite SQL (fewer indicators)" "$spl_s"
echo "ratio spatialite/cim: $(awk -v a="$spl_s" -v b="$cim_s" 'BEGIN {printf "%.1f", a / b}')x," \
    "with one thread: $(awk -v a="$spl_s" -v b="$cim1_s" 'BEGIN {printf "%.1f", a / b}')x"
