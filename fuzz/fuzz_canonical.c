/* The canonical form of SPEC §1 (Python's json.dumps(v, sort_keys=True)): for any
 * JSON value jansson accepts (as ingestion parses it),
 *   - the canonical text is printable ASCII and parses back,
 *   - canonical(parse(canonical(x))) == canonical(x) (a fixed point),
 *   - the writer with a reused scratch stack (what the per-rank context does) writes
 *     exactly what the plain writer writes.
 * When the input is exactly 8 bytes, it is also read as a double: Python repr()
 * (arcos_format_double) of a finite value must read back to the same bits. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/evidence.h"
#include "evidence/canonical_internal.h"
#include "fuzz_common.h"

static arcos_canon_scratch_t scratch;

static void check_double(const uint8_t *data) {
  double d;
  memcpy(&d, data, sizeof d);
  char text[64];
  size_t n = arcos_format_double(d, text);
  FUZZ_CHECK(n == strlen(text) && n < 32);
  if (!isfinite(d))
    return;
  char *end = NULL;
  double back = strtod(text, &end);
  FUZZ_CHECK(end == text + n);
  FUZZ_CHECK(memcmp(&back, &d, sizeof d) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 8)
    check_double(data);
  json_error_t err;
  json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
  if (v == NULL)
    return 0;
  arcos_buf_t c1 = {0}, c2 = {0}, c3 = {0};
  FUZZ_CHECK(arcos_canonical_append(&c1, v) == 0);
  for (size_t i = 0; i < c1.len; i++)
    FUZZ_CHECK(c1.data[i] >= 0x20 && c1.data[i] < 0x7f);
  FUZZ_CHECK(arcos_canonical_append_with(&c3, v, &scratch) == 0);
  FUZZ_CHECK(c3.len == c1.len && memcmp(c3.data, c1.data, c1.len) == 0);

  json_t *w = json_loadb(c1.data, c1.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
  if (w == NULL)
    fprintf(stderr, "canonical text does not parse back (%s): %.*s\n", err.text, (int)c1.len,
            c1.data);
  FUZZ_CHECK(w != NULL);
  FUZZ_CHECK(arcos_canonical_append(&c2, w) == 0);
  if (c2.len != c1.len || memcmp(c2.data, c1.data, c1.len) != 0)
    fprintf(stderr, "canonical form is not a fixed point:\n  %.*s\n  %.*s\n", (int)c1.len, c1.data,
            (int)c2.len, c2.data);
  FUZZ_CHECK(c2.len == c1.len && memcmp(c2.data, c1.data, c1.len) == 0);
  json_decref(w);
  json_decref(v);
  arcos_buf_free(&c1);
  arcos_buf_free(&c2);
  arcos_buf_free(&c3);
  return 0;
}
