#!/usr/bin/env bash
# Real data tiled z8-16: the Shenzhen zones, POIs and OSM roads (EPSG:4547
# store) and PLATEAU zoning layers (EPSG:6677 store). GDAL's MBTiles driver
# finds every feature id at z16, no tile passes 500 KB, the low zooms that
# hit the limit say what they dropped, and the pmtiles package reads the
# PLATEAU archive's zooms and tile count.
source "$(dirname "$0")/lib.sh"
SZ=$DATA/shenzhen
PL=$DATA/plateau
NODE_DIR=${CIM_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/node

ids_at() { # MBTILES ZOOM LAYER: the distinct feature ids GDAL reads at ZOOM
    ogr2ogr -f CSV /vsistdout/ "$1" -oo ZOOM_LEVEL="$2" "$3" -select mvt_id 2>/dev/null | tail -n +2 | tr -d '"' |
        sort -n | uniq | tr '\n' ' '
}

store=$work/sz.cim
"$CIM" init "$store" --quiet || { bad "init"; finish; exit 1; }
for p in "taz_491 zones" "poi_checkins pois" "roads_futian_nanshan_osm roads"; do
    set -- $p
    check "'$CIM' ingest '$store' '$SZ/$1.geojson' --layer $2 --quiet" "ingest $2"
done
check "'$CIM' tiles '$store' --layer zones,pois,roads --minzoom 8 --maxzoom 16 -o '$work/sz.mbtiles' >'$work/sz.out'" \
    "tile Shenzhen z8-16"
for l in zones pois roads; do
    check_eq "$(ids_at "$work/sz.mbtiles" 16 "$l")" "$(q "$store" "SELECT fid FROM $l ORDER BY fid" | tr '\n' ' ')" \
        "Shenzhen $l: every id at z16 (GDAL)"
done
check_eq "$(sqlite3 "$work/sz.mbtiles" "SELECT count(*) FROM tiles WHERE length(tile_data) > 500000")" 0 \
    "Shenzhen: no tile over 500 KB"
check_eq "$(sqlite3 "$work/sz.mbtiles" "SELECT min(zoom_level) || '-' || max(zoom_level) FROM tiles")" "8-16" \
    "Shenzhen: zooms 8-16 written"
# where a zoom's tiles stay under the limit only by dropping, the summary says so
# (the POIs: points, dropped densest parts first)
if grep -qE "^  zoom  8: .*dropped \((smallest first|densest parts first)\) to meet the limits" "$work/sz.out" ||
    ! grep -q "^  zoom  8: .*" "$work/sz.out"; then ok; else bad "z8 summary: $(grep 'zoom  8' "$work/sz.out")"; fi
z8=$(sed -nE 's/^  zoom  8: [0-9]+ tiles, ([0-9]+) features.*/\1/p' "$work/sz.out")
gdal8=0
for l in zones pois roads; do
    n=$(ogr_count_plain "$work/sz.mbtiles" -oo ZOOM_LEVEL=8 "$l")
    gdal8=$((gdal8 + ${n:-0}))
done
check_eq "$gdal8" "$z8" "Shenzhen z8: features GDAL reads = features the summary reports kept"

# PLATEAU zoning (用途地域 and land use) in the Tokyo-zone store
jp=$work/jp.cim
"$CIM" init "$jp" --srid 6677 --quiet || bad "init jp"
yoto=$(ls "$PL"/kawasaki_urf/*yoto*.gml | head -1)
check "'$CIM' ingest '$jp' '$yoto' --layer yoto --quiet" "ingest PLATEAU yoto"
check "'$CIM' ingest '$jp' '$PL/numazu_523836_luse.gml' --layer luse --quiet" "ingest PLATEAU land use"
check "'$CIM' tiles '$jp' --layer yoto,luse --minzoom 8 --maxzoom 16 -o '$work/jp.mbtiles' --json >'$work/jpm.json'" \
    "tile PLATEAU z8-16 (MBTiles)"
# A polygon under one z16 grid cell (0.6 m a side here) is tiny and may be
# dropped, counted in the summary: every polygon over 1 m2 must be there, and
# the ids missing must be exactly as many as the tiny ones reported.
missing=0
for l in yoto luse; do
    got=" $(ids_at "$work/jp.mbtiles" 16 "$l")"
    lost=0
    for id in $(q "$jp" "SELECT fid FROM $l WHERE ST_Area(geom) > 1 ORDER BY fid"); do
        case "$got" in *" $id "*) ;; *) lost=$((lost + 1)) ;; esac
    done
    check_eq "$lost" 0 "PLATEAU $l: every polygon over 1 m2 at z16 (GDAL)"
    missing=$((missing + $(q "$jp" "SELECT count(*) FROM $l") - $(wc -w <<<"$got")))
done
check_eq "$missing" "$(python3 -c 'import json,sys; print([z for z in json.load(open(sys.argv[1]))["zooms"] if z["zoom"] == 16][0]["tiny_dropped"])' "$work/jpm.json")" \
    "PLATEAU z16: ids missing = tiny polygons the summary reports dropped"
check "'$CIM' tiles '$jp' --layer yoto,luse --minzoom 8 --maxzoom 16 -o '$work/jp.pmtiles' --json >'$work/jp.json'" \
    "tile PLATEAU z8-16 (PMTiles)"
if [ -d "$NODE_DIR/node_modules/pmtiles" ]; then
    node "$NODE_DIR/tiles_read.mjs" header "$work/jp.pmtiles" >"$work/h.json" || bad "pmtiles reads the PLATEAU archive"
    check_eq "$(python3 -c 'import json,sys; h = json.load(open(sys.argv[1]))["header"]; print(h["minZoom"], h["maxZoom"], h["numAddressedTiles"])' "$work/h.json")" \
        "8 16 $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tiles"])' "$work/jp.json")" \
        "PLATEAU PMTiles: zooms and tile count (pmtiles package)"
    check_eq "$(sqlite3 "$work/jp.mbtiles" "SELECT count(*) FROM tiles")" \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["header"]["numAddressedTiles"])' "$work/h.json")" \
        "PLATEAU: the same tiles in MBTiles and PMTiles"
else
    bad "tests/node/node_modules missing: run scripts/install-deps.sh"
fi
check_eq "$(find "$PL" -name '*.gfs' | wc -l)" 0 "no .gfs written beside the data"
finish
