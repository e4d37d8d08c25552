#!/usr/bin/env bash
# cim check siting on a PostGIS store: a site across the sample district's
# ecological control line and a block line gives the same verdict, overlaps
# and features hit as on a SpatiaLite store, the overlaps equal PostGIS's
# ST_Area(ST_Intersection(site, ST_Union(layer))), a --site-layer --where
# filter runs read-only, and --out pieces match.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
OPS_PARCELS=2000
OPS_LAYERS="parcels blocklines eco_line"
. "$(dirname "$0")/ops_lib.sh"

SITE_WKT='POLYGON((494000 2495300,494400 2495300,494400 2495700,494000 2495700,494000 2495300))'
cat >"$T/site.geojson" <<'JSON'
{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":[
{"type":"Feature","properties":{"name":"proposed"},"geometry":{"type":"Polygon","coordinates":[[[494000,2495300],[494400,2495300],[494400,2495700],[494000,2495700],[494000,2495300]]]}}]}
JSON
CONTROLS=(--control eco_line:forbidden --control blocklines:restricted --control parcels:info)
before=$(pg_fingerprint ops)
for s in "$L" "$P"; do
    expect_exit 0 -- "$CIM" check siting "$s" --site "$T/site.geojson" "${CONTROLS[@]}" --json
    cp "$OUT" "$T/r.$([ "$s" = "$L" ] && echo l || echo p)"
done
expect_eq "a check without --out only reads" "$before" "$(pg_fingerprint ops)"
expect_eq "verdict" "$(json_get "$T/r.l" "d['verdict']")" "$(json_get "$T/r.p" "d['verdict']")"
expect_eq "the site crosses the eco line" "不符合" "$(json_get "$T/r.p" "d['verdict']")"
for l in eco_line blocklines parcels; do
    pick="[l for l in d['layers'] if l['layer'] == '$l'][0]"
    echo "$(json_get "$T/r.l" "$pick['overlap_m2']")" >"$T/o.l"
    echo "$(json_get "$T/r.p" "$pick['overlap_m2']")" >"$T/o.p"
    rows_match "$l: overlap as on SpatiaLite" "$T/o.l" "$T/o.p"
    pg_sql ops "SELECT ST_Area(ST_Intersection(ST_GeomFromText('$SITE_WKT', 4547), (SELECT ST_Union(geom) FROM $l)))" >"$T/o.ref"
    rows_match "$l: overlap = PostGIS ST_Area(ST_Intersection(site, ST_Union()))" "$T/o.ref" "$T/o.p"
    expect_eq "$l: features hit" \
        "$(json_get "$T/r.l" "','.join(str(f['fid']) for f in $pick['features'])")" \
        "$(json_get "$T/r.p" "','.join(str(f['fid']) for f in $pick['features'])")"
    expect_eq "$l: effect" "$(json_get "$T/r.l" "$pick['effect']")" "$(json_get "$T/r.p" "$pick['effect']")"
done

# A site from a store layer with a filter, and pieces written out.
pid=$(pg_sql ops "SELECT parcel_id FROM parcels WHERE ST_Intersects(geom, ST_GeomFromText('$SITE_WKT', 4547)) ORDER BY fid LIMIT 1")
for s in "$L" "$P"; do
    expect_exit 0 -- "$CIM" check siting "$s" --site-layer parcels --where "parcel_id = '$pid'" \
        --control eco_line:forbidden --control blocklines:restricted --out pieces --json
    cp "$OUT" "$T/w.$([ "$s" = "$L" ] && echo l || echo p)"
done
expect_eq "--where site area" "$(json_get "$T/w.l" "'%.6f' % d['site']['area_m2']")" "$(json_get "$T/w.p" "'%.6f' % d['site']['area_m2']")"
Q="SELECT layer, rule, severity, part, CAST(conflict AS INTEGER), area_m2, pct, features FROM pieces ORDER BY fid"
both_rows "--out pieces" "$Q" "$Q"
before=$(pg_fingerprint ops)
expect_exit 2 -- "$CIM" check siting "$P" --site-layer parcels --where "nosuch = 1" --control eco_line:forbidden
# The filter runs in a read-only transaction (SQLite's authorizer there),
# and a prepared statement takes one command.
expect_exit 2 -- "$CIM" check siting "$P" --site-layer parcels --where "nextval(pg_get_serial_sequence('cim_runs', 'id')) > 0" --control eco_line:forbidden
expect_stderr_contains "site layer 'parcels': store"
expect_stderr_contains "cannot execute nextval() in a read-only transaction"
expect_exit 2 -- "$CIM" check siting "$P" --site-layer parcels --where "1); DELETE FROM parcels; SELECT (1" --control eco_line:forbidden
expect_exit 3 -- "$CIM" check siting "$P" --site "$T/site.geojson" --control nosuch:forbidden --out bad
expect_eq "schema unchanged" "$before" "$(pg_fingerprint ops)"
finish
