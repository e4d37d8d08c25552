/* report_int.h: the report as a document (figures, notes, tables, a map)
 * that report_landuse.c and report_results.c fill and report_html.c and
 * report_data.c (CSV, JSON) write. Every number is formatted once, here,
 * into the cells: the three forms carry the same text. Never installed. */
#ifndef CIM_REPORT_INT_H
#define CIM_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf_int.h"
#include "cim/report.h"
#include "cim/sensors.h"
#include "sql_int.h"
#include "store_int.h"

/* Rounding rules (documented in doc/report.schema.json and cim(1)):
 * areas in m² with 2 decimals, hectares 4, 亩 (mu, 10000/15 m²) 2,
 * shares (fractions) 4 decimals; other real values as stored, up to 6
 * decimals with trailing zeros cut. */
#define RP_M2_DECIMALS 2
#define RP_HA_DECIMALS 4
#define RP_MU_DECIMALS 2
#define RP_SHARE_DECIMALS 4
#define RP_M2_PER_MU (10000.0 / 15.0)

typedef struct rp_table {
    char *id, *title;
    cim_table t;              /* text cells; NULL = null */
    unsigned char *numeric;   /* per column: the cells are numbers (JSON numbers, right-aligned) */
    size_t cap;               /* rows allocated */
    int severity_col;         /* column holding a severity/verdict (HTML colour), or -1 */
} rp_table;

typedef struct rp_figure {
    char *key, *label, *value;
    int numeric;
} rp_figure;

typedef struct rp_doc {
    cim_report_kind kind;
    char *title, *store, *layer, *generated_at;
    int srid;
    rp_figure *figs;
    size_t nfigs;
    char **notes;
    size_t nnotes;
    rp_table **tables;        /* tables[0] is the main table (the CSV) */
    size_t ntables;
    int draw_map;             /* HTML only: CSV and JSON skip the drawing */
    char *svg;                /* the map, or NULL */
    int64_t map_features, findings;
    char *params_json;        /* JSON object of the options, for the JSON form */
} rp_doc;

void rp_doc_free(rp_doc *d);
int rp_oom(void);
/* A figure (value formatted by the caller: a number when numeric). */
int rp_figure_add(rp_doc *d, const char *key, const char *label, int numeric, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int rp_note(rp_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A new empty table appended to the document (NULL with an error set). */
rp_table *rp_table_add(rp_doc *d, const char *id, const char *title, size_t ncols, const char *const *cols,
                       const unsigned char *numeric);
/* A row of ncols cells (copied; NULL = null). */
int rp_row_add(rp_table *t, const char *const *cells);
/* A table from a SELECT (columns as named by the statement; INTEGER and
 * REAL values are numbers, reals formatted by rp_real). */
rp_table *rp_table_sql(rp_doc *d, cim_store *s, const char *id, const char *title, const char *sql);
/* v with the given decimals ("-0" written as "0"). */
void rp_fixed(char out[48], double v, int decimals);
/* v with up to 6 decimals, trailing zeros cut. */
void rp_real(char out[48], double v);

/* The map: layers drawn in order, each from a SELECT of (geom, class,
 * title) in the store; features of one class are one path (ORDER BY class
 * in the SQL keeps them together), outline layers draw each feature with
 * its title and no fill. */
typedef struct rp_map_layer {
    const char *sql;
    int outline;
    const char *legend_prefix;  /* legend label prefix, e.g. "land use " (NULL: none) */
} rp_map_layer;
int rp_map_draw(rp_doc *d, cim_store *s, const double bbox[4], const rp_map_layer *layers, size_t n, int width);
/* Fill colour of a class: SZ land-use codes by family, severities and
 * verdicts by gravity, anything else from a fixed palette by hash. */
void rp_color(char out[8], const char *cls);
/* Rank of a severity/verdict name, 0 = worst (for ordering findings). */
int rp_severity_rank(const char *name);
/* SQL CASE expression ranking severity column col (worst first). */
#define RP_SEVERITY_ORDER(col) \
    "CASE " col " WHEN 'error' THEN 0 WHEN 'fail' THEN 0 WHEN 'needs_approval' THEN 1 WHEN 'conditional' THEN 1 " \
    "WHEN 'warning' THEN 2 WHEN 'info' THEN 3 WHEN 'none' THEN 4 ELSE 5 END"

/* Checks that a layer is catalogued and has a table; CIM_ENOTFOUND if not. */
int rp_layer_require(cim_store *s, const char *layer, const char *what, cim_layer_info **info);
/* Index of field in info (case-insensitive) or -1. */
int rp_field_index(const cim_layer_info *info, const char *field);
/* The union of the extents of these layers into bbox; 0 when none. */
int rp_extent(cim_store *s, const char *const *layers, size_t n, double bbox[4]);

/* The kinds. */
int rp_landuse(rp_doc *d, cim_store *s, const cim_report_options *o);
int rp_results(rp_doc *d, cim_store *s, const cim_report_options *o);

/* The forms, into out. */
int rp_write_html(cim_buf *out, const rp_doc *d);
int rp_write_csv(cim_buf *out, const rp_doc *d);
int rp_write_json(cim_buf *out, const rp_doc *d);

#endif
