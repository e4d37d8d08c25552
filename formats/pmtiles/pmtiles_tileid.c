/* pmtiles_tileid.c: z/x/y to the PMTiles v3 tile id: the number of tiles in
 * all lower zooms plus the tile's position on the zoom's Hilbert curve. */
#include "pmtiles.h"

uint64_t pmtiles_tile_id(uint8_t z, uint32_t x, uint32_t y)
{
    uint64_t acc = (((uint64_t)1 << (2 * z)) - 1) / 3;
    if (z == 0)
        return 0;
    uint64_t d = 0;
    uint64_t n = (uint64_t)1 << z;
    uint64_t tx = x, ty = y;
    for (uint64_t s = n / 2; s > 0; s /= 2) {
        uint64_t rx = (tx & s) > 0, ry = (ty & s) > 0;
        d += s * s * ((3 * rx) ^ ry);
        /* rotate the quadrant */
        if (ry == 0) {
            if (rx == 1) {
                tx = s - 1 - tx;
                ty = s - 1 - ty;
            }
            uint64_t t = tx;
            tx = ty;
            ty = t;
        }
    }
    return acc + d;
}
