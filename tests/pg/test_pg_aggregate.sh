#!/usr/bin/env bash
# cim aggregate on a PostGIS store: the sample district's parcels by land use
# (groups and contiguous blocks) give the same rows as on a SpatiaLite store
# (group order, counts, areas to 1e-9), each group's area equals PostGIS's
# ST_Area(ST_Union(geom)) ... GROUP BY, and bad input leaves the schema
# unchanged.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
OPS_LAYERS="parcels"
. "$(dirname "$0")/ops_lib.sh"

for s in "$L" "$P"; do
    expect_exit 0 -- "$CIM" aggregate "$s" --layer parcels --by landuse --out by_lu --quiet
    expect_exit 0 -- "$CIM" aggregate "$s" --layer parcels --by landuse --out blk --contiguous --quiet
    expect_exit 0 -- "$CIM" aggregate "$s" --layer parcels --by landuse,landuse_plan --out two --quiet
done
Q="SELECT landuse, parcel_count, area_m2, area_ha, area_mu FROM by_lu ORDER BY fid"
both_rows "groups" "$Q" "$Q"
Q="SELECT landuse, block, parcel_count, area_m2 FROM blk ORDER BY fid"
both_rows "contiguous blocks" "$Q" "$Q"
Q="SELECT landuse, landuse_plan, parcel_count, area_m2 FROM two ORDER BY fid"
both_rows "two fields (NULL plans among them)" "$Q" "$Q"
spatial_sql "$L" "SELECT landuse, block, ST_Area(geom), ST_NumGeometries(geom) FROM blk ORDER BY fid" >"$T/g.l"
pg_sql ops "SELECT landuse, block, ST_Area(geom), ST_NumGeometries(geom) FROM blk ORDER BY fid" >"$T/g.p"
rows_match "block geometries" "$T/g.l" "$T/g.p"
expect_ne "more than one land use" 1 "$(pg_sql ops "SELECT count(*) FROM by_lu")"

# PostGIS's own union per group.
pg_sql ops "SELECT landuse, ST_Area(ST_Union(geom)), count(*) FROM parcels GROUP BY landuse
            ORDER BY landuse NULLS FIRST" >"$T/ref"
pg_sql ops "SELECT landuse, area_m2, parcel_count FROM by_lu ORDER BY fid" >"$T/got"
rows_match "areas = PostGIS ST_Area(ST_Union()) GROUP BY" "$T/ref" "$T/got"
expect_eq "result geometry = the union's area" t "$(pg_sql ops "
  SELECT max(abs(ST_Area(b.geom) - u.a) / u.a) < 1e-9 FROM by_lu b
  JOIN (SELECT landuse, ST_Area(ST_Union(geom)) AS a FROM parcels GROUP BY landuse) u USING (landuse)")"

before=$(pg_fingerprint ops)
expect_exit 3 -- "$CIM" aggregate "$P" --layer nosuch --by landuse --out x
expect_exit 3 -- "$CIM" aggregate "$P" --layer parcels --by nosuch --out x
expect_exit 2 -- "$CIM" aggregate "$P" --layer parcels --by landuse --out by_lu
expect_eq "schema unchanged" "$before" "$(pg_fingerprint ops)"
finish
