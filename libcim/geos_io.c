/* geos_io.c: store geometry in and out of GEOS. */
#include "geos_io_int.h"

#include <stdarg.h>
#include <stdio.h>

#include "error_int.h"
#include "wkb_int.h"

static void geos_notice(const char *fmt, ...)
{
    (void)fmt; /* notices are not failures; a failing call returns NULL */
}

static void geos_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS, "GEOS: %s", msg);
}

GEOSContextHandle_t cim_geos_context_new(void)
{
    GEOSContextHandle_t h = GEOS_init_r();
    GEOSContext_setNoticeHandler_r(h, geos_notice);
    GEOSContext_setErrorHandler_r(h, geos_error);
    return h;
}

void cim_geos_io_init(cim_geos_io *io, GEOSContextHandle_t h)
{
    io->h = h;
    io->reader = GEOSWKBReader_create_r(h);
    io->writer = GEOSWKBWriter_create_r(h);
    GEOSWKBWriter_setByteOrder_r(h, io->writer, GEOS_WKB_NDR);
    GEOSWKBWriter_setFlavor_r(h, io->writer, GEOS_WKB_ISO);
    GEOSWKBWriter_setOutputDimension_r(h, io->writer, 2);
    io->wkb = (cim_buf){0};
}

void cim_geos_io_clear(cim_geos_io *io)
{
    if (io->reader)
        GEOSWKBReader_destroy_r(io->h, io->reader);
    if (io->writer)
        GEOSWKBWriter_destroy_r(io->h, io->writer);
    cim_buf_free(&io->wkb);
    io->reader = NULL;
    io->writer = NULL;
}

GEOSGeometry *cim_geos_from_blob(cim_geos_io *io, const void *blob, size_t len)
{
    if (cim_splite_blob_to_wkb(&io->wkb, blob, len))
        return NULL;
    return GEOSWKBReader_read_r(io->h, io->reader, io->wkb.data, io->wkb.len);
}

unsigned char *cim_geos_to_wkb(cim_geos_io *io, const GEOSGeometry *g, size_t *len)
{
    return GEOSWKBWriter_write_r(io->h, io->writer, g, len);
}
