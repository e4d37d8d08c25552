/* plan_read_int.h: what the planning operations (check redline, check
 * siting, indicators, aggregate) share when they read their input layers,
 * on either backend. Never installed. */
#ifndef CIM_PLAN_READ_INT_H
#define CIM_PLAN_READ_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store_int.h"

/* The box (minx, miny, maxx, maxy) of a geometry blob as the store returns
 * it: a SpatiaLite blob carries it in its header (either byte order); an
 * EWKB value from PostGIS is walked. 1 with the box, 0 when the blob is
 * neither or has no points. */
int cim_plan_blob_box(const uint8_t *blob, size_t len, double box[4]);

/* One read snapshot for all of an operation's reading (not one per
 * lookup): a savepoint on SQLite; on PostgreSQL every statement reads
 * committed data by itself, so nothing. End with cim_plan_read_end. */
int cim_plan_read_begin(cim_store *s);
void cim_plan_read_end(cim_store *s);

#endif
