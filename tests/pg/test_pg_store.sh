#!/usr/bin/env bash
# A PostGIS store: cim init, open and the catalogue, with the mistakes a user
# makes (no server, no database, an existing store, a bad schema name), and
# no password ever written to the store or printed.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }

S=$(pg_store s1)
expect_exit 0 -- "$CIM" init "$S" --srid 4547
expect_stdout_contains "created store"
# The catalogue, read by psql rather than cim.
expect_eq "srid in cim_meta" 4547 "$(pg_sql s1 "SELECT value FROM cim_meta WHERE key = 'srid'")"
expect_eq "backend in cim_meta" postgis "$(pg_sql s1 "SELECT value FROM cim_meta WHERE key = 'backend'")"
expect_eq "a 32-hex store id" 1 "$(pg_sql s1 "SELECT count(*) FROM cim_meta WHERE key = 'store_id' AND value ~ '^[0-9a-f]{32}$'")"
expect_eq "the init run" "init|ok" "$(pg_sql s1 "SELECT command || '|' || status FROM cim_runs")"
expect_eq "catalogue tables" "cim_layers cim_meta cim_run_layers cim_runs" \
    "$(pg_sql s1 "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 's1'")"

# Two stores side by side in one database; GDAL's PG: form for the second.
expect_exit 0 -- "$CIM" init "PG:host=$PG_DIR port=$PG_PORT user=cim dbname=cim schema=s3" --srid 4547
expect_eq "s3 holds a store" 1 "$(pg_sql s3 "SELECT count(*) FROM cim_runs")"

# An existing store is refused and left as it was.
before=$(pg_fingerprint s1)
expect_exit 2 -- "$CIM" init "$S" --srid 4547
expect_stderr_contains "schema 's1' already holds a cim store"
expect_eq "s1 unchanged" "$before" "$(pg_fingerprint s1)"

# A wrong SRID is a usage error before anything is created.
expect_exit 2 -- "$CIM" init "$(pg_store s4)" --srid 4326
expect_eq "no schema s4" 0 "$(pg_sql public "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 's4'")"
expect_exit 2 -- "$CIM" init "$(pg_store 'bad;name')" --srid 4547
expect_stderr_contains "must be a plain name"

# No such database, no such server: a store failure (4) that says so.
expect_exit 4 -- "$CIM" layers "postgresql:///nodb?host=$PG_DIR&port=$PG_PORT&user=cim"
expect_stderr_contains 'database "nodb" does not exist'
expect_exit 4 -- "$CIM" layers "postgresql:///cim?host=$T/nowhere&port=1&user=cim"
expect_stderr_contains "cannot connect"
# A schema without a store.
expect_exit 4 -- "$CIM" layers "$(pg_store public)"
expect_stderr_contains "holds no cim store"

# A password given in the string is masked in messages and never stored.
expect_exit 4 -- "$CIM" layers "postgresql://cim:sekrit@localhost:1/cim"
expect_eq "password not printed" 0 "$(cat "$ERR" | grep -c sekrit)"
expect_exit 0 -- "$CIM" init "postgresql://cim:sekrit@/cim?host=$PG_DIR&port=$PG_PORT&schema=s5" --srid 4547
expect_eq "password not printed" 0 "$(cat "$OUT" "$ERR" | grep -c sekrit)"
expect_eq "password not stored" 0 "$(pg_sql s5 "SELECT count(*) FROM cim_runs WHERE arguments LIKE '%sekrit%'")"

finish
