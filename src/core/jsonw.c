/* Writing JSON text for the per-record output lines (results.jsonl, dlq.jsonl,
 * duplicates.jsonl). These are the hot output path, so lines are formatted straight
 * into a reused buffer instead of building a jansson tree per record; the small
 * documents (report.json, config) go through jansson. Output is pure ASCII: non-ASCII
 * characters are written as \uXXXX escapes (surrogate pairs above U+FFFF). */
#include "core/jsonw.h"

#include <string.h>

static const char hexd[] = "0123456789abcdef";

static void put_u(arcos_buf_t *b, unsigned cp) {
  char e[6] = {'\\',         'u', hexd[(cp >> 12) & 15], hexd[(cp >> 8) & 15], hexd[(cp >> 4) & 15],
               hexd[cp & 15]};
  arcos_buf_append(b, e, 6);
}

/* Length of a valid UTF-8 sequence at s (1..4) and its code point, or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp) {
  unsigned c = s[0];
  size_t len;
  unsigned min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, min = 0x80, c &= 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, min = 0x800, c &= 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, c &= 0x07;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  *cp = c;
  return len;
}

bool arcos_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    unsigned cp;
    size_t k = utf8_seq(p + i, n - i, &cp);
    if (k == 0)
      return false;
    i += k;
  }
  return true;
}

void arcos_jsonw_str(arcos_buf_t *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  arcos_buf_reserve(b, n + 2);
  arcos_buf_putc(b, '"');
  size_t run = 0; /* start of a run of bytes that need no escaping */
  for (size_t i = 0; i < n;) {
    unsigned c = p[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      i++;
      continue;
    }
    arcos_buf_append(b, s + run, i - run);
    size_t k = 1;
    switch (c) {
    case '"':
      arcos_buf_append(b, "\\\"", 2);
      break;
    case '\\':
      arcos_buf_append(b, "\\\\", 2);
      break;
    case '\n':
      arcos_buf_append(b, "\\n", 2);
      break;
    case '\r':
      arcos_buf_append(b, "\\r", 2);
      break;
    case '\t':
      arcos_buf_append(b, "\\t", 2);
      break;
    case '\b':
      arcos_buf_append(b, "\\b", 2);
      break;
    case '\f':
      arcos_buf_append(b, "\\f", 2);
      break;
    default:
      if (c < 0x80) {
        put_u(b, c);
      } else {
        unsigned cp;
        k = utf8_seq(p + i, n - i, &cp);
        if (k == 0) {
          put_u(b, 0xFFFD); /* not UTF-8: the exact bytes go in a _base64 field */
          k = 1;
        } else if (cp >= 0x10000) {
          cp -= 0x10000;
          put_u(b, 0xD800 + (cp >> 10));
          put_u(b, 0xDC00 + (cp & 0x3FF));
        } else {
          put_u(b, cp);
        }
      }
    }
    i += k;
    run = i;
  }
  arcos_buf_append(b, s + run, n - run);
  arcos_buf_putc(b, '"');
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
