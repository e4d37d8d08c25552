/* error.c: the thread-local last error and GDAL's message capture. */
#include "error_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CIM_ERRMSG_MAX 2048

static _Thread_local struct {
    cim_error err;
    char msg[CIM_ERRMSG_MAX];
    int set;
    char gdal_msg[CIM_ERRMSG_MAX];
} tls;

const cim_error *cim_error_last(void)
{
    return tls.set ? &tls.err : NULL;
}

void cim_error_clear(void)
{
    tls.set = 0;
    tls.msg[0] = '\0';
}

int cim_error_set(int code, cim_error_class klass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tls.msg, sizeof tls.msg, fmt, ap);
    va_end(ap);
    tls.err.code = code;
    tls.err.klass = klass;
    tls.err.message = tls.msg;
    tls.set = 1;
    return code;
}

int cim_error_prefix(const char *fmt, ...)
{
    char prefix[512];
    char old[CIM_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (!tls.set)
        return cim_error_set(CIM_ERROR, CIM_ERRCLASS_INTERNAL, "%s: unknown error", prefix);
    /* Compose by hand: the message is cut at CIM_ERRMSG_MAX on purpose. */
    memcpy(old, tls.msg, sizeof old);
    size_t np = strlen(prefix), no = strlen(old), cap = sizeof tls.msg - 1;
    if (np > cap)
        np = cap;
    memcpy(tls.msg, prefix, np);
    size_t n = np;
    if (n + 2 <= cap) {
        memcpy(tls.msg + n, ": ", 2);
        n += 2;
    }
    if (no > cap - n)
        no = cap - n;
    memcpy(tls.msg + n, old, no);
    tls.msg[n + no] = '\0';
    return tls.err.code;
}

const char *cim_error_name(int code)
{
    switch (code) {
    case CIM_OK: return "ok";
    case CIM_EINVALID: return "invalid argument";
    case CIM_ENOTFOUND: return "not found";
    case CIM_EEXISTS: return "already exists";
    case CIM_EFORMAT: return "bad input data";
    case CIM_ECRS: return "coordinate reference system";
    case CIM_EGEOMETRY: return "unusable geometry";
    case CIM_EIO: return "I/O failure";
    case CIM_ESTORE: return "store failure";
    case CIM_ECANCELED: return "canceled";
    case CIM_EINTERNAL: return "internal error";
    case CIM_ITEROVER: return "no more items";
    default: return "error";
    }
}

void cim_gdal_error_handler(int err_class, int err_no, const char *msg)
{
    (void)err_no;
    /* CE_Debug (1) is noise; warnings and failures are kept, the last one wins
     * unless a failure is already recorded and this is only a warning. */
    if (err_class <= 1 || !msg)
        return;
    if (err_class == 2 && tls.gdal_msg[0] != '\0')
        return;
    snprintf(tls.gdal_msg, sizeof tls.gdal_msg, "%s", msg);
}

const char *cim_gdal_error_last(void)
{
    return tls.gdal_msg;
}

void cim_gdal_error_reset(void)
{
    tls.gdal_msg[0] = '\0';
}
