/* fuzz_sensors.c: libFuzzer target for the sensor readers (formats/sensors).
 * The first byte picks the format and options (CSV wide or long, with or
 * without x/y and --tz; JSON array / SensorThings; JSON lines), the rest is
 * the file. Every record is walked the way ingest walks it; any crash, leak,
 * overflow or undefined behaviour is a bug, a reader error is a fine answer.
 * Records must keep the reader's promises: a non-empty sensor id, finite
 * values, property names. Built by run_fuzz_sensors.sh with -D_GNU_SOURCE. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sensor_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    int fd = memfd_create("sensors", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    static const char *const attrs[] = {"name", NULL};
    sensor_reader_options o = {.sensor_field = "id", .time_field = "t"};
    switch (mode & 3) {
    case 0: o.format = SENSOR_FORMAT_CSV; break;
    case 1: o.format = SENSOR_FORMAT_CSV; o.property_field = "p"; o.value_field = "v"; break;
    case 2: o.format = SENSOR_FORMAT_JSON; break;
    default: o.format = SENSOR_FORMAT_JSONL; break;
    }
    if (mode & 4) {
        o.x_field = "x";
        o.y_field = "y";
    }
    if (mode & 8) {
        o.has_tz = 1;
        o.tz_offset = 8 * 3600;
    }
    if (mode & 16)
        o.attr_fields = attrs;
    if ((mode & 32) && o.format == SENSOR_FORMAT_JSON)
        o.sensor_field = o.time_field = NULL; /* SensorThings defaults */
    sensor_reader *r = NULL;
    if (sensor_reader_open(&r, path, &o) == 0) {
        const sensor_record *rec;
        char ts[32];
        while (sensor_reader_next(r, &rec) == 1) {
            if (!rec->sensor || !rec->sensor[0])
                __builtin_trap();
            sensor_time_format(rec->t, ts);
            for (size_t i = 0; i < rec->nobs; i++)
                if (!isfinite(rec->obs[i].value) || !rec->obs[i].property)
                    __builtin_trap();
            for (size_t i = 0; i < rec->nattrs; i++)
                if (!rec->attrs[i].name || !rec->attrs[i].value)
                    __builtin_trap();
            if (rec->has_xy && (!isfinite(rec->x) || !isfinite(rec->y)))
                __builtin_trap();
            (void)sensor_reader_progress(r);
        }
    }
    (void)sensor_reader_error(r ? r : NULL);
    sensor_reader_free(r);
    close(fd);
    return 0;
}
