#!/usr/bin/env bash
# cim tiles on the sample district, read back by independent readers: GDAL's
# MBTiles and MVT drivers (every feature id present, per-tile counts against a
# SpatiaLite recount of the features meeting the tile), the `pmtiles` npm
# package with @mapbox/vector-tile (header, tile count, a known tile's ids and
# attributes against the store), and the error paths (exit codes, store
# unchanged, no output left behind).
. "$(dirname "$0")/lib.sh"

NODE_DIR=$CIM_SOURCE_ROOT/tests/node
if [ ! -d "$NODE_DIR/node_modules/pmtiles" ]; then
    fail "tests/node/node_modules is missing: run scripts/install-deps.sh"
fi
node_read() { node "$NODE_DIR/tiles_read.mjs" "$@"; }

district_store s.cim
s=$T/s.cim
before=$(store_fingerprint "$s")

# --- MBTiles, read by GDAL
expect_exit 0 -- "$CIM" tiles "$s" --layer parcels,roads,stations --minzoom 10 --maxzoom 14 -o "$T/t.mbtiles"
summary=$(cat "$OUT")
expect_unchanged "tiles reads only" "$s" "$before"
for l in parcels roads stations; do
    want=$(sql "$s" "SELECT fid FROM $l ORDER BY fid" | tr '\n' ' ')
    got=$(ogr2ogr -f CSV /vsistdout/ "$T/t.mbtiles" -oo ZOOM_LEVEL=14 "$l" -select mvt_id 2>/dev/null |
        tail -n +2 | tr -d '"' | sort -nu | tr '\n' ' ')
    expect_eq "$l: every feature id in the z14 tiles (GDAL)" "$want" "$got"
done
# GDAL's count of features over all z14 tiles equals the count cim printed
gdal_total=0
for l in parcels roads stations; do
    n=$(ogrinfo -ro -so "$T/t.mbtiles" -oo ZOOM_LEVEL=14 "$l" 2>/dev/null | sed -n 's/^Feature Count: //p')
    gdal_total=$((gdal_total + n))
done
expect_eq "z14 features: GDAL's count and the summary" \
    "$(sed -nE 's/^ +zoom 14: [0-9]+ tiles, ([0-9]+) features.*/\1/p' <<<"$summary")" "$gdal_total"
# MBTiles metadata: zooms, bounds against the store's extent in WGS84, vector_layers
expect_eq "metadata minzoom/maxzoom" "10|14" \
    "$(sqlite3 "$T/t.mbtiles" "SELECT (SELECT value FROM metadata WHERE name='minzoom') || '|' || (SELECT value FROM metadata WHERE name='maxzoom')")"
expect_eq "metadata format" "pbf" "$(sqlite3 "$T/t.mbtiles" "SELECT value FROM metadata WHERE name='format'")"
read -r w0 s0 e0 n0 <<<"$(spatial_sql "$s" "SELECT min(MbrMinX(g)), min(MbrMinY(g)), max(MbrMaxX(g)), max(MbrMaxY(g))
    FROM (SELECT ST_Transform(geom, 4326) AS g FROM parcels UNION ALL SELECT ST_Transform(geom, 4326) FROM roads
          UNION ALL SELECT ST_Transform(geom, 4326) FROM stations)" | tr '|' ' ')"
IFS=, read -r bw bs be bn <<<"$(sqlite3 "$T/t.mbtiles" "SELECT value FROM metadata WHERE name='bounds'")"
expect_near "bounds west" "$w0" "$bw" 1e-6
expect_near "bounds south" "$s0" "$bs" 1e-6
expect_near "bounds east" "$e0" "$be" 1e-6
expect_near "bounds north" "$n0" "$bn" 1e-6
sqlite3 "$T/t.mbtiles" "SELECT value FROM metadata WHERE name='json'" >"$T/vl.json"
expect_eq "vector_layers ids" "['parcels', 'roads', 'stations']" "$(json_get "$T/vl.json" "[l['id'] for l in d['vector_layers']]")"
expect_eq "parcels fields in vector_layers" "String|Number" \
    "$(json_get "$T/vl.json" "d['vector_layers'][0]['fields']['landuse'] + '|' + d['vector_layers'][0]['fields']['far_limit']")"
# TMS rows: the row GDAL reads as tile y=.. must be the flip of the stored row
expect_eq "tile rows are TMS (south up)" 0 \
    "$(sqlite3 "$T/t.mbtiles" "SELECT count(*) FROM tiles WHERE tile_row < (1 << zoom_level) / 2")"
expect_eq "every stored tile is gzip" 0 \
    "$(sqlite3 "$T/t.mbtiles" "SELECT count(*) FROM tiles WHERE hex(substr(tile_data, 1, 2)) <> '1F8B'")"

# --- a directory of z/x/y.pbf: per-tile counts from GDAL's MVT driver against
# a SpatiaLite recount of the parcels meeting the tile (buffer 0)
expect_exit 0 -- "$CIM" tiles "$s" --layer parcels --minzoom 14 --maxzoom 14 --buffer 0 -o "$T/dir" --quiet
expect_stdout_empty
expect_true "metadata.json" json_valid "$T/dir/metadata.json"
# A parcel that only grazes the tile (a sliver under half a tile unit) snaps
# to nothing, so the count must lie between the parcels meeting the tile
# shrunk by one unit (4096 to a side) and those meeting it grown by one.
ntiles=0
bad=0
recount() { # X Y PAD_UNITS
    spatial_sql "$s" "SELECT count(*) FROM parcels WHERE ST_Intersects(ST_Transform(geom, 3857), BuildMbr(
        -20037508.342789244 + $1 * 2445.98490512564 - $3 * 2445.98490512564 / 4096,
        20037508.342789244 - ($2 + 1) * 2445.98490512564 - $3 * 2445.98490512564 / 4096,
        -20037508.342789244 + ($1 + 1) * 2445.98490512564 + $3 * 2445.98490512564 / 4096,
        20037508.342789244 - $2 * 2445.98490512564 + $3 * 2445.98490512564 / 4096, 3857))"
}
for f in "$T"/dir/14/*/*.pbf; do
    x=$(basename "$(dirname "$f")")
    y=$(basename "$f" .pbf)
    got=$(ogrinfo -ro -so "$f" parcels -oo X="$x" -oo Y="$y" -oo Z=14 2>/dev/null | sed -n 's/^Feature Count: //p')
    lo=$(recount "$x" "$y" -1)
    hi=$(recount "$x" "$y" 1)
    ntiles=$((ntiles + 1))
    if [ -z "$got" ] || [ "$got" -lt "$lo" ] || [ "$got" -gt "$hi" ]; then
        bad=$((bad + 1))
        echo "  tile 14/$x/$y: GDAL reads ${got:-nothing} parcels, SpatiaLite counts $lo..$hi"
    fi
done
expect_ne "z14 tiles written" 0 "$ntiles"
expect_eq "z14 tiles whose parcel count differs from SpatiaLite's recount" 0 "$bad"

# --- PMTiles, read by the pmtiles package
expect_exit 0 -- "$CIM" tiles "$s" --layer parcels,roads,stations --minzoom 10 --maxzoom 14 -o "$T/t.pmtiles" --json
cp "$OUT" "$T/sum.json"
node_read header "$T/t.pmtiles" >"$T/h.json" || fail "pmtiles could not read the header"
expect_eq "pmtiles zooms" "10 14" "$(json_get "$T/h.json" "'%d %d' % (d['header']['minZoom'], d['header']['maxZoom'])")"
expect_eq "pmtiles tile count = tiles written" "$(json_get "$T/sum.json" "d['tiles']")" \
    "$(json_get "$T/h.json" "d['header']['numAddressedTiles']")"
expect_eq "pmtiles: same tile count as the MBTiles" "$(sqlite3 "$T/t.mbtiles" "SELECT count(*) FROM tiles")" \
    "$(json_get "$T/h.json" "d['header']['numAddressedTiles']")"
expect_eq "pmtiles: MVT, gzip, clustered" "1 2 True" \
    "$(json_get "$T/h.json" "'%d %d %s' % (d['header']['tileType'], d['header']['tileCompression'], d['header']['clustered'])")"
expect_eq "pmtiles metadata layers" "['parcels', 'roads', 'stations']" \
    "$(json_get "$T/h.json" "[l['id'] for l in d['metadata']['vector_layers']]")"
# the z14 tile holding the parcels' centre, and the parcels SpatiaLite finds there
read -r cx cy <<<"$(spatial_sql "$s" "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(MakePoint(
    (min(MbrMinX(geom)) + max(MbrMaxX(geom))) / 2, (min(MbrMinY(geom)) + max(MbrMaxY(geom))) / 2, 4547), 3857) AS c FROM parcels)" | tr '|' ' ')"
tx=$(awk -v x="$cx" 'BEGIN { printf "%d", (x + 20037508.342789244) / 2445.98490512564 }')
ty=$(awk -v y="$cy" 'BEGIN { printf "%d", (20037508.342789244 - y) / 2445.98490512564 }')
node_read tile "$T/t.pmtiles" 14 "$tx" "$ty" >"$T/tile.json" || fail "pmtiles could not read tile 14/$tx/$ty"
want=$(spatial_sql "$s" "SELECT fid FROM parcels WHERE ST_Intersects(ST_Transform(geom, 3857),
    BuildMbr(-20037508.342789244 + $tx * 2445.98490512564 - 2445.98490512564 * 64 / 4096,
             20037508.342789244 - ($ty + 1) * 2445.98490512564 - 2445.98490512564 * 64 / 4096,
             -20037508.342789244 + ($tx + 1) * 2445.98490512564 + 2445.98490512564 * 64 / 4096,
             20037508.342789244 - $ty * 2445.98490512564 + 2445.98490512564 * 64 / 4096, 3857)) ORDER BY fid" | tr '\n' ' ')
got=$(json_get "$T/tile.json" "' '.join(str(f['id']) for f in sorted(d['parcels']['features'], key=lambda f: f['id'])) + ' '")
expect_eq "tile 14/$tx/$ty: parcel ids (vector-tile vs SpatiaLite)" "$want" "$got"
expect_eq "tile 14/$tx/$ty: every parcel a polygon of extent 4096, version 2" "polygon 4096 2" \
    "$(json_get "$T/tile.json" "('polygon' if all(f['type'] == 3 for f in d['parcels']['features']) else 'no') + ' %d %d' % (d['parcels']['extent'], d['parcels']['version'])")"
# attributes: each parcel's land use and FAR limit as the store has them
sqlite3 -readonly -json "$s" "SELECT fid, landuse, far_limit FROM parcels" >"$T/attrs.json"
expect_eq "tile 14/$tx/$ty: landuse and far_limit as in the store (mismatches)" 0 "$("$PYTHON" -c '
import json, sys
store = {r["fid"]: r for r in json.load(open(sys.argv[1]))}
tile = json.load(open(sys.argv[2]))["parcels"]["features"]
bad = [f["id"] for f in tile if f["properties"].get("landuse") != store[f["id"]]["landuse"]
       or abs(f["properties"].get("far_limit", -1) - store[f["id"]]["far_limit"]) > 1e-12]
print(len(bad) if tile else "no features")' "$T/attrs.json" "$T/tile.json")"

# --fields keeps only the fields named
expect_exit 0 -- "$CIM" tiles "$s" --layer parcels --minzoom 14 --maxzoom 14 --fields landuse -o "$T/f.pmtiles" --quiet
node_read tile "$T/f.pmtiles" 14 "$tx" "$ty" >"$T/ftile.json"
expect_eq "--fields landuse: only landuse" "['landuse']" \
    "$(json_get "$T/ftile.json" "sorted(set(k for f in d['parcels']['features'] for k in f['properties']))")"

# the same output for 1 and 2 threads
# (the same file name: the tileset's name in the metadata comes from it)
mkdir -p "$T/th1" "$T/th2"
expect_exit 0 -- "$CIM" tiles "$s" --layer parcels,roads --minzoom 10 --maxzoom 14 --threads 1 -o "$T/th1/a.pmtiles" --quiet
expect_exit 0 -- "$CIM" tiles "$s" --layer parcels,roads --minzoom 10 --maxzoom 14 --threads 2 -o "$T/th2/a.pmtiles" --quiet
expect_true "1 and 2 threads give the same bytes" cmp "$T/th1/a.pmtiles" "$T/th2/a.pmtiles"

# limits: a 20 KB tile limit on the whole district at z10-11: every tile under
# it, and the summary says what was simplified or dropped
expect_exit 0 -- "$CIM" tiles "$s" --layer parcels --minzoom 10 --maxzoom 11 --max-tile-bytes 20000 -o "$T/l.mbtiles"
expect_eq "tiles over 20000 bytes" 0 "$(sqlite3 "$T/l.mbtiles" "SELECT count(*) FROM tiles WHERE length(tile_data) > 20000")"
expect_true "the summary names the drops" grep -q "dropped (smallest first) to meet the limits" "$OUT"
dropped=$(sed -nE 's/^ +zoom 10: ([0-9]+) tiles, ([0-9]+) features.*/\2/p' "$OUT")
gdal10=$(ogrinfo -ro -so "$T/l.mbtiles" -oo ZOOM_LEVEL=10 parcels 2>/dev/null | sed -n 's/^Feature Count: //p')
expect_eq "z10 features kept: summary and GDAL agree" "$dropped" "$gdal10"

# --- the CGCS2000 grid (EPSG:4490 lon/lat, 2x1 tiles at z0): each station lands in
# the tile and at the tile position worked out from its EPSG:4490 coordinates
# (SpatiaLite's ST_Transform), to within the rounding to the 4096 grid
expect_exit 0 -- "$CIM" tiles "$s" --layer stations --minzoom 0 --maxzoom 14 --grid cgcs2000 -o "$T/cg" --quiet
expect_eq "cgcs2000: metadata names the grid" "EPSG:4490" "$(json_get "$T/cg/metadata.json" "d['crs']")"
expect_true "cgcs2000: z0 has the eastern tile (lon 0..180) as column 1" test -s "$T/cg/0/1/0.pbf"
bad=0
while IFS='|' read -r fid lon lat; do
    read -r tx ty px py <<<"$(awk -v lon="$lon" -v lat="$lat" 'BEGIN { s = 180 / 16384;
        fx = (lon + 180) / s; fy = (90 - lat) / s; tx = int(fx); ty = int(fy);
        printf "%d %d %.3f %.3f", tx, ty, (fx - tx) * 4096, (fy - ty) * 4096 }')"
    f=$T/cg/14/$tx/$ty.pbf
    got=$([ -s "$f" ] && node_read pbf "$f" 14 "$tx" "$ty" | python3 -c "
import json, sys
d = json.load(sys.stdin)['stations']['features']
print(' '.join('%d %d' % tuple(f['first']) for f in d if f['id'] == $fid))")
    read -r gx gy <<<"$got"
    if [ -z "$got" ] || ! awk -v a="$gx" -v b="$px" -v c="$gy" -v d="$py" 'BEGIN { exit !((a-b)^2 < 1 && (c-d)^2 < 1) }'; then
        bad=$((bad + 1))
        echo "  station $fid: tile 14/$tx/$ty at ($px, $py), read '$got'"
    fi
done < <(spatial_sql "$s" "SELECT fid, ST_X(ST_Transform(geom, 4490)), ST_Y(ST_Transform(geom, 4490)) FROM stations")
expect_eq "cgcs2000: stations where the grid puts them" 0 "$bad"

# --- bad input: exit codes, the store unchanged, nothing left behind
expect_exit 3 -- "$CIM" tiles "$s" --layer nosuch -o "$T/x.mbtiles"
expect_error_format
expect_stderr_contains "nosuch"
expect_exit 3 -- "$CIM" tiles "$s" --layer parcels --fields nosuchfield -o "$T/x.mbtiles"
expect_stderr_contains "nosuchfield"
expect_exit 2 -- "$CIM" tiles "$s" --layer parcels --minzoom 12 --maxzoom 3 -o "$T/x.mbtiles"
expect_exit 2 -- "$CIM" tiles "$s" --layer parcels --maxzoom 30 -o "$T/x.mbtiles"
expect_exit 2 -- "$CIM" tiles "$s" --layer parcels,parcels -o "$T/x.mbtiles"
expect_exit 2 -- "$CIM" tiles "$s" --layer parcels
expect_exit 2 -- "$CIM" tiles "$s" --layer parcels -o "$T/x.pmtiles" --grid cgcs2000
expect_stderr_contains "PMTiles v3 is a Web Mercator format"
expect_exit 2 -- "$CIM" tiles "$s" --layer parcels -o "$T/x.mbtiles" --grid utm
expect_exit 4 -- "$CIM" tiles "$s" --layer parcels -o "$T/no/such/dir/x.mbtiles"
expect_error_format
expect_exit 4 -- "$CIM" tiles "$s" --layer parcels -o "$T/no/such/dir/x.pmtiles"
expect_exit 4 -- "$CIM" tiles "$T/nosuch.cim" --layer parcels -o "$T/x.mbtiles"
expect_eq "no output or temporary file left" "" "$(ls "$T" | grep -E '^x\.|\.tmp-' || true)"
expect_unchanged "failed runs leave the store as it was" "$s" "$before"
# an existing output is replaced whole
echo "old" >"$T/r.mbtiles"
expect_exit 0 -- "$CIM" tiles "$s" --layer stations --minzoom 10 --maxzoom 10 -o "$T/r.mbtiles" --quiet
expect_eq "replaced output is an MBTiles file" 1 "$(sqlite3 "$T/r.mbtiles" "SELECT count(*) FROM tiles")"

finish
