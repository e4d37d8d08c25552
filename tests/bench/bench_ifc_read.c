/* bench_ifc_read.c: the IFC reader alone (parse, index, placements, plan
 * shapes, GEOS union): prints MB/s and buildings/s for one file. */
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "ifc.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ifc_read FILE.ifc [GEOREF]\n");
        return 2;
    }
    struct stat st;
    if (stat(argv[1], &st))
        return 2;
    ifc_options o = IFC_OPTIONS_INIT;
    o.georef = argc > 2 ? argv[2] : "EPSG:4547@500000,2500000";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ifc_model *m = NULL;
    char err[512];
    if (ifc_read(&m, argv[1], &o, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    size_t storeys = 0, with_fp = 0;
    for (size_t i = 0; i < m->nbuildings; i++) {
        storeys += m->buildings[i].nstoreys;
        with_fp += m->buildings[i].footprint_wkb != NULL;
    }
    printf("%.3f s %.1f MB/s %.1f buildings/s buildings %zu footprints %zu storeys %zu\n", s,
           (double)st.st_size / 1e6 / s, (double)m->nbuildings / s, m->nbuildings, with_fp, storeys);
    ifc_model_free(m);
    return 0;
}
