/* pg_value.c: PostgreSQL's binary values (the send format of each type,
 * as libpq returns them for binary results) read as SQLite's value types:
 * integers, doubles, text (dates and times as the ISO 8601 text a
 * SpatiaLite store holds) and blobs (bytea, geometry as EWKB, anything else). */
#include "pg_value_int.h"

#include <endian.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_int.h"

/* Type OIDs (fixed in PostgreSQL's catalogue, pg_type.dat). */
enum {
    OID_BOOL = 16, OID_BYTEA = 17, OID_CHAR = 18, OID_NAME = 19, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23,
    OID_TEXT = 25, OID_OID = 26, OID_JSON = 114, OID_XML = 142, OID_FLOAT4 = 700, OID_FLOAT8 = 701,
    OID_UNKNOWN = 705, OID_BPCHAR = 1042, OID_VARCHAR = 1043, OID_DATE = 1082, OID_TIME = 1083,
    OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184, OID_NUMERIC = 1700, OID_UUID = 2950, OID_JSONB = 3802,
    OID_REGCLASS = 2205,
};

/* The shortest text that reads back as the same double. */
int cim_pg_format_double(char *buf, size_t cap, double v)
{
    if (isnan(v))
        return snprintf(buf, cap, "NaN");
    if (isinf(v))
        return snprintf(buf, cap, v > 0 ? "Infinity" : "-Infinity");
    int n = snprintf(buf, cap, "%.15g", v);
    if (strtod(buf, NULL) != v)
        n = snprintf(buf, cap, "%.17g", v);
    return n;
}

static int64_t be_int(const unsigned char *p, int n)
{
    switch (n) {
    case 1: return p[0];
    case 2: { uint16_t v; memcpy(&v, p, 2); return (int16_t)be16toh(v); }
    case 4: { uint32_t v; memcpy(&v, p, 4); return (int32_t)be32toh(v); }
    case 8: { uint64_t v; memcpy(&v, p, 8); return (int64_t)be64toh(v); }
    default: return 0;
    }
}

static double be_float(const unsigned char *p, int n)
{
    if (n == 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        v = be32toh(v);
        float f;
        memcpy(&f, &v, 4);
        return f;
    }
    uint64_t v;
    memcpy(&v, p, 8);
    v = be64toh(v);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

/* numeric's binary form: ndigits, weight, sign, dscale, then base-10000
 * digits. *is_int says whether it is a whole number that fits an int64. */
static double numeric_value(const unsigned char *p, int len, int64_t *as_int, int *is_int)
{
    *is_int = 0;
    *as_int = 0;
    if (len < 8)
        return NAN;
    int ndigits = (int)be_int(p, 2), weight = (int)be_int(p + 2, 2);
    unsigned sign = (unsigned)(uint16_t)be_int(p + 4, 2);
    int dscale = (int)be_int(p + 6, 2);
    if (sign == 0xC000)
        return NAN;
    if (sign == 0xD000)
        return INFINITY;
    if (sign == 0xF000)
        return -INFINITY;
    double v = 0;
    int64_t iv = 0;
    int fits = dscale == 0 && weight < 4;
    for (int k = 0; k < ndigits && 8 + 2 * k + 2 <= len; k++) {
        int d = (int)be_int(p + 8 + 2 * k, 2);
        v += d * pow(10000.0, weight - k);
        if (fits && weight - k >= 0)
            iv = iv * 10000 + d;
    }
    if (fits) {
        for (int k = ndigits; k <= weight; k++)
            iv *= 10000;
        *as_int = sign == 0x4000 ? -iv : iv;
        *is_int = 1;
    }
    return sign == 0x4000 ? -v : v;
}

static int is_text_oid(unsigned t)
{
    switch (t) {
    case OID_TEXT: case OID_VARCHAR: case OID_BPCHAR: case OID_NAME: case OID_CHAR: case OID_JSON:
    case OID_XML: case OID_UNKNOWN: case OID_JSONB:
        return 1;
    default:
        return 0;
    }
}

static int is_time_oid(unsigned t)
{
    return t == OID_DATE || t == OID_TIME || t == OID_TIMESTAMP || t == OID_TIMESTAMPTZ || t == OID_UUID ||
           t == OID_REGCLASS;
}

int cim_pg_value_type(unsigned oid, const unsigned char *p, int len)
{
    switch (oid) {
    case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID:
        return CIM_SQL_INTEGER;
    case OID_FLOAT4: case OID_FLOAT8:
        return CIM_SQL_FLOAT;
    case OID_NUMERIC: {
        int64_t iv;
        int is_int;
        numeric_value(p, len, &iv, &is_int);
        return is_int ? CIM_SQL_INTEGER : CIM_SQL_FLOAT;
    }
    default:
        return is_text_oid(oid) || is_time_oid(oid) ? CIM_SQL_TEXT : CIM_SQL_BLOB;
    }
}

/* A number read from the value's text, as SQLite reads one from text. */
static double text_number(unsigned oid, const unsigned char *p, int len, int as_int, int64_t *iv)
{
    char *made = NULL;
    const char *s = cim_pg_value_text(oid, p, len, &made);
    if (made)
        s = made;
    double d = s ? strtod(s, NULL) : 0;
    *iv = s && as_int ? strtoll(s, NULL, 10) : 0;
    free(made);
    return d;
}

int64_t cim_pg_value_int64(unsigned oid, const unsigned char *p, int len)
{
    int64_t iv;
    int is_int;
    switch (oid) {
    case OID_OID:
        return (int64_t)(uint32_t)be_int(p, 4);
    case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8:
        return be_int(p, len);
    case OID_FLOAT4: case OID_FLOAT8:
        return (int64_t)be_float(p, len);
    case OID_NUMERIC: {
        double v = numeric_value(p, len, &iv, &is_int);
        return is_int ? iv : (int64_t)v;
    }
    default:
        text_number(oid, p, len, 1, &iv);
        return iv;
    }
}

double cim_pg_value_double(unsigned oid, const unsigned char *p, int len)
{
    int64_t iv;
    int is_int;
    switch (oid) {
    case OID_FLOAT4: case OID_FLOAT8:
        return be_float(p, len);
    case OID_NUMERIC:
        return numeric_value(p, len, &iv, &is_int);
    case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID:
        return (double)cim_pg_value_int64(oid, p, len);
    default:
        return text_number(oid, p, len, 0, &iv);
    }
}

/* Days since 2000-01-01 -> civil date (Howard Hinnant's algorithm). */
static void civil(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 10957 + 719468; /* 1970 epoch, then 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int format_time_of_day(char *buf, size_t cap, int64_t usec)
{
    int64_t sec = usec / 1000000, frac = usec % 1000000;
    int n = snprintf(buf, cap, "%02d:%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
    if (frac) {
        n += snprintf(buf + n, cap - (size_t)n, ".%06d", (int)frac);
        while (buf[n - 1] == '0')
            buf[--n] = '\0';
    }
    return n;
}

/* Dates and times as the ISO 8601 text a SpatiaLite store holds. */
static char *time_text(unsigned t, const unsigned char *p, int len)
{
    char buf[64];
    if (t == OID_UUID && len == 16) {
        int n = 0;
        for (int k = 0; k < 16; k++)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%02x", k == 4 || k == 6 || k == 8 || k == 10 ? "-" : "",
                          p[k]);
    } else if (t == OID_REGCLASS) {
        snprintf(buf, sizeof buf, "%u", (unsigned)(uint32_t)be_int(p, 4));
    } else if (t == OID_DATE) {
        int y, m, d;
        civil(be_int(p, 4), &y, &m, &d);
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    } else if (t == OID_TIME) {
        format_time_of_day(buf, sizeof buf, be_int(p, 8));
    } else {
        int64_t us = be_int(p, 8);
        int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86399999999LL) / 86400000000LL);
        int y, m, d;
        civil(days, &y, &m, &d);
        int n = snprintf(buf, sizeof buf, "%04d-%02d-%02dT", y, m, d);
        n += format_time_of_day(buf + n, sizeof buf - (size_t)n, us - days * 86400000000LL);
        if (t == OID_TIMESTAMPTZ)
            snprintf(buf + n, sizeof buf - (size_t)n, "Z");
    }
    return strdup(buf);
}

const char *cim_pg_value_text(unsigned oid, const unsigned char *p, int len, char **made)
{
    *made = NULL;
    if (oid == OID_JSONB)
        return len > 0 ? (const char *)p + 1 : ""; /* a version byte, then the text */
    if (is_text_oid(oid) || oid == OID_BYTEA)
        return (const char *)p; /* libpq ends every value with a NUL */
    char buf[48];
    switch (cim_pg_value_type(oid, p, len)) {
    case CIM_SQL_INTEGER:
        snprintf(buf, sizeof buf, "%" PRId64, cim_pg_value_int64(oid, p, len));
        *made = strdup(buf);
        return *made;
    case CIM_SQL_FLOAT:
        cim_pg_format_double(buf, sizeof buf, cim_pg_value_double(oid, p, len));
        *made = strdup(buf);
        return *made;
    case CIM_SQL_TEXT:
        *made = time_text(oid, p, len);
        return *made;
    default:
        return (const char *)p;
    }
}
