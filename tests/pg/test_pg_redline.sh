#!/usr/bin/env bash
# cim check redline on a PostGIS store: the sample district's parcels and
# block lines give the same result rows and findings (fids, rules,
# severities, shares and areas to 1e-9) as on a SpatiaLite store, every
# share equals PostGIS's own ST_Area(ST_Intersection()) / ST_Area(), IBL-04
# reads a floor-area layer's lineage there, and bad input leaves the schema
# unchanged.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
OPS_LAYERS="parcels blocklines buildings"
. "$(dirname "$0")/ops_lib.sh"

# A minimum industrial floor-area share the sample's lines miss, so IBL-04
# (floor areas from an indicators layer, found by its lineage) reports.
printf 'industrial_gfa_share = 0.99\n' >"$T/gfa.rules"
for s in "$L" "$P"; do
    expect_exit 0 -- "$CIM" indicators "$s" --parcels parcels --buildings buildings --limits-from sz --out ind --quiet
    expect_exit 0 -- "$CIM" check redline "$s" --parcels parcels --lines blocklines --gfa-layer ind --rules "$T/gfa.rules" --json
    cp "$OUT" "$T/sum.$([ "$s" = "$L" ] && echo l || echo p)"
done
for k in parcels lines rows parcels_inside parcels_partial contained intersections slivers errors; do
    expect_eq "summary $k" "$(json_get "$T/sum.l" "d['$k']")" "$(json_get "$T/sum.p" "d['$k']")"
done
expect_ne "the sample has parcels inside block lines" 0 "$(json_get "$T/sum.p" "d['parcels_inside']")"
R="SELECT parcel_fid, line_fid, level, status, inside_share, inside_m2, landuse, landuse_plan
   FROM redline_result ORDER BY parcel_fid, line_fid"
both_rows "result rows" "$R" "$R"
F="SELECT rule, severity, parcel_fid, line_fid, message, figures FROM redline_result_findings
   ORDER BY rule, parcel_fid, line_fid, message"
both_rows "findings" "$F" "$F"
expect_ne "findings on PostGIS" 0 "$(pg_sql ops "SELECT count(*) FROM redline_result_findings")"
expect_ne "IBL-04 from the floor-area layer" 0 "$(pg_sql ops "SELECT count(*) FROM redline_result_findings WHERE rule = 'IBL-04'")"
spatial_sql "$L" "SELECT parcel_fid, line_fid, ST_Area(geom) FROM redline_result ORDER BY parcel_fid, line_fid" >"$T/a.l"
pg_sql ops "SELECT parcel_fid, line_fid, ST_Area(geom) FROM redline_result ORDER BY parcel_fid, line_fid" >"$T/a.p"
rows_match "result geometry areas" "$T/a.l" "$T/a.p"

# PostGIS's own answer: every share and area, and the pairs at least half inside.
expect_eq "shares and areas = PostGIS ST_Area(ST_Intersection())" "t|t" "$(pg_sql ops "
  SELECT max(abs(r.inside_share - ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom))) < 1e-9,
         max(abs(r.inside_m2 - ST_Area(ST_Intersection(p.geom, l.geom))) / ST_Area(p.geom)) < 1e-9
  FROM redline_result r JOIN parcels p ON p.fid = r.parcel_fid JOIN blocklines l ON l.fid = r.line_fid")"
expect_eq "pairs inside = PostGIS's GiST join" \
    "$(pg_sql ops "SELECT count(*) FROM parcels p JOIN blocklines l ON p.geom && l.geom
                   WHERE ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom) >= 0.5")" \
    "$(pg_sql ops "SELECT count(*) FROM redline_result WHERE status = 'inside'")"
expect_eq "catalogued as derived" "derived|MULTIPOLYGON|4547" \
    "$(pg_sql ops "SELECT kind || '|' || geometry_type || '|' || srid FROM cim_layers WHERE name = 'redline_result'")"
expect_eq "geometry column typed" "MULTIPOLYGON|4547" \
    "$(pg_sql ops "SELECT type || '|' || srid FROM geometry_columns WHERE f_table_schema = 'ops' AND f_table_name = 'redline_result'")"

# Bad input: exit codes as on SpatiaLite, the schema unchanged.
before=$(pg_fingerprint ops)
expect_exit 3 -- "$CIM" check redline "$P" --parcels nosuch --lines blocklines --out bad
expect_stderr_contains "parcel layer 'nosuch' not found"
expect_exit 3 -- "$CIM" check redline "$P" --parcels parcels --lines blocklines --level-field nosuch --out bad
expect_stderr_contains "has no field 'nosuch'"
expect_exit 2 -- "$CIM" check redline "$P" --parcels parcels --lines blocklines
expect_exit 3 -- "$CIM" check redline "$P" --parcels parcels --lines blocklines --gfa-layer parcels --out bad
expect_stderr_contains "not a result of 'cim indicators'"
expect_eq "schema unchanged" "$before" "$(pg_fingerprint ops)"
finish
