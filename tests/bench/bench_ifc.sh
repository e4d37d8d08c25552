#!/usr/bin/env bash
# Benchmark: IFC parse + footprint extraction against web-ifc (npm
# web-ifc@0.0.78 through ../shared/reference/webifc_probe.mjs --bbox: parse
# and tessellate every product, which is what web-ifc needs to know a plan
# extent) on duplex.ifc (2.4 MB) and on a generated file of >= 50 MB (copies
# of duplex.ifc with their #ids shifted, one building each). Also
# `cim init + ingest` (reader + store). Medians of CIM_BENCH_RUNS runs, runs
# alternating between the tools; peak RSS (the mapped file counts in ours).
# Goal (issue 4): faster than web-ifc, memory bounded.
# Usage: meson test -C build --benchmark --suite bench   (or run directly)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CIM=${CIM:-$ROOT/build/tools/cim}
READ=${BENCH_IFC_READ:-$ROOT/build/tests/bench/bench_ifc_read}
DATA=${CIM_SHARED_DATA:-$ROOT/../shared/data}
PROBE=$DATA/../reference/webifc_probe.mjs
NODE_DIR=$ROOT/tests/node
RUNS=${CIM_BENCH_RUNS:-3}
COPIES=${CIM_BENCH_IFC_COPIES:-22}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$NODE_DIR/node_modules/web-ifc" ] || npm install --no-audit --no-fund --prefix "$NODE_DIR" >/dev/null

python3 - "$DATA/ifc/duplex.ifc" "$COPIES" "$work/big.ifc" <<'PY'
import re, sys
src, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = open(src, encoding='latin-1').read()
head, rest = text.split('DATA;', 1)
data = rest.rsplit('ENDSEC;', 1)[0]
ref = re.compile(r'#(\d+)')
with open(out, 'w', encoding='latin-1') as f:
    f.write(head + 'DATA;\n')
    for k in range(copies):
        off = k * 10_000_000
        f.write(ref.sub(lambda m: '#%d' % (int(m.group(1)) + off), data))
    f.write('ENDSEC;\nEND-ISO-10303-21;\n')
PY

. "$(dirname "$0")/lib.sh"

status=0
for f in "$DATA/ifc/duplex.ifc" "$work/big.ifc"; do
    mb=$(stat -c %s "$f" | awk '{printf "%.1f", $1 / 1e6}')
    : >"$work/r.t"; : >"$work/c.t"; : >"$work/w.t"
    for i in $(seq "$RUNS"); do
        timed "$work/r.t" "$READ" "$f"
        cp "$work/last.out" "$work/read.out"
        rm -f "$work"/s.cim*
        timed "$work/c.t" bash -c "'$CIM' init '$work/s.cim' --srid 4547 --quiet && '$CIM' ingest '$work/s.cim' '$f' --layer b --georef EPSG:4547@500000,2500000 --quiet"
        timed "$work/w.t" env WEBIFC_DIR="$NODE_DIR" node "$PROBE" "$f" --bbox
        cp "$work/last.out" "$work/probe.out"
    done
    buildings=$(awk '{print $8}' "$work/read.out")
    theirs=$(grep -c '^building #' "$work/probe.out")
    storeys_ours=$(sqlite3 "$work/s.cim" "SELECT count(*) FROM b_storeys")
    storeys_theirs=$(sed -n 's/^totals: storeys=\([0-9]*\).*/\1/p' "$work/probe.out")
    if [ "$buildings" != "$theirs" ] || [ "$storeys_ours" != "$storeys_theirs" ]; then
        echo "counts differ: buildings $buildings vs web-ifc $theirs, storeys $storeys_ours vs $storeys_theirs" >&2
        exit 1
    fi
    r_s=$(cut -d' ' -f1 "$work/r.t" | median)
    c_s=$(cut -d' ' -f1 "$work/c.t" | median)
    w_s=$(cut -d' ' -f1 "$work/w.t" | median)
    peak() { cut -d' ' -f2 "$1" | sort -g | tail -1 | awk '{printf "%.0f", $1 / 1024}'; }
    echo "== $(basename "$f"): $mb MB, $buildings buildings, $storeys_ours storeys"
    echo "runs: reader $(cut -d' ' -f1 "$work/r.t" | tr '\n' ' ')| cim $(cut -d' ' -f1 "$work/c.t" | tr '\n' ' ')| web-ifc $(cut -d' ' -f1 "$work/w.t" | tr '\n' ' ')"
    printf '%-34s %9s %9s %12s %9s\n' tool "median s" "MB/s" "buildings/s" "peak MB"
    row() { printf '%-34s %9s %9s %12s %9s\n' "$1" "$2" "$(awk -v m="$mb" -v s="$2" 'BEGIN {printf "%.1f", m / s}')" \
        "$(awk -v b="$buildings" -v s="$2" 'BEGIN {printf "%.1f", b / s}')" "$3"; }
    row "cim IFC reader (parse+footprints)" "$r_s" "$(peak "$work/r.t")"
    row "cim init + ingest" "$c_s" "$(peak "$work/c.t")"
    row "web-ifc probe --bbox" "$w_s" "$(peak "$work/w.t")"
    ratio=$(awk -v a="$c_s" -v b="$w_s" 'BEGIN {printf "%.3f", a / b}')
    echo "ratio cim ingest / web-ifc: $ratio (goal < 1)"
    awk -v r="$ratio" 'BEGIN {exit !(r < 1)}' || status=1
done
exit $status
