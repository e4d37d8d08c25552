#!/usr/bin/env bash
# cim ingest, the good paths: a hand-made GeoJSON (types, a hole, areas,
# extent), the store as GDAL sees it, the native reader against GDAL
# (--ogr-only), CSV without and with coordinates, layer names, multi-layer
# GeoPackage, --where, --role/--kind, --json, and a real WGS84 file.
. "$(dirname "$0")/lib.sh"

# --- a hand-made layer in the store CRS (EPSG:4547, metres): areas by hand.
#   A01: 100 m x 100 m square                                  = 10000 m2
#   A02: 200 m x 200 m square with a 100 m x 100 m hole        = 30000 m2
#   A03: 50 m x 80 m rectangle                                 =  4000 m2
# extent: x 500000 .. 500600, y 2500000 .. 2500200
cat >"$T/plots.geojson" <<'EOF'
{"type":"FeatureCollection","name":"plots",
"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},
"features":[
{"type":"Feature","properties":{"code":"A01","storeys":3,"far":2.5,"public":true,"approved":"2024-01-15"},
 "geometry":{"type":"Polygon","coordinates":[[[500000,2500000],[500100,2500000],[500100,2500100],[500000,2500100],[500000,2500000]]]}},
{"type":"Feature","properties":{"code":"A02","storeys":12,"far":4.25,"public":false,"approved":"2023-11-30"},
 "geometry":{"type":"Polygon","coordinates":[[[500200,2500000],[500400,2500000],[500400,2500200],[500200,2500200],[500200,2500000]],
                                             [[500250,2500050],[500350,2500050],[500350,2500150],[500250,2500150],[500250,2500050]]]}},
{"type":"Feature","properties":{"code":"A03","storeys":1,"far":0.8,"public":true,"approved":null},
 "geometry":{"type":"Polygon","coordinates":[[[500550,2500000],[500600,2500000],[500600,2500080],[500550,2500080],[500550,2500000]]]}}
]}
EOF
s=$T/s.cim
new_store s.cim
expect_exit 0 -- "$CIM" ingest "$s" "$T/plots.geojson"
expect_stdout_contains "plots"
expect_eq "rows in table" 3 "$(sql "$s" "SELECT count(*) FROM plots")"
expect_eq "cim_layers feature_count" 3 "$(sql "$s" "SELECT feature_count FROM cim_layers WHERE name = 'plots'")"
expect_eq "geometry_columns" "geom|6|4547" \
    "$(sql "$s" "SELECT f_geometry_column || '|' || geometry_type || '|' || srid FROM geometry_columns WHERE f_table_name = 'plots'")"
expect_eq "spatial index enabled" 1 "$(sql "$s" "SELECT spatial_index_enabled FROM geometry_columns WHERE f_table_name = 'plots'")"
expect_eq "spatial index rows" 3 "$(sql "$s" "SELECT count(*) FROM idx_plots_geom")"
# The R*Tree box of the square (fid 1) is the square (float32 boxes: 1 m slack).
expect_eq "index box of A01" "1" "$(sql "$s" "SELECT xmin <= 500000 AND xmax >= 500100 AND xmax < 500101 AND ymin <= 2500000 AND ymax >= 2500100 FROM idx_plots_geom i JOIN plots p ON p.fid = i.pkid WHERE p.code = 'A01'")"
expect_eq "values row 1" "A01|3|2.5|1|2024-01-15" \
    "$(sql "$s" "SELECT code || '|' || storeys || '|' || far || '|' || public || '|' || approved FROM plots WHERE code = 'A01'")"
expect_eq "a null date stays NULL" 1 "$(sql "$s" "SELECT approved IS NULL FROM plots WHERE code = 'A03'")"
expect_eq "storeys stored as integers" integer "$(sql "$s" "SELECT DISTINCT typeof(storeys) FROM plots")"
expect_eq "far stored as reals" real "$(sql "$s" "SELECT DISTINCT typeof(far) FROM plots")"

# Areas: by hand, via cim query, and via SpatiaLite loaded into sqlite3.
run "$CIM" query "$s" "SELECT code, ST_Area(geom) FROM plots ORDER BY fid" --format csv
expect_eq "areas via cim query" "code,ST_Area(geom)
A01,10000.0
A02,30000.0
A03,4000.0" "$(tr -d '\r' <"$OUT")"
expect_near "A02 area (hole) via mod_spatialite" 30000 \
    "$(spatial_sql "$s" "SELECT ST_Area(geom) FROM plots WHERE code = 'A02'")" 1e-6
expect_eq "A02 keeps its hole" 1 "$(spatial_sql "$s" "SELECT ST_NumInteriorRing(ST_GeometryN(geom, 1)) FROM plots WHERE code = 'A02'")"
expect_eq "all valid" 3 "$(spatial_sql "$s" "SELECT sum(ST_IsValid(geom)) FROM plots")"

# Field types: cim info --json against what ogrinfo says of the source.
run "$CIM" info "$s" plots --json
cp "$OUT" "$T/info.json"
expect_true "info --json parses" json_valid "$T/info.json"
ogr_types=$(ogrinfo -ro -so "$T/plots.geojson" plots |
    sed -nE 's/^([A-Za-z_][A-Za-z0-9_]*): ([A-Za-z0-9]+(\([A-Za-z]+\))?) \([0-9.]+\)$/\1 \2/p' |
    sed -e 's/ Integer(Boolean)$/ boolean/' -e 's/ Integer64$/ integer64/' -e 's/ Integer$/ integer/' \
        -e 's/ Real$/ real/' -e 's/ String$/ string/' -e 's/ DateTime$/ datetime/' -e 's/ Date$/ date/')
cim_types=$(json_get "$T/info.json" "'\n'.join(f['name'] + ' ' + f['type'] for f in d['fields'])")
expect_eq "field types match ogrinfo of the source" "$ogr_types" "$cim_types"
expect_eq "ogrinfo saw the five fields" 5 "$(wc -l <<<"$ogr_types")"
expect_eq "info features" 3 "$(json_get "$T/info.json" "d['features']")"
expect_eq "info srid" 4547 "$(json_get "$T/info.json" "d['srid']")"
expect_eq "info geometry type" MULTIPOLYGON "$(json_get "$T/info.json" "d['geometry_type']")"
expect_eq "info extent" "[500000.0, 2500000.0, 500600.0, 2500200.0]" "$(json_get "$T/info.json" "d['extent']")"
expect_eq "cim_layers extent" "500000.0|2500000.0|500600.0|2500200.0" \
    "$(sql "$s" "SELECT minx || '|' || miny || '|' || maxx || '|' || maxy FROM cim_layers WHERE name = 'plots'")"
expect_eq "source sha256" "$(sha256sum <"$T/plots.geojson" | cut -d' ' -f1)" "$(json_get "$T/info.json" "d['source_sha256']")"

# GDAL reads the store as it is: the layer, its SRS and the same count.
run ogrinfo -ro -so "$s" plots
expect_true "ogrinfo exits 0" test "$RC" = 0
expect_stdout_contains "Layer name: plots"
expect_stdout_contains "Feature Count: 3"
expect_stdout_contains 'ID["EPSG",4547]'
expect_stdout_contains "Extent: (500000.000000, 2500000.000000) - (500600.000000, 2500200.000000)"
run ogrinfo -ro "$s" -sql "SELECT sum(ST_Area(geom)) AS a FROM plots"
expect_stdout_contains "a (Real) = 44000"

# --- the same file through GDAL (--ogr-only): identical table content.
o=$T/ogr.cim
new_store ogr.cim
expect_exit 0 -- "$CIM" ingest "$o" "$T/plots.geojson" --ogr-only
expect_stdout_contains "[GeoJSON]"
run "$CIM" query "$s" "SELECT * FROM plots ORDER BY fid" --format csv
cp "$OUT" "$T/native.csv"
run "$CIM" query "$o" "SELECT * FROM plots ORDER BY fid" --format csv
cp "$OUT" "$T/ogr.csv"
expect_eq "native reader and GDAL give the same rows" "$(cat "$T/ogr.csv")" "$(cat "$T/native.csv")"
expect_eq "4 lines of csv" 4 "$(wc -l <"$T/native.csv")"
cat_cols="source_crs || '|' || source_format || '|' || geometry_type || '|' || feature_count || '|' || minx || '|' || miny || '|' || maxx || '|' || maxy"
expect_eq "same catalogue entry from both readers" "EPSG:4547|GeoJSON|MULTIPOLYGON|3|500000.0|2500000.0|500600.0|2500200.0" \
    "$(sql "$o" "SELECT $cat_cols FROM cim_layers WHERE name = 'plots'")"
expect_eq "native reader's catalogue entry" "EPSG:4547|GeoJSON|MULTIPOLYGON|3|500000.0|2500000.0|500600.0|2500200.0" \
    "$(sql "$s" "SELECT $cat_cols FROM cim_layers WHERE name = 'plots'")"
expect_eq "same declared columns" "$(sql "$s" "SELECT group_concat(name || ' ' || type) FROM pragma_table_info('plots')")" \
    "$(sql "$o" "SELECT group_concat(name || ' ' || type) FROM pragma_table_info('plots')")"

# --- attribute-only CSV: a table without geometry
cat >"$T/districts.csv" <<'EOF'
code,name,population
440303,Luohu,1140000
440304,Futian,1553000
440305,Nanshan,1795000
440306,Baoan,4476000
EOF
expect_exit 0 -- "$CIM" ingest "$s" "$T/districts.csv"
expect_eq "csv rows" 4 "$(sql "$s" "SELECT count(*) FROM districts")"
expect_eq "csv values" "Futian|1553000" "$(sql "$s" "SELECT name || '|' || population FROM districts WHERE code = 440304")"
expect_eq "csv: no geom column" 0 "$(sql "$s" "SELECT count(*) FROM pragma_table_info('districts') WHERE name = 'geom'")"
expect_eq "csv: not in geometry_columns" 0 "$(sql "$s" "SELECT count(*) FROM geometry_columns WHERE f_table_name = 'districts'")"
expect_eq "csv: catalogued without geometry type" "4|1" \
    "$(sql "$s" "SELECT feature_count || '|' || (geometry_type IS NULL) FROM cim_layers WHERE name = 'districts'")"
run "$CIM" info "$s" districts --json
cp "$OUT" "$T/dinfo.json"
expect_eq "csv: info geometry_type null" None "$(json_get "$T/dinfo.json" "d['geometry_type']")"
expect_eq "csv: population typed integer" integer "$(json_get "$T/dinfo.json" "[f['type'] for f in d['fields'] if f['name'] == 'population'][0]")"

# --- CSV with lon/lat columns: points, reprojected as PROJ would
printf 'station,lon,lat,pm25\nS01,114.0579,22.5431,35.5\nS02,114.1315,22.5485,41.0\nS03,113.9304,22.5329,28.25\n' >"$T/stations.csv"
expect_exit 0 -- "$CIM" ingest "$s" "$T/stations.csv" --s-srs EPSG:4326
expect_eq "csv points: count" 3 "$(sql "$s" "SELECT count(*) FROM stations")"
expect_eq "csv points: POINT layer" "1|4547" "$(sql "$s" "SELECT geometry_type || '|' || srid FROM geometry_columns WHERE f_table_name = 'stations'")"
expect_eq "csv points: lon/lat columns became the geometry" 0 \
    "$(sql "$s" "SELECT count(*) FROM pragma_table_info('stations') WHERE name IN ('lon','lat')")"
want=$(echo "114.0579 22.5431" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:4547 -output_xy)
got=$(spatial_sql "$s" "SELECT X(geom) || ' ' || Y(geom) FROM stations WHERE station = 'S01'")
expect_near "S01 x as gdaltransform" "${want%% *}" "${got%% *}" 0.001
expect_near "S01 y as gdaltransform" "${want##* }" "${got##* }" 0.001

# --- layer names
expect_exit 2 -- "$CIM" ingest "$s" "$T/plots.geojson" --layer Bad-Name
expect_error_format
expect_stderr_contains "Bad-Name"
for bad in 9lives cim_meta geometry_columns "a b" ""; do
    expect_exit 2 -- "$CIM" ingest "$s" "$T/plots.geojson" --layer "$bad"
done
expect_exit 0 -- "$CIM" ingest "$s" "$T/plots.geojson" --layer plots_copy --role parcels --kind control
expect_eq "--layer, --role, --kind" "control|parcels|3" \
    "$(sql "$s" "SELECT kind || '|' || role || '|' || feature_count FROM cim_layers WHERE name = 'plots_copy'")"
expect_exit 2 -- "$CIM" ingest "$s" "$T/plots.geojson" --layer plots_k --kind nonsense
# A source layer name that needs cleaning: "Land Use 2024" -> land_use_2024.
sed 's/"name":"plots"/"name":"Land Use 2024"/' "$T/plots.geojson" >"$T/lu.geojson"
expect_exit 0 -- "$CIM" ingest "$s" "$T/lu.geojson"
expect_eq "cleaned layer name" 3 "$(sql "$s" "SELECT feature_count FROM cim_layers WHERE name = 'land_use_2024'")"

# --- --where (OGR SQL)
expect_exit 0 -- "$CIM" ingest "$s" "$T/plots.geojson" --layer tall --where "storeys > 2"
expect_eq "--where rows" "A01,A02" "$(sql "$s" "SELECT group_concat(code) FROM (SELECT code FROM tall ORDER BY code)")"
expect_eq "--where read count recorded" "2|2" \
    "$(sql "$s" "SELECT read || '|' || inserted FROM cim_run_layers WHERE layer = 'tall'")"
expect_exit 2 -- "$CIM" ingest "$s" "$T/plots.geojson" --layer badwhere --where "storeys >>> 2"
expect_error_format
expect_eq "bad --where leaves no layer" 0 "$(sql "$s" "SELECT count(*) FROM cim_layers WHERE name = 'badwhere'")"

# --- multi-layer GeoPackage
cat >"$T/roads.geojson" <<'EOF'
{"type":"FeatureCollection","name":"roads","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},
"features":[
{"type":"Feature","properties":{"name":"Shennan Rd","lanes":8},"geometry":{"type":"LineString","coordinates":[[500000,2500300],[500300,2500300],[500300,2500700]]}},
{"type":"Feature","properties":{"name":"Binhe Rd","lanes":6},"geometry":{"type":"LineString","coordinates":[[500000,2500900],[500500,2500900]]}}
]}
EOF
g=$T/city.gpkg
ogr2ogr -q -f GPKG "$g" "$T/plots.geojson" -nln Parcels
ogr2ogr -q -update -f GPKG "$g" "$T/roads.geojson" -nln roads
expect_eq "the gpkg has two layers" 2 "$(ogrinfo -ro -q "$g" | grep -c '^[0-9]*:')"
m=$T/multi.cim
new_store multi.cim
expect_exit 0 -- "$CIM" ingest "$m" "$g"
expect_eq "both layers catalogued" "parcels:3,roads:2" \
    "$(sql "$m" "SELECT group_concat(name || ':' || feature_count) FROM (SELECT * FROM cim_layers ORDER BY name)")"
expect_eq "road length 700 + 500 m" 1200.0 "$(spatial_sql "$m" "SELECT sum(ST_Length(geom)) FROM roads")"
expect_eq "roads are lines" 5 "$(sql "$m" "SELECT geometry_type FROM geometry_columns WHERE f_table_name = 'roads'")"
expect_eq "one run for both layers" 2 "$(sql "$m" "SELECT count(*) FROM cim_run_layers WHERE run_id = (SELECT max(id) FROM cim_runs)")"
expect_exit 0 -- "$CIM" ingest "$m" "$g" --layer gp
expect_eq "--layer is a prefix for several layers" "gp_parcels,gp_roads" \
    "$(sql "$m" "SELECT group_concat(name) FROM (SELECT name FROM cim_layers WHERE name LIKE 'gp%' ORDER BY name)")"
expect_exit 0 -- "$CIM" ingest "$m" "$g" --src-layer roads --layer only_roads
expect_eq "--src-layer takes one layer" "only_roads" \
    "$(sql "$m" "SELECT group_concat(name) FROM cim_layers WHERE name LIKE 'only%'")"
expect_eq "--src-layer rows" 2 "$(sql "$m" "SELECT count(*) FROM only_roads")"
before=$(store_fingerprint "$m")
expect_exit 3 -- "$CIM" ingest "$m" "$g" --src-layer nosuch
expect_error_format
expect_stderr_contains "nosuch"
expect_stderr_contains "roads"
expect_unchanged "missing --src-layer" "$m" "$before"

# --- --json result
expect_exit 0 -- "$CIM" ingest "$s" "$T/plots.geojson" --layer plots_json --json
cp "$OUT" "$T/r.json"
expect_true "--json parses" json_valid "$T/r.json"
expect_eq "--json counts" "plots_json 3 3 0" \
    "$(json_get "$T/r.json" "' '.join(str(x) for x in [d['layers'][0]['layer'], d['layers'][0]['read'], d['layers'][0]['inserted'], d['layers'][0]['repaired']])")"
expect_eq "--json run is the recorded run" "$(sql "$s" "SELECT run_id FROM cim_layers WHERE name = 'plots_json'")" \
    "$(json_get "$T/r.json" "d['run']")"
expect_exit 0 -- "$CIM" ingest "$s" "$T/plots.geojson" --layer plots_quiet --quiet
expect_stdout_empty

# --- a missing source: a cim error naming it, store untouched
before=$(store_fingerprint "$s")
expect_exit 3 -- "$CIM" ingest "$s" "$T/nosuch.geojson"
expect_error_format
expect_stderr_contains "nosuch.geojson"
expect_unchanged "missing source" "$s" "$before"

# --- real data: Shenzhen's districts in WGS84 (GeoJSON without "crs")
d=$CIM_SHARED_DATA/shenzhen/districts_wgs84.geojson
if [ -r "$d" ]; then
    n=$(ogrinfo -ro -so "$d" -al | sed -n 's/^Feature Count: //p')
    expect_exit 0 -- "$CIM" ingest "$s" "$d" --layer districts_geo
    expect_eq "districts count as ogrinfo" "$n" "$(sql "$s" "SELECT count(*) FROM districts_geo")"
    # Area and extent in EPSG:4547 as GDAL + SpatiaLite compute them from the source.
    ref=$(ogrinfo -ro -q "$d" -dialect SQLite -sql "SELECT sum(ST_Area(ST_Transform(geometry, 4547))) AS a,
            min(MbrMinX(ST_Transform(geometry, 4547))) AS x0, max(MbrMaxX(ST_Transform(geometry, 4547))) AS x1
            FROM \"$(basename "$d" .geojson)\"" | sed -n 's/^ *\([a-z0-9]*\) (Real) = /\1 /p')
    ref_area=$(awk '$1 == "a" { print $2 }' <<<"$ref")
    ref_x0=$(awk '$1 == "x0" { print $2 }' <<<"$ref")
    ref_x1=$(awk '$1 == "x1" { print $2 }' <<<"$ref")
    expect_near "districts area as GDAL/SpatiaLite (m2, 1e-6 relative)" "$ref_area" \
        "$(spatial_sql "$s" "SELECT sum(ST_Area(geom)) FROM districts_geo")" "$(awk -v a="$ref_area" 'BEGIN { print a * 1e-6 }')"
    expect_near "districts min x" "$ref_x0" "$(sql "$s" "SELECT minx FROM cim_layers WHERE name = 'districts_geo'")" 0.01
    expect_near "districts max x" "$ref_x1" "$(sql "$s" "SELECT maxx FROM cim_layers WHERE name = 'districts_geo'")" 0.01
    # Shenzhen: about 2000 km2 of land and water, east of x 470000.
    expect_near "districts area km2 plausible" 2000 "$(awk -v a="$ref_area" 'BEGIN { print a / 1e6 }')" 200
else
    echo "SKIP: $d not found"
fi

finish
