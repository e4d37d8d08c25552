#!/usr/bin/env bash
# cim indicators on a PostGIS store: the sample district gives the same
# per-parcel rows as on a SpatiaLite store (counts, floor areas, FAR,
# coverage, setbacks, spacing, limits, verdicts; 1e-9), coverage equals
# PostGIS's ST_Area(ST_Intersection(ST_Union(buildings), parcel)) /
# ST_Area(parcel), and bad input leaves the schema unchanged.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
OPS_LAYERS="parcels buildings"
. "$(dirname "$0")/ops_lib.sh"

for s in "$L" "$P"; do
    expect_exit 0 -- "$CIM" indicators "$s" --parcels parcels --buildings buildings --limits-from sz --json
    cp "$OUT" "$T/sum.$([ "$s" = "$L" ] && echo l || echo p)"
done
for k in parcels buildings skipped_buildings; do
    expect_eq "summary $k" "$(json_get "$T/sum.l" "d.get('$k')")" "$(json_get "$T/sum.p" "d.get('$k')")"
done
COLS="parcel_fid, parcel_id, building_count, gfa_m2, far, coverage, max_height_m, min_setback_m, min_spacing_m,
      skipped_buildings, far_limit, coverage_limit, height_limit,
      CAST(far_ok AS INTEGER), CAST(coverage_ok AS INTEGER), CAST(height_ok AS INTEGER)"
both_rows "indicator rows" "SELECT $COLS FROM indicators ORDER BY fid" "SELECT $COLS FROM indicators ORDER BY fid"
spatial_sql "$L" "SELECT parcel_fid, ST_Area(geom) FROM indicators ORDER BY fid" >"$T/a.l"
pg_sql ops "SELECT parcel_fid, ST_Area(geom) FROM indicators ORDER BY fid" >"$T/a.p"
rows_match "indicator geometries" "$T/a.l" "$T/a.p"
expect_ne "parcels with buildings" 0 "$(pg_sql ops "SELECT count(*) FROM indicators WHERE building_count > 0")"

expect_eq "coverage = PostGIS's" "t" "$(pg_sql ops "
  SELECT max(abs(i.coverage - x.cov)) < 1e-9 FROM indicators i JOIN (
    SELECT p.fid, ST_Area(ST_Intersection(ST_Union(b.geom), p.geom)) / ST_Area(p.geom) AS cov
    FROM parcels p JOIN buildings b ON b.geom && p.geom AND ST_Intersects(b.geom, p.geom)
    GROUP BY p.fid, p.geom) x ON x.fid = i.parcel_fid")"
expect_eq "building counts = PostGIS's" "0" "$(pg_sql ops "
  SELECT count(*) FROM indicators i LEFT JOIN (
    SELECT p.fid, count(*) AS n FROM parcels p JOIN buildings b ON b.geom && p.geom
    WHERE ST_Area(ST_Intersection(b.geom, p.geom)) > 1e-6 GROUP BY p.fid) x ON x.fid = i.parcel_fid
  WHERE i.building_count <> coalesce(x.n, 0)")"

before=$(pg_fingerprint ops)
expect_exit 3 -- "$CIM" indicators "$P" --parcels nosuch --buildings buildings --out x
expect_exit 2 -- "$CIM" indicators "$P" --parcels parcels --buildings buildings --limits-from sz
expect_eq "schema unchanged" "$before" "$(pg_fingerprint ops)"
finish
