/* fuzz_geojson.c: libFuzzer target for the native GeoJSON reader. Each input
 * is written to a memory file and read the way ingest reads it: open (schema
 * pass), then every feature. Any crash, leak, overflow or undefined behaviour
 * is a bug; GJ_ERROR / GJ_UNSUPPORTED are fine answers. The WKB it hands out
 * must also pass cim's own structure check. Built by run_fuzz.sh with
 * -D_GNU_SOURCE (memfd_create). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "geojson_reader.h"
#include "wkb_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("geojson", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    gj_reader *r = NULL;
    if (gj_open(&r, path) == GJ_OK) {
        size_t n = gj_field_count(r);
        for (size_t i = 0; i < n; i++)
            (void)gj_field_name(r, i);
        gj_feature f;
        while (gj_next(r, &f) == GJ_OK) {
            if (f.wkb) {
                cim_wkb_info info;
                if (cim_wkb_scan(f.wkb, f.wkb_len, &info) != 0)
                    __builtin_trap(); /* the reader produced malformed WKB */
            }
            for (size_t i = 0; i < n; i++)
                if (!f.values[i].is_null && f.values[i].s)
                    (void)f.values[i].s[f.values[i].slen]; /* NUL-terminated as promised */
        }
    }
    gj_close(r);
    close(fd);
    return 0;
}
