#!/usr/bin/env bash
# cim ingest into a PostGIS schema against the same commands on a SpatiaLite
# file: the sample district, real Shenzhen layers (../shared/data), an IFC
# model and a CityGML file go into both, and every layer must agree row by
# row (fid, every attribute, the geometry's WKB, and PostGIS's ST_Area /
# ST_Length against SpatiaLite's to 1e-9 relative), with the same catalogue
# rows and extents. Append and upsert write the same rows and the same change
# records (cim_changes). Bad input exits as on SQLite, naming file and
# feature, and leaves the schema as it was (pg_fingerprint). GDAL opens the
# layers as PostGIS tables.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }
SZ=$CIM_SHARED_DATA/shenzhen
SAME=$CIM_SOURCE_ROOT/tests/pg/same_rows.py

P=$(pg_store g1)
L=$T/g.cim
expect_exit 0 -- "$CIM" init "$P" --srid 4547
new_store g.cim --srid 4547

# both ARGS...: the same ingest into both stores; both must succeed.
both() {
    expect_exit 0 -- "$CIM" ingest "$L" "$@" --quiet
    expect_exit 0 -- "$CIM" ingest "$P" "$@" --quiet
}

# same_layer LAYER: the layer's rows on PostGIS (schema $PS) and on
# SpatiaLite ($L) agree. Columns are paired by position: PostgreSQL cuts
# names at 63 bytes, SpatiaLite keeps them whole.
PS=g1
same_layer() {
    local layer=$1 pgc="fid" slc="fid" col typ slcol
    exec 3< <(sql "$L" "SELECT name FROM pragma_table_info('$layer') WHERE name NOT IN ('fid', 'geom') ORDER BY cid")
    while IFS='|' read -r col typ; do
        IFS= read -r slcol <&3
        case $typ in
        boolean) pgc+=", \"$col\"::int"; slc+=", \"$slcol\"" ;;
        text) pgc+=", replace(\"$col\", E'\\n', '~')"; slc+=", replace(\"$slcol\", char(10), '~')" ;;
        *) pgc+=", \"$col\""; slc+=", \"$slcol\"" ;;
        esac
    done < <(pg_sql $PS "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '$PS' AND table_name = '$layer' AND column_name NOT IN ('fid', 'geom') ORDER BY ordinal_position")
    exec 3<&-
    local g="encode(ST_AsBinary(geom), 'hex'), ST_Area(geom), ST_Length(geom)"
    local gl="lower(hex(ST_AsBinary(geom))), ST_Area(geom), ST_Length(geom)"
    pg_sql $PS "SELECT $pgc, $g FROM \"$layer\" ORDER BY fid" >"$T/pg.rows"
    spatial_sql "$L" "SELECT $slc, $gl FROM \"$layer\" ORDER BY fid" >"$T/sl.rows"
    local n
    n=$(pg_sql $PS "SELECT count(*) FROM \"$layer\"")
    expect_true "$layer: rows as on SpatiaLite ($("$PYTHON" "$SAME" "$T/pg.rows" "$T/sl.rows" | head -3))" \
        "$PYTHON" "$SAME" "$T/pg.rows" "$T/sl.rows"
    expect_eq "$layer: count" "$(sql "$L" "SELECT count(*) FROM \"$layer\"")" "$n"
    # The catalogue: counts, type and extent as on SpatiaLite.
    local q="SELECT name, kind, geometry_type, srid, dims, feature_count, minx, miny, maxx, maxy, version FROM cim_layers WHERE name = '$layer'"
    pg_sql $PS "$q" >"$T/pg.cat"
    sql "$L" "$q" >"$T/sl.cat"
    expect_true "$layer: cim_layers as on SpatiaLite ($("$PYTHON" "$SAME" "$T/pg.cat" "$T/sl.cat" | head -2))" \
        "$PYTHON" "$SAME" "$T/pg.cat" "$T/sl.cat"
    # The catalogued extent is PostGIS's own extent of the rows.
    pg_sql $PS "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM \"$layer\") x" >"$T/pg.ext"
    pg_sql $PS "SELECT minx, miny, maxx, maxy FROM cim_layers WHERE name = '$layer'" >"$T/cat.ext"
    expect_true "$layer: extent is ST_Extent" "$PYTHON" "$SAME" "$T/pg.ext" "$T/cat.ext"
}

# --- the sample district
"$CIM" sample "$T/sample" >/dev/null
for f in "$T"/sample/*.geojson; do
    both "$f"
done
for layer in blocklines buildings eco_line parcels roads stations; do
    same_layer "$layer"
done
expect_eq "typed geometry columns" "blocklines MULTIPOLYGON 4547,buildings MULTIPOLYGON 4547,eco_line MULTIPOLYGON 4547,parcels MULTIPOLYGON 4547,roads MULTILINESTRING 4547,stations POINT 4547" \
    "$(pg_sql g1 "SELECT string_agg(f_table_name || ' ' || type || ' ' || srid, ',' ORDER BY f_table_name) FROM geometry_columns WHERE f_table_schema = 'g1'")"
expect_eq "a GiST index per layer" 6 \
    "$(pg_sql g1 "SELECT count(*) FROM pg_indexes WHERE schemaname = 'g1' AND indexdef LIKE '%USING gist (geom)%'")"

# --- real Shenzhen layers (WGS84, reprojected to EPSG:4547 on the way)
both "$SZ/districts_wgs84.geojson" --layer districts
both "$SZ/taz_491.geojson" --layer taz
both "$SZ/roads_futian_nanshan_osm.geojson" --layer osm_roads
both "$SZ/air_stations.geojson" --layer air_stations
both "$SZ/poi_checkins.geojson" --layer poi
for layer in districts taz osm_roads air_stations poi; do
    same_layer "$layer"
done
expect_eq "taz: 110 attributes and fid" 111 \
    "$(pg_sql g1 "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'g1' AND table_name = 'taz' AND column_name <> 'geom'")"

# Two field names alike in their first 63 bytes (21 Chinese characters):
# PostgreSQL's identifier limit; the second becomes <cut name>_2.
long=$(printf '深%.0s' $(seq 21))
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"%s甲":1,"%s乙":2},"geometry":{"type":"Point","coordinates":[114.05,22.54]}}]}\n' \
    "$long" "$long" >"$T/long.geojson"
both "$T/long.geojson" --layer longnames
same_layer longnames
short=$(printf '深%.0s' $(seq 20))
expect_eq "names cut at 63 bytes, the twin numbered" "$long,${short}_2" \
    "$(pg_sql g1 "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'g1' AND table_name = 'longnames' AND column_name NOT IN ('fid', 'geom')")"
expect_eq "their values" "1|2" "$(pg_sql g1 "SELECT \"$long\", \"${short}_2\" FROM longnames")"

# --- IFC (two derived layers) and CityGML buildings
both "$CIM_SHARED_DATA/ifc/duplex.ifc" --layer duplex --georef EPSG:4547@500000,2500000
same_layer duplex
same_layer duplex_storeys
# Hokkaido: stores in JGD2011 / Japan Plane Rectangular CS XII.
L1=$L P1=$P
P=$(pg_store g2) L=$T/h.cim PS=g2
expect_exit 0 -- "$CIM" init "$P" --srid 6680
new_store h.cim --srid 6680
both "$CIM_SHARED_DATA/plateau/sapporo_64413325_bldg.gml" --layer sapporo
same_layer sapporo
L=$L1 P=$P1 PS=g1

# --- append and upsert: the same rows and the same change records
# plots NAME CODE:FAR:X0:W...: a GeoJSON in EPSG:4547 of W x 100 m
# rectangles at (X0, 2500000).
plots() {
    local name=$1 sep="" code far x w
    shift
    {
        echo '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":['
        for p in "$@"; do
            IFS=: read -r code far x w <<<"$p"
            echo "$sep{\"type\":\"Feature\",\"properties\":{\"code\":\"$code\",\"far\":$far},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[$x,2500000],[$((x + w)),2500000],[$((x + w)),2500100],[$x,2500100],[$x,2500000]]]}}"
            sep=,
        done
        echo ']}'
    } >"$T/$name"
}
plots a.geojson A01:1.5:500000:100 A02:2.0:500200:100
plots b.geojson A02:3.0:500200:200 A03:0.5:500500:100
plots c.geojson A04:1.0:500800:25
plots dup.geojson A07:1.0:500000:10 A08:1.0:500100:10 A07:2.0:500200:10
both "$T/a.geojson" --layer plots
both "$T/c.geojson" --layer plots --append
both "$T/b.geojson" --layer plots --upsert code
same_layer plots
expect_eq "upsert on PostGIS: fids, codes, areas" "1|A01|1.5|10000,2|A02|3|20000,3|A04|1|2500,4|A03|0.5|10000" \
    "$(pg_sql g1 "SELECT string_agg(fid || '|' || code || '|' || far || '|' || ST_Area(geom), ',' ORDER BY fid) FROM plots")"
expect_eq "upsert counts" "upsert|2|1|1" \
    "$(pg_sql g1 "SELECT action || '|' || read || '|' || inserted || '|' || updated FROM cim_run_layers WHERE layer = 'plots' AND action = 'upsert'")"
cq="SELECT c.run_id - (SELECT min(run_id) FROM cim_run_layers WHERE layer = 'plots'), c.fid, c.minx, c.miny, c.maxx, c.maxy FROM cim_changes c WHERE c.layer = 'plots' ORDER BY 1, 2, 3, 5"
pg_sql g1 "$cq" >"$T/pg.chg"
sql "$L" "$cq" >"$T/sl.chg"
expect_true "change records as on SpatiaLite ($("$PYTHON" "$SAME" "$T/pg.chg" "$T/sl.chg" | head -2))" \
    "$PYTHON" "$SAME" "$T/pg.chg" "$T/sl.chg"
expect_eq "change records: append 1 row, upsert old+new of A02 and new A03" "1 3" \
    "$(pg_sql g1 "SELECT count(*) FILTER (WHERE fid IS NOT NULL AND run_id = (SELECT run_id FROM cim_run_layers WHERE layer = 'plots' AND action = 'append')) || ' ' || count(*) FILTER (WHERE fid IS NOT NULL AND run_id = (SELECT run_id FROM cim_run_layers WHERE layer = 'plots' AND action = 'upsert')) FROM cim_changes WHERE layer = 'plots'")"
expect_eq "no trigger left behind" 0 "$(pg_sql g1 "SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = 'g1'")"

# --- bad input: the exit code and message of SQLite, the schema unchanged
B=$T/bad
bash "$CIM_SOURCE_ROOT/tests/data/bad/make_bad.sh" "$B" >"$T/make.log" 2>&1 || fail "make_bad.sh: $(cat "$T/make.log")"
before=$(pg_fingerprint g1)
# bad CODE FILE TEXT... -- OPTIONS: the same exit code and first message line
# on both backends, the text in it, the schema unchanged.
bad() {
    local code=$1 file=$2 texts=()
    shift 2
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do texts+=("$1"); shift; done
    [ "${1:-}" = "--" ] && shift
    expect_exit "$code" -- "$CIM" ingest "$L" "$file" "$@"
    local sl_err
    sl_err=$(head -1 "$ERR")
    expect_exit "$code" -- "$CIM" ingest "$P" "$file" "$@"
    expect_eq "$(basename "$file"): message as on SpatiaLite" "${sl_err//$L/STORE}" "$(head -1 "$ERR" | sed "s|$P|STORE|g")"
    local t
    for t in "${texts[@]}"; do expect_stderr_contains "$t"; done
    expect_eq "$(basename "$file") $*: schema unchanged" "$before" "$(pg_fingerprint g1)"
}
bad 3 "$B/truncated.geojson" "truncated.geojson" "feature 1"
bad 3 "$B/huge_4547.geojson" "huge_4547.geojson" "feature 1" "outside its area of use"
bad 3 "$B/mixed.gpkg" "mixed.gpkg" "feature 2" "POINT"
bad 3 "$T/dup.geojson" "dup.geojson" "feature 2" "A07" -- --layer plots --upsert code
bad 2 "$T/c.geojson" "plots" -- --layer plots

# --- GDAL reads the layers from PostGIS
pgconn="PG:host=$PG_DIR port=$PG_PORT user=cim dbname=cim active_schema=g1"
expect_exit 0 -- ogrinfo -ro -q "$pgconn"
expect_stdout_contains "taz (Multi Polygon)"
expect_stdout_contains "osm_roads (Multi Line String)"
expect_exit 0 -- ogrinfo -ro -so "$pgconn" taz
expect_stdout_contains "Feature Count: 491"
expect_stdout_contains 'ID["EPSG",4547]'
finish
