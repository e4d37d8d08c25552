#!/usr/bin/env bash
# Readers during a nightly write: `cim query` runs while `cim ingest` writes a
# large layer into the same store (WAL mode, busy timeouts). No query is
# refused, and every query sees a consistent snapshot: the layer that exists
# has its full count, the one being written is absent or complete.
. "$(dirname "$0")/lib.sh"

"$CIM" sample "$T/big" --parcels 60000 --days 0 --quiet
"$CIM" sample "$T/small" --parcels 500 --days 0 --quiet
small_n=$(ogrinfo -ro -so -al "$T/small/parcels.geojson" | sed -n 's/^Feature Count: //p')
big_n=$(ogrinfo -ro -so -al "$T/big/parcels.geojson" | sed -n 's/^Feature Count: //p')
new_store s.cim
"$CIM" ingest "$T/s.cim" "$T/small/parcels.geojson" --layer small --quiet

"$CIM" ingest "$T/s.cim" "$T/big/parcels.geojson" --layer big --quiet &
writer=$!
refused=0
inconsistent=0
queries=0
while kill -0 "$writer" 2>/dev/null; do
    out=$("$CIM" query "$T/s.cim" "SELECT (SELECT count(*) FROM small) || '/' ||
        (SELECT count(*) FROM cim_layers WHERE name = 'big') || '/' ||
        coalesce((SELECT feature_count FROM cim_layers WHERE name = 'big'), 0)" --format csv 2>&1) || refused=$((refused + 1))
    value=$(echo "$out" | tail -1 | tr -d '\r')
    case "$value" in
        "$small_n/0/0" | "$small_n/1/$big_n") ;;
        *) inconsistent=$((inconsistent + 1)); echo "unexpected snapshot: $value" ;;
    esac
    queries=$((queries + 1))
done
wait "$writer"
expect_eq "the ingest succeeded" 0 "$?"
expect_true "at least 3 queries ran during the ingest ($queries)" test "$queries" -ge 3
expect_eq "queries refused" 0 "$refused"
expect_eq "inconsistent snapshots" 0 "$inconsistent"
expect_eq "final count" "$big_n" "$(sql "$T/s.cim" 'SELECT count(*) FROM big')"
finish
