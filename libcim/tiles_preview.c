/* tiles_preview.c: a static HTML page that shows the tiles in MapLibre GL
 * JS, for a planner to open. PMTiles through the pmtiles protocol, a
 * directory through its z/x/y.pbf URLs; MBTiles needs a tile server, so no
 * page. The page loads maplibre-gl and pmtiles from lib/ next to it when
 * present (an offline copy) and from unpkg otherwise. It must be served over
 * HTTP (browsers do not fetch byte ranges from file://), e.g.
 * `python3 -m http.server -d DIR`. The archive must lie inside DIR so the
 * page can name it by a relative URL. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "json_int.h"
#include "tiles_int.h"

#define MAPLIBRE_VERSION "4.7.1"
#define PMTILES_VERSION "3.2.1"

static const char *const palette[] = {"#d7301f", "#2b8cbe", "#31a354", "#756bb1", "#e6550d", "#636363"};

/* The path of tiles relative to dir, when tiles lies inside it. */
static char *relative_to(const char *dir, const char *tiles)
{
    char d[PATH_MAX], t[PATH_MAX];
    if (!realpath(dir, d) || !realpath(tiles, t))
        return NULL;
    size_t n = strlen(d);
    if (strncmp(d, t, n) != 0 || (t[n] != '/' && !(n == 1 && d[0] == '/')))
        return NULL;
    return strdup(t + n + (d[n - 1] == '/' ? 0 : 1));
}

int tl_preview_check(const char *dir, const char *tiles_path)
{
    /* the output's parent directory, resolved, must lie in (or be) dir */
    char *parent = strdup(tiles_path);
    if (!parent)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    if (!slash)
        strcpy(parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    char d[PATH_MAX], p[PATH_MAX];
    int ok = realpath(dir, d) && realpath(parent, p);
    free(parent);
    size_t k = ok ? strlen(d) : 0;
    if (!ok || strncmp(d, p, k) != 0 || (p[k] != '/' && p[k] != '\0' && !(k == 1 && d[0] == '/')))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "--preview '%s': give an existing directory that holds the output '%s' (the page "
                             "names the tiles by a relative URL)", dir, tiles_path);
    return 0;
}

int tl_preview_write(const char *dir, const char *tiles_path, cim_tiles_format format, const tl_meta *m)
{
    if (format == CIM_TILES_MBTILES)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "--preview needs a .pmtiles archive or a directory (MBTiles needs a tile server)");
    char *rel = relative_to(dir, tiles_path);
    if (!rel)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "--preview '%s': the tiles '%s' must lie inside it (the page names them by a relative URL)",
                             dir, tiles_path);
    cim_buf b = {0};
    char num[512];
    cim_json_raw(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>cim tiles: ");
    cim_json_raw(&b, rel);
    cim_json_raw(&b,
                 "</title>\n"
                 "<!-- Serve this directory over HTTP (python3 -m http.server) and open the page. -->\n"
                 "<link rel=\"stylesheet\" href=\"lib/maplibre-gl.css\">\n"
                 "<script src=\"lib/maplibre-gl.js\"></script>\n"
                 "<script>window.maplibregl || document.write('<link rel=\"stylesheet\" "
                 "href=\"https://unpkg.com/maplibre-gl@" MAPLIBRE_VERSION "/dist/maplibre-gl.css\">"
                 "<script src=\"https://unpkg.com/maplibre-gl@" MAPLIBRE_VERSION
                 "/dist/maplibre-gl.js\"><\\/script>')</script>\n"
                 "<script src=\"lib/pmtiles.js\"></script>\n"
                 "<script>window.pmtiles || document.write('<script src=\"https://unpkg.com/pmtiles@" PMTILES_VERSION
                 "/dist/pmtiles.js\"><\\/script>')</script>\n"
                 "<style>html, body, #map { margin: 0; height: 100%; }</style>\n"
                 "</head><body><div id=\"map\"></div>\n<script>\n"
                 "const protocol = new pmtiles.Protocol();\n"
                 "maplibregl.addProtocol('pmtiles', protocol.tile);\n"
                 "const here = new URL(");
    cim_json_str(&b, rel);
    cim_json_raw(&b, ", location.href).href;\n");
    snprintf(num, sizeof num, "const minzoom = %d, maxzoom = %d;\n", m->minzoom, m->maxzoom);
    cim_json_raw(&b, num);
    cim_json_raw(&b, format == CIM_TILES_PMTILES
                         ? "const source = { type: 'vector', url: 'pmtiles://' + here };\n"
                         : "const source = { type: 'vector', tiles: [here + '/{z}/{x}/{y}.pbf'], minzoom, maxzoom };\n");
    cim_json_raw(&b, "const layers = [{ id: 'background', type: 'background', paint: { 'background-color': '#ffffff' } }];\n");
    for (size_t i = 0; i < m->nlayers; i++) {
        const tl_layer *l = &m->layers[i];
        int type = l->nf ? l->f[0].type : MVT_POLYGON;
        const char *c = palette[i % (sizeof palette / sizeof palette[0])];
        cim_json_raw(&b, "layers.push(");
        if (type == MVT_POLYGON) {
            cim_json_raw(&b, "{ id: ");
            cim_json_str(&b, l->name);
            cim_json_raw(&b, ", type: 'fill', source: 'cim', 'source-layer': ");
            cim_json_str(&b, l->name);
            snprintf(num, sizeof num, ", paint: { 'fill-color': '%s', 'fill-opacity': 0.5, 'fill-outline-color': '%s' } }", c, c);
        } else {
            cim_json_raw(&b, "{ id: ");
            cim_json_str(&b, l->name);
            cim_json_raw(&b, type == MVT_LINESTRING ? ", type: 'line', source: 'cim', 'source-layer': "
                                                    : ", type: 'circle', source: 'cim', 'source-layer': ");
            cim_json_str(&b, l->name);
            snprintf(num, sizeof num,
                     type == MVT_LINESTRING ? ", paint: { 'line-color': '%s', 'line-width': 2 } }"
                                            : ", paint: { 'circle-color': '%s', 'circle-radius': 4 } }",
                     c);
        }
        cim_json_raw(&b, num);
        cim_json_raw(&b, ");\n");
    }
    snprintf(num, sizeof num,
             "const map = new maplibregl.Map({ container: 'map', preserveDrawingBuffer: true,\n"
             "  style: { version: 8, sources: { cim: source }, layers },\n"
             "  bounds: [[%.7f, %.7f], [%.7f, %.7f]], fitBoundsOptions: { padding: 20 } });\n",
             m->bounds[0], m->bounds[1], m->bounds[2], m->bounds[3]);
    cim_json_raw(&b, num);
    cim_json_raw(&b, "map.addControl(new maplibregl.NavigationControl());\n"
                     "map.on('click', (e) => {\n"
                     "  const f = map.queryRenderedFeatures(e.point).filter((x) => x.source === 'cim')[0];\n"
                     "  if (f) new maplibregl.Popup().setLngLat(e.lngLat)\n"
                     "    .setHTML('<pre>' + f.sourceLayer + ' ' + f.id + '\\n' + JSON.stringify(f.properties, null, 1)\n"
                     "      .replace(/[<&]/g, (c) => c === '<' ? '&lt;' : '&amp;') + '</pre>').addTo(map);\n"
                     "});\n"
                     "map.on('idle', () => { window.cimIdle = true; });\n"
                     "window.map = map;\n</script>\n</body></html>\n");
    size_t n = strlen(dir) + 16;
    char *path = malloc(n);
    int rc = 0;
    if (path) {
        snprintf(path, n, "%s/index.html", dir);
        FILE *f = fopen(path, "wb");
        const char *text = cim_json_text(&b);
        if (!f || fputs(text, f) < 0 || fclose(f))
            rc = cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "cannot write '%s': %s", path, strerror(errno));
    } else {
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    free(path);
    free(rel);
    cim_buf_free(&b);
    return rc;
}
