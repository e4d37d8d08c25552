#!/usr/bin/env bash
# The README's first command: install, build, and run the main job on the
# built-in sample district: generate it, create a store, ingest its layers,
# list them, ask a land-use question and check the industrial block lines.
# Output goes to out/sample/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -d build ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null

cim=build/tools/cim
out=out/sample
rm -rf "$out"
mkdir -p "$out"
set -x
$cim sample "$out/src"
$cim init "$out/district.cim"
$cim ingest "$out/district.cim" "$out/src/parcels.geojson" --layer parcels --role parcels
$cim ingest "$out/district.cim" "$out/src/roads.geojson" --layer roads --role roads
$cim ingest "$out/district.cim" "$out/src/blocklines.geojson" --layer blocklines --kind control --role blocklines
$cim ingest "$out/district.cim" "$out/src/eco_line.geojson" --layer eco_line --kind control --role ecoline
$cim ingest "$out/district.cim" "$out/src/buildings.geojson" --layer buildings --role buildings
$cim ingest "$out/district.cim" "$out/src/stations.geojson" --layer stations --role stations
$cim layers "$out/district.cim"
$cim query "$out/district.cim" "
  SELECT landuse,
         count(*)                                AS parcels,
         round(sum(ST_Area(geom)) / 10000, 2)     AS ha,
         round(sum(ST_Area(geom)) * 15 / 10000, 1) AS mu,
         round(100 * sum(ST_Area(geom)) / (SELECT sum(ST_Area(geom)) FROM parcels), 1) AS share_pct
  FROM parcels GROUP BY landuse ORDER BY ha DESC"
$cim check redline "$out/district.cim" --parcels parcels --lines blocklines
