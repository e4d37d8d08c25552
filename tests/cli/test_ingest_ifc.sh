#!/usr/bin/env bash
# cim ingest of IFC files: a hand-made model (tests/data/ifc/courtyard.ifc)
# whose footprint, storeys and placement on the map are worked out by hand,
# and broken variants of it (truncated, dangling #ref, placement cycle,
# unknown unit, missing placement, no georeference): exit 3 naming the
# entity, store left byte-identical; or a building that says what it lacks.
. "$(dirname "$0")/lib.sh"

M=$CIM_SOURCE_ROOT/tests/data/ifc/courtyard.ifc
s=$T/s.cim
new_store s.cim --srid 4547

# ---- the model, by hand ----
# Local x (metres) points north: IfcMapConversion XAxis (0, 1), so map
# E = 500000 - y, N = 2500000 + x. The 10 x 20 m slab covers
# E 499980..500000, N 2500000..2500010. Scale is absent with millimetre
# units: the unit ratio must be used (else the building is 1000 x too big).
expect_exit 0 -- "$CIM" ingest "$s" "$M" --layer court
expect_eq "layers" "court|bim|buildings|1
court_storeys|bim|storeys|2" "$(sql "$s" "SELECT name, kind, role, feature_count FROM cim_layers WHERE name LIKE 'court%' ORDER BY name")"
expect_eq "building name (\\X2\\ escape and '')" "Tower 大楼 it's" "$(sql "$s" "SELECT name FROM court")"
expect_eq "guid" "0aaaaaaaaaaaaaaaaaaaa3" "$(sql "$s" "SELECT guid FROM court")"
ext=$(spatial_sql "$s" "SELECT printf('%.3f %.3f %.3f %.3f %.3f', ST_MinX(geom), ST_MinY(geom), ST_MaxX(geom), ST_MaxY(geom), ST_Area(geom)) FROM court")
expect_eq "footprint extent and area (storey 2 covers the courtyard)" "499980.000 2500000.000 500000.000 2500010.000 200.000" "$ext"
expect_eq "footprint valid, SRID" "1|4547" "$(spatial_sql "$s" "SELECT ST_IsValid(geom), ST_SRID(geom) FROM court")"
expect_eq "height, storeys" "3.3|2|0" "$(sql "$s" "SELECT round(height_m, 6), storeys_above, storeys_below FROM court")"
expect_true "georef method names the map conversion and the unit ratio" \
    grep -q "IfcMapConversion #30 to EPSG:4547 (Scale absent" <<<"$(sql "$s" "SELECT georef_method FROM court")"
# Ground storey: 200 m2 minus the 4 x 10 m courtyard (kept) = 160; the
# 1 x 1 m shaft is filled. First storey: its GrossFloorArea quantity.
expect_eq "storeys" "1|Ground|0.0|3.0|160.0|outline|1
1|First|3.0|0.3|123.5|IfcElementQuantity GrossFloorArea of the storey|0" \
    "$(spatial_sql "$s" "SELECT building_fid, name, round(elevation_m, 6), round(height_m, 6), round(floor_area_m2, 6), area_source, ST_NumInteriorRing(ST_GeometryN(geom, 1)) FROM court_storeys ORDER BY elevation_m")"
expect_eq "courtyard hole area" "40.000" "$(spatial_sql "$s" "SELECT printf('%.3f', ST_Area(ST_BuildArea(ST_InteriorRingN(ST_GeometryN(geom, 1), 1)))) FROM court_storeys WHERE name = 'Ground'")"

# The same again: the layer exists -> usage error; --replace works.
expect_exit 2 -- "$CIM" ingest "$s" "$M" --layer court
expect_exit 0 -- "$CIM" ingest "$s" "$M" --layer court --replace

# --georef overrides the file: origin at E 400000 N 2600000, x axis east.
expect_exit 0 -- "$CIM" ingest "$s" "$M" --layer moved --georef EPSG:4547@400000,2600000
expect_eq "override extent" "400000.000 2600000.000 400010.000 2600020.000" \
    "$(spatial_sql "$s" "SELECT printf('%.3f %.3f %.3f %.3f', ST_MinX(geom), ST_MinY(geom), ST_MaxX(geom), ST_MaxY(geom)) FROM moved")"
expect_eq "override quality" "1" "$(sql "$s" "SELECT georef_quality FROM moved")"
expect_exit 2 -- "$CIM" ingest "$s" "$M" --layer bad_override --georef "EPSG:4547@abc"
expect_exit 2 -- "$CIM" ingest "$s" "$M" --layer s_srs --s-srs EPSG:4326
expect_stderr_contains "--georef"

# A Scale that contradicts the unit (1.0 with millimetres) is replaced by the ratio.
sed 's/#30=IFCMAPCONVERSION(#10,#31,500000.,2500000.,0.,0.,1.,\$);/#30=IFCMAPCONVERSION(#10,#31,500000.,2500000.,0.,0.,1.,1.);/' "$M" >"$T/scale1.ifc"
expect_exit 0 -- "$CIM" ingest "$s" "$T/scale1.ifc" --layer scale1
expect_eq "scale 1 corrected" "200.000" "$(spatial_sql "$s" "SELECT printf('%.3f', ST_Area(geom)) FROM scale1")"
expect_true "scale correction recorded" grep -q "Scale 1 disagrees" <<<"$(sql "$s" "SELECT georef_method FROM scale1")"

# IFC2X3 carries the same map conversion in property sets (ePSet_MapConversion,
# ePSet_ProjectedCRS): the same building in the same place.
{
    sed -e "s/FILE_SCHEMA(('IFC4'));/FILE_SCHEMA(('IFC2X3'));/" -e '/^#30=/d' -e '/^#31=/d' "$M" | head -n -2
    cat <<'EOT'
#30=IFCPROPERTYSET('0aaaaaaaaaaaaaaaaaaa15',$,'ePSet_MapConversion',$,(#32,#33,#34,#35));
#32=IFCPROPERTYSINGLEVALUE('Eastings',$,IFCLENGTHMEASURE(500000.),$);
#33=IFCPROPERTYSINGLEVALUE('Northings',$,IFCLENGTHMEASURE(2500000.),$);
#34=IFCPROPERTYSINGLEVALUE('XAxisAbscissa',$,IFCREAL(0.),$);
#35=IFCPROPERTYSINGLEVALUE('XAxisOrdinate',$,IFCREAL(1.),$);
#31=IFCPROPERTYSET('0aaaaaaaaaaaaaaaaaaa16',$,'ePSet_ProjectedCRS',$,(#36));
#36=IFCPROPERTYSINGLEVALUE('Name',$,IFCLABEL('EPSG:4547'),$);
ENDSEC;
END-ISO-10303-21;
EOT
} >"$T/x3.ifc"
expect_exit 0 -- "$CIM" ingest "$s" "$T/x3.ifc" --layer x3
expect_eq "IFC2X3 property-set georeference: extent" "499980.000 2500000.000 500000.000 2500010.000" \
    "$(spatial_sql "$s" "SELECT printf('%.3f %.3f %.3f %.3f', ST_MinX(geom), ST_MinY(geom), ST_MaxX(geom), ST_MaxY(geom)) FROM x3")"
expect_true "IFC2X3 georef method" grep -q "ePSet_MapConversion #30 / ePSet_ProjectedCRS #31 to EPSG:4547" \
    <<<"$(sql "$s" "SELECT georef_method FROM x3")"

# ---- broken files: exit 3, the entity named, the store unchanged ----
before=$(store_fingerprint "$s")
broken() { # NAME TEXT...: ingest $T/NAME.ifc, expect exit 3 and each TEXT in the message
    local f=$T/$1.ifc
    shift
    expect_exit 3 -- "$CIM" ingest "$s" "$f" --layer broken
    expect_error_format
    for t in "$@"; do
        expect_stderr_contains "$t"
    done
    expect_unchanged "$(basename "$f")" "$s" "$before"
}
# A failure inside the transaction (tables already created): far outside the
# store CRS's area of use -> exit 3, everything rolled back.
expect_exit 3 -- "$CIM" ingest "$s" "$M" --layer faraway --georef EPSG:4547@90000000,2500000
expect_stderr_contains "far outside its area of use"
expect_unchanged "faraway" "$s" "$before"
# The broken IFC files of the bad-input corpus (tests/data/bad/make_bad.sh).
bash "$CIM_SOURCE_ROOT/tests/data/bad/make_bad.sh" "$T/bad" >/dev/null
for b in truncated dangling cycle; do cp "$T/bad/ifc_$b.ifc" "$T/$b.ifc"; done
broken truncated "truncated.ifc" "truncated"
broken dangling "IFCSLAB #100" "#999 is referenced but not defined"
broken cycle "#61" "cycle"
sed 's/#21=IFCSIUNIT(\*,.LENGTHUNIT.,.MILLI.,.METRE.);/#21=IFCSIUNIT(*,.LENGTHUNIT.,.MILLY.,.METRE.);/' "$M" >"$T/unit.ifc"
broken unit "#21" "unknown SI prefix .MILLY."
sed 's/#21=IFCSIUNIT(\*,.LENGTHUNIT.,.MILLI.,.METRE.);/#21=IFCSIUNIT(*,.LENGTHUNIT.,$,.FOOT.);/' "$M" >"$T/unit2.ifc"
broken unit2 "#21" ".FOOT."
grep -v '^#30=\|^#31=' "$M" >"$T/nogeoref.ifc"
broken nogeoref "nogeoref.ifc" "--georef"
sed 's/^#104=IFCEXTRUDEDAREASOLID(#105,#11,#130,300.);/#104=IFCEXTRUDEDAREASOLID(#105,#11,#130,300.;/' "$M" >"$T/syntax.ifc"
broken syntax "#104" "line"
printf 'not a step file\n' >"$T/notstep.ifc"
broken notstep "ISO-10303-21"

# Missing placement: the slab has no ObjectPlacement. The building stays,
# from the other storey, and its footprint_method counts what was skipped.
sed 's/#100=IFCSLAB(\(.*\),#101,#102,/#100=IFCSLAB(\1,$,#102,/' "$M" >"$T/noplace.ifc"
expect_exit 0 -- "$CIM" ingest "$s" "$T/noplace.ifc" --layer noplace
expect_true "skipped element counted" grep -q "1 elements without usable geometry or placement skipped" \
    <<<"$(sql "$s" "SELECT footprint_method FROM noplace")"
expect_eq "ground storey without outline or area" "1|none|1" \
    "$(sql "$s" "SELECT geom IS NULL, area_source, floor_area_m2 IS NULL FROM noplace_storeys WHERE name = 'Ground'")"
finish
