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
 *   arcos_format_double() (Python repr, the reader's layout: one implementation);
 *   true, false, null.
 * - An absent value (v == NULL) is written as null, as Python would hash data=None.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/evidence.h"
#include "core/pyjson.h"
#include "evidence/canonical_internal.h"
#include "evidence/fastjson.h"

/* One number layout for both writers of the canonical form: the C++ reader's
 * (std::to_chars shortest round-trip digits, laid out as Python's repr). */
size_t arcos_format_double(double d, char *out) { return arcos_fastjson_format_double(d, out); }

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

static int put_int(arcos_buf_t *out, json_int_t v) { return arcos_buf_put_i64(out, (int64_t)v); }

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
