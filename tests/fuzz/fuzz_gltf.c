/* fuzz_gltf.c: libFuzzer on the footprint triangulation and GLB writer
 * (formats/gltf). The input is read as up to 8 rings (a point count, then
 * int8 coordinate pairs: a small grid, so duplicate, collinear, touching and
 * self-crossing rings are common). Each is triangulated and extruded into a
 * prism, and the mesh written as a GLB. A crash, a sanitizer report, an
 * index outside the points, a clockwise triangle, more triangles than
 * ear clipping can produce, or a GLB whose header and chunk lengths disagree
 * with its size is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gltf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gltf_earcut *e;
    if (!e && !(e = gltf_earcut_new()))
        abort();
    double xy[2 * 8 * 256];
    uint32_t ring_n[8];
    size_t nr = 0, n = 0, i = 0;
    while (nr < 8 && i < size) {
        uint32_t c = data[i++];
        if (size - i < 2 * (size_t)c)
            c = (uint32_t)((size - i) / 2);
        for (uint32_t k = 0; k < c; k++, i += 2) {
            xy[2 * n] = (int8_t)data[i];
            xy[2 * n + 1] = (int8_t)data[i + 1];
            n++;
        }
        ring_n[nr++] = c;
    }
    if (!nr)
        return 0;
    const uint32_t *t;
    size_t ntri;
    if (gltf_earcut_run(e, xy, ring_n, nr, &t, &ntri))
        abort();
    if (ntri > 3 * n + 2 * nr + 8)
        abort();
    for (size_t k = 0; k < ntri; k++) {
        for (int v = 0; v < 3; v++)
            if (t[3 * k + v] >= n)
                abort();
        const double *a = xy + 2 * t[3 * k], *b = xy + 2 * t[3 * k + 1], *c = xy + 2 * t[3 * k + 2];
        if ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) < 0)
            abort();
    }
    /* the prism and its GLB */
    double *bot = malloc(3 * (n + 1) * sizeof *bot), *top = malloc(3 * (n + 1) * sizeof *top);
    if (!bot || !top)
        abort();
    for (size_t k = 0; k < n; k++) {
        bot[3 * k] = top[3 * k] = xy[2 * k];
        bot[3 * k + 1] = top[3 * k + 1] = xy[2 * k + 1];
        bot[3 * k + 2] = 0;
        top[3 * k + 2] = 10;
    }
    gltf_mesh m;
    gltf_mesh_init(&m);
    int rc = gltf_mesh_add_prism(&m, xy, ring_n, nr, bot, top, 0);
    if (rc < 0)
        abort();
    for (size_t k = 0; k < m.nidx; k++) {
        uint32_t v;
        memcpy(&v, m.idx.data + 4 * k, 4);
        if (v >= m.nverts)
            abort();
    }
    if (rc == 0) {
        gltf_table tb;
        const char *names[] = {"id"};
        const gltf_prop_type types[] = {GLTF_PROP_STRING};
        if (gltf_table_init(&tb, names, types, 1) || gltf_table_put_str(&tb, 0, "a\"b\\", 4))
            abort();
        gltf_table_end_row(&tb);
        cim_bytes glb = {0};
        if (gltf_write_glb(&glb, &m, &tb, "building"))
            abort();
        uint32_t hdr[5], bin;
        memcpy(hdr, glb.data, sizeof hdr);
        memcpy(&bin, glb.data + 20 + hdr[3], 4);
        if (hdr[2] != glb.len || hdr[3] % 4 || bin % 4 || 28 + hdr[3] + bin != glb.len)
            abort();
        cim_bytes_free(&glb);
        gltf_table_clear(&tb);
    }
    gltf_mesh_clear(&m);
    free(bot);
    free(top);
    return 0;
}
