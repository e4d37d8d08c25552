#!/usr/bin/env bash
# Benchmark: sensor observation ingest into PostGIS.
# The 628,851 readings of the real 2019 Shenzhen air-quality file as a long
# CSV (sensor,property,t,value; the input bench_sensors.sh uses), loaded
#  - by `cim ingest --kind sensor` into a PostGIS store that already holds
#    the stations (COPY into a staging table, one INSERT ... ON CONFLICT DO
#    NOTHING a chunk: re-ingest stays idempotent),
#  - by `psql \copy` of the same CSV into a table with the same primary key
#    in a fresh schema (the peer: PostgreSQL's own bulk load, no parsing of
#    times, no duplicate handling),
#  - by `cim ingest --kind sensor` into a SpatiaLite store (for reference).
# On a throwaway cluster (tests/pg/cluster.sh, fsync off). Runs alternate;
# medians of CIM_BENCH_RUNS (3) runs; ratios printed.
# Usage: meson test -C build --benchmark --suite bench pg_sensors   (or run directly, CIM=path/to/cim)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
CIM=${CIM:-$here/../../build/tools/cim}
DATA=${CIM_SHARED_DATA:-$here/../../../shared/data}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
. "$here/lib.sh"
bench_pg_start
PY=$(python3 -c 'import sys; print(sys.executable)')

"$PY" "$(dirname "$0")/air_long.py" "$DATA/shenzhen/air_quality_hourly_2019.csv" "$work/long.csv"
chmod 644 "$work/long.csv"
readings=$(($(wc -l <"$work/long.csv") - 1))
echo "input: long CSV of the Shenzhen air-quality readings, $readings readings, $(du -m "$work/long.csv" | cut -f1) MB"
sensor=(--kind sensor --layer air --sensor-field sensor --time-field t --property-field property --value-field value
        --locations stations:code --quiet)

"$CIM" init "$work/template.cim" --quiet
"$CIM" ingest "$work/template.cim" "$DATA/shenzhen/air_stations.geojson" --layer stations --quiet
: >"$work/pg.t"; : >"$work/copy.t"; : >"$work/lite.t"
for i in $(seq "$RUNS"); do
    S=$(pg_store "c$i")
    "$CIM" init "$S" --srid 4547 --quiet
    "$CIM" ingest "$S" "$DATA/shenzhen/air_stations.geojson" --layer stations --quiet
    timed "$work/pg.t" "$CIM" ingest "$S" "$work/long.csv" "${sensor[@]}"
    $PG_PSQL -c "CREATE SCHEMA p$i" -c "CREATE TABLE p$i.obs(sensor TEXT NOT NULL, property TEXT NOT NULL,
        t TEXT NOT NULL, value DOUBLE PRECISION, PRIMARY KEY (sensor, property, t))"
    timed "$work/copy.t" $PG_PSQL -c "\\copy p$i.obs FROM '$work/long.csv' WITH (FORMAT csv, HEADER true)"
    rm -f "$work"/c.cim*
    cp "$work/template.cim" "$work/c.cim"
    timed "$work/lite.t" "$CIM" ingest "$work/c.cim" "$work/long.csv" "${sensor[@]}"
done
ours=$(pg_sql c1 "SELECT count(*) FROM air_obs")
theirs=$(pg_sql p1 "SELECT count(*) FROM obs")
lite=$(sqlite3 "$work/c.cim" "SELECT count(*) FROM air_obs")
if [ "$ours" != "$readings" ] || [ "$theirs" != "$readings" ] || [ "$lite" != "$readings" ]; then
    echo "row counts differ: cim PostGIS $ours, psql \\copy $theirs, cim SpatiaLite $lite, source $readings" >&2
    exit 1
fi
# The same readings in both PostGIS tables (cim stores UTC times: +08:00 undone).
same=$(pg_sql c1 "SELECT count(*) FROM air_obs a JOIN p1.obs o ON o.sensor = a.sensor AND o.property = a.property
    AND CAST(o.t AS timestamp) - interval '8 hours' = CAST(a.t AS timestamp) AND o.value = a.value")
[ "$same" = "$readings" ] || { echo "only $same of $readings readings alike in both tables" >&2; exit 1; }

pg_s=$(cut -d' ' -f1 "$work/pg.t" | median)
copy_s=$(cut -d' ' -f1 "$work/copy.t" | median)
lite_s=$(cut -d' ' -f1 "$work/lite.t" | median)
echo "runs: cim PostGIS $(cut -d' ' -f1 "$work/pg.t" | tr '\n' ' ')| psql \\copy $(cut -d' ' -f1 "$work/copy.t" | tr '\n' ' ')| cim SpatiaLite $(cut -d' ' -f1 "$work/lite.t" | tr '\n' ' ')"
printf '%-40s %10s %12s\n' "tool" "median s" "readings/s"
for row in "cim ingest --kind sensor (PostGIS):$pg_s" "psql \\copy (same key, PostGIS):$copy_s" \
           "cim ingest --kind sensor (SpatiaLite):$lite_s"; do
    printf '%-40s %10s %12s\n' "${row%:*}" "${row##*:}" "$(awk -v n="$readings" -v s="${row##*:}" 'BEGIN {printf "%.0f", n / s}')"
done
echo "ratio cim PostGIS / psql \\copy: $(awk -v a="$pg_s" -v b="$copy_s" 'BEGIN {printf "%.2f", a / b}');" \
     "cim PostGIS / cim SpatiaLite: $(awk -v a="$pg_s" -v b="$lite_s" 'BEGIN {printf "%.2f", a / b}'); load $(cut -d' ' -f1-3 /proc/loadavg)"
