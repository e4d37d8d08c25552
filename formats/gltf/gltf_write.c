/* gltf_write.c: a mesh and its property table as one GLB (glTF 2.0 binary):
 * a 12-byte header, the JSON chunk (padded with spaces) and the BIN chunk
 * (padded with zeros). Every buffer view starts on an 8-byte boundary, as
 * EXT_structural_metadata requires of property values (vertex data needs 4).
 * One node, one mesh, one primitive: a 3D Tiles tile is one draw call. */
#include "gltf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct js {
    cim_bytes b;
    int oom;
} js;

static void jsf(js *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || cim_bytes_reserve(&j->b, (size_t)n + 1)) {
        j->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf((char *)j->b.data + j->b.len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    j->b.len += (size_t)n;
}

static void jstr(js *j, const char *s)
{
    jsf(j, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            jsf(j, "\\%c", *p);
        else if (*p < 0x20)
            jsf(j, "\\u%04x", *p);
        else
            jsf(j, "%c", *p);
    }
    jsf(j, "\"");
}

typedef struct views {
    cim_bytes bin;
    size_t n;
    js *j;
} views;

/* Appends data as the next buffer view (8-aligned); returns its index. */
static size_t view(views *v, const void *data, size_t len, int target)
{
    while (v->bin.len % 8) {
        if (cim_bytes_reserve(&v->bin, 1)) {
            v->j->oom = 1;
            return v->n;
        }
        v->bin.data[v->bin.len++] = 0;
    }
    size_t off = v->bin.len;
    /* glTF wants byteLength >= 1: an empty column (all strings "") gets one zero byte */
    size_t room = len ? len : 1;
    if (cim_bytes_reserve(&v->bin, room)) {
        v->j->oom = 1;
        return v->n;
    }
    if (len)
        memcpy(v->bin.data + off, data, len);
    else
        v->bin.data[off] = 0;
    len = room;
    v->bin.len += len;
    jsf(v->j, "%s{\"buffer\":0,\"byteOffset\":%zu,\"byteLength\":%zu", v->n ? "," : "", off, len);
    if (target)
        jsf(v->j, ",\"target\":%d", target);
    jsf(v->j, "}");
    return v->n++;
}

static const char *const type_json[] = {
    "\"type\":\"SCALAR\",\"componentType\":\"INT32\",\"noData\":-2147483648",
    "\"type\":\"SCALAR\",\"componentType\":\"FLOAT64\",\"noData\":-1.7976931348623157e+308",
    "\"type\":\"SCALAR\",\"componentType\":\"UINT8\",\"noData\":255",
    "\"type\":\"STRING\"",
};

static void put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* GLB is little-endian, as every host we build on */
}

int gltf_write_glb(cim_bytes *out, const gltf_mesh *m, const gltf_table *t, const char *class_name)
{
    js j = {{0}, 0}, bv = {{0}, 0};
    views v = {{0}, 0, &bv};
    int meta = t && t->nprops;
    /* buffer views first (their JSON goes into bv), then the document */
    size_t vpos = view(&v, m->pos.data, m->pos.len, 34962);
    size_t vnrm = view(&v, m->nrm.data, m->nrm.len, 34962);
    size_t vfid = view(&v, m->fid.data, m->fid.len, 34962);
    size_t vidx = view(&v, m->idx.data, m->idx.len, 34963);
    size_t *pv = meta ? calloc(2 * t->nprops, sizeof *pv) : NULL;
    if (meta && !pv)
        bv.oom = 1;
    for (size_t i = 0; meta && pv && i < t->nprops; i++) {
        const gltf_prop *p = &t->props[i];
        pv[2 * i] = view(&v, p->values.data, p->values.len, 0);
        if (p->type == GLTF_PROP_STRING)
            pv[2 * i + 1] = view(&v, p->offsets.data, p->offsets.len, 0);
    }
    uint32_t features = t ? t->count : 0;
    jsf(&j, "{\"asset\":{\"version\":\"2.0\",\"generator\":\"cim\"}");
    jsf(&j, ",\"extensionsUsed\":[\"EXT_mesh_features\"%s]", meta ? ",\"EXT_structural_metadata\"" : "");
    if (meta) {
        jsf(&j, ",\"extensions\":{\"EXT_structural_metadata\":{\"schema\":{\"id\":\"cim\",\"classes\":{");
        jstr(&j, class_name);
        jsf(&j, ":{\"properties\":{");
        for (size_t i = 0; i < t->nprops; i++) {
            jsf(&j, "%s", i ? "," : "");
            jstr(&j, t->props[i].name);
            jsf(&j, ":{%s}", type_json[t->props[i].type]);
        }
        jsf(&j, "}}}},\"propertyTables\":[{\"class\":");
        jstr(&j, class_name);
        jsf(&j, ",\"count\":%u,\"properties\":{", features);
        for (size_t i = 0; pv && i < t->nprops; i++) {
            jsf(&j, "%s", i ? "," : "");
            jstr(&j, t->props[i].name);
            jsf(&j, ":{\"values\":%zu", pv[2 * i]);
            if (t->props[i].type == GLTF_PROP_STRING)
                jsf(&j, ",\"stringOffsets\":%zu,\"stringOffsetType\":\"UINT32\"", pv[2 * i + 1]);
            jsf(&j, "}");
        }
        jsf(&j, "}}]}}");
    }
    jsf(&j, ",\"scene\":0,\"scenes\":[{\"nodes\":[0]}],\"nodes\":[{\"mesh\":0}]");
    jsf(&j, ",\"materials\":[{\"pbrMetallicRoughness\":{\"baseColorFactor\":[0.86,0.86,0.82,1],"
            "\"metallicFactor\":0,\"roughnessFactor\":1}}]");
    jsf(&j, ",\"meshes\":[{\"primitives\":[{\"attributes\":{\"POSITION\":0,\"NORMAL\":1,\"_FEATURE_ID_0\":2},"
            "\"indices\":3,\"material\":0,\"mode\":4,\"extensions\":{\"EXT_mesh_features\":{\"featureIds\":"
            "[{\"featureCount\":%u,\"attribute\":0%s}]}}}]}]",
        features, meta ? ",\"propertyTable\":0" : "");
    jsf(&j, ",\"accessors\":[{\"bufferView\":%zu,\"componentType\":5126,\"count\":%u,\"type\":\"VEC3\","
            "\"min\":[%.9g,%.9g,%.9g],\"max\":[%.9g,%.9g,%.9g]}",
        vpos, m->nverts, m->min[0], m->min[1], m->min[2], m->max[0], m->max[1], m->max[2]);
    jsf(&j, ",{\"bufferView\":%zu,\"componentType\":5126,\"count\":%u,\"type\":\"VEC3\"}", vnrm, m->nverts);
    jsf(&j, ",{\"bufferView\":%zu,\"componentType\":5126,\"count\":%u,\"type\":\"SCALAR\"}", vfid, m->nverts);
    jsf(&j, ",{\"bufferView\":%zu,\"componentType\":5125,\"count\":%zu,\"type\":\"SCALAR\"}]", vidx, m->nidx);
    while (v.bin.len % 4) {
        if (cim_bytes_reserve(&v.bin, 1))
            bv.oom = 1;
        else
            v.bin.data[v.bin.len++] = 0;
    }
    jsf(&j, ",\"bufferViews\":[");
    if (!bv.oom && cim_bytes_reserve(&j.b, bv.b.len) == 0) {
        memcpy(j.b.data + j.b.len, bv.b.data, bv.b.len);
        j.b.len += bv.b.len;
    } else {
        j.oom = 1;
    }
    jsf(&j, "],\"buffers\":[{\"byteLength\":%zu}]}", v.bin.len);
    while (j.b.len % 4)
        jsf(&j, " ");
    int rc = j.oom || bv.oom ? -1 : 0;
    size_t total = 12 + 8 + j.b.len + 8 + v.bin.len;
    out->len = 0;
    if (!rc && cim_bytes_reserve(out, total))
        rc = -1;
    if (!rc) {
        uint8_t *p = out->data;
        memcpy(p, "glTF", 4);
        put_u32(p + 4, 2);
        put_u32(p + 8, (uint32_t)total);
        put_u32(p + 12, (uint32_t)j.b.len);
        memcpy(p + 16, "JSON", 4);
        memcpy(p + 20, j.b.data, j.b.len);
        p += 20 + j.b.len;
        put_u32(p, (uint32_t)v.bin.len);
        memcpy(p + 4, "BIN\0", 4);
        memcpy(p + 8, v.bin.data, v.bin.len);
        out->len = total;
    }
    free(pv);
    cim_bytes_free(&j.b);
    cim_bytes_free(&bv.b);
    cim_bytes_free(&v.bin);
    return rc;
}
