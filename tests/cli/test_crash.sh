#!/usr/bin/env bash
# Crash safety: `cim ingest` killed with SIGKILL at several points of a large
# ingest leaves a store that passes PRAGMA integrity_check, whose catalogue
# agrees with its tables, with the new layer absent and the old one whole;
# the same ingest run again afterwards succeeds.
. "$(dirname "$0")/lib.sh"

"$CIM" sample "$T/big" --parcels 60000 --days 0 --quiet
"$CIM" sample "$T/small" --parcels 500 --days 0 --quiet
small_n=$(ogrinfo -ro -so -al "$T/small/parcels.geojson" | sed -n 's/^Feature Count: //p')
big_n=$(ogrinfo -ro -so -al "$T/big/parcels.geojson" | sed -n 's/^Feature Count: //p')

for delay in 0.05 0.3 0.6 0.9; do
    store=$T/crash_$delay.cim
    "$CIM" init "$store" --quiet
    "$CIM" ingest "$store" "$T/small/parcels.geojson" --layer small --quiet
    "$CIM" ingest "$store" "$T/big/parcels.geojson" --layer big --quiet &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    expect_eq "integrity after kill at ${delay}s" ok "$(sql "$store" 'PRAGMA integrity_check')"
    expect_eq "old layer whole after kill at ${delay}s" "$small_n" "$(sql "$store" 'SELECT count(*) FROM small')"
    # The new layer is either absent or complete, and the catalogue agrees.
    big_rows=$(sql "$store" "SELECT count(*) FROM sqlite_master WHERE name = 'big'")
    big_cat=$(sql "$store" "SELECT count(*) FROM cim_layers WHERE name = 'big'")
    expect_eq "table and catalogue agree after kill at ${delay}s" "$big_rows" "$big_cat"
    if [ "$big_rows" = 1 ]; then
        expect_eq "new layer complete after kill at ${delay}s" "$big_n" "$(sql "$store" 'SELECT count(*) FROM big')"
    fi
    expect_eq "no unfinished run after kill at ${delay}s" 0 "$(sql "$store" "SELECT count(*) FROM cim_runs WHERE status <> 'ok'")"
    run "$CIM" ingest "$store" "$T/big/parcels.geojson" --layer big --quiet
    expect_eq "re-run after kill at ${delay}s exits 0" 0 "$RC"
    expect_eq "re-run count after kill at ${delay}s" "$big_n" "$(sql "$store" 'SELECT count(*) FROM big')"
done

# `cim init` killed early leaves no half-made store at the path.
"$CIM" init "$T/half.cim" --quiet &
pid=$!
sleep 0.05
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ -e "$T/half.cim" ]; then
    expect_eq "a store at the path after a killed init is complete" 1 \
        "$(sql "$T/half.cim" "SELECT count(*) FROM cim_meta WHERE key = 'schema_version'")"
else
    pass
fi
finish
