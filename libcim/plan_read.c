/* plan_read.c: reading helpers the planning operations share
 * (plan_read_int.h). */
#include "plan_read_int.h"

#include <string.h>

#include "buf_int.h"
#include "sql_int.h"
#include "wkb_int.h"

int cim_plan_blob_box(const uint8_t *b, size_t n, double box[4])
{
    if (n >= 39 && b[0] == 0x00 && (b[1] == 0x00 || b[1] == 0x01) && b[38] == 0x7C) {
        /* SpatiaLite: the MBR at bytes 6..37, in the blob's byte order. */
        const uint16_t one = 1;
        int swap = (b[1] == 0x01) != (*(const uint8_t *)&one == 1);
        for (int k = 0; k < 4; k++) {
            uint8_t v[8];
            memcpy(v, b + 6 + 8 * k, 8);
            for (int j = 0; swap && j < 4; j++) {
                uint8_t t = v[j];
                v[j] = v[7 - j];
                v[7 - j] = t;
            }
            memcpy(&box[k], v, 8);
        }
        return box[0] <= box[2] && box[1] <= box[3];
    }
    /* EWKB (PostGIS): through the readers' conversion to ISO WKB. */
    cim_buf w = {0};
    cim_wkb_info info;
    int ok = !cim_splite_blob_to_wkb(&w, b, n) && !cim_wkb_scan(w.data, w.len, &info) && info.points > 0;
    if (ok)
        memcpy(box, info.mbr, sizeof info.mbr);
    cim_buf_free(&w);
    return ok;
}

int cim_plan_read_begin(cim_store *s)
{
    if (cim_store_is_pg(s))
        return CIM_OK;
    if (sqlite3_exec(s->db, "SAVEPOINT cim_plan_read", NULL, NULL, NULL))
        return cim_store_sqlite_error(s, "begin reading");
    return CIM_OK;
}

void cim_plan_read_end(cim_store *s)
{
    if (!cim_store_is_pg(s))
        sqlite3_exec(s->db, "RELEASE cim_plan_read", NULL, NULL, NULL);
}
