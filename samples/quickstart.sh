#!/usr/bin/env bash
# The README's first command: install, build, and run the main job on the
# built-in sample district: generate it, then run its pipeline
# (samples/district.pipeline.json: create the store, ingest its layers,
# dissolve land-use blocks, check the industrial block lines, compute building
# indicators), list the layers and ask a land-use question; then publish
# (samples/district.publish.json: vector tiles with a preview page, 3D
# buildings, land-use and block-line reports). Output goes to out/sample/.
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
cp samples/district.pipeline.json samples/district.publish.json "$out/"
$cim run "$out/district.pipeline.json"
$cim layers "$out/district.cim"
$cim query "$out/district.cim" "
  SELECT landuse,
         count(*)                                AS parcels,
         round(sum(ST_Area(geom)) / 10000, 2)     AS ha,
         round(sum(ST_Area(geom)) * 15 / 10000, 1) AS mu,
         round(100 * sum(ST_Area(geom)) / (SELECT sum(ST_Area(geom)) FROM parcels), 1) AS share_pct
  FROM parcels GROUP BY landuse ORDER BY ha DESC"
# What the platform and the planners get: tiles, 3D buildings, reports.
$cim run "$out/district.publish.json"
# The nightly jobs again: nothing changed, so every step is skipped.
$cim run "$out/district.pipeline.json" --quiet
$cim run "$out/district.publish.json" --quiet
