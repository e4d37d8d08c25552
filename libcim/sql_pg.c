/* sql_pg.c: sql_int.h's statements on PostgreSQL through libpq.
 * Parameters go as text (blobs as binary) with their types left for the
 * server to infer, as SQLite's untyped parameters behave. Results come in
 * binary, decoded per column type into SQLite's four value types, so a
 * geometry column arrives as EWKB and numbers need no parsing. A statement
 * run once is sent with its parameters in one round trip; one run again
 * (a prepared INSERT in a loop) is prepared on the server then. */
#include "sql_pg_int.h"

#include <endian.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pq_api_int.h"
#include "sql_int.h"

/* Type OIDs (fixed in PostgreSQL's catalogue, pg_type.dat). */
enum {
    OID_BOOL = 16, OID_BYTEA = 17, OID_CHAR = 18, OID_NAME = 19, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23,
    OID_TEXT = 25, OID_OID = 26, OID_JSON = 114, OID_XML = 142, OID_FLOAT4 = 700, OID_FLOAT8 = 701,
    OID_UNKNOWN = 705, OID_BPCHAR = 1042, OID_VARCHAR = 1043, OID_DATE = 1082, OID_TIME = 1083,
    OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184, OID_NUMERIC = 1700, OID_UUID = 2950, OID_JSONB = 3802,
    OID_REGCLASS = 2205,
};

struct cim_pg_stmt {
    cim_store *s;
    char *sql;
    int nparams;
    char **values;
    int *lengths, *formats;
    char name[32];
    int prepared, runs;
    PGresult *res;
    int row, nrows, ncols;
    int64_t changes;
    int failed;  /* a run for column names failed: the next step reports it */
    char *failed_msg;
    char **conv; /* per column: a value converted to text for this row */
};

char *cim_pg_placeholders(const char *sql, int *nparams)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 2 + 16);
    if (!out)
        return NULL;
    size_t o = 0;
    int next = 0, max = 0;
    for (size_t i = 0; i < n;) {
        char c = sql[i];
        if (c == '\'' || c == '"') {
            /* A quoted string or identifier, doubled quotes inside. */
            out[o++] = sql[i++];
            while (i < n) {
                out[o++] = sql[i];
                if (sql[i++] == c) {
                    if (i < n && sql[i] == c)
                        out[o++] = sql[i++];
                    else
                        break;
                }
            }
        } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n')
                out[o++] = sql[i++];
        } else if (c == '?') {
            i++;
            int k;
            if (i < n && sql[i] >= '0' && sql[i] <= '9') {
                k = 0;
                while (i < n && sql[i] >= '0' && sql[i] <= '9')
                    k = k * 10 + (sql[i++] - '0');
            } else {
                k = max + 1;
            }
            if (k > max)
                max = k;
            next = k;
            o += (size_t)sprintf(out + o, "$%d", k);
        } else {
            out[o++] = sql[i++];
        }
    }
    (void)next;
    out[o] = '\0';
    *nparams = max;
    return out;
}

int cim_pg_error(cim_store *s, const void *res, const char *what)
{
    const PGresult *r = res;
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(s->pg);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* 23505 unique_violation: the same meaning as SQLite's constraint error. */
    int code = state && !strcmp(state, "23505") ? CIM_EEXISTS : CIM_ESTORE;
    size_t len = msg ? strlen(msg) : 0;
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    /* libpq's messages start with "ERROR:  "; the class says where it came from. */
    if (msg && !strncmp(msg, "ERROR:  ", 8)) {
        msg += 8;
        len -= 8;
    }
    return cim_error_set(code, CIM_ERRCLASS_POSTGRES, "store '%s': %s%s%.*s", s->path, what ? what : "",
                         what ? ": " : "", (int)len, msg ? msg : "unknown error");
}

int cim_pg_exec(cim_store *s, const char *sql)
{
    PGresult *r = PQexec(s->pg, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? CIM_OK : cim_pg_error(s, r, NULL);
    PQclear(r);
    return rc;
}

int cim_pg_prepare(cim_store *s, cim_pg_stmt **out, const char *sql)
{
    cim_pg_stmt *q = calloc(1, sizeof *q);
    if (!q)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    q->s = s;
    q->sql = cim_pg_placeholders(sql, &q->nparams);
    if (q->nparams) {
        q->values = calloc((size_t)q->nparams, sizeof *q->values);
        q->lengths = calloc((size_t)q->nparams, sizeof *q->lengths);
        q->formats = calloc((size_t)q->nparams, sizeof *q->formats);
    }
    q->row = -1;
    if (!q->sql || (q->nparams && (!q->values || !q->lengths || !q->formats))) {
        cim_pg_finalize(s, q);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    snprintf(q->name, sizeof q->name, "cim_%u", ++s->pg_statements);
    *out = q;
    return CIM_OK;
}

int cim_pg_bind(cim_pg_stmt *q, int i, const void *v, size_t n, int binary)
{
    if (i < 1 || i > q->nparams)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "parameter %d of %d bound", i, q->nparams);
    free(q->values[i - 1]);
    q->values[i - 1] = NULL;
    q->lengths[i - 1] = 0;
    q->formats[i - 1] = binary;
    if (!v)
        return CIM_OK;
    char *copy = malloc(n + 1);
    if (!copy)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    memcpy(copy, v, n);
    copy[n] = '\0';
    q->values[i - 1] = copy;
    q->lengths[i - 1] = (int)n;
    return CIM_OK;
}

int cim_pg_bind_int64(cim_pg_stmt *q, int i, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    return cim_pg_bind(q, i, buf, (size_t)n, 0);
}

/* The shortest text that reads back as the same double. */
static int format_double(char *buf, size_t cap, double v)
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

int cim_pg_bind_double(cim_pg_stmt *q, int i, double v)
{
    char buf[40];
    int n = format_double(buf, sizeof buf, v);
    return cim_pg_bind(q, i, buf, (size_t)n, 0);
}

static void clear_row(cim_pg_stmt *q)
{
    if (!q->conv)
        return;
    for (int i = 0; i < q->ncols; i++) {
        free(q->conv[i]);
        q->conv[i] = NULL;
    }
}

static void clear_result(cim_pg_stmt *q)
{
    clear_row(q);
    free(q->conv);
    q->conv = NULL;
    PQclear(q->res);
    q->res = NULL;
    q->row = -1;
    q->nrows = q->ncols = 0;
}

static int run(cim_store *s, cim_pg_stmt *q)
{
    const char *const *values = (const char *const *)q->values;
    if (q->runs == 1 && !q->prepared) {
        PGresult *p = PQprepare(s->pg, q->name, q->sql, q->nparams, NULL);
        int ok = PQresultStatus(p) == PGRES_COMMAND_OK;
        PQclear(p);
        q->prepared = ok; /* else it simply runs unprepared again */
    }
    q->runs++;
    q->res = q->prepared ? PQexecPrepared(s->pg, q->name, q->nparams, values, q->lengths, q->formats, 1)
                         : PQexecParams(s->pg, q->sql, q->nparams, NULL, values, q->lengths, q->formats, 1);
    ExecStatusType st = PQresultStatus(q->res);
    if (st == PGRES_TUPLES_OK) {
        q->nrows = PQntuples(q->res);
        q->ncols = PQnfields(q->res);
        q->conv = calloc((size_t)(q->ncols ? q->ncols : 1), sizeof *q->conv);
        if (!q->conv)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        q->changes = 0;
        return CIM_OK;
    }
    if (st == PGRES_COMMAND_OK) {
        const char *t = PQcmdTuples(q->res);
        q->changes = t && *t ? strtoll(t, NULL, 10) : 0;
        q->nrows = 0;
        return CIM_OK;
    }
    int rc = cim_pg_error(s, q->res, NULL);
    clear_result(q);
    return rc;
}

int cim_pg_step(cim_store *s, cim_pg_stmt *q)
{
    if (q->failed) {
        int rc = q->failed;
        q->failed = 0;
        return cim_error_set(rc, CIM_ERRCLASS_POSTGRES, "%s", q->failed_msg ? q->failed_msg : "statement failed");
    }
    if (!q->res) {
        int rc = run(s, q);
        if (rc)
            return rc;
    }
    clear_row(q);
    if (q->row < q->nrows)
        q->row++;
    return q->row < q->nrows ? CIM_SQL_ROW : CIM_SQL_DONE;
}

int cim_pg_reset(cim_pg_stmt *q)
{
    clear_result(q);
    q->failed = 0;
    return CIM_OK;
}

void cim_pg_finalize(cim_store *s, cim_pg_stmt *q)
{
    if (!q)
        return;
    clear_result(q);
    if (q->prepared && s->pg) {
        char sql[64];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", q->name);
        PQclear(PQexec(s->pg, sql));
    }
    for (int i = 0; i < q->nparams && q->values; i++)
        free(q->values[i]);
    free(q->failed_msg);
    free(q->values);
    free(q->lengths);
    free(q->formats);
    free(q->sql);
    free(q);
}

/* Columns are known once the statement has run: asking before the first
 * step runs it (as SQLite knows them after prepare); a failure then waits
 * for that step to report it. */
static void run_for_columns(cim_pg_stmt *q)
{
    if (q->res || q->failed)
        return;
    int rc = run(q->s, q);
    if (rc) {
        q->failed = rc;
        free(q->failed_msg);
        q->failed_msg = strdup(cim_error_last()->message);
    }
}

int cim_pg_column_count(cim_pg_stmt *q)
{
    run_for_columns(q);
    return q->res ? PQnfields(q->res) : 0;
}

const char *cim_pg_column_name(cim_pg_stmt *q, int i)
{
    run_for_columns(q);
    return q->res && i >= 0 && i < PQnfields(q->res) ? PQfname(q->res, i) : NULL;
}

static int in_row(cim_pg_stmt *q, int i)
{
    return q->res && q->row >= 0 && q->row < q->nrows && i >= 0 && i < q->ncols &&
           !PQgetisnull(q->res, q->row, i);
}

static const unsigned char *raw(cim_pg_stmt *q, int i)
{
    return (const unsigned char *)PQgetvalue(q->res, q->row, i);
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

static int is_text_oid(Oid t)
{
    switch (t) {
    case OID_TEXT: case OID_VARCHAR: case OID_BPCHAR: case OID_NAME: case OID_CHAR: case OID_JSON:
    case OID_XML: case OID_UNKNOWN: case OID_JSONB:
        return 1;
    default:
        return 0;
    }
}

static int is_time_oid(Oid t)
{
    return t == OID_DATE || t == OID_TIME || t == OID_TIMESTAMP || t == OID_TIMESTAMPTZ || t == OID_UUID ||
           t == OID_REGCLASS;
}

int cim_pg_type(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return CIM_SQL_NULL;
    Oid t = PQftype(q->res, i);
    switch (t) {
    case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID:
        return CIM_SQL_INTEGER;
    case OID_FLOAT4: case OID_FLOAT8:
        return CIM_SQL_FLOAT;
    case OID_NUMERIC: {
        int64_t iv;
        int is_int;
        numeric_value(raw(q, i), PQgetlength(q->res, q->row, i), &iv, &is_int);
        return is_int ? CIM_SQL_INTEGER : CIM_SQL_FLOAT;
    }
    default:
        return is_text_oid(t) || is_time_oid(t) ? CIM_SQL_TEXT : CIM_SQL_BLOB;
    }
}

int64_t cim_pg_int64(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return 0;
    Oid t = PQftype(q->res, i);
    int len = PQgetlength(q->res, q->row, i);
    switch (t) {
    case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID:
        return t == OID_OID ? (int64_t)(uint32_t)be_int(raw(q, i), 4) : be_int(raw(q, i), len);
    case OID_FLOAT4: case OID_FLOAT8:
        return (int64_t)be_float(raw(q, i), len);
    case OID_NUMERIC: {
        int64_t iv;
        int is_int;
        double v = numeric_value(raw(q, i), len, &iv, &is_int);
        return is_int ? iv : (int64_t)v;
    }
    default: {
        const char *s = cim_pg_text(q, i);
        return s ? strtoll(s, NULL, 10) : 0;
    }
    }
}

double cim_pg_double(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return 0;
    Oid t = PQftype(q->res, i);
    int len = PQgetlength(q->res, q->row, i);
    switch (t) {
    case OID_FLOAT4: case OID_FLOAT8:
        return be_float(raw(q, i), len);
    case OID_NUMERIC: {
        int64_t iv;
        int is_int;
        return numeric_value(raw(q, i), len, &iv, &is_int);
    }
    case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID:
        return (double)cim_pg_int64(q, i);
    default: {
        const char *s = cim_pg_text(q, i);
        return s ? strtod(s, NULL) : 0;
    }
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
static char *time_text(Oid t, const unsigned char *p, int len)
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

const char *cim_pg_text(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return NULL;
    if (q->conv[i])
        return q->conv[i];
    Oid t = PQftype(q->res, i);
    const unsigned char *p = raw(q, i);
    int len = PQgetlength(q->res, q->row, i);
    if (t == OID_JSONB)
        return len > 0 ? (const char *)p + 1 : "";
    if (is_text_oid(t) || t == OID_BYTEA)
        return (const char *)p; /* libpq ends every value with a NUL */
    char buf[48];
    switch (cim_pg_type(q, i)) {
    case CIM_SQL_INTEGER:
        snprintf(buf, sizeof buf, "%" PRId64, cim_pg_int64(q, i));
        q->conv[i] = strdup(buf);
        break;
    case CIM_SQL_FLOAT:
        format_double(buf, sizeof buf, cim_pg_double(q, i));
        q->conv[i] = strdup(buf);
        break;
    case CIM_SQL_TEXT:
        q->conv[i] = time_text(t, p, len);
        break;
    default:
        return (const char *)p;
    }
    return q->conv[i];
}

const void *cim_pg_blob(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return NULL;
    int type = cim_pg_type(q, i);
    if (type == CIM_SQL_BLOB)
        return raw(q, i);
    return cim_pg_text(q, i);
}

int cim_pg_bytes(cim_pg_stmt *q, int i)
{
    if (!in_row(q, i))
        return 0;
    if (cim_pg_type(q, i) == CIM_SQL_BLOB)
        return PQgetlength(q->res, q->row, i);
    const char *t = cim_pg_text(q, i);
    return t ? (int)strlen(t) : 0;
}

int cim_pg_is_geometry(cim_store *s, cim_pg_stmt *q, int i)
{
    return in_row(q, i) && s->pg_geometry_oid && PQftype(q->res, i) == s->pg_geometry_oid;
}

int64_t cim_pg_changes(cim_pg_stmt *q)
{
    return q->changes;
}

int cim_pg_copy_begin(cim_store *s, const char *copy_sql)
{
    PGresult *r = PQexec(s->pg, copy_sql);
    int rc = PQresultStatus(r) == PGRES_COPY_IN ? CIM_OK : cim_pg_error(s, r, NULL);
    PQclear(r);
    return rc;
}

int cim_pg_copy_put(cim_store *s, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        int piece = n > (1u << 30) ? (1 << 30) : (int)n;
        if (PQputCopyData(s->pg, p, piece) != 1)
            return cim_pg_error(s, NULL, "COPY");
        p += piece;
        n -= (size_t)piece;
    }
    return CIM_OK;
}

int cim_pg_copy_end(cim_store *s, int64_t *rows)
{
    int rc = CIM_OK;
    if (PQputCopyEnd(s->pg, NULL) != 1)
        rc = cim_pg_error(s, NULL, "COPY");
    PGresult *r;
    while ((r = PQgetResult(s->pg)) != NULL) {
        if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = cim_pg_error(s, r, NULL);
        else if (!rc && rows) {
            const char *t = PQcmdTuples(r);
            *rows = t && *t ? strtoll(t, NULL, 10) : 0;
        }
        PQclear(r);
    }
    return rc;
}
