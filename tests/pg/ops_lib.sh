# tests/pg/ops_lib.sh: the planning operations' PostGIS tests share this
# setup: a throwaway cluster, the sample district generated once, and the
# same layers ingested into a SpatiaLite store ($L) and into PostGIS schema
# "ops" ($P), so a test runs one command on both and compares the rows.
# Source it after lib.sh and cluster.sh; OPS_LAYERS picks the layers.
trap 'pg_cluster_stop' EXIT
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }

"$CIM" sample "$T/d" --parcels "${OPS_PARCELS:-600}" --days 0 --quiet
L=$T/ops.cim
P=$(pg_store ops)
new_store ops.cim --srid 4547
expect_exit 0 -- "$CIM" init "$P" --srid 4547 --quiet
for l in ${OPS_LAYERS:-parcels blocklines}; do
    expect_exit 0 -- "$CIM" ingest "$L" "$T/d/$l.geojson" --layer "$l" --quiet
    expect_exit 0 -- "$CIM" ingest "$P" "$T/d/$l.geojson" --layer "$l" --quiet
done

# rows_match WHAT FILE_A FILE_B: the same rows, '|'-separated; numbers equal
# to 1e-9 relative (sqlite3 prints 1000.0 where psql prints 1000), anything
# else byte for byte (tests/pg/same_rows.py).
rows_match() {
    local why
    if why=$("$PYTHON" "$CIM_SOURCE_ROOT/tests/pg/same_rows.py" "$2" "$3"); then
        pass
    else
        fail "$1: $why"
    fi
}

# both_rows WHAT SQLITE_SQL PG_SQL: runs each on its store and compares.
both_rows() {
    sql "$L" "$2" >"$T/rows.l"
    pg_sql ops "$3" >"$T/rows.p"
    rows_match "$1" "$T/rows.l" "$T/rows.p"
}
