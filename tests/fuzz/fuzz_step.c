/* fuzz_step.c: libFuzzer target for the STEP reader and the IFC model on top
 * of it. Each input is indexed, every instance decoded, then read as an IFC
 * model (with a georeference override, so the geometry code runs too). Any
 * crash, leak, overflow, hang or undefined behaviour is a bug; STEP_ERROR
 * and IFC_E* are fine answers. Built by run_fuzz.sh with -D_GNU_SOURCE
 * (memfd_create). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ifc.h"
#include "step.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    step_file *f = NULL;
    char err[256];
    if (step_open_mem(&f, (const char *)data, size, err, sizeof err) == STEP_OK) {
        step_arena *a = step_arena_new();
        uint64_t *ids = NULL;
        size_t n = step_ids_with_prefix(f, "", &ids);
        for (size_t i = 0; i < n; i++) {
            step_entity e;
            (void)step_get(f, a, ids[i], &e);
            step_arena_reset(a);
        }
        free(ids);
        step_arena_free(a);
    }
    step_close(f);

    int fd = memfd_create("ifc", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ifc_options o = IFC_OPTIONS_INIT;
    o.georef = "EPSG:4547@500000,2500000,30";
    ifc_model *m = NULL;
    if (ifc_read(&m, path, &o, err, sizeof err) == IFC_OK)
        ifc_model_free(m);
    close(fd);
    return 0;
}
