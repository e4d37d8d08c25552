/* sample_write.c: buffered output files and the little GeoJSON the sample
 * needs (RFC 7946: lon/lat, no crs member). Features are appended one a line
 * as they are generated; nothing holds a whole file in memory. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sample_int.h"

#define OUT_BUF (256u * 1024u)

static int sample_path(char *out, size_t outlen, const char *dir, const char *file)
{
    int n = snprintf(out, outlen, "%s/%s", dir, file);
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

static void flush(sample_out *o)
{
    if (o->len && !o->failed && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->failed = errno ? errno : EIO;
    o->len = 0;
}

void sample_out_write(sample_out *o, const char *s, size_t n)
{
    if (o->len + n > OUT_BUF)
        flush(o);
    if (n > OUT_BUF) {
        if (!o->failed && fwrite(s, 1, n, o->f) != n)
            o->failed = errno ? errno : EIO;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

void sample_out_puts(sample_out *o, const char *s)
{
    sample_out_write(o, s, strlen(s));
}

static size_t put_uint(char *p, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

void sample_out_int(sample_out *o, int64_t v)
{
    char b[24];
    size_t n = 0;
    uint64_t a = (uint64_t)v;
    if (v < 0) {
        b[n++] = '-';
        a = 0 - a;
    }
    n += put_uint(b + n, a);
    sample_out_write(o, b, n);
}

void sample_out_fixed(sample_out *o, double v, int decimals)
{
    static const double scale[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    static const uint64_t iscale[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                      100000000, 1000000000};
    if (decimals < 0) decimals = 0;
    if (decimals > 9) decimals = 9;
    char b[48];
    size_t n = 0;
    long long q = llround(v * scale[decimals]);
    uint64_t a = (uint64_t)q;
    if (q < 0) {
        b[n++] = '-';
        a = 0 - a;
    }
    n += put_uint(b + n, a / iscale[decimals]);
    if (decimals) {
        b[n++] = '.';
        uint64_t f = a % iscale[decimals];
        for (int d = decimals - 1; d >= 0; d--) {
            b[n + (size_t)d] = (char)('0' + f % 10);
            f /= 10;
        }
        n += (size_t)decimals;
    }
    sample_out_write(o, b, n);
}

int sample_out_open(sample_out *o, const char *dir, const char *file, const char *layer,
                    char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    if (sample_path(o->path, sizeof o->path, dir, file) < 0) {
        snprintf(err, errlen, "%s/%s: path too long", dir, file);
        return -1;
    }
    o->buf = malloc(OUT_BUF);
    if (!o->buf) {
        snprintf(err, errlen, "%s: out of memory", o->path);
        return -1;
    }
    o->f = fopen(o->path, "wb");
    if (!o->f) {
        snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
        free(o->buf);
        o->buf = NULL;
        return -1;
    }
    o->geojson = layer != NULL;
    if (layer) {
        /* "name" is a foreign member; GDAL takes it as the layer name, so SQL
         * can say FROM parcels whatever the file is called. */
        sample_out_puts(o, "{\"type\":\"FeatureCollection\",\"name\":\"");
        sample_out_puts(o, layer);
        sample_out_puts(o, "\",\"features\":[\n");
    }
    return 0;
}

int sample_out_close(sample_out *o, char *err, size_t errlen)
{
    if (!o->f)
        return 0;
    if (o->geojson)
        sample_out_puts(o, o->features ? "\n]}\n" : "]}\n");
    flush(o);
    int failed = o->failed;
    if (fclose(o->f) != 0 && !failed)
        failed = errno ? errno : EIO;
    o->f = NULL;
    free(o->buf);
    o->buf = NULL;
    if (failed) {
        snprintf(err, errlen, "%s: %s", o->path, strerror(failed));
        return -1;
    }
    return 0;
}

void sample_out_abort(sample_out *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    free(o->buf);
    o->buf = NULL;
}

void sample_feature_begin(sample_out *o)
{
    if (o->features)
        sample_out_write(o, ",\n", 2);
    sample_out_puts(o, "{\"type\":\"Feature\",\"properties\":{");
    o->nprops = 0;
}

static void key(sample_out *o, const char *k)
{
    if (o->nprops++)
        sample_out_write(o, ",", 1);
    sample_out_write(o, "\"", 1);
    sample_out_puts(o, k);
    sample_out_write(o, "\":", 2);
}

void sample_prop_str(sample_out *o, const char *k, const char *value)
{
    key(o, k);
    sample_out_write(o, "\"", 1);
    /* Our strings are plain, but escape what JSON requires anyway. UTF-8
     * (the Chinese names) passes through unchanged. */
    for (const char *p = value; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            sample_out_write(o, e, 2);
        } else if (ch < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", ch);
            sample_out_write(o, e, 6);
        } else {
            sample_out_write(o, p, 1);
        }
    }
    sample_out_write(o, "\"", 1);
}

void sample_prop_real(sample_out *o, const char *k, double value, int decimals)
{
    key(o, k);
    /* At least one decimal so readers type the column as real, not integer. */
    sample_out_fixed(o, value, decimals < 1 ? 1 : decimals);
}

void sample_prop_int(sample_out *o, const char *k, int64_t value)
{
    key(o, k);
    sample_out_int(o, value);
}

void sample_prop_null(sample_out *o, const char *k)
{
    key(o, k);
    sample_out_write(o, "null", 4);
}

static void position(sample_out *o, double lon, double lat)
{
    sample_out_write(o, "[", 1);
    sample_out_fixed(o, lon, 8);
    sample_out_write(o, ",", 1);
    sample_out_fixed(o, lat, 8);
    sample_out_write(o, "]", 1);
}

static void end_feature(sample_out *o)
{
    sample_out_write(o, "}}", 2);
    o->features++;
}

void sample_geom_point(sample_out *o, double lon, double lat)
{
    sample_out_puts(o, "},\"geometry\":{\"type\":\"Point\",\"coordinates\":");
    position(o, lon, lat);
    end_feature(o);
}

void sample_geom_line(sample_out *o, const double *lon, const double *lat, int n)
{
    sample_out_puts(o, "},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            sample_out_write(o, ",", 1);
        position(o, lon[i], lat[i]);
    }
    sample_out_write(o, "]", 1);
    end_feature(o);
}

void sample_geom_polygon(sample_out *o, const double *lon, const double *lat, int n)
{
    sample_out_puts(o, "},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[");
    for (int i = 0; i <= n; i++) {
        if (i)
            sample_out_write(o, ",", 1);
        position(o, lon[i % n], lat[i % n]);
    }
    sample_out_write(o, "]]", 2);
    end_feature(o);
}
