#!/usr/bin/env bash
# Benchmark (issue 10): vector tiles z10-14 of 200,000 sample-district parcels
# from a PostGIS store, `cim tiles` reading the store against PostGIS's own
#   ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64))
# per tile, one SQL statement over the same tile list (the tiles cim wrote),
# every attribute and the fid as the feature id, as cim writes them; cim
# gzips its tiles, so PostGIS's tiles are gzipped too (Python's zlib, level 6,
# timed and added). Runs alternate; medians of CIM_BENCH_RUNS runs; tiles and
# bytes of each, and cim tiles on the SpatiaLite store of the same input for
# scale. Usage: meson test -C build --benchmark --suite bench (or run directly).
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
PARCELS=${CIM_BENCH_PARCELS:-200000}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
bench_pg_start

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
P=$(pg_store b1)
"$CIM" init "$P" --srid 4547 --quiet
"$CIM" ingest "$P" "$work/src/parcels.geojson" --layer parcels --quiet
"$CIM" init "$work/s.cim" --quiet
"$CIM" ingest "$work/s.cim" "$work/src/parcels.geojson" --layer parcels --quiet
pg_sql b1 "ANALYZE parcels" >/dev/null
echo "input: $(pg_sql b1 "SELECT count(*) FROM parcels") parcels in a PostGIS store (EPSG:4547), zooms 10-14, $(nproc) CPUs"

# the attributes, as cim writes them (every column but fid and geom)
attrs=$(pg_sql b1 "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
    FROM information_schema.columns WHERE table_schema = 'b1' AND table_name = 'parcels'
    AND column_name NOT IN ('fid', 'geom')")
# PostGIS: every tile of the list, written out as base64 lines (pg.sh), then
# gzipped (gz.py); scripts, so /usr/bin/time can run them
cat >"$work/pg.sh" <<EOF
PGOPTIONS="-c search_path=b1,public" psql -X -q -A -t -v ON_ERROR_STOP=1 "$PG_BASE" -c "COPY (
    SELECT t.z, t.x, t.y, encode(m.mvt, 'base64') FROM tile_list t, LATERAL (
        SELECT ST_AsMVT(q, 'parcels', 4096, 'geom', 'fid') AS mvt FROM (
            SELECT fid, $attrs,
                   ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(t.z, t.x, t.y), 4096, 64, true) AS geom
            FROM parcels WHERE geom && ST_Transform(ST_TileEnvelope(t.z, t.x, t.y, margin => 64.0 / 4096), 4547)) q
    ) m) TO STDOUT" >"$work/pg.tiles"
EOF
cat >"$work/gz.py" <<'EOF'
import base64, sys, zlib
n = b = 0
for line in open(sys.argv[1]):
    z, x, y, data = line.rstrip("\n").split("\t")
    raw = base64.b64decode(data.replace("\\n", ""))
    if not raw:
        continue
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    b += len(c.compress(raw) + c.flush())
    n += 1
print(n, b)
EOF

: >"$work/cim.t"; : >"$work/pg.t"; : >"$work/gz.t"; : >"$work/sl.t"
for i in $(seq "$RUNS"); do
    rm -f "$work/c.mbtiles" "$work/s.mbtiles"
    timed "$work/cim.t" "$CIM" tiles "$P" --layer parcels --minzoom 10 --maxzoom 14 -o "$work/c.mbtiles"
    cp "$work/last.out" "$work/cim.summary"
    if [ "$i" = 1 ]; then # the tile list: the tiles cim wrote (XYZ rows)
        sqlite3 -separator $'\t' "$work/c.mbtiles" \
            "SELECT zoom_level, tile_column, (1 << zoom_level) - 1 - tile_row FROM tiles" >"$work/list.tsv"
        pg_sql b1 "CREATE TABLE tile_list(z int, x int, y int)"
        pg_sql b1 "\\copy tile_list FROM '$work/list.tsv'"
    fi
    timed "$work/pg.t" bash "$work/pg.sh"
    timed "$work/gz.t" python3 "$work/gz.py" "$work/pg.tiles"
    cp "$work/last.out" "$work/pg.count"
    timed "$work/sl.t" "$CIM" tiles "$work/s.cim" --layer parcels --minzoom 10 --maxzoom 14 -o "$work/s.mbtiles"
done
cat "$work/cim.summary"

cim_s=$(cut -d' ' -f1 "$work/cim.t" | median)
pg_s=$(cut -d' ' -f1 "$work/pg.t" | median)
gz_s=$(cut -d' ' -f1 "$work/gz.t" | median)
sl_s=$(cut -d' ' -f1 "$work/sl.t" | median)
peer_s=$(awk -v a="$pg_s" -v b="$gz_s" 'BEGIN {printf "%.2f", a + b}')
cim_mb=$(cut -d' ' -f2 "$work/cim.t" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}')
read -r pg_tiles pg_bytes <"$work/pg.count"
ratio=$(awk -v a="$cim_s" -v b="$peer_s" 'BEGIN {printf "%.1f", b / a}')
echo "runs: cim $(cut -d' ' -f1 "$work/cim.t" | tr '\n' ' ')| PostGIS SQL $(cut -d' ' -f1 "$work/pg.t" | tr '\n' ' ')|" \
    "gzip $(cut -d' ' -f1 "$work/gz.t" | tr '\n' ' ')| cim on SpatiaLite $(cut -d' ' -f1 "$work/sl.t" | tr '\n' ' ')"
printf '%-34s %9s %8s %12s %9s\n' "tool" "median s" "tiles" "bytes" "peak MB"
printf '%-34s %9s %8s %12s %9s\n' "cim tiles (PostGIS store)" "$cim_s" \
    "$(sqlite3 "$work/c.mbtiles" "SELECT count(*) FROM tiles")" \
    "$(sqlite3 "$work/c.mbtiles" "SELECT sum(length(tile_data)) FROM tiles")" "$cim_mb"
printf '%-34s %9s %8s %12s %9s\n' "PostGIS ST_AsMVT + gzip" "$peer_s" "$pg_tiles" "$pg_bytes" "-"
printf '%-34s %9s %8s %12s %9s\n' "  of which SQL / gzip" "$pg_s / $gz_s" "" "" ""
printf '%-34s %9s %8s %12s %9s\n' "cim tiles (SpatiaLite store)" "$sl_s" \
    "$(sqlite3 "$work/s.mbtiles" "SELECT count(*) FROM tiles")" \
    "$(sqlite3 "$work/s.mbtiles" "SELECT sum(length(tile_data)) FROM tiles")" "-"
echo "speed-up PostGIS ST_AsMVT/cim: ${ratio}x"
