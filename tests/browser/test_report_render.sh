#!/usr/bin/env bash
# Report pages in a real browser: the sample district's land use per block
# line, its block-line check, and the real Shenzhen districts with their 491 traffic zones
# (../shared/data) rendered by headless Chromium to PNG. The map must be
# drawn (non-background pixels in the map area above a threshold), the page
# must log no console or page error and make no request beyond itself, and a
# CJK font must render its Chinese. The same page with its map paths cut out
# is the control that shows the pixel check can fail. The PNGs are kept in
# BUILD/test-artefacts/report/.
. "$(dirname "$0")/../cli/lib.sh"

NODE_DIR=$CIM_SOURCE_ROOT/tests/node
export CIM_NODE_DIR=$NODE_DIR
if [ ! -d "$NODE_DIR/node_modules/playwright-core" ] || [ ! -x /usr/bin/chromium ]; then
    fail "needs tests/node/node_modules and /usr/bin/chromium: run scripts/install-deps.sh"
    finish
fi
ART=$(cd "$(dirname "$CIM")/.." && pwd)/test-artefacts/report
mkdir -p "$ART"

render() { # NAME...: $T/NAME.html -> $ART/NAME.png, JSON in $T/NAME.r.json (one browser for all)
    local a=() n i=1
    for n in "$@"; do a+=("$T/$n.html" "$ART/$n.png"); done
    if node "$CIM_SOURCE_ROOT/tests/browser/render_report.mjs" "${a[@]}" >"$T/all.r.json" 2>"$T/render.err"; then
        pass
    else
        fail "render $*: $(head -c 600 "$T/render.err")"
    fi
    for n in "$@"; do
        sed -n "${i}p" "$T/all.r.json" >"$T/$n.r.json"
        i=$((i + 1))
    done
}
check_page() { # NAME THRESHOLD
    local share
    share=$(json_get "$T/$1.r.json" "d['share']")
    expect_true "$1: map drawn ($share of the map area, threshold $2)" awk -v s="$share" -v t="$2" 'BEGIN {exit !(s > t)}'
    expect_eq "$1: no console or page errors" "[]" "$(json_get "$T/$1.r.json" "d['errors']")"
    expect_eq "$1: no request beyond the page" "[]" "$(json_get "$T/$1.r.json" "d['requests']")"
    expect_eq "$1: a CJK font renders the Chinese" "True" "$(json_get "$T/$1.r.json" "d['cjk']")"
    expect_true "$1: PNG kept" test -s "$ART/$1.png"
    expect_true "$1: no wider than the 1000-px window" test "$(json_get "$T/$1.r.json" "d['width']")" -le 1000
}

# the sample district: land use per block line, and the block-line check's
# findings (long messages and JSON figures must wrap)
"$CIM" sample "$T/d" --quiet
new_store s.cim
s=$T/s.cim
for l in parcels blocklines; do
    "$CIM" ingest "$s" "$T/d/$l.geojson" --quiet || fail "ingest $l"
done
expect_exit 0 -- "$CIM" report "$s" --kind landuse --layer parcels --by blocklines -o "$T/sample_landuse.html"
expect_exit 0 -- "$CIM" check redline "$s" --parcels parcels --lines blocklines --out rl --quiet
expect_exit 0 -- "$CIM" report "$s" --kind redline --layer rl -o "$T/sample_redline.html"
# the control: the same page without its map paths draws (almost) nothing
sed 's/<path fill="[^"]*" stroke="[^"]*" stroke-width="[^"]*" fill-rule="evenodd" d="[^"]*">/<path d="">/g' \
    "$T/sample_landuse.html" >"$T/control.html"
pages=(sample_landuse sample_redline control)

# real Shenzhen: 10 districts and 491 traffic zones (no land-use field: areas and counts)
SZ=$CIM_SHARED_DATA/shenzhen
if [ -r "$SZ/districts_wgs84.geojson" ] && [ -r "$SZ/taz_491.geojson" ]; then
    new_store sz.cim
    z=$T/sz.cim
    expect_exit 0 -- "$CIM" ingest "$z" "$SZ/districts_wgs84.geojson" --layer districts --quiet
    expect_exit 0 -- "$CIM" ingest "$z" "$SZ/taz_491.geojson" --layer zones --quiet
    expect_exit 0 -- "$CIM" report "$z" --kind landuse --layer zones --by districts --by-field qh \
        --title "深圳 交通小区 per district" -o "$T/shenzhen_zones.html"
    expect_true "shenzhen: the district names on the page" grep -qF '福田' "$T/shenzhen_zones.html"
    pages+=(shenzhen_zones)
else
    fail "../shared/data/shenzhen is missing"
fi

render "${pages[@]}"
check_page sample_landuse 0.3
check_page sample_redline 0.05
expect_true "control: an empty map is seen as empty ($(json_get "$T/control.r.json" "d['share']"))" \
    awk -v s="$(json_get "$T/control.r.json" "d['share']")" 'BEGIN {exit !(s < 0.05)}'
if [ -s "$T/shenzhen_zones.r.json" ]; then
    check_page shenzhen_zones 0.2
fi
finish
