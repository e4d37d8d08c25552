# shellcheck shell=bash
# cim check siting end to end: the sample district (a site across the
# ecological control line and an industrial block line, parcels as info),
# overlap areas against SpatiaLite's ST_Area(ST_Intersection(site,
# ST_Union(layer))), --json, --strict, --out, real Shenzhen districts and
# TAZ, and bad input leaving the store unchanged.
. "$(dirname "$0")/lib.sh"

S=$T/s.cim
new_store s.cim
run "$CIM" sample "$T/d" --quiet
for l in parcels blocklines eco_line; do
    expect_exit 0 -- "$CIM" ingest "$S" "$T/d/$l.geojson" --layer "$l" --quiet
done

# A 400 x 400 m site (store CRS EPSG:4547) across the southern edge of the
# eco line and the top of block line 12.
SITE_WKT='POLYGON((494000 2495300,494400 2495300,494400 2495700,494000 2495700,494000 2495300))'
cat >"$T/site.geojson" <<'EOF'
{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":[
{"type":"Feature","properties":{"name":"proposed"},"geometry":{"type":"Polygon","coordinates":[[[494000,2495300],[494400,2495300],[494400,2495700],[494000,2495700],[494000,2495300]]]}}]}
EOF
BEFORE=$(store_fingerprint "$S")
CONTROLS=(--control eco_line:forbidden --control blocklines:restricted --control parcels:info)
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/site.geojson" "${CONTROLS[@]}"
expect_stdout_contains "verdict: 不符合"
expect_stdout_contains "eco_line"
expect_stdout_contains "有条件符合"
expect_unchanged "a check without --out only reads" "$S" "$BEFORE"
expect_exit 1 -- "$CIM" check siting "$S" --site "$T/site.geojson" "${CONTROLS[@]}" --strict --quiet
expect_stdout_empty
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/site.geojson" "${CONTROLS[@]}" --json
cp "$OUT" "$T/r.json"
expect_true "JSON parses" json_valid "$T/r.json"
expect_eq "verdict" "不符合" "$(json_get "$T/r.json" "d['verdict']")"
expect_eq "site area" "160000.000000" "$(json_get "$T/r.json" "'%.6f' % d['site']['area_m2']")"
expect_eq "threshold" "160.000000000" "$(json_get "$T/r.json" "'%.9f' % d['tolerance']['threshold_m2']")"
for l in eco_line blocklines parcels; do
    want=$(spatial_sql "$S" "SELECT printf('%.17g', ST_Area(ST_Intersection(GeomFromText('$SITE_WKT', 4547),
        (SELECT ST_Union(geom) FROM $l))));")
    got=$(json_get "$T/r.json" "[l for l in d['layers'] if l['layer'] == '$l'][0]['overlap_m2']")
    expect_true "$l: overlap $got equals SpatiaLite's $want within 1e-9" \
        awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 1e-9 * b) }'
    # The features hit: those whose own overlap reaches the threshold.
    want_fids=$(spatial_sql "$S" "SELECT group_concat(fid) FROM (SELECT fid FROM $l WHERE
        ST_Area(ST_Intersection(geom, GeomFromText('$SITE_WKT', 4547))) >= 160 ORDER BY fid);")
    got_fids=$(json_get "$T/r.json" "','.join(str(f['fid']) for f in [l for l in d['layers'] if l['layer'] == '$l'][0]['features'] if not f['sliver'])")
    expect_eq "$l: features hit" "$want_fids" "$got_fids"
done
expect_eq "eco_line effect" "fail" "$(json_get "$T/r.json" "d['layers'][0]['effect']")"
expect_eq "blocklines effect" "conditional" "$(json_get "$T/r.json" "d['layers'][1]['effect']")"
expect_eq "parcels effect" "none" "$(json_get "$T/r.json" "d['layers'][2]['effect']")"
expect_eq "data version" "$(sql "$S" "SELECT version || ' ' || source_sha256 || ' ' || ingested_at FROM cim_layers WHERE name = 'eco_line'")" \
    "$(json_get "$T/r.json" "' '.join(str(d['layers'][0]['data_version'][k]) for k in ('version', 'source_sha256', 'ingested_at'))")"
expect_eq "eco_line hit attributes" "ECO-01" "$(json_get "$T/r.json" "d['layers'][0]['features'][0]['attributes']['line_id']")"

# Without the eco line the worst is the block line: 有条件符合; a severity
# override makes the block line count as none.
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control blocklines:restricted --json --strict
expect_eq "restricted only" "有条件符合" "$(json_get "$OUT" "d['verdict']")"
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control blocklines:restricted:none --json
expect_eq "severity override" "符合" "$(json_get "$OUT" "d['verdict']")"

# The same site in WGS84 lon/lat (as a planner draws it): the same answer
# within reprojection noise.
ogr2ogr -f GeoJSON -t_srs EPSG:4326 -lco COORDINATE_PRECISION=12 "$T/site_wgs84.geojson" "$T/site.geojson" 2>/dev/null
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/site_wgs84.geojson" "${CONTROLS[@]}" --json
expect_near "lon/lat site, eco overlap" "$(json_get "$T/r.json" "d['layers'][0]['overlap_m2']")" \
    "$(json_get "$OUT" "d['layers'][0]['overlap_m2']")" 0.01

# The urban development boundary: the eco line as the "boundary" leaves the
# part of the site outside it as the conflict.
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control eco_line:outside_forbidden --json
want=$(spatial_sql "$S" "SELECT printf('%.6f', ST_Area(ST_Difference(GeomFromText('$SITE_WKT', 4547),
    (SELECT ST_Union(geom) FROM eco_line))));")
expect_eq "outside area" "$want" "$(json_get "$OUT" "'%.6f' % d['layers'][0]['conflict_m2']")"
expect_eq "outside verdict" "不符合" "$(json_get "$OUT" "d['verdict']")"

# --out: the conflict pieces as a layer that GDAL reads.
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/site.geojson" "${CONTROLS[@]}" --out siting_pieces --quiet
expect_eq "--out rows" "3" "$(sql "$S" "SELECT count(*) FROM siting_pieces")"
expect_eq "--out eco piece area" "$(json_get "$T/r.json" "'%.3f' % d['layers'][0]['overlap_m2']")" \
    "$(spatial_sql "$S" "SELECT printf('%.3f', ST_Area(geom)) FROM siting_pieces WHERE layer = 'eco_line'")"
expect_eq "--out catalogued" "derived" "$(sql "$S" "SELECT kind FROM cim_layers WHERE name = 'siting_pieces'")"
expect_true "ogrinfo reads --out" ogrinfo -ro -so "$S" siting_pieces
expect_exit 2 -- "$CIM" check siting "$S" --site "$T/site.geojson" "${CONTROLS[@]}" --out siting_pieces
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control eco_line:forbidden --out siting_pieces --replace --quiet
expect_eq "--replace" "1" "$(sql "$S" "SELECT count(*) FROM siting_pieces")"

# The site from a store layer: one parcel against the eco line and the
# parcels themselves (the parcel is 100 % inside itself).
P=$(sql "$S" "SELECT parcel_id FROM parcels ORDER BY fid LIMIT 1")
expect_exit 0 -- "$CIM" check siting "$S" --site-layer parcels --where "parcel_id = '$P'" --control parcels:info --json
expect_near "parcel in itself" 100 "$(json_get "$OUT" "d['layers'][0]['overlap_pct']")" 1e-9

# ---- bad input: exit codes, one-line messages, store unchanged ----
BEFORE=$(store_fingerprint "$S")
expect_exit 3 -- "$CIM" check siting "$S" --site "$T/missing.geojson" --control eco_line:forbidden --out bad
expect_error_format
expect_stderr_contains "missing.geojson"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[113.93,22.55],[113.94,22.56]]}}]}\n' >"$T/line.geojson"
expect_exit 3 -- "$CIM" check siting "$S" --site "$T/line.geojson" --control eco_line:forbidden --out bad
expect_stderr_contains "LINESTRING"
expect_exit 3 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control nosuch:forbidden --out bad
expect_stderr_contains "nosuch"
expect_exit 2 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control eco_line:forbiden --out bad
expect_stderr_contains "forbiden"
expect_exit 2 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control eco_line:forbidden:severe --out bad
expect_stderr_contains "severe"
expect_exit 2 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control eco_line --out bad
expect_exit 2 -- "$CIM" check siting "$S" --control eco_line:forbidden
expect_exit 2 -- "$CIM" check siting "$S" --site "$T/site.geojson" --site-layer parcels --control eco_line:info
expect_exit 2 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control eco_line:info --tolerance -1
ogr2ogr -f 'ESRI Shapefile' "$T/noprj.shp" "$T/site.geojson" 2>/dev/null && rm -f "$T/noprj.prj"
expect_exit 3 -- "$CIM" check siting "$S" --site "$T/noprj.shp" --control eco_line:forbidden --out bad
expect_stderr_contains "CRS"
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/noprj.shp" --s-srs EPSG:4547 --control eco_line:forbidden --quiet
# A control layer that is not polygons (roads are lines).
expect_exit 0 -- "$CIM" ingest "$S" "$T/d/roads.geojson" --layer roads --quiet
BEFORE=$(store_fingerprint "$S")
expect_exit 3 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control roads:info --out bad
expect_stderr_contains "roads"
expect_exit 2 -- "$CIM" check siting "$S" --site-layer parcels --where "1); DELETE FROM parcels; SELECT (1" \
    --control eco_line:info --out bad
expect_unchanged "failed checks" "$S" "$BEFORE"

# ---- real data: Shenzhen districts and traffic zones ----
SZ=$CIM_SHARED_DATA/shenzhen
if [ -f "$SZ/districts_wgs84.geojson" ] && [ -f "$SZ/taz_491.geojson" ]; then
    R=$T/sz.cim
    new_store sz.cim
    expect_exit 0 -- "$CIM" ingest "$R" "$SZ/districts_wgs84.geojson" --layer districts --kind control --quiet
    expect_exit 0 -- "$CIM" ingest "$R" "$SZ/taz_491.geojson" --layer taz --kind control --quiet
    # A 300 x 300 m square around an interior point of 福田 (picked and
    # checked to lie inside the district by SpatiaLite).
    F=$(sql "$R" "SELECT fid FROM districts WHERE qh = '福田'")
    C=$(spatial_sql "$R" "SELECT X(p) || ' ' || Y(p) FROM (SELECT PointOnSurface(geom) p FROM districts WHERE fid = $F)")
    read -r CX CY <<<"$C"
    SQ="POLYGON(($(awk -v x="$CX" -v y="$CY" 'BEGIN { printf "%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f",
        x-150, y-150, x+150, y-150, x+150, y+150, x-150, y+150, x-150, y-150 }')))"
    expect_eq "the square lies in 福田" 1 "$(spatial_sql "$R" "SELECT ST_Within(GeomFromText('$SQ', 4547), geom) FROM districts WHERE fid = $F")"
    awk -v x="$CX" -v y="$CY" 'BEGIN { printf "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::4547\"}},\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}}]}\n",
        x-150, y-150, x+150, y-150, x+150, y+150, x-150, y+150, x-150, y-150 }' >"$T/sz_site.geojson"
    expect_exit 0 -- "$CIM" check siting "$R" --site "$T/sz_site.geojson" --control districts:info \
        --control taz:needs_approval --json
    cp "$OUT" "$T/sz.json"
    expect_near "100 % in one district" 100 "$(json_get "$T/sz.json" "d['layers'][0]['overlap_pct']")" 1e-6
    expect_eq "that district" "福田" "$(json_get "$T/sz.json" "','.join(f['attributes']['qh'] for f in d['layers'][0]['features'] if not f['sliver'])")"
    want=$(spatial_sql "$R" "SELECT printf('%.17g', ST_Area(ST_Intersection(GeomFromText('$SQ', 4547), (SELECT ST_Union(geom) FROM taz))))")
    got=$(json_get "$T/sz.json" "d['layers'][1]['overlap_m2']")
    expect_true "taz overlap $got equals SpatiaLite's $want within 1e-9" \
        awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 1e-9 * b) }'
    expect_eq "TAZ: needs approval" "有条件符合" "$(json_get "$T/sz.json" "d['verdict']")"
else
    echo "note: $SZ not found; real-data part skipped"
fi

finish
