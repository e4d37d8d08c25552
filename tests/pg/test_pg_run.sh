#!/usr/bin/env bash
# cim run on a PostGIS store: the sample district's pipeline (plus the
# air-quality feed as a sensor step) on a .cim and on a PostGIS schema. Every
# step that runs on PostGIS gives the layers the SpatiaLite run gave (counts,
# readings, gaps), read by sqlite3 and psql; a step whose command does not
# run on PostGIS yet stops the pipeline with its exit code, the steps before
# it kept; a second run skips what is unchanged; --dry-run changes nothing;
# a second `cim run` while one holds the schema's advisory lock exits 4.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
trap 'pg_cluster_stop' EXIT
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }

d=$T/d
"$CIM" sample "$d/src" --quiet >/dev/null 2>&1 || fail "cim sample"
P=$(pg_store r1)
# The sample pipeline with the sensor feed after the stations, for a store.
pipeline() {
    "$PYTHON" - "$CIM_SOURCE_ROOT/samples/district.pipeline.json" "$1" "$2" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p['store'] = sys.argv[2]
i = [s['name'] for s in p['steps']].index('stations') + 1
p['steps'].insert(i, {"name": "air", "command": "ingest", "source": "src/readings.csv", "layer": "air",
                      "kind": "sensor", "sensor-field": "station_id", "time-field": "time",
                      "property-field": "property", "value-field": "value", "locations": "stations:station_id"})
json.dump(p, open(sys.argv[3], 'w'), indent=1)
PY
}
pipeline district.cim "$d/lite.json"
pipeline "$P" "$d/pg.json"
steps() { json_get "$OUT" "' '.join(s['status'] for s in d['steps'])"; }

# --- a dry run on a schema without a store: every step would run, nothing made
expect_exit 0 -- "$CIM" run "$d/pg.json" --dry-run --json
expect_eq "dry run on a new schema: all would run" "run run run run run run run run run run run" \
    "$(json_get "$OUT" "' '.join(s['action'] for s in d['steps'])")"
expect_eq "dry run creates no schema" 0 \
    "$(pg_sql public "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'r1'")"

expect_exit 0 -- "$CIM" run "$d/lite.json" --json
run "$CIM" run "$d/pg.json" --json
pg_exit=$RC
expect_eq "exit code in the summary" "$pg_exit" "$(json_get "$OUT" "d['exit_code']")"
cp "$OUT" "$T/pg_run.json"
statuses=$(steps)
names=$(json_get "$OUT" "' '.join(s['name'] for s in d['steps'])")
echo "PostGIS run: exit $pg_exit, steps: $statuses"
# Every step runs on PostGIS.
expect_eq "the PostGIS run succeeds" 0 "$pg_exit"
expect_eq "every step ran on PostGIS" "ok ok ok ok ok ok ok ok ok ok ok" "$statuses"
# The run log, read by psql.
expect_eq "run row" "run|$([ "$pg_exit" = 0 ] && echo ok || echo failed)" \
    "$(pg_sql r1 "SELECT command || '|' || status FROM cim_runs WHERE command = 'run'")"
expect_eq "the run's message names the pipeline file" "$d/pg.json" \
    "$(pg_sql r1 "SELECT message FROM cim_runs WHERE command = 'run'")"
expect_eq "step rows" "$(json_get "$T/pg_run.json" "' '.join(s['name'] + '=' + s['status'] for s in d['steps'] if s['status'] != 'not run')")" \
    "$(pg_sql r1 "SELECT string_agg(step || '=' || status, ' ' ORDER BY seq) FROM cim_run_steps")"

# Every layer the PostGIS run made: the same rows as the SpatiaLite run's.
for layer in $(pg_sql r1 "SELECT name FROM cim_layers WHERE kind <> 'sensor' ORDER BY name"); do
    expect_eq "$layer: feature count" "$(sql "$d/district.cim" "SELECT count(*) FROM \"$layer\"")" \
        "$(pg_sql r1 "SELECT count(*) FROM \"$layer\"")"
    expect_eq "$layer: catalogue count" "$(sql "$d/district.cim" "SELECT feature_count FROM cim_layers WHERE name = '$layer'")" \
        "$(pg_sql r1 "SELECT feature_count FROM cim_layers WHERE name = '$layer'")"
done
expect_eq "parcels: areas (mm2)" \
    "$(spatial_sql "$d/district.cim" "SELECT printf('%.0f', sum(ST_Area(geom)) * 1e6) FROM parcels")" \
    "$(pg_sql r1 "SELECT round(CAST(sum(ST_Area(geom)) * 1e6 AS numeric)) FROM parcels")"
expect_eq "air readings alike" \
    "$(sql "$d/district.cim" "SELECT sensor || '|' || property || '|' || t || '|' || printf('%.6f', value) FROM air_obs ORDER BY 1" | sha256sum)" \
    "$(pg_sql r1 "SELECT sensor || '|' || property || '|' || t || '|' || to_char(value, 'FM999999990.000000') FROM air_obs ORDER BY 1" | sha256sum)"
expect_eq "sensor points from the stations layer alike (mm)" \
    "$(spatial_sql "$d/district.cim" "SELECT sensor || printf('|%.3f|%.3f', ST_X(geom), ST_Y(geom)) FROM air_sensors ORDER BY fid")" \
    "$(pg_sql r1 "SELECT sensor || '|' || to_char(ST_X(geom), 'FM9999990.000') || '|' || to_char(ST_Y(geom), 'FM99999990.000') FROM air_sensors ORDER BY fid")"
expect_exit 0 -- "$CIM" sensors gaps "$d/district.cim" --layer air --every 1h --format csv
cp "$OUT" "$T/gaps_lite.csv"
expect_exit 0 -- "$CIM" sensors gaps "$P" --layer air --every 1h --format csv
expect_eq "air gaps alike" "$(cat "$T/gaps_lite.csv")" "$(cat "$OUT")"

# --- a second run: the steps that ran are unchanged and skipped
versions() { pg_sql r1 "SELECT string_agg(name || '=' || version, ' ' ORDER BY name) FROM cim_layers"; }
before=$(versions)
expect_exit 0 -- "$CIM" run "$d/pg.json" --json
expect_eq "second run: ran steps skipped" \
    "$(echo "$statuses" | sed 's/\bok\b/skipped/g')" "$(steps)"
expect_eq "second run: layer versions kept" "$before" "$(versions)"

# --- --dry-run on the store: nothing changes
fp=$(pg_fingerprint r1)
expect_exit 0 -- "$CIM" run "$d/pg.json" --dry-run
expect_stdout_contains "dry run"
expect_eq "dry run leaves the schema" "$fp" "$(pg_fingerprint r1)"

# --- another run holds the schema's lock (a psql session standing in for
# it, holding it until the test releases it: no timing involved)
hold() {
    psql -X -q "$PG_BASE" -c "SELECT pg_advisory_lock(hashtext('cim run $1'))" -c "SELECT pg_sleep(600)" \
        >/dev/null 2>&1 &
    holder=$!
    until [ "$(pg_sql public "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 1 ]; do
        sleep 0.1
    done
}
release() {
    pg_sql public "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted" >/dev/null
    wait "$holder" 2>/dev/null
}
hold r1
expect_exit 4 -- "$CIM" run "$d/pg.json"
expect_stderr_contains "being updated by another 'cim run'"
expect_eq "locked: schema unchanged" "$fp" "$(pg_fingerprint r1)"
release
# The lock is on the schema's name: held before the store exists, it keeps
# a first run (its init step included) out too.
pipeline "$(pg_store r9)" "$d/r9.json"
hold r9
expect_exit 4 -- "$CIM" run "$d/r9.json"
expect_eq "locked: no schema r9 made" 0 \
    "$(pg_sql public "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'r9'")"
release
# The lock goes with the session: the next run starts.
expect_exit 0 -- "$CIM" run "$d/pg.json" --quiet

finish
