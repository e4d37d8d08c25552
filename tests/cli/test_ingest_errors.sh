#!/usr/bin/env bash
# cim ingest on the bad-input corpus (tests/data/bad/make_bad.sh): for each
# broken source the exit code, a "cim: " message naming the file (and the
# feature at fault), and a store left byte-identical (file and dump). The
# repairable and the merely unusual cases must ingest, with the right content.
. "$(dirname "$0")/lib.sh"

B=$T/bad
if ! bash "$CIM_SOURCE_ROOT/tests/data/bad/make_bad.sh" "$B" >"$T/make.log" 2>&1; then
    fail "make_bad.sh: $(cat "$T/make.log")"
    finish
fi

# A store with a layer in it: a failed ingest must leave all of it alone.
s=$T/s.cim
new_store s.cim
cat >"$T/base.geojson" <<'EOF'
{"type":"FeatureCollection","name":"base","features":[
{"type":"Feature","properties":{"id":1},"geometry":{"type":"Polygon","coordinates":[[[114.05,22.54],[114.051,22.54],[114.051,22.541],[114.05,22.541],[114.05,22.54]]]}}
]}
EOF
expect_exit 0 -- "$CIM" ingest "$s" "$T/base.geojson"
before=$(store_fingerprint "$s")

# bad CODE FILE [TEXT...] -- [INGEST OPTIONS...]: the ingest fails with CODE,
# the message is cim's, names FILE (for data errors) and each TEXT, and the
# store is unchanged.
bad() {
    local code=$1 file=$2
    shift 2
    local texts=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        texts+=("$1")
        shift
    done
    [ "${1:-}" = "--" ] && shift
    expect_exit "$code" -- "$CIM" ingest "$s" "$file" "$@"
    expect_error_format
    # Bad data: one line naming the file (GDAL, PROJ and GEOS messages are
    # folded into cim's, not printed). A usage error names the option instead
    # (and may quote GDAL's pointer to the spot in a --where expression).
    if [ "$code" != 2 ]; then
        expect_eq "$(basename "$file") $*: stderr lines" 1 "$(wc -l <"$ERR")"
        expect_stderr_contains "$file"
    fi
    local t
    for t in "${texts[@]}"; do
        expect_stderr_contains "$t"
    done
    expect_unchanged "after $(basename "$file") $*" "$s" "$before"
}

bad 3 "$B/truncated.geojson" "feature 1"
bad 3 "$B/empty.geojson" "empty"
bad 3 "$B/notjson.geojson"
bad 3 "$B/nan.geojson" "feature 1" "NaN"
bad 3 "$B/lon500.geojson" "feature 1" "out of range"
bad 3 "$B/huge.geojson" "feature 1" "out of range"
bad 3 "$B/huge_4547.geojson" "feature 1" "outside its area of use"
expect_true "huge_4547: a short message ($(wc -c <"$ERR") bytes)" test "$(wc -c <"$ERR")" -lt 600
bad 3 "$B/collapsed.geojson" "feature 1"
bad 3 "$B/collapsed_wgs84.geojson" "feature 1"
bad 3 "$B/mixed.gpkg" "feature 2" "POINT"
expect_eq "mixed.gpkg: its good layer did not go in either" 0 "$(sql "$s" "SELECT count(*) FROM cim_layers WHERE name = 'a_good'")"
bad 3 "$B/degrees_as_4547.geojson" "feature 0" "outside its area of use"
bad 3 "$B/noprj.shp" "--s-srs"
bad 3 "$B/gbk.shp" "feature 0" "'name'" "--encoding"
bad 3 "$B/garbage.shp"
bad 3 "$B/lonlat.csv" "--s-srs"
# The same data through GDAL only: the errors still name file and feature.
bad 3 "$B/lon500.geojson" "feature 1" -- --ogr-only
bad 3 "$B/truncated.geojson" -- --ogr-only
# Unknown source CRS names (a good file).
bad 3 "$B/bowtie.geojson" "no_such_crs" -- --s-srs no_such_crs
bad 3 "$B/bowtie.geojson" "EPSG:999999" -- --s-srs EPSG:999999
bad 3 "$B/nosuch.geojson"
# Usage errors leave the store alone too.
bad 2 "$B/bowtie.geojson" "Bad-Name" -- --layer Bad-Name
bad 2 "$B/bowtie.geojson" "--where" -- --encoding GBK --where "id >>> 1"
bad 2 "$B/bowtie.geojson" "--replace" -- --replace --append
# Run counters: none of the above left a run behind.
expect_eq "one ingest run so far" 1 "$(sql "$s" "SELECT count(*) FROM cim_runs WHERE command = 'ingest'")"

# --- repairable: the bow-tie is repaired, counted and stored valid.
expect_exit 0 -- "$CIM" ingest "$s" "$B/bowtie.geojson"
expect_stdout_contains "1 repaired"
expect_eq "bowtie: all three features" 3 "$(sql "$s" "SELECT count(*) FROM bowtie")"
expect_eq "bowtie: repaired in cim_layers" 1 "$(sql "$s" "SELECT repaired FROM cim_layers WHERE name = 'bowtie'")"
expect_eq "bowtie: repaired in cim_run_layers" "3|3|1" \
    "$(sql "$s" "SELECT read || '|' || inserted || '|' || repaired FROM cim_run_layers WHERE layer = 'bowtie'")"
expect_eq "bowtie: repaired in cim_runs counts" 1 \
    "$(sql "$s" "SELECT json_extract(counts, '$.repaired') FROM cim_runs WHERE id = (SELECT run_id FROM cim_layers WHERE name = 'bowtie')")"
run "$CIM" query "$s" "SELECT ST_IsValid(geom) FROM bowtie WHERE id = 1" --format csv
expect_eq "bowtie: ST_IsValid via cim query" "ST_IsValid(geom)
1" "$(tr -d '\r' <"$OUT")"
expect_eq "bowtie: every stored geometry valid (mod_spatialite)" 3 "$(spatial_sql "$s" "SELECT sum(ST_IsValid(geom)) FROM bowtie")"
# The figure-eight covers two triangles, each a quarter of the square it spans:
# half the area of the (same-sized) square of feature 0, both lobes kept.
expect_eq "bowtie: two lobes" 2 "$(spatial_sql "$s" "SELECT ST_NumGeometries(geom) FROM bowtie WHERE id = 1")"
expect_near "bowtie: area is half the square's" 0.5 \
    "$(spatial_sql "$s" "SELECT (SELECT ST_Area(geom) FROM bowtie WHERE id = 1) / (SELECT ST_Area(geom) FROM bowtie WHERE id = 0)")" 0.001

# --- the shapefile without .prj goes in once the CRS is given.
expect_exit 0 -- "$CIM" ingest "$s" "$B/noprj.shp" --s-srs EPSG:4326
expect_eq "noprj: count" 2 "$(sql "$s" "SELECT count(*) FROM noprj")"
expect_eq "noprj: source CRS recorded" "EPSG:4326" "$(sql "$s" "SELECT source_crs FROM cim_layers WHERE name = 'noprj'")"

# --- GBK: with --encoding the text comes back as the right UTF-8.
expect_exit 0 -- "$CIM" ingest "$s" "$B/gbk.shp" --encoding GBK
sql "$s" "SELECT name FROM gbk ORDER BY fid" >"$T/gbk_got.txt"
expect_eq "gbk: UTF-8 text (GBK)" "$(cat "$B/gbk_expected.txt")" "$(cat "$T/gbk_got.txt")"
expect_eq "gbk: stored as valid UTF-8 text" "$(sha256sum <"$B/gbk_expected.txt")" "$(sha256sum <"$T/gbk_got.txt")"
expect_exit 0 -- "$CIM" ingest "$s" "$B/gbk.shp" --encoding CP936 --layer gbk_cp936
expect_eq "gbk: UTF-8 text (CP936)" "$(cat "$B/gbk_expected.txt")" "$(sql "$s" "SELECT name FROM gbk_cp936 ORDER BY fid")"
expect_eq "gbk: encoding in the lineage" GBK "$(sql "$s" "SELECT json_extract(lineage, '$.options.encoding') FROM cim_layers WHERE name = 'gbk'")"

# --- CSV with lon/lat columns: points.
expect_exit 0 -- "$CIM" ingest "$s" "$B/lonlat.csv" --s-srs EPSG:4326
expect_eq "lonlat.csv: 3 points" "3|1" \
    "$(sql "$s" "SELECT (SELECT count(*) FROM lonlat) || '|' || geometry_type FROM geometry_columns WHERE f_table_name = 'lonlat'")"
expect_near "lonlat.csv: S01 back in WGS84 (lon)" 114.0579 \
    "$(spatial_sql "$s" "SELECT X(ST_Transform(geom, 4326)) FROM lonlat WHERE station = 'S01'")" 1e-7
expect_near "lonlat.csv: S01 back in WGS84 (lat)" 22.5431 \
    "$(spatial_sql "$s" "SELECT Y(ST_Transform(geom, 4326)) FROM lonlat WHERE station = 'S01'")" 1e-7

# --- a GeoJSON named .shp: GDAL goes by content and reads it as GeoJSON.
expect_exit 0 -- "$CIM" ingest "$s" "$B/wrong_ext.shp" --layer wrong_ext
expect_eq "wrong_ext: read as GeoJSON, 2 features" "GeoJSON|2" \
    "$(sql "$s" "SELECT source_format || '|' || feature_count FROM cim_layers WHERE name = 'wrong_ext'")"

# --- no store: exit 4, nothing created.
expect_exit 4 -- "$CIM" ingest "$T/nostore.cim" "$B/bowtie.geojson"
expect_error_format
expect_stderr_contains "nostore.cim"
expect_true "no store created" test ! -e "$T/nostore.cim"

finish
