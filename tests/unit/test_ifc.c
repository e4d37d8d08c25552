/* test_ifc.c: the STEP reader on hand-written snippets (values, escapes,
 * comments, errors naming #id and line) and the IFC model on small models
 * whose plan shapes are worked out by hand (sloped extrusion, arcs,
 * placement chains). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ifc.h"
#include "step.h"

static const char *wrap(char *buf, size_t len, const char *data)
{
    snprintf(buf, len,
             "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('','',(''),(''),'','','');\n"
             "FILE_SCHEMA(('IFC4X3_ADD2'));\nENDSEC;\nDATA;\n%sENDSEC;\nEND-ISO-10303-21;\n",
             data);
    return buf;
}

static void test_values(void)
{
    char buf[4096];
    wrap(buf, sizeof buf,
         "#1= IFCTHING('a''b\\X2\\00E9\\X0\\\\S\\D\\X\\E9',$,*,.T.,(1,(2.5,-3.E-2),()),#7,IFCLENGTHMEASURE(1.),\"0FF\");\n"
         "/* a comment; with a semicolon */\n"
         "#7 = IFCOTHER ( 'x;y' , ( #1 , #1 ) ) ;\n"
         "#3=(IFCA() IFCB(1));\n");
    step_file *f = NULL;
    char err[256];
    CHECK(step_open_mem(&f, buf, strlen(buf), err, sizeof err) == STEP_OK);
    CHECK_STR(step_schema(f), "IFC4X3_ADD2");
    CHECK(step_count(f) == 3);
    CHECK_STR(step_type_of(f, 7), "IFCOTHER");
    CHECK(step_type_of(f, 2) == NULL);
    step_arena *a = step_arena_new();
    step_entity e;
    CHECK(step_get(f, a, 1, &e) == STEP_OK);
    CHECK(e.nargs == 8);
    /* '' -> ', \X2\00E9 -> é, \S\D -> 0x44+0x80 = Ä, \X\E9 -> é */
    CHECK_STR(step_text(&e.args[0]), "a'b\xC3\xA9\xC3\x84\xC3\xA9");
    CHECK(e.args[1].kind == STEP_NULL);
    CHECK(e.args[2].kind == STEP_DERIVED);
    CHECK(e.args[3].kind == STEP_ENUM && !strcmp(e.args[3].s, "T"));
    const step_value *l = &e.args[4];
    CHECK(l->kind == STEP_LIST && l->n == 3);
    CHECK(l->items[0].kind == STEP_INT && l->items[0].i == 1);
    CHECK(l->items[1].kind == STEP_LIST && l->items[1].n == 2);
    CHECK_NEAR(l->items[1].items[1].r, -0.03, 1e-15);
    CHECK(l->items[2].kind == STEP_LIST && l->items[2].n == 0);
    CHECK(step_ref(&e.args[5]) == 7);
    double d = 0;
    CHECK(e.args[6].kind == STEP_TYPED && !strcmp(e.args[6].s, "IFCLENGTHMEASURE"));
    CHECK(step_number(&e.args[6], &d) == 0 && d == 1.0);
    CHECK(e.args[7].kind == STEP_BINARY && !strcmp(e.args[7].s, "0FF"));
    CHECK(step_get(f, a, 7, &e) == STEP_OK);
    CHECK_STR(step_text(&e.args[0]), "x;y");
    CHECK(e.args[1].n == 2 && step_ref(&e.args[1].items[1]) == 1);
    CHECK(step_get(f, a, 3, &e) == STEP_OK && e.type[0] == '\0');
    CHECK(step_get(f, a, 5, &e) == STEP_ERROR);
    CHECK(strstr(step_error(f), "#5") != NULL);
    uint64_t *ids = NULL;
    CHECK(step_ids_with_prefix(f, "IFC", &ids) == 2);
    free(ids);
    step_arena_free(a);
    step_close(f);

    /* Surrogate pairs in \X2\ and the 4-byte form. */
    char out[64];
    CHECK(step_decode_string("a\\\\b", 4, out) == 3 && !strcmp(out, "a\\b"));
    CHECK(step_decode_string("\\X2\\D83DDE00\\X0\\", 16, out) == 4);
    CHECK(!strcmp(out, "\xF0\x9F\x98\x80"));
    CHECK(step_decode_string("\\X4\\0001F600\\X0\\", 16, out) == 4);
    CHECK(step_decode_string("\\X2\\00E\\X0\\", 11, out) < 0);
    CHECK(step_decode_string("\\Q", 2, out) < 0);
}

/* Broken files: the message says which instance and line. */
static void expect_error(const char *data, const char *want1, const char *want2)
{
    char buf[4096];
    wrap(buf, sizeof buf, data);
    step_file *f = NULL;
    char err[256] = "";
    int rc = step_open_mem(&f, buf, strlen(buf), err, sizeof err);
    if (rc == STEP_OK) {
        /* Errors inside an instance show when it is decoded. */
        step_arena *a = step_arena_new();
        step_entity e;
        rc = step_get(f, a, 1, &e);
        snprintf(err, sizeof err, "%s", step_error(f));
        step_arena_free(a);
    }
    CHECK_MSG(rc == STEP_ERROR, "no error for %s", data);
    CHECK_MSG(strstr(err, want1) != NULL, "'%s' not in '%s'", want1, err);
    CHECK_MSG(!want2 || strstr(err, want2) != NULL, "'%s' not in '%s'", want2, err);
    step_close(f);
}

static void test_errors(void)
{
    expect_error("#1=IFCA('abc);\n", "#1", "line 8");
    expect_error("#1=IFCA((1,2);\n#2=IFCB();\n", "#1", NULL);
    expect_error("#1=IFCA(1);\n#1=IFCB(2);\n", "#1 is defined twice", NULL);
    expect_error("#1=IFCA(1 2);\n", "#1 (line 8", "expected ','");
    expect_error("#1=IFCA(.T);\n", "#1", "enumeration");
    expect_error("#1=IFCA(\\);\n", "#1", "unexpected character");
    expect_error("#x=IFCA(1);\n", "bad instance id", NULL);
    expect_error("#1=IFCA(1)\n#2=IFCB(2);\n", "#1", NULL);
    char deep[600];
    size_t n = 0;
    n += (size_t)snprintf(deep + n, sizeof deep - n, "#1=IFCA(");
    for (int i = 0; i < 100; i++)
        deep[n++] = '(';
    for (int i = 0; i < 100; i++)
        deep[n++] = ')';
    snprintf(deep + n, sizeof deep - n, ");\n");
    expect_error(deep, "#1", "nested too deeply");
    step_file *f = NULL;
    char err[128];
    const char *trunc = "ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n#1=IFCA(1);\n";
    CHECK(step_open_mem(&f, trunc, strlen(trunc), err, sizeof err) == STEP_ERROR);
    CHECK(strstr(err, "truncated") != NULL);
    step_close(f);
    CHECK(step_open_mem(&f, "PK\3\4", 4, err, sizeof err) == STEP_ERROR);
    CHECK(strstr(err, "ISO-10303-21") != NULL);
    step_close(f);
}

/* A model with one storey and one element whose body is item; metres. */
static int read_model(const char *items, ifc_model **out, const char *georef)
{
    static const char *head =
        "#1=IFCPROJECT('p',$,$,$,$,$,$,(#10),#20);\n"
        "#10=IFCGEOMETRICREPRESENTATIONCONTEXT($,'Model',3,1.E-05,#11,$);\n"
        "#11=IFCAXIS2PLACEMENT3D(#12,$,$);\n#12=IFCCARTESIANPOINT((0.,0.,0.));\n"
        "#20=IFCUNITASSIGNMENT((#21,#23));\n#21=IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.);\n"
        "#23=IFCCONVERSIONBASEDUNIT(#24,.PLANEANGLEUNIT.,'DEGREE',#25);\n#24=IFCDIMENSIONALEXPONENTS(0,0,0,0,0,0,0);\n"
        "#25=IFCMEASUREWITHUNIT(IFCPLANEANGLEMEASURE(0.0174532925199433),#26);\n"
        "#26=IFCSIUNIT(*,.PLANEANGLEUNIT.,$,.RADIAN.);\n"
        "#50=IFCBUILDING('b',$,'B',$,$,#51,$,$,.ELEMENT.,$,$,$);\n#51=IFCLOCALPLACEMENT($,#11);\n"
        "#60=IFCBUILDINGSTOREY('s',$,'S',$,$,#61,$,$,.ELEMENT.,0.);\n#61=IFCLOCALPLACEMENT(#51,#62);\n"
        "#62=IFCAXIS2PLACEMENT3D(#63,$,$);\n#63=IFCCARTESIANPOINT((100.,200.,5.));\n"
        "#82=IFCRELAGGREGATES('r',$,$,$,#50,(#60));\n"
        "#100=IFCWALL('w',$,'W',$,$,#101,#102,$,$);\n#101=IFCLOCALPLACEMENT(#61,#11);\n"
        "#102=IFCPRODUCTDEFINITIONSHAPE($,$,(#103));\n#103=IFCSHAPEREPRESENTATION(#10,'Body','SweptSolid',(#104));\n"
        "#300=IFCRELCONTAINEDINSPATIALSTRUCTURE('c',$,$,$,(#100),#60);\n";
    char *data = malloc(8192), *file = malloc(12288);
    snprintf(data, 8192, "%s%s", head, items);
    wrap(file, 12288, data);
    char path[] = "/tmp/cim-test-ifc-XXXXXX";
    int fd = mkstemp(path);
    FILE *fp = fdopen(fd, "w");
    fputs(file, fp);
    fclose(fp);
    ifc_options o = IFC_OPTIONS_INIT;
    o.georef = georef ? georef : "EPSG:4547@0,0";
    o.gap_m = 0;
    char err[512];
    int rc = ifc_read(out, path, &o, err, sizeof err);
    if (rc)
        fprintf(stderr, "ifc_read: %s\n", err);
    remove(path);
    free(data);
    free(file);
    return rc;
}

/* Extent and area of a 2D MultiPolygon WKB (little-endian, from GEOS). */
static double wkb_extent_area(const unsigned char *w, double ext[4])
{
    size_t p = 5;
    uint32_t np, nr, n;
    double area = 0;
    ext[0] = ext[1] = INFINITY;
    ext[2] = ext[3] = -INFINITY;
    memcpy(&np, w + p, 4);
    p += 4;
    for (uint32_t i = 0; i < np; i++) {
        p += 5;
        memcpy(&nr, w + p, 4);
        p += 4;
        for (uint32_t r = 0; r < nr; r++) {
            memcpy(&n, w + p, 4);
            p += 4;
            double ring = 0, x0 = 0, y0 = 0;
            for (uint32_t k = 0; k < n; k++) {
                double x, y;
                memcpy(&x, w + p, 8);
                memcpy(&y, w + p + 8, 8);
                p += 16;
                if (k)
                    ring += x0 * y - x * y0;
                x0 = x, y0 = y;
                ext[0] = fmin(ext[0], x), ext[1] = fmin(ext[1], y), ext[2] = fmax(ext[2], x), ext[3] = fmax(ext[3], y);
            }
            area += r ? -fabs(ring) / 2 : fabs(ring) / 2;
        }
    }
    return area;
}

static void test_sloped_extrusion(void)
{
    /* A 4 x 2 m rectangle extruded 3 m along (1, 0, 1)/sqrt 2: in plan the
     * rectangle is stretched by 3/sqrt 2 = 2.1213 m in x. Storey placement
     * moves it to (100, 200); storey elevation 5 m; top at 5 + 2.1213. */
    ifc_model *m = NULL;
    int rc = read_model("#104=IFCEXTRUDEDAREASOLID(#105,#11,#107,3.);\n"
                        "#105=IFCRECTANGLEPROFILEDEF(.AREA.,$,#106,4.,2.);\n#106=IFCAXIS2PLACEMENT2D(#63,$);\n"
                        "#107=IFCDIRECTION((1.,0.,1.));\n",
                        &m, NULL);
    CHECK(rc == IFC_OK);
    if (rc)
        return;
    CHECK(m->nbuildings == 1 && m->buildings[0].nstoreys == 1);
    const ifc_building *b = &m->buildings[0];
    CHECK_NEAR(b->storeys[0].elevation_m, 5.0, 1e-9);
    CHECK_NEAR(b->zmax_m, 5 + 3 / sqrt(2), 1e-9);
    double ext[4];
    double area = wkb_extent_area(b->footprint_wkb, ext);
    /* the 2D profile position (100, 200) is added to the storey's (100, 200) */
    CHECK_NEAR(ext[0], 198.0, 1e-6);
    CHECK_NEAR(ext[2], 202.0 + 3 / sqrt(2), 1e-6);
    CHECK_NEAR(ext[1], 399.0, 1e-6);
    CHECK_NEAR(ext[3], 401.0, 1e-6);
    CHECK_NEAR(area, (4 + 3 / sqrt(2)) * 2, 1e-6);
    ifc_model_free(m);
}

static void test_arcs_and_rotation(void)
{
    /* An IfcIndexedPolyCurve: a 2 x 1 m rectangle with a half-disc of radius
     * 1 on its top edge (arc through (1, 2)), area 2 + pi/2 (to 48 chords a
     * circle: the 24-chord half disc is 24/2 sin(pi/24)... close to pi/2).
     * The override rotates the x axis 90 degrees: map E = -y, N = x. */
    ifc_model *m = NULL;
    int rc = read_model("#104=IFCEXTRUDEDAREASOLID(#105,$,$,3.);\n"
                        "#105=IFCARBITRARYCLOSEDPROFILEDEF(.AREA.,$,#106);\n"
                        "#106=IFCINDEXEDPOLYCURVE(#107,(IFCLINEINDEX((1,2,3)),IFCARCINDEX((3,4,5)),IFCLINEINDEX((5,1))),$);\n"
                        "#107=IFCCARTESIANPOINTLIST2D(((0.,0.),(2.,0.),(2.,1.),(1.,2.),(0.,1.)),$);\n",
                        &m, "EPSG:4547@1000,2000,90");
    CHECK(rc == IFC_OK);
    if (rc)
        return;
    const ifc_building *b = &m->buildings[0];
    double ext[4];
    double area = wkb_extent_area(b->footprint_wkb, ext);
    double half_disc = 24 * 0.5 * sin(M_PI / 24); /* 24 chords of the unit half circle */
    CHECK_NEAR(area, 2 + half_disc, 1e-6);
    /* local x 100..102, y 200..202 -> E = 1000 - y: 798..800, N = 2000 + x: 2100..2102 */
    CHECK_NEAR(ext[0], 798, 1e-6);
    CHECK_NEAR(ext[2], 800, 1e-6);
    CHECK_NEAR(ext[1], 2100, 1e-6);
    CHECK_NEAR(ext[3], 2102, 1e-6);
    CHECK(m->georef_quality == 1);
    ifc_model_free(m);
}

static void test_trimmed_circle_degrees(void)
{
    /* A composite curve: a line then a half circle (radius 1, centre (1,0))
     * trimmed by parameters 0..180 in DEGREES (the plane angle unit). */
    ifc_model *m = NULL;
    int rc = read_model("#104=IFCEXTRUDEDAREASOLID(#105,$,$,1.);\n"
                        "#105=IFCARBITRARYCLOSEDPROFILEDEF(.AREA.,$,#106);\n"
                        "#106=IFCCOMPOSITECURVE((#107),.F.);\n"
                        "#107=IFCCOMPOSITECURVESEGMENT(.CONTINUOUS.,.T.,#108);\n"
                        "#108=IFCTRIMMEDCURVE(#109,(IFCPARAMETERVALUE(0.)),(IFCPARAMETERVALUE(180.)),.T.,.PARAMETER.);\n"
                        "#109=IFCCIRCLE(#110,1.);\n#110=IFCAXIS2PLACEMENT2D(#111,$);\n#111=IFCCARTESIANPOINT((1.,0.));\n",
                        &m, NULL);
    CHECK(rc == IFC_OK);
    if (rc)
        return;
    double ext[4];
    double area = wkb_extent_area(m->buildings[0].footprint_wkb, ext);
    CHECK_NEAR(area, 24 * 0.5 * sin(M_PI / 24), 1e-6);
    CHECK_NEAR(ext[3] - ext[1], 1.0, 1e-6);
    ifc_model_free(m);
}

static void test_cycle(void)
{
    ifc_model *m = NULL;
    /* A mapped item whose representation map maps the representation holding it. */
    int rc = read_model("#104=IFCMAPPEDITEM(#105,#106);\n#105=IFCREPRESENTATIONMAP(#11,#103);\n"
                        "#106=IFCCARTESIANTRANSFORMATIONOPERATOR3D($,$,#12,$,$);\n",
                        &m, NULL);
    CHECK(rc == IFC_EFORMAT); /* the mapped representation contains itself */
    ifc_model_free(m);
}

static void test_fallback_representations(void)
{
    /* No Body: a FootPrint curve set is used; with neither, the Box. */
    ifc_model *m = NULL;
    int rc = read_model("#104=IFCGEOMETRICCURVESET((#105));\n"
                        "#105=IFCPOLYLINE((#106,#107,#108,#106));\n#106=IFCCARTESIANPOINT((0.,0.));\n"
                        "#107=IFCCARTESIANPOINT((6.,0.));\n#108=IFCCARTESIANPOINT((0.,4.));\n",
                        &m, NULL);
    CHECK(rc == IFC_OK);
    double ext[4];
    if (!rc)
        CHECK_NEAR(wkb_extent_area(m->buildings[0].footprint_wkb, ext), 12.0, 1e-9);
    ifc_model_free(m);
    m = NULL;
    rc = read_model("#104=IFCBOUNDINGBOX(#105,3.,5.,2.);\n#105=IFCCARTESIANPOINT((1.,1.,0.));\n", &m, NULL);
    CHECK(rc == IFC_OK);
    if (!rc) {
        CHECK_NEAR(wkb_extent_area(m->buildings[0].footprint_wkb, ext), 15.0, 1e-9);
        CHECK_NEAR(ext[0], 101.0, 1e-9);
        CHECK_NEAR(ext[3], 206.0, 1e-9);
        CHECK_NEAR(m->buildings[0].zmax_m, 7.0, 1e-9);
    }
    ifc_model_free(m);
}

int main(void)
{
    test_values();
    test_errors();
    test_sloped_extrusion();
    test_arcs_and_rotation();
    test_trimmed_circle_degrees();
    test_cycle();
    test_fallback_representations();
    return check_report();
}
