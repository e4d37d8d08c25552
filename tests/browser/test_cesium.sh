#!/usr/bin/env bash
# A real 3D Tiles client: the sample district's buildings as a tileset
# (cim tiles3d), served on localhost and drawn by CesiumJS in headless
# Chromium (tests/browser/cesium.mjs; no globe, imagery or terrain, nothing
# from the network). The canvas must show the buildings (non-background
# pixels above a threshold), CesiumJS must have loaded every building SQLite
# counts with a height (the whole district is in view) and read their ids
# from the property table; a tileset whose only building has no height is
# the control that shows the pixel check can fail. No page errors.
. "$(dirname "$0")/../cli/lib.sh"

NODE_DIR=$CIM_SOURCE_ROOT/tests/node
export CIM_NODE_DIR=$NODE_DIR
if [ ! -d "$NODE_DIR/node_modules/cesium/Build/Cesium" ] || [ ! -x /usr/bin/chromium ]; then
    fail "needs tests/node/node_modules (cesium) and /usr/bin/chromium: run scripts/install-deps.sh"
    finish
fi
draw() { # DIR -> JSON in $T/r.json
    node "$CIM_SOURCE_ROOT/tests/browser/cesium.mjs" "$1" "$lon" "$lat" 5000 building_id "$T/shot.png" \
        >"$T/r.json" 2>"$T/r.err"
}

"$CIM" sample "$T/d" --quiet
new_store s.cim
s=$T/s.cim
"$CIM" ingest "$s" "$T/d/buildings.geojson" --quiet || fail "ingest buildings"
read -r lon lat <<<"$(spatial_sql "$s" "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(ST_Envelope(ST_Collect(geom))), 4326) AS c FROM buildings)" | tr '|' ' ')"

expect_exit 0 -- "$CIM" tiles3d "$s" --layer buildings -o "$T/3d" --quiet
if draw "$T/3d"; then pass; else fail "cesium.mjs failed: $(head -c 600 "$T/r.err")"; fi
share=$(json_get "$T/r.json" "d['share']")
expect_true "buildings drawn ($share of the canvas, threshold 0.05)" awk -v s="$share" 'BEGIN {exit !(s > 0.05)}'
expect_eq "CesiumJS loaded every building with a height" \
    "$(sql "$s" "SELECT count(*) FROM buildings WHERE height_m > 0")" "$(json_get "$T/r.json" "d['features']")"
first=$(json_get "$T/r.json" "d['first']")
expect_eq "CesiumJS reads building_id from EXT_structural_metadata (a building of the store)" 1 \
    "$(sql "$s" "SELECT count(*) FROM buildings WHERE building_id = '$first'")"
expect_eq "no page errors" "[]" "$(json_get "$T/r.json" "d['errors']")"
expect_eq "nothing fetched from the network" "[]" "$(json_get "$T/r.json" "d['external']")"
[ -n "${CIM_KEEP_SCREENSHOT:-}" ] && cp "$T/shot.png" "$CIM_KEEP_SCREENSHOT"

# control: the only building has no height, so the tileset draws nothing
echo '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"building_id":"X","height_m":0},"geometry":{"type":"Polygon","coordinates":[[['"$lon"','"$lat"'],['"$lon"',22.6],[114.0,22.6],['"$lon"','"$lat"']]]}}]}' >"$T/none.geojson"
new_store e.cim
"$CIM" ingest "$T/e.cim" "$T/none.geojson" --layer buildings --quiet || fail "ingest control"
expect_exit 0 -- "$CIM" tiles3d "$T/e.cim" --layer buildings -o "$T/none" --quiet
if draw "$T/none"; then pass; else fail "cesium.mjs (control) failed: $(head -c 600 "$T/r.err")"; fi
share=$(json_get "$T/r.json" "d['share']")
expect_true "control: nothing drawn ($share of the canvas, under 0.01)" awk -v s="$share" 'BEGIN {exit !(s < 0.01)}'
expect_eq "control: no features" 0 "$(json_get "$T/r.json" "d['features']")"
finish
