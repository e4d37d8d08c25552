#!/usr/bin/env bash
# Benchmark: sensor ingest.
# 1. The 628,851 readings of the real 2019 Shenzhen air-quality file as a long
#    CSV (sensor,property,t,value), ingested by `cim ingest --kind sensor` into
#    a store that already holds the stations, against `sqlite3 .import` of the
#    same CSV into a table with the same primary key, WITHOUT ROWID, in a fresh
#    database. cim parses and converts every time to UTC, checks every value
#    and tells duplicates from conflicts; .import stores the text as it is.
#    Runs alternate; medians of CIM_BENCH_RUNS runs. Goal: cim <= 1.0 x sqlite3.
# 2. CIM_BENCH_READINGS (default 10,000,000) generated readings (1,000 sensors
#    x 10 properties, hourly): readings/s and peak memory (goal < 300 MB).
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
DATA=${CIM_SHARED_DATA:-$(dirname "$0")/../../../shared/data}
RUNS=${CIM_BENCH_RUNS:-3}
BIG=${CIM_BENCH_READINGS:-10000000}
GOAL=1.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PY=$(python3 -c 'import sys; print(sys.executable)')

"$PY" "$(dirname "$0")/air_long.py" "$DATA/shenzhen/air_quality_hourly_2019.csv" "$work/long.csv"
readings=$(($(wc -l <"$work/long.csv") - 1))
echo "input: long CSV of the Shenzhen air-quality readings, $readings readings, $(du -m "$work/long.csv" | cut -f1) MB"

"$CIM" init "$work/template.cim" --quiet
"$CIM" ingest "$work/template.cim" "$DATA/shenzhen/air_stations.geojson" --layer stations --quiet

. "$(dirname "$0")/lib.sh"
timed() {
    local out=$1; shift
    /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null
    cat "$work/time" >>"$out"
}

: >"$work/cim.t"; : >"$work/sql.t"
for i in $(seq "$RUNS"); do
    rm -f "$work"/c.cim* "$work"/s.db*
    cp "$work/template.cim" "$work/c.cim"
    sync
    timed "$work/cim.t" "$CIM" ingest "$work/c.cim" "$work/long.csv" --kind sensor --layer air --sensor-field sensor \
        --time-field t --property-field property --value-field value --locations stations:code --quiet
    sync
    timed "$work/sql.t" sqlite3 "$work/s.db" \
        "CREATE TABLE obs(sensor TEXT NOT NULL, property TEXT NOT NULL, t TEXT NOT NULL, value REAL, PRIMARY KEY (sensor, property, t)) WITHOUT ROWID" \
        ".mode csv" ".import --skip 1 '$work/long.csv' obs"
done
ours=$(sqlite3 "$work/c.cim" "SELECT count(*) FROM air_obs")
theirs=$(sqlite3 "$work/s.db" "SELECT count(*) FROM obs")
if [ "$ours" != "$readings" ] || [ "$theirs" != "$readings" ]; then
    echo "row counts differ: cim $ours, sqlite3 $theirs, source $readings" >&2
    exit 1
fi
cim_s=$(cut -d' ' -f1 "$work/cim.t" | median)
sql_s=$(cut -d' ' -f1 "$work/sql.t" | median)
cim_mb=$(cut -d' ' -f2 "$work/cim.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
sql_mb=$(cut -d' ' -f2 "$work/sql.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
ratio=$(awk -v a="$cim_s" -v b="$sql_s" 'BEGIN {printf "%.2f", a / b}')
# CPU (user + sys) as well: on a loaded machine wall time also measures the neighbours.
cim_cpu=$(awk '{print $3 + $4}' "$work/cim.t" | median)
sql_cpu=$(awk '{print $3 + $4}' "$work/sql.t" | median)
echo "runs: cim $(cut -d' ' -f1 "$work/cim.t" | tr '\n' ' ')| sqlite3 $(cut -d' ' -f1 "$work/sql.t" | tr '\n' ' ')"
printf '%-34s %10s %10s %12s\n' "tool" "median s" "CPU s" "peak MB"
printf '%-34s %10s %10s %12s\n' "cim ingest --kind sensor" "$cim_s" "$cim_cpu" "$cim_mb"
printf '%-34s %10s %10s %12s\n' "sqlite3 .import (same key)" "$sql_s" "$sql_cpu" "$sql_mb"
echo "ratio cim/sqlite3: $ratio wall, $(awk -v a="$cim_cpu" -v b="$sql_cpu" 'BEGIN {printf "%.2f", a / b}') CPU (goal <= $GOAL); load $(cut -d' ' -f1-3 /proc/loadavg)"

# Generated readings: 1,000 sensors x 10 properties x BIG/10,000 hours.
hours=$((BIG / 10000))
"$PY" - "$work/big.csv" "$hours" <<'PY'
import sys
hours = int(sys.argv[2])
with open(sys.argv[1], 'w') as f:
    f.write('sensor,x,y,property,t,value\n')
    base = 1546300800
    for h in range(hours):
        t = base + 3600 * h
        for s in range(1000):
            x = 113.8 + (s % 40) * 0.01
            y = 22.45 + (s // 40) * 0.01
            for p in range(10):
                f.write('s%04d,%.4f,%.4f,p%d,%d,%d.%d\n' % (s, x, y, p, t, (s * 7 + h * 13 + p) % 500, p))
PY
big=$(($(wc -l <"$work/big.csv") - 1))
rm -f "$work"/b.cim*
"$CIM" init "$work/b.cim" --quiet
/usr/bin/time -f "%e %M %U %S" -o "$work/time" "$CIM" ingest "$work/b.cim" "$work/big.csv" --kind sensor --layer gen \
    --sensor-field sensor --time-field t --x-field x --y-field y --property-field property --value-field value --quiet
read -r big_s big_kib big_u big_sys <"$work/time"
stored=$(sqlite3 "$work/b.cim" "SELECT count(*) FROM gen_obs")
[ "$stored" = "$big" ] || { echo "generated: stored $stored of $big" >&2; exit 1; }
big_mb=$(awk -v k="$big_kib" 'BEGIN {printf "%.0f", k / 1024}')
echo "generated: $big readings ($(du -m "$work/big.csv" | cut -f1) MB CSV) in $big_s s:" \
     "$(awk -v n="$big" -v s="$big_s" 'BEGIN {printf "%.0f", n / s}') readings/s" \
     "(CPU $(awk -v u="$big_u" -v y="$big_sys" 'BEGIN {print u + y}') s), peak $big_mb MB (goal < 300 MB)"
awk -v r="$ratio" -v g="$GOAL" -v m="$big_mb" 'BEGIN {exit !(r <= g && m < 300)}'
