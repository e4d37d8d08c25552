#!/usr/bin/env bash
# Benchmark: `cim check redline` on a PostGIS store holding the
# 100,000-parcel sample district and its block lines, against the PostGIS SQL
# that computes the same shares (bench_redline.sh's SpatiaLite join
# translated: the GiST && join and ST_Intersection areas):
#   SELECT p.fid, l.fid, ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom)
#   FROM parcels p JOIN lines l ON p.geom && l.geom
# cim's time includes writing its result layer and findings table. Also
# timed: the candidate selection PostGIS does for cim in the database (the
# parcels whose box meets a block line's, one GiST query), against the same
# selection cim makes on SpatiaLite (an R*Tree lookup per line, then a point
# read per parcel). Runs alternate; medians of CIM_BENCH_RUNS (3).
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
PARCELS=${CIM_BENCH_PARCELS:-100000}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
bench_pg_start
S=$(pg_store bench)

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
"$CIM" init "$S" --srid 4547 --quiet
"$CIM" ingest "$S" "$work/src/parcels.geojson" --layer parcels --quiet
"$CIM" ingest "$S" "$work/src/blocklines.geojson" --layer lines --quiet
rm -rf "$work/src"
pg_sql bench "VACUUM ANALYZE" >/dev/null
echo "PostGIS store: $(pg_sql bench "SELECT count(*) FROM parcels") parcels, $(pg_sql bench "SELECT count(*) FROM lines") block lines, $(nproc) CPUs; $(pg_sql bench "SELECT postgis_lib_version()") on $(pg_sql bench "SHOW server_version")"

peer_sql="SELECT p.fid, l.fid, ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom)
FROM parcels p JOIN lines l ON p.geom && l.geom"
cand_sql="SELECT count(*) FROM parcels p WHERE EXISTS (SELECT 1 FROM lines l WHERE l.geom && p.geom)"
# psql as a command /usr/bin/time can run (not a shell function).
psql_run=(env PGOPTIONS="-c search_path=bench,public" psql -X -q -A -t -v ON_ERROR_STOP=1 "$PG_BASE" -c)

: >"$work/cim.t"; : >"$work/sql.t"; : >"$work/cand.t"
for i in $(seq "$RUNS"); do
    timed "$work/cim.t" "$CIM" check redline "$S" --parcels parcels --lines lines --out "rl$i" --quiet
    timed "$work/sql.t" "${psql_run[@]}" "$peer_sql"
    timed "$work/cand.t" "${psql_run[@]}" "$cand_sql"
done
# The two agree: pairs inside (share >= 0.5) and the largest share difference.
agree=$(pg_sql bench "SELECT
  (SELECT count(*) FROM parcels p JOIN lines l ON p.geom && l.geom
   WHERE ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom) >= 0.5),
  (SELECT count(*) FROM rl1 WHERE status = 'inside'),
  (SELECT coalesce(max(abs(r.inside_share - ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom))), 0)
   FROM rl1 r JOIN parcels p ON p.fid = r.parcel_fid JOIN lines l ON l.fid = r.line_fid)")
IFS='|' read -r peer_inside cim_inside maxdiff <<<"$agree"
echo "pairs inside: cim $cim_inside, PostGIS SQL $peer_inside; max |share difference| $maxdiff"
if [ "$cim_inside" != "$peer_inside" ] || ! awk -v m="$maxdiff" 'BEGIN {exit !(m <= 1e-9)}'; then
    echo "cim and the PostGIS join disagree" >&2
    exit 1
fi

col1() { cut -d' ' -f1 "$1" | median; }
cim_s=$(col1 "$work/cim.t")
sql_s=$(col1 "$work/sql.t")
cand_s=$(col1 "$work/cand.t")
echo "runs: cim $(cut -d' ' -f1 "$work/cim.t" | tr '\n' ' ')| SQL $(cut -d' ' -f1 "$work/sql.t" | tr '\n' ' ')"
printf '%-46s %10s\n' "tool ($PARCELS parcels, PostGIS store)" "median s"
printf '%-46s %10s\n' "cim check redline" "$cim_s"
printf '%-46s %10s\n' "psql: GiST && join + ST_Intersection areas" "$sql_s"
printf '%-46s %10s\n' "psql: candidate parcels (GiST EXISTS), alone" "$cand_s"
echo "machine load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "speed-up SQL/cim (wall): $(awk -v a="$cim_s" -v b="$sql_s" 'BEGIN {printf "%.1f", b / a}')x"
