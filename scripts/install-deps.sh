#!/usr/bin/env bash
# Installs what cim builds and tests with on Debian 12 (as root). Skips the
# network when everything is there already.
set -euo pipefail
packages=(
    meson ninja-build pkg-config gcc libc6-dev
    libgdal-dev libgeos-dev libproj-dev libspatialite-dev libsqlite3-dev zlib1g-dev libssl-dev
    # cim run (pipeline files) and the sensor JSON readers: a maintained JSON
    # parser (jansson)
    libjansson-dev
    # tests: GDAL's tools and SQLite with SpatiaLite as independent readers,
    # PROJ's cs2cs/cct as an independent transformer, python3 to parse JSON
    gdal-bin sqlite3 libsqlite3-mod-spatialite proj-bin python3
    # benchmarks: peak memory with /usr/bin/time
    time
    # fuzzing: clang with libFuzzer and the sanitizer runtimes
    clang libclang-rt-14-dev
    # tiles: chromium for the MapLibre GL JS render test
    chromium
    # reports: CJK fonts so the report screenshots show Chinese
    fonts-noto-cjk
    # the PostGIS backend: libpq's headers (libcim opens libpq when a store is
    # a connection string), and PostgreSQL 15 with PostGIS 3 for the
    # throwaway clusters the tests start
    libpq-dev postgresql-15-postgis-3
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# npm packages the tests check cim's output against (tests/node/package.json,
# pinned in its lock file): web-ifc for IFC, pmtiles, @mapbox/vector-tile and
# MapLibre GL JS for tiles, gltf-validator and CesiumJS for 3D Tiles. Node and npm come from Debian when the machine
# has none (a NodeSource node brings its own npm, which Debian's npm package
# would conflict with). Reinstalled when the lock file changes.
root=$(cd "$(dirname "$0")/.." && pwd)
node_dir=$root/tests/node
if ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.cim-installed-lock"; then
    if ! command -v npm >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    fi
    npm ci --no-audit --no-fund --prefix "$node_dir"
    cp "$node_dir/package-lock.json" "$node_dir/node_modules/.cim-installed-lock"
fi
