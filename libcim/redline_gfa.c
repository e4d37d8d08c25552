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

#include "sql_int.h"
#include "store_int.h"

int rl_gfa_check(cim_store *s, const char *layer, const char *parcels)
{
    /* The lineage is JSON text in both stores; each reads it its own way. */
    cim_sql *st = NULL;
    int rc = cim_sql_prepare(s, &st,
                             cim_store_is_pg(s)
                                 ? "SELECT CAST(lineage AS json)->>'operation', CAST(lineage AS json)->>'parcels' "
                                   "FROM cim_layers WHERE name = CAST(?1 AS TEXT)"
                                 : "SELECT json_extract(lineage, '$.operation'), json_extract(lineage, '$.parcels') "
                                   "FROM cim_layers WHERE name = ?1");
    if (rc)
        return rc;
    cim_sql_bind_text(st, 1, layer, -1);
    int step = cim_sql_step(st);
    if (step < 0) {
        rc = step;
    } else if (step != CIM_SQL_ROW || !cim_store_table_exists(s, layer)) {
        rc = cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "floor-area layer '%s' not found in the store", layer);
    } else {
        const char *op = cim_sql_text(st, 0), *from = cim_sql_text(st, 1);
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
    cim_sql_finalize(st);
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
    cim_sql *st = NULL;
    int rc = cim_sql_preparef(s, &st, "SELECT parcel_fid, gfa_m2 FROM \"%w\"", layer);
    if (rc) {
        free(gfa);
        return rc;
    }
    int step;
    while ((step = cim_sql_step(st)) == CIM_SQL_ROW) {
        size_t i = find_parcel(parcels, np, cim_sql_int64(st, 0));
        if (i < np && cim_sql_type(st, 1) != CIM_SQL_NULL)
            gfa[i] = cim_sql_double(st, 1);
    }
    cim_sql_finalize(st);
    if (step < 0) {
        free(gfa);
        return step;
    }
    *out = gfa;
    return CIM_OK;
}
