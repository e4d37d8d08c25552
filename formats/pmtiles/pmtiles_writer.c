/* pmtiles_writer.c: the PMTiles v3 archive: entries collected while tiles
 * arrive, directories (varints, run lengths, offsets relative to the last
 * entry) split into leaves when the root would not fit in the first 16 KiB,
 * all gzip-compressed. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "bytes.h"
#include "pmtiles.h"

typedef struct entry {
    uint64_t tile_id, offset;
    uint32_t length, run_length;
} entry;

typedef cim_bytes bytes;

struct pmtiles_writer {
    char *path, *data_path;
    FILE *out, *data;
    entry *e;
    size_t n, cap;
    uint64_t data_len, addressed;
    uint8_t *last;     /* the previous tile's bytes, for runs */
    size_t last_len, last_cap;
    int finished;
    char err[512];
};

static int fail(pmtiles_writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
    return -1;
}

pmtiles_writer *pmtiles_writer_open(const char *path)
{
    pmtiles_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    size_t n = strlen(path);
    w->path = strdup(path);
    w->data_path = malloc(n + 6);
    if (!w->path || !w->data_path)
        goto fail;
    memcpy(w->data_path, path, n);
    memcpy(w->data_path + n, ".data", 6);
    if (!(w->out = fopen(path, "wb")))
        goto fail;
    if (!(w->data = fopen(w->data_path, "w+b"))) {
        int e = errno;
        fclose(w->out);
        w->out = NULL;
        remove(path);
        errno = e;
        goto fail;
    }
    return w;
fail:
    free(w->path);
    free(w->data_path);
    free(w);
    return NULL;
}

const char *pmtiles_writer_error(const pmtiles_writer *w)
{
    return w->err;
}
uint64_t pmtiles_writer_entries(const pmtiles_writer *w)
{
    return w->n;
}
uint64_t pmtiles_writer_addressed(const pmtiles_writer *w)
{
    return w->addressed;
}

int pmtiles_writer_put(pmtiles_writer *w, uint8_t z, uint32_t x, uint32_t y, const uint8_t *data, size_t len)
{
    if (pmtiles_writer_put_id(w, pmtiles_tile_id(z, x, y), data, len)) {
        char e[sizeof w->err];
        memcpy(e, w->err, sizeof e);
        return fail(w, "tile %u/%u/%u: %s", z, x, y, e);
    }
    return 0;
}

int pmtiles_writer_put_id(pmtiles_writer *w, uint64_t id, const uint8_t *data, size_t len)
{
    entry *prev = w->n ? &w->e[w->n - 1] : NULL;
    if (prev && id < prev->tile_id + prev->run_length)
        return fail(w, "put out of tile id order");
    if (len > UINT32_MAX)
        return fail(w, "%zu bytes, too large", len);
    w->addressed++;
    if (prev && id == prev->tile_id + prev->run_length && len == w->last_len && !memcmp(w->last, data, len)) {
        prev->run_length++;
        return 0;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 1024;
        entry *e = realloc(w->e, cap * sizeof *e);
        if (!e)
            return fail(w, "out of memory");
        w->e = e;
        w->cap = cap;
    }
    if (fwrite(data, 1, len, w->data) != len)
        return fail(w, "%s: %s", w->data_path, strerror(errno));
    w->e[w->n++] = (entry){id, w->data_len, (uint32_t)len, 1};
    w->data_len += len;
    if (w->last_cap < len) {
        uint8_t *l = realloc(w->last, len);
        if (!l)
            return fail(w, "out of memory");
        w->last = l;
        w->last_cap = len;
    }
    memcpy(w->last, data, len);
    w->last_len = len;
    return 0;
}

/* One directory: the count, then columns of tile id deltas, run lengths,
 * lengths and offsets (0 = right after the previous entry, else offset+1),
 * gzip-compressed into out. */
static int serialize(bytes *out, const entry *e, size_t n)
{
    bytes raw = {0};
    if (cim_bytes_reserve(&raw, 10 + n * 40)) /* four varints of at most 10 bytes */
        return -1;
    cim_bytes_varint(&raw, n);
    uint64_t last = 0;
    for (size_t i = 0; i < n; i++) {
        cim_bytes_varint(&raw, e[i].tile_id - last);
        last = e[i].tile_id;
    }
    for (size_t i = 0; i < n; i++)
        cim_bytes_varint(&raw, e[i].run_length);
    for (size_t i = 0; i < n; i++)
        cim_bytes_varint(&raw, e[i].length);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && e[i].offset == e[i - 1].offset + e[i - 1].length)
            cim_bytes_varint(&raw, 0);
        else
            cim_bytes_varint(&raw, e[i].offset + 1);
    }
    int rc = cim_bytes_gzip(out, raw.data, raw.len, Z_DEFAULT_COMPRESSION);
    free(raw.data);
    return rc;
}

/* Leaves of leaf_size entries each; the root lists the leaves (run length 0). */
static int roots_leaves(bytes *root, bytes *leaves, const entry *e, size_t n, size_t leaf_size)
{
    size_t nleaves = (n + leaf_size - 1) / leaf_size;
    entry *r = calloc(nleaves ? nleaves : 1, sizeof *r);
    bytes one = {0};
    if (!r)
        return -1;
    leaves->len = 0;
    int rc = 0;
    for (size_t i = 0, k = 0; i < n && !rc; i += leaf_size, k++) {
        size_t m = n - i < leaf_size ? n - i : leaf_size;
        if ((rc = serialize(&one, e + i, m)) || (rc = cim_bytes_reserve(leaves, one.len)))
            break;
        r[k] = (entry){e[i].tile_id, leaves->len, (uint32_t)one.len, 0};
        memcpy(leaves->data + leaves->len, one.data, one.len);
        leaves->len += one.len;
    }
    if (!rc)
        rc = serialize(root, r, nleaves);
    free(r);
    free(one.data);
    return rc;
}

static int directories(bytes *root, bytes *leaves, const entry *e, size_t n)
{
    if (n < 16384) {
        if (serialize(root, e, n))
            return -1;
        if (root->len <= PMTILES_ROOT_MAX)
            return 0;
    }
    double leaf = (double)n / 3500.0;
    if (leaf < 4096)
        leaf = 4096;
    for (;;) {
        if (roots_leaves(root, leaves, e, n, (size_t)leaf))
            return -1;
        if (root->len <= PMTILES_ROOT_MAX)
            return 0;
        leaf *= 1.2;
    }
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put_i32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(u >> (8 * i));
}
static int32_t e7(double deg)
{
    return (int32_t)lround(deg * 1e7);
}

int pmtiles_writer_finish(pmtiles_writer *w, const pmtiles_info *info, const char *metadata, size_t metadata_len)
{
    bytes root = {0}, leaves = {0}, meta = {0};
    int rc = -1;
    if (directories(&root, &leaves, w->e, w->n) || cim_bytes_gzip(&meta, (const uint8_t *)metadata, metadata_len, Z_DEFAULT_COMPRESSION)) {
        fail(w, "out of memory building the directories");
        goto done;
    }
    uint64_t root_off = PMTILES_HEADER_SIZE, meta_off = root_off + root.len, leaf_off = meta_off + meta.len,
             data_off = leaf_off + leaves.len;
    uint8_t h[PMTILES_HEADER_SIZE] = {0};
    memcpy(h, "PMTiles", 7);
    h[7] = 3;
    put_u64(h + 8, root_off);
    put_u64(h + 16, root.len);
    put_u64(h + 24, meta_off);
    put_u64(h + 32, meta.len);
    put_u64(h + 40, leaf_off);
    put_u64(h + 48, leaves.len);
    put_u64(h + 56, data_off);
    put_u64(h + 64, w->data_len);
    put_u64(h + 72, w->addressed);
    put_u64(h + 80, w->n);
    put_u64(h + 88, w->n); /* every entry has its own content */
    h[96] = 1;             /* clustered */
    h[97] = PMTILES_COMPRESSION_GZIP;
    h[98] = info->tile_compression;
    h[99] = info->tile_type;
    h[100] = info->min_zoom;
    h[101] = info->max_zoom;
    put_i32(h + 102, e7(info->bounds[0]));
    put_i32(h + 106, e7(info->bounds[1]));
    put_i32(h + 110, e7(info->bounds[2]));
    put_i32(h + 114, e7(info->bounds[3]));
    h[118] = info->center_zoom;
    put_i32(h + 119, e7(info->center[0]));
    put_i32(h + 123, e7(info->center[1]));
    if (fwrite(h, 1, sizeof h, w->out) != sizeof h || fwrite(root.data, 1, root.len, w->out) != root.len ||
        fwrite(meta.data, 1, meta.len, w->out) != meta.len ||
        (leaves.len && fwrite(leaves.data, 1, leaves.len, w->out) != leaves.len)) {
        fail(w, "%s: %s", w->path, strerror(errno));
        goto done;
    }
    if (fflush(w->data) || fseek(w->data, 0, SEEK_SET)) {
        fail(w, "%s: %s", w->data_path, strerror(errno));
        goto done;
    }
    uint8_t *buf = malloc(1 << 20);
    if (!buf) {
        fail(w, "out of memory");
        goto done;
    }
    size_t got;
    while ((got = fread(buf, 1, 1 << 20, w->data)) > 0) {
        if (fwrite(buf, 1, got, w->out) != got) {
            free(buf);
            fail(w, "%s: %s", w->path, strerror(errno));
            goto done;
        }
    }
    free(buf);
    if (ferror(w->data)) {
        fail(w, "%s: read error", w->data_path);
        goto done;
    }
    int e = fclose(w->out);
    w->out = NULL;
    if (e) {
        fail(w, "%s: %s", w->path, strerror(errno));
        goto done;
    }
    w->finished = 1;
    rc = 0;
done:
    free(root.data);
    free(leaves.data);
    free(meta.data);
    return rc;
}

void pmtiles_writer_free(pmtiles_writer *w)
{
    if (!w)
        return;
    if (w->out)
        fclose(w->out);
    if (w->data)
        fclose(w->data);
    remove(w->data_path);
    if (!w->finished)
        remove(w->path);
    free(w->path);
    free(w->data_path);
    free(w->e);
    free(w->last);
    free(w);
}
