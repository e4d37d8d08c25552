/* tiles3d.c: cim_tiles3d_build: checks the request against the layer's
 * catalogue entry (polygons, the height/base/storeys fields numeric, the
 * --fields present), opens the output early so an unwritable path fails
 * before any work, reads the layer in the store CRS with the 2D tiles'
 * reader, takes each building's base and top, builds the quadtree and
 * draws its leaves in the worker pool (each leaf written as it is done),
 * then writes tileset.json and renames the tileset into place. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error_int.h"
#include "pool_int.h"
#include "store_int.h"
#include "tiles3d_int.h"

void cim_tiles3d_options_init(cim_tiles3d_options *opts)
{
    cim_tiles3d_options d = CIM_TILES3D_OPTIONS_INIT;
    *opts = d;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const cim_field_info *field_of(const cim_layer_info *info, const char *name)
{
    for (size_t i = 0; i < info->field_count; i++)
        if (!strcmp(info->fields[i].name, name))
            return &info->fields[i];
    return NULL;
}

static int is_numeric(cim_field_type t)
{
    return t == CIM_FIELD_INTEGER || t == CIM_FIELD_INTEGER64 || t == CIM_FIELD_REAL;
}

/* A named numeric field of the layer: 0 (absent and optional too), or an error. */
static int check_numeric(const cim_layer_info *info, const char *name, const char *role)
{
    const cim_field_info *f = field_of(info, name);
    if (!f)
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "layer '%s' has no field '%s' (the %s)", info->name,
                             name, role);
    if (!is_numeric(f->type))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "layer '%s': field '%s' (the %s) is not numeric",
                             info->name, name, role);
    return 0;
}

static int key_of(const tl_layer *l, const char *name)
{
    for (size_t i = 0; name && i < l->nkeys; i++)
        if (!strcmp(l->keys[i], name))
            return (int)i;
    return -1;
}

/* A feature's numeric attribute; NAN when null or not a number. */
static double number(const tl_layer *l, const tl_feature *f, int key)
{
    for (uint32_t k = 0; key >= 0 && k < f->nattr; k++) {
        const tl_attr *a = &l->attrs[f->attr_off + k];
        if (a->key != (uint32_t)key)
            continue;
        switch (a->type) {
        case MVT_DOUBLE: return a->v.d;
        case MVT_UINT: return (double)a->v.u;
        case MVT_SINT:
        case MVT_BOOL: return (double)a->v.i;
        default: return NAN;
        }
    }
    return NAN;
}

static gltf_prop_type prop_type(cim_field_type t)
{
    switch (t) {
    case CIM_FIELD_INTEGER: return GLTF_PROP_INT32;
    /* INTEGER64 as FLOAT64: exact to 2^53, and every client reads it (INT64
     * is a BigInt in CesiumJS and has no safe noData in JSON) */
    case CIM_FIELD_INTEGER64:
    case CIM_FIELD_REAL: return GLTF_PROP_FLOAT64;
    case CIM_FIELD_BOOLEAN: return GLTF_PROP_UINT8;
    default: return GLTF_PROP_STRING;
    }
}

typedef struct request {
    const char *height, *base, *storeys;
    const char **read;     /* the fields to read (NULL: all) */
    size_t nread;
} request;

static int check(request *rq, const cim_layer_info *info, const cim_tiles3d_options *o)
{
    if (!info->geometry_type || !strstr(info->geometry_type, "POLYGON"))
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                             "layer '%s' holds %s, not polygons: 3D buildings need footprints", info->name,
                             info->geometry_type ? info->geometry_type : "no geometry");
    int rc;
    rq->height = o->height_field ? o->height_field : "height_m";
    if (!o->height_field && !field_of(info, "height_m")) {
        if (!o->storeys_field)
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG,
                                 "layer '%s' has no field 'height_m': give the height field, or a storeys field "
                                 "with a storey height",
                                 info->name);
        rq->height = NULL;
    }
    if (rq->height && (rc = check_numeric(info, rq->height, "height")))
        return rc;
    rq->base = o->base_field;
    if (rq->base && (rc = check_numeric(info, rq->base, "base height")))
        return rc;
    rq->storeys = o->storeys_field;
    if (rq->storeys && (rc = check_numeric(info, rq->storeys, "storeys")))
        return rc;
    for (size_t i = 0; i < o->field_count; i++)
        if (!field_of(info, o->fields[i]))
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "layer '%s' has no field '%s'", info->name,
                                 o->fields[i]);
    if (!o->fields)
        return 0;
    rq->read = calloc(o->field_count + 3, sizeof *rq->read);
    if (!rq->read)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    for (size_t i = 0; i < o->field_count; i++)
        rq->read[rq->nread++] = o->fields[i];
    const char *extra[3] = {rq->height, rq->base, rq->storeys};
    for (int k = 0; k < 3; k++)
        if (extra[k])
            rq->read[rq->nread++] = extra[k];
    return 0;
}

/* The table's columns: --fields in their order, else every attribute read. */
static int columns(t3_columns *c, const tl_layer *l, const cim_layer_info *info, const cim_tiles3d_options *o)
{
    size_t n = o->fields ? o->field_count : l->nkeys;
    c->names = calloc(n + 1, sizeof *c->names);
    c->key = calloc(n + 1, sizeof *c->key);
    c->type = calloc(n + 1, sizeof *c->type);
    if (!c->names || !c->key || !c->type)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *name = o->fields ? o->fields[i] : l->keys[i];
        int k = key_of(l, name);
        const cim_field_info *f = field_of(info, name);
        if (k < 0 || !f)
            continue; /* a binary column: not carried, as in the 2D tiles */
        c->names[c->n] = l->keys[k];
        c->key[c->n] = (uint32_t)k;
        c->type[c->n++] = prop_type(f->type);
    }
    return 0;
}

static void columns_free(t3_columns *c)
{
    free(c->names);
    free(c->key);
    free(c->type);
}

/* Each polygon with a usable height becomes a building; the rest are counted. */
static int buildings(t3_bldg **out, size_t *n, const tl_layer *l, const request *rq, const cim_tiles3d_options *o,
                     cim_tiles3d_stats *st)
{
    t3_bldg *b = malloc((l->nf + 1) * sizeof *b);
    if (!b)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    int kh = key_of(l, rq->height), kb = key_of(l, rq->base), ks = key_of(l, rq->storeys);
    *n = 0;
    for (size_t i = 0; i < l->nf; i++) {
        const tl_feature *f = &l->f[i];
        double h = number(l, f, kh);
        if (!(h > 0) && ks >= 0 && o->storey_height > 0)
            h = number(l, f, ks) * o->storey_height;
        if (!(h > 0) || !isfinite(h)) {
            st->skipped_no_height++;
            continue;
        }
        double base = kb >= 0 ? number(l, f, kb) : 0;
        if (!isfinite(base))
            base = 0; /* no base given for this building: on the ground */
        t3_bldg *p = &b[(*n)++];
        p->feat = (uint32_t)i;
        p->base = base;
        p->top = base + h;
        p->cx = (f->box[0] + f->box[2]) / 2;
        p->cy = (f->box[1] + f->box[3]) / 2;
    }
    *out = b;
    return 0;
}

static int progress(const cim_tiles3d_options *o, double fraction, const char *stage)
{
    if (o->progress && o->progress(fraction, stage, o->progress_payload))
        return cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_NONE, "canceled");
    return 0;
}

int cim_tiles3d_build(cim_tiles3d_stats *out, cim_store *store, const char *dir, const cim_tiles3d_options *opts)
{
    cim_tiles3d_options defaults = CIM_TILES3D_OPTIONS_INIT;
    const cim_tiles3d_options *o = opts ? opts : &defaults;
    cim_tiles3d_stats st;
    memset(&st, 0, sizeof st);
    double t0 = now_seconds();
    if (out)
        memset(out, 0, sizeof *out);
    if (o->version != CIM_TILES3D_OPTIONS_VERSION)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "tiles3d options version %u (expected %d)", o->version,
                             CIM_TILES3D_OPTIONS_VERSION);
    if (!store || !dir || !*dir || !o->layer)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "tiles3d needs a store, a layer and an output directory");
    if (o->storey_height < 0 || !isfinite(o->storey_height) || (o->storeys_field && !(o->storey_height > 0)))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "a storeys field needs a positive storey height");
    cim_layer_info *info = NULL;
    request rq = {0};
    tl_layer l = {0};
    t3_columns cols = {0};
    t3_tree tree = {0};
    t3_bldg *bldg = NULL;
    t3_out od = {0};
    size_t nb = 0;
    int rc = cim_layer_info_get(&info, store, o->layer);
    if (!rc)
        rc = check(&rq, info, o);
    if (!rc)
        rc = t3_out_open(&od, dir);
    if (!rc)
        rc = progress(o, 0, "reading");
    tl_grid grid = {CIM_TILES_WEBMERCATOR, info ? info->srid : 0, 0, 0, 0, INFINITY, 1};
    if (!rc)
        rc = tl_layer_read(&l, store, o->layer, rq.read, rq.nread, o->threads, &grid);
    if (!rc)
        rc = columns(&cols, &l, info, o);
    if (!rc) {
        st.features_read = (int64_t)l.nf;
        rc = buildings(&bldg, &nb, &l, &rq, o, &st);
    }
    if (!rc)
        rc = t3_tree_build(&tree, bldg, nb, o->max_features_per_tile ? o->max_features_per_tile : 2000);
    if (!rc)
        rc = progress(o, 0.2, "tiles");
    if (!rc && nb) {
        t3_job job = {&l, bldg, &tree, &cols, od.tmp, "building", info->srid};
        cim_pool_spec spec = {o->threads, tree.nleaves, &job, t3_tile_init, t3_tile_fini, t3_tile_run};
        rc = cim_pool_run(&spec);
    }
    for (size_t i = 0; !rc && i < tree.nleaves; i++) {
        const t3_node *n = &tree.nodes[tree.leaves[i]];
        st.buildings += n->drawn;
        st.skipped_empty += n->empty;
        st.triangles += n->triangles;
        st.bytes += n->bytes;
        st.content_tiles += n->content >= 0;
        st.depth = st.depth > n->depth ? st.depth : n->depth;
    }
    int64_t json_bytes = 0;
    if (!rc)
        rc = t3_tileset_write(&tree, od.tmp, &json_bytes);
    if (!rc)
        rc = t3_out_finish(&od);
    if (!rc) {
        st.bytes += json_bytes;
        st.tiles = (int64_t)tree.nnodes;
        if (tree.nnodes && tree.nodes[0].has_region)
            for (int k = 0; k < 4; k++)
                st.bounds[k] = tree.nodes[0].region[k] / 0.017453292519943296;
        st.seconds = now_seconds() - t0;
        if (o->progress) /* the tileset is in place: too late to cancel */
            o->progress(1, "done", o->progress_payload);
    }
    if (rc && info)
        cim_error_prefix("tiles3d of layer '%s'", o->layer);
    if (!rc && out)
        *out = st;
    t3_out_clear(&od);
    free(bldg);
    t3_tree_clear(&tree);
    columns_free(&cols);
    tl_layer_clear(&l);
    free(rq.read);
    cim_layer_info_free(info);
    return rc;
}
