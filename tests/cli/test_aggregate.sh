#!/usr/bin/env bash
# cim aggregate: hand-built squares with areas worked out by hand (adjacent
# squares one block, a 5 m gap two blocks unless --gap bridges it, mu and
# hectares, the NULL group), the sample district against SpatiaLite's
# ST_Union ... GROUP BY on the same store (1e-9 relative) with the same
# output for --threads 1 and 4, the Shenzhen zones per district, and the bad
# inputs (exit 3 / 2, store byte-identical).
. "$(dirname "$0")/lib.sh"

# rel_le A B TOL: |A - B| <= TOL * |B|
rel_le() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; if (b < 0) b = -b; exit !(a != "" && d <= t * b) }'; }

sq() { # sq GROUP X0 Y0 X1 Y1: a rectangle feature, offsets from (500000, 2500000)
    local g=$1 x0=$((500000 + $2)) y0=$((2500000 + $3)) x1=$((500000 + $4)) y1=$((2500000 + $5))
    printf '{"type":"Feature","properties":{"lu":%s,"zone":"z1"},"geometry":{"type":"Polygon","coordinates":[[[%s,%s],[%s,%s],[%s,%s],[%s,%s],[%s,%s]]]}}' \
        "$g" "$x0" "$y0" "$x1" "$y0" "$x1" "$y1" "$x0" "$y1" "$x0" "$y0"
}
{
    echo '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":['
    sq '"M1"' 0 0 100 100; echo ,
    sq '"M1"' 100 0 200 100; echo ,
    sq '"M1"' 205 0 305 100; echo ,
    sq '"R2"' 0 500 100 600; echo ,
    sq null 1000 0 1040 50
    echo ']}'
} >"$T/squares.geojson"
s=$T/s.cim
new_store s.cim
expect_exit 0 -- "$CIM" ingest "$s" "$T/squares.geojson" --layer sq --quiet

# --- per group: M1 = 3 squares, 30,000 m² = 3 ha = 45 mu; R2 10,000; NULL 2,000
expect_exit 0 -- "$CIM" aggregate "$s" --layer sq --by lu --out lu
expect_stderr_empty
expect_stdout_contains "in 3 groups"
expect_stdout_contains "fallbacks to unary union: 0"
expect_eq "groups, ordered (NULL first)" "NULL|1|2000.0|0.2|3.0
'M1'|3|30000.0|3.0|45.0
'R2'|1|10000.0|1.0|15.0" "$(sql "$s" "SELECT quote(lu), parcel_count, area_m2, area_ha, area_mu FROM lu ORDER BY fid")"
expect_eq "columns" "lu|TEXT,area_m2|REAL,area_ha|REAL,area_mu|REAL,parcel_count|INTEGER" \
    "$(sql "$s" "SELECT group_concat(name || '|' || type) FROM pragma_table_info('lu') WHERE name NOT IN ('fid','geom')")"
expect_eq "catalogue: derived MULTIPOLYGON with lineage" "derived|MULTIPOLYGON|3|1|1" \
    "$(sql "$s" "SELECT kind, geometry_type, feature_count, json_extract(lineage, '\$.source_layer') = 'sq',
                        json_extract(lineage, '\$.by[0]') = 'lu' FROM cim_layers WHERE name = 'lu'")"
expect_eq "a cim_runs row" "1" "$(sql "$s" "SELECT count(*) FROM cim_runs WHERE command = 'aggregate'")"
expect_eq "its spatial index finds M1" "M1" "$(spatial_sql "$s" "SELECT lu FROM lu WHERE ROWID IN (SELECT ROWID FROM SpatialIndex
    WHERE f_table_name = 'lu' AND search_frame = BuildMbr(500150, 2500010, 500160, 2500020, 4547))")"

# --- contiguous: the two adjacent squares are one 20,000 m² block, the one 5 m away another
expect_exit 0 -- "$CIM" aggregate "$s" --layer sq --by lu --out blk --contiguous --json
expect_true "--json parses" json_valid "$OUT"
expect_eq "--json rows and groups" "4 3 0" "$(json_get "$OUT" '"%d %d %d" % (d["rows"], d["groups"], d["fallbacks"])')"
expect_eq "blocks" "NULL|1|1|2000.0
'M1'|1|2|20000.0
'M1'|2|1|10000.0
'R2'|1|1|10000.0" "$(sql "$s" "SELECT quote(lu), block, parcel_count, area_m2 FROM blk ORDER BY fid")"
expect_exit 0 -- "$CIM" aggregate "$s" --layer sq --by lu --out blk --contiguous --gap 10 --replace --quiet
expect_stdout_empty
expect_eq "--gap 10 bridges 5 m" "1|3|30000.0|2" \
    "$(spatial_sql "$s" "SELECT block, parcel_count, area_m2, ST_NumGeometries(geom) FROM blk WHERE lu = 'M1'")"
expect_exit 0 -- "$CIM" aggregate "$s" --layer sq --by lu --out blk --contiguous --gap 4.9 --replace --quiet
expect_eq "--gap 4.9 does not" "2" "$(sql "$s" "SELECT count(*) FROM blk WHERE lu = 'M1'")"
expect_exit 0 -- "$CIM" aggregate "$s" --layer sq --by zone,lu --out two --quiet
expect_eq "two fields" "z1|M1|30000.0" "$(sql "$s" "SELECT zone, lu, area_m2 FROM two WHERE lu = 'M1'")"

# --- bad input: exit 3 (data) or 2 (usage), the store unchanged
before=$(store_fingerprint "$s")
expect_exit 3 -- "$CIM" aggregate "$s" --layer nosuch --by lu --out x
expect_error_format
expect_stderr_contains "nosuch"
expect_exit 3 -- "$CIM" aggregate "$s" --layer sq --by landuse --out x
expect_stderr_contains "no field 'landuse'"
expect_exit 2 -- "$CIM" aggregate "$s" --layer sq --by lu --out lu
expect_stderr_contains "--replace"
expect_exit 2 -- "$CIM" aggregate "$s" --layer sq --by lu --out x --gap 5
expect_exit 2 -- "$CIM" aggregate "$s" --layer sq --by lu --out x --contiguous --gap -1
expect_exit 2 -- "$CIM" aggregate "$s" --layer sq --out x
expect_exit 2 -- "$CIM" aggregate "$s" --layer sq --by lu, --out x
expect_exit 2 -- "$CIM" aggregate "$s" --layer sq --by lu --out x --threads 0
expect_exit 2 -- "$CIM" aggregate "$s" --layer sq --by lu --out sq --replace
expect_exit 2 -- "$CIM" aggregate "$s" --layer sq --by lu --out 'Bad Name'
expect_exit 4 -- "$CIM" aggregate "$T/none.cim" --layer sq --by lu --out x
expect_unchanged "after refused aggregations" "$s" "$before"

# --- the sample district: parcels by landuse against SpatiaLite on the same store
d=$T/district
expect_exit 0 -- "$CIM" sample "$d" --quiet
expect_exit 0 -- "$CIM" ingest "$s" "$d/parcels.geojson" --layer parcels --quiet
expect_exit 0 -- "$CIM" ingest "$s" "$d/stations.geojson" --layer stations --quiet
before=$(store_fingerprint "$s")
expect_exit 3 -- "$CIM" aggregate "$s" --layer stations --by station_id --out x
expect_stderr_contains "not polygons"
expect_unchanged "after a point layer" "$s" "$before"

expect_exit 0 -- "$CIM" aggregate "$s" --layer parcels --by landuse --out by_lu --threads 1 --quiet
spatial_sql "$s" "SELECT quote(landuse), ST_Area(ST_Union(geom)), count(*) FROM parcels GROUP BY landuse ORDER BY landuse" >"$T/ref"
sql "$s" "SELECT quote(landuse), area_m2, parcel_count FROM by_lu ORDER BY fid" >"$T/got"
expect_eq "the same groups, in order, with the same counts" "$(cut -d'|' -f1,3 "$T/ref")" "$(cut -d'|' -f1,3 "$T/got")"
worst=$(paste -d'|' "$T/ref" "$T/got" | awk -F'|' '{ d = $2 - $5; if (d < 0) d = -d; r = d / $2; if (r > m) m = r } END { printf "%.3g", m + 0 }')
expect_true "each group's area equals ST_Area(ST_Union) within 1e-9 relative (worst $worst)" \
    awk -v w="$worst" 'BEGIN { exit !(w <= 1e-9) }'
expect_true "the groups add up to the layer's area" rel_le \
    "$(sql "$s" "SELECT sum(area_m2) FROM by_lu")" "$(spatial_sql "$s" "SELECT sum(ST_Area(geom)) FROM parcels")" 1e-9
expect_eq "area_ha and area_mu" "0" \
    "$(sql "$s" "SELECT count(*) FROM by_lu WHERE abs(area_ha - area_m2 / 10000) > 1e-9 * area_m2 OR abs(area_mu - area_m2 * 15 / 10000) > 1e-9 * area_m2")"

# contiguous blocks: they add up to their group, and 1 and 4 threads give the same CSV
for t in 1 4; do
    expect_exit 0 -- "$CIM" aggregate "$s" --layer parcels --by landuse --out blk$t --contiguous --threads $t --quiet
    expect_exit 0 -- "$CIM" query "$s" "SELECT landuse, block, area_m2, parcel_count, ST_AsText(geom) FROM blk$t ORDER BY fid" --format csv
    cp "$OUT" "$T/blk$t.csv"
done
expect_true "--threads 1 and 4: identical output" cmp -s "$T/blk1.csv" "$T/blk4.csv"
expect_true "blocks listed: more than the groups" test "$(wc -l <"$T/blk1.csv")" -gt "$(wc -l <"$T/got")"
expect_eq "blocks add up to their group" "0" \
    "$(sql "$s" "SELECT count(*) FROM (SELECT landuse, sum(area_m2) AS a, sum(parcel_count) AS n FROM blk1 GROUP BY landuse) b
                 JOIN by_lu g ON g.landuse IS b.landuse WHERE abs(a - g.area_m2) > 1e-9 * g.area_m2 OR n != g.parcel_count")"
expect_eq "blocks numbered 1..n per group by min x" "0" \
    "$(spatial_sql "$s" "SELECT count(*) FROM blk1 a JOIN blk1 b ON a.landuse IS b.landuse AND b.block = a.block + 1
                         WHERE ST_MinX(b.geom) < ST_MinX(a.geom)")"
# Blocks of one group are apart: no two blocks of a group touch.
expect_eq "blocks of a group do not touch" "0" \
    "$(spatial_sql "$s" "SELECT count(*) FROM blk1 a JOIN blk1 b ON a.landuse IS b.landuse AND a.block < b.block
                         AND ST_Intersects(a.geom, b.geom)")"

# --- real data: the Shenzhen traffic zones per district (zone -> the district
# holding its interior point, joined with cim query and ingested back)
taz=$CIM_SHARED_DATA/shenzhen/taz_491.geojson
dist=$CIM_SHARED_DATA/shenzhen/districts_wgs84.geojson
if [ -f "$taz" ] && [ -f "$dist" ]; then
    z=$T/z.cim
    new_store z.cim
    expect_exit 0 -- "$CIM" ingest "$z" "$taz" --layer taz --quiet
    expect_exit 0 -- "$CIM" ingest "$z" "$dist" --layer districts --quiet
    expect_exit 0 -- "$CIM" query "$z" "SELECT z.fid AS zone_fid, d.qh AS district, z.geom FROM taz z LEFT JOIN districts d
                                      ON ST_Within(ST_PointOnSurface(z.geom), d.geom) ORDER BY z.fid" --format geojson
    cp "$OUT" "$T/taz_d.geojson"
    expect_exit 0 -- "$CIM" ingest "$z" "$T/taz_d.geojson" --layer taz_d --quiet
    expect_exit 0 -- "$CIM" aggregate "$z" --layer taz_d --by district --out taz_district --json
    expect_eq "10 districts, 491 zones" "10 491" "$(json_get "$OUT" '"%d %d" % (d["groups"], d["parcels"])')"
    expect_true "the districts add up to the zones' total" rel_le \
        "$(sql "$z" "SELECT sum(area_m2) FROM taz_district")" "$(spatial_sql "$z" "SELECT sum(ST_Area(geom)) FROM taz_d")" 1e-9
    expect_true "... and to the zones as ingested (1 mm GeoJSON rounding)" rel_le \
        "$(sql "$z" "SELECT sum(area_m2) FROM taz_district")" "$(spatial_sql "$z" "SELECT sum(ST_Area(geom)) FROM taz")" 1e-8
    spatial_sql "$z" "SELECT quote(district), ST_Area(ST_Union(geom)) FROM taz_d GROUP BY district ORDER BY district" >"$T/zref"
    sql "$z" "SELECT quote(district), area_m2 FROM taz_district ORDER BY fid" >"$T/zgot"
    worst=$(paste -d'|' "$T/zref" "$T/zgot" | awk -F'|' '$1 != $3 { m = 1 } { d = $2 - $4; if (d < 0) d = -d; r = d / $2; if (r > m) m = r } END { printf "%.3g", m + 0 }')
    expect_true "each district equals ST_Area(ST_Union) within 1e-9 (worst $worst)" \
        awk -v w="$worst" 'BEGIN { exit !(w <= 1e-9) }'
    expect_exit 0 -- "$CIM" aggregate "$z" --layer taz_d --by district --out taz_blocks --contiguous --gap 50 --quiet
    expect_true "contiguous districts add up too" rel_le \
        "$(sql "$z" "SELECT sum(area_m2) FROM taz_blocks")" "$(sql "$z" "SELECT sum(area_m2) FROM taz_district")" 1e-9
else
    echo "skip: $taz not found"
fi

finish
