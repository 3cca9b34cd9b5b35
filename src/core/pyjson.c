/* The Python-exact string escaper of pyjson.h. */
#include "core/pyjson.h"

#include <stdint.h>

static const char hex_digits[] = "0123456789abcdef";

static char *put_u16(char *w, unsigned cp) {
  w[0] = '\\';
  w[1] = 'u';
  w[2] = hex_digits[(cp >> 12) & 0xf];
  w[3] = hex_digits[(cp >> 8) & 0xf];
  w[4] = hex_digits[(cp >> 4) & 0xf];
  w[5] = hex_digits[cp & 0xf];
  return w + 6;
}

/* Escape of each ASCII byte: 0 = copy as is, 'u' = \u00XX, other = backslash + it. */
static const char ascii_escape[128] = {
    ['\0'] = 'u', [1] = 'u',    [2] = 'u',    [3] = 'u',     [4] = 'u',    [5] = 'u',
    [6] = 'u',    [7] = 'u',    ['\b'] = 'b', ['\t'] = 't',  ['\n'] = 'n', [11] = 'u',
    ['\f'] = 'f', ['\r'] = 'r', [14] = 'u',   [15] = 'u',    [16] = 'u',   [17] = 'u',
    [18] = 'u',   [19] = 'u',   [20] = 'u',   [21] = 'u',    [22] = 'u',   [23] = 'u',
    [24] = 'u',   [25] = 'u',   [26] = 'u',   [27] = 'u',    [28] = 'u',   [29] = 'u',
    [30] = 'u',   [31] = 'u',   ['"'] = '"',  ['\\'] = '\\', [127] = 'u',
};

/* Length (2..4) and code point of the sequence at p, or 0 when it is not valid in
 * mode (overlong, beyond U+10FFFF, cut, a surrogate in strict UTF-8). */
static size_t sequence(const unsigned char *p, size_t avail, arcos_py_mode_t mode, uint32_t *cp) {
  unsigned c = p[0];
  size_t k;
  uint32_t v;
  if (c >= 0xc2 && c <= 0xdf) {
    k = 2;
    v = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    k = 3;
    v = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    k = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (avail < k)
    return 0;
  for (size_t i = 1; i < k; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    v = (v << 6) | (p[i] & 0x3f);
  }
  if ((k == 3 && v < 0x800) || (k == 4 && (v < 0x10000 || v > 0x10ffff)) ||
      (mode == ARCOS_PY_UTF8 && v >= 0xd800 && v <= 0xdfff))
    return 0;
  *cp = v;
  return k;
}

char *arcos_py_escape(char *w, const char *s, size_t n, arcos_py_mode_t mode, size_t *invalid) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  *w++ = '"';
  while (p < end) {
    unsigned c = *p;
    if (c < 0x80) {
      char esc = ascii_escape[c];
      if (esc == 0) {
        *w++ = (char)c;
      } else if (esc == 'u') {
        w = put_u16(w, c);
      } else {
        *w++ = '\\';
        *w++ = esc;
      }
      p++;
      continue;
    }
    uint32_t cp;
    size_t k = sequence(p, (size_t)(end - p), mode, &cp);
    if (k == 0) {
      if (invalid != NULL)
        (*invalid)++;
      cp = 0xfffd;
      k = 1;
    }
    p += k;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      w = put_u16(w, 0xd800 | (cp >> 10));
      w = put_u16(w, 0xdc00 | (cp & 0x3ff));
    } else {
      w = put_u16(w, cp);
    }
  }
  *w++ = '"';
  return w;
}

bool arcos_py_valid(const char *s, size_t n, arcos_py_mode_t mode) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t k = p[i] < 0x80 ? 1 : sequence(p + i, n - i, mode, &cp);
    if (k == 0)
      return false;
    i += k;
  }
  return true;
}
