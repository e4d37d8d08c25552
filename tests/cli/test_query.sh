#!/usr/bin/env bash
# cim query: output formats (table, csv, json, geojson in WGS84), SQL from
# stdin, and the read-only guarantee: writes, ATTACH, extension loading,
# file-touching functions and stacked statements are refused with exit 2 and
# the store stays byte-identical.
. "$(dirname "$0")/lib.sh"

cat >"$T/plots.geojson" <<'EOF'
{"type":"FeatureCollection","name":"plots",
"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},
"features":[
{"type":"Feature","properties":{"code":"A01","storeys":3,"far":2.5,"note":"corner, \"old\" site"},
 "geometry":{"type":"Polygon","coordinates":[[[500000,2500000],[500100,2500000],[500100,2500100],[500000,2500100],[500000,2500000]]]}},
{"type":"Feature","properties":{"code":"A02","storeys":12,"far":4.25,"note":null},
 "geometry":{"type":"Polygon","coordinates":[[[500200,2500000],[500400,2500000],[500400,2500200],[500200,2500200],[500200,2500000]]]}}
]}
EOF
s=$T/s.cim
new_store s.cim
expect_exit 0 -- "$CIM" ingest "$s" "$T/plots.geojson" --quiet
before=$(store_fingerprint "$s")

# --- table (default)
expect_exit 0 -- "$CIM" query "$s" "SELECT code, storeys, ST_Area(geom) AS area FROM plots ORDER BY fid"
expect_stderr_empty
expect_eq "table: header, rule, 2 rows, count" 5 "$(wc -l <"$OUT")"
expect_true "table: header" grep -qE '^code +storeys +area *$' "$OUT"
expect_true "table: row A02" grep -qE '^A02 +12 +40000\.0 *$' "$OUT"
expect_stdout_contains "(2 rows)"

# --- csv (RFC 4180: CRLF, quotes doubled)
expect_exit 0 -- "$CIM" query "$s" "SELECT code, storeys, far, note, ST_Area(geom) AS area FROM plots ORDER BY fid" --format csv
expect_eq "csv" 'code,storeys,far,note,area
A01,3,2.5,"corner, ""old"" site",10000.0
A02,12,4.25,,40000.0' "$(tr -d '\r' <"$OUT")"
expect_eq "csv: CRLF line ends" 3 "$(grep -c $'\r$' "$OUT")"

# --- json: an array of objects with typed values
expect_exit 0 -- "$CIM" query "$s" "SELECT fid, code, storeys, far, note, ST_Area(geom) AS area FROM plots ORDER BY fid" --format json
cp "$OUT" "$T/q.json"
expect_true "json parses" json_valid "$T/q.json"
expect_eq "json values" "[{'fid': 1, 'code': 'A01', 'storeys': 3, 'far': 2.5, 'note': 'corner, \"old\" site', 'area': 10000.0}, {'fid': 2, 'code': 'A02', 'storeys': 12, 'far': 4.25, 'note': None, 'area': 40000.0}]" \
    "$(json_get "$T/q.json" "[{k: (float(v) if k == 'area' else v) for k, v in r.items()} for r in d]")"
expect_eq "json types" "int str int float" \
    "$(json_get "$T/q.json" "' '.join(type(d[0][k]).__name__ for k in ('fid', 'code', 'storeys', 'far'))")"
expect_exit 0 -- "$CIM" query "$s" "SELECT code FROM plots WHERE 0" --format json
cp "$OUT" "$T/empty.json"
expect_eq "json: no rows is []" "[]" "$(json_get "$T/empty.json" "d")"
# A geometry in json output is WKT text.
expect_exit 0 -- "$CIM" query "$s" "SELECT geom FROM plots WHERE fid = 1" --format json
cp "$OUT" "$T/g.json"
expect_eq "json: geometry as WKT" "MULTIPOLYGON(((500000 2500000, 500100 2500000, 500100 2500100, 500000 2500100, 500000 2500000)))" \
    "$(json_get "$T/g.json" "d[0]['geom']")"

# --- geojson: a FeatureCollection in WGS84 lon/lat
expect_exit 0 -- "$CIM" query "$s" "SELECT fid, code, geom FROM plots ORDER BY fid" --format geojson
cp "$OUT" "$T/q.geojson"
expect_true "geojson parses" json_valid "$T/q.geojson"
expect_eq "geojson: FeatureCollection of 2" "FeatureCollection 2" \
    "$(json_get "$T/q.geojson" "d['type'] + ' ' + str(len(d['features']))")"
expect_eq "geojson: properties without the geometry column" "['fid', 'code']" \
    "$(json_get "$T/q.geojson" "list(d['features'][0]['properties'].keys())")"
expect_eq "geojson: every coordinate is lon/lat near Shenzhen" True \
    "$(json_get "$T/q.geojson" "all(113.7 < x < 114.7 and 22.4 < y < 22.9 for f in d['features'] for poly in f['geometry']['coordinates'] for ring in poly for x, y in ring)")"
# The first corner (500000, 2500000) in WGS84 as GDAL/PROJ computes it.
want=$(echo "500000 2500000" | gdaltransform -s_srs EPSG:4547 -t_srs EPSG:4326 -output_xy)
got=$(json_get "$T/q.geojson" "' '.join(str(v) for v in d['features'][0]['geometry']['coordinates'][0][0][0])")
expect_near "geojson: corner lon" "${want%% *}" "${got%% *}" 1e-7
expect_near "geojson: corner lat" "${want##* }" "${got##* }" 1e-7
# GDAL reads it back with the right count and CRS84 extent.
run ogrinfo -ro -so "$T/q.geojson" -al
expect_stdout_contains "Feature Count: 2"
expect_exit 0 -- "$CIM" query "$s" "SELECT code FROM plots" --format geojson
cp "$OUT" "$T/nogeom.geojson"
expect_eq "geojson without a geometry column: null geometries" "[None, None]" \
    "$(json_get "$T/nogeom.geojson" "[f['geometry'] for f in d['features']]")"

# --- SQL from stdin
expect_exit 0 -- bash -c 'printf "SELECT count(*) AS n\n  FROM plots;\n" | "$1" query "$2" - --format csv' _ "$CIM" "$s"
expect_eq "stdin" "n
2" "$(tr -d '\r' <"$OUT")"
expect_exit 2 -- bash -c 'printf "DELETE FROM plots" | "$1" query "$2" -' _ "$CIM" "$s"
expect_error_format

# A trailing comment is not a second statement.
expect_exit 0 -- "$CIM" query "$s" "SELECT count(*) AS n FROM plots; -- how many plots" --format csv
expect_eq "trailing -- comment" "n
2" "$(tr -d '\r' <"$OUT")"
expect_exit 0 -- "$CIM" query "$s" "/* lead */ SELECT count(*) AS n FROM plots /* mid */; /* end */" --format csv
expect_eq "block comments" "n
2" "$(tr -d '\r' <"$OUT")"
# Reading pragmas are allowed.
expect_exit 0 -- "$CIM" query "$s" "PRAGMA table_info(plots)" --format csv
expect_eq "PRAGMA table_info" "fid,code,storeys,far,note,geom" "$(tr -d '\r' <"$OUT" | tail -n +2 | cut -d, -f2 | paste -sd,)"

# --- SpatiaLite functions work read-only
expect_exit 0 -- "$CIM" query "$s" "SELECT round(ST_Distance(a.geom, b.geom), 3) FROM plots a, plots b WHERE a.fid = 1 AND b.fid = 2" --format csv
expect_eq "ST_Distance (100 m gap)" 100.0 "$(tr -d '\r' <"$OUT" | tail -n 1)"
expect_unchanged "after the good queries" "$s" "$before"

# --- read-only: each of these is refused with exit 2 and changes nothing
refused() {
    expect_exit 2 -- "$CIM" query "$s" "$1"
    expect_error_format
    expect_stdout_empty
    expect_unchanged "refused: $1" "$s" "$before"
}
refused "INSERT INTO plots(code) VALUES ('X')"
refused "UPDATE plots SET code = 'X'"
refused "DELETE FROM plots"
refused "DROP TABLE plots"
refused "CREATE TABLE x(a)"
refused "CREATE TEMP TABLE x(a)"
refused "CREATE VIEW v AS SELECT 1"
refused "ALTER TABLE plots ADD COLUMN x"
refused "ATTACH '$T/other.db' AS other"
refused "SELECT load_extension('mod_spatialite')"
refused "PRAGMA journal_mode = DELETE"
refused "PRAGMA user_version = 7"
refused "PRAGMA wal_checkpoint(TRUNCATE)"
refused "VACUUM"
refused "VACUUM INTO '$T/copy.db'"
refused "REINDEX"
refused "ANALYZE"
refused "BEGIN"
refused "SELECT ExportGeoJSON2('plots', 'geom', '$T/out.geojson')"
refused "SELECT ExportSHP('plots', 'geom', '$T/out', 'UTF-8')"
refused "SELECT BlobToFile(x'00', '$T/out.bin')"
refused "SELECT ImportGeoJSON('$T/plots.geojson', 'plots2')"
refused "SELECT DropGeoTable('plots')"
refused "SELECT CreateSpatialIndex('plots', 'geom')"
refused "SELECT InitSpatialMetaData(1)"
refused "WITH x AS (SELECT 1) DELETE FROM plots"
refused "SELECT 1; DROP TABLE plots"
refused "SELECT 1; SELECT 2"
refused "SELECT 1; -- a comment, then
DROP TABLE plots"
refused "SELECT 1; /* c */ DELETE FROM plots"
expect_eq "no file written by the refused statements" "" \
    "$(cd "$T" && ls -A | grep -E '^(out|copy\.db|other\.db)' || true)"
expect_stderr_contains "one statement"

# --- errors in the SQL itself
expect_exit 2 -- "$CIM" query "$s" "SELECT * FROM nosuch"
expect_error_format
expect_stderr_contains "no such table: nosuch"
expect_exit 2 -- "$CIM" query "$s" "SELEC 1"
expect_error_format
expect_exit 2 -- "$CIM" query "$s" ""
expect_error_format
expect_exit 2 -- "$CIM" query "$s" "SELECT 1" --format xml
expect_error_format
expect_stderr_contains "xml"
expect_exit 2 -- "$CIM" query "$s"
expect_exit 4 -- "$CIM" query "$T/nostore.cim" "SELECT 1"
expect_error_format
expect_stderr_contains "nostore.cim"
expect_unchanged "after all" "$s" "$before"

finish
