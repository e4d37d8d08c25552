#!/usr/bin/env bash
# Crash safety of `cim run`: killed with SIGKILL at several points of a
# pipeline, the store passes PRAGMA integrity_check, its catalogue agrees with
# its tables (every catalogued layer exists with the catalogued count), the
# killed run is marked 'interrupted' by the next one, the lock is free again
# (the kernel drops a dead holder's flock) and the next run finishes the job.
. "$(dirname "$0")/lib.sh"

"$CIM" sample "$T/src" --parcels 60000 --days 0 --quiet
n_parcels=$(ogrinfo -ro -so -al "$T/src/parcels.geojson" | sed -n 's/^Feature Count: //p')
n_buildings=$(ogrinfo -ro -so -al "$T/src/buildings.geojson" | sed -n 's/^Feature Count: //p')

for delay in 0.8 2.5 4.5; do
    dir=$T/k$delay
    mkdir -p "$dir"
    cat >"$dir/p.json" <<JSON
{"store": "s.cim", "steps": [
  {"name": "init", "command": "init"},
  {"name": "parcels", "command": "ingest", "source": "$T/src/parcels.geojson", "layer": "parcels", "replace": true},
  {"name": "buildings", "command": "ingest", "source": "$T/src/buildings.geojson", "layer": "buildings", "replace": true},
  {"name": "blocks", "command": "aggregate", "layer": "parcels", "by": "landuse", "out": "landuse_blocks", "replace": true}]}
JSON
    store=$dir/s.cim
    "$CIM" run "$dir/p.json" --quiet &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    running=0
    if [ ! -e "$store" ]; then
        pass # killed inside init: no store at the path
    else
        running=$(sql "$store" "SELECT count(*) FROM cim_runs WHERE command = 'run' AND status = 'running'")
        expect_eq "integrity after kill at ${delay}s" ok "$(sql "$store" 'PRAGMA integrity_check')"
        bad=0
        for t in $(sql "$store" "SELECT name FROM cim_layers"); do
            cat_n=$(sql "$store" "SELECT feature_count FROM cim_layers WHERE name = '$t'")
            tab_n=$(sql "$store" "SELECT count(*) FROM \"$t\"" 2>/dev/null || echo missing)
            [ "$cat_n" = "$tab_n" ] || bad=$((bad + 1))
        done
        expect_eq "catalogue agrees with the tables after kill at ${delay}s" 0 "$bad"
        expect_eq "only the run itself unfinished after kill at ${delay}s" 0 \
            "$(sql "$store" "SELECT count(*) FROM cim_runs WHERE status <> 'ok' AND command <> 'run'")"
    fi
    run "$CIM" run "$dir/p.json" --json
    expect_eq "re-run after kill at ${delay}s exits 0" 0 "$RC"
    expect_eq "re-run after kill at ${delay}s: parcels" "$n_parcels" "$(sql "$store" 'SELECT count(*) FROM parcels')"
    expect_eq "re-run after kill at ${delay}s: buildings" "$n_buildings" \
        "$(sql "$store" 'SELECT count(*) FROM buildings')"
    expect_eq "re-run after kill at ${delay}s: blocks cover all parcels" "$n_parcels" \
        "$(sql "$store" 'SELECT sum(parcel_count) FROM landuse_blocks')"
    expect_eq "no run left 'running' after kill at ${delay}s" 0 \
        "$(sql "$store" "SELECT count(*) FROM cim_runs WHERE status = 'running'")"
    expect_eq "the killed run marked 'interrupted' (kill at ${delay}s)" "$running" \
        "$(sql "$store" "SELECT count(*) FROM cim_runs WHERE status = 'interrupted'")"
done
finish
