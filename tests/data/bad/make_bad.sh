#!/usr/bin/env bash
# make_bad.sh OUTDIR: writes the bad-input corpus for the CLI tests (small
# files, made at test time so nothing binary is committed). Each file is one
# way a real source goes wrong; tests/cli/test_ingest_errors.sh says what cim
# must do with each. Needs ogr2ogr (GDAL) for the shapefiles and iconv.
#
#   truncated.geojson     cut in the middle of the second feature
#   empty.geojson         zero bytes
#   notjson.geojson       plain text
#   nan.geojson           a NaN coordinate in feature 1 (json-c accepts NaN)
#   lon500.geojson        WGS84 with longitude 500 in feature 1
#   huge.geojson          a 1e300 coordinate in feature 1
#   huge_4547.geojson     EPSG:4547; a 1e300 coordinate in feature 1
#   noprj.shp             a shapefile without .prj (no CRS)
#   gbk.shp               GBK text in field 'name', no .cpg (encoding unknown)
#   gbk_expected.txt      the UTF-8 text gbk.shp holds, one value a line by fid
#   bowtie.geojson        feature 1 is a self-intersecting figure-eight (repairable)
#   collapsed.geojson     EPSG:4547; feature 1 has all its points on one line (zero area)
#   collapsed_wgs84.geojson  feature 1 runs along a line and back (zero area)
#   mixed.gpkg            layer a_good (2 polygons), then layer mixed (Polygon)
#                         whose feature 2 is a Point
#   degrees_as_4547.geojson  lon/lat numbers labelled EPSG:4547
#   lonlat.csv            a good CSV with lon/lat columns (3 points)
#   attrs.csv             a good CSV without coordinates (4 rows)
#   wrong_ext.shp         a good GeoJSON (2 polygons) in a file named .shp
#   garbage.shp           a line of text named .shp
#   pipeline_syntax.json  a pipeline file with a missing comma on line 3
#   pipeline_truncated.json  a pipeline file cut in the middle of step 2
#   pipeline_command.json step 'a' has an unknown command (frobnicate)
#   pipeline_option.json  step 'p' (ingest) has an unknown option (rol)
#   pipeline_nostore.json no "store"
#   pipeline_type.json    step 'p' has "replace": "yes" (not a boolean)
#   sensor_good.csv       good wide sensor readings (2 stations, lon/lat, 3 rows, 5 readings)
#   sensor_bad_time.csv   like sensor_good.csv; line 3 has the time "2019-13-01 25:00"
#   sensor_text_value.csv like sensor_good.csv; line 4 has "n/a" in the numeric column PM10
#   sensor_no_location.csv  line 4 names station S03 with empty lon/lat
#   sensor_truncated.json a JSON array of observations cut inside its second item (line 3)
#   ifc_truncated.ifc     tests/data/ifc/courtyard.ifc cut after 2500 bytes
#   ifc_dangling.ifc      the same, #101's placement refers to #999, which is not defined
#   ifc_cycle.ifc         the same, placements #61 -> #101 -> #61 form a cycle
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: make_bad.sh OUTDIR" >&2
    exit 2
fi
out=$1
ifc_model=$(cd "$(dirname "$0")/../ifc" && pwd)/courtyard.ifc
mkdir -p "$out"
cd "$out"

# A 0.001-degree square near Futian, Shenzhen (about 100 m x 110 m).
sq() { # sq LON LAT: a closed ring as GeoJSON
    local x=$1 y=$2
    local x2 y2
    x2=$(awk -v a="$x" 'BEGIN{printf "%.3f", a+0.001}')
    y2=$(awk -v a="$y" 'BEGIN{printf "%.3f", a+0.001}')
    printf '[[[%s,%s],[%s,%s],[%s,%s],[%s,%s],[%s,%s]]]' "$x" "$y" "$x2" "$y" "$x2" "$y2" "$x" "$y2" "$x" "$y"
}
feature() { # feature ID GEOMETRY_JSON
    printf '{"type":"Feature","properties":{"id":%s,"name":"p%s"},"geometry":%s}' "$1" "$1" "$2"
}
poly() { printf '{"type":"Polygon","coordinates":%s}' "$1"; }
collection() { # collection NAME FEATURE...
    local name=$1
    shift
    printf '{"type":"FeatureCollection","name":"%s","features":[\n' "$name"
    local first=1
    for f in "$@"; do
        [ $first = 1 ] || printf ',\n'
        printf '%s' "$f"
        first=0
    done
    printf '\n]}\n'
}

good0=$(feature 0 "$(poly "$(sq 114.050 22.540)")")
good2=$(feature 2 "$(poly "$(sq 114.060 22.540)")")

# Truncated: the text stops inside feature 1's coordinates.
full=$(collection truncated "$good0" "$(feature 1 "$(poly "$(sq 114.055 22.540)")")" "$good2")
printf '%s' "$full" | head -c "$(( ${#good0} + 120 ))" > truncated.geojson

: > empty.geojson
printf 'this is not JSON, just a line of text\n' > notjson.geojson

collection nan "$good0" \
    "$(feature 1 '{"type":"Polygon","coordinates":[[[114.055,22.54],[NaN,22.54],[114.056,22.541],[114.055,22.54]]]}')" \
    "$good2" > nan.geojson
collection lon500 "$good0" "$(feature 1 "$(poly "$(sq 500.000 22.540)")")" "$good2" > lon500.geojson
collection huge "$good0" \
    "$(feature 1 '{"type":"Polygon","coordinates":[[[114.055,22.54],[1e300,22.54],[114.056,22.541],[114.055,22.54]]]}')" \
    "$good2" > huge.geojson
# The same in the store CRS (EPSG:4547, metres): no range check for degrees
# applies, the store CRS's area of use must catch it.
{
    printf '{"type":"FeatureCollection","name":"huge_4547",'
    printf '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":[\n'
    printf '%s,\n%s\n]}\n' \
        "$(feature 0 '{"type":"Polygon","coordinates":[[[500000,2500000],[500100,2500000],[500100,2500100],[500000,2500000]]]}')" \
        "$(feature 1 '{"type":"Polygon","coordinates":[[[500200,2500000],[1e300,2500000],[500300,2500100],[500200,2500000]]]}')"
} > huge_4547.geojson

# Figure-eight: the ring crosses itself at (114.0555, 22.5405).
collection bowtie "$good0" \
    "$(feature 1 '{"type":"Polygon","coordinates":[[[114.055,22.540],[114.056,22.541],[114.056,22.540],[114.055,22.541],[114.055,22.540]]]}')" \
    "$good2" > bowtie.geojson
# Zero area. In the store CRS (no reprojection to bend the line) every point
# of feature 1 lies on y = x + 2000000; in WGS84 feature 1 runs out along a
# line and back on itself, which stays degenerate through any projection.
{
    printf '{"type":"FeatureCollection","name":"collapsed",'
    printf '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":[\n'
    printf '%s,\n%s,\n%s\n]}\n' \
        "$(feature 0 '{"type":"Polygon","coordinates":[[[500000,2500000],[500100,2500000],[500100,2500100],[500000,2500000]]]}')" \
        "$(feature 1 '{"type":"Polygon","coordinates":[[[500200,2500200],[500250,2500250],[500300,2500300],[500200,2500200]]]}')" \
        "$(feature 2 '{"type":"Polygon","coordinates":[[[500400,2500000],[500500,2500000],[500500,2500100],[500400,2500000]]]}')"
} > collapsed.geojson
collection collapsed_wgs84 "$good0" \
    "$(feature 1 '{"type":"Polygon","coordinates":[[[114.055,22.540],[114.056,22.541],[114.057,22.542],[114.056,22.541],[114.055,22.540]]]}')" \
    "$good2" > collapsed_wgs84.geojson
# A Point in a layer that declares Polygon (GeoPackage lets GDAL write it, with
# a warning), after a good layer: nothing of either may reach the store.
collection mixed "$good0" "$(feature 1 "$(poly "$(sq 114.055 22.540)")")" \
    "$(feature 2 '{"type":"Point","coordinates":[114.061,22.541]}')" > mixed_src.geojson
collection good "$good0" "$good2" > good_src.geojson
ogr2ogr -q -f GPKG mixed.gpkg good_src.geojson -nln a_good 2>/dev/null
ogr2ogr -q -update -f GPKG mixed.gpkg mixed_src.geojson -nln mixed -nlt POLYGON 2>/dev/null
rm -f mixed_src.geojson

# Degrees labelled as metres: as EPSG:4547 these lie near (114 m, 22 m) from the
# projection's false origin, thousands of km from Shenzhen.
{
    printf '{"type":"FeatureCollection","name":"degrees_as_4547",'
    printf '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":[\n'
    printf '%s,\n%s\n]}\n' "$good0" "$good2"
} > degrees_as_4547.geojson

# A good GeoJSON named .shp, and a .shp that is no format at all.
cp good_src.geojson wrong_ext.shp
rm -f good_src.geojson
printf 'not a shapefile\n' > garbage.shp

printf 'station,lon,lat,pm25\nS01,114.0579,22.5431,35.5\nS02,114.1315,22.5485,41.0\nS03,113.9304,22.5329,28.25\n' > lonlat.csv
printf 'code,name,population\n440303,Luohu,1140000\n440304,Futian,1553000\n440305,Nanshan,1795000\n440306,Baoan,4476000\n' > attrs.csv

# Shapefiles, made by GDAL from small GeoJSON.
collection noprj "$good0" "$good2" > noprj_src.geojson
ogr2ogr -q -f "ESRI Shapefile" noprj.shp noprj_src.geojson
rm -f noprj.prj noprj.cpg noprj_src.geojson

gbk_names=("福田区中心公园" "南山科技园" "罗湖东门")
feats=()
for i in 0 1 2; do
    feats+=("$(printf '{"type":"Feature","properties":{"id":%d,"name":"%s"},"geometry":%s}' \
        "$i" "${gbk_names[$i]}" "$(poly "$(sq "114.0$((5 + i))0" 22.540)")")")
done
collection gbk "${feats[@]}" > gbk_src.geojson
ogr2ogr -q -f "ESRI Shapefile" -lco ENCODING=GBK gbk.shp gbk_src.geojson
rm -f gbk.cpg gbk_src.geojson
printf '%s\n' "${gbk_names[@]}" > gbk_expected.txt
# Make sure the DBF really holds GBK bytes (not UTF-8): the test is void otherwise.
gbk_bytes=$(head -1 gbk_expected.txt | iconv -f UTF-8 -t GBK)
if ! LC_ALL=C grep -aqF "$gbk_bytes" gbk.dbf; then
    echo "make_bad.sh: gbk.dbf does not hold GBK text" >&2
    exit 1
fi

# Pipeline files (cim run) that are wrong in one way each.
printf '{"store": "x.cim",\n "steps": [\n  {"name": "a" "command": "init"}]}\n' > pipeline_syntax.json
printf '{"store": "x.cim",\n "steps": [\n  {"name": "a", "command": "init"},\n  {"name": "p", "comm' \
    > pipeline_truncated.json
printf '{"store": "x.cim", "steps": [{"name": "a", "command": "frobnicate"}]}\n' > pipeline_command.json
printf '{"store": "x.cim", "steps": [{"name": "p", "command": "ingest", "source": "p.geojson", "rol": "x"}]}\n' \
    > pipeline_option.json
printf '{"steps": [{"name": "a", "command": "init"}]}\n' > pipeline_nostore.json
printf '{"store": "x.cim", "steps": [{"name": "p", "command": "ingest", "source": "a", "replace": "yes"}]}\n' \
    > pipeline_type.json
# Sensor readings (cim ingest --kind sensor): one good file and one fault each.
sensor_head='time,station,name,lon,lat,PM10,NO2'
printf '%s\n' "$sensor_head" '2019-01-01T00:00:00+08:00,S01,Futian,114.0579,22.5431,35.5,12' \
    '2019-01-01T00:00:00+08:00,S02,Nanshan,113.9304,22.5329,41,' \
    '2019-01-01T01:00:00+08:00,S01,Futian,114.0579,22.5431,30,10' > sensor_good.csv
printf '%s\n' "$sensor_head" '2019-01-01T00:00:00+08:00,S01,Futian,114.0579,22.5431,35.5,12' \
    '2019-13-01 25:00,S02,Nanshan,113.9304,22.5329,41,' > sensor_bad_time.csv
printf '%s\n' "$sensor_head" '2019-01-01T00:00:00+08:00,S01,Futian,114.0579,22.5431,35.5,12' \
    '2019-01-01T00:00:00+08:00,S02,Nanshan,113.9304,22.5329,41,' \
    '2019-01-01T01:00:00+08:00,S01,Futian,114.0579,22.5431,n/a,10' > sensor_text_value.csv
printf '%s\n' "$sensor_head" '2019-01-01T00:00:00+08:00,S01,Futian,114.0579,22.5431,35.5,12' \
    '2019-01-01T00:00:00+08:00,S02,Nanshan,113.9304,22.5329,41,' \
    '2019-01-01T01:00:00+08:00,S03,Luohu,,,30,10' > sensor_no_location.csv
printf '%s\n' '[' ' {"time": "2019-01-01T00:00:00+08:00", "station": "S01", "lon": 114.0579, "lat": 22.5431, "PM10": 35.5},' \
    ' {"time": "2019-01-01T00:00:00+08:00", "station": "S02", "lon": 113.93' > sensor_truncated.json

# IFC (cim ingest FILE.ifc): broken copies of the hand-written model.
head -c 2500 "$ifc_model" > ifc_truncated.ifc
sed 's/#101=IFCLOCALPLACEMENT(#61,#11);/#101=IFCLOCALPLACEMENT(#61,#999);/' "$ifc_model" > ifc_dangling.ifc
sed 's/#61=IFCLOCALPLACEMENT(#51,#11);/#61=IFCLOCALPLACEMENT(#101,#11);/' "$ifc_model" > ifc_cycle.ifc
