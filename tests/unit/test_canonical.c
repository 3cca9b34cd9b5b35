/* Canonical form (SPEC §1) against Python: the expected texts in
 * tests/data/canonical/ were produced by json.dumps(v, sort_keys=True) and
 * hashlib.sha256 (gen_fixtures.py there); Python is not needed to run this test. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/evidence.h"
#include "arcos/util.h"
#include "check.h"
#include "fixture.h"

/* Calls fn(input, input_len, expected, arg) for every INPUT<TAB>EXPECTED line of
 * a fixture file; returns the number of lines. */
typedef void (*case_fn)(const char *in, size_t in_len, const char *expected, void *arg);

typedef struct {
  case_fn fn;
  void *arg;
} cases_t;

static void case_line(char **fields, const size_t *len, int n, void *arg) {
  const cases_t *c = arg;
  CHECK(n == 2);
  if (n == 2)
    c->fn(fields[0], len[0], fields[1], c->arg);
}

static size_t for_each_case(const char *name, case_fn fn, void *arg) {
  cases_t c = {fn, arg};
  return for_each_fixture(name, 2, case_line, &c);
}

typedef struct {
  arcos_buf_t out;
  size_t mismatches;
  arcos_evidence_ctx_t *ctx;
} run_t;

static json_t *load(const char *in, size_t in_len) {
  json_error_t err;
  json_t *v = json_loadb(in, in_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
  if (v == NULL)
    fprintf(stderr, "fixture does not parse: %s: %s\n", in, err.text);
  return v;
}

static void canonical_case(const char *in, size_t in_len, const char *expected, void *arg) {
  run_t *r = arg;
  json_t *v = load(in, in_len);
  arcos_buf_reset(&r->out);
  int rc = v != NULL ? arcos_canonical_append(&r->out, v) : ARCOS_EPARSE;
  bool same = rc == ARCOS_OK && r->out.len == strlen(expected) &&
              memcmp(r->out.data, expected, r->out.len) == 0;
  if (!same && r->mismatches++ < 20)
    fprintf(stderr,
            "canonical mismatch (rc %d)\n  input:    %s\n  got:      %.*s\n  expected: %s\n", rc,
            in, (int)r->out.len, r->out.data != NULL ? r->out.data : "", expected);
  json_decref(v);
}

static void sha_case(const char *in, size_t in_len, const char *expected, void *arg) {
  run_t *r = arg;
  json_t *v = load(in, in_len);
  arcos_buf_reset(&r->out);
  char hex[65] = "";
  int rc = v != NULL ? arcos_canonical_append(&r->out, v) : ARCOS_EPARSE;
  if (rc == ARCOS_OK)
    rc = arcos_ev_sha256_hex(r->ctx, r->out.data, r->out.len, hex);
  if ((rc != ARCOS_OK || strcmp(hex, expected) != 0) && r->mismatches++ < 20)
    fprintf(stderr, "sha256 mismatch (rc %d)\n  input:    %s\n  got:      %s\n  expected: %s\n", rc,
            in, hex, expected);
  json_decref(v);
}

static void test_fixtures(void) {
  run_t r = {0};
  size_t n = for_each_case("cases.tsv", canonical_case, &r);
  fprintf(stderr, "canonical: %zu fixture cases, %zu mismatches\n", n, r.mismatches);
  CHECK(n >= 7000); /* the file is the test: an empty or truncated one must fail */
  CHECK_INT_EQ(r.mismatches, 0);

  r.mismatches = 0;
  r.ctx = arcos_evidence_create(NULL, 0, 1 << 20);
  CHECK(r.ctx != NULL);
  if (r.ctx != NULL) {
    n = for_each_case("sha256.tsv", sha_case, &r);
    fprintf(stderr, "sha256: %zu fixture cases, %zu mismatches\n", n, r.mismatches);
    CHECK(n >= 300);
    CHECK_INT_EQ(r.mismatches, 0);
    arcos_evidence_destroy(&r.ctx);
    CHECK(r.ctx == NULL);
  }
  arcos_buf_free(&r.out);
}

/* Values and texts from Python 3.11 repr(). */
static void test_format_double(void) {
  static const struct {
    double d;
    const char *repr;
  } cases[] = {
      {0.1, "0.1"},
      {1e-07, "1e-07"},
      {1.5e+300, "1.5e+300"},
      {100.0, "100.0"},
      {-0.0, "-0.0"},
      {0.0, "0.0"},
      {5e-324, "5e-324"},
      {1e16, "1e+16"},
      {1e22, "1e+22"},
      {123.456, "123.456"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {9999999999999998.0, "9999999999999998.0"},
      {1e15, "1000000000000000.0"},
      {-2.5, "-2.5"},
      {2.0 / 3.0, "0.6666666666666666"},
      {1e23, "1e+23"},
      {2.2250738585072014e-308, "2.2250738585072014e-308"},
      {0x1p-1022, "2.2250738585072014e-308"},
      {0x1p+1023, "8.98846567431158e+307"},
      {0x1p-1000, "9.332636185032189e-302"},
      {0x1p+54, "1.8014398509481984e+16"},
      {0x1p+53, "9007199254740992.0"},
      {12345678901234567.0, "1.2345678901234568e+16"},
  };
  char buf[40];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n = arcos_format_double(cases[i].d, buf);
    CHECK_STR_EQ(buf, cases[i].repr);
    CHECK_INT_EQ(n, strlen(cases[i].repr));
  }
  arcos_format_double(NAN, buf);
  CHECK_STR_EQ(buf, "NaN");
  arcos_format_double(INFINITY, buf);
  CHECK_STR_EQ(buf, "Infinity");
  arcos_format_double(-INFINITY, buf);
  CHECK_STR_EQ(buf, "-Infinity");
}

/* Keys holding NUL cannot come from jansson's parser (it refuses them), but can be
 * built; Python sorts them as code point 0. Expected text from Python:
 * json.dumps({"\0": 1, "a": 2, "\0\0": 3, "": 4, "a\0": 5, "B": "x\0y"}, sort_keys=True) */
static void test_nul_keys(void) {
  json_t *o = json_object();
  json_object_setn_new(o, "\0", 1, json_integer(1));
  json_object_setn_new(o, "a", 1, json_integer(2));
  json_object_setn_new(o, "\0\0", 2, json_integer(3));
  json_object_setn_new(o, "", 0, json_integer(4));
  json_object_setn_new(o, "a\0", 2, json_integer(5));
  json_object_setn_new(o, "B", 1, json_stringn("x\0y", 3));
  CHECK_INT_EQ(json_object_size(o), 6);
  arcos_buf_t out = {0};
  CHECK_INT_EQ(arcos_canonical_append(&out, o), ARCOS_OK);
  static const char expected[] =
      "{\"\": 4, \"\\u0000\": 1, \"\\u0000\\u0000\": 3, \"B\": \"x\\u0000y\", \"a\": 2, "
      "\"a\\u0000\": 5}";
  CHECK_MEM_EQ(out.data, out.len, expected, strlen(expected));

  arcos_evidence_ctx_t *ctx = arcos_evidence_create(NULL, 0, 1 << 20);
  char hex[65] = "";
  CHECK_INT_EQ(arcos_ev_sha256_hex(ctx, out.data, out.len, hex), ARCOS_OK);
  CHECK_STR_EQ(hex, "94299c83b455e83c3726fe869d37e776456266134ffc3d7535736f7a227b5643");
  arcos_evidence_destroy(&ctx);
  arcos_buf_free(&out);
  json_decref(o);
}

static void test_sha256_vectors(void) {
  arcos_evidence_ctx_t *ctx = arcos_evidence_create(NULL, 0, 1 << 20);
  CHECK(ctx != NULL);
  char hex[65];
  CHECK_INT_EQ(arcos_ev_sha256_hex(ctx, "", 0, hex), ARCOS_OK);
  CHECK_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK_INT_EQ(arcos_ev_sha256_hex(ctx, "abc", 3, hex), ARCOS_OK);
  CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  /* The context is reused: the second digest must not carry state from the first. */
  CHECK_INT_EQ(arcos_ev_sha256_hex(ctx, "null", 4, hex), ARCOS_OK);
  CHECK_STR_EQ(hex, "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b");
  CHECK_INT_EQ(arcos_ev_sha256_hex(ctx, "{\"a\": 1}", 8, hex), ARCOS_OK);
  CHECK_STR_EQ(hex, "f9d86028c6e0d64e225186f96acb69338b2c59764df79162107f5c4bb34d1310");
  arcos_evidence_destroy(&ctx);
  arcos_evidence_destroy(&ctx); /* NULL-safe */
}

static void test_api_edges(void) {
  arcos_buf_t out = {0};
  /* NULL is an absent `data`: Python hashes None as "null". */
  CHECK_INT_EQ(arcos_canonical_append(&out, NULL), ARCOS_OK);
  CHECK_STR_EQ(out.data, "null");
  /* Appends, does not reset. */
  json_t *v = json_pack("{s:[i,f,b,n]}", "k", 7, 0.5, 1);
  CHECK_INT_EQ(arcos_canonical_append(&out, v), ARCOS_OK);
  CHECK_STR_EQ(out.data, "null{\"k\": [7, 0.5, true, null]}");
  json_decref(v);

  /* Malformed UTF-8 can only come from a hand-built tree; it is refused and nothing
   * of the failed value is left in the buffer. */
  static const char *bad[] = {"\xff",         "a\xc3", "\xc0\xaf", "\xf4\x90\x80\x80",
                              "\xe0\x80\xaf", "\x80",  "\xed\xa0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    arcos_buf_reset(&out);
    arcos_buf_append(&out, "x", 1);
    json_t *arr = json_pack("[s]", "ok");
    json_array_append_new(arr, json_stringn_nocheck(bad[i], strlen(bad[i])));
    CHECK_INT_EQ(arcos_canonical_append(&out, arr), ARCOS_EINVALID);
    CHECK_STR_EQ(out.data, "x");
    json_decref(arr);
  }
  /* A lone surrogate in the readers' 3-byte form is written as Python writes it. */
  arcos_buf_reset(&out);
  json_t *lone = json_stringn_nocheck("a\xed\xb3\xbf", 4);
  CHECK_INT_EQ(arcos_canonical_append(&out, lone), ARCOS_OK);
  CHECK_STR_EQ(out.data, "\"a\\udcff\"");
  json_decref(lone);
  arcos_buf_free(&out);
}

int main(void) {
  test_format_double();
  test_sha256_vectors();
  test_nul_keys();
  test_api_edges();
  test_fixtures();
  return CHECK_DONE();
}
