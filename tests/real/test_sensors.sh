#!/usr/bin/env bash
# The real 2019 Shenzhen air-quality file (../shared/data/shenzhen, 11 CNEMC
# stations, wide CSV with +08:00 times) as a sensor layer. Every figure is
# checked against python3's csv module reading the same file (or ray casting
# over the district GeoJSON), never against what cim printed.
. "$(dirname "$0")/lib.sh"
SZ=$DATA/shenzhen
AIR=$SZ/air_quality_hourly_2019.csv
PY=$(python3 -c 'import sys; print(sys.executable)')
store=$work/sz.cim
"$CIM" init "$store" --quiet || { bad "init"; finish; exit 1; }
"$CIM" ingest "$store" "$SZ/air_stations.geojson" --layer stations --quiet || bad "ingest stations"
"$CIM" ingest "$store" "$SZ/districts_wgs84.geojson" --layer districts --quiet || bad "ingest districts"
air=(--kind sensor --sensor-field station_code --time-field datetime_cst)

# Independent: every non-empty reading as "sensor|property|UTC time|value",
# sorted; plus the station names, per-month means, days with readings.
"$PY" - "$AIR" "$work" <<'PY'
import csv, sys, datetime, json
src, out = sys.argv[1], sys.argv[2]
props = ['AQI', 'PM2_5', 'PM10', 'SO2', 'NO2', 'O3', 'CO']
lines, names, days = [], {}, {}
monthly = {}
with open(src, encoding='utf-8', newline='') as f:
    for r in csv.DictReader(f):
        t = datetime.datetime.fromisoformat(r['datetime_cst'])
        utc = t.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
        names[r['station_code']] = r['station_name']
        for p in props:
            if r[p] != '':
                v = float(r[p])
                lines.append('%s|%s|%s|%.6f' % (r['station_code'], p, utc, v))
                days.setdefault(r['station_code'], set()).add(r['datetime_cst'][:10])
                if r['station_code'] == '1356A' and p == 'PM2_5':
                    monthly.setdefault(r['datetime_cst'][:7], []).append(v)
lines.sort()
open(out + '/readings.txt', 'w').write('\n'.join(lines) + '\n')
open(out + '/names.txt', 'w').write(''.join('%s|%s\n' % kv for kv in sorted(names.items())))
open(out + '/monthly.txt', 'w').write(''.join('%s %.12f\n' % (m, sum(v) / len(v)) for m, v in sorted(monthly.items())))
# gaps: local days without any reading between the first and the last day of the file
first = min(min(d) for d in days.values()); last = max(max(d) for d in days.values())
d0 = datetime.date.fromisoformat(first); d1 = datetime.date.fromisoformat(last)
gaps = []
for s in sorted(days):
    d = d0
    while d <= d1:
        if d.isoformat() not in days[s]:
            gaps.append('%s|%s' % (s, d.isoformat()))
        d += datetime.timedelta(days=1)
open(out + '/gaps.txt', 'w').write('\n'.join(gaps) + '\n')
# long CSV and JSON lines versions of the same readings
with open(out + '/long.csv', 'w', encoding='utf-8') as lf, open(out + '/air.jsonl', 'w', encoding='utf-8') as jf, \
        open(src, encoding='utf-8', newline='') as f:
    lf.write('station_code,station_name,property,value,datetime_cst\n')
    for r in csv.DictReader(f):
        o = {'station_code': r['station_code'], 'station_name': r['station_name'], 'datetime_cst': r['datetime_cst']}
        for p in props:
            if r[p] != '':
                lf.write('%s,%s,%s,%s,%s\n' % (r['station_code'], r['station_name'], p, r[p], r['datetime_cst']))
            o[p] = float(r[p]) if r[p] != '' else None
        jf.write(json.dumps(o, ensure_ascii=False) + '\n')
PY
expected=$(wc -l <"$work/readings.txt")
check_eq "$expected" 628851 "non-empty readings in the CSV (python csv)"

# Locations from the stations layer; lon/lat kept as text attributes.
out=$("$CIM" ingest "$store" "$AIR" "${air[@]}" --layer air --locations stations:code --attr-field lon --attr-field lat \
      --unit PM2_5=ug/m3 --json) || bad "ingest the air-quality CSV"
check_eq "$(echo "$out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["inserted"])')" 628851 "readings inserted"
dump() { sqlite3 -readonly -batch "$1" "SELECT sensor || '|' || property || '|' || t || '|' || printf('%.6f', value) FROM $2 ORDER BY 1"; }
check_eq "$(dump "$store" air_obs | sha256sum)" "$(sha256sum <"$work/readings.txt")" "every reading stored exactly once, as in the CSV"
check_eq "$(sqlite3 -readonly "$store" "SELECT sensor || '|' || station_name FROM air_sensors ORDER BY 1")" \
    "$(cat "$work/names.txt")" "11 sensors with their names"
check_eq "$(sqlite3 -readonly "$store" "SELECT count(*) FROM air_sensors")" 11 "sensor count"

# Re-ingest: nothing added, the store byte-identical.
fp() { sha256sum <"$store"; sqlite3 -readonly "$store" .dump | sha256sum; }
before=$(fp)
out=$("$CIM" ingest "$store" "$AIR" "${air[@]}" --layer air --locations stations:code --attr-field lon --attr-field lat --json) ||
    bad "re-ingest"
check_eq "$(echo "$out" | "$PY" -c 'import json,sys; d = json.load(sys.stdin); print(d["inserted"], d["duplicates"])')" \
    "0 628851" "re-ingest adds nothing"
check_eq "$(fp)" "$before" "re-ingest leaves the store unchanged"

# x/y from the file instead: the same readings, the same points (to 1 mm).
"$CIM" ingest "$store" "$AIR" "${air[@]}" --layer airxy --x-field lon --y-field lat --quiet || bad "ingest with --x-field"
check_eq "$(dump "$store" airxy_obs | sha256sum)" "$(sha256sum <"$work/readings.txt")" "x/y ingest: same readings"
check_eq "$(q "$store" "SELECT count(*) FROM air_sensors a JOIN airxy_sensors b USING (sensor) WHERE ST_Distance(a.geom, b.geom) < 0.001")" \
    11 "station points from the CSV = points from air_stations.geojson"

# Long CSV and JSON lines of the same readings: identical tables.
"$CIM" ingest "$store" "$work/long.csv" "${air[@]}" --layer airlong --property-field property --value-field value \
    --locations stations:code --quiet || bad "ingest the long CSV"
check_eq "$(dump "$store" airlong_obs | sha256sum)" "$(sha256sum <"$work/readings.txt")" "long CSV: same readings"
"$CIM" ingest "$store" "$work/air.jsonl" "${air[@]}" --layer airjson --locations stations:code --quiet || bad "ingest JSON lines"
check_eq "$(dump "$store" airjson_obs | sha256sum)" "$(sha256sum <"$work/readings.txt")" "JSON lines: same readings"
for l in airlong airjson; do
    check_eq "$(sqlite3 -readonly "$store" "SELECT sensor || '|' || station_name || '|' || hex(geom) FROM ${l}_sensors ORDER BY 1")" \
        "$(sqlite3 -readonly "$store" "SELECT sensor || '|' || station_name || '|' || hex(geom) FROM air_sensors ORDER BY 1")" \
        "$l: same sensors"
done

# Monthly means of PM2.5 at 1356A (local months) against python.
"$CIM" sensors summarize "$store" --layer air --every 1mon --tz +08:00 --property PM2_5 --sensor 1356A --format csv \
    >"$work/m.csv" || bad "summarize"
while read -r month mean; do
    got=$(grep "^1356A,PM2_5,$month," "$work/m.csv" | cut -d, -f5)
    check_rel "$got" "$mean" 1e-12 "1356A PM2_5 mean of $month"
done <"$work/monthly.txt"
check_eq "$(($(wc -l <"$work/m.csv") - 1))" 12 "12 months"

# Gaps: local days without readings; 2019-04-08 is missing for all 11.
"$CIM" sensors gaps "$store" --layer air --every 1d --tz +08:00 --format csv >"$work/g.csv" || bad "gaps"
check_eq "$(grep -c ',2019-04-08,2019-04-08,1$' "$work/g.csv")" 11 "2019-04-08 a gap at each station"
"$PY" - "$work/g.csv" >"$work/g_days.txt" <<'PY'
import csv, sys, datetime
for r in csv.DictReader(open(sys.argv[1])):
    d = datetime.date.fromisoformat(r['first'])
    for i in range(int(r['periods'])):
        print('%s|%s' % (r['sensor'], (d + datetime.timedelta(days=i)).isoformat()))
PY
check_eq "$(cat "$work/g_days.txt")" "$(cat "$work/gaps.txt")" "every gap day as python finds it"

# Link to the districts; python ray casting over the GeoJSON decides independently.
"$CIM" sensors link "$store" --layer air --to districts --quiet || bad "link"
cim_links=$(q "$store" "SELECT l.sensor || '|' || d.qh FROM air_links l JOIN districts d ON d.fid = l.fid WHERE l.layer = 'districts' ORDER BY 1")
py_links=$("$PY" - "$SZ/air_stations.geojson" "$SZ/districts_wgs84.geojson" <<'PY'
import json, sys
def inside(x, y, ring):
    c = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            c = not c
    return c
def polys(g):
    return [g['coordinates']] if g['type'] == 'Polygon' else g['coordinates']
st = json.load(open(sys.argv[1]))['features']
ds = json.load(open(sys.argv[2]))['features']
out = []
for s in st:
    x, y = s['geometry']['coordinates'][:2]
    for d in ds:
        if any(inside(x, y, p[0]) and not any(inside(x, y, h) for h in p[1:]) for p in polys(d['geometry'])):
            out.append('%s|%s' % (s['properties']['code'], d['properties']['qh']))
print('\n'.join(sorted(out)))
PY
)
check_eq "$cim_links" "$py_links" "stations linked to the districts that contain them"
check_eq "$(echo "$cim_links" | wc -l)" 11 "11 links"
"$CIM" sensors summarize "$store" --layer air --every 1mon --tz +08:00 --by districts --property PM2_5 --format csv \
    >"$work/bd.csv" || bad "summarize by district"
check_eq "$(tail -n +2 "$work/bd.csv" | cut -d, -f4 | awk '{ s += $1 } END { print s }')" \
    "$(grep -c '|PM2_5|' "$work/readings.txt")" "per-district counts add up to all PM2.5 readings"

finish
