/* sensors_int.h: what the sensor modules share (never installed): the
 * in-memory sensor registry built while a file is read, and the tables. */
#ifndef CIM_SENSORS_INT_H
#define CIM_SENSORS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cim/sensors.h"
#include "sql_int.h"
#include "store_int.h"

/* Interned strings (sensor ids, property names, attribute names): index by
 * string in an open-addressing hash. */
typedef struct cim_strset {
    char **v;
    size_t n, cap;
    uint32_t *slots;      /* index + 1; 0 = empty */
    size_t nslots;
} cim_strset;
/* Index of s (added when new: *added set); -1 when out of memory. */
long cim_strset_add(cim_strset *set, const char *s, int *added);
long cim_strset_find(const cim_strset *set, const char *s);
void cim_strset_clear(cim_strset *set);

/* A reading in a chunk: interned sensor and property, UTC seconds, and its
 * place in the file (the first of equal keys is kept). */
typedef struct sensors_reading {
    uint32_t sensor, property;
    int64_t t;
    double value;
    int64_t seq;
} sensors_reading;

typedef struct sensors_chunk {
    const sensors_reading *rows;
    size_t n;
    const cim_strset *ids, *props;
} sensors_chunk;

/* Registers cim_sensor_chunk(?1) on the store's connection: bind a
 * sensors_chunk with sqlite3_bind_pointer(q, 1, chunk, "cim_sensor_chunk", NULL). */
int sensors_chunk_register(cim_store *s);

/* PostGIS: the session's staging table (dropped at commit), and a chunk
 * into NAME_obs by COPY and one upsert (sensors_obs_pg.c): *inserted rows
 * went in, *conflicts kept a different stored value (the first noted). */
int sensors_pg_stage(cim_store *s);
int sensors_pg_load(cim_store *s, const char *obs, const sensors_chunk *c, int64_t *inserted, int64_t *conflicts,
                    char **first_conflict);
/* Keeps the first conflict's description in *first (if none yet). */
void sensors_conflict_note(char **first, const char *sensor, const char *property, const char *t, double kept,
                           double ignored);

/* A sensor as the registry knows it; parallel to the ids strset. */
typedef struct sensor_ent {
    int64_t line;          /* first line of the file that named it (0: from the store) */
    int has_xy;            /* x, y known ... */
    int in_store_crs;      /* ... and already in the store CRS */
    double x, y;
    char **attrs;          /* by attribute index (NULL = none), nattrs long */
    size_t nattrs;
} sensor_ent;

typedef struct sensor_reg {
    cim_strset ids;
    sensor_ent *ents;
    size_t cap;
    cim_strset attr_names;
    size_t existing;       /* the first ones came from the store */
} sensor_reg;

long sensor_reg_add(sensor_reg *r, const char *id, int64_t line);
/* Sets an attribute if the sensor has none of that name yet. */
int sensor_reg_attr(sensor_reg *r, long sensor, const char *name, const char *value);
void sensor_reg_clear(sensor_reg *r);

/* Table names of a sensor layer; CIM_EINVALID for a bad NAME. */
int sensors_names(const char *layer, char sensors[64], char obs[64], char links[64]);
int sensors_obs_create(cim_store *s, const char *obs);
/* The catalogue's kind and role of a layer ("" when not catalogued). */
int sensors_layer_kind(cim_store *s, const char *table, char *kind, size_t kn, char *role, size_t rn);
/* Tables that exist must be catalogued as kind 'sensor' (a sensor layer is
 * never written over a GIS layer of the same name): CIM_EEXISTS otherwise. */
int sensors_check_tables(cim_store *s, const char *const *tables, size_t n);
/* Loads NAME_sensors (if it exists) into the registry. */
int sensors_load(cim_store *s, const char *table, sensor_reg *reg);
/* Sensors without a location get the point of the row of `spec`
 * ("LAYER:FIELD") whose FIELD is their id. */
int sensors_locate(cim_store *s, const char *spec, sensor_reg *reg);
/* Rewrites NAME_sensors from the registry (kind 'sensor' in the catalogue). */
int sensors_write(cim_store *s, const char *table, const sensor_reg *reg, int64_t run_id, const char *source,
                  const char *sha256);
/* Catalogues NAME_obs (kind 'sensor', no geometry) with lineage JSON. */
int sensors_obs_catalog(cim_store *s, const char *obs, int64_t run_id, const char *source, const char *sha256,
                        const char *lineage, int64_t read, int64_t inserted);

/* The layer must have been ingested: CIM_ENOTFOUND otherwise. */
int sensors_require(cim_store *s, const char *layer, char sensors[64], char obs[64], char links[64]);

/* ---- periods (summaries, gaps) ---- */
/* Checks every/tz and gives the tz offset in minutes. */
int sensors_period_check(const cim_sensors_summary_options *o, int *tz_minutes);
/* SQL for the period label of column `col` (UTC text): "2019-04-08T13" (hour),
 * "2019-04-08" (day), "2019-04" (month), in the tz offset; strftime on SQLite,
 * to_char on PostgreSQL, the same labels. */
char *sensors_period_sql(cim_store *s, const char *col, cim_period every, int tz_minutes);
/* Label <-> a running period number (hours, days or months since 1970). */
int sensors_period_index(const char *label, cim_period every, int64_t *out);
void sensors_period_label(int64_t index, cim_period every, char buf[32]);

/* A result table being filled: cells appended row by row. */
int sensors_table_cols(cim_table *t, size_t ncols, const char *const *cols);
int sensors_table_add(cim_table *t, const char *const *row);
/* Runs a prepared query into a new table (column names from the query). */
int sensors_table_from(cim_table **out, cim_sql *q);

#endif
