/* source.c: choosing a reader for a source and the parts readers share. */
#include "source_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "error_int.h"

static int wants_ogr(const char *path, const cim_ingest_options *opts)
{
    if (opts->use_ogr_only || opts->where || opts->encoding || opts->open_options)
        return 1;
    size_t n = strlen(path);
    int json = (n > 8 && !strcasecmp(path + n - 8, ".geojson")) || (n > 5 && !strcasecmp(path + n - 5, ".json"));
    return !json;
}

int cim_source_open(cim_source **out, const char *path, const cim_ingest_options *opts)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_IO, "source '%s': %s", path, strerror(errno));
    if (S_ISREG(st.st_mode) && st.st_size == 0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "source '%s': empty file", path);
    cim_source *src = calloc(1, sizeof *src);
    src->path = strdup(path);
    int rc = CIM_ENOTFOUND;
    char native_msg[1024] = "";
    if (!wants_ogr(path, opts)) {
        rc = cim_source_open_geojson(src, opts);
        /* Broken for the native reader: GDAL (more lenient, e.g. json-c
         * accepts NaN) gets its chance, but if it fails too the native
         * message, which names the feature, line and column, is the one shown. */
        if (rc == CIM_EFORMAT && cim_error_last())
            snprintf(native_msg, sizeof native_msg, "%s", cim_error_last()->message);
    }
    if (rc == CIM_ENOTFOUND || native_msg[0]) {
        cim_error_clear();
        rc = cim_source_open_ogr(src, opts);
        if (rc && native_msg[0])
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s", native_msg);
    }
    if (rc) {
        cim_source_free(src);
        return rc;
    }
    *out = src;
    return CIM_OK;
}

void cim_src_layer_clear(cim_src_layer *l)
{
    for (size_t i = 0; i < l->field_count; i++)
        free(l->fields[i].name);
    free(l->fields);
    free(l->name);
    free(l->srs_wkt);
    free(l->srs_name);
}

void cim_source_free(cim_source *src)
{
    if (!src)
        return;
    for (size_t i = 0; i < src->layer_count; i++)
        if (src->layers[i])
            src->layers[i]->ops->free(src->layers[i]);
    free(src->layers);
    if (src->close)
        src->close(src);
    for (size_t i = 0; i < src->file_count; i++)
        free(src->files[i]);
    free(src->files);
    free(src->driver);
    free(src->path);
    free(src);
}
