/* rtree_bulk_int.h: bulk loading of a SpatiaLite spatial index (an SQLite
 * R*Tree) from the boxes ingest already knows (never installed). */
#ifndef CIM_RTREE_BULK_INT_H
#define CIM_RTREE_BULK_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cim_rtree_entry {
    int64_t id;     /* the row's fid */
    float box[4];   /* minx, maxx, miny, maxy, rounded outward to float as SQLite's rtree does */
} cim_rtree_entry;

/* Rounds a double box outward into e->box. */
void cim_rtree_entry_set(cim_rtree_entry *e, int64_t id, const double mbr[4]);

/* Writes entries into the empty 2D R*Tree virtual table `rtree` (its
 * _node, _parent and _rowid shadow tables) as an STR-packed tree. Sorts
 * entries in place. Must run inside the caller's transaction. */
int cim_rtree_bulk_load(sqlite3 *db, const char *rtree, cim_rtree_entry *entries, size_t n);

#endif
