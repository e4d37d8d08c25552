#!/usr/bin/env bash
# Installs what cim builds and tests with on Debian 12 (as root). Skips the
# network when everything is there already.
set -euo pipefail
packages=(
    meson ninja-build pkg-config gcc libc6-dev
    libgdal-dev libgeos-dev libproj-dev libspatialite-dev libsqlite3-dev zlib1g-dev libssl-dev
    # sensor JSON readers: a maintained JSON parser (jansson)
    libjansson-dev
    # tests: GDAL's tools and SQLite with SpatiaLite as independent readers,
    # PROJ's cs2cs/cct as an independent transformer, python3 to parse JSON
    gdal-bin sqlite3 libsqlite3-mod-spatialite proj-bin python3
    # benchmarks: peak memory with /usr/bin/time
    time
    # fuzzing: clang with libFuzzer and the sanitizer runtimes
    clang libclang-rt-14-dev
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
