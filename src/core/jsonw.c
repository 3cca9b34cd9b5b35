/* Writing JSON text for the per-record output lines (results.jsonl, dlq.jsonl,
 * duplicates.jsonl). These are the hot output path, so lines are formatted straight
 * into a reused buffer instead of building a jansson tree per record; the small
 * documents (report.json, config) go through jansson. Output is pure ASCII, strings
 * escaped by the Python-exact escaper (core/pyjson.h). Two kinds of strings:
 * decoded values (ids), which may hold a lone surrogate and are written as Python
 * writes them ("\udcff"), and raw bytes (a DLQ record's text, file names), where
 * bytes that are not UTF-8 become U+FFFD (and the exact bytes travel as base64). */
#include "core/jsonw.h"

#include <string.h>

#include "core/pyjson.h"

static void put_string(arcos_buf_t *b, const char *s, size_t n, arcos_py_mode_t mode) {
  if (arcos_buf_reserve(b, ARCOS_PY_ESCAPE_ROOM(n)) != 0)
    return; /* out of memory: nothing written, as with a failed arcos_buf_append */
  char *end = arcos_py_escape(b->data + b->len, s, n, mode, NULL);
  b->len = (size_t)(end - b->data);
  b->data[b->len] = '\0';
}

bool arcos_utf8_valid(const char *s, size_t n) { return arcos_py_valid(s, n, ARCOS_PY_UTF8); }

void arcos_jsonw_str(arcos_buf_t *b, const char *s, size_t n) {
  put_string(b, s, n, ARCOS_PY_UTF8);
}

void arcos_jsonw_value(arcos_buf_t *b, const char *s, size_t n) {
  put_string(b, s, n, ARCOS_PY_WTF8);
}

void arcos_jsonw_key(arcos_buf_t *b, bool first, const char *key) {
  if (!first)
    arcos_buf_putc(b, ',');
  arcos_buf_putc(b, '"');
  arcos_buf_append(b, key, strlen(key));
  arcos_buf_append(b, "\":", 2);
}

void arcos_jsonw_base64(arcos_buf_t *b, const char *s, size_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *p = (const unsigned char *)s;
  arcos_buf_reserve(b, (n + 2) / 3 * 4 + 2);
  arcos_buf_putc(b, '"');
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
                 i + 2 < n ? tab[v & 63] : '='};
    arcos_buf_append(b, q, 4);
  }
  arcos_buf_putc(b, '"');
}

json_t *arcos_jsonw_string(const char *s, size_t n) {
  json_t *v = json_stringn(s, n);
  if (v != NULL || s == NULL)
    return v;
  arcos_buf_t b = {0};
  arcos_jsonw_str(&b, s, n);
  v = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
  arcos_buf_free(&b);
  return v;
}
