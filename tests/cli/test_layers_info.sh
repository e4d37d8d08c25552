#!/usr/bin/env bash
# cim layers and cim info: text and --json, checked against the store's own
# tables and the sources; missing layer (3), missing store (4), a SQLite file
# that is not a cim store (4), a file that is not SQLite at all (4).
. "$(dirname "$0")/lib.sh"

cat >"$T/parcels.geojson" <<'EOF'
{"type":"FeatureCollection","name":"parcels",
"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},
"features":[
{"type":"Feature","properties":{"landuse":"M1","far":2.0},"geometry":{"type":"Polygon","coordinates":[[[500000,2500000],[500100,2500000],[500100,2500100],[500000,2500100],[500000,2500000]]]}},
{"type":"Feature","properties":{"landuse":"R2","far":3.5},"geometry":{"type":"Polygon","coordinates":[[[500100,2500000],[500300,2500000],[500300,2500100],[500100,2500100],[500100,2500000]]]}},
{"type":"Feature","properties":{"landuse":"G1","far":0.1},"geometry":{"type":"Polygon","coordinates":[[[500000,2500100],[500300,2500100],[500300,2500250],[500000,2500250],[500000,2500100]]]}}
]}
EOF
cat >"$T/trees.geojson" <<'EOF'
{"type":"FeatureCollection","name":"trees","features":[
{"type":"Feature","properties":{"species":"Ficus microcarpa","planted":"2019-03-12T08:30:00"},"geometry":{"type":"Point","coordinates":[114.0579,22.5431]}},
{"type":"Feature","properties":{"species":"Bombax ceiba","planted":"2020-04-01T09:00:00"},"geometry":{"type":"Point","coordinates":[114.0601,22.5440]}}
]}
EOF
printf 'code,name\n440303,Luohu\n440304,Futian\n' >"$T/codes.csv"

s=$T/s.cim
new_store s.cim
# --- an empty store
expect_exit 0 -- "$CIM" layers "$s"
expect_stdout_contains "no layers"
expect_exit 0 -- "$CIM" layers "$s" --json
cp "$OUT" "$T/empty.json"
expect_eq "empty store: []" "[]" "$(json_get "$T/empty.json" "d")"

expect_exit 0 -- "$CIM" ingest "$s" "$T/parcels.geojson" --role parcels --quiet
expect_exit 0 -- "$CIM" ingest "$s" "$T/trees.geojson" --kind control --quiet
expect_exit 0 -- "$CIM" ingest "$s" "$T/codes.csv" --quiet
before=$(store_fingerprint "$s")

# --- cim layers (text): one line per layer with its count
expect_exit 0 -- "$CIM" layers "$s"
expect_stderr_empty
expect_eq "layers: header + 3 lines" 4 "$(wc -l <"$OUT")"
expect_true "layers: parcels line" grep -qE '^parcels +gis +parcels +MULTIPOLYGON +3 +.*parcels\.geojson$' "$OUT"
expect_true "layers: trees line" grep -qE '^trees +control +- +POINT +2 ' "$OUT"
expect_true "layers: codes line" grep -qE '^codes +gis +- +none +2 ' "$OUT"

# --- cim layers --json: the names and counts the tables really hold
expect_exit 0 -- "$CIM" layers "$s" --json
cp "$OUT" "$T/layers.json"
expect_true "layers --json parses" json_valid "$T/layers.json"
expect_eq "layers --json: names and counts" \
    "$(sql "$s" "SELECT 'codes ' || (SELECT count(*) FROM codes) || ', parcels ' || (SELECT count(*) FROM parcels) || ', trees ' || (SELECT count(*) FROM trees)")" \
    "$(json_get "$T/layers.json" "', '.join(l['name'] + ' ' + str(l['features']) for l in sorted(d, key=lambda l: l['name']))")"
expect_eq "layers --json: kinds, roles, types, srid" "codes gis None None None|parcels gis parcels MULTIPOLYGON 4547|trees control None POINT 4547" \
    "$(json_get "$T/layers.json" "'|'.join(' '.join(str(l[k]) for k in ('name', 'kind', 'role', 'geometry_type', 'srid')) for l in sorted(d, key=lambda l: l['name']))")"
expect_eq "layers --json: sources" "$T/parcels.geojson" \
    "$(json_get "$T/layers.json" "[l['source'] for l in d if l['name'] == 'parcels'][0]")"

# --- cim info (text)
expect_exit 0 -- "$CIM" info "$s" parcels
expect_stderr_empty
expect_true "info: geometry line" grep -qE '^geometry: +MULTIPOLYGON XY, EPSG:4547$' "$OUT"
expect_true "info: features" grep -qE '^features: +3$' "$OUT"
expect_true "info: extent" grep -qF "x 500000.000 .. 500300.000, y 2500000.000 .. 2500250.000" "$OUT"
expect_true "info: sha256" grep -qF "$(sha256sum <"$T/parcels.geojson" | cut -d' ' -f1)" "$OUT"
expect_true "info: fields" grep -qE '^ +landuse +string ' "$OUT"
expect_true "info: lineage" grep -q '^lineage:' "$OUT"

# --- cim info --json
expect_exit 0 -- "$CIM" info "$s" parcels --json
cp "$OUT" "$T/info.json"
expect_true "info --json parses" json_valid "$T/info.json"
expect_eq "info --json: fields" "landuse:string:TEXT far:real:REAL" \
    "$(json_get "$T/info.json" "' '.join(f['name'] + ':' + f['type'] + ':' + f['sql_type'] for f in d['fields'])")"
expect_eq "info --json: fields are the table's columns" \
    "$(sql "$s" "SELECT group_concat(name, ' ') FROM pragma_table_info('parcels') WHERE name NOT IN ('fid', 'geom')")" \
    "$(json_get "$T/info.json" "' '.join(f['name'] for f in d['fields'])")"
expect_eq "info --json: extent" "[500000.0, 2500000.0, 500300.0, 2500250.0]" "$(json_get "$T/info.json" "d['extent']")"
expect_eq "info --json: extent is the geometries' extent" \
    "$(spatial_sql "$s" "SELECT '[' || min(MbrMinX(geom)) || ', ' || min(MbrMinY(geom)) || ', ' || max(MbrMaxX(geom)) || ', ' || max(MbrMaxY(geom)) || ']' FROM parcels")" \
    "$(json_get "$T/info.json" "d['extent']")"
expect_eq "info --json: count, srid, role, kind" "3 4547 parcels gis" \
    "$(json_get "$T/info.json" "' '.join(str(d[k]) for k in ('features', 'srid', 'role', 'kind'))")"
expect_eq "info --json: source and sha256" "$T/parcels.geojson $(sha256sum <"$T/parcels.geojson" | cut -d' ' -f1)" \
    "$(json_get "$T/info.json" "d['source'] + ' ' + d['source_sha256']")"
expect_eq "info --json: run is the ingest run" "$(sql "$s" "SELECT run_id FROM cim_layers WHERE name = 'parcels'")" \
    "$(json_get "$T/info.json" "d['run']")"
# The lineage is JSON in its own right (parsed by json.load as part of d) and
# stored as valid JSON text in the catalogue.
expect_eq "info --json: lineage is an object naming the source" "dict $T/parcels.geojson EPSG:4547" \
    "$(json_get "$T/info.json" "type(d['lineage']).__name__ + ' ' + d['lineage']['source'] + ' ' + d['lineage']['source_crs']")"
expect_eq "lineage stored as valid JSON" 1 "$(sql "$s" "SELECT json_valid(lineage) FROM cim_layers WHERE name = 'parcels'")"
run "$CIM" info "$s" parcels
sed -n 's/^lineage: *//p' "$OUT" >"$T/lineage.json"
expect_true "info text: the lineage line parses as JSON" json_valid "$T/lineage.json"

# Points with a datetime, and a layer without geometry.
expect_exit 0 -- "$CIM" info "$s" trees --json
cp "$OUT" "$T/trees.json"
expect_eq "trees: types" "species:string planted:datetime" \
    "$(json_get "$T/trees.json" "' '.join(f['name'] + ':' + f['type'] for f in d['fields'])")"
expect_eq "trees: source CRS" "EPSG:4326" "$(json_get "$T/trees.json" "d['source_crs']")"
expect_exit 0 -- "$CIM" info "$s" codes --json
cp "$OUT" "$T/codes.json"
expect_eq "codes: no geometry, no extent" "None None 2" \
    "$(json_get "$T/codes.json" "' '.join(str(d[k]) for k in ('geometry_type', 'extent', 'features'))")"
expect_exit 0 -- "$CIM" info "$s" codes
expect_true "codes text: geometry none" grep -qE '^geometry: +none' "$OUT"
expect_true "codes text: no EPSG:0" test "$(grep -c 'EPSG:0' "$OUT")" = 0

# Text with quotes and backslashes survives --json.
printf 'id,label\n1,"say ""hi"" \\ bye"\n' >"$T/odd.csv"
expect_exit 0 -- "$CIM" ingest "$s" "$T/odd.csv" --role 'a "quoted" role' --quiet
expect_exit 0 -- "$CIM" layers "$s" --json
cp "$OUT" "$T/odd.json"
expect_eq "json escaping" 'a "quoted" role' "$(json_get "$T/odd.json" "[l['role'] for l in d if l['name'] == 'odd'][0]")"
before=$(store_fingerprint "$s")

# --- errors
expect_exit 3 -- "$CIM" info "$s" nosuch
expect_error_format
expect_stderr_contains "nosuch"
expect_exit 3 -- "$CIM" info "$s" nosuch --json
expect_stdout_empty
expect_exit 3 -- "$CIM" info "$s" geometry_columns
expect_exit 4 -- "$CIM" layers "$T/nostore.cim"
expect_error_format
expect_stderr_contains "nostore.cim"
expect_exit 4 -- "$CIM" info "$T/nostore.cim" parcels
expect_error_format
expect_true "no store file created" test ! -e "$T/nostore.cim"
sqlite3 "$T/plain.db" "CREATE TABLE t(a); INSERT INTO t VALUES (1);"
plain_before=$(sha256sum <"$T/plain.db")
expect_exit 4 -- "$CIM" layers "$T/plain.db"
expect_error_format
expect_stderr_contains "not a cim store"
expect_exit 4 -- "$CIM" info "$T/plain.db" t
expect_error_format
expect_exit 4 -- "$CIM" ingest "$T/plain.db" "$T/codes.csv"
expect_error_format
expect_eq "the non-cim SQLite file is untouched" "$plain_before" "$(sha256sum <"$T/plain.db")"
printf 'just text, not SQLite\n' >"$T/text.cim"
expect_exit 4 -- "$CIM" layers "$T/text.cim"
expect_error_format
expect_exit 2 -- "$CIM" layers
expect_exit 2 -- "$CIM" layers "$s" extra
expect_exit 2 -- "$CIM" info "$s"
expect_exit 2 -- "$CIM" layers "$s" --bogus
expect_unchanged "layers/info do not touch the store" "$s" "$before"

# GDAL (some 110 shared libraries) is loaded only by commands that read a
# file through it: the dynamic loader's own log says which objects it opened.
gdal_loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -c 'file=libgdal\.so' || true; }
expect_eq "cim layers does not load GDAL" 0 "$(gdal_loaded "$CIM" layers "$s")"
expect_eq "cim query does not load GDAL" 0 "$(gdal_loaded "$CIM" query "$s" "SELECT 1")"
new_store g.cim
expect_true "ingest of a CSV loads GDAL" test "$(gdal_loaded "$CIM" ingest "$T/g.cim" "$T/codes.csv" --quiet)" -ge 1
expect_eq "the CSV read through the loaded GDAL" "$(sql "$s" "SELECT count(*) FROM codes")" \
    "$(sql "$T/g.cim" "SELECT count(*) FROM codes")"

finish
