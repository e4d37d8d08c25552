/* pmtiles_reader.c: reads back a PMTiles v3 archive with gzip-compressed
 * (or uncompressed) directories: the header, the metadata and every tile
 * entry, leaves followed, in tile id order. What patching an archive needs
 * (tiles --since copies the untouched tiles into a new archive). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pmtiles.h"

struct pmtiles_reader {
    FILE *f;
    uint64_t root_off, root_len, meta_off, meta_len, leaf_off, leaf_len, data_off;
    uint8_t dir_compression;
    pmtiles_entry *e;
    size_t n, cap;
};

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int read_at(FILE *f, uint64_t off, uint64_t len, uint8_t **out)
{
    *out = malloc(len ? len : 1);
    if (!*out || fseek(f, (long)off, SEEK_SET) || fread(*out, 1, len, f) != len) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* in (gzip or raw) into *out / *out_len. */
static int inflate_all(const uint8_t *in, size_t len, int gz, uint8_t **out, size_t *out_len)
{
    if (!gz) {
        *out = malloc(len ? len : 1);
        if (!*out)
            return -1;
        memcpy(*out, in, len);
        *out_len = len;
        return 0;
    }
    z_stream z = {0};
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return -1;
    size_t cap = len * 4 + 64, n = 0;
    uint8_t *b = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    int rc = Z_OK;
    while (b && rc == Z_OK) {
        if (n == cap) {
            uint8_t *nb = realloc(b, cap * 2);
            if (!nb)
                break;
            b = nb;
            cap *= 2;
        }
        z.next_out = b + n;
        z.avail_out = (uInt)(cap - n);
        rc = inflate(&z, Z_NO_FLUSH);
        n = cap - z.avail_out;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(b);
        return -1;
    }
    *out = b;
    *out_len = n;
    return 0;
}

static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return -1;
        uint8_t c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 0;
    }
    return -1;
}

static int add(pmtiles_reader *r, pmtiles_entry e)
{
    if (r->n && e.tile_id < r->e[r->n - 1].tile_id + r->e[r->n - 1].run_length)
        return -1; /* not in tile id order */
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 1024;
        pmtiles_entry *ne = realloc(r->e, cap * sizeof *ne);
        if (!ne)
            return -1;
        r->e = ne;
        r->cap = cap;
    }
    r->e[r->n++] = e;
    return 0;
}

/* One directory at off/len (absolute); leaves are read in place. */
static int directory(pmtiles_reader *r, uint64_t off, uint64_t len, int depth)
{
    uint8_t *raw = NULL, *d = NULL;
    size_t dlen = 0;
    if (depth > 4 || read_at(r->f, off, len, &raw) ||
        inflate_all(raw, len, r->dir_compression == PMTILES_COMPRESSION_GZIP, &d, &dlen)) {
        free(raw);
        return -1;
    }
    free(raw);
    const uint8_t *p = d, *end = d + dlen;
    uint64_t n = 0;
    int rc = varint(&p, end, &n) || n > dlen ? -1 : 0;
    pmtiles_entry *e = rc ? NULL : calloc(n ? n : 1, sizeof *e);
    if (!e)
        rc = -1;
    uint64_t v, id = 0;
    for (uint64_t i = 0; i < n && !rc; i++) {
        rc = varint(&p, end, &v);
        id += v;
        e[i].tile_id = id;
    }
    for (uint64_t i = 0; i < n && !rc; i++)
        if (!(rc = varint(&p, end, &v)))
            e[i].run_length = (uint32_t)v;
    for (uint64_t i = 0; i < n && !rc; i++)
        if (!(rc = varint(&p, end, &v)))
            e[i].length = (uint32_t)v;
    for (uint64_t i = 0; i < n && !rc; i++)
        if (!(rc = varint(&p, end, &v)))
            e[i].offset = v == 0 && i > 0 ? e[i - 1].offset + e[i - 1].length : v - 1;
    for (uint64_t i = 0; i < n && !rc; i++) {
        if (e[i].run_length == 0)
            rc = directory(r, r->leaf_off + e[i].offset, e[i].length, depth + 1);
        else
            rc = add(r, e[i]);
    }
    free(e);
    free(d);
    return rc;
}

pmtiles_reader *pmtiles_reader_open(const char *path)
{
    pmtiles_reader *r = calloc(1, sizeof *r);
    uint8_t h[PMTILES_HEADER_SIZE];
    if (!r || !(r->f = fopen(path, "rb")) || fread(h, 1, sizeof h, r->f) != sizeof h || memcmp(h, "PMTiles", 7) ||
        h[7] != 3)
        goto fail;
    r->root_off = get_u64(h + 8);
    r->root_len = get_u64(h + 16);
    r->meta_off = get_u64(h + 24);
    r->meta_len = get_u64(h + 32);
    r->leaf_off = get_u64(h + 40);
    r->leaf_len = get_u64(h + 48);
    r->data_off = get_u64(h + 56);
    r->dir_compression = h[97];
    if (r->dir_compression != PMTILES_COMPRESSION_GZIP && r->dir_compression != PMTILES_COMPRESSION_NONE)
        goto fail;
    if (directory(r, r->root_off, r->root_len, 0))
        goto fail;
    return r;
fail:
    pmtiles_reader_free(r);
    return NULL;
}

const pmtiles_entry *pmtiles_reader_entries(const pmtiles_reader *r, size_t *n)
{
    *n = r->n;
    return r->e;
}

char *pmtiles_reader_metadata(pmtiles_reader *r)
{
    uint8_t *raw = NULL, *d = NULL;
    size_t n = 0;
    if (read_at(r->f, r->meta_off, r->meta_len, &raw) ||
        inflate_all(raw, r->meta_len, r->dir_compression == PMTILES_COMPRESSION_GZIP, &d, &n)) {
        free(raw);
        return NULL;
    }
    free(raw);
    char *s = realloc(d, n + 1);
    if (!s) {
        free(d);
        return NULL;
    }
    s[n] = '\0';
    return s;
}

int pmtiles_reader_tile(pmtiles_reader *r, const pmtiles_entry *e, uint8_t **data)
{
    return read_at(r->f, r->data_off + e->offset, e->length, data);
}

void pmtiles_reader_free(pmtiles_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    free(r->e);
    free(r);
}
