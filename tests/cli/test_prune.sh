#!/usr/bin/env bash
# cim prune: the change record (cim_changes) bounded. The rows deleted are
# the ones SQL counts before the horizon (itself computed in SQL from
# cim_runs), the rest stay, the horizon is recorded in cim_meta and the
# prune is a run. Tiles whose patch would need a pruned record: --since RUN
# is refused (exit 3) with the archive and the store unchanged, --since
# archive builds in full (equal to a full build, MBTiles and a directory)
# and says so; a later change patches normally again. Bad arguments exit 2
# with the store unchanged; a dry run writes nothing; a store with no change
# record (only init, or one made before cim_changes) prunes fine; a pipeline
# prune step with keep-runs runs every time.
. "$(dirname "$0")/lib.sh"

district_store s.cim --days 0
d=$T/district
s=$T/s.cim
L=parcels,roads,stations
tiles() { "$CIM" tiles "$s" --layer "$L" --minzoom 10 --maxzoom 15 "$@"; }
expect_exit 0 -- tiles -o "$T/t.mbtiles" --quiet
expect_exit 0 -- tiles -o "$T/t.dir" --quiet
held=$(sqlite3 "$T/t.mbtiles" "SELECT value FROM metadata WHERE name = 'cim_run'")

# three more runs that change layers
upsert() {
    ogr2ogr -f GeoJSON "$T/mod.geojson" "$s" -dialect sqlite -sql "SELECT parcel_id, scheme, landuse, landuse_plan,
        far_limit, height_limit_m, '$1' AS street, district, ST_Translate(geom, $2, 0, 0) AS geom
        FROM parcels WHERE fid IN ($3)" -t_srs EPSG:4326 || fail "ogr2ogr"
    expect_exit 0 -- "$CIM" ingest "$s" "$T/mod.geojson" --layer parcels --upsert parcel_id --quiet
}
upsert a 100 "5, 77"
upsert b 0 "300"
upsert c 50 "1200, 8"
count() { sql "$s" "SELECT count(*) FROM cim_changes ${1:-}"; }

# bad arguments: exit 2, nothing written
before=$(store_fingerprint "$s")
expect_exit 2 -- "$CIM" prune "$s"
expect_stderr_contains "--changes-before"
expect_exit 2 -- "$CIM" prune "$s" --keep-runs 2 --changes-before 3
expect_exit 2 -- "$CIM" prune "$s" --keep-runs 0
expect_exit 2 -- "$CIM" prune "$s" --keep-runs two
expect_exit 2 -- "$CIM" prune "$s" --changes-before -1
expect_exit 2 -- "$CIM" prune "$s" --changes-before 999
expect_stderr_contains "last run is"
expect_exit 2 -- "$CIM" prune --keep-runs 2
expect_exit 2 -- "$CIM" prune "$s" --keep-runs 2 --bogus
expect_exit 0 -- "$CIM" prune "$s" --keep-runs 1 --help
expect_stdout_contains "usage: cim prune"
expect_unchanged "bad arguments and --help" "$s" "$before"

# the horizon keeping the 2 latest runs, and the rows before it, by SQL
horizon=$(sql "$s" "SELECT id FROM cim_runs ORDER BY id DESC LIMIT 1 OFFSET 1")
total=$(count)
gone=$(count "WHERE run_id < $horizon")
expect_true "rows on both sides of the horizon ($gone of $total before run $horizon)" \
    test "$gone" -gt 0 -a "$gone" -lt "$total"
expect_exit 0 -- "$CIM" prune "$s" --keep-runs 2 --dry-run --json
expect_eq "dry run: deleted, kept, horizon" "$gone $((total - gone)) $horizon 0" \
    "$(json_get "$OUT" "'%d %d %d %d' % (d['deleted'], d['kept'], d['horizon'], d['run'])")"
expect_unchanged "a dry run" "$s" "$before"
expect_exit 0 -- "$CIM" prune "$s" --keep-runs 2 --json
expect_eq "deleted, kept, horizon" "$gone $((total - gone)) $horizon" \
    "$(json_get "$OUT" "'%d %d %d' % (d['deleted'], d['kept'], d['horizon'])")"
expect_eq "rows left = rows before - rows deleted" "$((total - gone))" "$(count)"
expect_eq "no row before the horizon left" 0 "$(count "WHERE run_id < $horizon")"
expect_eq "the horizon recorded" "$horizon" \
    "$(sql "$s" "SELECT value FROM cim_meta WHERE key = 'changes_pruned_before'")"
prune_run=$(json_get "$OUT" "d['run']")
expect_eq "the prune is a run" "prune ok" "$(sql "$s" "SELECT command || ' ' || status FROM cim_runs WHERE id = $prune_run")"
expect_true "the prune's run is the last" test "$prune_run" = "$(sql "$s" "SELECT max(id) FROM cim_runs")"

# --since before the horizon: refused, archive and store unchanged
before=$(store_fingerprint "$s")
cp "$T/t.mbtiles" "$T/keep.mbtiles"
cp -a "$T/t.dir" "$T/keep.dir"
expect_exit 3 -- tiles -o "$T/t.mbtiles" --since "$held"
expect_stderr_contains "before run $horizon was pruned"
expect_exit 3 -- tiles -o "$T/t.dir" --since "$held"
expect_true "the refused archive is left" cmp "$T/t.mbtiles" "$T/keep.mbtiles"
expect_true "the refused directory is left" diff -r "$T/t.dir" "$T/keep.dir"
expect_unchanged "refused patches" "$s" "$before"
# --since archive: built in full, and said so
mkdir -p "$T/full"
expect_exit 0 -- tiles -o "$T/full/t.mbtiles" --quiet
expect_exit 0 -- tiles -o "$T/full/t.dir" --quiet
expect_exit 0 -- tiles -o "$T/t.mbtiles" --since archive --json
expect_eq "--since archive on a pruned archive: a full build" "$horizon 0" \
    "$(json_get "$OUT" "'%d %d' % (d.get('rebuilt_pruned', 0), d.get('since', 0))")"
expect_true "the rebuilt archive = a full build" cmp <(sqlite3 "$T/t.mbtiles" "SELECT zoom_level, tile_column,
    tile_row, hex(tile_data) FROM tiles ORDER BY 1, 2, 3") <(sqlite3 "$T/full/t.mbtiles" "SELECT zoom_level,
    tile_column, tile_row, hex(tile_data) FROM tiles ORDER BY 1, 2, 3")
expect_eq "its cim_run advanced" "$prune_run" \
    "$(sqlite3 "$T/t.mbtiles" "SELECT value FROM metadata WHERE name = 'cim_run'")"
expect_exit 0 -- tiles -o "$T/t.dir" --since archive
expect_stdout_contains "was pruned"
expect_true "the rebuilt directory = a full build" diff -r "$T/t.dir" "$T/full/t.dir"

# a horizon never moves back
expect_exit 0 -- "$CIM" prune "$s" --changes-before 2 --json
expect_eq "an earlier horizon: nothing deleted, the horizon kept" "0 $horizon" \
    "$(json_get "$OUT" "'%d %d' % (d['deleted'], d['horizon'])")"
# after the prune, a change patches normally again
upsert d 0 "40"
expect_exit 0 -- tiles -o "$T/t.mbtiles" --since archive --json
expect_true "a normal patch after the prune (since run $(json_get "$OUT" "d.get('since', 0)"))" \
    test "$(json_get "$OUT" "d.get('since', 0)")" -gt "$horizon"
# --changes-before the latest run: only its records left
last=$(sql "$s" "SELECT max(id) FROM cim_runs")
expect_exit 0 -- "$CIM" prune "$s" --changes-before "$last" --quiet
expect_stdout_empty
expect_eq "only the latest run's records left" "$(count "WHERE run_id = $last")" "$(count)"

# a store with no change record: only init, and one made before cim_changes
new_store e.cim
expect_exit 0 -- "$CIM" prune "$T/e.cim" --keep-runs 1 --json
expect_eq "an empty store: nothing deleted, horizon 1" "0 0 1" \
    "$(json_get "$OUT" "'%d %d %d' % (d['deleted'], d['kept'], d['horizon'])")"
new_store o.cim
"$CIM" ingest "$T/o.cim" "$d/stations.geojson" --quiet || fail "ingest o"
sqlite3 "$T/o.cim" "DROP TABLE cim_changes" || fail "drop cim_changes"
expect_exit 0 -- "$CIM" prune "$T/o.cim" --keep-runs 5
expect_stdout_contains "nothing to prune"
expect_exit 0 -- "$CIM" prune "$T/o.cim" --changes-before 2 --json
expect_eq "an old store: nothing deleted, the horizon recorded" "0 2" \
    "$(json_get "$OUT" "'%d %s' % (d['deleted'], d['horizon'])")"
expect_eq "no change table made" "" "$(sql "$T/o.cim" "SELECT name FROM sqlite_master WHERE name = 'cim_changes'")"

# a pipeline step: keep-runs runs every time (the runs move on)
cat >"$T/p.json" <<JSON
{"store": "s.cim", "steps": [{"name": "prune", "command": "prune", "keep-runs": 3}]}
JSON
expect_exit 0 -- "$CIM" run "$T/p.json" --json
expect_exit 0 -- "$CIM" run "$T/p.json" --json
expect_eq "the prune step ran again" ok "$(json_get "$OUT" "d['steps'][0]['status']")"
p=$(sql "$s" "SELECT max(id) FROM cim_runs WHERE command = 'prune'")
expect_eq "the horizon: the 3rd latest run before the step's own" \
    "$(sql "$s" "SELECT id FROM cim_runs WHERE id < $p ORDER BY id DESC LIMIT 1 OFFSET 2")" \
    "$(sql "$s" "SELECT value FROM cim_meta WHERE key = 'changes_pruned_before'")"
# a fixed changes-before is done once: skipped when run again
cat >"$T/q.json" <<JSON
{"store": "s.cim", "steps": [{"name": "prune_once", "command": "prune", "changes-before": 3}]}
JSON
expect_exit 0 -- "$CIM" run "$T/q.json" --json
expect_eq "a changes-before step runs" ok "$(json_get "$OUT" "d['steps'][0]['status']")"
expect_exit 0 -- "$CIM" run "$T/q.json" --json
expect_eq "and is skipped the second time" skipped "$(json_get "$OUT" "d['steps'][0]['status']")"
finish
