#!/usr/bin/env bash
# cim report --kind landuse on real Shenzhen data: the 491 traffic zones per
# district (10 districts; zones have no land-use field, so areas and counts
# per district), every district's covered area, zone count and own area
# against SpatiaLite's ST_Area(ST_Intersection()) on the same store, 1e-6
# relative; the CSV and JSON give the same figures.
. "$(dirname "$0")/lib.sh"
SZ=$DATA/shenzhen
store=$work/sz.cim
"$CIM" init "$store" --quiet || bad "init"
"$CIM" ingest "$store" "$SZ/districts_wgs84.geojson" --layer districts --quiet || bad "ingest districts"
"$CIM" ingest "$store" "$SZ/taz_491.geojson" --layer zones --quiet || bad "ingest zones"
"$CIM" report "$store" --kind landuse --layer zones --by districts --by-field qh -o "$work/r.json" --quiet || bad "report json"
"$CIM" report "$store" --kind landuse --layer zones --by districts --by-field qh -o "$work/r.csv" --quiet || bad "report csv"
sqlite3 -readonly -batch -noheader -cmd "SELECT load_extension('mod_spatialite');" "$store" "
  SELECT d.fid, d.qh, ST_Area(d.geom),
         (SELECT sum(ST_Area(ST_Intersection(z.geom, d.geom))) FROM zones z
           WHERE MbrIntersects(z.geom, d.geom) AND ST_Intersects(z.geom, d.geom)),
         (SELECT count(*) FROM zones z WHERE MbrIntersects(z.geom, d.geom) AND ST_Intersects(z.geom, d.geom)
             AND ST_Area(ST_Intersection(z.geom, d.geom)) > 0)
  FROM districts d ORDER BY d.fid" | sed '/^$/d' >"$work/ref.txt"
check_eq "$(wc -l <"$work/ref.txt")" 10 "ten districts in SpatiaLite"
out=$(python3 - "$work/r.json" "$work/ref.txt" "$work/r.csv" <<'EOF2'
import csv, json, sys
d = json.load(open(sys.argv[1]))
polys = {r[0]: r for r in d['tables'][1]['rows']}
rows = list(csv.reader(open(sys.argv[3], encoding='utf-8-sig')))
csv_area = {int(r[0]): float(r[5]) for r in rows[1:]}
bad = []
for line in open(sys.argv[2]):
    fid, name, parea, cover, n = line.rstrip('\n').split('|')
    fid, parea, cover, n = int(fid), float(parea), float(cover), int(n)
    p = polys[fid]
    if p[1] != name:
        bad.append('%d name %s vs %s' % (fid, p[1], name))
    for what, ours, ref in (('polygon', p[2], parea), ('covered', p[3], cover), ('csv covered', csv_area[fid], cover)):
        if abs(ours - ref) > max(1e-6 * ref, 0.006):
            bad.append('%d %s: ours %.3f, SpatiaLite %.3f' % (fid, what, ours, ref))
    if p[5] != n:
        bad.append('%d zones: ours %d, SpatiaLite %d' % (fid, p[5], n))
print(bad)
EOF2
)
check_eq "$out" "[]" "every district's area, zone area and zone count equal SpatiaLite's"
check_eq "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(any('no land-use field' in n for n in d['notes']))" "$work/r.json")" \
    True "the report says the zones have no land-use field"
finish
