/* sample_controls.c: the two control layers: industrial block lines
 * (工业区块线, blocklines.geojson) and the basic ecological control line
 * (基本生态控制线, eco_line.geojson). Their shapes are planned in
 * sample_layout.c; this file only writes them. */
#include <stdlib.h>
#include <string.h>

#include "sample_int.h"

/* "粤海街道" -> "粤海": the names put the street in front of the line's. */
static void street_stem(char *out, size_t len, int street)
{
    const char *s = sample_street_name(street);
    const char *suffix = "街道";
    size_t n = strlen(s), k = strlen(suffix);
    if (n > k && strcmp(s + n - k, suffix) == 0)
        n -= k;
    snprintf(out, len, "%.*s", (int)n, s);
}

static int write_blocklines(sample_ctx *c)
{
    const sample_layout *L = &c->layout;
    sample_out o;
    if (sample_out_open(&o, c->dir, "blocklines.geojson", "blocklines", c->err, c->errlen) < 0)
        return -1;
    int nl = L->ccols * L->crows;
    for (int k = 0; k < nl; k++) {
        const sample_line *ln = &L->lines[k];
        if (!ln->id)
            continue;
        double x[SAMPLE_LINE_MAXV], y[SAMPLE_LINE_MAXV];
        memcpy(x, ln->x, sizeof(double) * (size_t)ln->nv);
        memcpy(y, ln->y, sizeof(double) * (size_t)ln->nv);
        if (sample_geo_lonlat(&c->geo, x, y, (size_t)ln->nv, c->err, c->errlen) < 0) {
            sample_out_abort(&o);
            return -1;
        }
        char id[32], stem[64], name[160];
        snprintf(id, sizeof id, "IBL-%04d", ln->id);
        street_stem(stem, sizeof stem, ln->street);
        snprintf(name, sizeof name, "%s工业区块%02d", stem, ln->id);
        sample_feature_begin(&o);
        sample_prop_str(&o, "line_id", id);
        sample_prop_int(&o, "level", ln->level);
        sample_prop_str(&o, "name", name);
        sample_geom_polygon(&o, x, y, ln->nv);
        c->sum->blocklines++;
    }
    return sample_out_close(&o, c->err, c->errlen);
}

static int write_eco(sample_ctx *c)
{
    static const char *const names[2] = {"塘朗山片区基本生态控制线", "羊台山片区基本生态控制线"};
    const sample_layout *L = &c->layout;
    sample_out o;
    if (sample_out_open(&o, c->dir, "eco_line.geojson", "eco_line", c->err, c->errlen) < 0)
        return -1;
    for (int k = 0; k < L->neco; k++) {
        const sample_eco_poly *p = &L->eco[k];
        double *x = malloc(sizeof(double) * (size_t)p->nv), *y = malloc(sizeof(double) * (size_t)p->nv);
        if (!x || !y) {
            free(x);
            free(y);
            snprintf(c->err, c->errlen, "out of memory writing the ecological line");
            sample_out_abort(&o);
            return -1;
        }
        memcpy(x, p->x, sizeof(double) * (size_t)p->nv);
        memcpy(y, p->y, sizeof(double) * (size_t)p->nv);
        int rc = sample_geo_lonlat(&c->geo, x, y, (size_t)p->nv, c->err, c->errlen);
        if (rc == 0) {
            char id[32];
            snprintf(id, sizeof id, "ECO-%02d", k + 1);
            sample_feature_begin(&o);
            sample_prop_str(&o, "line_id", id);
            sample_prop_str(&o, "name", names[k]);
            sample_prop_str(&o, "kind", "basic_eco_control");
            sample_geom_polygon(&o, x, y, p->nv);
            c->sum->eco_lines++;
        }
        free(x);
        free(y);
        if (rc < 0) {
            sample_out_abort(&o);
            return -1;
        }
    }
    return sample_out_close(&o, c->err, c->errlen);
}

int sample_write_controls(sample_ctx *c)
{
    if (write_blocklines(c) < 0)
        return -1;
    return write_eco(c);
}
