#!/usr/bin/env bash
# A real client: the sample district's tiles (PMTiles, and a z/x/y directory)
# served on localhost and drawn by MapLibre GL JS in headless Chromium, from
# the page `cim tiles --preview` writes. The canvas must show the features
# (non-background pixels above a threshold) and MapLibre must have decoded
# the parcels SQLite counts in view; an empty tileset drawn the same way is
# the control that shows the check can fail.
. "$(dirname "$0")/../cli/lib.sh"

NODE_DIR=$CIM_SOURCE_ROOT/tests/node
export CIM_NODE_DIR=$NODE_DIR
if [ ! -d "$NODE_DIR/node_modules/maplibre-gl" ] || [ ! -x /usr/bin/chromium ]; then
    fail "needs tests/node/node_modules and /usr/bin/chromium: run scripts/install-deps.sh"
    finish
fi
site=$T/site
mkdir -p "$site/lib"
cp "$NODE_DIR/node_modules/maplibre-gl/dist/maplibre-gl.js" "$NODE_DIR/node_modules/maplibre-gl/dist/maplibre-gl.css" \
    "$NODE_DIR/node_modules/pmtiles/dist/pmtiles.js" "$site/lib/"

"$CIM" sample "$T/d" --quiet
new_store s.cim
s=$T/s.cim
for l in parcels roads stations; do
    "$CIM" ingest "$s" "$T/d/$l.geojson" --quiet || fail "ingest $l"
done
n_parcels=$(sql "$s" "SELECT count(*) FROM parcels")

render() { # PAGE_DIR -> JSON in $T/r.json
    node "$CIM_SOURCE_ROOT/tests/browser/render.mjs" "$1" index.html parcels roads stations >"$T/r.json" 2>"$T/r.err"
}

# PMTiles through the pmtiles protocol
expect_exit 0 -- "$CIM" tiles "$s" --layer parcels,roads,stations --minzoom 10 --maxzoom 16 -o "$site/t.pmtiles" \
    --preview "$site" --quiet
expect_true "index.html written" test -s "$site/index.html"
if render "$site"; then pass; else fail "render failed: $(head -c 600 "$T/r.err")"; fi
share=$(json_get "$T/r.json" "d['share']")
expect_true "PMTiles: features drawn ($share of the canvas, threshold 0.2)" awk -v s="$share" 'BEGIN {exit !(s > 0.2)}'
expect_eq "PMTiles: MapLibre decoded every parcel (the whole district is in view)" "$n_parcels" \
    "$(json_get "$T/r.json" "d['features']['parcels']")"
expect_eq "PMTiles: roads and stations decoded" "$(sql "$s" "SELECT count(*) FROM roads") $(sql "$s" "SELECT count(*) FROM stations")" \
    "$(json_get "$T/r.json" "'%d %d' % (d['features']['roads'], d['features']['stations'])")"
expect_eq "no page errors" "[]" "$(json_get "$T/r.json" "d['errors']")"

# a directory of z/x/y.pbf
dsite=$T/dsite
mkdir -p "$dsite"
cp -r "$site/lib" "$dsite/"
expect_exit 0 -- "$CIM" tiles "$s" --layer parcels --minzoom 10 --maxzoom 16 -o "$dsite/tiles" --preview "$dsite" --quiet
if render "$dsite"; then pass; else fail "render (directory) failed: $(head -c 600 "$T/r.err")"; fi
share=$(json_get "$T/r.json" "d['share']")
expect_true "directory: features drawn ($share of the canvas)" awk -v s="$share" 'BEGIN {exit !(s > 0.2)}'

# control: a tileset without features draws nothing but the background
new_store e.cim
echo '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[113.95,22.54]}}]}' >"$T/one.geojson"
"$CIM" ingest "$T/e.cim" "$T/one.geojson" --layer parcels --quiet
esite=$T/esite
mkdir -p "$esite"
cp -r "$site/lib" "$esite/"
expect_exit 0 -- "$CIM" tiles "$T/e.cim" --layer parcels --minzoom 10 --maxzoom 12 -o "$esite/t.pmtiles" --preview "$esite" --quiet
if render "$esite"; then pass; else fail "render (control) failed: $(head -c 600 "$T/r.err")"; fi
share=$(json_get "$T/r.json" "d['share']")
expect_true "control: one point draws under 1% of the canvas ($share)" awk -v s="$share" 'BEGIN {exit !(s < 0.01)}'

finish
