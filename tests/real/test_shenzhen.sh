#!/usr/bin/env bash
# Real Shenzhen data (../shared/data/shenzhen): counts, attributes, areas and
# lengths against GDAL's own reading and reprojection measured by SpatiaLite.
source "$(dirname "$0")/lib.sh"
SZ=$DATA/shenzhen
store=$work/sz.cim
"$CIM" init "$store" --quiet || { bad "init"; finish; exit 1; }

ingest() { "$CIM" ingest "$store" "$@" --quiet; }

# Districts: 10 polygons; total and per-district area equal GDAL's reprojection
# (ogr2ogr -t_srs EPSG:4547) measured by SpatiaLite, within 1e-4.
check "ingest '$SZ/districts_wgs84.geojson' --layer districts" "ingest districts"
check_eq "$(q "$store" "SELECT count(*) FROM districts")" 10 "district count"
ogr2ogr -f SQLite -dsco SPATIALITE=YES -t_srs EPSG:4547 "$work/gdal.sqlite" "$SZ/districts_wgs84.geojson" -nln districts
gdal_total=$(sqlite3 "$work/gdal.sqlite" "SELECT load_extension('mod_spatialite'); SELECT sum(ST_Area(GEOMETRY)) FROM districts" | tail -1)
cim_total=$(q "$store" "SELECT sum(ST_Area(geom)) FROM districts")
check_rel "$cim_total" "$gdal_total" 1e-4 "districts total area vs GDAL"
while IFS='|' read -r name area; do
    ours=$(q "$store" "SELECT ST_Area(geom) FROM districts WHERE qh = '$name'")
    check_rel "$ours" "$area" 1e-6 "area of $name"
done < <(sqlite3 "$work/gdal.sqlite" "SELECT load_extension('mod_spatialite'); SELECT qh, ST_Area(GEOMETRY) FROM districts" | tail -n +2)
check_eq "$(q "$store" "SELECT srid FROM cim_layers WHERE name = 'districts'")" 4547 "catalogue srid"
check_eq "$(sqlite3 "$store" "SELECT load_extension('mod_spatialite'); SELECT CheckSpatialIndex('districts', 'geom')" | tail -1)" 1 "spatial index consistent (SpatiaLite's CheckSpatialIndex)"

# ECharts districts: all 8 invalid; all repaired, valid, counted.
check "ingest '$SZ/districts_echarts_invalid.geojson' --layer echarts" "ingest echarts districts"
check_eq "$(q "$store" "SELECT count(*) FROM echarts")" 8 "echarts count"
check_eq "$(q "$store" "SELECT sum(ST_IsValid(geom)) FROM echarts")" 8 "echarts all valid"
check_eq "$(q "$store" "SELECT repaired FROM cim_run_layers WHERE layer = 'echarts'")" 8 "echarts repaired count in cim_run_layers"
check_eq "$(q "$store" "SELECT repaired FROM cim_layers WHERE name = 'echarts'")" 8 "echarts repaired count in cim_layers"
check_eq "$(q "$store" "SELECT count(*) FROM echarts WHERE ST_Area(geom) > 1e6")" 8 "echarts polygons keep their area"

# Zones: 491 polygons with 110 attributes, types as GDAL reads them.
check "ingest '$SZ/taz_491.geojson' --layer zones" "ingest zones"
check_eq "$(q "$store" "SELECT count(*) FROM zones")" 491 "zone count"
src_fields=$(ogrinfo -ro -so -al "$SZ/taz_491.geojson" | grep -cE '^[^ ].*: (Integer|Integer64|Real|String|Date|DateTime|Time)')
check_eq "$src_fields" 110 "zones have 110 attributes in the source (ogrinfo)"
check_eq "$("$CIM" info "$store" zones --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["fields"]))')" 110 "zones have 110 fields in the store"
ogrinfo -ro -so -al "$SZ/taz_491.geojson" | sed -n 's/^\([^ ][^:]*\): \(Integer64\|Integer\|Real\|String\).*/\1 \2/p' | sort >"$work/src_types"
"$CIM" info "$store" zones --json | python3 -c '
import json, sys
names = {"integer": "Integer", "integer64": "Integer64", "real": "Real", "string": "String"}
for f in json.load(sys.stdin)["fields"]:
    print(f["name"], names.get(f["type"], f["type"]))' | sort >"$work/cim_types"
check "diff -q '$work/src_types' '$work/cim_types' >/dev/null" "zones field names and types equal ogrinfo's"
first_num=$(awk '$2 == "Real" {print $1; exit}' "$work/src_types")
gdal_sum=$(ogrinfo -ro -q "$SZ/taz_491.geojson" -dialect SQLite -sql "SELECT sum(\"$first_num\") AS s FROM \"$(ogrinfo -ro -so -q "$SZ/taz_491.geojson" | sed -n 's/^1: \([^ ]*\).*/\1/p')\"" | sed -n 's/.*s (Real) = //p')
check_rel "$(q "$store" "SELECT sum(\"$first_num\") FROM zones")" "$gdal_sum" 1e-12 "zones: sum of $first_num"

# POIs: 34,855 named points.
check "ingest '$SZ/poi_checkins.geojson' --layer pois" "ingest pois"
check_eq "$(q "$store" "SELECT count(*) FROM pois")" 34855 "poi count"
check_eq "$(q "$store" "SELECT geometry_type FROM cim_layers WHERE name = 'pois'")" POINT "pois are points"

# Roads: 3,908 lines; total length equals GDAL's reprojection within 1e-6.
check "ingest '$SZ/roads_futian_nanshan_osm.geojson' --layer roads" "ingest roads"
check_eq "$(q "$store" "SELECT count(*) FROM roads")" 3908 "road count"
ogr2ogr -f SQLite -dsco SPATIALITE=YES -t_srs EPSG:4547 "$work/roads.sqlite" "$SZ/roads_futian_nanshan_osm.geojson" -nln roads
gdal_len=$(sqlite3 "$work/roads.sqlite" "SELECT load_extension('mod_spatialite'); SELECT sum(ST_Length(GEOMETRY)) FROM roads" | tail -1)
check_rel "$(q "$store" "SELECT sum(ST_Length(geom)) FROM roads")" "$gdal_len" 1e-6 "road length vs GDAL"
check_rel "$(q "$store" "SELECT sum(ST_Length(geom)) FROM roads")" 460000 0.02 "road length about 460 km (SOURCES.md)"

# Air stations: 11 points inside the districts.
check "ingest '$SZ/air_stations.geojson' --layer stations" "ingest stations"
check_eq "$(q "$store" "SELECT count(*) FROM stations s JOIN districts d ON ST_Contains(d.geom, s.geom)")" 11 "stations lie in the districts"

# A CSV of codes without coordinates: an attribute table, codes as text.
check "ingest '$SZ/sz_districts_codes_china_division.csv' --layer district_codes" "ingest district codes"
check_eq "$(q "$store" "SELECT count(*) FROM district_codes")" "$(($(wc -l <"$SZ/sz_districts_codes_china_division.csv") - 1))" "district code rows"
check_eq "$(q "$store" "SELECT geometry_type IS NULL FROM cim_layers WHERE name = 'district_codes'")" 1 "codes table has no geometry"

# GCJ-02: the ECharts map read as GCJ-02 moves by the published offset (100-700 m).
check "ingest '$SZ/districts_echarts_invalid.geojson' --layer echarts_gcj --s-srs gcj02" "ingest echarts as gcj02"
shift_m=$(q "$store" "SELECT round(Distance(ST_Centroid(a.geom), ST_Centroid(b.geom))) FROM echarts a JOIN echarts_gcj b ON a.fid = b.fid LIMIT 1")
check "awk -v d='$shift_m' 'BEGIN {exit !(d >= 100 && d <= 700)}'" "gcj02 shift of $shift_m m is outside 100-700 m"

# Every layer reads back through GDAL with its count and SRS.
for layer in districts echarts zones pois roads stations; do
    check_eq "$(ogr_count_plain "$store" "$layer")" "$(q "$store" "SELECT feature_count FROM cim_layers WHERE name = '$layer'")" "ogrinfo count of $layer"
done
check "ogrinfo -ro -so '$store' districts | grep -q 'ID\[\"EPSG\",4547\]'" "ogrinfo shows EPSG:4547 for districts"
check "ogr2ogr -f GPKG '$work/copy.gpkg' '$store' districts pois roads" "ogr2ogr copies the store's layers"
check_eq "$(ogr_count_plain "$work/copy.gpkg" pois)" 34855 "ogr2ogr copy of pois"
check_eq "$(sqlite3 "$store" "PRAGMA integrity_check")" ok "integrity_check"
finish
