#!/usr/bin/env bash
# The sample's second pipeline, samples/district.publish.json, run after
# district.pipeline.json on the same store as the quick start does: what it
# writes equals the commands run by hand (the PMTiles archive byte for byte,
# also after a changed parcels source, when the tiles step patches the
# archive from its last run), the 3D tileset holds the buildings SQL counts,
# the reports hold the figures SQL gives; an unchanged second run skips all.
. "$(dirname "$0")/lib.sh"

d=$T/d
"$CIM" sample "$d/src" --parcels 3000 --quiet
cp "$CIM_SOURCE_ROOT/samples/district.pipeline.json" "$CIM_SOURCE_ROOT/samples/district.publish.json" "$d/"
store=$d/district.cim
statuses() { json_get "$OUT" "' '.join(s['status'] for s in d['steps'])"; }

expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --quiet
expect_exit 0 -- "$CIM" run "$d/district.publish.json" --json
expect_eq "publish: every step ran" "ok ok ok ok ok" "$(statuses)"

# The tiles, against a full build by hand with the same options (and file
# name: the metadata names the tileset after it).
mkdir -p "$T/hand" "$T/hand2"
expect_exit 0 -- "$CIM" tiles "$store" --layer parcels,roads,stations --minzoom 10 --maxzoom 16 \
    -o "$T/hand/district.pmtiles" --quiet
expect_true "PMTiles equal to the command's" cmp -s "$d/district.pmtiles" "$T/hand/district.pmtiles"
expect_true "preview page written beside the archive" grep -q district.pmtiles "$d/index.html"

# The 3D tileset: every building with a height, as SQL counts them.
with_height=$(sql "$store" "SELECT count(*) FROM buildings WHERE height_m > 0")
expect_eq "tileset.json is 3D Tiles 1.1" 1.1 "$(json_get "$d/3d/tileset.json" "d['asset']['version']")"
expect_eq "buildings in the GLBs (feature tables) = SQL count with a height" "$with_height" \
    "$("$PYTHON" - "$d/3d" <<'PY'
import json, struct, sys, pathlib
n = 0
for glb in pathlib.Path(sys.argv[1]).rglob('*.glb'):
    b = glb.read_bytes()
    clen = struct.unpack_from('<I', b, 12)[0]
    g = json.loads(b[20:20 + clen])
    n += sum(t['count'] for t in g['extensions']['EXT_structural_metadata']['propertyTables'])
print(n)
PY
)"

# The reports: the land-use page has its map; the redline CSV its parcels.
expect_true "land-use report has an SVG map" grep -q '<svg' "$d/landuse.html"
expect_true "redline CSV starts with a UTF-8 BOM" \
    [ "$(head -c 3 "$d/redline.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]

# Unchanged: all skipped.
expect_exit 0 -- "$CIM" run "$d/district.publish.json" --json
expect_eq "unchanged: all skipped" "skipped skipped skipped skipped skipped" "$(statuses)"

# A changed parcels source: the update pipeline re-ingests it, the tiles
# step patches the archive from its last run, the same bytes as a full build.
"$PYTHON" - "$d/src/parcels.geojson" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d['features'][0]['properties']
p['landuse'] = 'R2' if p['landuse'] != 'R2' else 'M1'
json.dump(d, open(sys.argv[1], 'w'))
PY
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --quiet
expect_exit 0 -- "$CIM" run "$d/district.publish.json" --json
expect_eq "after a parcels change: tiles, both land-use-reading reports re-run; 3D unchanged" \
    "ok skipped ok ok ok" "$(statuses)"
expect_exit 0 -- "$CIM" tiles "$store" --layer parcels,roads,stations --minzoom 10 --maxzoom 16 \
    -o "$T/hand2/district.pmtiles" --quiet
expect_true "patched PMTiles equal to a full build" cmp -s "$d/district.pmtiles" "$T/hand2/district.pmtiles"
expect_eq "and differ from the first build (cmp exit 1)" 1 \
    "$(cmp -s "$d/district.pmtiles" "$T/hand/district.pmtiles"; echo $?)"

finish
