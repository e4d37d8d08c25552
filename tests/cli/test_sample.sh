#!/usr/bin/env bash
# cim sample: the files it writes, that GDAL reads them with the counts the
# command printed, that ingesting them gives those counts, and that the same
# seed gives the same bytes.
. "$(dirname "$0")/lib.sh"

d=$T/district
expect_exit 0 -- "$CIM" sample "$d"
expect_stderr_empty
line=$(cat "$OUT")
# "wrote DIR: N parcels, N roads, N block lines, N ecological lines, N buildings, N stations, N readings"
count() { sed -nE "s/.* ([0-9]+) $1[,]?.*/\\1/p" <<<"$line"; }
n_parcels=$(count parcels)
n_roads=$(count roads)
n_blocklines=$(count "block lines")
n_eco=$(count "ecological lines")
n_buildings=$(count buildings)
n_stations=$(count stations)
n_readings=$(count readings)
expect_ne "printed a parcel count" "" "$n_parcels"
expect_true "about 2000 parcels by default ($n_parcels)" test "${n_parcels:-0}" -ge 1900 -a "${n_parcels:-0}" -le 2100

for f in README.txt parcels.geojson buildings.geojson roads.geojson blocklines.geojson eco_line.geojson \
         stations.geojson readings.csv; do
    expect_true "wrote $f" test -s "$d/$f"
done

# GDAL's own counts of what was written agree with what was printed.
ogr_count() { ogrinfo -ro -so -al "$1" | sed -n 's/^Feature Count: //p'; }
expect_eq "parcels.geojson (ogrinfo)" "$n_parcels" "$(ogr_count "$d/parcels.geojson")"
expect_eq "roads.geojson (ogrinfo)" "$n_roads" "$(ogr_count "$d/roads.geojson")"
expect_eq "blocklines.geojson (ogrinfo)" "$n_blocklines" "$(ogr_count "$d/blocklines.geojson")"
expect_eq "eco_line.geojson (ogrinfo)" "$n_eco" "$(ogr_count "$d/eco_line.geojson")"
expect_eq "buildings.geojson (ogrinfo)" "$n_buildings" "$(ogr_count "$d/buildings.geojson")"
expect_eq "stations.geojson (ogrinfo)" "$n_stations" "$(ogr_count "$d/stations.geojson")"
expect_eq "readings.csv rows" "$n_readings" "$(($(wc -l <"$d/readings.csv") - 1))"

# --- ingest: the counts the sample printed
s=$T/s.cim
new_store s.cim
expect_exit 0 -- "$CIM" ingest "$s" "$d/parcels.geojson" --role parcels
expect_eq "parcels in the store" "$n_parcels" "$(sql "$s" "SELECT count(*) FROM parcels")"
expect_eq "parcels catalogued" "$n_parcels" "$(sql "$s" "SELECT feature_count FROM cim_layers WHERE name = 'parcels'")"
expect_eq "parcels: nothing repaired, all valid" "0|$n_parcels" \
    "$(sql "$s" "SELECT repaired FROM cim_layers WHERE name = 'parcels'")|$(spatial_sql "$s" "SELECT sum(ST_IsValid(geom)) FROM parcels")"
expect_eq "parcels: every one has an id and a land use" 0 \
    "$(sql "$s" "SELECT count(*) FROM parcels WHERE parcel_id IS NULL OR landuse IS NULL OR geom IS NULL")"
expect_eq "parcels: ids unique" "$n_parcels" "$(sql "$s" "SELECT count(DISTINCT parcel_id) FROM parcels")"
# The extent in EPSG:4547 as GDAL + SpatiaLite reproject the file.
ref=$(ogrinfo -ro -q "$d/parcels.geojson" -dialect SQLite -sql "SELECT
        min(MbrMinX(ST_Transform(geometry, 4547))) AS x0, min(MbrMinY(ST_Transform(geometry, 4547))) AS y0,
        max(MbrMaxX(ST_Transform(geometry, 4547))) AS x1, max(MbrMaxY(ST_Transform(geometry, 4547))) AS y1
        FROM parcels" | sed -n 's/^ *\([a-z0-9]*\) (Real) = /\1 /p')
for k in x0:minx y0:miny x1:maxx y1:maxy; do
    expect_near "parcels extent ${k#*:}" "$(awk -v k="${k%%:*}" '$1 == k { print $2 }' <<<"$ref")" \
        "$(sql "$s" "SELECT ${k#*:} FROM cim_layers WHERE name = 'parcels'")" 0.01
done
# ... and inside the box the README gives (built in EPSG:4547, 1 cm slack).
box=$(sed -nE 's/^Extent in EPSG:4547: x ([0-9.]+) \.\. ([0-9.]+), y ([0-9.]+) \.\. ([0-9.]+).*/\1 \2 \3 \4/p' "$d/README.txt")
read -r bx0 bx1 by0 by1 <<<"$box"
expect_eq "parcels inside the README's extent" 1 \
    "$(sql "$s" "SELECT minx >= $bx0 - 0.01 AND maxx <= $bx1 + 0.01 AND miny >= $by0 - 0.01 AND maxy <= $by1 + 0.01 FROM cim_layers WHERE name = 'parcels'")"

# The other layers go in with their printed counts.
for pair in "roads:$n_roads" "blocklines:$n_blocklines" "eco_line:$n_eco" "buildings:$n_buildings" \
            "stations:$n_stations" "readings:$n_readings"; do
    name=${pair%%:*}
    want=${pair#*:}
    f=$d/$name.geojson
    [ "$name" = readings ] && f=$d/readings.csv
    expect_exit 0 -- "$CIM" ingest "$s" "$f" --quiet
    expect_eq "$name in the store" "$want" "$(sql "$s" "SELECT count(*) FROM $name")"
done

# --- the same seed gives the same bytes; another seed does not
d2=$T/again
expect_exit 0 -- "$CIM" sample "$d2" --quiet
expect_stdout_empty
expect_eq "same seed, same files" "$(cd "$d" && sha256sum ./* | sort)" "$(cd "$d2" && sha256sum ./* | sort)"
d3=$T/small
expect_exit 0 -- "$CIM" sample "$d3" --parcels 60 --seed 7 --days 1
small=$(cat "$OUT")
n_small=$(sed -nE 's/.*: ([0-9]+) parcels.*/\1/p' <<<"$small")
expect_true "--parcels 60 gives about 60 ($n_small)" test "${n_small:-0}" -ge 40 -a "${n_small:-0}" -le 80
expect_eq "small: parcels (ogrinfo)" "$n_small" "$(ogr_count "$d3/parcels.geojson")"
expect_exit 0 -- "$CIM" ingest "$s" "$d3/parcels.geojson" --layer small_parcels --quiet
expect_eq "small: parcels in the store" "$n_small" "$(sql "$s" "SELECT count(*) FROM small_parcels")"
expect_ne "another seed, other parcels" "$(sha256sum <"$d/parcels.geojson")" "$(sha256sum <"$d3/parcels.geojson")"

# --- usage and I/O errors
expect_exit 2 -- "$CIM" sample
expect_exit 2 -- "$CIM" sample "$T/x" --parcels 0
expect_error_format
expect_exit 2 -- "$CIM" sample "$T/x" --parcels many
expect_exit 2 -- "$CIM" sample "$T/x" --days -1
expect_exit 2 -- "$CIM" sample "$T/x" --seed -5
expect_exit 2 -- "$CIM" sample "$T/x" "$T/y"
printf 'x\n' >"$T/afile"
expect_exit 4 -- "$CIM" sample "$T/afile"
expect_error_format
expect_stderr_contains "afile"

finish
