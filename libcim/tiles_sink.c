/* tiles_sink.c: where tiles go: an MBTiles file, a PMTiles archive or a
 * z/x/y.pbf directory (with metadata.json), always built under
 * "<path>.tmp-<pid>" and renamed over path when complete (a directory
 * swapped with the older one, dirtree.c), so a reader never sees a
 * half-written tileset and a failure leaves none behind. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirtree_int.h"
#include "error_int.h"
#include "json_int.h"
#include "mbtiles.h"
#include "pmtiles.h"
#include "tiles_int.h"

#define CGCS2000_GRID "cgcs2000: EPSG:4490 longitude/latitude, 2x1 tiles of 180 degrees at zoom 0 (Tianditu)"

struct tl_sink {
    cim_tiles_format format;
    char *path, *tmp;
    mbtiles_writer *mb;
    pmtiles_writer *pm;
    int dir_made_z, dir_made_x; /* the last z/x directory created */
    int done;
    /* patching a directory: its files are hard links to the old tileset's,
     * so a tile is replaced by a new file, never written through */
    int patch_dir;
    /* patching a PMTiles archive: the old archive's tiles are copied into
     * the new one in tile id order, except those touched (skip, sorted) */
    pmtiles_reader *old;
    size_t old_i;
    uint32_t old_k;       /* position in the entry's run */
    uint8_t *old_data;    /* the bytes of entry old_i, once read */
    uint64_t *skip;
    size_t nskip, skip_cap, skip_i;
};

static int io_error(const char *what, const char *path)
{
    return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "%s '%s': %s", what, path, strerror(errno));
}

cim_tiles_format tl_format_of(const char *path, cim_tiles_format format)
{
    if (format != CIM_TILES_AUTO)
        return format;
    const char *dot = strrchr(path, '.');
    return dot && !strcmp(dot, ".mbtiles") ? CIM_TILES_MBTILES : dot && !strcmp(dot, ".pmtiles") ? CIM_TILES_PMTILES : CIM_TILES_DIR;
}

/* A sink for path, its temporary name "<path>.tmp-<pid>" set; NULL when out of memory. */
static tl_sink *sink_new(const char *path, cim_tiles_format format)
{
    tl_sink *s = calloc(1, sizeof *s);
    size_t n = strlen(path);
    if (!s || !(s->path = strdup(path)) || !(s->tmp = malloc(n + 32))) {
        if (s)
            free(s->path);
        free(s);
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        return NULL;
    }
    /* a trailing slash names a directory; drop it for the temporary name */
    while (n > 1 && path[n - 1] == '/')
        n--;
    snprintf(s->tmp, n + 32, "%.*s.tmp-%ld", (int)n, path, (long)getpid());
    s->format = tl_format_of(path, format);
    s->dir_made_z = s->dir_made_x = -1;
    return s;
}

/* A full build replaces an older tileset at path (a directory with
 * metadata.json), or an empty directory, never another directory. */
static int dir_replaceable(const char *path)
{
    struct stat st;
    if (stat(path, &st))
        return 0;
    if (!S_ISDIR(st.st_mode))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "'%s' exists and is not a directory", path);
    size_t n = strlen(path) + 16;
    char *p = malloc(n);
    if (!p)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    snprintf(p, n, "%s/metadata.json", path);
    int has = !stat(p, &st);
    free(p);
    DIR *d = has ? NULL : opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) && (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")))
        ;
    int empty = d && !e;
    if (d)
        closedir(d);
    if (has || empty)
        return 0;
    return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                         "'%s' is a directory that holds no tileset (no metadata.json): not replaced", path);
}

/* tmp/z/x/y.pbf into a malloc'd string; NULL (error set) when out of memory */
static char *tile_path(const tl_sink *s, int z, uint32_t x, uint32_t y)
{
    size_t n = strlen(s->tmp) + 64;
    char *p = malloc(n);
    if (!p)
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    else
        snprintf(p, n, "%s/%d/%u/%u.pbf", s->tmp, z, x, y);
    return p;
}

int tl_sink_open(tl_sink **out, const char *path, cim_tiles_format format)
{
    *out = NULL;
    tl_sink *s = sink_new(path, format);
    if (!s)
        return CIM_EINTERNAL;
    format = s->format;
    int rc = 0;
    char err[512] = "";
    if (format == CIM_TILES_DIR) {
        cim_dir_remove(s->tmp); /* a leftover of a crashed run with our pid */
        if ((rc = dir_replaceable(path))) {
            tl_sink_free(s);
            return rc;
        }
    } else
        remove(s->tmp);
    switch (format) {
    case CIM_TILES_MBTILES:
        if (!(s->mb = mbtiles_writer_open(s->tmp, err, sizeof err)))
            rc = cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "cannot create '%s': %s", path, err);
        break;
    case CIM_TILES_PMTILES:
        if (!(s->pm = pmtiles_writer_open(s->tmp)))
            rc = io_error("cannot create", path);
        break;
    default:
        if (mkdir(s->tmp, 0777))
            rc = io_error("cannot create the directory", path);
        break;
    }
    if (rc) {
        tl_sink_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Copies the old archive's tiles below tile id limit that are not touched. */
static int copy_old(tl_sink *s, uint64_t limit)
{
    size_t n = 0;
    const pmtiles_entry *e = s->old ? pmtiles_reader_entries(s->old, &n) : NULL;
    while (s->old_i < n) {
        const pmtiles_entry *x = &e[s->old_i];
        uint64_t id = x->tile_id + s->old_k;
        if (id >= limit)
            return 0;
        while (s->skip_i < s->nskip && s->skip[s->skip_i] < id)
            s->skip_i++;
        if (!(s->skip_i < s->nskip && s->skip[s->skip_i] == id)) {
            if (!s->old_data && pmtiles_reader_tile(s->old, x, &s->old_data))
                return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "'%s': cannot read tile id %llu of the archive",
                                     s->path, (unsigned long long)id);
            if (pmtiles_writer_put_id(s->pm, id, s->old_data, x->length))
                return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "'%s': %s", s->path, pmtiles_writer_error(s->pm));
        }
        if (++s->old_k >= x->run_length) {
            s->old_i++;
            s->old_k = 0;
            free(s->old_data);
            s->old_data = NULL;
        }
    }
    return 0;
}

int tl_sink_open_patch(tl_sink **out, const char *path, cim_tiles_format format)
{
    *out = NULL;
    tl_sink *s = sink_new(path, format);
    if (!s)
        return CIM_EINTERNAL;
    char err[512] = "";
    int rc = 0;
    if (s->format == CIM_TILES_PMTILES) {
        remove(s->tmp);
        if (!(s->old = pmtiles_reader_open(path)))
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "'%s': not a PMTiles v3 archive cim can read", path);
        else if (!(s->pm = pmtiles_writer_open(s->tmp)))
            rc = io_error("cannot create", path);
    } else if (s->format == CIM_TILES_DIR) {
        /* the old tileset's files linked, not copied: a patch of a few
         * tiles costs a directory entry per tile, not the tileset's bytes */
        cim_dir_remove(s->tmp);
        s->patch_dir = 1;
        if ((rc = cim_dir_link_tree(path, s->tmp)))
            cim_error_prefix("cannot patch '%s'", path);
    } else if (s->format != CIM_TILES_MBTILES)
        rc = cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "unknown tiles format %d", (int)s->format);
    else if (cim_file_copy(path, s->tmp))
        rc = io_error("cannot copy the archive to patch", path);
    else if (!(s->mb = mbtiles_writer_reopen(s->tmp, err, sizeof err)))
        rc = cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "cannot patch '%s': %s", path, err);
    if (rc) {
        tl_sink_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int tl_sink_delete(tl_sink *s, int z, uint32_t x, uint32_t y)
{
    if (s->old) {
        if (s->nskip == s->skip_cap) {
            size_t cap = s->skip_cap ? 2 * s->skip_cap : 256;
            uint64_t *k = realloc(s->skip, cap * sizeof *k);
            if (!k)
                return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
            s->skip = k;
            s->skip_cap = cap;
        }
        s->skip[s->nskip++] = pmtiles_tile_id((uint8_t)z, x, y);
        return 0;
    }
    if (s->patch_dir) {
        char *p = tile_path(s, z, x, y);
        int rc = !p ? CIM_EINTERNAL : unlink(p) && errno != ENOENT ? io_error("cannot delete", p) : 0;
        /* a column or zoom left empty goes, as a full build would not make it */
        char *slash = p && !rc ? strrchr(p, '/') : NULL;
        if (slash) {
            *slash = '\0';
            if (!rmdir(p) && (slash = strrchr(p, '/'))) {
                *slash = '\0';
                rmdir(p);
                s->dir_made_z = s->dir_made_x = -1;
            }
        }
        free(p);
        return rc;
    }
    if (!s->mb || mbtiles_writer_delete(s->mb, (uint8_t)z, x, y))
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "'%s': %s", s->path,
                             s->mb ? mbtiles_writer_error(s->mb) : "only MBTiles can be patched");
    return 0;
}

int tl_sink_gzip(const tl_sink *s)
{
    return s->format != CIM_TILES_DIR;
}

int tl_sink_put(tl_sink *s, int z, uint32_t x, uint32_t y, const uint8_t *data, size_t len)
{
    if (s->mb) {
        if (mbtiles_writer_put(s->mb, (uint8_t)z, x, y, data, len))
            return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "'%s': %s", s->path, mbtiles_writer_error(s->mb));
        return 0;
    }
    if (s->pm) {
        int rc = copy_old(s, pmtiles_tile_id((uint8_t)z, x, y));
        if (rc)
            return rc;
        if (pmtiles_writer_put(s->pm, (uint8_t)z, x, y, data, len))
            return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "'%s': %s", s->path, pmtiles_writer_error(s->pm));
        return 0;
    }
    size_t n = strlen(s->tmp) + 64;
    char *p = malloc(n);
    if (!p)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    int rc = 0;
    if (s->dir_made_z != z || s->dir_made_x != (int)x) {
        snprintf(p, n, "%s/%d", s->tmp, z);
        if (mkdir(p, 0777) && errno != EEXIST)
            rc = io_error("cannot create", p);
        snprintf(p, n, "%s/%d/%u", s->tmp, z, x);
        if (!rc && mkdir(p, 0777) && errno != EEXIST)
            rc = io_error("cannot create", p);
        s->dir_made_z = z;
        s->dir_made_x = (int)x;
    }
    if (!rc) {
        snprintf(p, n, "%s/%d/%u/%u.pbf", s->tmp, z, x, y);
        /* patching: a new file, never through a link to the old tileset */
        if (s->patch_dir && unlink(p) && errno != ENOENT)
            rc = io_error("cannot replace", p);
    }
    if (!rc) {
        FILE *f = fopen(p, "wb");
        if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
            rc = io_error("cannot write", p);
            if (f)
                fclose(f);
        }
    }
    free(p);
    return rc;
}

char *tl_vector_layers_json(const tl_meta *m)
{
    static const char *const kinds[] = {"Number", "String", "Boolean"};
    cim_buf b = {0};
    char num[64];
    cim_json_raw(&b, "[");
    for (size_t i = 0; i < m->nlayers; i++) {
        const tl_layer *l = &m->layers[i];
        cim_json_raw(&b, i ? ",{\"id\":" : "{\"id\":");
        cim_json_str(&b, l->name);
        cim_json_raw(&b, ",\"fields\":{");
        for (size_t k = 0; k < l->nkeys; k++) {
            if (k)
                cim_json_raw(&b, ",");
            cim_json_kv(&b, l->keys[k], kinds[l->key_kind[k]]);
        }
        snprintf(num, sizeof num, "},\"minzoom\":%d,\"maxzoom\":%d}", m->minzoom, m->maxzoom);
        cim_json_raw(&b, num);
    }
    cim_json_raw(&b, "]");
    char *s = strdup(cim_json_text(&b));
    cim_buf_free(&b);
    return s;
}

/* The TileJSON-like document PMTiles and the directory carry. */
static char *metadata_json(const tl_meta *m, const char *name, const char *vl)
{
    cim_buf b = {0};
    char num[256];
    cim_json_raw(&b, "{");
    cim_json_kv(&b, "name", name);
    cim_json_raw(&b, ",\"format\":\"pbf\",\"type\":\"overlay\",\"generator\":\"cim " CIM_VERSION_STRING "\"");
    snprintf(num, sizeof num,
             ",\"minzoom\":%d,\"maxzoom\":%d,\"bounds\":[%.7f,%.7f,%.7f,%.7f],\"center\":[%.7f,%.7f,%d],"
             "\"vector_layers\":",
             m->minzoom, m->maxzoom, m->bounds[0], m->bounds[1], m->bounds[2], m->bounds[3], m->center[0],
             m->center[1], m->minzoom);
    cim_json_raw(&b, num);
    cim_json_raw(&b, vl);
    if (m->grid && m->grid->kind == CIM_TILES_CGCS2000)
        cim_json_raw(&b, ",\"crs\":\"EPSG:4490\",\"tile_grid\":\"" CGCS2000_GRID "\"");
    if (m->build) {
        cim_json_raw(&b, ",\"cim_build\":");
        cim_json_raw(&b, m->build);
        snprintf(num, sizeof num, ",\"cim_run\":%lld", (long long)m->run);
        cim_json_raw(&b, num);
    }
    cim_json_raw(&b, "}");
    char *s = strdup(cim_json_text(&b));
    cim_buf_free(&b);
    return s;
}

static int mb_meta(tl_sink *s, const char *k, const char *v)
{
    if (mbtiles_writer_meta(s->mb, k, v))
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "'%s': %s", s->path, mbtiles_writer_error(s->mb));
    return 0;
}

int tl_sink_finish(tl_sink *s, const tl_meta *m)
{
    /* the tileset's name: the file's base name without its extension */
    const char *base = strrchr(s->path, '/');
    base = base ? base + 1 : s->path;
    char name[256];
    snprintf(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    char *vl = tl_vector_layers_json(m), *meta = vl ? metadata_json(m, name, vl) : NULL;
    int rc = 0;
    if (!vl || !meta) {
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        goto done;
    }
    if (s->mb) {
        char v[256];
        cim_buf j = {0};
        cim_json_raw(&j, "{\"vector_layers\":");
        cim_json_raw(&j, vl);
        cim_json_raw(&j, "}");
        snprintf(v, sizeof v, "%.7f,%.7f,%.7f,%.7f", m->bounds[0], m->bounds[1], m->bounds[2], m->bounds[3]);
        rc = mb_meta(s, "name", name);
        if (!rc)
            rc = mb_meta(s, "format", "pbf");
        if (!rc)
            rc = mb_meta(s, "bounds", v);
        snprintf(v, sizeof v, "%.7f,%.7f,%d", m->center[0], m->center[1], m->minzoom);
        if (!rc)
            rc = mb_meta(s, "center", v);
        snprintf(v, sizeof v, "%d", m->minzoom);
        if (!rc)
            rc = mb_meta(s, "minzoom", v);
        snprintf(v, sizeof v, "%d", m->maxzoom);
        if (!rc)
            rc = mb_meta(s, "maxzoom", v);
        if (!rc)
            rc = mb_meta(s, "type", "overlay");
        if (!rc)
            rc = mb_meta(s, "version", "2");
        if (!rc)
            rc = mb_meta(s, "description", "vector tiles of a cim store");
        if (!rc)
            rc = mb_meta(s, "generator", "cim " CIM_VERSION_STRING);
        if (!rc)
            rc = mb_meta(s, "json", cim_json_text(&j));
        /* not in MBTiles 1.3, which assumes Web Mercator: a reader must know the grid */
        if (!rc && m->grid && m->grid->kind == CIM_TILES_CGCS2000)
            rc = mb_meta(s, "crs", "EPSG:4490");
        if (!rc && m->grid && m->grid->kind == CIM_TILES_CGCS2000)
            rc = mb_meta(s, "tile_grid", CGCS2000_GRID);
        /* what --since checks before patching */
        if (!rc && m->build)
            rc = mb_meta(s, "cim_build", m->build);
        snprintf(v, sizeof v, "%lld", (long long)m->run);
        if (!rc && m->build)
            rc = mb_meta(s, "cim_run", v);
        cim_buf_free(&j);
        if (!rc && mbtiles_writer_finish(s->mb))
            rc = cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "'%s': %s", s->path, mbtiles_writer_error(s->mb));
        mbtiles_writer_free(s->mb);
        s->mb = NULL;
    } else if (s->pm) {
        pmtiles_info info = {PMTILES_TYPE_MVT, PMTILES_COMPRESSION_GZIP, (uint8_t)m->minzoom, (uint8_t)m->maxzoom,
                             (uint8_t)m->minzoom, {m->bounds[0], m->bounds[1], m->bounds[2], m->bounds[3]},
                             {m->center[0], m->center[1]}};
        if (!(rc = copy_old(s, UINT64_MAX)) && pmtiles_writer_finish(s->pm, &info, meta, strlen(meta)))
            rc = cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "'%s': %s", s->path, pmtiles_writer_error(s->pm));
    } else {
        size_t n = strlen(s->tmp) + 32;
        char *p = malloc(n);
        FILE *f = NULL;
        if (p) {
            snprintf(p, n, "%s/metadata.json", s->tmp);
            remove(p); /* patching: a link to the old tileset's */
            f = fopen(p, "wb");
        }
        if (!f || fputs(meta, f) < 0 || fclose(f))
            rc = io_error("cannot write", p ? p : s->path);
        free(p);
    }
    if (!rc && s->format == CIM_TILES_DIR)
        rc = cim_dir_swap_in(s->tmp, s->path);
    else if (!rc && rename(s->tmp, s->path))
        rc = io_error("cannot rename the finished tiles to", s->path);
    if (!rc)
        s->done = 1;
done:
    free(vl);
    free(meta);
    return rc;
}

void tl_sink_free(tl_sink *s)
{
    if (!s)
        return;
    mbtiles_writer_free(s->mb);
    pmtiles_writer_free(s->pm); /* removes its side file, and the archive if unfinished */
    pmtiles_reader_free(s->old);
    free(s->old_data);
    free(s->skip);
    if (!s->done && s->tmp) {
        if (s->format == CIM_TILES_DIR)
            cim_dir_remove(s->tmp);
        else
            remove(s->tmp);
    }
    free(s->path);
    free(s->tmp);
    free(s);
}
