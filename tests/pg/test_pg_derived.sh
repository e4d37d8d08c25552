#!/usr/bin/env bash
# A derived layer (libcim/derived.c, the writer every operation uses) on
# PostGIS: written by tests/pg/derived_write.c into a PostGIS schema and a
# SpatiaLite file, then read back with psql, sqlite3 + SpatiaLite and ogrinfo.
# Checked: a typed geometry column (geometry_columns, SRID), a GiST index,
# fids, attributes (text with tab, backslash, newline), areas, the catalogue
# and change rows, refusal without replace (schema unchanged), and replace.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }
W=$CIM_BUILD_ROOT/tests/pg/derived_write

S=$(pg_store d1)
expect_exit 0 -- "$CIM" init "$S" --srid 4547
new_store d.cim --srid 4547
expect_exit 0 -- "$W" "$S" blocks 120
expect_exit 0 -- "$W" "$T/d.cim" blocks 120

expect_eq "rows" 121 "$(pg_sql d1 "SELECT count(*) FROM blocks")"
expect_eq "typed column" "MULTIPOLYGON|2|4547" \
    "$(pg_sql d1 "SELECT type, coord_dimension, srid FROM geometry_columns WHERE f_table_schema = 'd1' AND f_table_name = 'blocks'")"
expect_eq "every geometry in SRID 4547" 120 "$(pg_sql d1 "SELECT count(*) FROM blocks WHERE ST_SRID(geom) = 4547")"
expect_eq "a GiST index" 1 "$(pg_sql d1 "SELECT count(*) FROM pg_indexes WHERE schemaname = 'd1' AND tablename = 'blocks' AND indexdef LIKE '%USING gist (geom)%'")"
expect_eq "fid is the primary key" "bigint" \
    "$(pg_sql d1 "SELECT data_type FROM information_schema.columns WHERE table_schema = 'd1' AND table_name = 'blocks' AND column_name = 'fid'")"
expect_eq "column types" "name text,area_m2 double precision,n integer,even boolean" \
    "$(pg_sql d1 "SELECT string_agg(column_name || ' ' || data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'd1' AND table_name = 'blocks' AND column_name NOT IN ('fid', 'geom')")"
expect_eq "square 14 as text" "MULTIPOLYGON(((500200 2500100,500250 2500100,500250 2500150,500200 2500150,500200 2500100)))" \
    "$(pg_sql d1 "SELECT ST_AsText(geom) FROM blocks WHERE fid = 15")"
expect_eq "the row without geometry" "121|||" "$(pg_sql d1 "SELECT fid, geom, name, n FROM blocks WHERE geom IS NULL")"
expect_eq "escaped text" "tab	here \\ and
line 5" "$(pg_sql d1 "SELECT name FROM blocks WHERE n = 5")"
expect_near "total area (ST_Area)" 300000 "$(pg_sql d1 "SELECT sum(ST_Area(geom)) FROM blocks")" 1e-6

# The same layer on SpatiaLite: fid, attributes and area row by row, the
# numbers printed fixed-point on both sides (areas to 1e-6 m2, far inside
# 1e-9 relative for squares of 2500 m2).
pg_rows=$(pg_sql d1 "SELECT fid, replace(replace(name, E'\\n', '~'), E'\\t', '~'), n, even::int, round(area_m2::numeric, 9), round(ST_Area(geom)::numeric, 6) FROM blocks WHERE geom IS NOT NULL ORDER BY fid")
sl_rows=$(spatial_sql "$T/d.cim" "SELECT fid, replace(replace(name, char(10), '~'), char(9), '~'), n, even, printf('%.9f', area_m2), printf('%.6f', ST_Area(geom)) FROM blocks WHERE geom IS NOT NULL ORDER BY fid")
expect_eq "rows as on SpatiaLite" "$sl_rows" "$pg_rows"
expect_eq "120 rows compared" 120 "$(wc -l <<<"$pg_rows")"

# The catalogue, as on SpatiaLite.
cols="kind, role, geometry_type, srid, feature_count, version"
expect_eq "cim_layers row" "$(sql "$T/d.cim" "SELECT $cols, printf('%.6f|%.6f|%.6f|%.6f', minx, miny, maxx, maxy) FROM cim_layers WHERE name = 'blocks'")" \
    "$(pg_sql d1 "SELECT $cols, round(minx::numeric, 6) || '|' || round(miny::numeric, 6) || '|' || round(maxx::numeric, 6) || '|' || round(maxy::numeric, 6) FROM cim_layers WHERE name = 'blocks'")"
cat_q="SELECT kind, role, geometry_type, srid, feature_count, minx, miny, maxx, maxy, version FROM cim_layers WHERE name = 'blocks'"
expect_eq "cim_layers extent" "derived|blocks|MULTIPOLYGON|4547|121|500000|2500000|501150|2500950|1" "$(pg_sql d1 "$cat_q")"
expect_eq "run layer" "derive|121" "$(pg_sql d1 "SELECT action, inserted FROM cim_run_layers WHERE layer = 'blocks'")"
expect_eq "change row: the new extent" "|500000|2500000|501150|2500950" \
    "$(pg_sql d1 "SELECT fid, minx, miny, maxx, maxy FROM cim_changes WHERE layer = 'blocks'")"

# GDAL opens it as a PostGIS layer.
pgconn="PG:host=$PG_DIR port=$PG_PORT user=cim dbname=cim active_schema=d1"
expect_exit 0 -- ogrinfo -ro -so "$pgconn" blocks
expect_stdout_contains "Feature Count: 121"
expect_stdout_contains 'ID["EPSG",4547]'

# Exists: refused without replace, the schema as it was.
before=$(pg_fingerprint d1)
expect_exit 1 -- "$W" "$S" blocks 10
expect_stderr_contains "layer 'blocks' exists"
expect_eq "schema unchanged" "$before" "$(pg_fingerprint d1)"
# A table that is not a cim layer is never overwritten.
pg_sql d1 "CREATE TABLE other(x integer)"
expect_exit 1 -- "$W" "$S" other 3 replace
expect_stderr_contains "is not a cim layer"

# Replace: new rows, version 2, old and new extent in the change record.
expect_exit 0 -- "$W" "$S" blocks 24 replace
expect_eq "replaced rows" 25 "$(pg_sql d1 "SELECT count(*) FROM blocks")"
expect_eq "version 2" "2|25|501150|2500150" "$(pg_sql d1 "SELECT version, feature_count, maxx, maxy FROM cim_layers WHERE name = 'blocks'")"
expect_eq "one GiST index still" 1 "$(pg_sql d1 "SELECT count(*) FROM pg_indexes WHERE schemaname = 'd1' AND tablename = 'blocks' AND indexdef LIKE '%gist%'")"
expect_eq "changes: old and new extent" "2500950 2500150" \
    "$(pg_sql d1 "SELECT string_agg(maxy::text, ' ' ORDER BY maxy DESC) FROM cim_changes WHERE layer = 'blocks' AND run_id = (SELECT max(run_id) FROM cim_run_layers)")"
finish
