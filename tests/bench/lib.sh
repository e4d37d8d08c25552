# lib.sh: what the benchmarks share (sourced).
# median: the median of the numbers on stdin, one a line.
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# timed OUT CMD...: runs CMD (its output kept in $work/last.out and
# last.err, shown if it fails) and appends "seconds peak_kib" (wall clock,
# peak RSS) to OUT.
timed() {
    local out=$1
    shift
    if ! /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/last.out" 2>"$work/last.err"; then
        cat "$work/last.out" "$work/last.err" >&2
        return 1
    fi
    cat "$work/time" >>"$out"
}

# bench_pg_start: a throwaway PostgreSQL + PostGIS cluster in $work
# (tests/pg/cluster.sh), stopped, and $work removed, when the benchmark exits.
bench_pg_start() {
    . "$(dirname "${BASH_SOURCE[0]}")/../pg/cluster.sh"
    trap 'pg_cluster_stop; rm -rf "$work"' EXIT
    pg_cluster_start "$work" >/dev/null
}
