#!/usr/bin/env bash
# cim tiles3d on the sample district's buildings, checked by independent
# readers: Khronos glTF-Validator (npm gltf-validator) on every GLB (and on a
# corrupted copy, to show it can fail); tiles3d_check.py (tileset structure,
# every vertex through the tile transform and PROJ's cs2cs inside its tile's
# region, each building's roof area, height and ECEF centroid against
# SpatiaLite's ST_Area / height_m / ST_Centroid to 4326, with a shifted
# control that must fail); counts against SQL; the property table against
# the store; the error paths (exit codes, store unchanged, no output left).
. "$(dirname "$0")/lib.sh"

NODE_DIR=$CIM_SOURCE_ROOT/tests/node
if [ ! -d "$NODE_DIR/node_modules/gltf-validator" ]; then
    fail "tests/node/node_modules/gltf-validator is missing: run scripts/install-deps.sh"
fi
check() { "$PYTHON" "$CIM_SOURCE_ROOT/tests/cli/tiles3d_check.py" "$@"; }
validate() { node "$NODE_DIR/gltf_validate.mjs" "$@"; }
val() { sed -n "s/^$1 //p" "$2"; }

d=$T/district
"$CIM" sample "$d" --quiet
new_store s.cim
s=$T/s.cim
for l in buildings roads; do
    "$CIM" ingest "$s" "$d/$l.geojson" --quiet || fail "ingest $l"
done
before=$(store_fingerprint "$s")

# --- the tileset, small leaves so the tree has depth
expect_exit 0 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/3d" --max-features-per-tile 200 --json
cp "$OUT" "$T/sum.json"
expect_unchanged "tiles3d reads only" "$s" "$before"
expect_eq "buildings written: those with height_m > 0 (SQL)" \
    "$(sql "$s" "SELECT count(*) FROM buildings WHERE height_m > 0")" "$(json_get "$T/sum.json" "d['buildings']")"
expect_eq "skipped for no height: null, zero or negative (SQL)" \
    "$(sql "$s" "SELECT count(*) FROM buildings WHERE height_m IS NULL OR height_m <= 0")" \
    "$(json_get "$T/sum.json" "d['skipped_no_height']")"
expect_true "some buildings have no height in the sample (the skip is exercised)" \
    test "$(json_get "$T/sum.json" "d['skipped_no_height']")" -gt 0
expect_eq "GLB files: the content tiles counted" "$(json_get "$T/sum.json" "d['content_tiles']")" \
    "$(find "$T/3d/t" -name '*.glb' | wc -l)"
expect_eq "bytes: the files' sizes" "$(json_get "$T/sum.json" "d['bytes']")" \
    "$(find "$T/3d" -type f -printf '%s\n' | awk '{s += $1} END {print s}')"

# --- Khronos glTF-Validator on every GLB: no errors, no warnings
validate "$T"/3d/t/*.glb >"$T/val.json"
expect_eq "glTF-Validator: every GLB read" "$(find "$T/3d/t" -name '*.glb' | wc -l)" "$(json_get "$T/val.json" "d['files']")"
expect_eq "glTF-Validator: errors" 0 "$(json_get "$T/val.json" "d['errors']")"
expect_eq "glTF-Validator: warnings" 0 "$(json_get "$T/val.json" "d['warnings']")"
[ "$(json_get "$T/val.json" "d['errors']")" = 0 ] || json_get "$T/val.json" "d['first']"
# control: an index pointing past the vertices must be an error
"$PYTHON" - "$T/3d/t/0.glb" "$T/bad.glb" <<'EOF'
import json, struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
jlen = struct.unpack_from('<I', data, 12)[0]
doc = json.loads(bytes(data[20:20 + jlen]))
acc = doc['accessors'][doc['meshes'][0]['primitives'][0]['indices']]
off = 28 + jlen + doc['bufferViews'][acc['bufferView']].get('byteOffset', 0)
struct.pack_into('<I', data, off, 10**9)
open(sys.argv[2], 'wb').write(data)
EOF
validate "$T/bad.glb" >"$T/val_bad.json"
expect_true "glTF-Validator control: a corrupted GLB has errors" \
    test "$(json_get "$T/val_bad.json" "d['errors']")" -gt 0

# --- structure, containment, and every building against SpatiaLite
spatial_sql "$s" "SELECT building_id, ST_Area(geom), height_m, ST_X(ST_Transform(ST_Centroid(geom), 4326)),
    ST_Y(ST_Transform(ST_Centroid(geom), 4326)) FROM buildings WHERE height_m > 0" >"$T/expected.csv"
check "$T/3d" "$T/expected.csv" >"$T/check.txt" || fail "tiles3d_check.py failed: $(tail -3 "$T/check.txt")"
for k in bad_nesting bad_error_order missing_content outside_region bad_area bad_height bad_position; do
    expect_eq "tileset check: $k" 0 "$(val "$k" "$T/check.txt")"
done
expect_eq "tileset check: every building found in the GLBs" "$(wc -l <"$T/expected.csv")" "$(val buildings "$T/check.txt")"
expect_true "tileset check: vertices read" test "$(val vertices "$T/check.txt")" -gt 10000
expect_true "leaves hold at most 200 buildings" test "$(val max_features "$T/check.txt")" -le 200
expect_true "the tree has depth" test "$(val max_depth "$T/check.txt")" -ge 2
# control: footprint centroids moved 2 m east must fail the position check
awk -F'|' -v OFS='|' '{ $4 = sprintf("%.12f", $4 + 2 / (111320 * cos($5 * 3.14159265 / 180))); print }' "$T/expected.csv" >"$T/shifted.csv"
check "$T/3d" "$T/shifted.csv" >"$T/check_bad.txt"
expect_eq "position control: every shifted building fails" "$(wc -l <"$T/expected.csv")" \
    "$(val bad_position "$T/check_bad.txt")"

# --- the property table: --fields keeps those columns, typed from the layer
expect_exit 0 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/3f" --fields building_id,storeys,use --quiet
expect_eq "--quiet prints nothing" "" "$(cat "$OUT")"
"$PYTHON" - "$T/3f/t/0.glb" >"$T/props.txt" <<'EOF'
import json, struct, sys
data = open(sys.argv[1], 'rb').read()
jlen = struct.unpack_from('<I', data, 12)[0]
doc = json.loads(data[20:20 + jlen])
binary = data[28 + jlen:]
meta = doc['extensions']['EXT_structural_metadata']
cls = meta['schema']['classes']['building']['properties']
print('props', ','.join(cls))
print('types', ','.join(p.get('componentType', p['type']) for p in cls.values()))
t = meta['propertyTables'][0]
def view(i):
    v = doc['bufferViews'][i]
    return binary[v['byteOffset']:v['byteOffset'] + v['byteLength']]
ids, offs = view(t['properties']['building_id']['values']), view(t['properties']['building_id']['stringOffsets'])
o = struct.unpack('<%dI' % (t['count'] + 1), offs)
st = struct.unpack('<%di' % t['count'], view(t['properties']['storeys']['values']))
print('row0', ids[o[0]:o[1]].decode(), st[0])
print('used', ','.join(doc['extensionsUsed']))
EOF
expect_eq "property table columns: --fields in order" "building_id,storeys,use" "$(val props "$T/props.txt")"
expect_eq "property types from the layer's columns" "STRING,INT32,STRING" "$(val types "$T/props.txt")"
read -r id0 st0 <<<"$(val row0 "$T/props.txt")"
expect_eq "row 0's storeys: the store's value for that building" \
    "$(sql "$s" "SELECT coalesce(storeys, -2147483648) FROM buildings WHERE building_id = '$id0'")" "$st0"
expect_eq "extensionsUsed" "EXT_mesh_features,EXT_structural_metadata" "$(val used "$T/props.txt")"

# --- heights from storeys where height_m is missing
expect_exit 0 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/3s" --storeys-field storeys --storey-height 3 --json
expect_eq "storeys x 3 m fills missing heights; the rest are skipped (SQL)" \
    "$(sql "$s" "SELECT count(*) FROM buildings WHERE coalesce(height_m, 0) <= 0 AND coalesce(storeys, 0) <= 0")" \
    "$(json_get "$OUT" "d['skipped_no_height']")"

# --- --base-field lifts each building: the root region's heights span min(base) .. max(base + height)
expect_exit 0 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/3b" --base-field storeys --quiet
read -r lo hi <<<"$(sql "$s" "SELECT min(coalesce(storeys, 0)) - 0.01, max(coalesce(storeys, 0) + height_m) + 0.01 FROM buildings WHERE height_m > 0" | tr '|' ' ')"
expect_near "root region's lowest base: min(storeys) (SQL)" "$lo" "$(json_get "$T/3b/tileset.json" "d['root']['boundingVolume']['region'][4]")" 1e-9
expect_near "root region's highest roof: max(storeys + height_m) (SQL)" "$hi" "$(json_get "$T/3b/tileset.json" "d['root']['boundingVolume']['region'][5]")" 1e-9

# --- the same files for any thread count
expect_exit 0 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/3d1" --max-features-per-tile 200 --threads 1 --quiet
expect_true "--threads 1 and the default write identical tilesets" diff -r "$T/3d" "$T/3d1"

# --- errors: exit codes, message, store unchanged, no output left behind
expect_exit 3 -- "$CIM" tiles3d "$s" --layer nosuch -o "$T/e1"
expect_true "missing layer named" grep -q "nosuch" "$ERR"
expect_exit 3 -- "$CIM" tiles3d "$s" --layer roads -o "$T/e2"
expect_true "not polygonal: says so" grep -q "not polygons" "$ERR"
expect_exit 3 -- "$CIM" tiles3d "$s" --layer buildings --fields building_id,nosuch -o "$T/e3"
expect_true "unknown field named" grep -q "'nosuch'" "$ERR"
expect_exit 3 -- "$CIM" tiles3d "$s" --layer buildings --height-field use -o "$T/e4"
expect_true "a text height field: not numeric" grep -q "not numeric" "$ERR"
expect_exit 2 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/e5" --max-features-per-tile 0
expect_exit 2 -- "$CIM" tiles3d "$s" --layer buildings
expect_exit 2 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/e6" --storey-height 3
expect_exit 2 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/e7" --bogus
: >"$T/afile"
expect_exit 4 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/afile/out"
expect_exit 4 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/afile"
for e in e1 e2 e3 e4 e5 e6 e7; do
    expect_true "no output left for $e" test ! -e "$T/$e"
done
expect_eq "no temporary directories left" "" "$(find "$T" -maxdepth 1 -name '*.tmp-*' -o -maxdepth 1 -name '*.old-*')"
expect_unchanged "errors leave the store as it was" "$s" "$before"
# a failed run keeps an older tileset; a good one replaces it
old=$(sha256sum <"$T/3d/tileset.json")
expect_exit 3 -- "$CIM" tiles3d "$s" --layer buildings --fields nosuch -o "$T/3d"
expect_eq "a failed run leaves the older tileset" "$old" "$(sha256sum <"$T/3d/tileset.json")"
expect_exit 0 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/3d" --quiet
expect_true "a good run replaces it (default leaf size: one tile)" \
    test "$(find "$T/3d/t" -name '*.glb' | wc -l)" -lt "$(find "$T/3d1/t" -name '*.glb' | wc -l)"

# --- a pipeline step (cim run): written, then skipped while the layer is unchanged
cat >"$T/p.json" <<'EOF'
{"store": "s.cim", "steps": [
  {"name": "b3d", "command": "tiles3d", "layer": "buildings", "output": "p3d", "fields": "building_id"}]}
EOF
expect_exit 0 -- "$CIM" run "$T/p.json" --json
expect_eq "pipeline step ran" ok "$(json_get "$OUT" "d['steps'][0]['status']")"
expect_true "pipeline step wrote the tileset" test -s "$T/p3d/tileset.json"
expect_exit 0 -- "$CIM" run "$T/p.json" --json
expect_eq "pipeline step skipped when unchanged" skipped "$(json_get "$OUT" "d['steps'][0]['status']")"

finish
