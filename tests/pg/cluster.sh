# tests/pg/cluster.sh: a throwaway PostgreSQL 15 + PostGIS cluster for one
# test. Source it, then call pg_cluster_start DIR: it runs initdb into
# DIR/pg, starts the server on a Unix socket in DIR (no TCP), creates the
# database "cim" with PostGIS, and sets
#   PG_BASE  the connection URI of that database (add &schema=NAME for a store)
#   PG_PSQL  psql on it, e.g. $PG_PSQL -c 'SELECT 1'
#   PG_PORT  the port (it names the socket file in $PG_DIR)
# The server is stopped and its files removed by pg_cluster_stop, which
# pg_cluster_start sets to run on exit in a test (before lib.sh's own
# handler); a benchmark calls it from its own trap. As root, the server runs
# as the postgres user (initdb refuses root).
pg_bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_cluster_start() {
    local dir=$1
    # A test (lib.sh sourced): stop the cluster on exit, then let lib.sh's
    # handler clean up and report with the script's own exit code. Other
    # callers (benchmarks) call pg_cluster_stop from their own EXIT trap.
    if declare -F _on_exit >/dev/null; then
        trap '_pg_code=$?; pg_cluster_stop; (exit $_pg_code); _on_exit' EXIT
    fi
    PG_DIR=$dir/pg
    mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR" && chmod 755 "$dir"
    pg_as_owner "$pg_bindir/initdb" -D "$PG_DIR/data" -A trust -U cim -E UTF8 --locale=C.UTF-8 --no-sync \
        >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    # A port number only names the socket file; nothing listens on TCP.
    local port=$((20000 + ($$ % 20000)))
    pg_as_owner "$pg_bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-k $PG_DIR -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
    PG_BASE="postgresql:///cim?host=$PG_DIR&port=$port&user=cim"
    PG_PSQL="psql -X -q -v ON_ERROR_STOP=1 $PG_BASE"
    psql -X -q -v ON_ERROR_STOP=1 "postgresql:///postgres?host=$PG_DIR&port=$port&user=cim" \
        -c "CREATE DATABASE cim" >/dev/null
    $PG_PSQL -c "CREATE EXTENSION postgis" >/dev/null
    PG_PORT=$port
    export PG_BASE PG_PSQL PG_DIR PG_PORT
}

pg_cluster_stop() {
    [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] || return 0
    [ -d "$PG_DIR/replica" ] && pg_as_owner "$pg_bindir/pg_ctl" -D "$PG_DIR/replica" -m immediate -w stop >/dev/null 2>&1
    pg_as_owner "$pg_bindir/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}

# The connection string of a store in schema $1 of the test database.
pg_store() {
    echo "$PG_BASE&schema=$1"
}

# pg_sql SCHEMA SQL: psql on the test database with the store's schema first
# in the search path; unaligned, tuples only (like lib.sh's sql).
pg_sql() {
    PGOPTIONS="-c search_path=$1,public" psql -X -q -A -t -v ON_ERROR_STOP=1 "$PG_BASE" -c "$2"
}

# pg_fingerprint SCHEMA: SHA-256 of the schema's dump (tables and rows), for
# expect_unchanged-style checks. Identity sequences are left out: PostgreSQL
# advances them even in a transaction that rolls back, which changes no row;
# pg_dump's \restrict lines carry a random key.
pg_fingerprint() {
    pg_dump --no-owner -n "$1" "$PG_BASE" | grep -v -e "setval(" -e '^\\restrict' -e '^\\unrestrict' | sha256sum | cut -d' ' -f1
}

# pg_replica_start: a hot standby of the running cluster (pg_basebackup,
# streaming replication) on its own socket; sets PG_REPLICA_BASE like
# PG_BASE. pg_cluster_stop stops it too.
pg_replica_start() {
    local port=$PG_PORT rport=$((PG_PORT + 1))
    pg_as_owner "$pg_bindir/pg_basebackup" -D "$PG_DIR/replica" -R -X stream -c fast -h "$PG_DIR" -p "$port" -U cim \
        >"$PG_DIR/basebackup.log" 2>&1 || { cat "$PG_DIR/basebackup.log" >&2; return 1; }
    pg_as_owner "$pg_bindir/pg_ctl" -D "$PG_DIR/replica" -l "$PG_DIR/replica.log" -w -t 60 \
        -o "-k $PG_DIR -p $rport -c listen_addresses='' -c hot_standby_feedback=on" start >/dev/null ||
        { cat "$PG_DIR/replica.log" >&2; return 1; }
    PG_REPLICA_BASE="postgresql:///cim?host=$PG_DIR&port=$rport&user=cim"
    export PG_REPLICA_BASE
}

# pg_replica_wait: until the standby has replayed everything the primary wrote.
pg_replica_wait() {
    local lsn
    lsn=$(psql -X -A -t "$PG_BASE" -c "SELECT pg_current_wal_lsn()")
    for _ in $(seq 1 100); do
        [ "$(psql -X -A -t "$PG_REPLICA_BASE" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && return 0
        sleep 0.1
    done
    return 1
}
