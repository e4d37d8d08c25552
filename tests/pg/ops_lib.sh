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
# else byte for byte.
rows_match() {
    if [ "$(wc -l <"$2")" != "$(wc -l <"$3")" ]; then
        fail "$1: $(wc -l <"$2") rows against $(wc -l <"$3")"
        diff "$2" "$3" | head -5
        return
    fi
    local bad
    bad=$(paste -d'\n' "$2" "$3" | awk -F'|' '
        function num(s) { return s ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ }
        NR % 2 == 1 { n = split($0, a, "|"); line = $0; next }
        {
            m = split($0, b, "|")
            if (m != n) { print "fields: " line " / " $0; exit }
            for (i = 1; i <= n; i++) {
                if (num(a[i]) && num(b[i])) {
                    d = a[i] - b[i]; if (d < 0) d = -d
                    s = a[i] < 0 ? -a[i] : a[i]
                    if (d > 1e-9 * (s > 1 ? s : 1)) { print "field " i ": " line " / " $0; exit }
                } else if (a[i] != b[i]) { print "field " i ": " line " / " $0; exit }
            }
        }')
    if [ -z "$bad" ]; then
        pass
    else
        fail "$1: $bad"
    fi
}

# both_rows WHAT SQLITE_SQL PG_SQL: runs each on its store and compares.
both_rows() {
    sql "$L" "$2" >"$T/rows.l"
    pg_sql ops "$3" >"$T/rows.p"
    rows_match "$1" "$T/rows.l" "$T/rows.p"
}
