#!/usr/bin/env bash
# cim tiles3d on real PLATEAU buildings (Yokosuka LOD0 footprints through the
# GFS template, Sapporo LOD1 solids' ground projections), heights from
# measuredHeight (height_m): every GLB through Khronos glTF-Validator, and
# tests/cli/tiles3d_check.py: the tileset's structure, every vertex through
# the tile transform and cs2cs inside its region, each building's roof area,
# height and ECEF centroid against SpatiaLite (ST_Area, height_m,
# ST_Centroid -> EPSG:4326) within 0.1 %, 1 cm and 1 m; counts against SQL.
source "$(dirname "$0")/lib.sh"
PL=$DATA/plateau
tmpl=$DATA/../reference/plateau_bldg.gfs
root=$(cd "$(dirname "$0")/../.." && pwd)
node_dir=$root/tests/node
spatial() { sqlite3 -readonly -batch -noheader -cmd "SELECT load_extension('mod_spatialite');" "$1" "$2" | sed '/^$/d'; }
val() { sed -n "s/^$1 //p" "$2"; }

one() { # NAME STORE LAYER
    local name=$1 s=$2 l=$3 out=$work/$1
    check "'$CIM' tiles3d '$s' --layer $l -o '$out' --json >'$work/$name.json'" "$name: tiles3d"
    check_eq "$(python3 -c "import json; print(json.load(open('$work/$name.json'))['buildings'])")" \
        "$(q "$s" "SELECT count(*) FROM $l WHERE geom IS NOT NULL AND height_m > 0")" "$name: buildings drawn = those with measuredHeight > 0"
    check_eq "$(python3 -c "import json; print(json.load(open('$work/$name.json'))['skipped_no_height'])")" \
        "$(q "$s" "SELECT count(*) FROM $l WHERE geom IS NOT NULL AND NOT coalesce(height_m > 0, 0)")" "$name: skipped = those without"
    node "$node_dir/gltf_validate.mjs" "$out"/t/*.glb >"$work/$name.val"
    check_eq "$(python3 -c "import json; d = json.load(open('$work/$name.val')); print(d['errors'], d['warnings'])")" "0 0" \
        "$name: glTF-Validator errors and warnings"
    spatial "$s" "SELECT gml_id, ST_Area(geom), height_m, ST_X(ST_Transform(ST_Centroid(geom), 4326)),
        ST_Y(ST_Transform(ST_Centroid(geom), 4326)) FROM $l WHERE geom IS NOT NULL AND height_m > 0" >"$work/$name.csv"
    python3 "$root/tests/cli/tiles3d_check.py" "$out" "$work/$name.csv" gml_id >"$work/$name.chk" || bad "$name: check failed"
    for k in bad_nesting bad_error_order missing_content outside_region bad_area bad_height bad_position; do
        check_eq "$(val "$k" "$work/$name.chk")" 0 "$name: $k"
    done
    check_eq "$(val buildings "$work/$name.chk")" "$(wc -l <"$work/$name.csv")" "$name: every building in the GLBs"
    echo "$name: $(val buildings "$work/$name.chk") buildings, $(val vertices "$work/$name.chk") vertices, worst centroid $(val worst_position_m "$work/$name.chk") m"
}

s=$work/jp.cim
"$CIM" init "$s" --srid 6677 --quiet
check "'$CIM' ingest '$s' '$PL/yokosuka_52397519_bldg.gml' --layer y --oo GFS_TEMPLATE='$tmpl' --kind bim --role buildings --quiet" \
    "ingest yokosuka buildings"
one yokosuka "$s" y
h=$work/hk.cim
"$CIM" init "$h" --srid 6680 --quiet
check "'$CIM' ingest '$h' '$PL/sapporo_64413325_bldg.gml' --layer sp --quiet" "ingest sapporo buildings"
one sapporo "$h" sp
check_eq "$(find "$PL" -name '*.gfs' | wc -l)" 0 "no .gfs written into the shared data"
finish
