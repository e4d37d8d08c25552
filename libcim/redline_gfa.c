/* redline_gfa.c: the floor areas IBL-04 weighs, read from a `cim indicators`
 * result layer (gfa_m2 per parcel_fid): the indicators already clip every
 * footprint to its parcel and apportion floor area by storeys or height,
 * so the block-line check reuses those figures instead of reading buildings
 * a second way. The layer must come from the same parcel layer (its
 * lineage says so). */
#include "redline_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int rl_gfa_check(cim_store *s, const char *layer, const char *parcels)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT json_extract(lineage, '$.operation'), json_extract(lineage, '$.parcels') "
                           "FROM cim_layers WHERE name = ?",
                           -1, &st, NULL))
        return cim_store_sqlite_error(s, "cim_layers");
    sqlite3_bind_text(st, 1, layer, -1, SQLITE_TRANSIENT);
    int rc;
    if (sqlite3_step(st) != SQLITE_ROW || !cim_store_table_exists(s, layer)) {
        rc = cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "floor-area layer '%s' not found in the store", layer);
    } else {
        const char *op = (const char *)sqlite3_column_text(st, 0), *from = (const char *)sqlite3_column_text(st, 1);
        if (!op || strcmp(op, "indicators"))
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                               "floor-area layer '%s' is not a result of 'cim indicators' (it needs parcel_fid "
                               "and gfa_m2 per parcel)",
                               layer);
        else if (!from || strcmp(from, parcels))
            rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                               "floor-area layer '%s' was computed for parcels '%s', not '%s'", layer,
                               from ? from : "?", parcels);
        else
            rc = CIM_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* The index of fid among parcels (sorted by fid), or np. */
static size_t find_parcel(const rl_parcel *parcels, size_t np, int64_t fid)
{
    size_t lo = 0, hi = np;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (parcels[mid].fid < fid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < np && parcels[lo].fid == fid ? lo : np;
}

int rl_gfa_read(double **out, cim_store *s, const char *layer, const rl_parcel *parcels, size_t np)
{
    *out = NULL;
    double *gfa = malloc((np ? np : 1) * sizeof *gfa);
    if (!gfa)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    for (size_t i = 0; i < np; i++)
        gfa[i] = NAN;
    char *sql = sqlite3_mprintf("SELECT parcel_fid, gfa_m2 FROM \"%w\"", layer);
    sqlite3_stmt *st = NULL;
    if (!sql || sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) {
        sqlite3_free(sql);
        free(gfa);
        return cim_store_sqlite_error(s, layer);
    }
    sqlite3_free(sql);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        size_t i = find_parcel(parcels, np, sqlite3_column_int64(st, 0));
        if (i < np && sqlite3_column_type(st, 1) != SQLITE_NULL)
            gfa[i] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        free(gfa);
        return cim_store_sqlite_error(s, layer);
    }
    *out = gfa;
    return CIM_OK;
}
