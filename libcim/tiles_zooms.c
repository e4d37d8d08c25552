/* tiles_zooms.c: a group of zooms built block by block (tiles_block.c),
 * in two stages that overlap: while the worker pool renders a batch of
 * blocks (on a thread of its own), this thread reads the next from the
 * store; then it writes the rendered tiles in order, the group's first zoom
 * to the output and the others to their spools (tiles_spool.c), replayed
 * into the output when the group is done. Two batches are held at most. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "pool_int.h"
#include "tiles_int.h"

typedef struct build_job {
    const tl_layer *schema;
    size_t nlayers;
    const tl_limits *lim;
    tl_btile **tiles;   /* the batch's, block by block, each by zoom and tile id */
    uint8_t **out;
    size_t *out_len;
    cim_tiles_zoom_stats *st;
} build_job;

typedef struct worker {
    tl_renderer r;
    tl_ref *refs;
    size_t refs_cap;
} worker;

static void *worker_init(void *payload)
{
    build_job *j = payload;
    worker *w = calloc(1, sizeof *w);
    if (!w) {
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        return NULL;
    }
    if (tl_renderer_init(&w->r, j->schema, j->nlayers, j->lim)) {
        tl_renderer_clear(&w->r);
        free(w);
        return NULL;
    }
    return w;
}

static void worker_fini(void *state, void *payload)
{
    (void)payload;
    worker *w = state;
    tl_renderer_clear(&w->r);
    free(w->refs);
    free(w);
}

/* One tile from its copies of the features, in layer then fid order. */
static int worker_run(size_t task, void *state, void *payload)
{
    build_job *j = payload;
    worker *w = state;
    const tl_btile *t = j->tiles[task];
    size_t n = 0;
    for (size_t li = 0; li < j->nlayers; li++)
        n += t->layers[li].nf;
    if (w->refs_cap < n) {
        tl_ref *r = realloc(w->refs, n * sizeof *r);
        if (!r)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        w->refs = r;
        w->refs_cap = n;
    }
    n = 0;
    for (size_t li = 0; li < j->nlayers; li++)
        for (size_t fi = 0; fi < t->layers[li].nf; fi++)
            w->refs[n++] = (tl_ref){(uint32_t)li, (uint32_t)fi};
    w->r.layers = t->layers;
    cim_tiles_zoom_stats *st = &j->st[task];
    memset(st, 0, sizeof *st);
    st->limit_dropped = t->dropped;
    st->density_dropped = t->points_dropped;
    return tl_render_tile(&w->r, t->z, t->x, t->y, w->refs, n, &j->out[task], &j->out_len[task], st);
}

static void add_stats(cim_tiles_zoom_stats *zs, const cim_tiles_zoom_stats *st)
{
    zs->tiles += st->tiles;
    zs->features += st->features;
    zs->bytes += st->bytes;
    if (st->max_tile_bytes > zs->max_tile_bytes)
        zs->max_tile_bytes = st->max_tile_bytes;
    zs->tiny_dropped += st->tiny_dropped;
    zs->tiny_coalesced += st->tiny_coalesced;
    zs->simplified_tiles += st->simplified_tiles;
    zs->limit_dropped += st->limit_dropped;
    zs->clip_failed += st->clip_failed;
    zs->density_dropped += st->density_dropped;
}

/* Blocks rendered together: small blocks (sparse data at high zooms) are
 * gathered until they hold this many tiles or bytes, so that a render keeps
 * every worker busy. */
#define BATCH_TILES 64
#define BATCH_BYTES ((size_t)16 << 20)

typedef struct batch {
    tl_block *b;
    size_t nb, cap;
    size_t ntiles, bytes;
} batch;

static void batch_clear(batch *q)
{
    for (size_t i = 0; i < q->nb; i++)
        tl_block_clear(&q->b[i]);
    free(q->b);
    memset(q, 0, sizeof *q);
}

/* A batch being rendered on a thread of its own. */
typedef struct stage {
    const tl_zooms *zr;
    batch q;
    tl_btile **tiles;   /* of every block, in order */
    uint8_t **out;
    size_t *out_len;
    cim_tiles_zoom_stats *st;
    size_t nt;
    int rc;
    char *message;      /* the render thread's error, carried over */
    cim_error_class klass;
    pthread_t thread;
    int running;
} stage;

static void *render(void *payload)
{
    stage *g = payload;
    const tl_zooms *zr = g->zr;
    build_job job = {zr->schema, zr->nlayers, zr->lim, g->tiles, g->out, g->out_len, g->st};
    cim_pool_spec spec = {zr->o->threads, g->nt, &job, worker_init, worker_fini, worker_run};
    if ((g->rc = cim_pool_run(&spec))) {
        const cim_error *e = cim_error_last();
        g->klass = e ? e->klass : CIM_ERRCLASS_INTERNAL;
        g->message = strdup(e && e->message ? e->message : "rendering failed");
    }
    return NULL;
}

static void stage_free(stage *g)
{
    for (size_t i = 0; g->out && i < g->nt; i++)
        free(g->out[i]);
    free(g->tiles);
    free(g->out);
    free(g->out_len);
    free(g->st);
    free(g->message);
    batch_clear(&g->q);
    const tl_zooms *zr = g->zr;
    memset(g, 0, sizeof *g);
    g->zr = zr;
}

/* Takes the batch q and starts rendering it. */
static int stage_start(stage *g, batch *q)
{
    g->q = *q;
    memset(q, 0, sizeof *q);
    size_t n = 0;
    for (size_t i = 0; i < g->q.nb; i++)
        n += g->q.b[i].nslots;
    if (!(g->tiles = calloc(n + 1, sizeof *g->tiles)) || !(g->out = calloc(n + 1, sizeof *g->out)) ||
        !(g->out_len = calloc(n + 1, sizeof *g->out_len)) || !(g->st = calloc(n + 1, sizeof *g->st))) {
        stage_free(g);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < g->q.nb; i++)
        g->nt += tl_block_tiles(&g->q.b[i], g->tiles + g->nt);
    if (pthread_create(&g->thread, NULL, render, g)) {
        stage_free(g);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "cannot start a thread");
    }
    g->running = 1;
    return 0;
}

/* Waits for the render, then writes its tiles in order (keep: the caller's
 * error, already set, wins and nothing is written). */
static int stage_finish(stage *g, int keep)
{
    if (!g->running)
        return keep;
    pthread_join(g->thread, NULL);
    const tl_zooms *zr = g->zr;
    int zlo = g->q.b[0].zoom[0].z, rc = keep;
    if (!rc && g->rc)
        rc = cim_error_set(g->rc, g->klass, "%s", g->message);
    zr->stats->tiles_rendered += (int64_t)g->nt;
    for (size_t i = 0; i < g->nt; i++) {
        const tl_btile *t = g->tiles[i];
        if (!rc && g->out[i])
            rc = t->z == zlo ? tl_sink_put(zr->sink, t->z, t->x, t->y, g->out[i], g->out_len[i])
                             : tl_spool_put(zr->spool[t->z - zlo], t->x, t->y, g->out[i], g->out_len[i]);
        add_stats(&zr->stats->zoom[t->z], &g->st[i]);
    }
    stage_free(g);
    return rc;
}

/* Fills block (x, y) into q. */
static int batch_fill(const tl_zooms *zr, batch *q, int zlo, int zhi, uint32_t x, uint32_t y,
                      const tl_tiles *const *touched)
{
    if (q->nb == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 8;
        tl_block *b = realloc(q->b, cap * sizeof *b);
        if (!b)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        q->b = b;
        q->cap = cap;
    }
    tl_block *b = &q->b[q->nb++];
    int rc = tl_block_fill(b, zr->readers, zr->schema, zr->nlayers, zr->lim, zlo, zhi, x, y, touched);
    for (size_t i = 0; i < b->nslots; i++)
        q->ntiles += b->t[i].layers != NULL;
    q->bytes += b->bytes;
    return rc;
}

static int by_tid(const void *a, const void *b)
{
    const tl_tile *x = a, *y = b;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* The blocks (tiles of zoom zlo), by tile id: those the layers' extent
 * (plus the buffer) meets or, when patching, those holding a touched tile
 * of zooms zlo..zhi (derived from the touched tiles, not searched for). */
static int blocks_of(const tl_zooms *zr, int zlo, int zhi, const tl_tiles *const *touched, tl_tile **out,
                     size_t *count)
{
    const tl_grid *g = zr->lim->grid;
    double bsize = g->size0 / (double)(1u << zlo), pad = zr->lim->buffer * bsize / TL_EXTENT;
    double maxx = (double)(g->cols0 << zlo) - 1, maxy = (double)(1u << zlo) - 1;
    *out = NULL;
    *count = 0;
    if (zr->extent[0] > zr->extent[2])
        return 0;
    uint32_t x0 = (uint32_t)fmax(0, fmin(maxx, floor((zr->extent[0] - pad - g->x0) / bsize))),
             x1 = (uint32_t)fmax(0, fmin(maxx, floor((zr->extent[2] + pad - g->x0) / bsize))),
             y0 = (uint32_t)fmax(0, fmin(maxy, floor((g->y0 - zr->extent[3] - pad) / bsize))),
             y1 = (uint32_t)fmax(0, fmin(maxy, floor((g->y0 - zr->extent[1] + pad) / bsize)));
    size_t n = 0, cap = (size_t)(x1 - x0 + 1) * (y1 - y0 + 1);
    if (touched) {
        cap = 0;
        for (int z = zlo; z <= zhi; z++)
            cap += touched[z - zlo]->n;
    }
    tl_tile *t = calloc(cap ? cap : 1, sizeof *t);
    if (!t)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory (zoom %d blocks)", zlo);
    if (touched) {
        /* a patch: the blocks holding a touched tile, each once */
        for (int z = zlo; z <= zhi; z++)
            for (size_t i = 0; i < touched[z - zlo]->n; i++) {
                uint32_t x = touched[z - zlo]->t[i].x >> (z - zlo), y = touched[z - zlo]->t[i].y >> (z - zlo);
                t[n++] = (tl_tile){tl_tile_id(g, zlo, x, y), x, y};
            }
    } else {
        for (uint32_t y = y0; y <= y1; y++)
            for (uint32_t x = x0; x <= x1; x++)
                t[n++] = (tl_tile){tl_tile_id(g, zlo, x, y), x, y};
    }
    if (n > 1)
        qsort(t, n, sizeof *t, by_tid);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!k || t[i].tid != t[k - 1].tid)
            t[k++] = t[i];
    *out = t;
    *count = k;
    return 0;
}

/* The tiles of zooms zlo..zhi, all of them, or (touched not NULL: patching)
 * those touched, which are first deleted from the output: block by block. */
int tl_zooms_run(tl_zooms *zr, int zlo, int zhi, const tl_tiles *const *touched, double done, double share)
{
    int rc = 0;
    for (int z = zlo; z <= zhi && touched && !rc; z++)
        for (size_t i = 0; i < touched[z - zlo]->n && !rc; i++)
            rc = tl_sink_delete(zr->sink, z, touched[z - zlo]->t[i].x, touched[z - zlo]->t[i].y);
    for (int z = zlo + 1; z <= zhi && !rc; z++)
        rc = tl_spool_open(&zr->spool[z - zlo], zr->path);
    tl_tile *blocks = NULL;
    size_t nb = 0;
    if (!rc)
        rc = blocks_of(zr, zlo, zhi, touched, &blocks, &nb);
    stage g = {.zr = zr};
    batch q = {0};
    for (size_t i = 0; i < nb && !rc; i++) {
        rc = batch_fill(zr, &q, zlo, zhi, blocks[i].x, blocks[i].y, touched);
        if (!rc && i + 1 < nb && q.ntiles < BATCH_TILES && q.bytes < BATCH_BYTES)
            continue;
        rc = stage_finish(&g, rc);
        if (!rc)
            rc = stage_start(&g, &q);
        const cim_tiles_options *o = zr->o;
        if (!rc && o->progress) {
            char name[32];
            snprintf(name, sizeof name, "zooms %d-%d", zlo, zhi);
            if (o->progress(done + share * (double)i / (double)nb, name, o->progress_payload))
                rc = cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_ARG, "canceled");
        }
    }
    rc = stage_finish(&g, rc);
    batch_clear(&q);
    free(blocks);
    for (int z = zlo + 1; z <= zhi && !rc; z++)
        rc = tl_spool_replay(zr->spool[z - zlo], zr->sink, z);
    for (int z = zlo + 1; z <= zhi; z++) {
        tl_spool_free(zr->spool[z - zlo]);
        zr->spool[z - zlo] = NULL;
    }
    if (rc)
        cim_error_prefix("zooms %d-%d", zlo, zhi);
    return rc;
}
