/* The canonical form of SPEC §1: Python's json.dumps(v, sort_keys=True), byte for
 * byte, written by walking the jansson tree (jansson's own dump prints reals with 17
 * digits and escapes with upper-case hex, so it is not Python's; DESIGN "Known traps").
 *
 * - Objects: members sorted by key in code-point order, which for UTF-8 is byte-wise
 *   order; keys are compared with their lengths (memcmp, then shorter first), so a
 *   key holding NUL sorts like Python's str comparison does. "{}" when empty.
 * - Separators ", " between items and ": " after keys; no other whitespace. "[]" when
 *   empty.
 * - Strings as Python's ensure_ascii=True: \" \\ \n \r \t \b \f; every other byte
 *   below 0x20, and DEL (0x7f), as \u00XX; non-ASCII as \uXXXX with lower-case hex,
 *   code points above U+FFFF as a surrogate pair; '/' is not escaped; a lone surrogate
 *   held in its 3-byte form as \udcxx (core/pyjson.h). Other malformed UTF-8 (only
 *   reachable through trees not made by the parser) is ARCOS_EINVALID.
 * - Integers in decimal (json_int_t is long long); reals through
 *   arcos_format_double() (Python repr); true, false, null.
 * - An absent value (v == NULL) is written as null, as Python would hash data=None.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/evidence.h"
#include "core/pyjson.h"
#include "evidence/canonical_internal.h"

/* Shortest round-trip decimal digits of a positive finite double.
 *
 * For precision p = 1..17 significant digits, glibc's "%.*e" gives the decimal
 * nearest to x (correctly rounded, ties to even); if strtod() reads it back as x, no
 * shorter decimal does (see below) and these are the digits Python's repr() prints.
 *
 * When x's significand is not a power of two, the set of decimals that read back as x
 * is an interval centred on x, so whether the nearest p-digit decimal reads back is
 * monotone in p: binary search finds the smallest p in about 4 probes. At a binade
 * boundary (significand a power of two) the interval below x is half as wide as the
 * one above, so the nearest p-digit decimal may fall outside while its neighbour on
 * the other side, farther away, is inside: repr() then prints that neighbour. That
 * case walks p upwards and also tries the neighbour. */
typedef struct {
  char digits[24]; /* significant digits, no dot, NUL-terminated */
  int ndigits;
  int exp10; /* decimal exponent of the first digit */
} decimal_t;

/* Parses glibc "%.*e" output ("d.ddde+XX" or "de-XX") of a positive number. Only
 * digits are kept, so a locale's decimal comma does no harm (printf and strtod use
 * the same locale, so the round-trip tests hold in any locale). */
static void parse_e(const char *buf, decimal_t *dec) {
  int n = 0;
  const char *p = buf;
  for (; *p != 'e'; p++)
    if (*p >= '0' && *p <= '9')
      dec->digits[n++] = *p;
  dec->digits[n] = '\0';
  dec->ndigits = n;
  dec->exp10 = (int)strtol(p + 1, NULL, 10);
}

static bool round_trips(double x, int p, char *buf, size_t size) {
  snprintf(buf, size, "%.*e", p - 1, x);
  return strtod(buf, NULL) == x;
}

/* At a binade boundary: does the p-digit neighbour of the nearest decimal (buf), on the
 * other side of x, read back as x? If so, it goes into dec. */
static bool neighbour_round_trips(double x, const char *buf, int p, decimal_t *dec) {
  decimal_t near;
  parse_e(buf, &near);
  uint64_t m = strtoull(near.digits, NULL, 10);
  int e = near.exp10;
  uint64_t top = 1;
  for (int i = 1; i < p; i++)
    top *= 10; /* 10^(p-1): the smallest p-digit significand */
  if (strtod(buf, NULL) < x) {
    m++;
    if (m == top * 10) { /* 9.99e5 + 1 ulp = 1.00e6 */
      m = top;
      e++;
    }
  } else {
    m--;
    if (m < top) { /* 1.00e6 - 1 ulp = 9.99e5 */
      m = top * 10 - 1;
      e--;
    }
  }
  char cand[48];
  snprintf(cand, sizeof cand, "%" PRIu64 "e%d", m, e - (p - 1));
  if (strtod(cand, NULL) != x)
    return false;
  dec->ndigits = snprintf(dec->digits, sizeof dec->digits, "%" PRIu64, m);
  dec->exp10 = e;
  return true;
}

/* Fast path for values with few digits (87.25, 12.5, 0.001), which the printf and
 * strtod probes would take about 2 us to find. For k = 0, 1, ... fractional digits,
 * the integer D nearest to x * 10^k is a candidate; with D < 2^50 and k <= 22 both D
 * and 10^k are exact doubles, so D / 10^k is the correctly rounded value of the
 * decimal D * 10^-k, which is exactly what strtod returns: the test is exact. The
 * computed product may be off by one from the true nearest integer, so D - 1 and
 * D + 1 are tried too. Valid only off binade boundaries (symmetric interval: if any
 * k-digit decimal reads back as x, the nearest one does); if several candidates read
 * back, the tie is left to the slow path.
 *
 * Returns true with dec filled, or false with *min_p set to a precision that the
 * answer is known to reach: every decimal with fewer fractional digits than the
 * last k tried failed, and those have at most that many significant digits. */
static bool shortest_digits_fast(double x, decimal_t *dec, int *min_p) {
  static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  *min_p = 1;
  for (int k = 0; k < (int)(sizeof pow10 / sizeof pow10[0]); k++) {
    double y = x * pow10[k];
    if (y >= 0x1p50)
      return false;
    double nearest = floor(y + 0.5);
    int hits = 0;
    double found = 0;
    for (int delta = -1; delta <= 1; delta++) {
      double c = nearest + delta; /* exact: |nearest| < 2^50 */
      if (c >= 1 && c / pow10[k] == x) {
        hits++;
        found = c;
      }
    }
    if (hits > 1)
      return false;
    if (hits == 1) {
      dec->ndigits = snprintf(dec->digits, sizeof dec->digits, "%" PRIu64, (uint64_t)found);
      dec->exp10 = dec->ndigits - 1 - k;
      return true;
    }
    /* Decimals with k fractional digits, which all failed, have at least as many
     * significant digits as floor(y) has. */
    int digits = 0;
    while (digits < 16 && y >= pow10[digits])
      digits++;
    if (digits > *min_p)
      *min_p = digits;
  }
  return false;
}

static void shortest_digits(double x, decimal_t *dec) {
  char buf[48];
  int mant_exp, lo = 1;
  double frac = frexp(x, &mant_exp);
  if (frac != 0.5) {
    if (shortest_digits_fast(x, dec, &lo))
      return;
  } else if (x >= DBL_MIN) {
    for (int p = 1; p < 17; p++) {
      if (round_trips(x, p, buf, sizeof buf)) {
        parse_e(buf, dec);
        return;
      }
      if (neighbour_round_trips(x, buf, p, dec))
        return;
    }
    round_trips(x, 17, buf, sizeof buf);
    parse_e(buf, dec);
    return;
  }
  /* Smallest p in [lo, 17] whose nearest decimal reads back; 17 always does. */
  int hi = 17, best_p = 0;
  char best[48];
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (round_trips(x, mid, buf, sizeof buf)) {
      hi = mid;
      best_p = mid;
      memcpy(best, buf, sizeof best);
    } else {
      lo = mid + 1;
    }
  }
  if (best_p != lo) {
    round_trips(x, lo, buf, sizeof buf);
    memcpy(best, buf, sizeof best);
  }
  parse_e(best, dec);
}

size_t arcos_format_double(double d, char *out) {
  if (isnan(d))
    return (size_t)sprintf(out, "NaN");
  if (isinf(d))
    return (size_t)sprintf(out, "%s", d < 0 ? "-Infinity" : "Infinity");
  char *w = out;
  if (signbit(d)) {
    *w++ = '-';
    d = -d;
  }
  if (d == 0.0) {
    memcpy(w, "0.0", 4);
    return (size_t)(w - out) + 3;
  }
  decimal_t dec;
  shortest_digits(d, &dec);
  while (dec.ndigits > 1 && dec.digits[dec.ndigits - 1] == '0')
    dec.ndigits--;
  const char *dg = dec.digits;
  int nd = dec.ndigits, e = dec.exp10;
  if (e < -4 || e >= 16) {
    *w++ = dg[0];
    if (nd > 1) {
      *w++ = '.';
      memcpy(w, dg + 1, (size_t)nd - 1);
      w += nd - 1;
    }
    w += sprintf(w, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
  } else if (e >= 0) {
    int int_digits = e + 1;
    if (nd <= int_digits) {
      memcpy(w, dg, (size_t)nd);
      w += nd;
      for (int i = nd; i < int_digits; i++)
        *w++ = '0';
      *w++ = '.';
      *w++ = '0';
    } else {
      memcpy(w, dg, (size_t)int_digits);
      w += int_digits;
      *w++ = '.';
      memcpy(w, dg + int_digits, (size_t)(nd - int_digits));
      w += nd - int_digits;
    }
  } else {
    *w++ = '0';
    *w++ = '.';
    for (int i = 0; i < -e - 1; i++)
      *w++ = '0';
    memcpy(w, dg, (size_t)nd);
    w += nd;
  }
  *w = '\0';
  return (size_t)(w - out);
}

/* Strings go through the one Python-exact escaper (core/pyjson.h), reading them as
 * the record reader holds them (a lone surrogate as its 3-byte form); any other byte
 * that is not UTF-8 (only reachable through trees not made by the parsers) is
 * ARCOS_EINVALID. */
static int put_string(arcos_buf_t *out, const char *s, size_t n) {
  if (n > (SIZE_MAX - 2) / 6)
    return ARCOS_ENOMEM;
  int rc = arcos_buf_reserve(out, ARCOS_PY_ESCAPE_ROOM(n));
  if (rc != ARCOS_OK)
    return rc;
  size_t invalid = 0;
  char *w = arcos_py_escape(out->data + out->len, s, n, ARCOS_PY_WTF8, &invalid);
  if (invalid != 0)
    return ARCOS_EINVALID;
  out->len = (size_t)(w - out->data);
  out->data[out->len] = '\0';
  return ARCOS_OK;
}

static int put_int(arcos_buf_t *out, json_int_t v) {
  char tmp[24];
  char *w = tmp + sizeof tmp;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do {
    *--w = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0)
    *--w = '-';
  return arcos_buf_append(out, w, (size_t)(tmp + sizeof tmp - w));
}

static int member_cmp(const arcos_canon_member_t *a, const arcos_canon_member_t *b) {
  size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
  int c = memcmp(a->key, b->key, n);
  if (c != 0)
    return c;
  return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

static int member_qsort_cmp(const void *a, const void *b) { return member_cmp(a, b); }

static void sort_members(arcos_canon_member_t *m, size_t n) {
  if (n > 16) {
    qsort(m, n, sizeof *m, member_qsort_cmp);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    arcos_canon_member_t t = m[i];
    size_t j = i;
    while (j > 0 && member_cmp(&m[j - 1], &t) > 0) {
      m[j] = m[j - 1];
      j--;
    }
    m[j] = t;
  }
}

static int scratch_reserve(arcos_canon_scratch_t *s, size_t extra) {
  if (extra <= s->cap - s->len)
    return ARCOS_OK;
  size_t cap = s->cap != 0 ? s->cap : 32;
  while (cap - s->len < extra) {
    if (cap > SIZE_MAX / 2 / sizeof *s->items)
      return ARCOS_ENOMEM;
    cap *= 2;
  }
  arcos_canon_member_t *items;
  if (s->heap) {
    items = realloc(s->items, cap * sizeof *items);
  } else {
    items = malloc(cap * sizeof *items);
    if (items != NULL && s->len != 0)
      memcpy(items, s->items, s->len * sizeof *items);
  }
  if (items == NULL)
    return ARCOS_ENOMEM;
  s->items = items;
  s->cap = cap;
  s->heap = true;
  return ARCOS_OK;
}

void arcos_canon_scratch_free(arcos_canon_scratch_t *s) {
  if (s->heap)
    free(s->items);
  s->items = NULL;
  s->len = s->cap = 0;
  s->heap = false;
}

static int put_value(arcos_buf_t *out, const json_t *v, arcos_canon_scratch_t *s);

static int put_object(arcos_buf_t *out, const json_t *v, arcos_canon_scratch_t *s) {
  size_t n = json_object_size(v);
  if (n == 0)
    return arcos_buf_append(out, "{}", 2);
  int rc = scratch_reserve(s, n);
  if (rc != ARCOS_OK)
    return rc;
  size_t base = s->len;
  json_t *obj = (json_t *)v; /* jansson's iterator API takes non-const */
  for (void *it = json_object_iter(obj); it != NULL && s->len < base + n;
       it = json_object_iter_next(obj, it)) {
    arcos_canon_member_t *m = &s->items[s->len++];
    m->key = json_object_iter_key(it);
    m->key_len = json_object_iter_key_len(it);
    m->value = json_object_iter_value(it);
  }
  sort_members(s->items + base, s->len - base);
  rc = arcos_buf_putc(out, '{');
  /* Nested objects push above base and may move s->items: index, don't hold pointers. */
  for (size_t i = base; rc == ARCOS_OK && i < base + n; i++) {
    if (i != base)
      rc = arcos_buf_append(out, ", ", 2);
    /* items[base, base + n) were all set by the loop above */
    if (rc == ARCOS_OK)
      // NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): set by the loop above
      rc = put_string(out, s->items[i].key, s->items[i].key_len);
    if (rc == ARCOS_OK)
      rc = arcos_buf_append(out, ": ", 2);
    if (rc == ARCOS_OK)
      rc = put_value(out, s->items[i].value, s);
  }
  if (rc == ARCOS_OK)
    rc = arcos_buf_putc(out, '}');
  s->len = base;
  return rc;
}

static int put_value(arcos_buf_t *out, const json_t *v, arcos_canon_scratch_t *s) {
  if (v == NULL)
    return arcos_buf_append(out, "null", 4);
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return put_object(out, v, s);
  case JSON_ARRAY: {
    size_t n = json_array_size(v);
    if (n == 0)
      return arcos_buf_append(out, "[]", 2);
    int rc = arcos_buf_putc(out, '[');
    for (size_t i = 0; rc == ARCOS_OK && i < n; i++) {
      if (i != 0)
        rc = arcos_buf_append(out, ", ", 2);
      if (rc == ARCOS_OK)
        rc = put_value(out, json_array_get(v, i), s);
    }
    return rc == ARCOS_OK ? arcos_buf_putc(out, ']') : rc;
  }
  case JSON_STRING:
    return put_string(out, json_string_value(v), json_string_length(v));
  case JSON_INTEGER:
    return put_int(out, json_integer_value(v));
  case JSON_REAL: {
    char tmp[40];
    size_t n = arcos_format_double(json_real_value(v), tmp);
    return arcos_buf_append(out, tmp, n);
  }
  case JSON_TRUE:
    return arcos_buf_append(out, "true", 4);
  case JSON_FALSE:
    return arcos_buf_append(out, "false", 5);
  case JSON_NULL:
    return arcos_buf_append(out, "null", 4);
  }
  return ARCOS_EINTERNAL;
}

int arcos_canonical_append_with(arcos_buf_t *out, const json_t *v, arcos_canon_scratch_t *s) {
  size_t mark = out->len;
  int rc = put_value(out, v, s);
  if (rc != ARCOS_OK) {
    out->len = mark; /* no half-written text on failure */
    if (out->data != NULL)
      out->data[mark] = '\0';
  }
  return rc;
}

int arcos_canonical_append(arcos_buf_t *out, const json_t *v) {
  arcos_canon_member_t stack_items[32];
  arcos_canon_scratch_t s = {.items = stack_items, .cap = 32, .heap = false};
  int rc = arcos_canonical_append_with(out, v, &s);
  arcos_canon_scratch_free(&s);
  return rc;
}
