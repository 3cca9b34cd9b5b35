/* Fast JSON text for per-record output lines; see jsonw.c. */
#ifndef ARCOS_JSONW_H
#define ARCOS_JSONW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "arcos/util.h"

/* A JSON string literal of raw bytes s[0..n) (a record's text, a file name), ASCII
 * only; bytes that are not UTF-8 (a surrogate's 3-byte form included) become U+FFFD. */
void arcos_jsonw_str(arcos_buf_t *b, const char *s, size_t n);
/* A JSON string literal of a decoded value s[0..n) (an id), as Python's json.dumps
 * writes it: a lone surrogate, held in its 3-byte form, as "\udcxx". */
void arcos_jsonw_value(arcos_buf_t *b, const char *s, size_t n);
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
