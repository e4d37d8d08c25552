/* sample_roads.c: roads.geojson, one LineString along the middle of each road
 * corridor, with a vertex at every crossing so the lines form a network.
 * North-south roads stop at the road along the hills, except arterials,
 * which run on through the ecological zone. */
#include <stdlib.h>
#include <string.h>

#include "sample_int.h"

/* Name stems in the style of Nanshan's streets; suffix by class. */
static const char *const ns_stems[16] = {
    "科苑", "高新", "沙河", "南海", "后海", "前海", "桂庙", "学府",
    "创业", "兴华", "松坪", "留仙", "茶光", "丽山", "科技", "麒麟"};
static const char *const ew_stems[16] = {
    "深南", "滨海", "北环", "工业", "东滨", "登良", "海德", "文心",
    "白石", "侨香", "龙珠", "桃园", "西丽", "南坪", "打石", "南光"};

/* 2 -> 二, 11 -> 十一, 23 -> 二十三: enough for any size the sample allows. */
static void cn_number(char *out, size_t len, int n)
{
    static const char *const d[10] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    if (n < 10)
        snprintf(out, len, "%s", d[n]);
    else if (n < 20)
        snprintf(out, len, "十%s", d[n % 10]);
    else if (n < 100)
        snprintf(out, len, "%s十%s", d[n / 10], d[n % 10]);
    else
        snprintf(out, len, "%d", n);
}

static void road_name(char *out, size_t len, const char *const *stems, int index, int klass)
{
    const char *suffix = klass == ROAD_ARTERIAL ? "大道" : klass == ROAD_SECONDARY ? "路" : "街";
    int lap = index / 16;
    char num[32] = "";
    if (lap > 0)
        cn_number(num, sizeof num, lap + 1);
    snprintf(out, len, "%s%s%s", stems[index % 16], num, suffix);
}

static int write_road(sample_ctx *c, sample_out *o, double *x, double *y, int n,
                      const char *name, int klass)
{
    if (sample_geo_lonlat(&c->geo, x, y, (size_t)n, c->err, c->errlen) < 0)
        return -1;
    char id[32];
    snprintf(id, sizeof id, "RD-%04lld", (long long)(c->sum->roads + 1));
    sample_feature_begin(o);
    sample_prop_str(o, "road_id", id);
    sample_prop_str(o, "name", name);
    sample_prop_str(o, "class", sample_road_class_name(klass));
    sample_prop_real(o, "width_m", sample_road_width(klass), 1);
    sample_prop_int(o, "lanes", sample_road_lanes(klass));
    sample_geom_line(o, x, y, n);
    c->sum->roads++;
    return 0;
}

int sample_write_roads(sample_ctx *c)
{
    const sample_layout *L = &c->layout;
    sample_out o;
    if (sample_out_open(&o, c->dir, "roads.geojson", "roads", c->err, c->errlen) < 0)
        return -1;
    size_t cap = (size_t)(L->cols > L->rows ? L->cols : L->rows) + 4;
    double *x = malloc(cap * sizeof(double)), *y = malloc(cap * sizeof(double));
    int rc = -1;
    char name[128];
    if (!x || !y) {
        snprintf(c->err, c->errlen, "out of memory writing roads");
        goto done;
    }
    for (int g = 0; g <= L->cols; g++) {
        double cx = L->vx[g] + 0.5 * L->vw[g];
        int n = 0;
        x[n] = cx;
        y[n++] = 0;
        for (int h = 0; h <= L->rows; h++) {
            x[n] = cx;
            y[n++] = L->hy[h] + 0.5 * L->hw[h];
        }
        if (L->vclass[g] == ROAD_ARTERIAL) {
            x[n] = cx;
            y[n++] = L->height;
        }
        road_name(name, sizeof name, ns_stems, g, L->vclass[g]);
        if (write_road(c, &o, x, y, n, name, L->vclass[g]) < 0)
            goto done;
    }
    for (int h = 0; h <= L->rows; h++) {
        double cy = L->hy[h] + 0.5 * L->hw[h];
        int n = 0;
        x[n] = 0;
        y[n++] = cy;
        for (int g = 0; g <= L->cols; g++) {
            x[n] = L->vx[g] + 0.5 * L->vw[g];
            y[n++] = cy;
        }
        x[n] = L->width;
        y[n++] = cy;
        road_name(name, sizeof name, ew_stems, h, L->hclass[h]);
        if (write_road(c, &o, x, y, n, name, L->hclass[h]) < 0)
            goto done;
    }
    rc = 0;
done:
    free(x);
    free(y);
    if (rc < 0) {
        sample_out_abort(&o);
        return -1;
    }
    return sample_out_close(&o, c->err, c->errlen);
}
