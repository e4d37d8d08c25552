/* redline_int.h: what the block-line check's files share (redline.c reads
 * the inputs, writes the outputs and the findings; redline_overlay.c computes
 * the parcel x line shares in the pool). Never installed. */
#ifndef CIM_REDLINE_INT_H
#define CIM_REDLINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <geos_c.h>

#include "buf_int.h"
#include "cim/redline.h"
#include "error_int.h"

enum { RL_INSIDE = 1, RL_PARTIAL = 2 };

typedef struct rl_parcel {
    int64_t fid;
    size_t blob_off, blob_len; /* blob_len 0: no geometry */
    char *landuse, *plan;      /* NULL when absent */
    double area;               /* set by the overlay; 0 when skipped */
} rl_parcel;

typedef struct rl_line {
    int64_t fid;
    int level;                 /* 1 or 2 */
    size_t blob_off, blob_len;
    double box[4];             /* minx, miny, maxx, maxy from the blob header */
    int has_box;
} rl_line;

typedef struct rl_hit {
    size_t parcel, line;       /* indexes into the job's arrays */
    double area, share;        /* area(parcel ∩ line), area / area(parcel) */
    int status;                /* RL_INSIDE or RL_PARTIAL */
    unsigned char *wkb;        /* the parcel's part inside the line */
    size_t wkb_len;
} rl_hit;

typedef struct rl_task_out {
    rl_hit *hits;
    size_t n, cap;
    int64_t slivers, contained, intersections, skipped;
} rl_task_out;

typedef struct rl_job {
    const cim_redline_params *params;
    const char *parcels_layer, *lines_layer;
    rl_parcel *parcels;
    size_t np;
    rl_line *lines;            /* in fid order */
    size_t nl;
    const uint8_t *parcel_blobs, *line_blobs;
    size_t chunk, ntasks;
    rl_task_out *outs;         /* one per task */
} rl_job;

/* IBL-05: per tier (index level - 1) the union areas before and after,
 * the area added and removed, and the added area on protected land. */
typedef struct rl_balance {
    double before[2], after[2], added[2], removed[2], added_protected[2];
    double after_total;
} rl_balance;
int rl_balance_compute(rl_balance *b, const rl_line *after, size_t nafter, const uint8_t *after_blobs,
                       const rl_line *before, size_t nbefore, const uint8_t *before_blobs, const rl_line *prot,
                       size_t nprot, const uint8_t *prot_blobs);

/* Computes every parcel's hits into job->outs (by task index). */
int rl_overlay(rl_job *job, size_t threads);

/* One finding of the checks, and the state of one cim_check_redline call
 * (redline.c reads and writes, redline_findings.c judges). */
typedef struct rl_finding {
    int rule;            /* 1..6 */
    cim_severity sev;
    int64_t parcel_fid;  /* -1: a line-level finding */
    int64_t line_fid;
    char *message, *figures;
} rl_finding;

typedef struct rl_ctx {
    cim_store *s;
    const cim_redline_options *o;
    cim_redline_params prm;
    const char *level_field, *landuse_field, *proposed_field, *out;
    char findings_name[160];
    rl_job job;
    cim_buf pblobs, lblobs;
    rl_finding *f;
    size_t nf, capf;
    unsigned char *cand;       /* by parcel fid: its box meets a line's (NULL: read all) */
    int64_t cand_max;
    rl_line *before, *prot;    /* IBL-05: the lines before adjustment, protected land */
    size_t nbefore, nprot;
    cim_buf bblobs, pbuf;
    cim_redline_result *res;
} rl_ctx;

/* Every rule's findings (IBL-01 to IBL-06) into c->f, from the overlay's hits. */
int rl_findings(rl_ctx *c);

/* IBL-04's floor areas (redline_gfa.c). rl_gfa_check: layer is a `cim
 * indicators` result for the parcel layer parcels. rl_gfa_read: gfa_m2 per
 * parcel of parcels[np] (sorted by fid), NAN where the layer has none. */
int rl_gfa_check(cim_store *s, const char *layer, const char *parcels);
int rl_gfa_read(double **out, cim_store *s, const char *layer, const rl_parcel *parcels, size_t np);

/* A polygon ring (closed, counter-clockwise) for convex clipping
 * (redline_clip.c). */
typedef struct rl_ring {
    double *xy;
    size_t n, cap;        /* points; room for cap */
} rl_ring;

/* The ring of g when g is one polygon without holes: 1 when convex, 2 when
 * no turn goes the wrong way by more than tol radians, else 0. */
int rl_convex_ring(rl_ring *r, GEOSContextHandle_t h, const GEOSGeometry *g, double tol);
/* subject x clip (from rl_convex_ring; clip strictly convex) into out; tmp
 * is scratch. The ring is valid when subject is strictly convex too.
 * Returns the area (0 when they only touch or miss: out->n is then 0), or
 * -1 when out of memory. */
double rl_clip_convex(rl_ring *out, rl_ring *tmp, const rl_ring *subject, const rl_ring *clip);
/* ISO WKB Polygon of r (malloc'd). */
unsigned char *rl_ring_wkb(const rl_ring *r, size_t *len);
void rl_overlay_free(rl_job *job);

#endif
