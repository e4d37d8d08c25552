#!/usr/bin/env bash
# cim ingest --kind sensor and cim sensors link|summarize|gaps on small files:
# counts and means worked out by hand or by python3's csv/json modules, bad
# input (tests/data/bad/make_bad.sh) refused with exit 3 naming file and line
# and leaving the store byte-identical.
. "$(dirname "$0")/lib.sh"

B=$T/bad
if ! bash "$CIM_SOURCE_ROOT/tests/data/bad/make_bad.sh" "$B" >"$T/make.log" 2>&1; then
    fail "make_bad.sh: $(cat "$T/make.log")"
fi
new_store s.cim
S=$T/s.cim
wide=(--kind sensor --layer air --sensor-field station --time-field time --x-field lon --y-field lat)

# ---- usage ----
expect_exit 2 -- "$CIM" ingest "$S" "$B/sensor_good.csv" --kind sensor --sensor-field station --time-field time
expect_stderr_contains "--layer"
expect_exit 2 -- "$CIM" ingest "$S" "$B/sensor_good.csv" "${wide[@]}" --tz 8h
expect_stderr_contains "--tz '8h'"
expect_exit 2 -- "$CIM" ingest "$S" "$B/sensor_good.csv" "${wide[@]}" --locations stations:code
expect_exit 0 -- "$CIM" ingest --kind sensor --help
expect_stdout_contains "--sensor-field"
expect_exit 2 -- "$CIM" sensors frobnicate "$S" --layer air
expect_exit 2 -- "$CIM" sensors summarize "$S" --layer air
expect_stderr_contains "--every"

# ---- bad input: exit 3, file and line named, store unchanged ----
before=$(store_fingerprint "$S")
bad_case() { # FILE LINE_TEXT WHAT
    expect_exit 3 -- "$CIM" ingest "$S" "$B/$1" "${wide[@]}" --quiet
    expect_error_format
    expect_stderr_contains "$B/$1, line $2"
    expect_stderr_contains "$3"
    expect_unchanged "$1" "$S" "$before"
}
bad_case sensor_bad_time.csv 3 "time '2019-13-01 25:00'"
bad_case sensor_text_value.csv 4 "'n/a' in column 'PM10'"
bad_case sensor_no_location.csv 4 "sensor 'S03' has no location"
bad_case sensor_truncated.json 3 "item 2"
expect_exit 3 -- "$CIM" ingest "$S" "$T/missing.csv" "${wide[@]}"
expect_unchanged "missing file" "$S" "$before"

# ---- a good wide file: 5 readings (the empty NO2 of S02 is no reading) ----
expect_exit 0 -- "$CIM" ingest "$S" "$B/sensor_good.csv" "${wide[@]}" --unit PM10=ug/m3 --json
expect_eq "readings" 5 "$(json_get "$OUT" 'd["readings"]')"
expect_eq "inserted" 5 "$(json_get "$OUT" 'd["inserted"]')"
expect_eq "sensors" 2 "$(json_get "$OUT" 'd["sensors_new"]')"
expect_eq "rows in air_obs" 5 "$(sql "$S" 'SELECT count(*) FROM air_obs')"
expect_eq "PM10 of S01 at 2019-01-01T01:00+08:00, stored as UTC" 30.0 \
    "$(sql "$S" "SELECT value FROM air_obs WHERE sensor='S01' AND property='PM10' AND t='2018-12-31T17:00:00Z'")"
expect_eq "no NO2 reading for S02" 0 "$(sql "$S" "SELECT count(*) FROM air_obs WHERE sensor='S02' AND property='NO2'")"
expect_eq "station names" "S01|Futian S02|Nanshan" \
    "$(sql "$S" 'SELECT sensor, name FROM air_sensors ORDER BY sensor' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "kinds in the catalogue" "air_obs|sensor air_sensors|sensor" \
    "$(sql "$S" "SELECT name, kind FROM cim_layers WHERE name LIKE 'air_%' ORDER BY name" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "WITHOUT ROWID table with the key" 1 \
    "$(sql "$S" "SELECT count(*) FROM sqlite_master WHERE name='air_obs' AND sql LIKE '%PRIMARY KEY (sensor, property, t)) WITHOUT ROWID%'")"
# The sensor points are in the store CRS (EPSG:4547): ogr2ogr reprojects them back independently.
back=$(ogr2ogr -f CSV /vsistdout/ "$S" air_sensors -t_srs EPSG:4326 -lco GEOMETRY=AS_XY -sql "SELECT * FROM air_sensors WHERE sensor='S01'" 2>/dev/null | tail -1)
expect_near "S01 lon after the round trip" 114.0579 "$(echo "$back" | cut -d, -f1)" 1e-7
expect_near "S01 lat after the round trip" 22.5431 "$(echo "$back" | cut -d, -f2)" 1e-7

# ---- re-ingest: nothing new, store unchanged; an overlapping file with one conflict ----
before=$(store_fingerprint "$S")
expect_exit 0 -- "$CIM" ingest "$S" "$B/sensor_good.csv" "${wide[@]}" --json
expect_eq "re-ingest inserts nothing" 0 "$(json_get "$OUT" 'd["inserted"]')"
expect_eq "re-ingest: all duplicates" 5 "$(json_get "$OUT" 'd["duplicates"]')"
expect_unchanged "re-ingest" "$S" "$before"
printf '%s\n' 'time,station,name,lon,lat,PM10,NO2' '2019-01-01T01:00:00+08:00,S01,Futian,114.0579,22.5431,31,10' \
    '2019-01-01T02:00:00+08:00,S01,Futian,114.0579,22.5431,20,' > "$T/overlap.csv"
expect_exit 0 -- "$CIM" ingest "$S" "$T/overlap.csv" "${wide[@]}" --json
expect_eq "overlap: new" 1 "$(json_get "$OUT" 'd["inserted"]')"
expect_eq "overlap: same value" 1 "$(json_get "$OUT" 'd["duplicates"]')"
expect_eq "overlap: conflict" 1 "$(json_get "$OUT" 'd["conflicts"]')"
expect_eq "conflict: stored value kept" 30.0 \
    "$(sql "$S" "SELECT value FROM air_obs WHERE sensor='S01' AND property='PM10' AND t='2018-12-31T17:00:00Z'")"
expect_eq "rows after overlap" 6 "$(sql "$S" 'SELECT count(*) FROM air_obs')"

# ---- long CSV, JSON array, JSON lines and SensorThings of the same readings: same table ----
"$PYTHON" - "$B/sensor_good.csv" "$T" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
out = sys.argv[2]
props = ['PM10', 'NO2']
with open(out + '/long.csv', 'w') as f:
    f.write('station,lon,lat,name,property,value,time\n')
    for r in rows:
        for p in props:
            if r[p] != '':
                f.write('%s,%s,%s,%s,%s,%s,%s\n' % (r['station'], r['lon'], r['lat'], r['name'], p, r[p], r['time']))
objs = []
for r in rows:
    o = {'station': r['station'], 'time': r['time'], 'name': r['name'], 'lon': float(r['lon']), 'lat': float(r['lat'])}
    for p in props:
        o[p] = float(r[p]) if r[p] != '' else None
    objs.append(o)
json.dump(objs, open(out + '/obs.json', 'w'), indent=1)
with open(out + '/obs.jsonl', 'w') as f:
    for o in objs:
        f.write(json.dumps(o) + '\n')
things = {}
for r in rows:
    t = things.setdefault(r['station'], {'name': r['station'], 'properties': {'name': r['name']},
        'Locations': [{'location': {'type': 'Point', 'coordinates': [float(r['lon']), float(r['lat'])]}}],
        'Datastreams': [{'name': p, 'ObservedProperty': {'name': p}, 'Observations': []} for p in props]})
    for ds in t['Datastreams']:
        v = r[ds['name']]
        if v != '':
            ds['Observations'].append({'phenomenonTime': r['time'], 'result': float(v)})
json.dump({'value': list(things.values())}, open(out + '/things.json', 'w'))
PY
new_store f.cim
F=$T/f.cim
expect_exit 0 -- "$CIM" ingest "$F" "$B/sensor_good.csv" "${wide[@]}" --layer wide --quiet
expect_exit 0 -- "$CIM" ingest "$F" "$T/long.csv" "${wide[@]}" --layer lng --property-field property --value-field value --quiet
expect_exit 0 -- "$CIM" ingest "$F" "$T/obs.json" "${wide[@]}" --layer arr --quiet
expect_exit 0 -- "$CIM" ingest "$F" "$T/obs.jsonl" "${wide[@]}" --layer jsl --quiet
expect_exit 0 -- "$CIM" ingest "$F" "$T/things.json" --kind sensor --layer sta --quiet
ref=$(sql "$F" 'SELECT sensor, property, t, value FROM wide_obs ORDER BY 1, 2, 3')
refs=$(sql "$F" 'SELECT sensor, name, ST_X(geom), ST_Y(geom) FROM wide_sensors ORDER BY 1' 2>/dev/null ||
       sql "$F" 'SELECT sensor, name, hex(geom) FROM wide_sensors ORDER BY 1')
for l in lng arr jsl sta; do
    expect_eq "$l readings = wide readings" "$ref" "$(sql "$F" "SELECT sensor, property, t, value FROM ${l}_obs ORDER BY 1, 2, 3")"
    got=$(sql "$F" "SELECT sensor, name, ST_X(geom), ST_Y(geom) FROM ${l}_sensors ORDER BY 1" 2>/dev/null ||
          sql "$F" "SELECT sensor, name, hex(geom) FROM ${l}_sensors ORDER BY 1")
    expect_eq "$l sensors = wide sensors" "$refs" "$got"
done
expect_eq "wide readings" 5 "$(sql "$F" 'SELECT count(*) FROM wide_obs')"

# ---- epoch milliseconds and naive times with --tz ----
printf 'ts,id,x,y,v\n1546272000000,A,114,22.5,1\n' > "$T/ms.csv"
printf 'ts,id,x,y,v\n2019-01-01 00:00:00,A,114,22.5,1\n' > "$T/naive.csv"
epoch=(--kind sensor --layer ep --sensor-field id --time-field ts --x-field x --y-field y --quiet)
expect_exit 0 -- "$CIM" ingest "$F" "$T/ms.csv" "${epoch[@]}"
expect_exit 3 -- "$CIM" ingest "$F" "$T/naive.csv" "${epoch[@]}"
expect_stderr_contains "naive.csv, line 2"
expect_exit 0 -- "$CIM" ingest "$F" "$T/naive.csv" "${epoch[@]}" --tz +08:00 --json
expect_eq "naive +08:00 = epoch ms of the same instant" 0 "$(json_get "$OUT" 'd["inserted"]')"
expect_eq "the instant in UTC" "2018-12-31T16:00:00Z" "$(sql "$F" 'SELECT t FROM ep_obs')"

# ---- link: two squares around S01 (Futian) and S02 (Nanshan) ----
sq() { printf '{"type":"Feature","properties":{"name":"%s"},"geometry":{"type":"Polygon","coordinates":[[[%s,%s],[%s,%s],[%s,%s],[%s,%s],[%s,%s]]]}}' \
    "$1" "$2" "$3" "$4" "$3" "$4" "$5" "$2" "$5" "$2" "$3"; }
printf '{"type":"FeatureCollection","features":[%s,%s]}' "$(sq east 114.0 22.5 114.1 22.6)" \
    "$(sq west 113.9 22.5 114.0 22.6)" > "$T/halves.geojson"
expect_exit 0 -- "$CIM" ingest "$S" "$T/halves.geojson" --layer halves --quiet
expect_exit 0 -- "$CIM" sensors link "$S" --layer air --to halves --json
expect_eq "linked" 2 "$(json_get "$OUT" 'd["layers"][0]["linked"]')"
expect_eq "S01 in east, S02 in west" "S01|east S02|west" \
    "$(sql "$S" "SELECT l.sensor, h.name FROM air_links l JOIN halves h ON h.fid = l.fid WHERE l.layer='halves' ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
# buildings: 0.0002-degree squares east of S01 (114.0579, 22.5431), their west sides
# 0.0002 and 0.0009 degrees away: about 0.0002 * 111320 * cos(22.5431) = 20.6 m and 92.5 m
printf '{"type":"FeatureCollection","features":[%s,%s]}' "$(sq near 114.0581 22.5430 114.0583 22.5432)" \
    "$(sq far 114.0588 22.5430 114.0590 22.5432)" > "$T/bldg.geojson"
expect_exit 0 -- "$CIM" ingest "$S" "$T/bldg.geojson" --layer bldg --quiet
expect_exit 0 -- "$CIM" sensors link "$S" --layer air --nearest bldg --within 50 --json
expect_eq "one sensor has a building within 50 m" 1 "$(json_get "$OUT" 'd["layers"][0]["linked"]')"
expect_eq "the nearest is 'near'" "S01|near" \
    "$(sql "$S" "SELECT l.sensor, b.name FROM air_links l JOIN bldg b ON b.fid = l.fid WHERE l.layer='bldg'")"
expect_near "its distance" 20.6 "$(sql "$S" "SELECT distance FROM air_links WHERE layer='bldg'")" 0.3
expect_exit 0 -- "$CIM" sensors link "$S" --layer air --nearest bldg --within 10
expect_eq "none within 10 m" 0 "$(sql "$S" "SELECT count(*) FROM air_links WHERE layer='bldg'")"
expect_eq "district links kept" 2 "$(sql "$S" "SELECT count(*) FROM air_links WHERE layer='halves'")"
expect_exit 3 -- "$CIM" sensors link "$S" --layer air --to nosuch
expect_exit 0 -- "$CIM" sensors summarize "$S" --layer air --every 1d --by halves --property PM10 --format csv
# UTC days: S01 (east) has 35.5, 30, 20 on 2018-12-31; S02 (west) 41
expect_stdout_contains "1,PM10,2018-12-31,3,28.5,20.0,35.5"
expect_stdout_contains "2,PM10,2018-12-31,1,41.0,41.0,41.0"

# ---- summarize and gaps against python3 on overlap + good ----
expect_exit 0 -- "$CIM" sensors summarize "$S" --layer air --every 1h --tz +08:00 --property PM10 --sensor S01 \
    --threshold 'PM10>25' --format json
expect_eq "hours of S01 PM10" 3 "$(json_get "$OUT" 'len(d)')"
expect_eq "first hour" "2019-01-01T00 35.5 1" "$(json_get "$OUT" '"%s %s %s" % (d[0]["period"], d[0]["mean"], d[0]["exceedances"])')"
expect_exit 0 -- "$CIM" sensors summarize "$S" --layer air --every 1d --tz +08:00 --format csv
mean=$("$PYTHON" -c 'print((35.5 + 30 + 20) / 3)')
expect_near "daily PM10 mean of S01" "$mean" "$(grep '^S01,PM10,2019-01-01,' "$OUT" | cut -d, -f5)" 1e-9
expect_exit 0 -- "$CIM" sensors summarize "$S" --layer air --every 1d --tz +08:00 --out air_daily
expect_eq "summary layer rows" "$(sql "$S" "SELECT count(*) FROM (SELECT DISTINCT sensor, property FROM air_obs)")" \
    "$(sql "$S" 'SELECT count(*) FROM air_daily')"
expect_eq "ogrinfo reads the summary layer" "$(sql "$S" 'SELECT count(*) FROM air_daily')" "$(ogrinfo -ro -so "$S" air_daily 2>/dev/null | sed -n 's/^Feature Count: //p')"
# never over a layer that is not a summary, never a sensor layer over a GIS layer
before=$(store_fingerprint "$S")
expect_exit 2 -- "$CIM" sensors summarize "$S" --layer air --every 1d --out air_obs
expect_stderr_contains "not a sensor summary"
expect_unchanged "summary over the readings" "$S" "$before"
expect_exit 0 -- "$CIM" ingest "$S" "$T/halves.geojson" --layer h_sensors --quiet
before=$(store_fingerprint "$S")
expect_exit 2 -- "$CIM" ingest "$S" "$B/sensor_good.csv" "${wide[@]}" --layer h --quiet
expect_stderr_contains "'h_sensors' exists and is not part of a sensor layer"
expect_unchanged "sensor layer over a GIS layer" "$S" "$before"
expect_exit 0 -- "$CIM" sensors gaps "$S" --layer air --every 1h --tz +08:00 --format csv
# span 00..02 local: S01 has all three hours, S02 only hour 00
expect_eq "gaps" "sensor,first,last,periods S02,2019-01-01T01,2019-01-01T02,2" "$(tr '\n' ' ' <"$OUT" | sed 's/ $//')"
expect_exit 3 -- "$CIM" sensors gaps "$S" --layer nosuch --every 1d

finish
