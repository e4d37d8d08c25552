#!/usr/bin/env bash
# cim report: land use per polygon on hand-built squares (areas worked out by
# hand, a name with <script>, &, quotes and a comma escaped and CSV-quoted), the sample district's land use
# per block line against SpatiaLite's ST_Area(ST_Intersection()) GROUP BY on
# the same store (1e-6 relative), the check/indicator/sensor reports against
# SQL counts on the result layers, the three forms carrying the same cells
# (the JSON valid against doc/report.schema.json), and bad input: unknown
# kind (2), a missing layer or field (3), a layer of the wrong kind (3), an
# unwritable output (4), the store byte-identical throughout.
. "$(dirname "$0")/lib.sh"

SCHEMA=$CIM_SOURCE_ROOT/doc/report.schema.json
VALIDATE=$CIM_SOURCE_ROOT/tests/cli/test_report_validate.py

sq() { # sq PROPS X0 Y0 X1 Y1: a rectangle, offsets from (500000, 2500000) in EPSG:4547
    local p=$1 x0=$((500000 + $2)) y0=$((2500000 + $3)) x1=$((500000 + $4)) y1=$((2500000 + $5))
    printf '{"type":"Feature","properties":%s,"geometry":{"type":"Polygon","coordinates":[[[%s,%s],[%s,%s],[%s,%s],[%s,%s],[%s,%s]]]}}' \
        "$p" "$x0" "$y0" "$x1" "$y0" "$x1" "$y1" "$x0" "$y1" "$x0" "$y0"
}
HDR='{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":['
# two districts of 200 x 100 m side by side
{
    echo "$HDR"
    sq '{"name":"福田 <script>alert(1)</script> & \"co\", ltd"}' 0 0 200 100; echo ,
    sq '{"name":"南山"}' 200 0 400 100
    echo ']}'
} >"$T/districts.geojson"
# M1+W1 wholly in district 1, R2 across the border (half each), M0 wholly in district 2
{
    echo "$HDR"
    sq '{"landuse":"M1+W1","kind":"a"}' 0 0 100 100; echo ,
    sq '{"landuse":"R2","kind":"b"}' 150 0 250 100; echo ,
    sq '{"landuse":"M0","kind":"c"}' 300 0 400 100
    echo ']}'
} >"$T/lu.geojson"
s=$T/s.cim
new_store s.cim
expect_exit 0 -- "$CIM" ingest "$s" "$T/districts.geojson" --layer districts --quiet
expect_exit 0 -- "$CIM" ingest "$s" "$T/lu.geojson" --layer lu --quiet
BEFORE=$(store_fingerprint "$s")

# ---- hand-computed: areas, ha, mu (10000/15 m²), shares of the district ----
expect_exit 0 -- "$CIM" report "$s" --kind landuse --layer lu --by districts -o "$T/h.csv"
expect_stdout_contains "4 rows"
expect_eq "rows: by, class, industrial, count, m², ha, 亩, share" \
"1,\"福田 <script>alert(1)</script> & \"\"co\"\", ltd\",M1+W1,1,1,10000.00,1.0000,15.00,0.5000
1,\"福田 <script>alert(1)</script> & \"\"co\"\", ltd\",R2,0,1,5000.00,0.5000,7.50,0.2500
2,南山,M0,1,1,10000.00,1.0000,15.00,0.5000
2,南山,R2,0,1,5000.00,0.5000,7.50,0.2500" "$(tail -n +2 "$T/h.csv" | tr -d '\r' | sort)"
expect_eq "CSV header after a UTF-8 BOM" "efbbbf by_fid,by_name,class,industrial,features,area_m2,area_ha,area_mu,share" \
    "$(head -c 3 "$T/h.csv" | od -An -tx1 | tr -d ' \n') $(head -1 "$T/h.csv" | tail -c +4 | tr -d '\r')"
expect_exit 0 -- "$CIM" report "$s" --kind landuse --layer lu --by districts -o "$T/h.json"
expect_eq "industrial M0+M1 of 30000 m²: 20000 m², 2 ha, share 0.6667, M0 10000" "20000.0 2.0 0.6667 10000.0" \
    "$(json_get "$T/h.json" "' '.join(str(float(f['value'])) for f in d['figures'] if f['key'] in ('industrial_m2','industrial_ha','industrial_share','m0_m2'))")"
expect_eq "per polygon: area, covered, industrial" "1 20000.0 15000.0 10000.0 0.5|2 20000.0 15000.0 10000.0 0.5" \
    "$(json_get "$T/h.json" "'|'.join('%d %s %s %s %s' % (r[0], float(r[2]), float(r[3]), float(r[6]), float(r[7])) for r in d['tables'][1]['rows'])")"
expect_exit 0 -- "$CIM" report "$s" --kind landuse --layer lu --by districts -o "$T/h.html"
expect_true "JSON valid against the schema; CSV and HTML tables equal the JSON's" \
    "$PYTHON" "$VALIDATE" "$SCHEMA" "$T/h.json" "$T/h.csv" "$T/h.html"
expect_true "HTML: the name escaped" grep -qF '福田 &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;, ltd' "$T/h.html"
expect_eq "HTML: no script element at all" 0 "$(grep -ci '<script' "$T/h.html")"
expect_eq "HTML: no external reference" 0 "$(grep -ciE '(src|href)="(https?:)?//' "$T/h.html")"
expect_true "HTML: charset, CJK font stack, print CSS, thead, a map with even-odd paths" \
    grep -q '<meta charset="utf-8">' "$T/h.html"
for want in '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif' '@page' '<thead>' \
    'fill-rule="evenodd"' 'class="scalebar"' 'class="north"'; do
    expect_true "HTML has $want" grep -qF "$want" "$T/h.html"
done
# --field with a layer without the default field; a layer without any: counts and areas only
expect_exit 0 -- "$CIM" report "$s" --kind landuse --layer lu --field kind --by districts -o "$T/k.json" --quiet
expect_eq "--field kind" "1,a,10000.0|1,b,5000.0|2,b,5000.0|2,c,10000.0" \
    "$(json_get "$T/k.json" "'|'.join('%d,%s,%s' % (r[0], r[2], float(r[5])) for r in d['tables'][0]['rows'])")"
expect_exit 0 -- "$CIM" report "$s" --kind landuse --layer districts --by lu -o "$T/n.json" --quiet
expect_eq "no land-use field: areas and counts, said so" "3 True" \
    "$(json_get "$T/n.json" "'%d %s' % (len(d['tables'][0]['rows']), any('no land-use field' in n for n in d['notes']))")"

# ---- bad input: exit codes, clear messages, the store untouched ----
expect_exit 2 -- "$CIM" report "$s" --kind zoning --layer lu --by districts -o "$T/x.html"
expect_stderr_contains "unknown kind 'zoning'"
expect_exit 2 -- "$CIM" report "$s" --kind landuse --layer lu --by districts -o "$T/x.pdf"
expect_exit 2 -- "$CIM" report "$s" --kind landuse --layer lu -o "$T/x.html"
expect_exit 3 -- "$CIM" report "$s" --kind landuse --layer nope --by districts -o "$T/x.html"
expect_error_format
expect_stderr_contains "land-use layer 'nope' not found"
expect_exit 3 -- "$CIM" report "$s" --kind landuse --layer lu --by nope -o "$T/x.html"
expect_exit 3 -- "$CIM" report "$s" --kind landuse --layer lu --field nope --by districts -o "$T/x.html"
expect_stderr_contains "layer 'lu' has no field 'nope' (--field)"
expect_exit 3 -- "$CIM" report "$s" --kind landuse --layer lu --by districts --by-field nope -o "$T/x.html"
expect_exit 3 -- "$CIM" report "$s" --kind redline --layer lu -o "$T/x.html"
expect_stderr_contains "layer 'lu' is not a redline result"
expect_exit 3 -- "$CIM" report "$s" --kind indicators --layer districts -o "$T/x.json"
expect_exit 4 -- "$CIM" report "$s" --kind landuse --layer lu --by districts -o "$T/no/such/dir/x.html"
expect_error_format
expect_true "no output left by the failures" test ! -e "$T/x.html" -a ! -e "$T/x.json" -a ! -e "$T/x.html.tmp"
expect_unchanged "reports only read" "$s" "$BEFORE"

# ---- the sample district: land use per block line against SpatiaLite ----
S=$T/d.cim
new_store d.cim
run "$CIM" sample "$T/d" --quiet
for l in parcels blocklines buildings eco_line; do
    expect_exit 0 -- "$CIM" ingest "$S" "$T/d/$l.geojson" --layer "$l" --quiet
done
expect_exit 0 -- "$CIM" check redline "$S" --parcels parcels --lines blocklines --out rl --quiet
expect_exit 0 -- "$CIM" indicators "$S" --parcels parcels --buildings buildings --limits-from sz --out ind --quiet
cat >"$T/site.geojson" <<'EOF2'
{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":[
{"type":"Feature","properties":{"name":"proposed"},"geometry":{"type":"Polygon","coordinates":[[[494000,2495300],[494400,2495300],[494400,2495700],[494000,2495700],[494000,2495300]]]}}]}
EOF2
expect_exit 0 -- "$CIM" check siting "$S" --site "$T/site.geojson" --control eco_line:forbidden \
    --control blocklines:restricted --out site --quiet
printf 'station,time,lon,lat,pm25\nA,2026-01-01T00:00:00Z,113.9,22.5,10\nA,2026-01-03T00:00:00Z,113.9,22.5,30\nB,2026-01-01T00:00:00Z,114.0,22.6,5\n' \
    >"$T/air.csv"
expect_exit 0 -- "$CIM" ingest "$S" "$T/air.csv" --kind sensor --layer air --sensor-field station --time-field time \
    --x-field lon --y-field lat --quiet
expect_exit 0 -- "$CIM" sensors summarize "$S" --layer air --every 1d --out air_daily --quiet
BEFORE=$(store_fingerprint "$S")

for f in json csv html; do
    expect_exit 0 -- "$CIM" report "$S" --kind landuse --layer parcels --by blocklines -o "$T/lu.$f" --quiet
done
expect_true "sample: forms agree, schema valid" "$PYTHON" "$VALIDATE" "$SCHEMA" "$T/lu.json" "$T/lu.csv" "$T/lu.html"
spatial_sql "$S" "SELECT b.fid, p.landuse, sum(ST_Area(ST_Intersection(p.geom, b.geom)))
  FROM parcels p, blocklines b WHERE MbrIntersects(p.geom, b.geom) AND ST_Intersects(p.geom, b.geom)
  GROUP BY b.fid, p.landuse" >"$T/ref.txt"
cmp_out=$("$PYTHON" - "$T/lu.json" "$T/ref.txt" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
ours = {(r[0], r[2]): r[5] for r in d['tables'][0]['rows']}
ref = {}
for line in open(sys.argv[2]):
    f, k, a = line.rstrip('\n').split('|')
    ref[(int(f), k)] = float(a)
bad = []
for key in set(ours) | set(ref):
    a, b = ours.get(key, 0.0), ref.get(key, 0.0)
    # ours is rounded to 2 decimals (cm²)
    if abs(a - b) > max(1e-6 * abs(b), 0.006):
        bad.append('%s: ours %s, SpatiaLite %s' % (key, a, b))
n = sum(1 for v in ref.values() if v > 0.006)
print('%d %s' % (n, bad[:5]))
EOF2
)
expect_eq "per block line x class: every area equals SpatiaLite's" "$(wc -l <"$T/ref.txt" | awk '{print $1}') []" \
    "$(echo "$cmp_out" | sed 's/^[0-9]*/&/')"
expect_ne "the comparison covered rows" "0 []" "$cmp_out"
expect_eq "industrial share: M0+M1 over all classes, as SQL computes it" \
    "$(spatial_sql "$S" "SELECT printf('%.4f', sum(CASE WHEN p.landuse IN ('M0','M1') THEN ST_Area(ST_Intersection(p.geom, b.geom)) ELSE 0 END) / sum(ST_Area(ST_Intersection(p.geom, b.geom)))) FROM parcels p, blocklines b WHERE MbrIntersects(p.geom, b.geom) AND ST_Intersects(p.geom, b.geom)")" \
    "$(json_get "$T/lu.json" "'%.4f' % [f['value'] for f in d['figures'] if f['key'] == 'industrial_share'][0]")"

# ---- results of the other commands, read not recomputed ----
for k in redline:rl siting:site indicators:ind sensors:air_daily; do
    for f in json csv html; do
        expect_exit 0 -- "$CIM" report "$S" --kind "${k%%:*}" --layer "${k#*:}" -o "$T/${k%%:*}.$f" --quiet
    done
    expect_true "${k%%:*}: forms agree, schema valid" "$PYTHON" "$VALIDATE" "$SCHEMA" "$T/${k%%:*}.json" \
        "$T/${k%%:*}.csv" "$T/${k%%:*}.html"
done
expect_eq "redline: every finding, worst first" \
    "$(sql "$S" "SELECT count(*) || ' ' || min(CASE severity WHEN 'error' THEN 0 WHEN 'needs_approval' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END) FROM rl_findings")" \
    "$(json_get "$T/redline.json" "'%d %d' % (len(d['tables'][0]['rows']), {'error':0,'needs_approval':1,'warning':2}.get(d['tables'][0]['rows'][0][1], 3))")"
expect_eq "redline: severities never improve down the table" "True" \
    "$(json_get "$T/redline.json" "(lambda r: r == sorted(r))([{'error':0,'needs_approval':1,'warning':2,'info':3}[x[1]] for x in d['tables'][0]['rows']])")"
expect_eq "indicators: violations as SQL counts them, listed first" \
    "$(sql "$S" "SELECT count(*) FROM ind WHERE far_ok = 0 OR coverage_ok = 0 OR height_ok = 0")" \
    "$(json_get "$T/indicators.json" "'%d' % [f['value'] for f in d['figures'] if f['key'] == 'violations'][0]")"
expect_eq "indicators: the violations come first" "True" \
    "$(json_get "$T/indicators.json" "(lambda r: r == sorted(r))([0 if x[0] == 'violation' else 1 for x in d['tables'][0]['rows']])")"
expect_eq "siting: a row per control layer in conflict" "$(sql "$S" "SELECT count(*) FROM site")" \
    "$(json_get "$T/siting.json" "len(d['tables'][0]['rows'])")"
expect_eq "sensors: every summary row" "$(sql "$S" "SELECT count(*) FROM air_daily")" \
    "$(json_get "$T/sensors.json" "len(d['tables'][0]['rows'])")"
# a sensor group: its gaps first (A read on Jan 1 and 3: Jan 2 missing; B only on
# Jan 1 of the group's Jan 1-3: Jan 2-3), then daily summaries; the sensors on the map
for f in json csv html; do
    expect_exit 0 -- "$CIM" report "$S" --kind sensors --layer air -o "$T/group.$f" --quiet
done
expect_true "sensor group: forms agree, schema valid" "$PYTHON" "$VALIDATE" "$SCHEMA" "$T/group.json" "$T/group.csv" \
    "$T/group.html"
expect_eq "sensor group: gaps by hand" "A 2026-01-02 2026-01-02 1|B 2026-01-02 2026-01-03 2" \
    "$(json_get "$T/group.json" "'|'.join(' '.join(str(x) for x in r) for r in d['tables'][0]['rows'])")"
expect_eq "sensor group: daily means" "A 2026-01-01 10.0|A 2026-01-03 30.0|B 2026-01-01 5.0" \
    "$(json_get "$T/group.json" "'|'.join('%s %s %s' % (r[0], r[2], r[4]) for r in d['tables'][1]['rows'])")"
expect_eq "sensor group: both sensors on the map" 2 "$(grep -o '</circle>' "$T/group.html" | wc -l)"
expect_unchanged "the sample store only read" "$S" "$BEFORE"

# ---- a report step in a pipeline (the nightly job writes its reports) ----
cat >"$T/p.json" <<'EOF2'
{"store": "d.cim", "steps": [
 {"name": "landuse_report", "command": "report", "kind": "landuse", "layer": "parcels", "by": "blocklines",
  "output": "p_landuse.csv"},
 {"name": "redline_report", "command": "report", "kind": "redline", "layer": "rl", "output": "p_redline.html"}]}
EOF2
expect_exit 0 -- "$CIM" run "$T/p.json" --quiet
expect_true "pipeline: the CSV equals the command's" cmp "$T/p_landuse.csv" "$T/lu.csv"
expect_true "pipeline: the HTML written" grep -q 'class="map"' "$T/p_redline.html"
finish
