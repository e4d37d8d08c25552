/* json.c: JSON string literals and small object builders. */
#include "json_int.h"

#include <stdio.h>

void cim_json_raw(cim_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (cim_buf_reserve(b, n + 1) == 0)
        cim_buf_put(b, s, n);
}

void cim_json_strn(cim_buf *b, const char *s, size_t n)
{
    if (!s) {
        cim_json_raw(b, "null");
        return;
    }
    if (cim_buf_reserve(b, n * 6 + 3))
        return;
    b->data[b->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            b->data[b->len++] = '\\';
            b->data[b->len++] = c;
        } else if (c == '\n') {
            cim_buf_put(b, "\\n", 2);
        } else if (c == '\t') {
            cim_buf_put(b, "\\t", 2);
        } else if (c == '\r') {
            cim_buf_put(b, "\\r", 2);
        } else if (c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            cim_buf_put(b, esc, 6);
        } else {
            b->data[b->len++] = c;
        }
    }
    b->data[b->len++] = '"';
}

void cim_json_str(cim_buf *b, const char *s)
{
    cim_json_strn(b, s, s ? strlen(s) : 0);
}

void cim_json_kv(cim_buf *b, const char *key, const char *value)
{
    cim_json_str(b, key);
    cim_json_raw(b, ":");
    cim_json_str(b, value);
}

const char *cim_json_text(cim_buf *b)
{
    if (cim_buf_reserve(b, 1))
        return "";
    b->data[b->len] = '\0';
    return (const char *)b->data;
}

void cim_json_str_array(cim_buf *b, const char *const *items, size_t n)
{
    cim_json_raw(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            cim_json_raw(b, ",");
        cim_json_str(b, items[i]);
    }
    cim_json_raw(b, "]");
}
