#!/usr/bin/env bash
# Sensor layers on a PostGIS store: the sample district's air-quality feed
# (cim sample: gaps, duplicates, late rows) ingested into a .cim and into a
# PostGIS schema gives the same tables (registry, readings, summaries, gaps,
# links), read by sqlite3 and psql rather than cim; summaries also against
# PostgreSQL's own GROUP BY; re-ingest changes nothing; a conflicting value
# is reported alike; a bad file leaves the schema as it was; cim query
# clients keep reading while an ingest runs.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
trap 'pg_cluster_stop' EXIT
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }

"$CIM" sample "$T/d" --quiet >/dev/null 2>&1 || fail "cim sample"
# The stations' lon/lat joined onto the readings: the registry's points come
# from the file itself (--x-field/--y-field), reprojected to the store CRS.
"$PYTHON" - "$T/d" "$T/air.csv" <<'PY'
import csv, json, sys
src, out = sys.argv[1], sys.argv[2]
pts = {f['properties']['station_id']: f['geometry']['coordinates'] for f in json.load(open(src + '/stations.geojson'))['features']}
with open(src + '/readings.csv', newline='') as f, open(out, 'w', newline='') as o:
    r = csv.DictReader(f)
    w = csv.writer(o, lineterminator='\n')
    w.writerow(r.fieldnames + ['lon', 'lat'])
    for row in r:
        w.writerow([row[k] for k in r.fieldnames] + pts[row['station_id']])
PY
air=(--kind sensor --layer air --sensor-field station_id --time-field time --property-field property
     --value-field value --x-field lon --y-field lat --unit pm25=ug/m3 --attr-field unit)

# same_table A.csv B.csv: the same cells; numbers to 1e-12 relative (SQLite's
# avg() and PostgreSQL's add in their own ways: the 15th digit may differ).
same_table() {
    "$PYTHON" - "$1" "$2" <<'PY'
import csv, sys
a, b = (list(csv.reader(open(f))) for f in sys.argv[1:3])
def same(x, y):
    if x == y:
        return True
    try:
        return abs(float(x) - float(y)) <= 1e-12 * max(abs(float(x)), abs(float(y)))
    except ValueError:
        return False
bad = [(i, r, s) for i, (r, s) in enumerate(zip(a, b)) if len(r) != len(s) or not all(map(same, r, s))]
if len(a) != len(b) or bad:
    print('rows %d vs %d; first difference: %s' % (len(a), len(b), bad[:1]))
else:
    print('same')
PY
}

L=$T/l.cim
new_store l.cim
P=$(pg_store s1)
expect_exit 0 -- "$CIM" init "$P" --srid 4547 --quiet

expect_exit 0 -- "$CIM" ingest "$L" "$T/air.csv" "${air[@]}" --json
cp "$OUT" "$T/l.json"
expect_exit 0 -- "$CIM" ingest "$P" "$T/air.csv" "${air[@]}" --json
cp "$OUT" "$T/p.json"
for k in readings inserted duplicates conflicts sensors_new; do
    expect_eq "ingest $k alike" "$(json_get "$T/l.json" "d['$k']")" "$(json_get "$T/p.json" "d['$k']")"
done
# The sample's README: 4,294 rows, 17 of them repeated.
expect_eq "readings" 4294 "$(json_get "$T/p.json" "d['readings']")"
expect_eq "duplicates" 17 "$(json_get "$T/p.json" "d['duplicates']")"

# The tables, read by each database's own client.
expect_eq "readings alike" \
    "$(sql "$L" "SELECT sensor || '|' || property || '|' || t || '|' || printf('%.6f', value) FROM air_obs ORDER BY 1")" \
    "$(pg_sql s1 "SELECT sensor || '|' || property || '|' || t || '|' || to_char(value, 'FM999999990.000000') FROM air_obs ORDER BY 1")"
expect_eq "registry alike" \
    "$(sql "$L" "SELECT fid || '|' || sensor || '|' || unit FROM air_sensors ORDER BY fid")" \
    "$(pg_sql s1 "SELECT fid || '|' || sensor || '|' || unit FROM air_sensors ORDER BY fid")"
expect_eq "registry points alike (mm)" \
    "$(spatial_sql "$L" "SELECT sensor || '|' || printf('%.3f|%.3f', ST_X(geom), ST_Y(geom)) FROM air_sensors ORDER BY fid")" \
    "$(pg_sql s1 "SELECT sensor || '|' || to_char(ST_X(geom), 'FM9999990.000') || '|' || to_char(ST_Y(geom), 'FM99999990.000') FROM air_sensors ORDER BY fid")"
expect_eq "registry in the store CRS" 4547 "$(pg_sql s1 "SELECT DISTINCT ST_SRID(geom) FROM air_sensors")"
expect_eq "catalogued as sensor layers" \
    "$(sql "$L" "SELECT group_concat(name || '|' || kind || '|' || coalesce(role, ''), ' ') FROM (SELECT * FROM cim_layers WHERE name LIKE 'air%' ORDER BY name)")" \
    "$(pg_sql s1 "SELECT string_agg(name || '|' || kind || '|' || coalesce(role, ''), ' ' ORDER BY name) FROM cim_layers WHERE name LIKE 'air%'")"

# Summaries and gaps: the same CSV from both, UTC and +08:00 (to_char vs strftime).
for args in "summarize --every 1d" "summarize --every 1h --property pm25 --threshold pm25>35" \
            "summarize --every 1d --tz +08:00" "summarize --every 1mon --tz -03:30" \
            "gaps --every 1h" "gaps --every 1h --property no2 --tz +08:00" "gaps --every 1d --sensor AQ-0002"; do
    # shellcheck disable=SC2086
    expect_exit 0 -- "$CIM" sensors $args "$L" --layer air --format csv
    cp "$OUT" "$T/l.csv"
    # shellcheck disable=SC2086
    expect_exit 0 -- "$CIM" sensors $args "$P" --layer air --format csv
    expect_eq "sensors $args: same table" same "$(same_table "$T/l.csv" "$OUT")"
done
expect_exit 0 -- "$CIM" sensors gaps "$P" --layer air --every 1h --format csv
expect_true "the hourly gaps are not empty" [ "$(wc -l <"$OUT")" -gt 10 ]
# Daily means against PostgreSQL's own GROUP BY over the stored readings.
expect_exit 0 -- "$CIM" sensors summarize "$P" --layer air --every 1d --format csv
got=$("$PYTHON" -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print("%s|%s|%s|%s|%.9f" % (r["sensor"], r["property"], r["period"], r["count"], float(r["mean"])))' "$OUT")
want=$(pg_sql s1 "SELECT sensor || '|' || property || '|' || substr(t, 1, 10) || '|' || count(*) || '|' || to_char(avg(value), 'FM999999990.000000000') FROM air_obs GROUP BY sensor, property, substr(t, 1, 10) ORDER BY sensor, property, substr(t, 1, 10)")
expect_eq "daily means = PostgreSQL avg()" "$want" "$got"

# Re-ingest: nothing new, the schema unchanged (and no run row left).
before=$(pg_fingerprint s1)
expect_exit 0 -- "$CIM" ingest "$P" "$T/air.csv" "${air[@]}" --json
expect_eq "re-ingest inserts nothing" 0 "$(json_get "$OUT" "d['inserted']")"
expect_eq "re-ingest: every reading a duplicate" 4294 "$(json_get "$OUT" "d['duplicates']")"
expect_eq "re-ingest leaves the schema" "$before" "$(pg_fingerprint s1)"

# One changed value in an otherwise known file: a conflict, the stored value kept.
awk -F, 'NR == 2 { $4 = $4 + 1000 } NR <= 30' OFS=, "$T/air.csv" >"$T/conflict.csv"
printf 'AQ-0001,2026-06-30T00:00:00Z,pm25,1.5,ug/m3,%s\n' "$(sed -n 2p "$T/air.csv" | cut -d, -f6-)" >>"$T/conflict.csv"
expect_exit 0 -- "$CIM" ingest "$L" "$T/conflict.csv" "${air[@]}" --json
cp "$OUT" "$T/l.json"
expect_exit 0 -- "$CIM" ingest "$P" "$T/conflict.csv" "${air[@]}" --json
expect_eq "one conflict" 1 "$(json_get "$OUT" "d['conflicts']")"
expect_eq "one new reading" 1 "$(json_get "$OUT" "d['inserted']")"
expect_eq "the same conflict reported" "$(json_get "$T/l.json" "d['first_conflict']")" "$(json_get "$OUT" "d['first_conflict']")"
expect_eq "stored value kept" 18.7 "$(pg_sql s1 "SELECT value FROM air_obs WHERE sensor = 'AQ-0001' AND property = 'pm25' AND t = '2026-06-01T00:00:00Z'")"

# A bad file (a time that is no time on line 5): exit 3 naming file and line; schema unchanged.
awk -F, 'NR == 5 { $2 = "yesterday" } { print }' OFS=, "$T/air.csv" | sed 's/^AQ-/BQ-/' >"$T/bad.csv"
before=$(pg_fingerprint s1)
expect_exit 3 -- "$CIM" ingest "$P" "$T/bad.csv" "${air[@]}"
expect_stderr_contains "bad.csv"
expect_stderr_contains "line 5"
expect_eq "bad file leaves the schema" "$before" "$(pg_fingerprint s1)"

# Links to polygons (GiST && + ST_Intersects) and the nearest building (ST_DWithin).
if "$CIM" ingest "$L" "$T/d/parcels.geojson" --layer parcels --quiet 2>/dev/null &&
   "$CIM" ingest "$P" "$T/d/parcels.geojson" --layer parcels --quiet 2>/dev/null &&
   "$CIM" ingest "$L" "$T/d/buildings.geojson" --layer buildings --quiet 2>/dev/null &&
   "$CIM" ingest "$P" "$T/d/buildings.geojson" --layer buildings --quiet 2>/dev/null; then
    expect_exit 0 -- "$CIM" sensors link "$L" --layer air --to parcels --nearest buildings --within 200 --json
    expect_exit 0 -- "$CIM" sensors link "$P" --layer air --to parcels --nearest buildings --within 200 --json
    expect_eq "links alike" \
        "$(sql "$L" "SELECT sensor || '|' || layer || '|' || fid || '|' || printf('%.6f', distance) FROM air_links ORDER BY 1")" \
        "$(pg_sql s1 "SELECT sensor || '|' || layer || '|' || fid || '|' || to_char(distance, 'FM999990.000000') FROM air_links ORDER BY 1")"
    expect_eq "polygon links = PostGIS ST_Contains" \
        "$(pg_sql s1 "SELECT s.sensor || '|' || p.fid FROM air_sensors s JOIN parcels p ON ST_Intersects(p.geom, s.geom) ORDER BY 1")" \
        "$(pg_sql s1 "SELECT sensor || '|' || fid FROM air_links WHERE layer = 'parcels' ORDER BY 1")"
    expect_exit 0 -- "$CIM" sensors summarize "$L" --layer air --every 1d --by parcels --format csv
    cp "$OUT" "$T/l.csv"
    expect_exit 0 -- "$CIM" sensors summarize "$P" --layer air --every 1d --by parcels --format csv
    expect_eq "summary by parcel alike" same "$(same_table "$T/l.csv" "$OUT")"
    expect_exit 0 -- "$CIM" sensors summarize "$P" --layer air --every 1d --out air_daily --quiet
    expect_eq "summary layer in PostGIS" "$(pg_sql s1 "SELECT count(DISTINCT (sensor, property, substr(t, 1, 10))) FROM air_obs")" \
        "$(pg_sql s1 "SELECT count(*) FROM air_daily")"
else
    fail "layers could not be ingested into PostGIS (cim ingest on PostGIS): links not tested"
fi

# Concurrency: cim query clients while a sensor ingest writes (PostgreSQL's
# MVCC: readers see the last commit and are never refused).
"$PYTHON" - "$T/air.csv" "$T/big.csv" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
with open(sys.argv[2], 'w') as o:
    o.write(lines[0] + '\n')
    for k in range(12):  # the same week again under other sensors' names
        for l in lines[1:]:
            f = l.split(',')
            f[0] = 'C%02d-%s' % (k, f[0])
            o.write(','.join(f) + '\n')
PY
n_obs=$(pg_sql s1 "SELECT count(*) FROM air_obs")
"$CIM" ingest "$P" "$T/big.csv" "${air[@]}" --layer big --quiet >"$T/ingest.out" 2>&1 &
ingest_pid=$!
refused=0 queries=0 during=0
while kill -0 "$ingest_pid" 2>/dev/null || [ "$queries" -lt 4 ]; do
    kill -0 "$ingest_pid" 2>/dev/null && during=$((during + 4))
    pids=()
    for i in 1 2 3 4; do
        "$CIM" query "$P" "SELECT count(*) AS n FROM air_obs" --format csv >"$T/q$i.out" 2>&1 &
        pids+=($!)
    done
    for i in 1 2 3 4; do
        wait "${pids[$((i - 1))]}"
        queries=$((queries + 1))
        tr -d "\r" <"$T/q$i.out" | grep -qx "$n_obs" || { refused=$((refused + 1)); cp "$T/q$i.out" "$T/refused.out"; }
    done
done
wait "$ingest_pid"
expect_eq "ingest during the queries" 0 $?
expect_eq "queries refused or wrong during the ingest (of $queries)" 0 "$refused"
expect_true "some queries ran while the ingest wrote ($during)" [ "$during" -ge 4 ]
[ "$refused" = 0 ] || cat "$T/refused.out" >&2
expect_eq "big ingested" $((4277 * 12)) "$(pg_sql s1 "SELECT count(*) FROM big_obs")"

finish
