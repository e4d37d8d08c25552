#!/usr/bin/env bash
# Planners on a read replica (doc/postgis.md): a hot standby streaming from
# the primary answers cim's read-only commands with the primary's data, and
# refuses a command that would write, with a store failure that says why.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }
pg_replica_start || { fail "cannot start the standby"; finish; }

P=$(pg_store s)
R="$PG_REPLICA_BASE&schema=s"
expect_exit 0 -- "$CIM" init "$P" --srid 4547 --quiet
"$CIM" sample "$T/src" --parcels 2000 --quiet
expect_exit 0 -- "$CIM" ingest "$P" "$T/src/parcels.geojson" --layer parcels --role parcels --quiet
expect_true "the standby caught up" pg_replica_wait

q="SELECT landuse, count(*) AS n, round(sum(ST_Area(geom))::numeric, 3) AS m2 FROM parcels GROUP BY landuse ORDER BY landuse"
expect_exit 0 -- "$CIM" query "$P" --format csv "$q"
cp "$OUT" "$T/primary.csv"
expect_exit 0 -- "$CIM" query "$R" --format csv "$q"
expect_true "the standby answers as the primary" cmp -s "$OUT" "$T/primary.csv"
expect_true "with rows" test "$(wc -l <"$OUT")" -gt 3
expect_exit 0 -- "$CIM" layers "$R" --json
expect_eq "the catalogue on the standby" "$(pg_sql s 'SELECT count(*) FROM parcels')" "$(json_get "$OUT" "[l['features'] for l in (d['layers'] if isinstance(d, dict) else d) if l['name'] == 'parcels'][0]")"

# Writing on the standby: refused, exit 4, saying it is read-only.
expect_exit 4 -- "$CIM" ingest "$R" "$T/src/roads.geojson" --layer roads --quiet
expect_stderr_contains "read-only"
expect_exit 4 -- "$CIM" init "$PG_REPLICA_BASE&schema=other" --srid 4547
expect_stderr_contains "read-only"

finish
