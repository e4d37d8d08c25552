#!/usr/bin/env bash
# The same nightly pipeline and publish pipeline on the sample district, once
# on a SpatiaLite file and once on a PostGIS schema: the layers, their areas
# (each computed by its own database: SpatiaLite's ST_Area against PostGIS's,
# 1e-9 relative), the check findings, the indicators, the tiles, the 3D
# tileset and the report figures must agree.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/cluster.sh"
pg_cluster_start "$T" || { fail "cannot start PostgreSQL"; finish; }

lite=$T/lite
pg=$T/pg_run
"$CIM" sample "$T/src" --parcels 3000 --quiet
for d in "$lite" "$pg"; do
    mkdir -p "$d"
    ln -s "$T/src" "$d/src"
    cp "$CIM_SOURCE_ROOT/samples/district.pipeline.json" "$CIM_SOURCE_ROOT/samples/district.publish.json" "$d/"
done
PGS=$(pg_store district)
for f in district.pipeline.json district.publish.json; do
    "$PYTHON" - "$pg/$f" "$PGS" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["store"] = sys.argv[2]
json.dump(p, open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
PY
done
L=$lite/district.cim

expect_exit 0 -- "$CIM" run "$lite/district.pipeline.json" --quiet
expect_exit 0 -- "$CIM" run "$pg/district.pipeline.json" --quiet
expect_exit 0 -- "$CIM" run "$lite/district.publish.json" --quiet
expect_exit 0 -- "$CIM" run "$pg/district.publish.json" --quiet

# The catalogue: the same layers, kinds, roles, types, counts, extents, fields.
expect_exit 0 -- "$CIM" layers "$L" --json
cp "$OUT" "$T/layers_lite.json"
expect_exit 0 -- "$CIM" layers "$PGS" --json
cp "$OUT" "$T/layers_pg.json"
expect_eq "cim layers agree" ok "$("$PYTHON" - "$T/layers_lite.json" "$T/layers_pg.json" <<'PY'
import json, sys
def norm(path):
    d = json.load(open(path))
    layers = d["layers"] if isinstance(d, dict) else d
    out = {}
    for l in layers:
        l = {k: v for k, v in l.items() if k not in ("ingested_at", "run_id", "source", "lineage", "store")}
        out[l["name"]] = l
    return out
a, b = norm(sys.argv[1]), norm(sys.argv[2])
if a.keys() != b.keys():
    print("layers", sorted(a), sorted(b)); sys.exit()
for name in a:
    for k in a[name]:
        x, y = a[name][k], b[name].get(k)
        if isinstance(x, float) or isinstance(y, float):
            if abs(x - y) > 1e-6 * max(1, abs(x)):
                print(name, k, x, y); sys.exit()
        elif k == "extent" and x and y:
            if any(abs(p - q) > 1e-6 for p, q in zip(x, y)):
                print(name, k, x, y); sys.exit()
        elif x != y:
            print(name, k, x, y); sys.exit()
print("ok")
PY
)"

# Every geometry layer: per fid, the area each database computes.
for layer in parcels roads blocklines eco_line buildings landuse_blocks redline_result indicators; do
    spatial_sql "$L" "SELECT fid, ST_Area(geom), ST_Length(geom) FROM \"$layer\" ORDER BY fid" | tr '|' ',' >"$T/a.csv"
    pg_sql district "SELECT fid, ST_Area(geom), ST_Length(geom) FROM \"$layer\" ORDER BY fid" | tr '|' ',' >"$T/b.csv"
    expect_eq "$layer: fids and areas (1e-9)" ok "$("$PYTHON" - "$T/a.csv" "$T/b.csv" <<'PY'
import sys
a = [l.strip().split(",") for l in open(sys.argv[1]) if l.strip()]
b = [l.strip().split(",") for l in open(sys.argv[2]) if l.strip()]
if len(a) != len(b) or not a:
    print("rows", len(a), len(b)); sys.exit()
for ra, rb in zip(a, b):
    if ra[0] != rb[0]:
        print("fid", ra, rb); sys.exit()
    for x, y in zip(ra[1:], rb[1:]):
        if (x == "") != (y == ""):
            print("null", ra, rb); sys.exit()
        if x and abs(float(x) - float(y)) > 1e-9 * max(1.0, abs(float(x))):
            print("value", ra, rb); sys.exit()
print("ok")
PY
)"
done

# Findings and indicators: every attribute, row by row.
for layer in redline_result indicators landuse_blocks; do
    cols=$(sql "$L" "SELECT group_concat('\"' || name || '\"', ', ') FROM pragma_table_info('$layer') WHERE name <> 'geom'")
    expect_exit 0 -- "$CIM" query "$L" --format csv "SELECT $cols FROM \"$layer\" ORDER BY fid"
    cp "$OUT" "$T/a.csv"
    expect_exit 0 -- "$CIM" query "$PGS" --format csv "SELECT $cols FROM \"$layer\" ORDER BY fid"
    cp "$OUT" "$T/b.csv"
    expect_eq "$layer: attributes (numbers to 1e-9)" ok "$("$PYTHON" - "$T/a.csv" "$T/b.csv" <<'PY'
import csv, sys
a = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
b = list(csv.reader(open(sys.argv[2], encoding="utf-8-sig")))
if len(a) != len(b) or a[0] != b[0] or len(a) < 2:
    print("shape", len(a), len(b)); sys.exit()
for ra, rb in zip(a, b):
    for x, y in zip(ra, rb):
        if x == y:
            continue
        try:
            if abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(x))):
                continue
        except ValueError:
            pass
        print("differs", a[0], ra, rb); sys.exit()
print("ok")
PY
)"
done

# The published outputs: tiles, 3D tileset and report figures.
# The tiles, read back by the pmtiles package (the archives' metadata names
# their own store and run, so the files differ there).
reader="node $CIM_SOURCE_ROOT/tests/node/tiles_read.mjs"
$reader digest "$lite/district.pmtiles" >"$T/tiles_lite.txt"
$reader digest "$pg/district.pmtiles" >"$T/tiles_pg.txt"
expect_true "tiles in the archive" test "$(wc -l <"$T/tiles_lite.txt")" -gt 50
expect_true "every tile identical" cmp -s "$T/tiles_lite.txt" "$T/tiles_pg.txt"
expect_eq "3D tileset identical" "$(cd "$lite/3d" && find . -type f | sort | xargs sha256sum | sha256sum)" \
    "$(cd "$pg/3d" && find . -type f | sort | xargs sha256sum | sha256sum)"
expect_true "redline CSV identical" cmp -s "$lite/redline.csv" "$pg/redline.csv"
for kind in "landuse --layer parcels --by blocklines" "redline --layer redline_result"; do
    # shellcheck disable=SC2086
    expect_exit 0 -- "$CIM" report "$L" --kind $kind -o "$T/a.json"
    # shellcheck disable=SC2086
    expect_exit 0 -- "$CIM" report "$PGS" --kind $kind -o "$T/b.json"
    expect_eq "report ${kind%% *}: same figures" ok "$("$PYTHON" - "$T/a.json" "$T/b.json" <<'PY'
import json, sys
def strip(d):
    if isinstance(d, dict):
        return {k: strip(v) for k, v in d.items() if k not in ("store", "generated_at", "created_at")}
    if isinstance(d, list):
        return [strip(v) for v in d]
    return d
a, b = strip(json.load(open(sys.argv[1]))), strip(json.load(open(sys.argv[2])))
print("ok" if a == b else "differs")
PY
)"
done

finish
