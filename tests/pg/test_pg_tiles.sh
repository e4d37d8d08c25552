#!/usr/bin/env bash
# cim tiles, tiles3d and report on a PostGIS store: the sample district
# ingested into a SpatiaLite file and into a PostGIS schema gives the same
# vector tiles (the tiles tables equal byte for byte; the metadata differs
# only in the store named in cim_build), the same 3D tileset (every file
# byte for byte), and the same land-use report (JSON cells equal), whose
# per-class areas PostGIS's own ST_Area(ST_Intersection()) confirms.
# --since after an upsert on PostGIS patches the archive (and a tile
# directory) to what a full rebuild gives, as on SQLite. cim prune on
# PostGIS deletes the rows SQL counts before the horizon and records it;
# --since before it is refused, --since archive rebuilds in full.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
trap 'pg_cluster_stop' EXIT
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }

d=$T/district
"$CIM" sample "$d" --days 0 --quiet || fail "sample"
new_store s.cim
s=$T/s.cim
P=$(pg_store s1)
expect_exit 0 -- "$CIM" init "$P" --srid 4547 --quiet
for l in parcels roads stations buildings blocklines; do
    "$CIM" ingest "$s" "$d/$l.geojson" --quiet || fail "ingest $l (SpatiaLite)"
    "$CIM" ingest "$P" "$d/$l.geojson" --quiet || fail "ingest $l (PostGIS)"
done
expect_eq "parcels in PostGIS = in SpatiaLite" "$(sql "$s" "SELECT count(*) FROM parcels")" \
    "$(pg_sql s1 "SELECT count(*) FROM parcels")"

# tiles of two MBTiles: "rows in a, rows in b, rows equal in both"
same() {
    sqlite3 :memory: "ATTACH '$1' AS a; ATTACH '$2' AS b;
        SELECT (SELECT count(*) FROM a.tiles) || ' ' || (SELECT count(*) FROM b.tiles) || ' ' ||
               (SELECT count(*) FROM a.tiles x JOIN b.tiles y USING (zoom_level, tile_column, tile_row)
                WHERE x.tile_data = y.tile_data)"
}
# metadata rows that differ between two MBTiles (names)
meta_diff() {
    sqlite3 :memory: "ATTACH '$1' AS a; ATTACH '$2' AS b;
        SELECT group_concat(name) FROM a.metadata x JOIN b.metadata y USING (name) WHERE x.value IS NOT y.value"
}

# ---- vector tiles ----
L=parcels,roads,stations
tiles() { "$CIM" tiles "$1" --layer "$L" --minzoom 10 --maxzoom 16 "${@:2}"; }
# one file name for both (the metadata's name is the archive's)
mkdir -p "$T/sl" "$T/pg"
expect_exit 0 -- tiles "$s" -o "$T/sl/t.mbtiles" --quiet
expect_exit 0 -- tiles "$P" -o "$T/pg/t.mbtiles" --quiet
read -r na nb eq <<<"$(same "$T/sl/t.mbtiles" "$T/pg/t.mbtiles")"
expect_true "some tiles ($na)" test "$na" -gt 50
expect_eq "PostGIS tiles = SpatiaLite tiles, byte for byte" "$na $na" "$nb $eq"
expect_eq "metadata: only the build's store differs" "cim_build" "$(meta_diff "$T/sl/t.mbtiles" "$T/pg/t.mbtiles")"
sid=$(pg_sql s1 "SELECT value FROM cim_meta WHERE key = 'store_id'")
expect_true "the archive names the PostGIS store by its id" \
    grep -q "$sid" <(sqlite3 "$T/pg/t.mbtiles" "SELECT value FROM metadata WHERE name = 'cim_build'")
# the features in the tiles: PostGIS's own count of parcels meeting a z14 tile
# and its 64/4096 buffer (ST_TileEnvelope with a margin) against the features
# cim put in that tile (decoded by GDAL's MVT driver)
read -r z x y <<<"$(sqlite3 -separator ' ' "$T/pg/t.mbtiles" "SELECT zoom_level, tile_column, (1 << zoom_level) - 1 - tile_row
    FROM tiles WHERE zoom_level = 14 ORDER BY length(tile_data) DESC LIMIT 1")"
want=$(pg_sql s1 "SELECT count(*) FROM parcels
    WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope($z, $x, $y, margin => 64.0 / 4096))")
expect_exit 0 -- "$CIM" tiles "$P" --layer parcels --minzoom 14 --maxzoom 14 -o "$T/z14" --quiet
got=$(ogrinfo -ro -al -q -oo CLIP=NO "$T/z14/14/$x/$y.pbf" 2>/dev/null | grep -c '^OGRFeature(parcels)')
expect_eq "parcels in tile 14/$x/$y: cim = PostGIS ST_Intersects" "$want" "$got"

# ---- --since: an upsert on PostGIS, the archive patched ----
run=$(sqlite3 "$T/pg/t.mbtiles" "SELECT value FROM metadata WHERE name = 'cim_run'")
expect_eq "cim_run is the PostGIS store's last run" "$(pg_sql s1 "SELECT max(id) FROM cim_runs")" "$run"
expect_exit 0 -- tiles "$P" -o "$T/pg/t.dir" --quiet
ogr2ogr -f GeoJSON "$T/mod.geojson" "$s" -dialect sqlite -sql "SELECT parcel_id, scheme, 'X9' AS landuse,
    landuse_plan, far_limit + 1 AS far_limit, height_limit_m, street, district,
    ST_Translate(geom, 300, 200, 0) AS geom FROM parcels WHERE fid IN (5, 77, 300)" -t_srs EPSG:4326 \
    || fail "ogr2ogr"
expect_exit 0 -- "$CIM" ingest "$P" "$T/mod.geojson" --layer parcels --upsert parcel_id --quiet
expect_eq "the upsert recorded old and new boxes of 3 parcels" 6 \
    "$(pg_sql s1 "SELECT count(*) FROM cim_changes WHERE layer = 'parcels' AND fid IS NOT NULL")"
cp "$T/pg/t.mbtiles" "$T/old.mbtiles"
expect_exit 0 -- tiles "$P" -o "$T/pg/t.mbtiles" --since "$run" --json
touched=$(json_get "$OUT" "d['tiles_touched']")
mkdir -p "$T/full"
expect_exit 0 -- tiles "$P" -o "$T/full/t.mbtiles" --quiet
read -r na nb eq <<<"$(same "$T/pg/t.mbtiles" "$T/full/t.mbtiles")"
expect_eq "patched = full rebuild ($nb tiles)" "$nb $nb" "$na $eq"
expect_eq "patched metadata = full rebuild's" "" "$(meta_diff "$T/pg/t.mbtiles" "$T/full/t.mbtiles")"
read -r na nb eq <<<"$(same "$T/old.mbtiles" "$T/full/t.mbtiles")"
expect_true "the upsert changed tiles ($eq of $na kept)" test "$eq" -lt "$na"
expect_true "a small part re-rendered ($touched of $na)" test $((touched * 4)) -lt "$na"
expect_exit 0 -- tiles "$P" -o "$T/pg/t.dir" --since "$run" --quiet
expect_exit 0 -- tiles "$P" -o "$T/full/t.dir" --quiet
expect_true "the patched directory = a full rebuild's, file for file" diff -r "$T/pg/t.dir" "$T/full/t.dir"
# the same upsert on SQLite patches to the same tiles
expect_exit 0 -- "$CIM" ingest "$s" "$T/mod.geojson" --layer parcels --upsert parcel_id --quiet
expect_exit 0 -- tiles "$s" -o "$T/sl/t.mbtiles" --since archive --quiet
read -r na nb eq <<<"$(same "$T/sl/t.mbtiles" "$T/pg/t.mbtiles")"
expect_eq "patched on both backends: the same tiles" "$na $na" "$nb $eq"

# ---- prune: the change record bounded on PostGIS ----
ogr2ogr -f GeoJSON "$T/mod2.geojson" "$s" -dialect sqlite -sql "SELECT parcel_id, scheme, landuse, landuse_plan,
    far_limit, height_limit_m, 'new street' AS street, district, geom FROM parcels WHERE fid IN (40, 41)" \
    -t_srs EPSG:4326 || fail "ogr2ogr"
expect_exit 0 -- "$CIM" ingest "$P" "$T/mod2.geojson" --layer parcels --upsert parcel_id --quiet
expect_exit 2 -- "$CIM" prune "$P" --changes-before 999
before=$(pg_fingerprint s1)
horizon=$(pg_sql s1 "SELECT max(id) FROM cim_runs")
total=$(pg_sql s1 "SELECT count(*) FROM cim_changes")
gone=$(pg_sql s1 "SELECT count(*) FROM cim_changes WHERE run_id < $horizon")
expect_exit 0 -- "$CIM" prune "$P" --keep-runs 1 --dry-run --json
expect_eq "dry run: the rows SQL counts before run $horizon" "$gone $horizon" \
    "$(json_get "$OUT" "'%d %d' % (d['deleted'], d['horizon'])")"
expect_eq "a dry run and a refused prune leave the store" "$before" "$(pg_fingerprint s1)"
expect_exit 0 -- "$CIM" prune "$P" --keep-runs 1 --json
expect_eq "deleted $gone of $total, the horizon $horizon" "$gone $((total - gone)) $horizon" \
    "$(json_get "$OUT" "'%d %d %d' % (d['deleted'], d['kept'], d['horizon'])")"
expect_eq "rows left" "$((total - gone))" "$(pg_sql s1 "SELECT count(*) FROM cim_changes")"
expect_eq "the horizon recorded" "$horizon" \
    "$(pg_sql s1 "SELECT value FROM cim_meta WHERE key = 'changes_pruned_before'")"
cp "$T/pg/t.mbtiles" "$T/keep.mbtiles"
before=$(pg_fingerprint s1)
expect_exit 3 -- tiles "$P" -o "$T/pg/t.mbtiles" --since "$run"
expect_stderr_contains "was pruned"
expect_true "the refused archive is left" cmp "$T/pg/t.mbtiles" "$T/keep.mbtiles"
expect_eq "a refused patch leaves the store" "$before" "$(pg_fingerprint s1)"
# the archive from before the upserts (run $run): its changes are gone
cp "$T/old.mbtiles" "$T/pg/old.mbtiles"
expect_exit 0 -- tiles "$P" -o "$T/pg/old.mbtiles" --since archive --json
expect_eq "--since archive after the prune: built in full" "$horizon" "$(json_get "$OUT" "d.get('rebuilt_pruned', 0)")"
expect_exit 0 -- tiles "$P" -o "$T/full/t.mbtiles" --quiet
read -r na nb eq <<<"$(same "$T/pg/old.mbtiles" "$T/full/t.mbtiles")"
expect_eq "the rebuilt archive = a full build ($nb tiles)" "$nb $nb" "$na $eq"
# a store with no change record yet: nothing deleted, the horizon recorded
E=$(pg_store e1)
expect_exit 0 -- "$CIM" init "$E" --srid 4547 --quiet
expect_exit 0 -- "$CIM" prune "$E" --keep-runs 1 --json
expect_eq "an empty PostGIS store: nothing deleted, horizon 1" "0 1" "$(json_get "$OUT" "'%d %d' % (d['deleted'], d['horizon'])")"
expect_eq "its horizon recorded" 1 "$(pg_sql e1 "SELECT value FROM cim_meta WHERE key = 'changes_pruned_before'")"

# ---- 3D tiles ----
expect_exit 0 -- "$CIM" tiles3d "$s" --layer buildings --fields building_id,use,storeys -o "$T/s3d" --quiet
expect_exit 0 -- "$CIM" tiles3d "$P" --layer buildings --fields building_id,use,storeys -o "$T/p3d" --quiet
expect_true "a tileset with content" test "$(find "$T/p3d" -name '*.glb' | wc -l)" -gt 0
expect_true "PostGIS tileset = SpatiaLite tileset, every file byte for byte" diff -r "$T/s3d" "$T/p3d"

# ---- report: land use per block line ----
rep() { "$CIM" report "$1" --kind landuse --layer parcels --by blocklines -o "$2" --quiet; }
expect_exit 0 -- rep "$s" "$T/s.json"
expect_exit 0 -- rep "$P" "$T/p.json"
cells() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("generated_at", None); d.pop("store", None)
print(json.dumps(d, sort_keys=True, ensure_ascii=False))' "$1"; }
expect_eq "PostGIS report JSON = SpatiaLite's (but the store and time)" "$(cells "$T/s.json")" "$(cells "$T/p.json")"
# the HTML page with its map (the land use in the frame by GiST on PostGIS,
# by R*Tree on SQLite): the same but for the line naming store and time
expect_exit 0 -- rep "$s" "$T/sl/r.html"
expect_exit 0 -- rep "$P" "$T/pg/r.html"
expect_true "the page has a map" grep -q "<svg" "$T/pg/r.html"
expect_eq "PostGIS HTML report = SpatiaLite's (but the store line)" \
    "$(grep -v 'class="meta"' "$T/sl/r.html" | sha256sum)" "$(grep -v 'class="meta"' "$T/pg/r.html" | sha256sum)"
# the per-class areas against PostGIS's own intersection areas
ours=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); t=[t for t in d["tables"] if t["id"]=="rows"][0]
cols=[c["name"] for c in t["columns"]]; a={}
for r in t["rows"]:
    k=(str(r[cols.index("by_fid")]), r[cols.index("class")] or "")
    a[k]=a.get(k,0)+float(r[cols.index("area_m2")])
for k in sorted(a): print(k[0], k[1], "%.6f" % a[k])' "$T/p.json")
theirs=$(pg_sql s1 "SELECT b.fid || ' ' || coalesce(p.landuse, '') || ' ' ||
        to_char(sum(ST_Area(ST_Intersection(p.geom, b.geom))), 'FM9999999999990.000000')
    FROM blocklines b JOIN parcels p ON ST_Intersects(p.geom, b.geom)
    GROUP BY b.fid, p.landuse HAVING sum(ST_Area(ST_Intersection(p.geom, b.geom))) > 0
    ORDER BY 1")
expect_true "some class rows" test -n "$ours"
python3 - "$ours" "$theirs" <<'EOF' || fail "report areas differ from PostGIS ST_Area(ST_Intersection())"
import sys
a = {tuple(l.split()[:-1]): float(l.split()[-1]) for l in sys.argv[1].splitlines()}
b = {tuple(l.split()[:-1]): float(l.split()[-1]) for l in sys.argv[2].splitlines()}
bad = [k for k in set(a) | set(b) if abs(a.get(k, 0) - b.get(k, 0)) > 1e-6 * max(1.0, abs(b.get(k, 0))) + 0.005]
print("%d class rows, %d differ" % (len(a), len(bad)), sorted(bad)[:5])
sys.exit(1 if bad or not a else 0)
EOF

# a reader: the PostGIS store is left as it was
before=$(pg_fingerprint s1)
expect_exit 0 -- tiles "$P" -o "$T/again.mbtiles" --quiet
expect_exit 0 -- rep "$P" "$T/again.json"
expect_eq "tiles and report leave the PostGIS store unchanged" "$before" "$(pg_fingerprint s1)"
finish
