#!/usr/bin/env bash
# cim tiles --since RUN: the store records what each run changes (cim_changes),
# and --since patches an MBTiles or PMTiles archive by re-rendering only the
# tiles those changes touch. After each change (an upsert moving parcels and
# changing their attributes, an append of new roads, a replace of the stations
# layer with fewer stations) the patched MBTiles must hold exactly the tiles of
# a full rebuild, byte for byte (compared in SQL), with the metadata equal, and
# the patched PMTiles archive must be the full rebuild's file byte for byte
# (header, directories, metadata, tile data); the
# count of re-rendered tiles must cover every tile that differs from the old
# archive and stay a small part of the whole. A directory output (z/x/y.pbf
# + metadata.json) is patched the same way: the patched directory equals a
# full rebuild's file for file (diff -r), its metadata.json's cim_run
# advances, the unchanged tiles are hard links into the older tileset, whose
# files keep their bytes (checked through links taken before the patch,
# which share the inodes). And the refusals: another store, other options,
# a run after the archive's, no archive; a failed directory patch leaves the
# older directory as it was.
# --since archive patches from the run the archive holds, or builds in full
# when there is no archive yet.
. "$(dirname "$0")/lib.sh"

district_store s.cim --days 0
d=$T/district
s=$T/s.cim
L=parcels,roads,stations
mkdir -p "$T/full"
tiles() { "$CIM" tiles "$s" --layer "$L" --minzoom 10 --maxzoom 16 "$@"; }
expect_exit 0 -- tiles -o "$T/t.mbtiles" --quiet
expect_exit 0 -- tiles -o "$T/t.pmtiles" --quiet
expect_exit 0 -- tiles -o "$T/t.dir" --quiet
run=$(sqlite3 "$T/t.mbtiles" "SELECT value FROM metadata WHERE name = 'cim_run'")
expect_eq "cim_run is the store's last run" "$(sql "$s" "SELECT max(id) FROM cim_runs")" "$run"
total=$(sqlite3 "$T/t.mbtiles" "SELECT count(*) FROM tiles")

# tiles equal: "rows in a, rows in b, rows equal in both"
same() {
    sqlite3 :memory: "ATTACH '$1' AS a; ATTACH '$2' AS b;
        SELECT (SELECT count(*) FROM a.tiles) || ' ' || (SELECT count(*) FROM b.tiles) || ' ' ||
               (SELECT count(*) FROM a.tiles x JOIN b.tiles y USING (zoom_level, tile_column, tile_row)
                WHERE x.tile_data = y.tile_data) || ' ' ||
               (SELECT count(*) FROM a.metadata x JOIN b.metadata y USING (name) WHERE x.value IS NOT y.value)"
}
# tiles of $1 missing from or different in $2
differing() {
    sqlite3 :memory: "ATTACH '$1' AS a; ATTACH '$2' AS b;
        SELECT count(*) FROM a.tiles x LEFT JOIN b.tiles y USING (zoom_level, tile_column, tile_row)
        WHERE y.tile_data IS NULL OR x.tile_data <> y.tile_data"
}
# patches t.mbtiles since $1, rebuilds in full, compares; $2 names the change
check_round() {
    local since=$1 what=$2
    cp "$T/t.mbtiles" "$T/old.mbtiles"
    expect_exit 0 -- tiles -o "$T/t.mbtiles" --since "$since" --json
    cp "$OUT" "$T/since.json"
    expect_exit 0 -- tiles -o "$T/full/t.mbtiles" --quiet
    read -r na nb eq meta <<<"$(same "$T/t.mbtiles" "$T/full/t.mbtiles")"
    expect_eq "$what: patched tiles = full rebuild's ($nb)" "$nb $nb 0" "$na $eq $meta"
    local touched changed gone
    touched=$(json_get "$T/since.json" "d['tiles_touched']")
    changed=$(differing "$T/full/t.mbtiles" "$T/old.mbtiles")
    gone=$(differing "$T/old.mbtiles" "$T/full/t.mbtiles")
    echo "$what: $touched tiles touched, $changed new or changed, $gone changed or deleted, of $total"
    expect_true "$what: something changed" test "$changed" -gt 0 -o "$gone" -gt 0
    expect_true "$what: touched ($touched) covers the changed tiles ($changed, $gone)" \
        test "$touched" -ge "$changed" -a "$touched" -ge "$gone"
    expect_true "$what: rendered ($(json_get "$T/since.json" "d['tiles_rendered']")) <= touched" \
        test "$(json_get "$T/since.json" "d['tiles_rendered']")" -le "$touched"
    expect_exit 0 -- tiles -o "$T/t.pmtiles" --since "$since" --quiet
    expect_exit 0 -- tiles -o "$T/full/t.pmtiles" --quiet
    expect_true "$what: the patched PMTiles archive is the full rebuild's, byte for byte" \
        cmp "$T/t.pmtiles" "$T/full/t.pmtiles"
    check_dir_round "$since" "$what"
}
# the same round on a directory: links taken before the patch share the
# older tileset's inodes, so a write through a link would show in them
sums() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }
check_dir_round() {
    local since=$1 what=$2
    rm -rf "$T/old.dir"
    cp -al "$T/t.dir" "$T/old.dir"
    sums "$T/old.dir" >"$T/old.sums"
    expect_exit 0 -- tiles -o "$T/t.dir" --since "$since" --json
    local written files linked
    written=$(json_get "$OUT" "d['tiles']")
    expect_exit 0 -- tiles -o "$T/full/t.dir" --quiet
    expect_true "$what: the patched directory is the full rebuild's, file for file" diff -r "$T/t.dir" "$T/full/t.dir"
    expect_eq "$what: the older tileset's files kept their bytes" "$(cat "$T/old.sums")" "$(sums "$T/old.dir")"
    expect_eq "$what: metadata.json's cim_run is the store's last run" \
        "$(sql "$s" "SELECT max(id) FROM cim_runs")" "$(json_get "$T/t.dir/metadata.json" "d['cim_run']")"
    files=$(find "$T/t.dir" -type f | wc -l)
    linked=$(find "$T/t.dir" -type f -links +1 | wc -l)
    expect_eq "$what: all but the $written tiles written and metadata.json are links ($files files)" \
        $((files - written - 1)) "$linked"
}

# 1. upsert: four parcels moved 300 m east / 200 m north with a new land use
ogr2ogr -f GeoJSON "$T/mod.geojson" "$s" -dialect sqlite -sql "SELECT parcel_id, scheme, 'X9' AS landuse,
    landuse_plan, far_limit + 1 AS far_limit, height_limit_m, street, district,
    ST_Translate(geom, 300, 200, 0) AS geom FROM parcels WHERE fid IN (5, 77, 300, 1200)" -t_srs EPSG:4326 \
    || fail "ogr2ogr"
before=$(store_fingerprint "$s")
expect_exit 0 -- "$CIM" ingest "$s" "$T/mod.geojson" --layer parcels --upsert parcel_id --quiet
expect_eq "the upsert recorded old and new boxes of 4 parcels" 8 \
    "$(sql "$s" "SELECT count(*) FROM cim_changes WHERE layer = 'parcels' AND fid IS NOT NULL")"
check_round "$run" "upsert"
touched=$(json_get "$T/since.json" "d['tiles_touched']")
expect_true "upsert: a small part re-rendered ($touched of $total)" test $((touched * 4)) -lt "$total"
run=$(sqlite3 "$T/t.mbtiles" "SELECT value FROM metadata WHERE name = 'cim_run'")

# 2. append: two roads
ogr2ogr -f GeoJSON "$T/road.geojson" "$s" -dialect sqlite -sql "SELECT ST_Translate(geom, 150, -90, 0) AS geom
    FROM roads WHERE fid IN (3, 40)" -t_srs EPSG:4326 || fail "ogr2ogr"
expect_exit 0 -- "$CIM" ingest "$s" "$T/road.geojson" --layer roads --append --quiet
check_round "$run" "append"
run2=$(sqlite3 "$T/t.mbtiles" "SELECT value FROM metadata WHERE name = 'cim_run'")

# 3. replace: the stations layer with its first half (the old and new extents)
ogr2ogr -f GeoJSON "$T/st.geojson" "$s" -dialect sqlite -sql "SELECT * FROM stations WHERE fid % 2 = 0" \
    -t_srs EPSG:4326 || fail "ogr2ogr"
expect_exit 0 -- "$CIM" ingest "$s" "$T/st.geojson" --layer stations --replace --quiet
# since the first build: the three runs' changes at once
check_round "$run" "replace, since the upsert"
run3=$(sqlite3 "$T/t.mbtiles" "SELECT value FROM metadata WHERE name = 'cim_run'")

# 4. another upsert, patched --since archive (the run each archive holds)
ogr2ogr -f GeoJSON "$T/mod2.geojson" "$s" -dialect sqlite -sql "SELECT parcel_id, scheme, landuse, landuse_plan,
    far_limit, height_limit_m, 'new street' AS street, district, geom FROM parcels WHERE fid IN (40, 41)" \
    -t_srs EPSG:4326 || fail "ogr2ogr"
expect_exit 0 -- "$CIM" ingest "$s" "$T/mod2.geojson" --layer parcels --upsert parcel_id --quiet
check_round archive "upsert, since the archive's run"
expect_eq "--since archive: patched from the archive's run" "$run3" "$(json_get "$T/since.json" "d['since']")"
# --since archive with no archive yet: a full build
mkdir -p "$T/first"
expect_exit 0 -- tiles -o "$T/first/t.pmtiles" --since archive --quiet
expect_true "--since archive without an archive builds it in full" cmp "$T/first/t.pmtiles" "$T/full/t.pmtiles"

# refusals: the archive is left as it was
cp "$T/t.mbtiles" "$T/keep.mbtiles"
expect_exit 3 -- tiles -o "$T/t.mbtiles" --since "$run2" --maxzoom 15
expect_stderr_contains "other options"
expect_exit 3 -- tiles -o "$T/t.mbtiles" --since 999
expect_stderr_contains "holds the store as of run"
new_store o.cim --srid 32650
"$CIM" ingest "$T/o.cim" "$d/stations.geojson" --quiet || fail "ingest o"
expect_exit 3 -- "$CIM" tiles "$T/o.cim" --layer stations --minzoom 10 --maxzoom 16 -o "$T/t.mbtiles" --since 1
expect_stderr_contains "another store"
expect_true "refused patches leave the archive" cmp "$T/t.mbtiles" "$T/keep.mbtiles"
cp "$T/t.pmtiles" "$T/keep.pmtiles"
expect_exit 3 -- tiles -o "$T/t.pmtiles" --since 999
expect_true "a refused PMTiles patch leaves the archive" cmp "$T/t.pmtiles" "$T/keep.pmtiles"
expect_exit 3 -- tiles -o "$T/none.mbtiles" --since 1
expect_exit 3 -- tiles -o "$T/none.pmtiles" --since 1
expect_exit 3 -- tiles -o "$T/dir" --since 1
expect_stderr_contains "no tile directory"
# a directory patch refused or failing half-way leaves the older directory
cp -a "$T/t.dir" "$T/keep.dir"
expect_exit 3 -- tiles -o "$T/t.dir" --since "$run2" --maxzoom 15
expect_exit 3 -- tiles -o "$T/t.dir" --since 999
expect_stderr_contains "holds the store as of run"
expect_exit 3 -- "$CIM" tiles "$T/o.cim" --layer stations --minzoom 10 --maxzoom 16 -o "$T/t.dir" --since 1
expect_stderr_contains "another store"
expect_true "a refused directory patch leaves it" diff -r "$T/t.dir" "$T/keep.dir"
# the next change touches a zoom 10 tile: each one made a directory, which
# the patch cannot replace (after the older tiles were linked)
ogr2ogr -f GeoJSON "$T/mod3.geojson" "$s" -dialect sqlite -sql "SELECT parcel_id, scheme, landuse, landuse_plan,
    far_limit, height_limit_m, 'third street' AS street, district, geom FROM parcels WHERE fid = 9" \
    -t_srs EPSG:4326 || fail "ogr2ogr"
expect_exit 0 -- "$CIM" ingest "$s" "$T/mod3.geojson" --layer parcels --upsert parcel_id --quiet
for f in "$T"/t.dir/10/*/*.pbf; do rm "$f" && mkdir -p "$f/x"; done
rm -rf "$T/keep.dir" && cp -a "$T/t.dir" "$T/keep.dir"
expect_exit 4 -- tiles -o "$T/t.dir" --since archive
expect_stderr_contains "t.dir"
expect_true "a directory patch failing half-way leaves the older directory" diff -r "$T/t.dir" "$T/keep.dir"
# a full build replaces an older tileset, never a directory that holds none
expect_exit 0 -- tiles -o "$T/full/t.dir" --quiet
expect_exit 0 -- tiles -o "$T/t.dir" --quiet
expect_true "a full build replaces the older directory" diff -r "$T/t.dir" "$T/full/t.dir"
mkdir -p "$T/docs" && echo keep >"$T/docs/notes.txt"
expect_exit 2 -- tiles -o "$T/docs"
expect_stderr_contains "holds no tileset"
expect_eq "a directory without a tileset is left" keep "$(cat "$T/docs/notes.txt")"
expect_exit 2 -- tiles -o "$T/t.mbtiles" --since zero
expect_true "no temporary file left" test -z "$(ls "$T" | grep -F .tmp-)"

finish
