/* json_int.h: writing JSON text into a buffer (never installed). cim writes
 * JSON (lineage, run counts, query output) but never parses it here. */
#ifndef CIM_JSON_INT_H
#define CIM_JSON_INT_H

#include "buf_int.h"

/* Appends s (NUL-terminated, or NULL for null) as a JSON string literal. */
void cim_json_str(cim_buf *b, const char *s);
/* Appends s of n bytes as a JSON string literal. */
void cim_json_strn(cim_buf *b, const char *s, size_t n);
/* Appends [s0, s1, ...] as JSON strings (null for NULL items). */
void cim_json_str_array(cim_buf *b, const char *const *items, size_t n);
/* Appends raw text. */
void cim_json_raw(cim_buf *b, const char *s);
/* Appends "key": and then the string value (or null). */
void cim_json_kv(cim_buf *b, const char *key, const char *value);
/* NUL-terminates the buffer and returns its text. */
const char *cim_json_text(cim_buf *b);

#endif
