/* test_svg.c: the report map writer: projection, Douglas-Peucker against
 * hand-worked cases, round scale-bar lengths, escaping, even-odd holes, and
 * tiny rings dropped at the page's pixel size. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "svg_map.h"

static void test_round_length(void)
{
    CHECK_NEAR(svg_round_length(1), 1, 0);
    CHECK_NEAR(svg_round_length(999), 500, 0);
    CHECK_NEAR(svg_round_length(1000), 1000, 0);
    CHECK_NEAR(svg_round_length(250), 200, 0);
    CHECK_NEAR(svg_round_length(0.37), 0.2, 1e-12);
    CHECK_NEAR(svg_round_length(7400), 5000, 0);
    CHECK_NEAR(svg_round_length(0), 0, 0);
}

static void test_simplify(void)
{
    /* a straight line with a 0.1 bump: gone at tolerance 0.5, kept at 0.08 */
    double a[] = {0, 0, 1, 0.1, 2, 0, 3, 0, 4, 0};
    CHECK(svg_simplify(a, 5, 0.5) == 2);
    CHECK_NEAR(a[2], 4, 0);
    double b[] = {0, 0, 1, 0.1, 2, 0, 3, 0, 4, 0};
    size_t n = svg_simplify(b, 5, 0.08); /* (2,0) is 0.063 off (1,0.1)-(4,0) */
    CHECK(n == 3);
    CHECK_NEAR(b[2], 1, 0);
    CHECK_NEAR(b[3], 0.1, 0);
    /* a closed square keeps its corners */
    double sq[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 0};
    CHECK(svg_simplify(sq, 5, 0.5) == 5);
}

static void test_escape(void)
{
    cim_bytes b = {0};
    CHECK(svg_escape(&b, "<script>a & 'b' \"c\"</script> 深圳") == 0);
    CHECK(cim_bytes_reserve(&b, 1) == 0);
    b.data[b.len] = 0;
    CHECK_STR((char *)b.data, "&lt;script&gt;a &amp; &#39;b&#39; &quot;c&quot;&lt;/script&gt; 深圳");
    cim_bytes_free(&b);
}

static void test_map(void)
{
    /* 1000 m x 500 m on a 416 x 208 page with 8-px margins: the height
     * decides, 192 px / 500 m = 0.384 px/m; centred: 16 px left, 8 px top */
    double box[4] = {500000, 2500000, 501000, 2500500};
    svg_map *m = svg_map_new(box, 416);
    CHECK(m != NULL);
    double w, h, px, py;
    svg_map_size(m, &w, &h);
    CHECK_NEAR(w, 416, 0);
    CHECK_NEAR(h, 208, 0);
    svg_map_project(m, 500000, 2500500, &px, &py);
    CHECK_NEAR(px, 16, 1e-9);
    CHECK_NEAR(py, 8, 1e-9);
    svg_map_project(m, 501000, 2500000, &px, &py);
    CHECK_NEAR(px, 400, 1e-9);
    CHECK_NEAR(py, 200, 1e-9);
    /* a square with a hole, in one even-odd path */
    double outer[] = {500000, 2500000, 500500, 2500000, 500500, 2500500, 500000, 2500500, 500000, 2500000};
    double hole[] = {500100, 2500100, 500100, 2500400, 500400, 2500400, 500400, 2500100, 500100, 2500100};
    double speck[] = {500900, 2500100, 500901, 2500100, 500901, 2500101, 500900, 2500100};
    CHECK(svg_map_shape_begin(m, "#ff0000", "#000000", 0.5, "a <b> & c") == 0);
    CHECK(svg_map_ring(m, outer, 5) == 0);
    CHECK(svg_map_ring(m, hole, 5) == 0);
    CHECK(svg_map_ring(m, speck, 4) == 0); /* 0.4 px: dropped */
    CHECK(svg_map_shape_end(m) == 0);
    CHECK(svg_map_legend(m, "#ff0000", "M1 普通工业用地") == 0);
    size_t len = 0;
    char *svg = svg_map_finish(m, &len);
    CHECK(svg != NULL && strlen(svg) == len);
    if (!svg)
        return;
    CHECK(strstr(svg, "fill-rule=\"evenodd\"") != NULL);
    /* outer ring: (16,200) px -> quarter pixels (64,800); 500 m = 192 px = 768 units */
    CHECK_MSG(strstr(svg, "M64 800l768 0 0 -768 -768 0z") != NULL, "%s", svg);
    /* hole: 100 m = 38.4 px in from the corner: (54.4,161.6) px -> (217.6,646.4)
     * rounds to (218,646); its far corner (169.6,46.4) px -> (678,186) */
    CHECK_MSG(strstr(svg, "M218 646l0 -460 460 0 0 460z") != NULL, "%s", svg);
    CHECK(strstr(svg, "M3612") == NULL); /* the speck */
    CHECK(strstr(svg, "<title>a &lt;b&gt; &amp; c</title>") != NULL);
    CHECK(strstr(svg, "M1 普通工业用地") != NULL);
    /* scale bar: a quarter of 416 px is 271 m at 0.384 px/m -> 200 m */
    CHECK_MSG(strstr(svg, ">200 m</text>") != NULL, "%s", svg);
    CHECK(strstr(svg, ">N</text>") != NULL);
    free(svg);
    CHECK(svg_map_new((double[4]){0, 0, 0, 0}, 400) == NULL);
}

int main(void)
{
    test_round_length();
    test_simplify();
    test_escape();
    test_map();
    return check_report();
}
