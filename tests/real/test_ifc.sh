#!/usr/bin/env bash
# IFC files in ../shared/data/ifc against the independent parser web-ifc
# (npm web-ifc@0.0.78, through ../shared/reference/webifc_probe.mjs): storey
# count, elevations in metres, slab and wall counts per storey, space area
# quantities, and the building's plan extent within web-ifc's tessellated
# bounding box. Then the georeferencing: geographic-referencing.ifc lands at
# its IfcMapConversion easting/northing in EPSG:25832, duplex.ifc at its
# IfcSite latitude/longitude.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROBE=$(cd "$DATA/../reference" 2>/dev/null && pwd)/webifc_probe.mjs
NODE_DIR=$ROOT/tests/node
if ! command -v node >/dev/null || [ ! -f "$PROBE" ]; then
    echo "no node or no probe: skipped"
    exit 77
fi
if [ ! -d "$NODE_DIR/node_modules/web-ifc" ]; then
    npm install --no-audit --no-fund --prefix "$NODE_DIR" >"$work/npm.log" 2>&1 ||
        { echo "npm install failed (offline?): skipped"; cat "$work/npm.log"; exit 77; }
fi

for f in "$DATA"/ifc/*.ifc; do
    name=$(basename "$f" .ifc)
    s=$work/$name.cim
    "$CIM" init "$s" --srid 4547 --quiet || { bad "init for $name"; continue; }
    # One placement for all: the project origin at E 500000, N 2500000, so
    # the store's coordinates are the project's plus that offset.
    if ! "$CIM" ingest "$s" "$f" --layer b --georef EPSG:4547@500000,2500000 --quiet 2>"$work/err"; then
        bad "$name: ingest failed: $(cat "$work/err")"
        continue
    fi
    if ! WEBIFC_DIR=$NODE_DIR node "$PROBE" "$f" --json --bbox >"$work/$name.json" 2>"$work/probe.err"; then
        bad "$name: web-ifc probe failed: $(head -3 "$work/probe.err")"
        continue
    fi
    out=$(python3 - "$work/$name.json" "$s" <<'PY'
import json, subprocess, sys
probe = json.load(open(sys.argv[1]))
class Db:  # the sqlite3 shell with SpatiaLite: Python's module may not load extensions
    def __init__(self, path): self.path = path
    def execute(self, sql):
        out = subprocess.run(['sqlite3', '-readonly', '-batch', '-noheader', '-separator', '\t', '-cmd',
                              "SELECT load_extension('mod_spatialite');", self.path, sql],
                             capture_output=True, text=True, check=True).stdout
        rows = []
        for line in out.splitlines():
            if not line.strip():
                continue
            rows.append(tuple(None if v == '' else (float(v) if v.replace('.', '', 1).replace('-', '', 1).replace('e', '', 1).isdigit() else v) for v in line.split('\t')))
        return Result(rows)
class Result:
    def __init__(self, rows): self.rows = rows
    def fetchall(self): return self.rows
    def fetchone(self): return self.rows[0] if self.rows else (None,) * 8
db = Db(sys.argv[2])
def check(ok, what):
    print(('ok ' if ok else 'FAIL ') + what)
ours = db.execute("SELECT coalesce(name, ''), elevation_m, slabs, walls, floor_area_m2, area_source FROM b_storeys ORDER BY elevation_m, fid").fetchall()
ps = probe['storeys']
check(len(ours) == len(ps), f"storey count {len(ours)} vs web-ifc {len(ps)}")
# web-ifc sorts by the Elevation attribute; compare by storey name and elevation.
for p in ps:
    z = p['placementWorldZ'] if p['placementWorldZ'] is not None else p['elevationM']
    match = [o for o in ours if (o[0] or '') == (p['name'] or '') and abs(o[1] - z) < 1e-6]
    check(len(match) == 1, f"storey {p['name']!r} at {z} m (placement world z)")
    if match:
        o = match[0]
        check(o[2] == p['slabs'] and o[3] == p['walls'], f"storey {p['name']!r}: slabs/walls {o[2]}/{o[3]} vs {p['slabs']}/{p['walls']}")
        sums = p.get('spaceAreaSums') or {}
        if o[5] and o[5].startswith('IfcElementQuantity') and 'spaces' in o[5]:
            q = o[5].split(' ')[1] if not o[5].startswith('IfcElementQuantity GSA') else 'GSA BIM Area'
            check(q in sums and abs(sums[q] - o[4]) < 1e-6, f"storey {p['name']!r}: space area {o[4]} vs web-ifc {sums.get(q)}")
t = probe['totals']
tot = db.execute("SELECT coalesce(sum(slabs),0), coalesce(sum(walls),0) FROM b_storeys").fetchone()
check(tot == (float(t['slabsInStoreys']), float(t['wallsInStoreys'])), f"slabs/walls in storeys {tot} vs {(t['slabsInStoreys'], t['wallsInStoreys'])}")
bb = probe.get('bbox')
row = db.execute("SELECT ST_MinX(geom)-500000, ST_MinY(geom)-2500000, ST_MaxX(geom)-500000, ST_MaxY(geom)-2500000, ST_IsValid(geom), height_m FROM b").fetchone()
if bb and row[0] is not None:
    tol = 0.002
    inside = row[0] >= bb['min'][0] - tol and row[1] >= bb['min'][1] - tol and row[2] <= bb['max'][0] + tol and row[3] <= bb['max'][1] + tol
    check(inside, f"footprint extent {[round(v, 3) for v in row[:4]]} within web-ifc bbox {bb['min'][:2]}..{bb['max'][:2]}")
    # The structure spans most of what web-ifc tessellates (doors, railings
    # and furniture may stick out a little): at least 90 % of each side.
    cover = (row[2] - row[0]) >= 0.9 * (bb['max'][0] - bb['min'][0]) and (row[3] - row[1]) >= 0.9 * (bb['max'][1] - bb['min'][1])
    check(cover, f"footprint spans >= 90 % of web-ifc's bbox")
    check(row[4] == 1, "footprint valid")
    # Clipped bodies (IfcBooleanClippingResult) keep their unclipped first
    # operand, so our top can lie above web-ifc's: within 0.3 m.
    zmax = db.execute("SELECT max(elevation_m + height_m) FROM b_storeys").fetchone()[0]
    if zmax is not None:
        check(abs(zmax - bb['max'][2]) <= 0.3, f"top of the building {zmax:.3f} vs web-ifc {bb['max'][2]}")
PY
)
    while IFS= read -r line; do
        case $line in
        ok*) ok ;;
        FAIL*) bad "$name: ${line#FAIL }" ;;
        esac
    done <<<"$out"
done

# The issue's own numbers for duplex.ifc: 4 storeys at -1.25, 0, 3.1 and 6.0 m.
check_eq "$(sqlite3 "$work/duplex.cim" "SELECT group_concat(printf('%.2f', elevation_m), ' ') FROM (SELECT elevation_m FROM b_storeys ORDER BY elevation_m)")" \
    "-1.25 0.00 3.10 6.00" "duplex.ifc storey elevations"

# ---- georeferencing from the files themselves ----
g=$DATA/ifc/geographic-referencing.ifc
s=$work/geo.cim
"$CIM" init "$s" --srid 25832 --quiet
if "$CIM" ingest "$s" "$g" --layer geo --quiet 2>"$work/err"; then
    # The building element is a cone on the project origin: its centre is
    # the IfcMapConversion's Eastings/Northings (web-ifc reads 458658.78,
    # 5438232.79); a radius of 0.15 m shows the mm unit ratio was applied.
    c=$(sqlite3 -readonly -batch -noheader -cmd "SELECT load_extension('mod_spatialite');" "$s" \
        "SELECT printf('%.3f %.3f %.3f', ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)), (ST_MaxX(geom) - ST_MinX(geom)) / 2) FROM geo" | sed '/^$/d')
    probe=$(WEBIFC_DIR=$NODE_DIR node "$PROBE" "$g" --json | python3 -c "
import json, sys; m = json.load(sys.stdin)['mapConversions'][0]; print('%.3f %.3f' % (m['eastings'], m['northings']))")
    check_eq "${c% *}" "$probe" "geographic-referencing.ifc: centre vs web-ifc's IfcMapConversion"
    check_eq "${c##* }" "0.150" "geographic-referencing.ifc: cone radius (mm units)"
    check_eq "$(sqlite3 "$s" "SELECT georef_quality FROM geo")" "3" "georef quality of a map conversion"
else
    bad "geographic-referencing.ifc: $(cat "$work/err")"
fi

d=$DATA/ifc/duplex.ifc
s=$work/ll.cim
"$CIM" init "$s" --srid 32616 --quiet
if "$CIM" ingest "$s" "$d" --layer duplex --quiet 2>"$work/err"; then
    # No TrueNorth: project y is north. The project origin is the site's
    # RefLatitude/RefLongitude (web-ifc: 41.8744, -87.6394), here in UTM 16N
    # by PROJ's cs2cs; the footprint spans x 0..8.8 m, y -22.18..4.38 m from
    # it (the probe's bbox). Grid convergence (0.4 degrees) and the UTM scale
    # move corners by < 0.2 m over 26 m.
    # EPSG:4326 in cs2cs is latitude first.
    read -r e0 n0 < <(echo "41.8744 -87.63939999972223" | cs2cs -f %.3f EPSG:4326 EPSG:32616 | awk '{print $1, $2}')
    ext=$(sqlite3 -readonly -batch -noheader -cmd "SELECT load_extension('mod_spatialite');" "$s" \
        "SELECT printf('%.3f %.3f %.3f %.3f', ST_MinX(geom), ST_MinY(geom), ST_MaxX(geom), ST_MaxY(geom)) FROM duplex" | sed '/^$/d')
    read -r x0 y0 x1 y1 <<<"$ext"
    check "awk -v a=$x0 -v b=$e0 'BEGIN { d = a - b; exit !(d > -0.2 && d < 0.2) }'" "duplex: west edge $x0 at the site easting $e0"
    check "awk -v a=$x1 -v b=$e0 'BEGIN { d = a - b - 8.8; exit !(d > -0.2 && d < 0.2) }'" "duplex: east edge $x1 at the site easting + 8.8"
    check "awk -v a=$y0 -v b=$n0 'BEGIN { d = a - b + 22.183; exit !(d > -0.2 && d < 0.2) }'" "duplex: south edge $y0 at the site northing - 22.18"
    check "awk -v a=$y1 -v b=$n0 'BEGIN { d = a - b - 4.383; exit !(d > -0.2 && d < 0.2) }'" "duplex: north edge $y1 at the site northing + 4.38"
else
    bad "duplex.ifc with its site reference: $(cat "$work/err")"
fi
finish
