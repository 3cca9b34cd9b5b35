/* The per-record reader (src/evidence/fastjson.cpp) through arcos_ev_ingest: the
 * canonical fixtures of tests/data/canonical/ (made by Python), the records Python
 * writes and jansson cannot read (python_cases.tsv, SPEC §1), its float formatting
 * against the C one, the rules' field values, and the texts it hands to jansson. */
#include <float.h>
#include <inttypes.h>
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
#include "fixture.h"

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

/* The printf/strtod search that canonical.c used before it shared the reader's
 * std::to_chars layout: an independent oracle for it. */
static size_t oracle_format_double(double d, char *out) {
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

static void canonical_line(char **fields, const size_t *len, int n, void *arg) {
  (void)len;
  CHECK(n == 2);
  if (n == 2)
    check_record(arg, fields[0], fields[1], NULL);
}

static void python_line(char **fields, const size_t *len, int n, void *arg) {
  (void)len;
  CHECK(n == 3);
  if (n == 3)
    check_record(arg, fields[0], fields[1], fields[2]);
}

static void test_fixtures(void) {
  run_t r = {0};
  r.ctx = arcos_evidence_create(NULL, 0, 1 << 20);
  CHECK(r.ctx != NULL);
  size_t n = for_each_fixture("cases.tsv", 4, canonical_line, &r);
  fprintf(stderr, "fast reader: %zu canonical cases, %zu mismatches\n", n, r.mismatches);
  CHECK(n >= 7000);
  CHECK_INT_EQ(r.mismatches, 0);
  r.mismatches = 0;
  n = for_each_fixture("python_cases.tsv", 4, python_line, &r);
  fprintf(stderr, "fast reader: %zu Python-only cases, %zu mismatches\n", n, r.mismatches);
  CHECK(n >= 18);
  CHECK_INT_EQ(r.mismatches, 0);
  arcos_evidence_destroy(&r.ctx);
  arcos_buf_free(&r.rec);
}

/* std::to_chars (the layout both canonical writers share) against the printf/strtod
 * search above, on random bit patterns (every exponent) and on short decimals. */
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
    size_t na = oracle_format_double(d, a), nb = arcos_format_double(d, b);
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
