#!/usr/bin/env bash
# cim indicators end to end: the sample district checked against SpatiaLite
# SQL on the same store (coverage, FAR, setback, spacing, counts), the same
# result for 1 and 4 threads, limits and --strict, real PLATEAU buildings
# (Yokosuka) in hand-drawn parcels, and bad input leaving the store unchanged.
. "$(dirname "$0")/lib.sh"

S=$T/s.cim
"$CIM" sample "$T/d" --parcels 300 >/dev/null
new_store s.cim
for l in parcels buildings stations; do
    expect_exit 0 -- "$CIM" ingest "$S" "$T/d/$l.geojson" --layer "$l" --quiet
done

expect_exit 0 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from sz --json --threads 1
expect_true "--json output is JSON" json_valid "$OUT"
cp "$OUT" "$T/ind.json"
expect_eq "parcels" "$(sql "$S" "SELECT count(*) FROM parcels WHERE geom IS NOT NULL")" "$(json_get "$T/ind.json" 'd["parcels"]')"
expect_eq "rows" "$(sql "$S" "SELECT count(*) FROM parcels")" "$(sql "$S" "SELECT count(*) FROM indicators")"
expect_eq "skipped buildings = footprints with neither height nor storeys" \
    "$(sql "$S" "SELECT count(*) FROM buildings WHERE geom IS NOT NULL AND height_m IS NULL AND storeys IS NULL")" \
    "$(json_get "$T/ind.json" 'd["skipped_buildings"]')"
expect_eq "per-parcel skipped add up (no building straddles in the sample)" \
    "$(json_get "$T/ind.json" 'd["skipped_buildings"]')" "$(sql "$S" "SELECT sum(skipped_buildings) FROM indicators")"
expect_eq "buildings over their parcel's height limit (sqlite3 join on parcel_id)" \
    "$(sql "$S" "SELECT count(*) FROM buildings b JOIN parcels p USING (parcel_id) WHERE b.height_m > p.height_limit_m")" \
    "$(json_get "$T/ind.json" 'd["buildings_over_height"]')"
expect_eq "parcels over the height limit" \
    "$(sql "$S" "SELECT count(DISTINCT p.fid) FROM buildings b JOIN parcels p USING (parcel_id) WHERE b.height_m > p.height_limit_m")" \
    "$(json_get "$T/ind.json" 'd["height"]["violations"]')"
expect_eq "height_ok = 0 rows" "$(json_get "$T/ind.json" 'd["height"]["violations"]')" \
    "$(sql "$S" "SELECT count(*) FROM indicators WHERE height_ok = 0")"
expect_eq "far_ok = 0 rows" "$(json_get "$T/ind.json" 'd["far"]["violations"]')" \
    "$(sql "$S" "SELECT count(*) FROM indicators WHERE far_ok = 0")"
expect_eq "FAR violations by hand" "$(sql "$S" "SELECT count(*) FROM indicators WHERE far > far_limit")" \
    "$(json_get "$T/ind.json" 'd["far"]["violations"]')"
expect_eq "catalogue: derived layer" "derived|MULTIPOLYGON" \
    "$(sql "$S" "SELECT kind, geometry_type FROM cim_layers WHERE name = 'indicators'")"

# SpatiaLite on the same store: per parcel, the buildings whose part inside
# has an area, their clipped parts, floors by the documented rule.
REF="WITH sh AS (SELECT b.fid AS bfid, p.fid AS pfid, b.geom AS bg, p.geom AS pg, b.height_m AS h,
    ST_Intersection(b.geom, p.geom) AS clip,
    CASE WHEN b.storeys >= 1 THEN b.storeys
         WHEN b.height_m > 0 THEN max(1, round(b.height_m / (CASE
           WHEN b.use = 'residential' THEN 3.0
           WHEN b.use IN ('office', 'commercial', 'public') THEN 3.9
           WHEN b.use IN ('industrial', 'logistics', 'warehouse') THEN 5.0
           WHEN p.landuse LIKE 'R%' THEN 3.0
           WHEN p.landuse LIKE 'C%' OR p.landuse LIKE 'GIC%' THEN 3.9
           WHEN p.landuse LIKE 'M%' OR p.landuse LIKE 'W%' THEN 5.0 ELSE 3.0 END))) END AS floors
  FROM parcels p JOIN buildings b ON b.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'buildings'
    AND search_frame = p.geom) AND ST_Intersects(b.geom, p.geom)),
 inpar AS (SELECT * FROM sh WHERE ST_Area(clip) > 1e-6),
 ref AS (SELECT pfid, count(*) AS n, sum(coalesce(floors, 0) * ST_Area(clip)) / ST_Area(pg) AS far,
    ST_Area(ST_Intersection(ST_Union(bg), pg)) / ST_Area(pg) AS cov, max(h) AS maxh,
    min(ST_Distance(clip, ST_Boundary(pg))) AS setback FROM inpar GROUP BY pfid),
 sp AS (SELECT a.pfid AS pfid, min(ST_Distance(a.clip, b.clip)) AS spacing FROM inpar a JOIN inpar b
    ON a.pfid = b.pfid AND a.bfid < b.bfid GROUP BY a.pfid)
SELECT count(*),
  sum(i.building_count = coalesce(ref.n, 0)),
  max(abs(i.far - coalesce(ref.far, 0))) < 1e-9,
  max(abs(i.coverage - coalesce(ref.cov, 0))) < 1e-9,
  sum(i.max_height_m IS ref.maxh),
  max(abs(i.min_setback_m - ref.setback)) < 1e-9, sum((i.min_setback_m IS NULL) = (ref.setback IS NULL)),
  max(abs(i.min_spacing_m - sp.spacing)) < 1e-9, sum((i.min_spacing_m IS NULL) = (sp.spacing IS NULL)),
  sum(i.min_spacing_m IS NOT NULL), count(ref.n)
FROM indicators i LEFT JOIN ref ON ref.pfid = i.parcel_fid LEFT JOIN sp ON sp.pfid = i.parcel_fid"
n=$(sql "$S" "SELECT count(*) FROM indicators")
got=$(spatial_sql "$S" "$REF")
IFS='|' read -r rows n_ok far_ok cov_ok h_ok sb_ok sb_null sp_ok sp_null sp_count built <<<"$got"
expect_eq "reference rows" "$n" "$rows"
expect_eq "building_count = SpatiaLite's" "$n" "$n_ok"
expect_eq "far = SpatiaLite's within 1e-9" 1 "$far_ok"
expect_eq "coverage = ST_Area(ST_Intersection(ST_Union(b), p)) / ST_Area(p) within 1e-9" 1 "$cov_ok"
expect_eq "max_height_m = SpatiaLite's" "$n" "$h_ok"
expect_eq "min_setback_m = SpatiaLite's within 1e-9" 1 "$sb_ok"
expect_eq "min_setback_m NULL where SpatiaLite's is" "$n" "$sb_null"
expect_eq "min_spacing_m = SpatiaLite's within 1e-9" 1 "$sp_ok"
expect_eq "min_spacing_m NULL where SpatiaLite's is" "$n" "$sp_null"
expect_ne "some parcels have a spacing" 0 "$sp_count"
expect_ne "some parcels have buildings" 0 "$built"

# The same for any thread count.
expect_exit 0 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from sz --out ind4 \
    --threads 4 --quiet
expect_stdout_empty
COLS="parcel_fid, parcel_id, building_count, gfa_m2, far, coverage, max_height_m, min_setback_m, min_spacing_m,
      skipped_buildings, far_limit, coverage_limit, height_limit, far_ok, coverage_ok, height_ok, hex(geom)"
expect_eq "1 and 4 threads give the same rows" \
    "$(sql "$S" "SELECT $COLS FROM indicators ORDER BY fid" | sha256sum)" \
    "$(sql "$S" "SELECT $COLS FROM ind4 ORDER BY fid" | sha256sum)"

# Text summary and --strict.
expect_exit 0 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from sz --replace
expect_stdout_contains "parcels over their limit"
expect_stdout_contains "skipped"
viol=$(sql "$S" "SELECT count(*) FROM indicators WHERE far_ok = 0 OR height_ok = 0 OR coverage_ok = 0")
if [ "$viol" -gt 0 ]; then
    expect_exit 1 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from sz --replace --strict
else
    fail "the sample has no violation to exercise --strict"
fi
expect_exit 0 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --replace --strict
expect_eq "no limits: ok columns NULL" 0 "$(sql "$S" "SELECT count(*) FROM indicators WHERE far_ok IS NOT NULL")"
expect_exit 0 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --replace --json \
    --limits-from far=far_limit
expect_eq "explicit FAR field" "$(sql "$S" "SELECT count(*) FROM indicators WHERE far > far_limit")" \
    "$(json_get "$OUT" 'd["far"]["violations"]')"

# Bad input: exit 3 (2 for usage), the store unchanged.
before=$(store_fingerprint "$S")
expect_exit 3 -- "$CIM" indicators "$S" --parcels nope --buildings buildings
expect_error_format
expect_stderr_contains "nope"
expect_exit 3 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --height-field nope --out x
expect_stderr_contains "nope"
expect_exit 3 -- "$CIM" indicators "$S" --parcels parcels --buildings stations --out x
expect_stderr_contains "stations"
expect_exit 3 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from plateau --out x
expect_stderr_contains "floorAreaRate, buildingCoverageRate"
expect_exit 3 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from far=nope --out x
expect_exit 3 -- "$CIM" indicators "$S" --parcels parcels --buildings parcels --out x
expect_stderr_contains "neither a height nor a storeys field"
expect_exit 2 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings
expect_exit 2 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --out parcels
expect_exit 2 -- "$CIM" indicators "$S" --parcels parcels
expect_exit 2 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from bogus
expect_exit 2 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --threads 0
expect_unchanged "after failed runs" "$S" "$before"
# An empty buildings layer.
expect_exit 0 -- "$CIM" ingest "$S" "$T/d/buildings.geojson" --layer nobuildings --where "1 = 0" --quiet
before=$(store_fingerprint "$S")
expect_exit 3 -- "$CIM" indicators "$S" --parcels parcels --buildings nobuildings --out x
expect_stderr_contains "nobuildings"
expect_unchanged "after an empty layer" "$S" "$before"
expect_exit 0 -- "$CIM" indicators --help
expect_stdout_contains "usage: cim indicators"

# Real PLATEAU buildings (Yokosuka): LOD0 footprints through the GFS template,
# in two hand-drawn parcels split through the middle, against SpatiaLite.
GML=$CIM_SHARED_DATA/plateau/yokosuka_52397519_bldg.gml
GFS=$CIM_SHARED_DATA/../reference/plateau_bldg.gfs
if [ -f "$GML" ] && [ -f "$GFS" ]; then
    J=$T/j.cim
    ogr2ogr -f GPKG "$T/bldg.gpkg" "$GML" -oo GFS_TEMPLATE="$GFS" -oo WRITE_GFS=NO 2>/dev/null
    new_store j.cim --srid 6677
    expect_exit 0 -- "$CIM" ingest "$J" "$T/bldg.gpkg" --layer bldg --quiet
    read -r x0 y0 x1 y1 <<<"$(spatial_sql "$J" "SELECT MbrMinX(e) - 20, MbrMinY(e) - 20, MbrMaxX(e) + 20, MbrMaxY(e) + 20
        FROM (SELECT Extent(geom) AS e FROM bldg)" | tr '|' ' ')"
    xm=$(awk -v a="$x0" -v b="$x1" 'BEGIN { printf "%.3f", (a + b) / 2 }')
    cat >"$T/lots.geojson" <<EOF
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"parcel_id":"W"},"geometry":{"type":"Polygon","coordinates":[[[$x0,$y0],[$xm,$y0],[$xm,$y1],[$x0,$y1],[$x0,$y0]]]}},
{"type":"Feature","properties":{"parcel_id":"E"},"geometry":{"type":"Polygon","coordinates":[[[$xm,$y0],[$x1,$y0],[$x1,$y1],[$xm,$y1],[$xm,$y0]]]}}]}
EOF
    expect_exit 0 -- "$CIM" ingest "$J" "$T/lots.geojson" --layer lots --s-srs EPSG:6677 --quiet
    expect_exit 0 -- "$CIM" indicators "$J" --parcels lots --buildings bldg --json
    cp "$OUT" "$T/j.json"
    expect_eq "PLATEAU: footprints" "$(sql "$J" "SELECT count(*) FROM bldg WHERE geom IS NOT NULL")" \
        "$(json_get "$T/j.json" 'd["buildings"]')"
    expect_eq "PLATEAU: skipped" \
        "$(sql "$J" "SELECT count(*) FROM bldg WHERE geom IS NOT NULL AND (measuredHeight IS NULL OR measuredHeight <= 0)
                     AND (storeysAboveGround IS NULL OR storeysAboveGround < 1)")" \
        "$(json_get "$T/j.json" 'd["skipped_buildings"]')"
    expect_eq "PLATEAU: none outside" 0 "$(json_get "$T/j.json" 'd["buildings_outside_parcels"]')"
    # usage 411-415 residential, 401-404/421/422 office, 431/441/452 industrial, else 3.0 m
    expect_exit 0 -- "$CIM" indicators "$J" --parcels lots --buildings bldg --out lots_ind --quiet
    got=$(spatial_sql "$J" "WITH x AS (SELECT p.fid AS pfid, p.geom AS pg, b.geom AS bg,
        ST_Area(ST_Intersection(b.geom, p.geom)) AS a,
        CASE WHEN b.storeysAboveGround >= 1 THEN b.storeysAboveGround
             WHEN b.measuredHeight > 0 THEN max(1, round(b.measuredHeight / (CASE
               WHEN b.usage BETWEEN 411 AND 415 THEN 3.0
               WHEN b.usage BETWEEN 401 AND 404 OR b.usage IN (421, 422) THEN 3.9
               WHEN b.usage IN (431, 441, 452) THEN 5.0 ELSE 3.0 END))) END AS floors
        FROM lots p JOIN bldg b ON ST_Intersects(b.geom, p.geom)),
      ref AS (SELECT pfid, sum(coalesce(floors, 0) * a) / ST_Area(pg) AS far,
        ST_Area(ST_Intersection(ST_Union(bg), pg)) / ST_Area(pg) AS cov, count(*) AS n FROM x WHERE a > 1e-6 GROUP BY pfid)
      SELECT count(*), max(abs(i.far - ref.far)) < 1e-9, max(abs(i.coverage - ref.cov)) < 1e-9,
        sum(i.building_count = ref.n), sum(i.far > 0), sum(ref.n)
      FROM lots_ind i JOIN ref ON ref.pfid = i.parcel_fid")
    IFS='|' read -r prow pfar pcov pn pfar_pos pbuilt <<<"$got"
    expect_eq "PLATEAU: both lots have buildings" 2 "$prow"
    expect_eq "PLATEAU: FAR = SpatiaLite's within 1e-9" 1 "$pfar"
    expect_eq "PLATEAU: coverage = SpatiaLite's within 1e-9" 1 "$pcov"
    expect_eq "PLATEAU: building counts" 2 "$pn"
    expect_eq "PLATEAU: FAR positive" 2 "$pfar_pos"
    expect_eq "PLATEAU: building counts add up" "$pbuilt" "$(sql "$J" "SELECT sum(building_count) FROM lots_ind")"
    # Real PLATEAU zoning as parcels: Tokyo's UseDistrict has floorAreaRate only
    # (2..4, fractions), Kawasaki's both rates as fractions: read as they are.
    URF=$CIM_SHARED_DATA/plateau/tokyo23_533957_urf.gml
    ogr2ogr -f GPKG "$T/urf.gpkg" "$URF" UseDistrict -oo WRITE_GFS=NO 2>/dev/null
    expect_exit 0 -- "$CIM" ingest "$J" "$T/urf.gpkg" --layer tokyo_zoning --quiet
    expect_exit 0 -- "$CIM" indicators "$J" --parcels tokyo_zoning --buildings bldg --limits-from plateau --out tz --json
    expect_eq "Tokyo zoning: FAR limits are fractions" False "$(json_get "$OUT" 'd["far"]["limits_in_percent"]')"
    expect_eq "Tokyo zoning: every zone's FAR limit checked" "$(sql "$J" "SELECT count(*) FROM tokyo_zoning")" \
        "$(json_get "$OUT" 'd["far"]["checked"]')"
    expect_eq "Tokyo zoning: no coverage field, no coverage check" 0 "$(json_get "$OUT" 'd["coverage"]["checked"]')"
    expect_eq "Tokyo zoning: far_limit = floorAreaRate" 0 \
        "$(sql "$J" "SELECT count(*) FROM tz JOIN tokyo_zoning z ON z.fid = tz.parcel_fid WHERE tz.far_limit IS NOT z.floorAreaRate")"
    ogr2ogr -f GPKG "$T/kw.gpkg" "$CIM_SHARED_DATA/plateau/kawasaki_urf/533915_urf_6668_yoto_op.gml" -oo WRITE_GFS=NO 2>/dev/null
    expect_exit 0 -- "$CIM" ingest "$J" "$T/kw.gpkg" --layer kw_zoning --quiet
    expect_exit 0 -- "$CIM" indicators "$J" --parcels kw_zoning --buildings bldg --limits-from plateau --out kz --json
    expect_eq "Kawasaki zoning: coverage limits are fractions" False "$(json_get "$OUT" 'd["coverage"]["limits_in_percent"]')"
    expect_eq "Kawasaki zoning: coverage_limit = buildingCoverageRate" 0 \
        "$(sql "$J" "SELECT count(*) FROM kz JOIN kw_zoning z ON z.fid = kz.parcel_fid WHERE kz.coverage_limit IS NOT z.buildingCoverageRate")"
else
    echo "skip: PLATEAU data not found ($GML)"
fi

finish
