/* gltf_mesh.c: extruded footprints (prisms) into one glTF mesh: a roof and
 * a floor from the footprint's triangulation and one quad per ring edge for
 * the walls, each face with its own vertices so that normals stay flat (a
 * lit block shows its edges). Positions arrive as local east/north/up and
 * are stored in glTF's y-up axes: (x, y, z) = (east, up, -north). */
#include "gltf.h"

#include <math.h>
#include <string.h>

void gltf_mesh_init(gltf_mesh *m)
{
    memset(m, 0, sizeof *m);
    gltf_mesh_reset(m);
}

void gltf_mesh_reset(gltf_mesh *m)
{
    m->pos.len = m->nrm.len = m->fid.len = m->idx.len = 0;
    m->nverts = 0;
    m->nidx = 0;
    for (int k = 0; k < 3; k++) {
        m->min[k] = INFINITY;
        m->max[k] = -INFINITY;
    }
}

void gltf_mesh_clear(gltf_mesh *m)
{
    cim_bytes_free(&m->pos);
    cim_bytes_free(&m->nrm);
    cim_bytes_free(&m->fid);
    cim_bytes_free(&m->idx);
    gltf_earcut_free(m->ec);
    free(m->sxy);
    free(m->smap);
    free(m->sn);
    memset(m, 0, sizeof *m);
}

/* Appends one vertex: p and n in east/north/up. */
static void vertex(gltf_mesh *m, const double *p, const double *n, float fid)
{
    float v[3] = {(float)p[0], (float)p[2], (float)-p[1]};
    float w[3] = {(float)n[0], (float)n[2], (float)-n[1]};
    memcpy(m->pos.data + m->pos.len, v, sizeof v);
    memcpy(m->nrm.data + m->nrm.len, w, sizeof w);
    memcpy(m->fid.data + m->fid.len, &fid, sizeof fid);
    m->pos.len += sizeof v;
    m->nrm.len += sizeof w;
    m->fid.len += sizeof fid;
    for (int k = 0; k < 3; k++) {
        m->min[k] = fmin(m->min[k], v[k]);
        m->max[k] = fmax(m->max[k], v[k]);
    }
    m->nverts++;
}

static void tri(gltf_mesh *m, uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t t[3] = {a, b, c};
    memcpy(m->idx.data + m->idx.len, t, sizeof t);
    m->idx.len += sizeof t;
    m->nidx += 3;
}

static int reserve(gltf_mesh *m, size_t verts, size_t idx)
{
    return cim_bytes_reserve(&m->pos, 12 * verts) || cim_bytes_reserve(&m->nrm, 12 * verts) ||
                   cim_bytes_reserve(&m->fid, 4 * verts) || cim_bytes_reserve(&m->idx, 4 * idx)
               ? -1
               : 0;
}

/* The footprint's rings without closing or repeated points into the scratch
 * arrays; returns the number of rings kept (a ring needs 3 points). */
static size_t unclose(gltf_mesh *m, const double *xy, const uint32_t *ring_n, size_t nrings, size_t *npts)
{
    size_t off = 0, n = 0, kept = 0;
    for (size_t r = 0; r < nrings; r++) {
        const double *q = xy + 2 * off;
        uint32_t c = ring_n[r];
        if (c > 1 && q[0] == q[2 * (c - 1)] && q[1] == q[2 * (c - 1) + 1])
            c--;
        size_t start = n;
        for (uint32_t k = 0; k < c; k++) {
            const double *p = q + 2 * k;
            if (n > start && p[0] == m->sxy[2 * (n - 1)] && p[1] == m->sxy[2 * (n - 1) + 1])
                continue;
            m->sxy[2 * n] = p[0];
            m->sxy[2 * n + 1] = p[1];
            m->smap[n++] = (uint32_t)(off + k);
        }
        while (n - start > 1 && m->sxy[2 * (n - 1)] == m->sxy[2 * start] &&
               m->sxy[2 * (n - 1) + 1] == m->sxy[2 * start + 1])
            n--;
        if (n - start >= 3 || (r == 0 && n - start > 0))
            m->sn[kept++] = (uint32_t)(n - start);
        else
            n = start;
        if (r == 0 && n - start < 3)
            return 0; /* no outer ring: nothing to draw */
        off += ring_n[r];
    }
    *npts = n;
    return kept;
}

static double ring_area(const double *xy, size_t n)
{
    double a = 0;
    for (size_t i = 0, j = n - 1; i < n; j = i++)
        a += xy[2 * j] * xy[2 * i + 1] - xy[2 * i] * xy[2 * j + 1];
    return a / 2;
}

static void wall(gltf_mesh *m, const double *a0, const double *b0, const double *a1, const double *b1, float fid)
{
    double d[3] = {b0[0] - a0[0], b0[1] - a0[1], b0[2] - a0[2]};
    double u[3] = {a1[0] - a0[0], a1[1] - a0[1], a1[2] - a0[2]};
    double n[3] = {d[1] * u[2] - d[2] * u[1], d[2] * u[0] - d[0] * u[2], d[0] * u[1] - d[1] * u[0]};
    double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    if (!(len > 0))
        return;
    for (int k = 0; k < 3; k++)
        n[k] /= len;
    uint32_t v = m->nverts;
    vertex(m, a0, n, fid);
    vertex(m, b0, n, fid);
    vertex(m, b1, n, fid);
    vertex(m, a1, n, fid);
    tri(m, v, v + 1, v + 2);
    tri(m, v, v + 2, v + 3);
}

int gltf_mesh_add_prism(gltf_mesh *m, const double *xy, const uint32_t *ring_n, size_t nrings, const double *bot,
                        const double *top, uint32_t fid)
{
    size_t total = 0;
    for (size_t r = 0; r < nrings; r++)
        total += ring_n[r];
    if (!m->ec && !(m->ec = gltf_earcut_new()))
        return -1;
    if (total > m->scap) {
        double *s = realloc(m->sxy, 2 * total * sizeof *s);
        if (s)
            m->sxy = s;
        uint32_t *p = realloc(m->smap, total * sizeof *p);
        if (p)
            m->smap = p;
        if (!s || !p)
            return -1;
        m->scap = total;
    }
    if (nrings > m->sncap) {
        uint32_t *p = realloc(m->sn, nrings * sizeof *p);
        if (!p)
            return -1;
        m->sn = p;
        m->sncap = nrings;
    }
    size_t npts = 0, nr = unclose(m, xy, ring_n, nrings, &npts);
    if (!nr)
        return 1;
    const uint32_t *t;
    size_t ntri;
    if (gltf_earcut_run(m->ec, m->sxy, m->sn, nr, &t, &ntri))
        return -1;
    if (!ntri)
        return 1;
    if (reserve(m, 2 * npts + 4 * npts, 6 * ntri + 6 * npts))
        return -1;
    float f = (float)fid;
    static const double up[3] = {0, 0, 1}, down[3] = {0, 0, -1};
    uint32_t roof = m->nverts;
    for (size_t k = 0; k < npts; k++)
        vertex(m, top + 3 * m->smap[k], up, f);
    uint32_t floor = m->nverts;
    for (size_t k = 0; k < npts; k++)
        vertex(m, bot + 3 * m->smap[k], down, f);
    for (size_t k = 0; k < ntri; k++) {
        tri(m, roof + t[3 * k], roof + t[3 * k + 1], roof + t[3 * k + 2]);
        tri(m, floor + t[3 * k], floor + t[3 * k + 2], floor + t[3 * k + 1]);
    }
    /* walls: outer ring counter-clockwise, holes clockwise, so every quad
     * (a0, b0, b1, a1) faces away from the solid */
    size_t start = 0;
    for (size_t r = 0; r < nr; r++) {
        size_t n = m->sn[r];
        int ccw = ring_area(m->sxy + 2 * start, n) > 0;
        int reverse = r == 0 ? !ccw : ccw;
        for (size_t k = 0; k < n; k++) {
            size_t i = start + k, j = start + (k + 1) % n;
            if (reverse) {
                size_t s = i;
                i = j;
                j = s;
            }
            uint32_t a = m->smap[i], b = m->smap[j];
            wall(m, bot + 3 * a, bot + 3 * b, top + 3 * a, top + 3 * b, f);
        }
        start += n;
    }
    return 0;
}
