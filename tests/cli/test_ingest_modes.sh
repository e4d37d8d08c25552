#!/usr/bin/env bash
# cim ingest modes: an unchanged re-ingest is a no-op, an existing layer needs
# a mode, --replace / --append / --upsert KEY, and what cim_runs and
# cim_run_layers record.
. "$(dirname "$0")/lib.sh"

# gj NAME FEATURES...: a GeoJSON in EPSG:4547; each feature "CODE FAR X0 Y0 W H"
# is a W x H rectangle (area W*H m2) at (X0, Y0).
gj() {
    local name=$1 first=1
    shift
    {
        printf '{"type":"FeatureCollection","name":"plots","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":[\n'
        for f in "$@"; do
            read -r code far x y w h <<<"$f"
            [ $first = 1 ] || printf ',\n'
            first=0
            local code_json="\"$code\""
            [ "$code" = null ] && code_json=null
            printf '{"type":"Feature","properties":{"code":%s,"far":%s},"geometry":{"type":"Polygon","coordinates":[[[%s,%s],[%s,%s],[%s,%s],[%s,%s],[%s,%s]]]}}' \
                "$code_json" "$far" "$x" "$y" $((x + w)) "$y" $((x + w)) $((y + h)) "$x" $((y + h)) "$x" "$y"
        done
        printf '\n]}\n'
    } >"$T/$name"
}
gj a.geojson "A01 1.5 500000 2500000 100 100" "A02 2.0 500200 2500000 100 100"
gj b.geojson "A02 3.0 500200 2500000 200 100" "A03 0.5 500500 2500000 100 100"
gj dup.geojson "A07 1.0 500000 2501000 10 10" "A08 1.0 500100 2501000 10 10" "A07 2.0 500200 2501000 10 10"
gj nullkey.geojson "A09 1.0 500000 2501000 10 10" "null 1.0 500100 2501000 10 10"

s=$T/s.cim
new_store s.cim
runs() { sql "$s" "SELECT count(*) FROM cim_runs"; }
rows() { sql "$s" "SELECT count(*) FROM plots"; }
version() { sql "$s" "SELECT version FROM cim_layers WHERE name = 'plots'"; }

# --- create, then the same source again: a no-op
expect_exit 0 -- "$CIM" ingest "$s" "$T/a.geojson"
expect_eq "created: rows" 2 "$(rows)"
expect_eq "created: version 1" 1 "$(version)"
expect_eq "created: action" create "$(sql "$s" "SELECT action FROM cim_run_layers WHERE layer = 'plots'")"
n_runs=$(runs)
before=$(store_fingerprint "$s")
expect_exit 0 -- "$CIM" ingest "$s" "$T/a.geojson"
expect_stdout_contains "unchanged"
expect_eq "unchanged: no new run" "$n_runs" "$(runs)"
expect_unchanged "unchanged re-ingest" "$s" "$before"
# The same bytes under another name are the same source.
cp "$T/a.geojson" "$T/a_copy.geojson"
expect_exit 0 -- "$CIM" ingest "$s" "$T/a_copy.geojson" --layer plots
expect_stdout_contains "unchanged"
expect_unchanged "a copy of the source" "$s" "$before"
run "$CIM" ingest "$s" "$T/a.geojson" --json
cp "$OUT" "$T/u.json"
expect_eq "unchanged in --json" "True 0" "$(json_get "$T/u.json" "str(d['layers'][0]['unchanged']) + ' ' + str(d['run'])")"

# --- another source (or other options) for the same layer needs a mode
expect_exit 2 -- "$CIM" ingest "$s" "$T/b.geojson"
expect_error_format
expect_stderr_contains "plots"
expect_stderr_contains "--replace"
expect_unchanged "no mode given" "$s" "$before"
expect_exit 2 -- "$CIM" ingest "$s" "$T/a.geojson" --where "far > 1.6"
expect_unchanged "same file, other --where, no mode" "$s" "$before"
expect_exit 2 -- "$CIM" ingest "$s" "$T/b.geojson" --replace --upsert code
expect_exit 2 -- "$CIM" ingest "$s" "$T/b.geojson" --append --replace
expect_unchanged "conflicting modes" "$s" "$before"

# --- --replace: new content, version bumped
expect_exit 0 -- "$CIM" ingest "$s" "$T/b.geojson" --replace
expect_eq "replace: rows are b's" "A02|3.0|20000.0,A03|0.5|10000.0" \
    "$(spatial_sql "$s" "SELECT group_concat(code || '|' || far || '|' || ST_Area(geom)) FROM (SELECT * FROM plots ORDER BY code)")"
expect_eq "replace: version 2" 2 "$(version)"
expect_eq "replace: source sha recorded" "$(sha256sum <"$T/b.geojson" | cut -d' ' -f1)" \
    "$(sql "$s" "SELECT source_sha256 FROM cim_layers WHERE name = 'plots'")"
expect_eq "replace: run recorded" "replace|2|2|0" \
    "$(sql "$s" "SELECT action || '|' || read || '|' || inserted || '|' || updated FROM cim_run_layers WHERE run_id = (SELECT max(run_id) FROM cim_run_layers)")"
expect_eq "replace: extent" "500200.0|500600.0" "$(sql "$s" "SELECT minx || '|' || maxx FROM cim_layers WHERE name = 'plots'")"
expect_eq "replace: index follows" 2 "$(sql "$s" "SELECT count(*) FROM idx_plots_geom")"
expect_eq "replace: still registered once" 1 "$(sql "$s" "SELECT count(*) FROM geometry_columns WHERE f_table_name = 'plots'")"
before=$(store_fingerprint "$s")
expect_exit 0 -- "$CIM" ingest "$s" "$T/b.geojson" --replace
expect_stdout_contains "unchanged"
expect_unchanged "replace with the same source" "$s" "$before"

# --- --append: rows added; the same source again is a no-op
expect_exit 0 -- "$CIM" ingest "$s" "$T/a.geojson" --append
expect_eq "append: 2 + 2 rows" 4 "$(rows)"
expect_eq "append: version 3" 3 "$(version)"
expect_eq "append: catalogue count" 4 "$(sql "$s" "SELECT feature_count FROM cim_layers WHERE name = 'plots'")"
expect_eq "append: extent grows" "500000.0|500600.0" "$(sql "$s" "SELECT minx || '|' || maxx FROM cim_layers WHERE name = 'plots'")"
expect_eq "append: index follows" 4 "$(sql "$s" "SELECT count(*) FROM idx_plots_geom")"
expect_eq "append: fids unique and new" "1,2,3,4" "$(sql "$s" "SELECT group_concat(fid) FROM (SELECT fid FROM plots ORDER BY fid)")"
n_runs=$(runs)
before=$(store_fingerprint "$s")
expect_exit 0 -- "$CIM" ingest "$s" "$T/a.geojson" --append
expect_stdout_contains "unchanged"
expect_eq "append again: no double rows" 4 "$(rows)"
expect_eq "append again: no run" "$n_runs" "$(runs)"
expect_unchanged "append of the same source" "$s" "$before"

# --- --upsert KEY on a fresh layer: updates matches, inserts the rest
expect_exit 0 -- "$CIM" ingest "$s" "$T/a.geojson" --layer up
expect_exit 0 -- "$CIM" ingest "$s" "$T/b.geojson" --layer up --upsert code
expect_eq "upsert: rows" "1|A01|1.5|10000.0,2|A02|3.0|20000.0,3|A03|0.5|10000.0" \
    "$(spatial_sql "$s" "SELECT group_concat(fid || '|' || code || '|' || far || '|' || ST_Area(geom)) FROM (SELECT * FROM up ORDER BY fid)")"
expect_eq "upsert: counts recorded" "upsert|2|1|1" \
    "$(sql "$s" "SELECT action || '|' || read || '|' || inserted || '|' || updated FROM cim_run_layers WHERE layer = 'up' AND action = 'upsert'")"
expect_eq "upsert: version 2" 2 "$(sql "$s" "SELECT version FROM cim_layers WHERE name = 'up'")"
expect_eq "upsert: catalogue count and extent" "3|500000.0|500600.0" \
    "$(sql "$s" "SELECT feature_count || '|' || minx || '|' || maxx FROM cim_layers WHERE name = 'up'")"
# The index holds the updated box of A02 (now 200 m wide), not the old one.
expect_eq "upsert: index updated" "3|1" \
    "$(sql "$s" "SELECT count(*), max(pkid = 2 AND xmax >= 500400) FROM idx_up_geom")"
before=$(store_fingerprint "$s")
expect_exit 0 -- "$CIM" ingest "$s" "$T/b.geojson" --layer up --upsert code
expect_stdout_contains "unchanged"
expect_unchanged "upsert of the same source" "$s" "$before"
# A key that appears twice in the source is bad data.
expect_exit 3 -- "$CIM" ingest "$s" "$T/dup.geojson" --layer up --upsert code
expect_error_format
expect_stderr_contains "dup.geojson"
expect_stderr_contains "A07"
expect_stderr_contains "feature 2"
expect_unchanged "duplicate key" "$s" "$before"
expect_exit 3 -- "$CIM" ingest "$s" "$T/nullkey.geojson" --layer up --upsert code
expect_error_format
expect_stderr_contains "nullkey.geojson"
expect_stderr_contains "feature 1"
expect_unchanged "empty key" "$s" "$before"
expect_exit 2 -- "$CIM" ingest "$s" "$T/dup.geojson" --layer up --upsert nosuchfield
expect_error_format
expect_stderr_contains "nosuchfield"
expect_unchanged "missing key field" "$s" "$before"
expect_exit 2 -- "$CIM" ingest "$s" "$T/dup.geojson" --layer up --upsert
expect_exit 2 -- "$CIM" ingest "$s" "$T/dup.geojson" --layer up --upsert ""
expect_unchanged "upsert usage errors" "$s" "$before"

# --- repairs are counted per run
cat >"$T/bow.geojson" <<'EOF'
{"type":"FeatureCollection","name":"plots","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":[
{"type":"Feature","properties":{"code":"B01","far":1.0},"geometry":{"type":"Polygon","coordinates":[[[501000,2500000],[501100,2500100],[501100,2500000],[501000,2500100],[501000,2500000]]]}},
{"type":"Feature","properties":{"code":"B02","far":1.0},"geometry":{"type":"Polygon","coordinates":[[[501200,2500000],[501300,2500000],[501300,2500100],[501200,2500100],[501200,2500000]]]}}
]}
EOF
expect_exit 0 -- "$CIM" ingest "$s" "$T/bow.geojson" --layer up --append
expect_eq "repaired in cim_run_layers" "2|2|1" \
    "$(sql "$s" "SELECT read || '|' || inserted || '|' || repaired FROM cim_run_layers WHERE layer = 'up' AND action = 'append'")"
expect_eq "repaired in cim_layers" 1 "$(sql "$s" "SELECT repaired FROM cim_layers WHERE name = 'up'")"
# The repaired bow-tie: two triangles of 2500 m2 each.
expect_eq "repaired area" 5000.0 "$(spatial_sql "$s" "SELECT ST_Area(geom) FROM up WHERE code = 'B01'")"

# --- cim_runs: one finished run per change, its counts matching cim_run_layers
expect_eq "runs: init + 6 changing ingests" "init:1,ingest:6" \
    "$(sql "$s" "SELECT group_concat(command || ':' || n) FROM (SELECT command, count(*) AS n FROM cim_runs GROUP BY command ORDER BY command DESC)")"
expect_eq "runs: all ok and ended" 0 "$(sql "$s" "SELECT count(*) FROM cim_runs WHERE status != 'ok' OR ended_at IS NULL")"
expect_eq "runs: counts agree with cim_run_layers" 0 "$(sql "$s" "
    SELECT count(*) FROM cim_runs r WHERE command = 'ingest' AND (
        json_extract(r.counts, '$.read') != (SELECT sum(read) FROM cim_run_layers WHERE run_id = r.id) OR
        json_extract(r.counts, '$.inserted') != (SELECT sum(inserted) FROM cim_run_layers WHERE run_id = r.id) OR
        json_extract(r.counts, '$.updated') != (SELECT sum(updated) FROM cim_run_layers WHERE run_id = r.id) OR
        json_extract(r.counts, '$.repaired') != (SELECT sum(repaired) FROM cim_run_layers WHERE run_id = r.id))")"
expect_eq "runs: the command line is recorded" 1 \
    "$(sql "$s" "SELECT count(*) FROM cim_runs WHERE arguments LIKE 'cim ingest %' AND arguments LIKE '%/b.geojson%' AND arguments LIKE '%--upsert code%'")"
expect_eq "layers point at their last run" 0 \
    "$(sql "$s" "SELECT count(*) FROM cim_layers l WHERE NOT EXISTS (SELECT 1 FROM cim_run_layers r WHERE r.run_id = l.run_id AND r.layer = l.name)")"

finish
