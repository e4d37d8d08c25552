#!/usr/bin/env bash
# cim run PIPELINE: the sample district's pipeline gives the same layers as the
# commands run by hand; a second run skips everything; a changed source
# re-runs its ingest and the steps that read the layer; a touched (same
# content) source re-runs nothing; --dry-run changes nothing; a failing middle
# step exits with its code and leaves the layers as the step before left them;
# a second run on a locked store exits 4; malformed pipeline files name the
# file, step and key.
. "$(dirname "$0")/lib.sh"

d=$T/d
"$CIM" sample "$d/src" --quiet
cp "$CIM_SOURCE_ROOT/samples/district.pipeline.json" "$d/"
store=$d/district.cim

# The layer tables' contents (not the catalogue's times), for comparisons.
layers_dump() {
    local s=$1 t
    for t in $(sql "$s" "SELECT name FROM cim_layers ORDER BY name"); do
        echo "== $t"
        sqlite3 -readonly -batch -noheader "$s" "SELECT * FROM \"$t\" ORDER BY fid" | sha256sum
    done
}
# Everything but the run log (cim_runs, cim_run_steps).
store_dump_without_log() {
    sqlite3 -readonly -batch "$1" .dump | grep -v -e '^INSERT INTO cim_runs' -e '^INSERT INTO cim_run_steps'
}
# JSON summary: status of each step, space-separated.
statuses() {
    json_get "$OUT" "' '.join(s['status'] for s in d['steps'])"
}
versions() {
    sql "$store" "SELECT name || '=' || version FROM cim_layers ORDER BY name" | tr '\n' ' '
}

# --- a dry run on a store that does not exist yet: all would run, nothing made
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --dry-run --json
expect_eq "dry run on a new store: all run" "run run run run run run run run run run" \
    "$(json_get "$OUT" "' '.join(s['action'] for s in d['steps'])")"
expect_eq "dry run creates no store" no "$([ -e "$store" ] && echo yes || echo no)"

# --- the full run, against the same commands run by hand
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --json
expect_true "summary is JSON" json_valid "$OUT"
expect_eq "first run: every step ran" "ok ok ok ok ok ok ok ok ok ok" "$(statuses)"
cp "$OUT" "$T/first.json"
ref=$T/ref.cim
"$CIM" init "$ref" --quiet
for l in parcels roads buildings stations; do
    "$CIM" ingest "$ref" "$d/src/$l.geojson" --layer $l --role $l --quiet
done
"$CIM" ingest "$ref" "$d/src/blocklines.geojson" --layer blocklines --kind control --role blocklines --quiet
"$CIM" ingest "$ref" "$d/src/eco_line.geojson" --layer eco_line --kind control --role ecoline --quiet
"$CIM" aggregate "$ref" --layer parcels --by landuse --out landuse_blocks --contiguous --quiet
"$CIM" check redline "$ref" --parcels parcels --lines blocklines --quiet
"$CIM" indicators "$ref" --parcels parcels --buildings buildings --limits-from sz --quiet
expect_eq "layers equal those of the commands run by hand" "$(layers_dump "$ref")" "$(layers_dump "$store")"
n_parcels=$(ogrinfo -ro -so -al "$d/src/parcels.geojson" | sed -n 's/^Feature Count: //p')
expect_eq "parcels (ogrinfo count)" "$n_parcels" "$(sql "$store" 'SELECT count(*) FROM parcels')"
expect_eq "counts in the summary come from the step's cim_runs row" "$n_parcels" \
    "$(json_get "$T/first.json" "d['steps'][1]['counts']['inserted']")"
run_id=$(json_get "$T/first.json" "d['run']")
expect_eq "run logged ok" "run|ok" "$(sql "$store" "SELECT command || '|' || status FROM cim_runs WHERE id = $run_id")"
expect_eq "10 steps logged, linked to their own cim_runs rows" "10|10" \
    "$(sql "$store" "SELECT count(*), count(step_run) FROM cim_run_steps WHERE run_id = $run_id")"
expect_eq "the parcels step links to the ingest's row" ingest \
    "$(sql "$store" "SELECT r.command FROM cim_run_steps s JOIN cim_runs r ON r.id = s.step_run
                     WHERE s.run_id = $run_id AND s.step = 'parcels'")"
expect_eq "integrity" ok "$(sql "$store" 'PRAGMA integrity_check')"

# --- a second run skips everything and adds no command rows
v0=$(versions)
cmds0=$(sql "$store" "SELECT count(*) FROM cim_runs WHERE command <> 'run'")
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --json
expect_eq "second run: all skipped" "skipped skipped skipped skipped skipped skipped skipped skipped skipped skipped" \
    "$(statuses)"
expect_eq "second run: layer versions unchanged" "$v0" "$(versions)"
expect_eq "second run: no command ran" "$cmds0" "$(sql "$store" "SELECT count(*) FROM cim_runs WHERE command <> 'run'")"
# From another folder, with a relative path: the same file, still unchanged.
(cd "$T" && "$CIM" run d/district.pipeline.json --json >"$T/rel.json" 2>&1)
expect_eq "run from another folder: all skipped" 10 \
    "$(json_get "$T/rel.json" "sum(s['status'] == 'skipped' for s in d['steps'])")"

# --- touching a file without changing it changes nothing (SHA-256, not mtime)
touch "$d/src/parcels.geojson"
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --json
expect_eq "touched source: all skipped" 10 "$(json_get "$OUT" "sum(s['status'] == 'skipped' for s in d['steps'])")"

# --- --dry-run changes nothing and names what a changed source re-runs
"$PYTHON" - "$d/src/parcels.geojson" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
p = d['features'][0]['properties']
p['landuse'] = 'R2' if p['landuse'] != 'R2' else 'M1'
json.dump(d, open(sys.argv[1], 'w'))
EOF
before=$(store_fingerprint "$store")
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --dry-run
expect_unchanged "--dry-run" "$store" "$before"
expect_stdout_contains "input layer 'parcels' may change in step 'parcels'"
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --dry-run --json
plan=$(json_get "$OUT" "' '.join(s['name'] for s in d['steps'] if s['action'] == 'run')")
expect_eq "plan after a changed parcels source" "parcels landuse_blocks redline indicators" "$plan"
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --json
ran=$(json_get "$OUT" "' '.join(s['name'] for s in d['steps'] if s['status'] == 'ok')")
expect_eq "changed parcels: only the dependent steps ran" "parcels landuse_blocks redline indicators" "$ran"
expect_eq "parcels got a new version, roads did not" "2 1" \
    "$(sql "$store" "SELECT group_concat(version, ' ') FROM (SELECT version FROM cim_layers
                     WHERE name IN ('parcels','roads') ORDER BY name)")"
expect_eq "the changed parcel is in the store" \
    "$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['features'][0]['properties']['landuse'])" \
        "$d/src/parcels.geojson")" \
    "$(sql "$store" 'SELECT landuse FROM parcels ORDER BY fid LIMIT 1')"

# --- --only and --from select steps; --force runs an unchanged one
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --only redline --force --json
expect_eq "--only redline --force" "not selected|ok" \
    "$(json_get "$OUT" "d['steps'][0]['status'] + '|' + d['steps'][8]['status']")"
expect_exit 2 -- "$CIM" run "$d/district.pipeline.json" --from nosuch
expect_stderr_contains "--from 'nosuch': no such step"
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --from redline --quiet
expect_stdout_empty

# --- a layer changed behind the pipeline's back: its step runs again
n_roads=$(ogrinfo -ro -so -al "$d/src/roads.geojson" | sed -n 's/^Feature Count: //p')
"$CIM" ingest "$store" "$d/src/eco_line.geojson" --layer roads --replace --quiet
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --dry-run --json
expect_eq "plan after roads was replaced by hand" roads \
    "$(json_get "$OUT" "' '.join(s['name'] for s in d['steps'] if s['action'] == 'run')")"
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --quiet
expect_eq "roads restored by the pipeline (ogrinfo count)" "$n_roads" "$(sql "$store" 'SELECT count(*) FROM roads')"
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --json
expect_eq "and then unchanged again" 10 "$(json_get "$OUT" "sum(s['status'] == 'skipped' for s in d['steps'])")"
# Two steps appending to one layer are skipped on the next run (neither
# counts the shared layer's version).
mkdir -p "$T/two"
cp "$d/src/blocklines.geojson" "$d/src/eco_line.geojson" "$T/two/"
cat >"$T/two/p.json" <<'EOF'
{"store": "s.cim", "steps": [
  {"name": "init", "command": "init"},
  {"name": "a", "command": "ingest", "source": "blocklines.geojson", "layer": "lines"},
  {"name": "b", "command": "ingest", "source": "eco_line.geojson", "layer": "lines", "append": true}]}
EOF
expect_exit 0 -- "$CIM" run "$T/two/p.json" --quiet
expect_exit 0 -- "$CIM" run "$T/two/p.json" --json
expect_eq "two writers of one layer: skipped the second time" "skipped skipped skipped" "$(statuses)"

# A source that does not exist: exit 3 naming the step and option, the steps
# before it done, the run logged failed.
mkdir -p "$T/miss"
cp "$d/src/roads.geojson" "$T/miss/"
cat >"$T/miss/p.json" <<'EOF'
{"store": "s.cim", "steps": [
  {"name": "init", "command": "init"},
  {"name": "roads", "command": "ingest", "source": "roads.geojson", "layer": "roads"},
  {"name": "gone", "command": "ingest", "source": "gone.geojson", "layer": "gone"}]}
EOF
expect_exit 3 -- "$CIM" run "$T/miss/p.json" --json
expect_stderr_contains "pipeline '$T/miss/p.json', step 'gone', option 'source': '$T/miss/gone.geojson': no such file"
expect_eq "missing source: summary" "ok ok not run" "$(statuses)"
expect_eq "missing source: run logged failed" failed \
    "$(sql "$T/miss/s.cim" "SELECT status FROM cim_runs WHERE command = 'run'")"
expect_eq "missing source: the steps before it done" "$n_roads" "$(sql "$T/miss/s.cim" 'SELECT count(*) FROM roads')"

# The floor-area check and tiles as pipeline steps: IBL-04 from the
# indicators layer, then tiles of the parcels; a second run skips both.
cat >"$d/more.json" <<'EOF'
{"store": "district.cim", "steps": [
  {"name": "gfa_redline", "command": "check redline", "parcels": "parcels", "lines": "blocklines",
   "gfa-layer": "indicators", "out": "gfa_result", "replace": true},
  {"name": "tiles", "command": "tiles", "layer": "parcels,roads", "minzoom": 12, "maxzoom": 14,
   "output": "district.mbtiles"}]}
EOF
expect_exit 0 -- "$CIM" run "$d/more.json" --json
expect_eq "gfa + tiles: summary" "ok ok" "$(statuses)"
expect_true "tiles written at z12-14" \
    [ "$(sqlite3 "$d/district.mbtiles" "SELECT count(DISTINCT zoom_level) FROM tiles")" = 3 ]
expect_eq "IBL-04 ran in the pipeline" 1 \
    "$(sql "$store" "SELECT count(*) FROM cim_runs WHERE command = 'check redline' AND arguments LIKE '%--gfa-layer%indicators%'")"
expect_exit 0 -- "$CIM" run "$d/more.json" --json
expect_eq "gfa + tiles: unchanged, skipped" "skipped skipped" "$(statuses)"

# A --strict check that finds violations stops the run with exit 1; its
# result is stored (the check ran), the steps after it do not run.
cat >"$d/strict.json" <<'EOF'
{"store": "district.cim", "steps": [
  {"name": "strict_redline", "command": "check redline", "parcels": "parcels", "lines": "blocklines",
   "out": "strict_result", "replace": true, "strict": true},
  {"name": "after", "command": "aggregate", "layer": "parcels", "by": "landuse", "out": "after_blocks"}]}
EOF
expect_exit 1 -- "$CIM" run "$d/strict.json" --json
expect_stderr_contains "step 'strict_redline' (check redline) found violations (--strict, exit code 1)"
expect_eq "strict: summary" "failed not run" "$(statuses)"
expect_eq "strict: errors stored, as counted by SQL" \
    "$(sql "$store" "SELECT count(*) FROM strict_result_findings WHERE severity = 'error'")" \
    "$(json_get "$OUT" "d['steps'][0]['counts']['errors']")"
expect_eq "strict: the step after it did not run" 0 \
    "$(sql "$store" "SELECT count(*) FROM sqlite_master WHERE name = 'after_blocks'")"

# --- a failing middle step: exit 3, the layers as the step before left them
bash "$CIM_SOURCE_ROOT/tests/data/bad/make_bad.sh" "$T/bad" >/dev/null
f=$T/f
mkdir -p "$f"
cp "$d/src/parcels.geojson" "$d/src/roads.geojson" "$T/bad/truncated.geojson" "$f/"
cat >"$f/first.json" <<'EOF'
{"store": "s.cim", "steps": [
  {"name": "init", "command": "init"},
  {"name": "parcels", "command": "ingest", "source": "parcels.geojson", "layer": "parcels"}]}
EOF
cat >"$f/fail.json" <<'EOF'
{"store": "s.cim", "steps": [
  {"name": "init", "command": "init"},
  {"name": "parcels", "command": "ingest", "source": "parcels.geojson", "layer": "parcels"},
  {"name": "broken", "command": "ingest", "source": "truncated.geojson", "layer": "broken"},
  {"name": "roads", "command": "ingest", "source": "roads.geojson", "layer": "roads"}]}
EOF
sed 's/s\.cim/fresh.cim/' "$f/fail.json" >"$f/fresh_fail.json"
sed 's/s\.cim/fresh_ref.cim/' "$f/first.json" >"$f/fresh_first.json"
# (a) on a store where the first steps are done: nothing but the log changes
"$CIM" run "$f/first.json" --quiet
dump_before=$(store_dump_without_log "$f/s.cim")
expect_exit 3 -- "$CIM" run "$f/fail.json" --json
expect_stderr_contains "truncated.geojson"
expect_stderr_contains "step 'broken' (ingest) failed with exit code 3"
expect_eq "failing step: everything but the log as before" "$dump_before" "$(store_dump_without_log "$f/s.cim")"
expect_eq "failing step: summary" "skipped skipped failed not run" "$(statuses)"
expect_eq "failing step logged" "failed|3|" \
    "$(sql "$f/s.cim" "SELECT status || '|' || exit_code || '|' || coalesce(step_run, '') FROM cim_run_steps
                      WHERE step = 'broken'")"
expect_eq "run logged failed" failed \
    "$(sql "$f/s.cim" "SELECT status FROM cim_runs WHERE command = 'run' ORDER BY id DESC LIMIT 1")"
# (b) on a new store: the same layers as a store made by the first steps alone
expect_exit 3 -- "$CIM" run "$f/fresh_fail.json" --quiet
"$CIM" run "$f/fresh_first.json" --quiet
expect_eq "fresh failing run: layers as after the first steps" "$(layers_dump "$f/fresh_ref.cim")" \
    "$(layers_dump "$f/fresh.cim")"
expect_eq "fresh failing run: catalogue as after the first steps" \
    "$(sql "$f/fresh_ref.cim" "SELECT name, feature_count, version, source_sha256 FROM cim_layers ORDER BY name")" \
    "$(sql "$f/fresh.cim" "SELECT name, feature_count, version, source_sha256 FROM cim_layers ORDER BY name")"
expect_eq "fresh failing run: integrity" ok "$(sql "$f/fresh.cim" 'PRAGMA integrity_check')"

# --- a second run while one holds the lock exits 4 and changes nothing
before=$(store_fingerprint "$store")
flock "$store.lock" sleep 3 &
holder=$!
sleep 0.5
expect_exit 4 -- "$CIM" run "$d/district.pipeline.json"
expect_stderr_contains "is being updated by another 'cim run'"
expect_error_format
expect_unchanged "locked store" "$store" "$before"
wait "$holder"
expect_exit 0 -- "$CIM" run "$d/district.pipeline.json" --quiet

# --- malformed pipeline files (tests/data/bad/make_bad.sh) and a few more
b=$T/bad
expect_exit 3 -- "$CIM" run "$b/pipeline_syntax.json"
expect_stderr_contains "pipeline '$b/pipeline_syntax.json': line 3, column"
expect_error_format
expect_exit 3 -- "$CIM" run "$b/pipeline_truncated.json"
expect_stderr_contains "pipeline '$b/pipeline_truncated.json': line 4, column"
expect_exit 2 -- "$CIM" run "$b/pipeline_command.json"
expect_stderr_contains "step 'a': unknown command 'frobnicate'"
expect_exit 2 -- "$CIM" run "$b/pipeline_option.json"
expect_stderr_contains "pipeline '$b/pipeline_option.json', step 'p': unknown option 'rol'"
expect_exit 2 -- "$CIM" run "$b/pipeline_nostore.json"
expect_stderr_contains "pipeline '$b/pipeline_nostore.json': missing \"store\""
expect_exit 3 -- "$CIM" run "$b/pipeline_type.json"
expect_stderr_contains "step 'p', option 'replace': expected true or false"
ls "$b"/*.cim "$b"/x.cim.lock >/dev/null 2>&1 && fail "a malformed pipeline made a store or lock" || pass
bad=$T/badp
mkdir -p "$bad"
printf '{"store": "x.cim", "steps": [{"name": "p", "command": "ingest", "layer": "p"}]}' >"$bad/noreq.json"
expect_exit 2 -- "$CIM" run "$bad/noreq.json"
expect_stderr_contains "step 'p': ingest needs option 'source'"
printf '{"store": "x.cim", "steps": [{"name": "a", "command": "init"}, {"name": "a", "command": "init"}]}' \
    >"$bad/dup.json"
expect_exit 2 -- "$CIM" run "$bad/dup.json"
expect_stderr_contains "step name 'a' is used twice"
printf '{"store": "${CIM_TEST_NO_SUCH_VAR}/x.cim", "steps": [{"name": "a", "command": "init"}]}' >"$bad/env.json"
expect_exit 2 -- "$CIM" run "$bad/env.json"
expect_stderr_contains "environment variable 'CIM_TEST_NO_SUCH_VAR' is not set"
expect_exit 3 -- "$CIM" run "$bad/nosuchfile.json"
expect_error_format
ls "$bad"/*.cim >/dev/null 2>&1 && fail "a malformed pipeline made a store" || pass
# ${VAR} expansion: the store path from the environment
mkdir -p "$T/envdir"
printf '{"store": "${CIM_TEST_DIR}/env.cim", "steps": [{"name": "a", "command": "init"}]}' >"$bad/env_ok.json"
expect_exit 0 -- env CIM_TEST_DIR="$T/envdir" "$CIM" run "$bad/env_ok.json" --quiet
expect_eq "\${VAR} expanded in the store path" 1 "$(sql "$T/envdir/env.cim" "SELECT count(*) FROM cim_meta WHERE key = 'srid'" 2>/dev/null || echo 0)"

finish
