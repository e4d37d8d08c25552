#!/usr/bin/env bash
# Benchmark: `cim prune --keep-runs 1` of a store whose change record holds
# ROWS rows (default 1,000,000, made with SQL: 100 runs of 10,000 boxes on
# the sample stations layer, 99 of them pruned) against the bare SQL delete
# of the same rows (sqlite3 DELETE FROM cim_changes WHERE run_id < H on a
# copy of the same store). Runs alternate; medians of CIM_BENCH_RUNS. The
# rows left are compared, so a fast wrong answer fails.
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
ROWS=${CIM_BENCH_ROWS:-1000000}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

"$CIM" sample "$work/src" --parcels 200 --days 0 --quiet
"$CIM" init "$work/base.cim" --quiet
"$CIM" ingest "$work/base.cim" "$work/src/stations.geojson" --quiet
per=$((ROWS / 100))
# 100 runs, each with per change boxes (as an upsert of per features records)
sqlite3 "$work/base.cim" "
    WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 100)
    INSERT INTO cim_runs(command, arguments, started_at, status)
        SELECT 'ingest', 'bench', '2026-01-01T00:00:00Z', 'ok' FROM r;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS - 1)
    INSERT INTO cim_changes SELECT (SELECT max(id) FROM cim_runs) - 99 + i / $per, 'stations', i % 5000,
        500000 + i % 1000, 2500000 + i % 700, 500010 + i % 1000, 2500010 + i % 700 FROM n;"
rows=$(sqlite3 "$work/base.cim" "SELECT count(*) FROM cim_changes")
last=$(sqlite3 "$work/base.cim" "SELECT max(id) FROM cim_runs")
want=$(sqlite3 "$work/base.cim" "SELECT count(*) FROM cim_changes WHERE run_id >= $last")
echo "change record: $rows rows over $(sqlite3 "$work/base.cim" "SELECT count(DISTINCT run_id) FROM cim_changes") runs; keeping run $last's $want"

: >"$work/cim.t"
: >"$work/sql.t"
for i in $(seq "$RUNS"); do
    cp "$work/base.cim" "$work/a.cim"
    cp "$work/base.cim" "$work/b.cim"
    timed "$work/cim.t" "$CIM" prune "$work/a.cim" --keep-runs 1 --quiet
    timed "$work/sql.t" sqlite3 "$work/b.cim" "DELETE FROM cim_changes WHERE run_id < $last"
    for f in a b; do
        got=$(sqlite3 "$work/$f.cim" "SELECT count(*) FROM cim_changes")
        [ "$got" = "$want" ] || { echo "$f: $got rows left, wanted $want" >&2; exit 1; }
    done
done
c=$(cut -d' ' -f1 "$work/cim.t" | median)
q=$(cut -d' ' -f1 "$work/sql.t" | median)
echo "cim prune: $c s (runs $(cut -d' ' -f1 "$work/cim.t" | paste -sd' '))"
echo "sqlite3 DELETE: $q s (runs $(cut -d' ' -f1 "$work/sql.t" | paste -sd' '))"
awk -v c="$c" -v q="$q" 'BEGIN { printf "ratio cim / sqlite3: %.2f\n", c / q }'
