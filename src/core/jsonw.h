/* Fast JSON text for per-record output lines; see jsonw.c. */
#ifndef ARCOS_JSONW_H
#define ARCOS_JSONW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "arcos/util.h"

/* A JSON string literal of s[0..n), ASCII only; invalid UTF-8 bytes become U+FFFD. */
void arcos_jsonw_str(arcos_buf_t *b, const char *s, size_t n);
/* ,"key": (no comma when first) */
void arcos_jsonw_key(arcos_buf_t *b, bool first, const char *key);
/* A JSON string holding the base64 of s[0..n). */
void arcos_jsonw_base64(arcos_buf_t *b, const char *s, size_t n);
bool arcos_utf8_valid(const char *s, size_t n);
/* A jansson string of s[0..n) for the small documents (report.json, config): bytes
 * that are not UTF-8 (a file name may hold any) become U+FFFD, as in the lines above,
 * where json_stringn() would give NULL and the member would silently go missing. */
json_t *arcos_jsonw_string(const char *s, size_t n);

#endif
