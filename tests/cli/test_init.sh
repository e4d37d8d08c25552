#!/usr/bin/env bash
# cim init: the store file, its SRID, the SpatiaLite metadata, WAL, the
# catalogue; refusals (geographic, unknown or Web Mercator SRID, existing path).
. "$(dirname "$0")/lib.sh"

# --- default store
s=$T/default.cim
expect_exit 0 -- "$CIM" init "$s"
expect_stdout_contains "EPSG:4547"
expect_stderr_empty
expect_true "store file exists" test -s "$s"
expect_eq "cim_meta srid" 4547 "$(sql "$s" "SELECT value FROM cim_meta WHERE key = 'srid'")"
expect_eq "cim_meta schema_version" 1 "$(sql "$s" "SELECT value FROM cim_meta WHERE key = 'schema_version'")"
created=$(sql "$s" "SELECT value FROM cim_meta WHERE key = 'created_at'")
expect_true "created_at is UTC ISO 8601 ($created)" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' <<<"$created"
expect_ne "library_version present" "" "$(sql "$s" "SELECT value FROM cim_meta WHERE key = 'library_version'")"
expect_eq "journal_mode" wal "$(sql "$s" "PRAGMA journal_mode")"
# 3 = SpatiaLite's "current" layout with the EPSG srs table (what QGIS expects).
expect_eq "CheckSpatialMetaData (sqlite3 + mod_spatialite)" 3 "$(spatial_sql "$s" "SELECT CheckSpatialMetaData()")"
# GDAL's SQLite driver sees a SpatiaLite database (what ogrinfo and QGIS use).
run ogrinfo -ro "$s" -sql "SELECT CheckSpatialMetaData() AS c"
expect_true "ogrinfo runs CheckSpatialMetaData = 3" grep -q "c (Integer) = 3" "$OUT"
expect_eq "EPSG:4547 in spatial_ref_sys" 1 "$(sql "$s" "SELECT count(*) FROM spatial_ref_sys WHERE srid = 4547")"
for t in cim_meta cim_layers cim_runs cim_run_layers; do
    expect_eq "catalogue table $t" 1 "$(sql "$s" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '$t'")"
done
expect_eq "no layers yet" 0 "$(sql "$s" "SELECT count(*) FROM cim_layers")"
# init is a run that changes the store: recorded, finished, ok.
expect_eq "init run recorded" "init|ok" "$(sql "$s" "SELECT command || '|' || status FROM cim_runs")"
expect_ne "init run has an end time" "" "$(sql "$s" "SELECT ended_at FROM cim_runs WHERE command = 'init'")"
# The store was built under a temporary name and renamed: nothing else is left.
expect_eq "no temporary files left" "default.cim" "$(cd "$T" && ls default.cim* | grep -v -e '-wal$' -e '-shm$')"
expect_exit 0 -- sqlite3 -readonly "$s" "PRAGMA integrity_check"
expect_stdout_contains "ok"

# --quiet prints nothing.
expect_exit 0 -- "$CIM" init "$T/quiet.cim" --quiet
expect_stdout_empty

# --- another SRID
s2=$T/tokyo.cim
expect_exit 0 -- "$CIM" init "$s2" --srid 6677
expect_stdout_contains "EPSG:6677"
expect_eq "cim_meta srid 6677" 6677 "$(sql "$s2" "SELECT value FROM cim_meta WHERE key = 'srid'")"
expect_eq "EPSG:6677 in spatial_ref_sys" 1 "$(sql "$s2" "SELECT count(*) FROM spatial_ref_sys WHERE srid = 6677")"
expect_eq "CheckSpatialMetaData 6677" 3 "$(spatial_sql "$s2" "SELECT CheckSpatialMetaData()")"

# --- refusals: exit 2, a cim: message, and no file left behind.
refuse() { # refuse PATH-NAME TEXT ARGS...
    local name=$1 text=$2
    shift 2
    expect_exit 2 -- "$CIM" init "$T/$name" "$@"
    expect_error_format
    expect_stderr_contains "$text"
    expect_eq "no file for refused $name ($*)" "" "$(cd "$T" && ls -A | grep -F "$name" || true)"
}
refuse geo.cim "not a projected CRS" --srid 4326
refuse cgcs.cim "not a projected CRS" --srid 4490
refuse unknown.cim "unknown EPSG code" --srid 999999
refuse merc.cim "Web Mercator" --srid 3857
refuse word.cim "--srid 'abc'" --srid abc
refuse zero.cim "--srid '0'" --srid 0
refuse neg.cim "--srid '-4547'" --srid -4547
refuse feet.cim "not metre" --srid 2227
# PROJ must not print its own lines: the whole stderr is cim's one message.
expect_exit 2 -- "$CIM" init "$T/x.cim" --srid 999999
expect_eq "one line of stderr" 1 "$(wc -l <"$ERR")"

# --- an existing path is refused and left as it was
before=$(store_fingerprint "$s")
expect_exit 2 -- "$CIM" init "$s"
expect_error_format
expect_stderr_contains "exists"
expect_stderr_contains "default.cim"
expect_unchanged "existing store after init" "$s" "$before"
printf 'precious\n' >"$T/notes.txt"
expect_exit 2 -- "$CIM" init "$T/notes.txt"
expect_eq "existing non-store file untouched" "precious" "$(cat "$T/notes.txt")"

# --- a directory that does not exist: store/I/O failure, nothing created
expect_exit 4 -- "$CIM" init "$T/no/such/dir/s.cim"
expect_error_format
expect_true "no directory created" test ! -e "$T/no"

finish
