#!/usr/bin/env bash
# Crash safety: `cim ingest` killed with SIGKILL at several points of a large
# ingest leaves a store that passes PRAGMA integrity_check, whose catalogue
# agrees with its tables, with the new layer absent and the old one whole;
# the same ingest run again afterwards succeeds. `cim tiles` killed mid-run
# leaves the archive of an earlier run whole at its path.
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

# `cim tiles` killed mid-run: the archive a finished run wrote before stays
# whole at its path (a new one is written under a temporary name and renamed),
# and the store, which tiles only reads, is unchanged.
tstore=$T/crash_0.05.cim
"$CIM" tiles "$tstore" --layer big --minzoom 10 --maxzoom 12 -o "$T/t.pmtiles" --quiet
whole=$(sha256sum <"$T/t.pmtiles")
before=$(store_fingerprint "$tstore")
for delay in 0.2 0.6 1.2; do
    "$CIM" tiles "$tstore" --layer big,small --minzoom 10 --maxzoom 15 -o "$T/t.pmtiles" --quiet &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null
    if wait "$pid" 2>/dev/null; then
        # Finished before the kill: the new archive is in place.
        expect_true "tiles finished before the kill at ${delay}s: a PMTiles archive" \
            [ "$(head -c 7 "$T/t.pmtiles")" = PMTiles ]
        whole=$(sha256sum <"$T/t.pmtiles")
    else
        expect_eq "archive unchanged after kill at ${delay}s" "$whole" "$(sha256sum <"$T/t.pmtiles")"
    fi
    expect_unchanged "store after tiles killed at ${delay}s" "$tstore" "$before"
    rm -rf "$T"/t.pmtiles.tmp-*
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
