/* mvt_encode_spec.c: encodes a tile from a plain-text list of layers and
 * features with formats/mvt, for the @mapbox/mvt-fixtures peer suite
 * (tests/node/mvt_fixtures.mjs writes the list from a fixture decoded by
 * @mapbox/vector-tile, then decodes this program's tile and compares).
 *   L <extent> <hex name>            a layer
 *   F <type 1|2|3> <id or ->         a feature of the last layer
 *   P <hex key> <s|d|u|i|b> <value>  a property (s: hex bytes)
 *   R <n> x0 y0 ... x(n-1) y(n-1)    a ring, line or the points
 * Usage: mvt_encode_spec SPEC OUT.mvt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mvt.h"

#define MAX_LAYERS 64

static char *unhex(const char *h, size_t *n)
{
    size_t len = strlen(h) / 2;
    char *s = malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned int b = 0;
        sscanf(h + 2 * i, "%2x", &b);
        s[i] = (char)b;
    }
    s[len] = '\0';
    *n = len;
    return s;
}

typedef struct feat {
    int active, type, has_id;
    uint64_t id;
    uint32_t tags[512];
    size_t ntags;
    mvt_geom g;
} feat;

static int flush(feat *f, mvt_layer *l)
{
    if (!f->active)
        return 0;
    f->active = 0;
    return mvt_layer_add(l, f->has_id ? &f->id : NULL, (mvt_geom_type)f->type, f->tags, f->ntags, &f->g);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mvt_encode_spec SPEC OUT.mvt\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in)
        return 1;
    mvt_layer *layers[MAX_LAYERS];
    size_t nl = 0;
    feat f = {0};
    size_t cap = 1 << 20;
    char *line = malloc(cap);
    int32_t *pts = malloc(sizeof(int32_t) * 2 * 65536);
    int rc = 0;
    while (fgets(line, (int)cap, in)) {
        char *tok = strtok(line, " \n");
        if (!tok)
            continue;
        if (!strcmp(tok, "L")) {
            if (nl)
                rc |= flush(&f, layers[nl - 1]);
            unsigned int extent = (unsigned int)strtoul(strtok(NULL, " \n"), NULL, 10);
            size_t n;
            char *name = unhex(strtok(NULL, " \n"), &n);
            layers[nl++] = mvt_layer_new(name, extent);
            free(name);
        } else if (!strcmp(tok, "F")) {
            rc |= flush(&f, layers[nl - 1]);
            f.active = 1;
            f.type = atoi(strtok(NULL, " \n"));
            char *id = strtok(NULL, " \n");
            f.has_id = strcmp(id, "-") != 0;
            f.id = f.has_id ? strtoull(id, NULL, 10) : 0;
            f.ntags = 0;
            mvt_geom_reset(&f.g);
        } else if (!strcmp(tok, "P")) {
            size_t kn;
            char *key = unhex(strtok(NULL, " \n"), &kn);
            char *t = strtok(NULL, " \n"), *v = strtok(NULL, " \n");
            mvt_value val = {0};
            char *s = NULL;
            switch (t[0]) {
            case 's':
                s = unhex(v ? v : "", &val.s_len);
                val.type = MVT_STRING;
                val.s = s;
                break;
            case 'd': val.type = MVT_DOUBLE; val.d = strtod(v, NULL); break;
            case 'u': val.type = MVT_UINT; val.u = strtoull(v, NULL, 10); break;
            case 'i': val.type = MVT_SINT; val.i = strtoll(v, NULL, 10); break;
            default: val.type = MVT_BOOL; val.i = atoi(v); break;
            }
            int64_t k = mvt_layer_key(layers[nl - 1], key, kn), vi = mvt_layer_value(layers[nl - 1], &val);
            f.tags[f.ntags++] = (uint32_t)k;
            f.tags[f.ntags++] = (uint32_t)vi;
            free(key);
            free(s);
        } else if (!strcmp(tok, "R")) {
            size_t n = strtoul(strtok(NULL, " \n"), NULL, 10);
            for (size_t i = 0; i < 2 * n && i < 2 * 65536; i++)
                pts[i] = (int32_t)strtol(strtok(NULL, " \n"), NULL, 10);
            /* UNKNOWN (0) geometry is written as MoveTo points, as the fixtures have it */
            int r = f.type == MVT_POLYGON ? mvt_geom_ring(&f.g, pts, n, 0)
                    : f.type == MVT_LINESTRING ? mvt_geom_line(&f.g, pts, n)
                                               : mvt_geom_points(&f.g, pts, n);
            if (r < 0)
                rc = 1;
        }
    }
    if (nl)
        rc |= flush(&f, layers[nl - 1]);
    mvt_buf out = {0};
    rc |= mvt_tile_encode(&out, layers, nl);
    FILE *o = fopen(argv[2], "wb");
    if (!o || (out.len && fwrite(out.data, 1, out.len, o) != out.len) || fclose(o))
        rc = 1;
    for (size_t i = 0; i < nl; i++)
        mvt_layer_free(layers[i]);
    mvt_geom_free(&f.g);
    mvt_buf_free(&out);
    free(line);
    free(pts);
    fclose(in);
    return rc ? 1 : 0;
}
