/* The per-record reader (src/evidence/fastjson.cpp) through arcos_ev_ingest: the
 * canonical fixtures of tests/data/canonical/ (made by Python), the records Python
 * writes and jansson cannot read (python_cases.tsv, SPEC §1), its float formatting
 * against the C one, the rules' field values, and the texts it hands to jansson. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/evidence.h"
#include "arcos/rules.h"
#include "arcos/util.h"
#include "check.h"
#include "evidence/fastjson.h"

static const char *data_dir(void) {
  const char *d = getenv("ARCOS_TEST_DATA");
  if (d == NULL) {
    fprintf(stderr, "ARCOS_TEST_DATA is not set (ctest sets it to tests/data)\n");
    exit(1);
  }
  return d;
}

/* Splits every line of a fixture file at its tabs and calls fn(fields, n, arg). */
typedef void (*line_fn)(char **fields, int n, void *arg);

static size_t for_each_line(const char *name, line_fn fn, void *arg) {
  char path[1024];
  snprintf(path, sizeof path, "%s/canonical/%s", data_dir(), name);
  arcos_buf_t file = {0};
  CHECK_INT_EQ(arcos_read_file(path, &file), ARCOS_OK);
  size_t n = 0;
  char *p = file.data, *end = file.data + file.len;
  while (p != NULL && p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL)
      nl = end;
    *nl = '\0';
    char *fields[4];
    int nf = 0;
    fields[nf++] = p;
    for (char *t = p; nf < 4 && (t = strchr(t, '\t')) != NULL;) {
      *t++ = '\0';
      fields[nf++] = t;
    }
    fn(fields, nf, arg);
    n++;
    p = nl + 1;
  }
  arcos_buf_free(&file);
  return n;
}

typedef struct {
  arcos_evidence_ctx_t *ctx;
  arcos_buf_t rec;
  size_t mismatches;
} run_t;

/* Ingests {"id": "x", "data": DATA[, "checksum": SUM]} and checks the canonical text
 * of data (and the verdict when a checksum is given). */
static void check_record(run_t *r, const char *data, const char *canon, const char *sum) {
  arcos_buf_reset(&r->rec);
  arcos_buf_printf(&r->rec, "{\"id\": \"x\", \"data\": %s", data);
  if (sum != NULL)
    arcos_buf_printf(&r->rec, ", \"checksum\": \"%s\"", sum);
  arcos_buf_putc(&r->rec, '}');
  arcos_evidence_t ev;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_ev_ingest(r->ctx, r->rec.data, r->rec.len, &ev, &d);
  arcos_ev_fields_t f;
  bool ok = rc == ARCOS_OK && arcos_ev_extract(r->ctx, &ev, &f) == ARCOS_OK &&
            arcos_ev_analyze(r->ctx, &ev) == ARCOS_OK && f.data_len == strlen(canon) &&
            memcmp(f.data, canon, f.data_len) == 0 && (sum == NULL || ev.verified);
  if (!ok && r->mismatches++ < 10)
    fprintf(stderr, "mismatch (rc %d %s)\n  input:    %s\n  got:      %.*s\n  expected: %s\n", rc,
            d.text, data, rc == ARCOS_OK ? (int)f.data_len : 0, rc == ARCOS_OK ? f.data : "",
            canon);
}

static void canonical_line(char **fields, int n, void *arg) {
  CHECK(n == 2);
  if (n == 2)
    check_record(arg, fields[0], fields[1], NULL);
}

static void python_line(char **fields, int n, void *arg) {
  CHECK(n == 3);
  if (n == 3)
    check_record(arg, fields[0], fields[1], fields[2]);
}

static void test_fixtures(void) {
  run_t r = {0};
  r.ctx = arcos_evidence_create(NULL, 0, 1 << 20);
  CHECK(r.ctx != NULL);
  size_t n = for_each_line("cases.tsv", canonical_line, &r);
  fprintf(stderr, "fast reader: %zu canonical cases, %zu mismatches\n", n, r.mismatches);
  CHECK(n >= 7000);
  CHECK_INT_EQ(r.mismatches, 0);
  r.mismatches = 0;
  n = for_each_line("python_cases.tsv", python_line, &r);
  fprintf(stderr, "fast reader: %zu Python-only cases, %zu mismatches\n", n, r.mismatches);
  CHECK(n >= 18);
  CHECK_INT_EQ(r.mismatches, 0);
  arcos_evidence_destroy(&r.ctx);
  arcos_buf_free(&r.rec);
}

/* std::to_chars against the printf/strtod search of canonical.c, on random bit
 * patterns (every exponent) and on short decimals. */
static void test_format_double(void) {
  uint64_t s = 0x9e3779b97f4a7c15u;
  size_t bad = 0;
  for (int i = 0; i < 300000; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    double d;
    if (i % 2 == 0) {
      memcpy(&d, &s, sizeof d);
    } else {
      d = (double)((int64_t)(s % 2000001u) - 1000000) / pow(10, (double)((s >> 58) % 12));
    }
    char a[40], b[40];
    size_t na = arcos_format_double(d, a), nb = arcos_fastjson_format_double(d, b);
    if ((na != nb || memcmp(a, b, na) != 0) && bad++ < 5)
      fprintf(stderr, "format mismatch: %s vs %s\n", a, b);
  }
  CHECK_INT_EQ(bad, 0);
}

static void test_fieldvals(void) {
  /* The rules name the paths the readers fill, in first-use order. */
  static const char rules_text[] =
      "[{\"types\": [\"x\"], \"metric\": {\"sum\": [\"a.b\", \"a\", \"n\", \"t\", "
      "\"s\", \"missing.x\", \"big\", \"nan\"]}, \"at_most\": [[0, 10]]}]";
  arcos_rules_t *rules = NULL;
  CHECK_INT_EQ(arcos_rules_parse(rules_text, strlen(rules_text), "test", &rules, NULL), ARCOS_OK);
  CHECK(rules != NULL && arcos_rules_paths(rules).npaths == 8);
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  sc.rules = rules;
  arcos_evidence_ctx_t *fast = arcos_evidence_create(&sc, 0, 1 << 20);
  arcos_evidence_ctx_t *oracle = arcos_evidence_create(&sc, 0, 1 << 20);
  CHECK(fast != NULL && oracle != NULL);
  arcos_evidence_use_jansson(oracle, true);
  /* "a" repeated: the last value (an object) wins, its "b" too. */
  const char *text = "{\"id\": 1, \"data\": {\"a\": 5, \"n\": 2.5, \"a\": {\"b\": 1, \"b\": true},"
                     " \"t\": false, \"s\": \"x\"}}";
  arcos_evidence_t ev;
  arcos_detail_t d;
  size_t nf = 0, nj = 0;
  CHECK_INT_EQ(arcos_ev_ingest(fast, text, strlen(text), &ev, &d), ARCOS_OK);
  CHECK_INT_EQ(arcos_ev_ingest(oracle, text, strlen(text), &ev, &d), ARCOS_OK);
  const arcos_fieldval_t *vf = arcos_ev_fieldvals(fast, &nf), *vj = arcos_ev_fieldvals(oracle, &nj);
  CHECK_INT_EQ(nf, 8);
  CHECK_INT_EQ(nj, 8);
  static const uint8_t kinds[] = {ARCOS_FV_BOOL,    ARCOS_FV_OTHER,  ARCOS_FV_NUMBER,
                                  ARCOS_FV_BOOL,    ARCOS_FV_OTHER,  ARCOS_FV_MISSING,
                                  ARCOS_FV_MISSING, ARCOS_FV_MISSING};
  for (size_t i = 0; i < 8 && nf == 8 && nj == 8; i++) {
    CHECK_INT_EQ(vf[i].kind, kinds[i]);
    CHECK_INT_EQ(vj[i].kind, kinds[i]);
    CHECK(vf[i].num == vj[i].num);
  }
  CHECK(nf == 8 && vf[0].num == 1.0 && vf[2].num == 2.5);
  /* What only the fast reader reads: a big integer is a number, NaN is not. */
  text = "{\"id\": 1, \"data\": {\"big\": 100000000000000000000, \"nan\": NaN, \"a\": 1}}";
  CHECK_INT_EQ(arcos_ev_ingest(fast, text, strlen(text), &ev, &d), ARCOS_OK);
  vf = arcos_ev_fieldvals(fast, &nf);
  CHECK(nf == 8 && vf[6].kind == ARCOS_FV_NUMBER && vf[6].num == 1e20);
  CHECK(nf == 8 && vf[7].kind == ARCOS_FV_OTHER && vf[1].kind == ARCOS_FV_NUMBER);
  CHECK(nf == 8 && vf[0].kind == ARCOS_FV_MISSING);
  /* data not an object: every value missing. */
  text = "{\"id\": 1, \"data\": [1]}";
  CHECK_INT_EQ(arcos_ev_ingest(fast, text, strlen(text), &ev, &d), ARCOS_OK);
  vf = arcos_ev_fieldvals(fast, &nf);
  CHECK(nf == 8 && vf[1].kind == ARCOS_FV_MISSING);
  /* The reader itself refuses an empty path component. */
  arcos_fastjson_t *fj = arcos_fastjson_create();
  static const char *const bad[] = {"a..b"};
  arcos_fieldpaths_t bp = {bad, 1};
  CHECK(fj != NULL);
  CHECK_INT_EQ(arcos_fastjson_set_fieldpaths(fj, &bp), ARCOS_EINVALID);
  arcos_fastjson_destroy(&fj);
  arcos_evidence_destroy(&fast);
  arcos_evidence_destroy(&oracle);
  arcos_rules_destroy(&rules);
}

/* Rules reading more paths than the fast reader tracks: the context reads every record
 * with jansson (a big integer, which only the fast reader holds, is then a parse
 * error) and still fills every path. */
static void test_many_paths(void) {
  enum { N = ARCOS_FJ_MAX_PATHS + 1 };
  char text[4096];
  size_t n = (size_t)snprintf(text, sizeof text, "[{\"types\": [\"x\"], \"metric\": {\"sum\": [");
  for (int i = 0; i < N; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "%s\"p%d\"", i ? ", " : "", i);
  n += (size_t)snprintf(text + n, sizeof text - n, "]}, \"at_most\": [[0, 10]]}]");
  CHECK(n < sizeof text);
  arcos_rules_t *rules = NULL;
  CHECK_INT_EQ(arcos_rules_parse(text, n, "test", &rules, NULL), ARCOS_OK);
  if (rules == NULL)
    return;
  CHECK_INT_EQ(arcos_rules_paths(rules).npaths, N);
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  sc.rules = rules;
  arcos_evidence_ctx_t *ctx = arcos_evidence_create(&sc, 0, 1 << 20);
  CHECK(ctx != NULL);
  arcos_evidence_use_jansson(ctx, false); /* cannot turn the fast reader back on */
  arcos_evidence_t ev;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  const char *rec = "{\"id\": 1, \"data\": {\"p60\": 3, \"p0\": true}}";
  CHECK_INT_EQ(arcos_ev_ingest(ctx, rec, strlen(rec), &ev, &d), ARCOS_OK);
  size_t nv = 0;
  const arcos_fieldval_t *v = arcos_ev_fieldvals(ctx, &nv);
  CHECK_INT_EQ(nv, N);
  CHECK(nv == N && v[60].kind == ARCOS_FV_NUMBER && v[60].num == 3.0);
  CHECK(nv == N && v[0].kind == ARCOS_FV_BOOL && v[1].kind == ARCOS_FV_MISSING);
  rec = "{\"id\": 1, \"data\": {\"p1\": 100000000000000000000}}";
  CHECK_INT_EQ(arcos_ev_ingest(ctx, rec, strlen(rec), &ev, &d), ARCOS_EPARSE);
  arcos_evidence_destroy(&ctx);
  arcos_rules_destroy(&rules);
}

/* Texts the fast reader declines get jansson's verdict and message; what it reads
 * beyond jansson gets Python's. */
static void test_verdicts(void) {
  arcos_evidence_ctx_t *fast = arcos_evidence_create(NULL, 0, 1 << 20);
  arcos_evidence_ctx_t *oracle = arcos_evidence_create(NULL, 0, 1 << 20);
  CHECK(fast != NULL && oracle != NULL);
  arcos_evidence_use_jansson(oracle, true);
  static const char *const same[] = {
      "",
      "{",
      "[1]",
      "5",
      "{\"id\": 1} x",
      "{\"id\":1,}",
      "{\"id\" 1}",
      "{\"a\":[1 2]}",
      "{\"id\":tru}",
      "{\"id\":\"x\",\"d\":1e400}",
      "{\"id\": 1.5}",
      "{\"id\": \"\"}",
      "{}",
      "{\"id\": \"a\\x\"}",
      "{\"id\": \"a\tb\"}",
      "{\"id\": [1]}",
      "{\"id\": 01}",
      "{\"id\": -}",
      "{\"id\": 1.}",
      "\xff",
      "{\"id\":\"a\":1}", /* a string followed by a colon (found by fuzz_reader_diff) */
      "{\"id\":\"_t\":1,\"d\":2},\"c\":\"d\"}",
      "{\"id\":1:2}",
      "{\"id\":[\"a\":1]}",
  };
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
    arcos_evidence_t a, b;
    arcos_detail_t da, db;
    arcos_detail_clear(&da);
    arcos_detail_clear(&db);
    int ra = arcos_ev_ingest(fast, same[i], strlen(same[i]), &a, &da);
    int rb = arcos_ev_ingest(oracle, same[i], strlen(same[i]), &b, &db);
    CHECK_INT_EQ(ra, rb);
    CHECK_STR_EQ(da.text, db.text);
  }
  /* An integer id of any size is its digits; -0 is 0. */
  const char *big = "{\"id\": -123456789012345678901234567890}";
  arcos_evidence_t ev;
  arcos_detail_t d;
  CHECK_INT_EQ(arcos_ev_ingest(fast, big, strlen(big), &ev, &d), ARCOS_OK);
  CHECK_MEM_EQ(ev.id, ev.id_len, "-123456789012345678901234567890", 31);
  CHECK_INT_EQ(arcos_ev_ingest(fast, "{\"id\": -0}", 10, &ev, &d), ARCOS_OK);
  CHECK_MEM_EQ(ev.id, ev.id_len, "0", 1);
  /* A lone surrogate in the id counts 3 bytes (SPEC §1). */
  CHECK_INT_EQ(arcos_ev_ingest(fast, "{\"id\": \"\\udcff\"}", 16, &ev, &d), ARCOS_OK);
  CHECK_MEM_EQ(ev.id, ev.id_len, "\xed\xb3\xbf", 3);
  arcos_evidence_destroy(&fast);
  arcos_evidence_destroy(&oracle);
}

int main(void) {
  test_format_double();
  test_fieldvals();
  test_many_paths();
  test_verdicts();
  test_fixtures();
  return CHECK_DONE();
}
