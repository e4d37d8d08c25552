/* test_redline.c: the block-line checks through the library: hand-built
 * parcels and lines with shares and findings worked out by hand, the wholly
 * inside parcel settled without an intersection, the rules file (good, bad
 * key, bad value, missing), the same output for 1 and 4 threads, and a
 * refused run leaving the store as it was. */
#include <cim/cim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static char dir[] = "/tmp/cim-test-redline-XXXXXX";

static double scalar(cim_store *s, const char *sql)
{
    cim_query *q = NULL;
    double v = -1;
    if (cim_query_prepare(&q, s, sql) == CIM_OK && cim_query_next(q) == CIM_OK)
        v = cim_query_double(q, 0);
    cim_query_free(q);
    return v;
}

static void square(FILE *f, double x0, double y0, double x1, double y1)
{
    x0 += 500000, x1 += 500000, y0 += 2500000, y1 += 2500000;
    fprintf(f, "{\"type\":\"Polygon\",\"coordinates\":[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}",
            x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static int ingest(cim_store *s, const char *path, const char *layer)
{
    cim_ingest_options o = CIM_INGEST_OPTIONS_INIT;
    o.layer = layer;
    o.s_srs = "EPSG:4547";
    cim_ingest_result *r = NULL;
    int rc = cim_ingest(&r, s, path, &o);
    cim_ingest_result_free(r);
    return rc;
}

/* A digest of a table's rows, to compare runs. */
static char *digest(cim_store *s, const char *sql)
{
    cim_query *q = NULL;
    char *out = NULL;
    if (cim_query_prepare(&q, s, sql) == CIM_OK && cim_query_next(q) == CIM_OK) {
        const char *t = cim_query_text(q, 0);
        out = strdup(t ? t : "");
    }
    cim_query_free(q);
    return out;
}

int main(void)
{
    cim_init();
    if (!mkdtemp(dir))
        return 1;
    char path[512], lines[512], parcels[512], rules[512];
    snprintf(path, sizeof path, "%s/r.cim", dir);
    snprintf(lines, sizeof lines, "%s/lines.geojson", dir);
    snprintf(parcels, sizeof parcels, "%s/parcels.geojson", dir);
    snprintf(rules, sizeof rules, "%s/r.rules", dir);

    FILE *f = fopen(lines, "w");
    fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"level\":1},"
          "\"geometry\":", f);
    square(f, 0, 0, 100, 100);
    fputs("},{\"type\":\"Feature\",\"properties\":{\"level\":2},\"geometry\":", f);
    square(f, 200, 0, 300, 100);
    fputs("}]}", f);
    fclose(f);
    /* fid 1: half in line 1, M1 -> R2 (error); 2: wholly in line 1, M0;
     * 3: wholly in line 2, M1 -> C1 (needs approval); 4: 30 % in line 2, M0. */
    static const struct { double b[4]; const char *lu, *plan; } P[] = {
        {{50, 0, 150, 20}, "M1", "R2"}, {{10, 30, 30, 50}, "M0", "M0"},
        {{210, 10, 250, 50}, "M1", "C1"}, {{270, 60, 370, 70}, "M0", "M0"}};
    f = fopen(parcels, "w");
    fputs("{\"type\":\"FeatureCollection\",\"features\":[", f);
    for (int i = 0; i < 4; i++) {
        fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{\"landuse\":\"%s\",\"landuse_plan\":\"%s\"},\"geometry\":",
                i ? "," : "", P[i].lu, P[i].plan);
        square(f, P[i].b[0], P[i].b[1], P[i].b[2], P[i].b[3]);
        fputs("}", f);
    }
    fputs("]}", f);
    fclose(f);

    cim_store *s = NULL;
    CHECK(cim_store_create(&s, path, NULL) == CIM_OK);
    CHECK(ingest(s, lines, "lines") == CIM_OK);
    CHECK(ingest(s, parcels, "parcels") == CIM_OK);

    cim_redline_options o = CIM_REDLINE_OPTIONS_INIT;
    o.parcels = "parcels";
    o.lines = "lines";
    o.threads = 1;
    cim_redline_result *r = NULL;
    CHECK(cim_check_redline(&r, s, &o) == CIM_OK);
    if (!r)
        return check_report();
    CHECK(r->parcels == 4 && r->lines == 2 && r->rows == 4);
    CHECK(r->contained == 2 && r->intersections == 2); /* parcels 2 and 3 need no intersection */
    CHECK(r->parcels_inside == 3 && r->parcels_partial == 1);
    CHECK(r->findings[1][CIM_SEVERITY_ERROR] == 1 && r->findings[1][CIM_SEVERITY_NEEDS_APPROVAL] == 1);
    CHECK(r->findings[0][CIM_SEVERITY_INFO] == 1);
    /* IBL-03 by hand: line 1: M0 400 / (400 + M1 1000) = 0.2857 > 0.1;
     * line 2: M0 300 / (300 + 1600) = 0.1579 <= 0.3. */
    CHECK(r->findings[2][CIM_SEVERITY_ERROR] == 1);
    CHECK(r->errors == 2);
    CHECK(r->blocks == 2 && r->findings[5][CIM_SEVERITY_WARNING] == 2);
    cim_redline_result_free(r);
    CHECK_NEAR(scalar(s, "SELECT inside_share FROM redline_result WHERE parcel_fid = 1"), 0.5, 1e-12);
    CHECK(scalar(s, "SELECT inside_share FROM redline_result WHERE parcel_fid = 2") == 1.0);
    CHECK_NEAR(scalar(s, "SELECT inside_share FROM redline_result WHERE parcel_fid = 4"), 0.3, 1e-12);
    CHECK(scalar(s, "SELECT count(*) FROM redline_result WHERE parcel_fid = 4 AND status = 'partial'") == 1);
    CHECK_NEAR(scalar(s, "SELECT json_extract(figures, '$.m0_share') FROM redline_result_findings"
                         " WHERE rule = 'IBL-03' AND line_fid = 1"),
               400.0 / 1400.0, 1e-9);
    CHECK(scalar(s, "SELECT count(*) FROM redline_result_findings WHERE rule = 'IBL-02' AND parcel_fid = 1 AND"
                    " severity = 'error'") == 1);
    CHECK(scalar(s, "SELECT count(*) FROM redline_result_findings WHERE rule = 'IBL-06' AND parcel_fid IS NULL") == 2);

    /* Exists: refused without replace, nothing written. */
    double runs = scalar(s, "SELECT count(*) FROM cim_runs");
    CHECK(cim_check_redline(&r, s, &o) == CIM_EEXISTS && r == NULL);
    CHECK(scalar(s, "SELECT count(*) FROM cim_runs") == runs);

    /* The rules file. */
    cim_redline_params prm = CIM_REDLINE_PARAMS_INIT;
    write_file(rules, "# caps\nm0_cap_level1 = 0.3 \n\ninside_share=0.6\nsupport_severity = info # note\n");
    CHECK(cim_redline_params_load(&prm, rules) == CIM_OK);
    CHECK(prm.m0_cap_level1 == 0.3 && prm.inside_share == 0.6 && prm.support_use == CIM_SEVERITY_INFO);
    CHECK(prm.m0_cap_level2 == 0.3 && prm.sliver_area_m2 == 1.0);
    cim_redline_params prm5 = CIM_REDLINE_PARAMS_INIT;
    CHECK(prm5.target_m2 == 270e6 && prm5.balance == CIM_SEVERITY_ERROR && prm5.target == CIM_SEVERITY_WARNING);
    write_file(rules, "target_m2 = 1e6\nbalance_severity = needs_approval\n");
    CHECK(cim_redline_params_load(&prm5, rules) == CIM_OK);
    CHECK(prm5.target_m2 == 1e6 && prm5.balance == CIM_SEVERITY_NEEDS_APPROVAL);
    write_file(rules, "inside_share = 0.4\n\nnot_a_key = 2\n");
    CHECK(cim_redline_params_load(&prm, rules) == CIM_EFORMAT);
    CHECK(strstr(cim_error_last()->message, "r.rules:3: unknown key 'not_a_key'") != NULL);
    CHECK(prm.inside_share == 0.6); /* unchanged on failure */
    write_file(rules, "sliver_area_m2 = -1\n");
    CHECK(cim_redline_params_load(&prm, rules) == CIM_EFORMAT);
    write_file(rules, "sliver_share = 0.5x\n");
    CHECK(cim_redline_params_load(&prm, rules) == CIM_EFORMAT);
    write_file(rules, "inside_share\n");
    CHECK(cim_redline_params_load(&prm, rules) == CIM_EFORMAT);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/none.rules", dir);
    CHECK(cim_redline_params_load(&prm, missing) == CIM_ENOTFOUND);
    char *pj = cim_redline_params_json(&prm);
    CHECK(pj && strstr(pj, "\"inside_share\":0.59999999999999998") && strstr(pj, "\"support_severity\":\"info\""));
    free(pj);

    /* With the rules: parcel 1 (share 0.5) is now partial, line 1 within its cap. */
    o.params = &prm;
    o.out = "rl_rules";
    CHECK(cim_check_redline(&r, s, &o) == CIM_OK);
    CHECK(r && r->parcels_inside == 2 && r->findings[1][CIM_SEVERITY_ERROR] == 0 &&
          r->findings[2][CIM_SEVERITY_ERROR] == 0);
    cim_redline_result_free(r);

    /* 1 and 4 threads: the same rows and findings. */
    o.params = NULL;
    o.out = "rl_t4";
    o.threads = 4;
    CHECK(cim_check_redline(&r, s, &o) == CIM_OK);
    cim_redline_result_free(r);
    char *a = digest(s, "SELECT group_concat(parcel_fid || line_fid || inside_share || hex(geom), ';') FROM"
                        " (SELECT * FROM redline_result ORDER BY fid)");
    char *b = digest(s, "SELECT group_concat(parcel_fid || line_fid || inside_share || hex(geom), ';') FROM"
                        " (SELECT * FROM rl_t4 ORDER BY fid)");
    CHECK(a && b && !strcmp(a, b));
    free(a);
    free(b);
    a = digest(s, "SELECT group_concat(rule || severity || message || figures, ';') FROM"
                  " (SELECT * FROM redline_result_findings ORDER BY fid)");
    b = digest(s, "SELECT group_concat(rule || severity || message || figures, ';') FROM"
                  " (SELECT * FROM rl_t4_findings ORDER BY fid)");
    CHECK(a && b && !strcmp(a, b));
    free(a);
    free(b);

    /* Bad input. */
    o.out = "rl_bad";
    o.lines = "nope";
    CHECK(cim_check_redline(&r, s, &o) == CIM_ENOTFOUND);
    o.lines = "lines";
    o.landuse_field = "nofield";
    CHECK(cim_check_redline(&r, s, &o) == CIM_ENOTFOUND);
    o.landuse_field = NULL;
    o.level_field = "";
    CHECK(cim_check_redline(&r, s, &o) == CIM_EINVALID);
    CHECK(scalar(s, "SELECT count(*) FROM cim_layers WHERE name LIKE 'rl_bad%'") == 0);

    cim_store_free(s);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    cim_shutdown();
    return check_report();
}
