#!/usr/bin/env bash
# Benchmark: the land-use report of the sample district at 100,000 parcels
# per industrial block line: `cim report --kind landuse -o x.json` (the
# figures) and `-o x.html` (figures plus the map of all parcels) against
# the SpatiaLite SQL that computes the same figures on the same store:
#   SELECT b.fid, p.landuse, sum(ST_Area(ST_Intersection(p.geom, b.geom)))
#   FROM blocklines b JOIN parcels p ON p.ROWID IN (SELECT ROWID FROM SpatialIndex ...)
#   WHERE ST_Intersects(p.geom, b.geom) GROUP BY b.fid, p.landuse
# Medians of CIM_BENCH_RUNS runs (alternating); the areas of both are
# compared (1e-6 relative) so a fast wrong answer fails. Prints the HTML size.
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
PARCELS=${CIM_BENCH_PARCELS:-100000}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
store=$work/p.cim
"$CIM" init "$store" --quiet
"$CIM" ingest "$store" "$work/src/parcels.geojson" --layer parcels --quiet
"$CIM" ingest "$store" "$work/src/blocklines.geojson" --layer blocklines --quiet
rm -rf "$work/src"
echo "input: $(sqlite3 "$store" "SELECT count(*) FROM parcels") parcels, $(sqlite3 "$store" "SELECT count(*) FROM blocklines") block lines, $(nproc) CPUs"

SQL="SELECT b.fid, p.landuse, sum(ST_Area(ST_Intersection(p.geom, b.geom)))
  FROM blocklines b JOIN parcels p ON p.ROWID IN (SELECT ROWID FROM SpatialIndex
       WHERE f_table_name = 'parcels' AND search_frame = b.geom)
  WHERE ST_Intersects(p.geom, b.geom) GROUP BY b.fid, p.landuse;"
: >"$work/json.t"; : >"$work/html.t"; : >"$work/spl.t"
for i in $(seq "$RUNS"); do
    timed "$work/json.t" "$CIM" report "$store" --kind landuse --layer parcels --by blocklines -o "$work/r.json" --quiet
    timed "$work/html.t" "$CIM" report "$store" --kind landuse --layer parcels --by blocklines -o "$work/r.html" --quiet
    timed "$work/spl.t" sqlite3 -readonly -cmd "SELECT load_extension('mod_spatialite');" "$store" "$SQL"
done
sqlite3 -readonly -cmd "SELECT load_extension('mod_spatialite');" "$store" "$SQL" | sed '/^$/d' >"$work/ref.txt"
check=$(python3 - "$work/r.json" "$work/ref.txt" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
ours = {(r[0], r[2]): r[5] for r in d['tables'][0]['rows']}
bad = 0
for line in open(sys.argv[2]):
    f, k, a = line.rstrip('\n').split('|')
    a = float(a)
    if abs(ours.get((int(f), k), 0.0) - a) > max(1e-6 * a, 0.006):
        bad += 1
print(bad)
EOF2
)
if [ "$check" != 0 ]; then
    echo "results differ from SpatiaLite in $check rows" >&2
    exit 1
fi
json_s=$(median <"$work/json.t")
html_s=$(median <"$work/html.t")
spl_s=$(median <"$work/spl.t")
echo "runs: json $(cut -d' ' -f1 "$work/json.t" | tr '\n' ' ')| html $(cut -d' ' -f1 "$work/html.t" | tr '\n' ' ')| SpatiaLite $(cut -d' ' -f1 "$work/spl.t" | tr '\n' ' ')"
printf '%-48s %10s\n' "tool ($PARCELS parcels)" "median s"
printf '%-48s %10s\n' "cim report --kind landuse -o x.json" "$json_s"
printf '%-48s %10s\n' "cim report --kind landuse -o x.html (with map)" "$html_s"
printf '%-48s %10s\n' "SpatiaLite SpatialIndex join, same figures" "$spl_s"
echo "speed-up SpatiaLite/cim: $(awk -v a="$json_s" -v b="$spl_s" 'BEGIN {printf "%.1f", b / a}')x (json)," \
    "$(awk -v a="$html_s" -v b="$spl_s" 'BEGIN {printf "%.1f", b / a}')x (html); HTML $(stat -c %s "$work/r.html") bytes"
