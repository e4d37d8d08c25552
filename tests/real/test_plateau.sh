#!/usr/bin/env bash
# Real PLATEAU CityGML (../shared/data/plateau): zoning layers into a Tokyo-zone
# store (EPSG:6677), counts equal GDAL's, code-list values kept as text
# (leading zeros included), measures numeric, no .gfs written beside the data.
source "$(dirname "$0")/lib.sh"
PL=$DATA/plateau
store=$work/jp.cim
"$CIM" init "$store" --srid 6677 --quiet || { bad "init"; finish; exit 1; }
gfs_before=$(find "$PL" -name '*.gfs' | wc -l)

for f in "$PL"/kawasaki_urf/*.gml; do
    base=$(basename "$f" .gml)
    layer=k_$(echo "$base" | sed 's/^[0-9]*_urf_6668_//; s/_op$//')
    if "$CIM" ingest "$store" "$f" --layer "$layer" --quiet; then ok; else bad "ingest $f"; continue; fi
    check_eq "$(q "$store" "SELECT count(*) FROM $layer")" "$(ogr_count "$f" -al)" "$layer count vs ogrinfo"
done

# UseDistrict (用途地域): codes as text, floor-area and coverage rates as numbers.
check_eq "$(q "$store" "SELECT DISTINCT typeof(prefecture) || '/' || typeof(city) || '/' || typeof(function) FROM k_yoto")" \
    "text/text/text" "yoto codes are text"
check_eq "$(q "$store" "SELECT DISTINCT prefecture || '/' || city FROM k_yoto")" "14/14130" "yoto prefecture/city codes"
check_eq "$(q "$store" "SELECT count(*) FROM k_yoto WHERE typeof(floorAreaRate) IN ('integer','real') AND typeof(buildingCoverageRate) IN ('integer','real')")" \
    "$(q "$store" "SELECT count(*) FROM k_yoto")" "yoto rates are numbers"
check_eq "$(q "$store" "SELECT count(*) FROM k_yoto WHERE \"function\" IN ('11','12','13')")" \
    "$(grep -cE '<urf:function[^>]*>1[123]<' "$PL/kawasaki_urf/533915_urf_6668_yoto_op.gml")" "industrial zones (codes 11-13) counted like a grep of the GML"

# Land use (Numazu): 225 polygons, class codes as text.
check "'$CIM' ingest '$store' '$PL/numazu_523836_luse.gml' --layer numazu_luse --quiet" "ingest numazu land use"
check_eq "$(q "$store" "SELECT count(*) FROM numazu_luse")" 225 "numazu land-use count"
check_eq "$(q "$store" "SELECT DISTINCT typeof(class) FROM numazu_luse")" text "land-use class codes are text"
check_eq "$(q "$store" "SELECT sum(ST_IsValid(geom)) FROM numazu_luse")" 225 "all land-use polygons valid after repair"
# GDAL's own reading, reprojection and SpatiaLite's MakeValid (librttopo): an
# independent path to the same area.
gml_area=$(ogrinfo -ro -q -oo WRITE_GFS=NO "$PL/numazu_523836_luse.gml" -dialect SQLite \
    -sql "SELECT sum(ST_Area(ST_MakeValid(ST_Transform(CastToXY(lod1MultiSurface), 6677)))) AS a FROM LandUse" 2>/dev/null | sed -n 's/.*a (Real) = //p')
check_rel "$(q "$store" "SELECT sum(ST_Area(geom)) FROM numazu_luse")" "$gml_area" 1e-4 "numazu land-use area vs GDAL + SpatiaLite"

# Sapporo buildings: prefecture "01" and city "01110" keep their zeros in a
# Hokkaido-zone store (EPSG:6680); a Tokyo-zone store refuses them (wrong zone).
hk=$work/hk.cim
"$CIM" init "$hk" --srid 6680 --quiet
check "'$CIM' ingest '$hk' '$PL/sapporo_64413325_bldg.gml' --layer sapporo --quiet" "ingest sapporo"
check_eq "$(q "$hk" "SELECT DISTINCT prefecture || '/' || city FROM sapporo")" "01/01110" "codes keep leading zeros"
check_eq "$(q "$hk" "SELECT count(*) FROM sapporo")" 25 "sapporo building count"
before=$(sha256sum "$store" | cut -d' ' -f1)
"$CIM" ingest "$store" "$PL/sapporo_64413325_bldg.gml" --layer sapporo --quiet 2>"$work/err"
check_eq "$?" 3 "sapporo into a Tokyo-zone store exits 3"
check "grep -q 'area of use' '$work/err' && grep -q 'sapporo_64413325_bldg.gml' '$work/err'" "message names the file and the CRS problem"
check_eq "$(sha256sum "$store" | cut -d' ' -f1)" "$before" "store unchanged by the refused ingest"

# Yokosuka buildings through the GFS template of ../shared/reference (--oo):
# counts and attribute sums equal GDAL's reading with the same template.
tmpl=$DATA/../reference/plateau_bldg.gfs
check "'$CIM' ingest '$store' '$PL/yokosuka_52397519_bldg.gml' --layer yokosuka --oo GFS_TEMPLATE='$tmpl' --quiet" \
    "ingest yokosuka with a GFS template"
check_eq "$(q "$store" "SELECT count(*) FROM yokosuka")" \
    "$(ogr_count "$PL/yokosuka_52397519_bldg.gml" -oo GFS_TEMPLATE="$tmpl" Building)" "yokosuka count vs ogrinfo"
gdal_h=$(ogrinfo -ro -q -oo WRITE_GFS=NO -oo GFS_TEMPLATE="$tmpl" "$PL/yokosuka_52397519_bldg.gml" -dialect SQLite \
    -sql "SELECT sum(measuredHeight) AS h, sum(storeysAboveGround) AS s FROM Building" 2>/dev/null)
check_rel "$(q "$store" "SELECT sum(measuredHeight) FROM yokosuka")" "$(echo "$gdal_h" | sed -n 's/.*h (Real) = //p')" 1e-12 \
    "yokosuka heights vs GDAL"
check_eq "$(q "$store" "SELECT sum(storeysAboveGround) FROM yokosuka")" "$(echo "$gdal_h" | sed -n 's/.*s (Integer[0-9]*) = //p')" \
    "yokosuka storeys vs GDAL"
"$CIM" ingest "$store" "$PL/yokosuka_52397519_bldg.gml" --layer y2 --oo NOEQUALS --quiet 2>/dev/null
check_eq "$?" 2 "--oo without KEY=VALUE is a usage error"

check_eq "$(find "$PL" -name '*.gfs' | wc -l)" "$gfs_before" "no .gfs written beside the GML"
for layer in k_yoto numazu_luse; do
    check_eq "$(ogr_count_plain "$store" "$layer")" "$(q "$store" "SELECT count(*) FROM $layer")" "ogrinfo reads $layer"
done
finish
