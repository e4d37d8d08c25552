#!/usr/bin/env bash
# cim query on a PostGIS store: the values and formats psql sees, read-only
# whatever the SQL (the server refuses writes in the READ ONLY transaction),
# one statement at a time, and planners' queries never refused while a
# writer holds a transaction open.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }

# The last CSV line of a file, without quotes and CR (cim's CSV is RFC 4180).
last_csv() { tail -n 1 "$1" | tr -d '\r"'; }

S=$(pg_store s)
expect_exit 0 -- "$CIM" init "$S" --srid 4547 --quiet
# A layer table written by psql (independently of cim's writers): 500 squares
# of side 10 + i/100 m, typed attributes, one NULL row.
pg_sql s "CREATE TABLE parcels(fid BIGINT PRIMARY KEY, name TEXT, code INTEGER, ratio DOUBLE PRECISION,
          surveyed DATE, geom geometry(Polygon, 4547));
  INSERT INTO parcels SELECT i, 'p' || i, i % 7, i / 3.0, DATE '2024-01-01' + i,
         ST_MakeEnvelope(500000 + i * 20, 2500000, 500000 + i * 20 + 10 + i / 100.0, 2500010 + i / 100.0, 4547)
    FROM generate_series(1, 500) i;
  INSERT INTO parcels VALUES (501, NULL, NULL, NULL, NULL, NULL);"

q="SELECT fid, name, code, ratio, surveyed, ST_Area(geom) AS area FROM parcels ORDER BY fid"
expect_exit 0 -- "$CIM" query "$S" --format csv "$q"
cp "$OUT" "$T/cim.csv"
pg_sql s "COPY ($q) TO STDOUT WITH (FORMAT csv, HEADER)" >"$T/psql.csv"
expect_eq "same rows as psql (numbers to 1e-12 relative)" ok "$("$PYTHON" - "$T/cim.csv" "$T/psql.csv" <<'PY'
import csv, sys
a = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
b = list(csv.reader(open(sys.argv[2])))
if len(a) != len(b) or a[0] != b[0]:
    print("shape", len(a), len(b), a[0], b[0]); sys.exit()
for ra, rb in zip(a[1:], b[1:]):
    for x, y in zip(ra, rb):
        if x == y:
            continue
        try:
            if abs(float(x) - float(y)) <= 1e-12 * max(1, abs(float(y))):
                continue
        except ValueError:
            pass
        print("differs", ra, rb); sys.exit()
print("ok")
PY
)"
# Geometry columns print as WKT and GeoJSON (lon/lat), as on SpatiaLite.
expect_exit 0 -- "$CIM" query "$S" --format csv "SELECT geom FROM parcels WHERE fid = 1"
expect_eq "WKT as PostGIS prints it" "$(pg_sql s "SELECT ST_AsText(geom) FROM parcels WHERE fid = 1")" "$(last_csv "$OUT")"
expect_exit 0 -- "$CIM" query "$S" --format geojson "SELECT fid, geom FROM parcels WHERE fid <= 3 ORDER BY fid"
expect_eq "three features" 3 "$(json_get "$OUT" 'len(d["features"])')"
lon=$(pg_sql s "SELECT round(ST_X(ST_Transform(ST_PointN(ST_ExteriorRing(geom), 1), 4326))::numeric, 8) FROM parcels WHERE fid = 1")
expect_near "first vertex longitude" "$lon" "$(json_get "$OUT" 'd["features"][0]["geometry"]["coordinates"][0][0][0]')" 1e-8
expect_exit 0 -- "$CIM" query "$S" "SELECT count(*) AS n, sum(code) AS s FROM parcels WHERE name IS NULL"
expect_stdout_contains "(1 row)"

# PostgreSQL's binary values as cim prints them: dates and times as the ISO
# text a SpatiaLite store holds (worked out by hand: 23:59:59 at +08 is
# 15:59:59 UTC; 1960 is before PostgreSQL's 2000 epoch), numerics as numbers.
expect_exit 0 -- "$CIM" query "$S" --format csv "SELECT TIMESTAMPTZ '2024-02-29 23:59:59.123456+08' AS a,
    TIMESTAMP '1960-03-01 00:00:00' AS b, TIME '13:05:00.5' AS c, DATE '1999-12-31' AS d, DATE '1960-02-29' AS e,
    UUID 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS f, JSONB '{\"k\": [1, 2]}' AS g, TRUE AS h,
    12345678901234567890.5::numeric AS i, -0.001::numeric AS j, 42::numeric AS k, -7::smallint AS l"
expect_eq "typed values" '2024-02-29T15:59:59.123456Z,1960-03-01T00:00:00,13:05:00.5,1999-12-31,1960-02-29,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,{k: [1, 2]},1,1.2345678901234567e+19,-0.001,42,-7' \
    "$(last_csv "$OUT")"

# Writes of every kind are refused (exit 2) and change nothing.
before=$(pg_fingerprint s)
for w in "DELETE FROM parcels" "UPDATE parcels SET code = 0" "INSERT INTO parcels(fid) VALUES (9999)" \
         "DROP TABLE parcels" "CREATE TABLE x(a int)" "TRUNCATE parcels" \
         "WITH d AS (DELETE FROM parcels RETURNING fid) SELECT count(*) FROM d" \
         "SELECT nextval(pg_get_serial_sequence('cim_runs', 'id'))" \
         "SELECT 1; DELETE FROM parcels" "/* c */ (SELECT 1) ; DROP TABLE parcels"; do
    expect_exit 2 -- "$CIM" query "$S" "$w"
    expect_stderr_contains "read-only"
done
expect_eq "store unchanged after refused writes" "$before" "$(pg_fingerprint s)"
# A mistake in the SQL is the server's message, once.
expect_exit 4 -- "$CIM" query "$S" "SELECT nosuch FROM parcels"
expect_stderr_contains 'column "nosuch" does not exist'
expect_exit 0 -- "$CIM" query "$S" "SELECT 1 -- a comment after the statement"

# Planners' queries while the nightly writer holds a transaction open: all
# answer (MVCC: readers never wait for a writer), seeing the committed rows
# only. The writer's transaction is held open by an advisory lock the test
# keeps until the readers are done, so this does not depend on timing.
pg_sql s "CREATE TABLE big(fid BIGINT PRIMARY KEY, v DOUBLE PRECISION)"
psql -X -q "$PG_BASE" -c "SELECT pg_advisory_lock(42)" -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
locker=$!
until [ "$(pg_sql s "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 1 ]; do sleep 0.1; done
PGOPTIONS="-c search_path=s,public" psql -X -q "$PG_BASE" -c \
    "BEGIN; INSERT INTO big SELECT i, random() FROM generate_series(1, 200000) i; SELECT pg_advisory_lock(42); COMMIT;" \
    >/dev/null 2>&1 &
writer=$!
until [ "$(pg_sql s "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")" = 1 ]; do sleep 0.1; done
pids=()
for i in 1 2 3 4 5 6; do
    timeout 120 "$CIM" query "$S" --format csv "SELECT count(*) FROM big" >"$T/reader$i.csv" 2>"$T/reader$i.err" &
    pids+=($!)
done
refused=0
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || refused=$((refused + 1))
done
expect_eq "no reader refused or kept waiting during the write" 0 "$refused"
expect_eq "readers see the committed state" "count 0 0 0 0 0 0" "count $(for i in 1 2 3 4 5 6; do last_csv "$T/reader$i.csv"; done | tr '\n' ' ' | sed 's/ $//')"
expect_true "the writer was still open" kill -0 "$writer"
pg_sql s "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted" >/dev/null
wait "$writer"
wait "$locker" 2>/dev/null
expect_exit 0 -- "$CIM" query "$S" --format csv "SELECT count(*) FROM big"
expect_eq "after the commit" 200000 "$(last_csv "$OUT")"

# A planner's role: read-only store access without superuser rights, which
# is what keeps server-side functions (files, programs) out of reach.
pg_sql s "CREATE ROLE planner LOGIN; GRANT USAGE ON SCHEMA s TO planner; GRANT SELECT ON ALL TABLES IN SCHEMA s TO planner"
P="${PG_BASE/user=cim/user=planner}&schema=s"
expect_exit 0 -- "$CIM" query "$P" --format csv "SELECT count(*) FROM parcels"
expect_eq "planner reads" 501 "$(last_csv "$OUT")"
expect_exit 4 -- "$CIM" query "$P" "SELECT pg_read_file('/etc/passwd')"
expect_stderr_contains "permission denied"
expect_exit 0 -- "$CIM" layers "$P"

finish
