#!/usr/bin/env bash
# Benchmark: `cim run` on the sample district's pipeline (10 steps: init, six
# ingests, land-use blocks, block-line check, indicators) at CIM_BENCH_PARCELS
# parcels, against the same commands run one by one as separate `cim`
# processes (what quickstart.sh did before): the pipeline's cost is its
# hashing, planning and logging. Also the nightly case with nothing changed
# (every step skipped: the cost is hashing the sources). Runs alternate
# between the two; medians of CIM_BENCH_RUNS runs. Goal: cim run <= 1.05x
# the separate commands; the all-skipped run < 15 % of a full run.
# The layer tables of both stores are compared so a fast wrong answer fails.
# Usage: meson test -C build --benchmark --suite bench   (or run directly, CIM=path/to/cim)
set -euo pipefail

CIM=${CIM:-$(dirname "$0")/../../build/tools/cim}
root=$(cd "$(dirname "$0")/../.." && pwd)
PARCELS=${CIM_BENCH_PARCELS:-20000}
RUNS=${CIM_BENCH_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/lib.sh"

"$CIM" sample "$work/src" --parcels "$PARCELS" --days 0 --quiet
cp "$root/samples/district.pipeline.json" "$work/"
echo "input: the sample district at $(ogrinfo -ro -so -al "$work/src/parcels.geojson" |
    sed -n 's/^Feature Count: //p') parcels, $(nproc) CPUs"

by_hand() {
    local s=$1
    "$CIM" init "$s" --quiet
    for l in parcels roads buildings stations; do
        "$CIM" ingest "$s" "$work/src/$l.geojson" --layer $l --role $l --replace --quiet
    done
    "$CIM" ingest "$s" "$work/src/blocklines.geojson" --layer blocklines --kind control --role blocklines --replace --quiet
    "$CIM" ingest "$s" "$work/src/eco_line.geojson" --layer eco_line --kind control --role ecoline --replace --quiet
    "$CIM" aggregate "$s" --layer parcels --by landuse --out landuse_blocks --contiguous --replace --quiet
    "$CIM" check redline "$s" --parcels parcels --lines blocklines --replace --quiet
    "$CIM" indicators "$s" --parcels parcels --buildings buildings --limits-from sz --replace --quiet
}
export -f by_hand
export CIM work

: >"$work/run.t"; : >"$work/hand.t"; : >"$work/skip.t"
for i in $(seq "$RUNS"); do
    rm -f "$work/district.cim"* "$work/hand.cim"*
    timed "$work/run.t" "$CIM" run "$work/district.pipeline.json" --quiet
    timed "$work/skip.t" "$CIM" run "$work/district.pipeline.json" --quiet
    timed "$work/hand.t" bash -c "by_hand $work/hand.cim"
done

dump() {
    for t in $(sqlite3 "$1" "SELECT name FROM cim_layers ORDER BY name"); do
        echo "$t $(sqlite3 "$1" "SELECT * FROM \"$t\" ORDER BY fid" | sha256sum)"
    done
}
if [ "$(dump "$work/district.cim")" != "$(dump "$work/hand.cim")" ]; then
    echo "results differ: the pipeline's layers are not those of the commands run by hand" >&2
    exit 1
fi
if [ "$(sqlite3 "$work/district.cim" "SELECT count(*) FROM cim_run_steps WHERE status = 'skipped'
        AND run_id = (SELECT max(run_id) FROM cim_run_steps)")" != 10 ]; then
    echo "the second run did not skip all 10 steps" >&2
    exit 1
fi

run=$(median <"$work/run.t")
hand=$(median <"$work/hand.t")
skip=$(median <"$work/skip.t")
ratio=$(awk -v a="$run" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')
share=$(awk -v a="$skip" -v b="$run" 'BEGIN { printf "%.1f", 100 * a / b }')
echo "cim run (10 steps)        median ${run} s   (runs: $(cut -d' ' -f1 "$work/run.t" | tr '\n' ' '))"
echo "same commands one by one  median ${hand} s   (runs: $(cut -d' ' -f1 "$work/hand.t" | tr '\n' ' '))"
echo "cim run, all unchanged    median ${skip} s   (runs: $(cut -d' ' -f1 "$work/skip.t" | tr '\n' ' '))"
echo "ratio cim run / by hand: ${ratio} (goal <= 1.05); unchanged run: ${share} % of a full run (goal < 15)"
awk -v r="$ratio" -v s="$share" 'BEGIN { exit !(r <= 1.05 && s < 15) }' || { echo "goal missed"; exit 1; }
