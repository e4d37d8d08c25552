#!/usr/bin/env bash
# cim tiles on a point layer dense enough to exceed the limits: 300,000 points,
# nine in ten in a 500 m square, one in ten spread over 20 km. At zoom 12 the
# square's tile is over both limits; the points must be dropped densest parts
# first. Both builds (with the default limits, and with no limits) are read
# back by @mapbox/vector-tile (tests/cli/tiles_spread.py): the limited tile is
# under the limits, every 64-unit cell that has a point without limits still
# has one, the spread-out points are nearly all kept while the cluster gives
# most of its points, and the drops the summary reports are the difference.
# Then a patch (--since) after moving 50 of the cluster's points must give the
# full rebuild's tiles.
. "$(dirname "$0")/lib.sh"

NODE_DIR=$CIM_SOURCE_ROOT/tests/node
if [ ! -d "$NODE_DIR/node_modules/@mapbox/vector-tile" ]; then
    fail "tests/node/node_modules is missing: run scripts/install-deps.sh"
fi

"$PYTHON" - "$T/pts.geojson" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], 'w') as out:
    out.write('{"type":"FeatureCollection","features":[\n')
    for i in range(300000):
        if i % 10 == 0:
            lon, lat = 113.90 + random.random() * 0.2, 22.50 + random.random() * 0.18
        else:
            lon, lat = 114.00 + random.random() * 0.005, 22.55 + random.random() * 0.0045
        out.write('%s{"type":"Feature","properties":{"n":%d},"geometry":{"type":"Point","coordinates":[%.7f,%.7f]}}\n'
                  % (',' if i else '', i, lon, lat))
    out.write(']}\n')
PY
new_store s.cim
s=$T/s.cim
expect_exit 0 -- "$CIM" ingest "$s" "$T/pts.geojson" --layer pts --quiet

expect_exit 0 -- "$CIM" tiles "$s" --layer pts --minzoom 12 --maxzoom 12 -o "$T/lim.mbtiles" --json
cp "$OUT" "$T/lim.json"
expect_exit 0 -- "$CIM" tiles "$s" --layer pts --minzoom 12 --maxzoom 12 -o "$T/full.mbtiles" \
    --max-tile-bytes 1000000000 --max-tile-features 1000000000 --quiet
expect_eq "tiles over 500000 bytes" 0 \
    "$(sqlite3 "$T/lim.mbtiles" "SELECT count(*) FROM tiles WHERE length(tile_data) > 500000")"
expect_eq "the no-limit build has a tile over the limit (the test means something)" 1 \
    "$(sqlite3 "$T/full.mbtiles" "SELECT count(*) > 0 FROM tiles WHERE length(tile_data) > 500000")"

"$PYTHON" "$CIM_SOURCE_ROOT/tests/cli/tiles_spread.py" "$T/lim.mbtiles" "$T/full.mbtiles" 12 \
    "$NODE_DIR/tiles_read.mjs" "$T" >"$T/spread" || fail "tiles_spread.py failed"
cat "$T/spread"
expect_true "some tile dropped points" test -s "$T/spread"
while read -r x y kept full cells missing sparse dense; do
    expect_true "tile 12/$x/$y: $kept points kept of $full, at most 200000" test "$kept" -le 200000
    expect_true "tile 12/$x/$y: kept ($kept) at least the occupied cells ($cells)" test "$kept" -ge "$cells"
    expect_eq "tile 12/$x/$y: 64-unit cells left without a point (of $cells)" 0 "$missing"
    expect_true "tile 12/$x/$y: spread-out points kept ($sparse) >= 0.95" \
        awk -v v="$sparse" 'BEGIN { exit !(v >= 0.95) }'
    expect_true "tile 12/$x/$y: clustered points kept ($dense) < 0.5" awk -v v="$dense" 'BEGIN { exit !(v < 0.5) }'
done <"$T/spread"
expect_eq "density_dropped = points in the no-limit tiles - points kept" \
    "$(awk '{ s += $4 - $3 } END { print s }' "$T/spread")" \
    "$(json_get "$T/lim.json" "d['zooms'][0]['density_dropped']")"
expect_eq "no line or polygon drops reported" 0 "$(json_get "$T/lim.json" "d['zooms'][0]['limit_dropped']")"

# The cluster's tile is so far over its limits that it drops points while its
# block is still being read, by its own points alone: a patch that renders
# only the tiles a change touches must give the full rebuild's tiles. Move 50
# points of the cluster, patch --since, rebuild, compare the tiles.
# (zooms 10-12 are read together: the block holds other tiles beside it)
expect_exit 0 -- "$CIM" tiles "$s" --layer pts --minzoom 10 --maxzoom 12 -o "$T/p.mbtiles" --quiet
run=$(sql "$s" "SELECT max(id) FROM cim_runs")
"$PYTHON" - "$T/move.geojson" <<'PY'
import sys
with open(sys.argv[1], 'w') as out:
    feats = ['{"type":"Feature","properties":{"n":%d},"geometry":{"type":"Point","coordinates":[%.7f,22.552]}}'
             % (n, 114.001 + n * 1e-5) for n in range(1, 56) if n % 10]
    out.write('{"type":"FeatureCollection","features":[%s]}\n' % ',\n'.join(feats))
PY
expect_exit 0 -- "$CIM" ingest "$s" "$T/move.geojson" --layer pts --upsert n --quiet
expect_exit 0 -- "$CIM" tiles "$s" --layer pts --minzoom 10 --maxzoom 12 -o "$T/p.mbtiles" --since "$run" --json
expect_true "the patch re-rendered some tiles" test "$(json_get "$OUT" "d['tiles_rendered']")" -gt 0
mkdir -p "$T/re"
expect_exit 0 -- "$CIM" tiles "$s" --layer pts --minzoom 10 --maxzoom 12 -o "$T/re/p.mbtiles" --quiet
expect_eq "patched tiles = the full rebuild's (tiles, equal, differing)" \
    "$(sqlite3 "$T/re/p.mbtiles" "SELECT count(*) FROM tiles") $(sqlite3 "$T/re/p.mbtiles" "SELECT count(*) FROM tiles") 0" \
    "$(sqlite3 :memory: "ATTACH '$T/p.mbtiles' AS a; ATTACH '$T/re/p.mbtiles' AS b;
        SELECT (SELECT count(*) FROM a.tiles) || ' ' ||
               (SELECT count(*) FROM a.tiles x JOIN b.tiles y USING (zoom_level, tile_column, tile_row)
                WHERE x.tile_data = y.tile_data) || ' ' ||
               (SELECT count(*) FROM a.tiles x JOIN b.tiles y USING (zoom_level, tile_column, tile_row)
                WHERE x.tile_data <> y.tile_data)")"

finish
