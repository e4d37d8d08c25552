/* fuzz_mvt.c: libFuzzer round trip of the MVT encoder (formats/mvt). The
 * input is read as features (a type byte, a point count, int16 coordinate
 * pairs, one attribute of a type the input picks); they are encoded into a
 * tile, and the tile is decoded again here with a protobuf reader of its own.
 * A crash, a malformed message, a feature count that differs from the
 * features the encoder accepted, a tag outside the key/value tables, a
 * geometry command MVT 2.1 forbids (an unknown id, a zero count, a
 * zero-length LineTo, a ring under 3 points) or a decoded point that was not
 * in the feature's input is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PTS 64
#define MAX_FEATURES 64

typedef struct input_feature {
    int type;
    int32_t xy[2 * MAX_PTS];
    size_t n;
} input_feature;

static input_feature feats[MAX_FEATURES];
static size_t nfeats;

/* ---- a minimal protobuf reader ---- */

typedef struct pb {
    const uint8_t *p, *end;
} pb;

static int pb_varint(pb *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return -1;
        uint8_t b = *r->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* The next field: its number, wire type, and for length-delimited ones the bytes. */
static int pb_field(pb *r, uint32_t *field, int *wire, pb *sub, uint64_t *value)
{
    uint64_t key;
    if (pb_varint(r, &key))
        return -1;
    *field = (uint32_t)(key >> 3);
    *wire = (int)(key & 7);
    if (*wire == 0)
        return pb_varint(r, value);
    if (*wire == 1 || *wire == 5) {
        size_t n = *wire == 1 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return -1;
        r->p += n;
        return 0;
    }
    if (*wire != 2)
        return -1;
    uint64_t len;
    if (pb_varint(r, &len) || len > (uint64_t)(r->end - r->p))
        return -1;
    sub->p = r->p;
    sub->end = r->p + len;
    r->p += len;
    return 0;
}

static int32_t unzig(uint64_t v)
{
    return (int32_t)((uint32_t)(v >> 1) ^ (uint32_t)-(int32_t)(v & 1));
}

static int in_input(const input_feature *f, int32_t x, int32_t y)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->xy[2 * i] == x && f->xy[2 * i + 1] == y)
            return 1;
    return 0;
}

/* Checks a feature's command stream against MVT 2.1 and its input points. */
static void check_geometry(pb g, int type, const input_feature *f)
{
    int32_t x = 0, y = 0;
    size_t ring_pts = 0;
    int moved = 0;
    while (g.p < g.end) {
        uint64_t c;
        if (pb_varint(&g, &c))
            __builtin_trap();
        uint32_t id = (uint32_t)c & 7, count = (uint32_t)(c >> 3);
        if (count == 0 || (id != MVT_CMD_MOVETO && id != MVT_CMD_LINETO && id != MVT_CMD_CLOSEPATH))
            __builtin_trap();
        if (id == MVT_CMD_CLOSEPATH) {
            if (type != MVT_POLYGON || count != 1 || ring_pts < 3)
                __builtin_trap();
            moved = 0;
            continue;
        }
        if (id == MVT_CMD_MOVETO && type != MVT_POINT) {
            if (count != 1)
                __builtin_trap();
            ring_pts = 0;
        }
        if (id == MVT_CMD_LINETO && (!moved || type == MVT_POINT))
            __builtin_trap();
        for (uint32_t k = 0; k < count; k++) {
            uint64_t dx, dy;
            if (pb_varint(&g, &dx) || pb_varint(&g, &dy))
                __builtin_trap();
            if (id == MVT_CMD_LINETO && dx == 0 && dy == 0)
                __builtin_trap(); /* a zero-length LineTo */
            x += unzig(dx);
            y += unzig(dy);
            if (!in_input(f, x, y))
                __builtin_trap();
            ring_pts++;
        }
        moved = 1;
    }
}

static void check_tile(const uint8_t *tile, size_t len, size_t want_features)
{
    if (len == 0) { /* no feature, no layer */
        if (want_features)
            __builtin_trap();
        return;
    }
    pb t = {tile, tile + len}, layer;
    uint32_t field;
    int wire;
    uint64_t v;
    size_t features = 0;
    while (t.p < t.end) {
        if (pb_field(&t, &field, &wire, &layer, &v) || field != 3 || wire != 2)
            __builtin_trap();
        size_t nkeys = 0, nvalues = 0;
        /* Tables first: tags are checked against their final sizes. */
        pb scan = layer, sub;
        while (scan.p < scan.end) {
            if (pb_field(&scan, &field, &wire, &sub, &v))
                __builtin_trap();
            nkeys += field == 3;
            nvalues += field == 4;
        }
        while (layer.p < layer.end) {
            if (pb_field(&layer, &field, &wire, &sub, &v))
                __builtin_trap();
            if (field != 2)
                continue;
            pb feat = sub, tags = {0}, geom = {0};
            int type = 0;
            while (feat.p < feat.end) {
                pb part = {0};
                if (pb_field(&feat, &field, &wire, &part, &v))
                    __builtin_trap();
                if (field == 2)
                    tags = part;
                else if (field == 3)
                    type = (int)v;
                else if (field == 4)
                    geom = part;
            }
            if (features >= nfeats || type != feats[features].type)
                __builtin_trap();
            size_t ntags = 0;
            while (tags.p && tags.p < tags.end) {
                if (pb_varint(&tags, &v) || v >= (ntags % 2 ? nvalues : nkeys))
                    __builtin_trap();
                ntags++;
            }
            if (ntags % 2)
                __builtin_trap();
            if (geom.p)
                check_geometry(geom, type, &feats[features]);
            features++;
        }
    }
    if (features != want_features)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mvt_layer *l = mvt_layer_new("fuzz", 4096);
    mvt_geom g = {0};
    mvt_buf out = {0};
    if (!l)
        return 0;
    size_t pos = 0, accepted = 0;
    nfeats = 0;
    static const char *const keys[] = {"name", "landuse", "height", "id"};
    while (pos + 3 <= size && nfeats < MAX_FEATURES) {
        input_feature *f = &feats[nfeats];
        f->type = 1 + data[pos] % 3;
        uint8_t vtype = data[pos] / 3;
        f->n = data[pos + 1] % MAX_PTS;
        pos += 2;
        if (pos + 4 * f->n > size)
            break;
        for (size_t i = 0; i < 2 * f->n; i++, pos += 2)
            f->xy[i] = (int16_t)(data[pos] | data[pos + 1] << 8);
        mvt_geom_reset(&g);
        int rc = f->type == MVT_POINT  ? mvt_geom_points(&g, f->xy, f->n)
                 : f->type == MVT_LINESTRING ? mvt_geom_line(&g, f->xy, f->n)
                                        : mvt_geom_ring(&g, f->xy, f->n, mvt_ring_area2(f->xy, f->n) < 0);
        if (rc != 1)
            continue;
        mvt_value val = {.type = (mvt_value_type)(1 + vtype % 7)};
        uint8_t b = pos < size ? data[pos++] : 0;
        val.s = (const char *)data;
        val.s_len = b % 8 < size ? b % 8 : 0;
        val.d = b / 7.0;
        val.i = val.type == MVT_BOOL ? b & 1 : (int64_t)b - 128;
        val.u = b;
        int64_t k = mvt_layer_key(l, keys[b % 4], strlen(keys[b % 4])), vi = mvt_layer_value(l, &val);
        if (k < 0 || vi < 0)
            break;
        uint32_t tags[2] = {(uint32_t)k, (uint32_t)vi};
        uint64_t id = nfeats;
        if (mvt_layer_add(l, b & 1 ? &id : NULL, (mvt_geom_type)f->type, tags, 2, &g))
            break;
        nfeats++;
        accepted++;
    }
    if (mvt_layer_feature_count(l) != accepted)
        __builtin_trap();
    mvt_layer *layers[1] = {l};
    if (mvt_tile_encode(&out, layers, 1) == 0)
        check_tile(out.data, out.len, accepted);
    mvt_buf_free(&out);
    mvt_geom_free(&g);
    mvt_layer_free(l);
    return 0;
}
