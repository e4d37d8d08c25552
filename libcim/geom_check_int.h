/* geom_check_int.h: GEOS validity check and MakeValid repair of one WKB
 * geometry (never installed). One checker per thread: it owns a GEOS context. */
#ifndef CIM_GEOM_CHECK_INT_H
#define CIM_GEOM_CHECK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf_int.h"

typedef struct cim_geom_checker cim_geom_checker;

int cim_geom_checker_new(cim_geom_checker **out);
void cim_geom_checker_free(cim_geom_checker *c);

enum { CIM_GEOM_VALID = 0, CIM_GEOM_REPAIRED = 1 };

/* Checks wkb. Valid: returns CIM_GEOM_VALID. Invalid: repairs it with GEOS
 * MakeValid (structure method), keeps the parts of the input's dimension
 * (a polygon stays polygonal), writes ISO WKB to out, the reason it was
 * invalid to reason, and returns CIM_GEOM_REPAIRED. Fails with CIM_EGEOMETRY
 * when nothing of that dimension survives (e.g. a polygon collapsed to a line). */
int cim_geom_check(cim_geom_checker *c, const uint8_t *wkb, size_t len, cim_buf *out, char *reason,
                   size_t reason_len);

#endif
