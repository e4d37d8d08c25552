/* ingest_table_int.h: the layer table an ingest writes: its columns, the
 * prepared statements, and the SpatiaLite registration at the end (never
 * installed). */
#ifndef CIM_INGEST_TABLE_INT_H
#define CIM_INGEST_TABLE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "buf_int.h"
#include "rtree_bulk_int.h"
#include "source_int.h"
#include "store_int.h"

struct cim_sql;

typedef struct ingest_table {
    cim_store *store;
    const cim_src_layer *src;
    char name[64];
    char **columns;        /* one per source field: the column it goes to */
    int has_geom;          /* the layer has a geom column */
    uint32_t geom_type;    /* CIM_WKB_* the column declares; 0 = any (GEOMETRY) */
    int has_z;             /* XYZ column */
    int promote;           /* single geometries become multi ones */
    unsigned observed;     /* bit per CIM_WKB_* type stored (for a GEOMETRY column) */
    int created;           /* this run made the table */
    int key_field;         /* upsert: source field index of the key, else -1 */
    int64_t first_new_fid; /* fids at or above this were inserted by this run */
    sqlite3_stmt *insert, *update, *seen;
    double mbr[4];
    int has_mbr;
    /* New tables: SpatiaLite's triggers set aside while rows go in in bulk,
     * and the index entries to pack at the end. */
    char **triggers;
    size_t trigger_count;
    cim_rtree_entry *entries;
    size_t entry_count, entry_cap;
    /* PostGIS (ingest_table_pg.c): rows gathered as COPY text and sent in
     * whole COPY statements, so the connection is free between them, or,
     * with stream set (the caller runs no other statement until finish),
     * in one COPY that stays open so the server works while rows are read;
     * an upsert's statements; the fid the next inserted row gets. */
    int stream, copying;
    cim_buf copy, wkb;
    struct cim_sql *pg_insert, *pg_update, *pg_seen;
    int64_t next_fid;
    char *copy_sql;
} ingest_table;

/* Column names for the source's fields (renaming collisions with fid, geom
 * and case-insensitive duplicates) and the geometry column's declared type. */
int ingest_table_plan(ingest_table *t, cim_store *s, const cim_src_layer *src, const char *name);
/* Creates the table, registers its geometry column and creates the (empty)
 * spatial index, then sets SpatiaLite's triggers aside for the bulk insert. */
int ingest_table_create(ingest_table *t);
/* Checks an existing table for append/upsert and adds columns it lacks. */
int ingest_table_adopt(ingest_table *t, const char *upsert_key);
/* Drops a layer with its spatial index and registration. */
int ingest_table_drop(cim_store *s, const char *name);
int ingest_table_prepare(ingest_table *t);
/* Writes one feature: values as the source gave them, blob may be NULL, mbr
 * its box in store coordinates. *updated is set for an upsert that replaced a row. */
int ingest_table_put(ingest_table *t, const cim_src_feature *f, const void *blob, int blob_len, const double *mbr,
                     int *updated);
/* New tables: settles a GEOMETRY column's type, packs the spatial index and
 * puts the triggers back. */
int ingest_table_finish(ingest_table *t);
/* A GEOMETRY column that turned out to hold only (multi)polygons, only
 * (multi)lines, only points or only multipoints: sets t->geom_type to the
 * type it gets (a MULTI* one for polygons and lines, like any other layer)
 * and *to_multi when single parts must be cast; 0 when it stays GEOMETRY. */
int ingest_table_settle_type(ingest_table *t, int *to_multi);
/* Upsert: the error for a feature whose key is empty or was seen before. */
int ingest_table_key_error(const ingest_table *t, const cim_src_feature *f);
/* Widens the table's extent (gathered while inserting) by a feature's box. */
void ingest_table_grow_extent(ingest_table *t, const double mbr[4]);
void ingest_table_clear(ingest_table *t);

/* The same steps on a PostGIS store (ingest_table_pg.c); ingest_table.c
 * hands over to them. */
int ingest_table_pg_create(ingest_table *t);
int ingest_table_pg_drop(cim_store *s, const char *name);
int ingest_table_pg_prepare(ingest_table *t);
int ingest_table_pg_put(ingest_table *t, const cim_src_feature *f, const void *blob, int blob_len, int *updated);
int ingest_table_pg_finish(ingest_table *t);
void ingest_table_pg_clear(ingest_table *t);
/* style 0: "a", "b", geom; 1: ?1, ?2, ?3; 2: "a" = ?1, "b" = ?2, geom = ?3
 * (sqlite3_free the result). */
char *ingest_table_column_list(const ingest_table *t, int style);

#endif
