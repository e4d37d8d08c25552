#!/usr/bin/env bash
# test_redline.sh: cim check redline end to end: hand-built parcels and lines
# with answers worked out by hand, every inside_share against SpatiaLite, the
# sample district's planted conversions, IBL-04 floor-area shares by hand
# (from a cim indicators layer), real PLATEAU zoning, 1 vs N threads, and bad
# input (exit codes, store unchanged).
. "$(dirname "$0")/lib.sh"

# ---- hand-built: metres in EPSG:4547, offsets from (500000, 2500000) ----
poly() { # x0 y0 x1 y1 -> a GeoJSON polygon geometry
    awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN {
        x0 = 500000 + a; y0 = 2500000 + b; x1 = 500000 + c; y1 = 2500000 + d;
        printf "{\"type\":\"Polygon\",\"coordinates\":[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}",
            x0, y0, x1, y0, x1, y1, x0, y1, x0, y0 }'
}
cat >"$T/lines.geojson" <<EOF
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"L1","level":1},"geometry":$(poly 0 0 100 100)},
{"type":"Feature","properties":{"name":"L2","level":2},"geometry":$(poly 200 0 300 100)}]}
EOF
# A: half in L1 (M1 -> R2: error); B: wholly in L1 (M0); C: wholly in L2 (M1 -> R2+C1:
# needs_approval); D: in L1 (M1 -> G1: warning); E: 10 % in L1 (partial);
# F: 0.5 m2 in L1 (a sliver); G: outside.
feat() { printf '{"type":"Feature","properties":{"pid":"%s","landuse":"%s","landuse_plan":"%s"},"geometry":%s}' "$1" "$2" "$3" "$4"; }
{
    echo '{"type":"FeatureCollection","features":['
    feat A M1 R2 "$(poly 50 0 150 20)"; echo ,
    feat B M0 M0 "$(poly 10 30 30 50)"; echo ,
    feat C M1 R2+C1 "$(poly 210 10 250 50)"; echo ,
    feat D M1 G1 "$(poly 60 50 80 70)"; echo ,
    feat E M1 M1 "$(poly 90 80 190 90)"; echo ,
    feat F M1 R2 "$(poly 99.5 95 199.5 96)"; echo ,
    feat G M1 R2 "$(poly 500 0 510 10)"
    echo ']}'
} >"$T/parcels.geojson"
new_store h.cim
H=$T/h.cim
"$CIM" ingest "$H" "$T/lines.geojson" --layer lines --s-srs EPSG:4547 --quiet
"$CIM" ingest "$H" "$T/parcels.geojson" --layer parcels --s-srs EPSG:4547 --quiet

expect_exit 1 -- "$CIM" check redline "$H" --parcels parcels --lines lines --strict --json
expect_true "summary is JSON" json_valid "$OUT"
pf() { sql "$H" "SELECT fid FROM parcels WHERE pid = '$1'"; }
row() { sql "$H" "SELECT $2 FROM redline_result WHERE parcel_fid = $(pf "$1")"; }
expect_near "A half inside: share" 0.5 "$(row A inside_share)" 1e-12
expect_eq "A status (0.5 >= inside_share 0.5)" inside "$(row A status)"
expect_near "A part inside: area by SpatiaLite" 1000 \
    "$(spatial_sql "$H" "SELECT ST_Area(geom) FROM redline_result WHERE parcel_fid = $(pf A)")" 1e-6
expect_eq "B wholly inside: share" 1.0 "$(row B inside_share)"
expect_eq "B status" inside "$(row B status)"
expect_near "E 10 % inside" 0.1 "$(row E inside_share)" 1e-12
expect_eq "E status" partial "$(row E status)"
expect_eq "F sliver (0.5 m2) not written" 0 "$(sql "$H" "SELECT count(*) FROM redline_result WHERE parcel_fid = $(pf F)")"
expect_eq "G outside not written" 0 "$(sql "$H" "SELECT count(*) FROM redline_result WHERE parcel_fid = $(pf G)")"
expect_eq "rows" 5 "$(sql "$H" "SELECT count(*) FROM redline_result")"
expect_eq "contained: B, C, D (no intersection)" 3 "$(json_get "$OUT" "d['contained']")"
expect_eq "intersections: A, E, F" 3 "$(json_get "$OUT" "d['intersections']")"
F2() { sql "$H" "SELECT severity FROM redline_result_findings WHERE rule = 'IBL-02' AND parcel_fid = $(pf "$1")"; }
expect_eq "A M1 -> R2 in level 1" error "$(F2 A)"
expect_eq "C M1 -> R2+C1 in level 2" needs_approval "$(F2 C)"
expect_eq "D M1 -> G1 (support)" warning "$(F2 D)"
expect_eq "B M0 -> M0: no IBL-02" "" "$(F2 B)"
expect_eq "E partial: IBL-01 info" info \
    "$(sql "$H" "SELECT severity FROM redline_result_findings WHERE rule = 'IBL-01' AND parcel_fid = $(pf E)")"
# IBL-03 by hand, line L1: M0 = B 400 m2; M1 = A 1000 + D 400 + E 100 (F is a
# sliver) -> 400 / 1900 = 0.210526 > cap 0.1. L2: M1 only -> 0.
expect_near "IBL-03 L1 M0 share" 0.2105263158 \
    "$(sql "$H" "SELECT json_extract(figures, '\$.m0_share') FROM redline_result_findings WHERE rule = 'IBL-03'")" 1e-9
expect_eq "IBL-03 only L1" "1|error" "$(sql "$H" "SELECT line_fid, severity FROM redline_result_findings WHERE rule = 'IBL-03'")"
# IBL-06: two 1 ha lines 100 m apart; gap 10 m -> two blocks under 10 ha.
expect_eq "IBL-06 two small blocks" 2 "$(sql "$H" "SELECT count(*) FROM redline_result_findings WHERE rule = 'IBL-06'")"
expect_eq "errors: A (IBL-02) + L1 (IBL-03)" 2 "$(json_get "$OUT" "d['errors']")"

printf '# caps\nm0_cap_level1 = 0.25\ncontiguity_gap_m = 100   # exactly the distance\n' >"$T/r1.rules"
expect_exit 0 -- "$CIM" check redline "$H" --parcels parcels --lines lines --rules "$T/r1.rules" --replace --quiet
expect_stdout_empty
expect_eq "cap 0.25: no IBL-03" 0 "$(sql "$H" "SELECT count(*) FROM redline_result_findings WHERE rule = 'IBL-03'")"
expect_eq "gap 100: one 2 ha block of lines 1,2" '[1,2]|20000.0' \
    "$(sql "$H" "SELECT json_extract(figures, '\$.lines'), round(json_extract(figures, '\$.area_m2'), 3) FROM redline_result_findings WHERE rule = 'IBL-06'")"
printf 'contiguity_gap_m = 100\nmin_block_area_m2 = 15000\ninside_share = 0.6\nconversion_severity_level2 = error\n' >"$T/r2.rules"
expect_exit 1 -- "$CIM" check redline "$H" --parcels parcels --lines lines --rules "$T/r2.rules" --replace --strict --quiet
expect_eq "inside_share 0.6: A partial" partial "$(row A status)"
expect_eq "level-2 severity from rules" error "$(F2 C)"
expect_eq "no IBL-06" 0 "$(sql "$H" "SELECT count(*) FROM redline_result_findings WHERE rule = 'IBL-06'")"
expect_eq "catalogue: derived layer and table" 2 \
    "$(sql "$H" "SELECT count(*) FROM cim_layers WHERE kind = 'derived' AND name IN ('redline_result', 'redline_result_findings')")"

# ---- IBL-05 area balance, by hand: before, level 1 was 0..120 (after: 0..100, 2000 m2
# removed) and level 2 200..280 (after: 200..300, 2000 m2 added, 1000 of it on the
# protected polygon 290..310); the 2 ha after are under the 270 km2 target. ----
cat >"$T/before.geojson" <<EOF
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"level":1},"geometry":$(poly 0 0 120 100)},
{"type":"Feature","properties":{"level":2},"geometry":$(poly 200 0 280 100)}]}
EOF
cat >"$T/eco.geojson" <<EOF
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":$(poly 290 0 310 100)}]}
EOF
"$CIM" ingest "$H" "$T/before.geojson" --layer lines_before --s-srs EPSG:4547 --quiet
"$CIM" ingest "$H" "$T/eco.geojson" --layer eco --s-srs EPSG:4547 --quiet
expect_exit 0 -- "$CIM" check redline "$H" --parcels parcels --lines lines --lines-before lines_before \
    --protected eco --out bal --json
F5() { sql "$H" "SELECT severity || ':' || json_extract(figures, '$1') FROM bal_findings WHERE rule = 'IBL-05' AND message LIKE '$2'"; }
expect_eq "level 1 loses 2000 m2" "error:-2000.0" "$(F5 '$.balance_m2' 'level 1:%balance%')"
expect_eq "level 2 gains 2000 m2" "info:2000.0" "$(F5 '$.balance_m2' 'level 2:%balance%')"
expect_eq "level 2 added on protected land" "error:1000.0" "$(F5 '$.added_on_protected_m2' 'level 2:%protected%')"
expect_eq "under the target" "warning:20000.0" \
    "$(sql "$H" "SELECT severity || ':' || json_extract(figures, '\$.after_m2') FROM bal_findings WHERE rule = 'IBL-05' AND message LIKE '%target%'")"
expect_eq "IBL-05 findings without parcel or line" 4 \
    "$(sql "$H" "SELECT count(*) FROM bal_findings WHERE rule = 'IBL-05' AND line_fid IS NULL AND parcel_fid IS NULL")"
expect_eq "IBL-05 errors in the summary" 2 "$(json_get "$OUT" "d['findings']['IBL-05']['error']")"
# The same figure from SpatiaLite: area(after - before), level 2.
expect_near "SpatiaLite: level-2 added" 2000 "$(spatial_sql "$H" "SELECT ST_Area(ST_Difference((SELECT ST_Union(geom) FROM lines WHERE level = 2), (SELECT ST_Union(geom) FROM lines_before WHERE level = 2)))")" 1e-6

# ---- bad input: exit codes, and the store unchanged ----
before=$(store_fingerprint "$H")
bad() { # CODE ARGS...
    local code=$1
    shift
    expect_exit "$code" -- "$CIM" check redline "$H" "$@"
    expect_error_format
}
bad 3 --parcels nope --lines lines
expect_stderr_contains "'nope' not found"
bad 3 --parcels parcels --lines lines --landuse-field nofield
expect_stderr_contains "no field 'nofield'"
bad 3 --parcels parcels --lines lines --level-field name
expect_stderr_contains "not a block-line level"
printf 'inside_share = 0.5\nbogus_key = 1\n' >"$T/bad1.rules"
bad 3 --parcels parcels --lines lines --rules "$T/bad1.rules" --replace
expect_stderr_contains "bad1.rules:2: unknown key 'bogus_key'"
printf '\nm0_cap_level1 = 1.5\n' >"$T/bad2.rules"
bad 3 --parcels parcels --lines lines --rules "$T/bad2.rules" --replace
expect_stderr_contains "bad2.rules:2: m0_cap_level1"
printf 'support_severity = fatal\n' >"$T/bad3.rules"
bad 3 --parcels parcels --lines lines --rules "$T/bad3.rules" --replace
bad 3 --parcels parcels --lines lines --rules "$T/none.rules" --replace
bad 2 --parcels parcels --lines lines
expect_stderr_contains "exists"
bad 2 --parcels parcels
bad 2 --parcels parcels --lines lines --threads 0
bad 2 --parcels parcels --lines lines --level 3
bad 2 --parcels parcels --lines lines --out parcels --replace
bad 2 --parcels parcels --lines lines --protected eco --replace
bad 3 --parcels parcels --lines lines --lines-before nope --replace
expect_exit 2 -- "$CIM" check nosuchkind "$H"
expect_unchanged "after bad input" "$H" "$before"

# non-polygon and empty layers
cat >"$T/road.geojson" <<EOF
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"level":1},
"geometry":{"type":"LineString","coordinates":[[500000,2500000],[500100,2500100]]}}]}
EOF
"$CIM" ingest "$H" "$T/road.geojson" --layer road --s-srs EPSG:4547 --quiet
"$CIM" ingest "$H" "$T/lines.geojson" --layer nolines --s-srs EPSG:4547 --where "name = 'none'" --quiet
before=$(store_fingerprint "$H")
bad 3 --parcels parcels --lines road --replace
expect_stderr_contains "polygons are needed"
expect_eq "empty layer ingested" 1 "$(sql "$H" "SELECT count(*) FROM cim_layers WHERE name = 'nolines' AND feature_count = 0")"
bad 3 --parcels parcels --lines nolines --replace
expect_stderr_contains "no features"
expect_unchanged "after non-polygon / empty layers" "$H" "$before"

# ---- IBL-04: industrial floor-area share, figures by hand ----
# L1 (level 1) holds P1 (M1) and P2 (R2), each 50 x 100 and wholly inside;
# L2 (level 2) holds P3 (M1) wholly and half of P4 (R2, 100 x 100 from x = 250).
# Buildings: on P1 20 x 20, 3 storeys (1200 m2); on P2 20 x 20, 6 storeys
# (2400 m2); on P3 10 x 10, 2 storeys (200 m2); on P4, in its half outside L2,
# 10 x 10, 1 storey (100 m2: weighted by P4's share 0.5 -> 50 m2 in L2).
# L1: 1200 / 3600 = 1/3 < 0.7 -> error; L2: 200 / 250 = 0.8 -> fine.
cat >"$T/g_lines.geojson" <<EOF
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"level":1},"geometry":$(poly 0 0 100 100)},
{"type":"Feature","properties":{"level":2},"geometry":$(poly 200 0 300 100)}]}
EOF
{
    echo '{"type":"FeatureCollection","features":['
    feat P1 M1 M1 "$(poly 0 0 50 100)"; echo ,
    feat P2 R2 R2 "$(poly 50 0 100 100)"; echo ,
    feat P3 M1 M1 "$(poly 200 0 250 100)"; echo ,
    feat P4 R2 R2 "$(poly 250 0 350 100)"
    echo ']}'
} >"$T/g_parcels.geojson"
bldg() { printf '{"type":"Feature","properties":{"storeys":%s},"geometry":%s}' "$1" "$2"; }
{
    echo '{"type":"FeatureCollection","features":['
    bldg 3 "$(poly 10 10 30 30)"; echo ,
    bldg 6 "$(poly 60 10 80 30)"; echo ,
    bldg 2 "$(poly 210 10 220 20)"; echo ,
    bldg 1 "$(poly 320 10 330 20)"
    echo ']}'
} >"$T/g_bldg.geojson"
new_store g.cim
G=$T/g.cim
for l in lines parcels bldg; do "$CIM" ingest "$G" "$T/g_$l.geojson" --layer "g_$l" --s-srs EPSG:4547 --quiet; done
expect_exit 0 -- "$CIM" indicators "$G" --parcels g_parcels --buildings g_bldg --out g_ind --quiet
expect_exit 1 -- "$CIM" check redline "$G" --parcels g_parcels --lines g_lines --gfa-layer g_ind --strict --json
expect_eq "IBL-04 errors" 1 "$(json_get "$OUT" "d['findings']['IBL-04']['error']")"
expect_eq "IBL-04 line" 1 "$(sql "$G" "SELECT line_fid FROM redline_result_findings WHERE rule = 'IBL-04'")"
expect_near "IBL-04 industrial GFA" 1200 "$(sql "$G" "SELECT json_extract(figures, '$.industrial_gfa_m2') FROM redline_result_findings WHERE rule = 'IBL-04'")" 1e-6
expect_near "IBL-04 all GFA" 3600 "$(sql "$G" "SELECT json_extract(figures, '$.gfa_m2') FROM redline_result_findings WHERE rule = 'IBL-04'")" 1e-6
expect_near "IBL-04 share" 0.333333333333 "$(sql "$G" "SELECT json_extract(figures, '$.industrial_share') FROM redline_result_findings WHERE rule = 'IBL-04'")" 1e-9
# L2's figures by hand, from SQL on the result layer: 200 / (200 + 0.5 x 100).
expect_near "L2 by hand" 0.8 "$(sql "$G" "SELECT sum(CASE WHEN r.landuse = 'M1' THEN i.gfa_m2 * r.inside_share ELSE 0 END) / sum(i.gfa_m2 * r.inside_share) FROM redline_result r JOIN g_ind i USING (parcel_fid) WHERE r.line_fid = 2")" 1e-9
# A looser minimum (rules file) passes L1 as well; without --gfa-layer IBL-04 is not reported.
printf 'industrial_gfa_share = 0.3\n' >"$T/g.rules"
expect_exit 0 -- "$CIM" check redline "$G" --parcels g_parcels --lines g_lines --gfa-layer g_ind --rules "$T/g.rules" --replace --strict --json
expect_eq "IBL-04 at 0.3" 0 "$(json_get "$OUT" "sum(d['findings']['IBL-04'].values())")"
expect_exit 0 -- "$CIM" check redline "$G" --parcels g_parcels --lines g_lines --replace --json
expect_eq "no IBL-04 without --gfa-layer" False "$(json_get "$OUT" "'IBL-04' in d['findings']")"
# Bad floor-area layers: missing, not from 'cim indicators', for other parcels, no land use.
"$CIM" ingest "$G" "$T/g_parcels.geojson" --layer g_other --s-srs EPSG:4547 --quiet
expect_exit 0 -- "$CIM" indicators "$G" --parcels g_other --buildings g_bldg --out g_ind_other --quiet
before=$(store_fingerprint "$G")
expect_exit 3 -- "$CIM" check redline "$G" --parcels g_parcels --lines g_lines --gfa-layer nope --replace
expect_stderr_contains "floor-area layer 'nope' not found"
expect_exit 3 -- "$CIM" check redline "$G" --parcels g_parcels --lines g_lines --gfa-layer g_bldg --replace
expect_stderr_contains "not a result of 'cim indicators'"
expect_exit 3 -- "$CIM" check redline "$G" --parcels g_parcels --lines g_lines --gfa-layer g_ind_other --replace
expect_stderr_contains "computed for parcels 'g_other', not 'g_parcels'"
expect_exit 2 -- "$CIM" check redline "$G" --parcels g_parcels --lines g_lines --gfa-layer g_ind --landuse-field - --replace
expect_stderr_contains "needs the parcels' land use"
expect_unchanged "after bad floor-area layers" "$G" "$before"

# ---- the sample district: every share against SpatiaLite ----
"$CIM" sample "$T/smp" --quiet
new_store s.cim
S=$T/s.cim
"$CIM" ingest "$S" "$T/smp/parcels.geojson" --layer parcels --quiet
"$CIM" ingest "$S" "$T/smp/blocklines.geojson" --layer blocklines --quiet
expect_exit 0 -- "$CIM" check redline "$S" --parcels parcels --lines blocklines --json --threads 1
expect_true "sample summary JSON" json_valid "$OUT"
spatial_sql "$S" "SELECT p.fid, l.fid, printf('%.12f', ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom))
    FROM parcels p JOIN blocklines l ON ST_Intersects(p.geom, l.geom)
    WHERE ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom) >= 0.5
       OR (ST_Area(ST_Intersection(p.geom, l.geom)) > 1 AND ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom) > 0.001)
    ORDER BY 1, 2" >"$T/splite.txt"
sql "$S" "SELECT parcel_fid, line_fid, printf('%.12f', inside_share) FROM redline_result ORDER BY 1, 2" >"$T/cim.txt"
expect_eq "same parcel x line pairs as SpatiaLite" "$(cut -d'|' -f1,2 "$T/splite.txt")" "$(cut -d'|' -f1,2 "$T/cim.txt")"
maxdiff=$(paste -d'|' "$T/splite.txt" "$T/cim.txt" | awk -F'|' '{ d = $3 - $6; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.3g", m + 0 }')
expect_near "max |inside_share - SpatiaLite|" 0 "$maxdiff" 1e-6
expect_ne "sample has rows" 0 "$(wc -l <"$T/splite.txt")"
# The sample plants conversions: M0/M1 wholly inside a line and planned R*/C*
# (its README gives the count); SpatiaLite finds them independently.
planted=$(sed -n 's/.*(proposed; \([0-9]*\) parcels.*/\1/p' "$T/smp/README.txt")
independent=$(spatial_sql "$S" "SELECT count(*) FROM parcels p JOIN blocklines l ON ST_Covers(l.geom, p.geom)
    WHERE p.landuse IN ('M0', 'M1') AND (substr(p.landuse_plan, 1, 1) IN ('R', 'C'))")
expect_eq "SpatiaLite finds the planted conversions" "$planted" "$independent"
expect_eq "IBL-02 error + needs_approval = planted" "$planted" \
    "$(json_get "$OUT" "d['findings']['IBL-02']['error'] + d['findings']['IBL-02']['needs_approval']")"
expect_eq "IBL-02 error = planted in level-1 lines" \
    "$(spatial_sql "$S" "SELECT count(*) FROM parcels p JOIN blocklines l ON ST_Covers(l.geom, p.geom)
        WHERE l.level = 1 AND p.landuse IN ('M0', 'M1') AND substr(p.landuse_plan, 1, 1) IN ('R', 'C')")" \
    "$(json_get "$OUT" "d['findings']['IBL-02']['error']")"
# 1 vs 3 threads: identical rows and findings.
expect_exit 0 -- "$CIM" check redline "$S" --parcels parcels --lines blocklines --out rl3 --threads 3 --quiet
expect_eq "1 vs 3 threads: rows" \
    "$(sql "$S" "SELECT group_concat(parcel_fid || ',' || line_fid || ',' || inside_share || ',' || hex(geom), ';') FROM (SELECT * FROM redline_result ORDER BY fid)" | sha256sum)" \
    "$(sql "$S" "SELECT group_concat(parcel_fid || ',' || line_fid || ',' || inside_share || ',' || hex(geom), ';') FROM (SELECT * FROM rl3 ORDER BY fid)" | sha256sum)"
expect_eq "1 vs 3 threads: findings" \
    "$(sql "$S" "SELECT group_concat(rule || severity || parcel_fid || line_fid || message || figures, ';') FROM (SELECT * FROM redline_result_findings ORDER BY fid)" | sha256sum)" \
    "$(sql "$S" "SELECT group_concat(rule || severity || parcel_fid || line_fid || message || figures, ';') FROM (SELECT * FROM rl3_findings ORDER BY fid)" | sha256sum)"

# ---- real data: PLATEAU Kawasaki zoning; industrial UseDistricts as lines ----
D=$CIM_SHARED_DATA/plateau/kawasaki_urf
if [ -r "$D/533915_urf_6668_yoto_op.gml" ]; then
    new_store k.cim --srid 6677
    K=$T/k.cim
    "$CIM" ingest "$K" "$D/533915_urf_6668_yoto_op.gml" --layer indus --where "function IN ('11','12','13')" --quiet
    "$CIM" ingest "$K" "$D/533915_urf_6668_kuiki_op.gml" --layer kuiki --quiet
    "$CIM" ingest "$K" "$D/533915_urf_6668_rinko_op.gml" --layer rinko --quiet
    for P in kuiki rinko; do
        expect_exit 0 -- "$CIM" check redline "$K" --parcels $P --lines indus --level 2 --landuse-field - \
            --proposed-field - --out rl_$P --quiet
        spatial_sql "$K" "SELECT p.fid, l.fid, printf('%.12f', ST_Area(ST_Intersection(p.geom, l.geom)) / ST_Area(p.geom))
            FROM $P p JOIN indus l ON ST_Intersects(p.geom, l.geom)
            WHERE ST_Area(ST_Intersection(p.geom, l.geom)) > 1 ORDER BY 1, 2" >"$T/k_splite.txt"
        sql "$K" "SELECT parcel_fid, line_fid, printf('%.12f', inside_share) FROM rl_$P ORDER BY 1, 2" >"$T/k_cim.txt"
        expect_ne "PLATEAU $P overlaps the industrial districts" 0 "$(wc -l <"$T/k_cim.txt")"
        expect_eq "PLATEAU $P: pairs as SpatiaLite" "$(cut -d'|' -f1,2 "$T/k_splite.txt")" "$(cut -d'|' -f1,2 "$T/k_cim.txt")"
        maxdiff=$(paste -d'|' "$T/k_splite.txt" "$T/k_cim.txt" | awk -F'|' '{ d = $3 - $6; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.3g", m + 0 }')
        expect_near "PLATEAU $P: max |share - SpatiaLite|" 0 "$maxdiff" 1e-6
    done
else
    echo "SKIP: PLATEAU data not found in $D"
fi

finish
