#!/usr/bin/env bash
# The command line itself: no command, unknown command, --help everywhere,
# unknown options, missing arguments, --version.
. "$(dirname "$0")/lib.sh"

commands="init ingest layers info query sample"

expect_exit 2 -- "$CIM"
expect_stdout_empty
expect_stderr_contains "usage: cim"
for c in $commands; do
    expect_stderr_contains "  $c "
done

expect_exit 2 -- "$CIM" frobnicate
expect_error_format
expect_stderr_contains "frobnicate"
expect_exit 2 -- "$CIM" --frobnicate
expect_exit 2 -- "$CIM" INIT

for h in --help -h help; do
    expect_exit 0 -- "$CIM" $h
    expect_stdout_contains "usage: cim"
    expect_stderr_empty
done
# The exit codes are documented where people look.
run "$CIM" --help
expect_stdout_contains "2 usage, 3 bad input data, 4 store or I/O failure, 5 internal"

expect_exit 0 -- "$CIM" --version
expect_stderr_empty
expect_true "version line: cim X.Y.Z ($(head -n 1 "$OUT"))" grep -qE '^cim [0-9]+\.[0-9]+\.[0-9]+ ' "$OUT"
project_version=$(sed -nE "s/^ *version *: *'([^']+)'.*/\1/p" "$CIM_SOURCE_ROOT/meson.build" | head -n 1)
expect_ne "meson.build has a version" "" "$project_version"
expect_eq "--version is the project's version" "$project_version" "$(sed -nE 's/^cim ([^ ]+) .*/\1/p' "$OUT")"
expect_stdout_contains "GDAL"
expect_stdout_contains "PROJ"
expect_stdout_contains "GEOS"
expect_stdout_contains "SQLite"

for c in $commands; do
    expect_exit 0 -- "$CIM" "$c" --help
    expect_stdout_contains "usage: cim $c"
    expect_stderr_empty
    expect_exit 0 -- "$CIM" "$c" -h
    expect_stdout_contains "usage: cim $c"
    # --help wins over missing arguments and does nothing else.
    expect_exit 0 -- "$CIM" "$c" "$T/not-there" --help
    expect_true "$c --help created nothing" test ! -e "$T/not-there"

    expect_exit 2 -- "$CIM" "$c" --no-such-option
    expect_error_format
    expect_stderr_contains "no-such-option"
    expect_stderr_contains "cim $c --help"
    expect_exit 2 -- "$CIM" "$c"
    expect_error_format
    expect_stderr_contains "cim: $c: "
done

# Options that need a value, given none.
expect_exit 2 -- "$CIM" init "$T/a.cim" --srid
expect_exit 2 -- "$CIM" ingest "$T/a.cim" x.geojson --layer
expect_exit 2 -- "$CIM" query "$T/a.cim" "SELECT 1" --format
expect_exit 2 -- "$CIM" sample "$T/d" --parcels
# Too many arguments.
expect_exit 2 -- "$CIM" init "$T/a.cim" "$T/b.cim"
expect_exit 2 -- "$CIM" ingest "$T/a.cim" x.geojson y.geojson
expect_exit 2 -- "$CIM" query "$T/a.cim" "SELECT 1" "SELECT 2"
expect_exit 2 -- "$CIM" info "$T/a.cim" l1 l2
expect_true "no store created by usage errors" test ! -e "$T/a.cim" -a ! -e "$T/b.cim"
# A usage error is one line on stderr and nothing on stdout.
expect_exit 2 -- "$CIM" layers --bogus
expect_stdout_empty
expect_eq "one line" 1 "$(wc -l <"$ERR")"

finish
