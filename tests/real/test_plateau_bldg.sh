#!/usr/bin/env bash
# PLATEAU CityGML buildings as a building layer (issue 4, item 4): footprints
# from lod0FootPrint (Yokosuka, through the GFS template) or the ground
# projection of the LOD1 solid (Sapporo, no template); height_m equal to
# measuredHeight, storeys from storeysAbove/BelowGround, source attributes
# kept, -9999 sentinels NULL. Areas are checked against GDAL + SpatiaLite
# (LOD0) and against the bottom faces of the solids read from the GML with
# Python and projected by PROJ's cs2cs (LOD1), within 0.5 m2 per building.
source "$(dirname "$0")/lib.sh"
PL=$DATA/plateau
tmpl=$DATA/../reference/plateau_bldg.gfs
gfs_before=$(find "$PL" -name '*.gfs' | wc -l)

# ---- Yokosuka: LOD0 footprints ----
s=$work/jp.cim
"$CIM" init "$s" --srid 6677 --quiet
check "'$CIM' ingest '$s' '$PL/yokosuka_52397519_bldg.gml' --layer y --oo GFS_TEMPLATE='$tmpl' --kind bim --role buildings --quiet" \
    "ingest yokosuka buildings"
check_eq "$(q "$s" "SELECT count(*) FROM y")" "$(ogr_count "$PL/yokosuka_52397519_bldg.gml" -oo GFS_TEMPLATE="$tmpl" Building)" \
    "yokosuka count vs ogrinfo"
check_eq "$(q "$s" "SELECT count(*) FROM y WHERE measuredHeight IS NOT NULL AND height_m = measuredHeight")" \
    "$(q "$s" "SELECT count(*) FROM y WHERE measuredHeight IS NOT NULL")" "height_m equals measuredHeight"
check_eq "$(q "$s" "SELECT count(*) FROM y WHERE storeysAboveGround IS NOT storeys_above")" 0 "storeys_above equals storeysAboveGround"
check_eq "$(q "$s" "SELECT count(*) FROM y WHERE geom IS NOT NULL AND ST_IsValid(geom) = 1 AND footprint_method = 'lod0FootPrint'")" \
    "$(q "$s" "SELECT count(*) FROM y WHERE geom IS NOT NULL")" "footprints valid, from lod0FootPrint"
check_eq "$(q "$s" "SELECT DISTINCT geometry_type || ' ' || kind FROM cim_layers WHERE name = 'y'")" "MULTIPOLYGON bim" "catalogue"
ogr2ogr -f CSV "$work/y_gdal.csv" "$PL/yokosuka_52397519_bldg.gml" -oo WRITE_GFS=NO -oo GFS_TEMPLATE="$tmpl" -dialect SQLite \
    -sql "SELECT gml_id, ST_Area(ST_Transform(CastToXY(lod0footprint), 6677)) AS a FROM Building WHERE lod0footprint IS NOT NULL" 2>/dev/null
q "$s" "SELECT gml_id, ST_Area(geom) FROM y WHERE geom IS NOT NULL" >"$work/y_cim.csv"
worst=$(python3 - "$work/y_gdal.csv" "$work/y_cim.csv" <<'PY'
import csv, sys
gdal = {r['gml_id']: float(r['a']) for r in csv.DictReader(open(sys.argv[1]))}
cim = {r[0]: float(r[1]) for r in csv.reader(open(sys.argv[2]))}
print(len(gdal), len(cim) if set(gdal) == set(cim) else -1, '%.6f' % max(abs(gdal[k] - cim[k]) for k in gdal))
PY
)
read -r ng nc dmax <<<"$worst"
echo "yokosuka: $ng footprints, worst area difference $dmax m2"
check_eq "$nc" "$ng" "yokosuka: the same buildings have footprints as in GDAL"
check "awk -v d=$dmax 'BEGIN { exit !(d <= 0.5) }'" "yokosuka: footprint areas within 0.5 m2 of GDAL + SpatiaLite (worst $dmax)"

# ---- Sapporo: the ground projection of LOD1 solids ----
h=$work/hk.cim
"$CIM" init "$h" --srid 6680 --quiet
check "'$CIM' ingest '$h' '$PL/sapporo_64413325_bldg.gml' --layer sp --quiet" "ingest sapporo buildings"
check_eq "$(q "$h" "SELECT count(*) FROM sp")" 25 "sapporo count"
check_eq "$(q "$h" "SELECT count(*) FROM sp WHERE ST_IsValid(geom) = 1 AND footprint_method LIKE 'ground projection of the lod1Solid%'")" 25 \
    "sapporo footprints valid, from the LOD1 solids"
check_eq "$(q "$h" "SELECT count(*) FROM sp WHERE height_m = measuredHeight")" "$(grep -c '<bldg:measuredHeight' "$PL/sapporo_64413325_bldg.gml")" \
    "sapporo heights equal measuredHeight"
check_eq "$(q "$h" "SELECT DISTINCT prefecture || '/' || city FROM sp")" "01/01110" "source attributes kept (codes as text)"
# The bottom face of each solid (the ring at its lowest z), from the GML itself.
python3 - "$PL/sapporo_64413325_bldg.gml" >"$work/faces.txt" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {'bldg': 'http://www.opengis.net/citygml/building/2.0', 'gml': 'http://www.opengis.net/gml'}
for b in ET.parse(sys.argv[1]).getroot().iter('{%s}Building' % ns['bldg']):
    gid = b.get('{%s}id' % ns['gml'])
    best = None
    for solid in b.iter('{%s}lod1Solid' % ns['bldg']):
        for pl in solid.iter('{%s}posList' % ns['gml']):
            v = [float(x) for x in pl.text.split()]
            pts = [(v[i], v[i + 1], v[i + 2]) for i in range(0, len(v), 3)]
            zs = {p[2] for p in pts}
            if len(zs) == 1 and (best is None or pts[0][2] < best[0][2]):
                best = pts
    for p in best:
        print(gid, p[0], p[1])
PY
awk '{print $2, $3}' "$work/faces.txt" | cs2cs -f %.4f EPSG:6668 EPSG:6680 | paste -d' ' <(awk '{print $1}' "$work/faces.txt") - >"$work/proj.txt"
q "$h" "SELECT gml_id, ST_Area(geom) FROM sp" >"$work/sp_cim.csv"
worst=$(python3 - "$work/proj.txt" "$work/sp_cim.csv" <<'PY'
import csv, sys
rings = {}
for line in open(sys.argv[1]):
    gid, x, y = line.split()[:3]
    rings.setdefault(gid, []).append((float(x), float(y)))
def area(r):
    return abs(sum(r[i][0] * r[(i + 1) % len(r)][1] - r[(i + 1) % len(r)][0] * r[i][1] for i in range(len(r)))) / 2
cim = {r[0]: float(r[1]) for r in csv.reader(open(sys.argv[2]))}
print(len(rings), '%.6f' % max(abs(area(rings[k]) - cim[k]) for k in rings))
PY
)
read -r nr dmax <<<"$worst"
echo "sapporo: $nr bottom faces, worst area difference $dmax m2"
check_eq "$nr" 25 "sapporo: 25 bottom faces read from the GML"
check "awk -v d=$dmax 'BEGIN { exit !(d <= 0.5) }'" "sapporo: footprint areas within 0.5 m2 of the solids' bottom faces (worst $dmax)"

# ---- sentinels: a copy with one measuredHeight set to -9999 ----
sed '0,/<bldg:measuredHeight uom="m">[^<]*</s//<bldg:measuredHeight uom="m">-9999</' "$PL/sapporo_64413325_bldg.gml" >"$work/sentinel.gml"
check "'$CIM' ingest '$h' '$work/sentinel.gml' --layer sentinel --quiet" "ingest the sentinel copy"
check_eq "$(q "$h" "SELECT count(*) FROM sentinel WHERE height_m IS NULL")" 4 "-9999 height is NULL (3 without + 1 sentinel)"
check_eq "$(q "$h" "SELECT count(*) FROM sentinel WHERE measuredHeight = -9999")" 0 "-9999 source attribute is NULL"
check_eq "$(find "$PL" -name '*.gfs' | wc -l)" "$gfs_before" "no .gfs written beside the GML"
finish
