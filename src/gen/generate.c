#include "arcos/generate.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "arcos/evidence.h"

/* Records copied into the duplicate pools: the most recent ones (duplicates close by,
 * often in the same batch) and a uniform reservoir sample of all earlier ones
 * (duplicates far away, on other ranks). */
#define GEN_RECENT 256
#define GEN_RESERVOIR 1024

#define DAY 86400
#define DEFAULT_END_TIME INT64_C(1793491200) /* 2026-11-01T00:00:00Z */
#define SPAN_S (730 * (int64_t)DAY)          /* timestamps spread over two years */
#define MAX_RECORDS UINT64_C(1000000000000)
#define MAX_FILES 100000
#define LONG_ID_BYTES 300

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64. Every line draws from
 * its own stream (seed, line), so a line's content does not depend on how many
 * numbers the lines before it used. */
typedef struct {
  uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static void rng_seed(rng_t *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed;
  uint64_t key = splitmix64(&x);
  x = key ^ (stream * UINT64_C(0xD1B54A32D192ED03));
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng_t *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* Uniform in [0, 1) with 53 random bits: exact, so comparisons with a rate are the
 * same everywhere. */
static double rng_unit(rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* Uniform-enough integer in [lo, hi] (modulo bias is below 2^-40 for our ranges). */
static int64_t rng_range(rng_t *r, int64_t lo, int64_t hi) {
  return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static bool rng_chance(rng_t *r, double p) { return rng_unit(r) < p; }

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, arr) ((arr)[rng_next(r) % COUNT_OF(arr)])

static int rng_weighted(rng_t *r, const unsigned *w, int n) {
  unsigned total = 0;
  for (int i = 0; i < n; i++)
    total += w[i];
  /* callers pass constant weight tables with a positive sum */
  // cppcheck-suppress zerodiv
  unsigned x = (unsigned)(rng_next(r) % total); // NOLINT(clang-analyzer-core.DivideZero)
  for (int i = 0; i < n; i++) {
    if (x < w[i])
      return i;
    x -= w[i];
  }
  return n - 1;
}

/* mant / 10^places, correctly rounded: the same double everywhere, printed back as
 * the short decimal it was made from ("86.27", "1e-07"). */
static double dec(int64_t mant, int places) {
  static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
  return (double)mant / p10[places];
}

enum {
  TYPE_TEST_RESULT = 0,
  TYPE_COVERAGE,
  TYPE_SECURITY_SCAN,
  TYPE_STATIC_ANALYSIS,
  TYPE_CODE_REVIEW,
  TYPE_BUILD,
  TYPE_OTHER,
  TYPE_COUNT
};

static const char *const type_names[TYPE_COUNT - 1] = {
    "test_result", "coverage", "security_scan", "static_analysis", "code_review", "build"};
static const unsigned type_weights[TYPE_COUNT] = {35, 20, 15, 12, 9, 8, 1};
static const char *const other_types[] = {"deployment", "fuzzing", "license_check", "performance",
                                          "sbom"};

static const char *const *const type_sources[TYPE_COUNT] = {
    (const char *const[]){"jenkins", "github-actions", "gitlab-ci", "circleci", "buildkite", NULL},
    (const char *const[]){"codecov", "coveralls", "jenkins", "github-actions", NULL},
    (const char *const[]){"snyk", "trivy", "semgrep", "grype", "dependabot", NULL},
    (const char *const[]){"sonarqube", "coverity", "semgrep", "github-actions", NULL},
    (const char *const[]){"github", "gitlab", "gerrit", NULL},
    (const char *const[]){"jenkins", "github-actions", "gitlab-ci", "buildkite", "bazel", NULL},
    (const char *const[]){"argo-cd", "oss-fuzz", "fossa", "custom-collector", NULL},
};

static const char *pick_list(rng_t *r, const char *const *list) {
  size_t n = 0;
  while (list[n] != NULL)
    n++;
  // NOLINTNEXTLINE(clang-analyzer-core.DivideZero): lists are constant, non-empty
  return list[rng_next(r) % n];
}

/* Distinct repeated payloads per record type (--payload-repeat-rate). */
#define GEN_PAYLOADS 16

struct arcos_gen {
  arcos_gen_options_t opt;
  arcos_gen_counts_t counts;
  arcos_evidence_ctx_t *ev; /* SHA-256 through its reused digest context */
  arcos_buf_t canon;        /* canonical text of the current data */
  char seed_text[24];
  int64_t int_id_base;
  /* Duplicate pools: earlier valid records, text and id. */
  struct pool_slot {
    arcos_buf_t text;
    json_int_t int_id; /* the id when it is an integer */
    bool is_int;
    char str_id[64];
    int type;
  } recent[GEN_RECENT], reservoir[GEN_RESERVOIR];
  uint64_t recent_n; /* records put into recent (slot = n % GEN_RECENT) */
  uint64_t pooled;   /* records offered to the reservoir */
  rng_t pool_rng;    /* reservoir replacement decisions */
  /* --payload-repeat-rate: per type, payloads that later records attach again */
  json_t *payloads[TYPE_COUNT][GEN_PAYLOADS];
};

typedef struct pool_slot pool_slot_t;

static void put(json_t *obj, const char *key, json_t *v, int *err) {
  if (json_object_set_new(obj, key, v) != 0)
    *err = 1;
}

static void push(json_t *arr, json_t *v, int *err) {
  if (json_array_append_new(arr, v) != 0)
    *err = 1;
}

/* Short strings built from pieces: the hot path avoids snprintf. */
typedef struct {
  char s[120];
  size_t n;
} sb_t;

static void sb_str(sb_t *b, const char *s) {
  size_t k = strlen(s);
  if (k > sizeof b->s - 1 - b->n)
    k = sizeof b->s - 1 - b->n;
  memcpy(b->s + b->n, s, k);
  b->n += k;
}

static void sb_u64(sb_t *b, uint64_t v) {
  char tmp[20];
  int k = 0;
  do {
    tmp[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (k > 0 && b->n < sizeof b->s - 1)
    b->s[b->n++] = tmp[--k];
}

static json_t *sb_json(const sb_t *b) { return json_stringn(b->s, b->n); }

static json_t *data_test_result(rng_t *r, int *err) {
  static const char *const suites[] = {"unit",       "integration", "e2e",
                                       "regression", "smoke",       "performance"};
  static const char *const modules[] = {"auth",      "api",     "storage", "parser",
                                        "scheduler", "billing", "ui",      "crypto"};
  static const char *const features[] = {"login",  "retry",   "timeout", "roundtrip",
                                         "limits", "unicode", "cache",   "migration"};
  static const unsigned retry_w[] = {85, 10, 4, 1};
  json_t *d = json_object();
  const char *module = PICK(r, modules);
  put(d, "suite", json_string(PICK(r, suites)), err);
  sb_t t = {0};
  sb_str(&t, "tests/");
  sb_str(&t, module);
  sb_str(&t, "/test_");
  sb_str(&t, module);
  sb_str(&t, ".py::test_");
  sb_str(&t, PICK(r, features));
  sb_str(&t, "_");
  sb_u64(&t, (uint64_t)rng_range(r, 1, 400));
  put(d, "test", sb_json(&t), err);
  put(d, "passed", json_boolean(rng_chance(r, 0.85)), err);
  put(d, "duration_ms", json_real(dec(rng_range(r, 1, 600000000), 3)), err);
  put(d, "retries", json_integer(rng_weighted(r, retry_w, 4)), err);
  if (rng_chance(r, 0.10)) {
    /* one draw per statement: argument evaluation order is unspecified in C */
    int64_t mant = rng_range(r, 1, 99);
    int places = 7 + (int)rng_range(r, 0, 2);
    put(d, "flakiness", json_real(dec(mant, places)), err);
  }
  return d;
}

static json_t *data_coverage(rng_t *r, int *err) {
  json_t *d = json_object();
  put(d, "line_coverage", json_real(dec(rng_range(r, 2000, 9900), 2)), err);
  put(d, "branch_coverage",
      json_real(rng_chance(r, 0.10) ? 100.0 : dec(rng_range(r, 1000, 9999), 2)), err);
  put(d, "files", json_integer(rng_range(r, 5, 2000)), err);
  put(d, "lines_total", json_integer(rng_range(r, 200, 500000)), err);
  if (rng_chance(r, 0.5))
    put(d, "delta", json_real(dec(rng_range(r, -50, 50), 1)), err);
  return d;
}

static json_t *data_security_scan(rng_t *r, const char *source, int *err) {
  static const char *const scanners[] = {"snyk", "trivy", "semgrep", "grype"};
  static const char *const packages[] = {"openssl", "log4j-core", "lodash",           "urllib3",
                                         "zlib",    "glibc",      "jackson-databind", "requests"};
  static const char *const sev[] = {"critical", "high", "medium", "low"};
  static const unsigned crit_w[] = {70, 20, 7, 3}, high_w[] = {50, 25, 15, 10};
  json_t *d = json_object();
  int critical = rng_weighted(r, crit_w, 4);
  int high = rng_weighted(r, high_w, 4) * 3;
  int64_t medium = rng_range(r, 0, 30), low = rng_range(r, 0, 50);
  bool known = false;
  for (size_t i = 0; i < COUNT_OF(scanners); i++)
    known = known || strcmp(source, scanners[i]) == 0;
  put(d, "scanner", json_string(known ? source : PICK(r, scanners)), err);
  put(d, "critical", json_integer(critical), err);
  put(d, "high", json_integer(high), err);
  put(d, "medium", json_integer(medium), err);
  put(d, "low", json_integer(low), err);
  json_t *findings = json_array();
  int nf = critical + high < 4 ? critical + high : 4;
  if (nf == 0 && medium > 0 && rng_chance(r, 0.5))
    nf = 1;
  for (int i = 0; i < nf; i++) {
    json_t *f = json_object();
    const char *s = i < critical ? sev[0] : i < critical + high ? sev[1] : sev[2];
    sb_t cve = {0};
    sb_str(&cve, "CVE-");
    sb_u64(&cve, (uint64_t)rng_range(r, 2018, 2026));
    sb_str(&cve, "-");
    sb_u64(&cve, (uint64_t)rng_range(r, 1000, 49999));
    put(f, "cve", sb_json(&cve), err);
    put(f, "severity", json_string(s), err);
    put(f, "package", json_string(PICK(r, packages)), err);
    put(f, "cvss", json_real(dec(rng_range(r, 40, 100), 1)), err);
    push(findings, f, err);
  }
  put(d, "findings", findings, err);
  return d;
}

static json_t *data_static_analysis(rng_t *r, const char *source, int *err) {
  static const char *const tools[] = {"sonarqube", "coverity", "semgrep", "clang-tidy",
                                      "cppcheck",  "pylint",   "eslint"};
  /* Mixed case, punctuation and non-ASCII, inserted in random order: the canonical
   * form must sort them by code point. */
  static const char *const rules[] = {
      "unused-variable",
      "B101",
      "cognitive-complexity",
      "CWE-476",
      "no-eval",
      "r\303\250gle-accentu\303\251e", /* octal: \xA9e would read as one escape */
      "_private-access",
      "Z-last",
      "bugprone-use-after-move",
      "a11y-alt-text"};
  json_t *d = json_object();
  bool known = false;
  for (size_t i = 0; i < COUNT_OF(tools); i++)
    known = known || strcmp(source, tools[i]) == 0;
  put(d, "tool", json_string(known ? source : PICK(r, tools)), err);
  put(d, "warnings", json_integer(rng_range(r, 0, 500)), err);
  put(d, "errors", json_integer(rng_weighted(r, (const unsigned[]){60, 25, 10, 5}, 4) * 5), err);
  json_t *rm = json_object();
  int64_t n = rng_range(r, 1, 4);
  size_t start = rng_next(r) % COUNT_OF(rules);
  for (int64_t i = 0; i < n; i++)
    put(rm, rules[(start + (size_t)i * 3) % COUNT_OF(rules)], json_integer(rng_range(r, 1, 40)),
        err);
  put(d, "rules", rm, err);
  put(d, "debt_ratio", json_real(dec(rng_range(r, 0, 1000), 3)), err);
  return d;
}

static json_t *data_code_review(rng_t *r, int *err) {
  static const char *const reviewers[] = {"alice",
                                          "bob",
                                          "carol",
                                          "dave",
                                          "Jos\xC3\xA9",
                                          "Zo\xC3\xAB",
                                          "\xE6\x9D\x8E\xE9\x9B\xB7",
                                          "\xC3\x86r\xC3\xB8sk\xC3\xB8\x62ing",
                                          "\xF0\x9F\x98\x80 review-bot",
                                          "\xC5\x81ukasz"};
  static const char *const summaries[] = {
      "LGTM", "Looks good, minor nits.", "Please add tests for the error path.",
      "LGTM \"ship it\"\n- fixed nit in C:\\src\\main.c\ttabs/spaces",
      "Needs another pass: see https://example.org/review/1234"};
  json_t *d = json_object();
  put(d, "reviewer", json_string(PICK(r, reviewers)), err);
  put(d, "approved", json_boolean(rng_chance(r, 0.8)), err);
  put(d, "comments", json_integer(rng_range(r, 0, 25)), err);
  put(d, "pr", json_integer(rng_range(r, 1, 20000)), err);
  put(d, "summary", json_string(PICK(r, summaries)), err);
  return d;
}

static json_t *data_build(rng_t *r, int *err) {
  static const char *const status[] = {"success", "failure", "unstable"};
  static const unsigned status_w[] = {80, 15, 5};
  json_t *d = json_object();
  put(d, "status", json_string(status[rng_weighted(r, status_w, 3)]), err);
  put(d, "duration_s", json_real(dec(rng_range(r, 1000, 3600000), 3)), err);
  json_t *arts = json_array();
  int64_t n = rng_range(r, 0, 3);
  uint64_t first = rng_next(r) % 3;
  for (int64_t i = 0; i < n; i++) {
    switch ((first + (uint64_t)i) % 3) {
    case 0: {
      sb_t a = {0};
      sb_str(&a, "app-");
      sb_u64(&a, (uint64_t)rng_range(r, 0, 9));
      sb_str(&a, ".");
      sb_u64(&a, (uint64_t)rng_range(r, 0, 30));
      sb_str(&a, ".");
      sb_u64(&a, (uint64_t)rng_range(r, 0, 99));
      sb_str(&a, ".tar.gz");
      push(arts, sb_json(&a), err);
      break;
    }
    case 1:
      push(arts, json_string("sbom.spdx.json"), err);
      break;
    default:
      push(arts, json_string("coverage/lcov.info"), err);
      break;
    }
  }
  put(d, "artifacts", arts, err);
  return d;
}

static json_t *data_other(rng_t *r, int *err) {
  json_t *d;
  switch (rng_next(r) % 4) {
  case 0:
    d = json_string("see attached report");
    break;
  case 1:
    d = json_array();
    push(d, json_integer(rng_range(r, 0, 100)), err);
    push(d, json_real(dec(rng_range(r, 1, 9), 7)), err);
    push(d, json_real(100.0), err);
    push(d, json_null(), err);
    break;
  case 2:
    d = json_real(dec(rng_range(r, 0, 1000), 1));
    break;
  default:
    d = json_object();
    put(d, "note", json_string("collected by a custom probe"), err);
    put(d, "value", json_real(dec(rng_range(r, 1, 1000), 1)), err);
    put(d, "ok", json_boolean(rng_chance(r, 0.5)), err);
    break;
  }
  return d;
}

/* --payload-bytes: a per-file "details" list, as a coverage or test report carries,
 * until the payload is about `bytes` long (each entry is ~64 bytes of JSON). */
static void pad_payload(json_t *d, rng_t *r, uint64_t bytes, int *err) {
  json_t *list = json_array();
  uint64_t entries = bytes / 64;
  for (uint64_t i = 0; i < entries; i++) {
    json_t *f = json_object();
    sb_t path = {0};
    sb_str(&path, "src/module_");
    sb_u64(&path, (uint64_t)rng_range(r, 0, 40));
    sb_str(&path, "/file_");
    sb_u64(&path, i);
    sb_str(&path, ".c");
    put(f, "path", json_stringn(path.s, path.n), err);
    put(f, "lines", json_integer(rng_range(r, 10, 4000)), err);
    put(f, "covered", json_integer(rng_range(r, 0, 4000)), err);
    if (json_array_append_new(list, f) != 0)
      *err = 1;
  }
  put(d, "details", list, err);
}

/* Empty payloads cost completeness points (SPEC §2) but are still records. */
static json_t *data_empty(rng_t *r) {
  switch (rng_next(r) % 4) {
  case 0:
    return json_null();
  case 1:
    return json_object();
  case 2:
    return json_array();
  default:
    return json_string("");
  }
}

/* What a record turned out to be, for the counts. */
typedef struct {
  int type;
  bool verified, tampered, no_checksum, clock_skew, invalid_timestamp;
} rec_info_t;

/* Record text is compact JSON in jansson's JSON_COMPACT layout (members in insertion
 * order, strings in UTF-8) with reals as Python's repr(). The envelope is written
 * straight into the line and only `data`, which the checksum needs as a tree, goes
 * through jansson: building and dumping whole records with jansson held the generator
 * to ~60k records/s. */
static void put_json_string(arcos_buf_t *b, const char *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  char *o = b->data + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') {
      *o++ = (char)c;
      continue;
    }
    *o++ = '\\';
    switch (c) {
    case '"':
    case '\\':
      *o++ = (char)c;
      break;
    case '\b':
      *o++ = 'b';
      break;
    case '\f':
      *o++ = 'f';
      break;
    case '\n':
      *o++ = 'n';
      break;
    case '\r':
      *o++ = 'r';
      break;
    case '\t':
      *o++ = 't';
      break;
    default:
      memcpy(o, "u00", 3); // NOLINT(bugprone-not-null-terminated-result): 3 bytes of 6
      o[3] = hex[c >> 4];
      o[4] = hex[c & 15];
      o += 5;
      break;
    }
  }
  *o++ = '"';
  b->len = (size_t)(o - b->data);
}

static void put_json_integer(arcos_buf_t *b, json_int_t v) {
  char tmp[24];
  int n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0)
    tmp[n++] = '-';
  char *o = b->data + b->len;
  while (n > 0)
    *o++ = tmp[--n];
  b->len = (size_t)(o - b->data);
}

static int put_json(arcos_buf_t *b, const json_t *v) {
  /* Room for the largest scalar; strings reserve their own worst case. */
  if (arcos_buf_reserve(b, 48) != ARCOS_OK)
    return ARCOS_ENOMEM;
  switch (json_typeof(v)) {
  case JSON_OBJECT: {
    const char *key;
    const json_t *member;
    bool first = true;
    b->data[b->len++] = '{';
    json_object_foreach((json_t *)v, key, member) {
      size_t klen = strlen(key);
      if (arcos_buf_reserve(b, 6 * klen + 4) != ARCOS_OK)
        return ARCOS_ENOMEM;
      if (!first)
        b->data[b->len++] = ',';
      first = false;
      put_json_string(b, key, klen);
      b->data[b->len++] = ':';
      if (put_json(b, member) != ARCOS_OK)
        return ARCOS_ENOMEM;
    }
    return arcos_buf_putc(b, '}');
  }
  case JSON_ARRAY: {
    b->data[b->len++] = '[';
    for (size_t i = 0; i < json_array_size(v); i++) {
      if (i > 0 && arcos_buf_putc(b, ',') != ARCOS_OK)
        return ARCOS_ENOMEM;
      if (put_json(b, json_array_get(v, i)) != ARCOS_OK)
        return ARCOS_ENOMEM;
    }
    return arcos_buf_putc(b, ']');
  }
  case JSON_STRING: {
    size_t n = json_string_length(v);
    if (arcos_buf_reserve(b, 6 * n + 2) != ARCOS_OK)
      return ARCOS_ENOMEM;
    put_json_string(b, json_string_value(v), n);
    break;
  }
  case JSON_INTEGER:
    put_json_integer(b, json_integer_value(v));
    break;
  case JSON_REAL:
    /* every generated real is finite */
    b->len += arcos_format_double(json_real_value(v), b->data + b->len);
    break;
  case JSON_TRUE:
    memcpy(b->data + b->len, "true", 4);
    b->len += 4;
    break;
  case JSON_FALSE:
    memcpy(b->data + b->len, "false", 5);
    b->len += 5;
    break;
  case JSON_NULL:
    memcpy(b->data + b->len, "null", 4);
    b->len += 4;
    break;
  }
  return arcos_buf_terminate(b);
}

/* Writes one record's members in order; the first error sticks. */
typedef struct {
  arcos_buf_t *b;
  bool open; /* the '{' is written */
  int err;
} rec_writer_t;

static void w_raw(rec_writer_t *w, const char *s, size_t n) {
  if (arcos_buf_append(w->b, s, n) != ARCOS_OK)
    w->err = 1;
}

#define W_LIT(w, lit) w_raw((w), (lit), sizeof(lit) - 1)

/* keys are plain ASCII */
static void w_key(rec_writer_t *w, const char *key) {
  w_raw(w, w->open ? ",\"" : "{\"", 2);
  w->open = true;
  w_raw(w, key, strlen(key));
  W_LIT(w, "\":");
}

static void w_str(rec_writer_t *w, const char *s) {
  size_t n = strlen(s);
  if (arcos_buf_reserve(w->b, 6 * n + 2) != ARCOS_OK) {
    w->err = 1;
    return;
  }
  put_json_string(w->b, s, n);
}

static void w_int(rec_writer_t *w, json_int_t v) {
  if (arcos_buf_reserve(w->b, 24) != ARCOS_OK) {
    w->err = 1;
    return;
  }
  put_json_integer(w->b, v);
}

static void w_value(rec_writer_t *w, const json_t *v) {
  if (v == NULL || put_json(w->b, v) != ARCOS_OK)
    w->err = 1;
}

static void w_end(rec_writer_t *w) {
  if (w->open)
    W_LIT(w, "}");
  else
    W_LIT(w, "{}");
}

/* v as exactly `width` decimal digits at text[at]; returns the position after them. */
static size_t put_digits(char *text, size_t at, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; i--) {
    text[at + (size_t)i] = (char)('0' + v % 10);
    v /= 10;
  }
  return at + (size_t)width;
}

static void w_timestamp(rec_writer_t *w, rng_t *r, int64_t end_time, rec_info_t *info) {
  static const char *const invalid[] = {"yesterday", "2026/03/01 12:00:00", "13/01/2026", "",
                                        "2026-13-45T10:00:00Z"};
  static const int offsets_min[] = {120, -300, 330, 540, -420};
  char text[48];
  w_key(w, "timestamp");
  if (rng_chance(r, 0.003)) {
    info->invalid_timestamp = true;
    if (rng_chance(r, 0.2))
      w_int(w, end_time - rng_range(r, DAY, SPAN_S)); /* epoch number */
    else
      w_str(w, PICK(r, invalid));
    return;
  }
  int64_t t;
  if (rng_chance(r, 0.005)) {
    t = end_time + rng_range(r, 2 * DAY, 10 * DAY);
    info->clock_skew = true;
  } else {
    t = end_time - rng_range(r, 1, SPAN_S);
  }
  double u = rng_unit(r);
  if (u < 0.80) {
    arcos_rfc3339_format(t, text);
  } else if (u < 0.90) {
    arcos_rfc3339_format(t, text);
    size_t n = strlen(text) - 1; /* drop the Z */
    int digits = rng_chance(r, 0.5) ? 3 : 6;
    text[n++] = '.';
    n = put_digits(text, n, (uint64_t)rng_range(r, 0, digits == 3 ? 999 : 999999), digits);
    memcpy(text + n, "Z", 2);
  } else {
    int off = PICK(r, offsets_min);
    arcos_rfc3339_format(t + (int64_t)off * 60, text);
    size_t n = strlen(text) - 1;
    int a = off < 0 ? -off : off;
    text[n++] = off < 0 ? '-' : '+';
    n = put_digits(text, n, (uint64_t)(a / 60), 2);
    text[n++] = ':';
    n = put_digits(text, n, (uint64_t)(a % 60), 2);
    text[n] = '\0';
  }
  w_str(w, text);
}

static void w_provenance(rec_writer_t *w, rng_t *r, const char *source) {
  static const char *const pipelines[] = {"main", "nightly", "release", "pr-check"};
  double u = rng_unit(r);
  if (u < 0.05)
    return; /* no provenance member */
  w_key(w, "provenance");
  if (u < 0.75) {
    if (rng_chance(r, 0.6))
      W_LIT(w, "{\"collector\":");
    else
      W_LIT(w, "{\"tool\":");
    w_str(w, source);
    W_LIT(w, ",\"pipeline\":");
    w_str(w, PICK(r, pipelines));
    W_LIT(w, ",\"run_id\":");
    w_int(w, rng_range(r, 1, 9999999));
    W_LIT(w, "}");
  } else if (u < 0.90) {
    W_LIT(w, "{\"pipeline\":");
    w_str(w, PICK(r, pipelines));
    static const char hex[] = "0123456789abcdef";
    char commit[41];
    for (int i = 0; i < 40; i += 8) {
      uint32_t x = (uint32_t)rng_next(r);
      for (int k = 7; k >= 0; k--, x >>= 4)
        commit[i + k] = hex[x & 15];
    }
    commit[40] = '\0';
    W_LIT(w, ",\"commit\":");
    w_str(w, commit);
    W_LIT(w, "}");
  } else {
    W_LIT(w, "{}");
  }
}

static int checksum_of(arcos_gen_t *g, const json_t *data, char hex[65]) {
  arcos_buf_reset(&g->canon);
  int rc = arcos_canonical_append(&g->canon, data);
  if (rc == ARCOS_OK)
    rc = arcos_ev_sha256_hex(g->ev, g->canon.data, g->canon.len, hex);
  return rc;
}

/* Append a full record to w. id_text is the JSON text of the id (NULL: no id member);
 * type -1 draws one. */
static void write_record(arcos_gen_t *g, rng_t *r, const char *id_text, size_t id_len, int type,
                         rec_info_t *info, rec_writer_t *w) {
  memset(info, 0, sizeof *info);
  if (type < 0)
    type = rng_weighted(r, type_weights, TYPE_COUNT);
  info->type = type;
  const char *source = pick_list(r, type_sources[type]);
  if (id_text != NULL) {
    w_key(w, "id");
    w_raw(w, id_text, id_len);
  }
  if (!rng_chance(r, 0.002)) {
    w_key(w, "type");
    w_str(w, type == TYPE_OTHER ? PICK(r, other_types) : type_names[type]);
  }
  double su = rng_unit(r);
  if (su >= 0.005) {
    w_key(w, "source");
    w_str(w, su >= 0.007 ? source : "");
  }
  w_timestamp(w, r, g->opt.end_time, info);

  int err = 0;
  json_t *data = NULL;
  /* A repeated payload: one of the type's GEN_PAYLOADS, made by the first record that
   * draws its slot (no draws at all without --payload-repeat-rate: same bytes as before). */
  json_t **slot = NULL;
  if (g->opt.payload_repeat_rate > 0 && rng_chance(r, g->opt.payload_repeat_rate)) {
    slot = &g->payloads[type][rng_next(r) % GEN_PAYLOADS];
    if (*slot != NULL)
      data = json_incref(*slot);
  }
  if (data != NULL) {
    /* the pooled payload */
  } else if (rng_chance(r, 0.003)) {
    data = data_empty(r);
  } else {
    switch (type) {
    case TYPE_TEST_RESULT:
      data = data_test_result(r, &err);
      break;
    case TYPE_COVERAGE:
      data = data_coverage(r, &err);
      break;
    case TYPE_SECURITY_SCAN:
      data = data_security_scan(r, source, &err);
      break;
    case TYPE_STATIC_ANALYSIS:
      data = data_static_analysis(r, source, &err);
      break;
    case TYPE_CODE_REVIEW:
      data = data_code_review(r, &err);
      break;
    case TYPE_BUILD:
      data = data_build(r, &err);
      break;
    default:
      data = data_other(r, &err);
      break;
    }
  }
  if (g->opt.payload_bytes > 0 && json_is_object(data) && (slot == NULL || *slot == NULL))
    pad_payload(data, r, g->opt.payload_bytes, &err);
  if (slot != NULL && *slot == NULL && data != NULL)
    *slot = json_incref(data);
  if (err)
    w->err = 1;
  w_key(w, "data");
  w_value(w, data);

  w_provenance(w, r, source);

  double cu = rng_unit(r);
  if (cu < 0.10) {
    info->no_checksum = true;
  } else {
    char hex[65];
    if (data == NULL || checksum_of(g, data, hex) != ARCOS_OK) {
      w->err = 1;
      memset(hex, '0', 64);
      hex[64] = '\0';
    }
    if (cu < 0.10 + g->opt.tamper_rate) {
      int pos = (int)(rng_next(r) % 64);
      int d = hex[pos] <= '9' ? hex[pos] - '0' : hex[pos] - 'a' + 10;
      d = (d + 1 + (int)(rng_next(r) % 15)) % 16;
      hex[pos] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
      info->tampered = true;
    } else {
      info->verified = true;
    }
    w_key(w, "checksum");
    w_str(w, hex);
  }
  json_decref(data);

  /* Members a reader must keep and ignore. */
  if (rng_chance(r, 0.03)) {
    w_key(w, "schema_version");
    W_LIT(w, "2");
  }
  if (rng_chance(r, 0.02)) {
    w_key(w, "tags");
    if (rng_chance(r, 0.5))
      W_LIT(w, "[\"ci\",\"main\"]");
    else
      W_LIT(w, "[\"ci\",\"nightly\"]");
  }
  w_end(w);
}

static void pool_store(pool_slot_t *s, const arcos_buf_t *text, const pool_slot_t *id, int *err) {
  arcos_buf_reset(&s->text);
  if (arcos_buf_append(&s->text, text->data, text->len) != ARCOS_OK)
    *err = 1;
  s->is_int = id->is_int;
  s->int_id = id->int_id;
  memcpy(s->str_id, id->str_id, sizeof s->str_id);
  s->type = id->type;
}

/* Offer a new valid record (text, and id and type in *id) to both pools. */
static void pool_add(arcos_gen_t *g, const arcos_buf_t *text, const pool_slot_t *id, int *err) {
  pool_store(&g->recent[g->recent_n++ % GEN_RECENT], text, id, err);
  uint64_t seen = ++g->pooled;
  if (seen <= GEN_RESERVOIR) {
    pool_store(&g->reservoir[seen - 1], text, id, err);
  } else {
    uint64_t j = rng_next(&g->pool_rng) % seen;
    if (j < GEN_RESERVOIR)
      pool_store(&g->reservoir[j], text, id, err);
  }
}

static const pool_slot_t *pool_pick(arcos_gen_t *g, rng_t *r) {
  if (g->pooled == 0)
    return NULL;
  if (rng_chance(r, 0.5)) {
    uint64_t n = g->pooled < GEN_RESERVOIR ? g->pooled : GEN_RESERVOIR;
    return &g->reservoir[rng_next(r) % n];
  }
  uint64_t n = g->recent_n < GEN_RECENT ? g->recent_n : GEN_RECENT;
  /* slot of the k-th most recent record */
  uint64_t k = rng_next(r) % n;
  return &g->recent[(g->recent_n - 1 - k) % GEN_RECENT];
}

/* Weights of the bad kinds, ARCOS_GEN_BAD_TRUNCATED onwards. */
static const unsigned bad_weights[] = {15, 10, 10, 6, 5, 5, 13, 8, 7, 6, 7, 8};

static int bad_line(arcos_gen_t *g, rng_t *r, uint64_t n, arcos_buf_t *line,
                    arcos_gen_kind_t *kind_out) {
  unsigned wt[COUNT_OF(bad_weights)];
  memcpy(wt, bad_weights, sizeof wt);
  if (g->opt.format == ARCOS_GEN_JSON || g->opt.format == ARCOS_GEN_ITEMS)
    wt[0] = wt[1] = wt[2] = 0; /* a parse error would break the whole array */
  arcos_gen_kind_t kind = (arcos_gen_kind_t)(ARCOS_GEN_BAD_TRUNCATED +
                                             rng_weighted(r, wt, (int)COUNT_OF(wt)));
  *kind_out = kind;

  switch (kind) {
  case ARCOS_GEN_BAD_NOT_JSON: {
    static const char *const texts[] = {
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        "Traceback (most recent call last):", "{'id': 'bad', 'type': 'build'}", "undefined",
        "{\"type\": \"build\", \"data\": }"};
    const char *t = PICK(r, texts);
    return arcos_buf_append(line, t, strlen(t));
  }
  case ARCOS_GEN_BAD_NUMBER: {
    static const char *const texts[] = {"42", "-3.5", "0"};
    const char *t = PICK(r, texts);
    return arcos_buf_append(line, t, strlen(t));
  }
  case ARCOS_GEN_BAD_STRING: {
    static const char *const texts[] = {"\"evidence\"", "\"bad record\"", "\"\""};
    const char *t = PICK(r, texts);
    return arcos_buf_append(line, t, strlen(t));
  }
  default:
    break;
  }

  /* The id member's text: one that no valid line carries, or no usable id at all. */
  char bad_id[64], id_text[LONG_ID_BYTES + 3];
  int bad_len = snprintf(bad_id, sizeof bad_id, "bad-%s-%" PRIu64, g->seed_text, n);
  size_t id_len = 0;
  bool has_id = true;
  switch (kind) {
  case ARCOS_GEN_BAD_MISSING_ID:
    has_id = false;
    break;
  case ARCOS_GEN_BAD_ID_NULL:
    id_len = (size_t)snprintf(id_text, sizeof id_text, "null");
    break;
  case ARCOS_GEN_BAD_ID_FLOAT:
    id_len = arcos_format_double(dec((int64_t)n * 10 + 5, 1), id_text);
    break;
  case ARCOS_GEN_BAD_ID_BOOL:
    id_len = (size_t)snprintf(id_text, sizeof id_text, rng_chance(r, 0.5) ? "true" : "false");
    break;
  case ARCOS_GEN_BAD_ID_EMPTY:
    id_len = (size_t)snprintf(id_text, sizeof id_text, "\"\"");
    break;
  case ARCOS_GEN_BAD_ID_TOO_LONG:
    memset(id_text, 'x', LONG_ID_BYTES + 2);
    id_text[0] = '"';
    memcpy(id_text + 1, bad_id, (size_t)bad_len);
    id_text[1 + bad_len] = '-';
    id_text[LONG_ID_BYTES + 1] = '"';
    id_len = LONG_ID_BYTES + 2;
    break;
  default: /* truncated, trailing garbage, wrapped in an array */
    id_len = (size_t)snprintf(id_text, sizeof id_text, "\"%s\"", bad_id);
    break;
  }

  rec_info_t info;
  rec_writer_t w = {line, false, 0};
  if (kind == ARCOS_GEN_BAD_ARRAY) {
    if (rng_chance(r, 0.5))
      return arcos_buf_append(line, "[1,2,3]", 7);
    W_LIT(&w, "[");
    write_record(g, r, id_text, id_len, -1, &info, &w);
    W_LIT(&w, "]");
    return w.err ? ARCOS_ENOMEM : ARCOS_OK;
  }
  write_record(g, r, has_id ? id_text : NULL, id_len, -1, &info, &w);
  if (w.err)
    return ARCOS_ENOMEM;
  if (kind == ARCOS_GEN_BAD_TRUNCATED) {
    /* Any proper prefix of an object is invalid JSON; cut between UTF-8 characters so
     * the file stays valid text. */
    size_t cut = (size_t)rng_range(r, 1, (int64_t)line->len - 1);
    while (cut > 1 && ((unsigned char)line->data[cut] & 0xC0) == 0x80)
      cut--;
    line->len = cut;
    line->data[cut] = '\0';
  } else if (kind == ARCOS_GEN_BAD_TRAILING) {
    static const char *const tails[] = {"}", " trailing-garbage", ",", "]", "x"};
    const char *t = PICK(r, tails);
    return arcos_buf_append(line, t, strlen(t));
  }
  return ARCOS_OK;
}

static void count_record(arcos_gen_counts_t *c, const rec_info_t *info) {
  c->unique_ids++;
  c->types[info->type]++;
  c->verified += info->verified;
  c->tampered += info->tampered;
  c->no_checksum += info->no_checksum;
  c->clock_skew += info->clock_skew;
  c->invalid_timestamp += info->invalid_timestamp;
}

int arcos_gen_next(arcos_gen_t *g, arcos_buf_t *line, arcos_gen_line_t *info) {
  if (g->counts.lines >= g->opt.records)
    return ARCOS_ERANGE;
  uint64_t n = g->counts.lines + 1;
  rng_t r;
  rng_seed(&r, g->opt.seed, n);
  arcos_buf_reset(line);
  int rc = arcos_buf_terminate(line);
  if (rc != ARCOS_OK)
    return rc;

  arcos_gen_kind_t kind;
  rec_writer_t w = {line, false, 0};
  rec_info_t ri;
  sb_t id = {0};
  double u = rng_unit(&r);
  const pool_slot_t *dup = NULL;
  if (u < g->opt.bad_rate) {
    rc = bad_line(g, &r, n, line, &kind);
  } else if (u < g->opt.bad_rate + g->opt.duplicate_rate && (dup = pool_pick(g, &r)) != NULL) {
    if (rng_chance(&r, 0.5)) {
      kind = ARCOS_GEN_DUP_EXACT;
      rc = arcos_buf_append(line, dup->text.data, dup->text.len);
    } else {
      /* Same id, other content. An integer id is sometimes repeated as its decimal
       * string, which is the same id after normalisation (SPEC §1). */
      kind = ARCOS_GEN_DUP_CHANGED;
      bool quoted = !dup->is_int || rng_chance(&r, 0.5);
      if (quoted)
        sb_str(&id, "\"");
      if (dup->is_int)
        sb_u64(&id, (uint64_t)dup->int_id);
      else
        sb_str(&id, dup->str_id);
      if (quoted)
        sb_str(&id, "\"");
      write_record(g, &r, id.s, id.n, dup->type, &ri, &w);
      rc = w.err ? ARCOS_ENOMEM : ARCOS_OK;
    }
  } else {
    kind = ARCOS_GEN_RECORD;
    pool_slot_t key = {.is_int = rng_chance(&r, 0.03)};
    if (key.is_int) {
      key.int_id = g->int_id_base + (json_int_t)n;
      sb_u64(&id, (uint64_t)key.int_id);
    } else {
      sb_str(&id, "\"ev-");
      sb_str(&id, g->seed_text);
      sb_str(&id, "-");
      sb_u64(&id, n);
      sb_str(&id, "\"");
      /* without the quotes; "ev-" + 2 numbers is at most 43 bytes */
      size_t k = id.n - 2 < sizeof key.str_id ? id.n - 2 : sizeof key.str_id - 1;
      memcpy(key.str_id, id.s + 1, k);
      key.str_id[k] = '\0';
    }
    write_record(g, &r, id.s, id.n, -1, &ri, &w);
    key.type = ri.type;
    int err = w.err;
    if (!err)
      pool_add(g, line, &key, &err);
    rc = err ? ARCOS_ENOMEM : ARCOS_OK;
    if (rc == ARCOS_OK)
      count_record(&g->counts, &ri);
  }
  if (rc != ARCOS_OK)
    return rc;

  arcos_gen_counts_t *c = &g->counts;
  c->lines = n;
  c->kinds[kind]++;
  if (kind == ARCOS_GEN_DUP_EXACT || kind == ARCOS_GEN_DUP_CHANGED)
    c->duplicates++;
  else if (arcos_gen_kind_is_parse_error((int)kind))
    c->bad_parse++;
  else if (arcos_gen_kind_is_bad((int)kind))
    c->bad_invalid++;
  if (info != NULL) {
    info->kind = kind;
    info->line = n;
  }
  return ARCOS_OK;
}

void arcos_gen_options_default(arcos_gen_options_t *opt) {
  memset(opt, 0, sizeof *opt);
  opt->records = 0;
  opt->duplicate_rate = 0.05;
  opt->bad_rate = 0.01;
  opt->tamper_rate = 0.02;
  opt->seed = 1;
  opt->format = ARCOS_GEN_JSONL;
  opt->files = 1;
  opt->end_time = DEFAULT_END_TIME;
  opt->graph_kind = ARCOS_GEN_GRAPH_ASSURANCE;
  opt->scale = 16;
  opt->edge_factor = 16;
}

arcos_gen_t *arcos_gen_create(const arcos_gen_options_t *opt) {
  arcos_gen_t *g = calloc(1, sizeof *g);
  if (g == NULL)
    return NULL;
  g->opt = *opt;
  arcos_scoring_t scoring;
  arcos_scoring_defaults(&scoring);
  g->ev = arcos_evidence_create(&scoring, opt->end_time, 1 << 20);
  if (g->ev == NULL) {
    free(g);
    return NULL;
  }
  snprintf(g->seed_text, sizeof g->seed_text, "%" PRIu64, opt->seed);
  /* Integer ids of different seeds do not meet: seed s uses s*10^9 + line. */
  g->int_id_base = (json_int_t)(opt->seed % 1000000) * 1000000000;
  rng_seed(&g->pool_rng, opt->seed, 0);
  return g;
}

void arcos_gen_destroy(arcos_gen_t **gen) {
  if (gen == NULL || *gen == NULL)
    return;
  arcos_gen_t *g = *gen;
  for (size_t i = 0; i < GEN_RECENT; i++)
    arcos_buf_free(&g->recent[i].text);
  for (size_t i = 0; i < GEN_RESERVOIR; i++)
    arcos_buf_free(&g->reservoir[i].text);
  arcos_buf_free(&g->canon);
  arcos_evidence_destroy(&g->ev);
  for (int t = 0; t < TYPE_COUNT; t++)
    for (int k = 0; k < GEN_PAYLOADS; k++)
      json_decref(g->payloads[t][k]);
  free(g);
  *gen = NULL;
}

const arcos_gen_counts_t *arcos_gen_counts(const arcos_gen_t *gen) { return &gen->counts; }

static const char *const kind_names[ARCOS_GEN_KIND_COUNT] = {
    "record",     "duplicate_exact",  "duplicate_changed",
    "truncated",  "trailing_garbage", "not_json",
    "array",      "number",           "string",
    "missing_id", "id_null",          "id_float",
    "id_bool",    "id_empty",         "id_too_long"};

const char *arcos_gen_kind_name(int kind) {
  return kind >= 0 && kind < ARCOS_GEN_KIND_COUNT ? kind_names[kind] : "unknown";
}

bool arcos_gen_kind_is_parse_error(int kind) {
  return kind >= ARCOS_GEN_BAD_TRUNCATED && kind <= ARCOS_GEN_BAD_NOT_JSON;
}

bool arcos_gen_kind_is_bad(int kind) {
  return kind >= ARCOS_GEN_BAD_TRUNCATED && kind < ARCOS_GEN_KIND_COUNT;
}

static const char *const format_names[] = {"jsonl", "jsonl.gz", "json", "items"};
static const char *const format_exts[] = {".jsonl", ".jsonl.gz", ".json", ".json"};

const char *arcos_gen_format_name(int format) {
  return format >= 0 && format < 4 ? format_names[format] : "unknown";
}

const char *arcos_gen_format_extension(int format) {
  return format >= 0 && format < 4 ? format_exts[format] : "";
}

uint64_t arcos_gen_file_records(const arcos_gen_options_t *opt, int index) {
  uint64_t k = (uint64_t)opt->files, i = (uint64_t)index;
  /* floor(N*(i+1)/K) - floor(N*i/K), without overflow for N < 2^40 */
  return opt->records * (i + 1) / k - opt->records * i / k;
}

void arcos_gen_file_name(const arcos_gen_options_t *opt, int index, char *out) {
  const char *ext = arcos_gen_format_extension(opt->format);
  if (opt->files == 1) {
    snprintf(out, 64, "evidence%s", ext);
    return;
  }
  int width = 3;
  for (int k = opt->files - 1; k >= 1000; k /= 10)
    width++;
  /* width <= 6 with MAX_FILES; the mask tells the compiler the name fits */
  snprintf(out, 64, "evidence-%0*d%s", width & 7, index, ext);
}

int arcos_gen_options_check(const arcos_gen_options_t *opt, arcos_detail_t *d) {
  const char *src = "generate";
  if (opt->records > MAX_RECORDS)
    return arcos_detail_set(d, ARCOS_EUSAGE, src, 0, "--records: at most %" PRIu64, MAX_RECORDS);
  if (!(opt->duplicate_rate >= 0 && opt->duplicate_rate <= 1))
    return arcos_detail_set(d, ARCOS_EUSAGE, src, 0, "--duplicate-rate: must be in [0, 1]");
  if (!(opt->bad_rate >= 0 && opt->bad_rate <= 1))
    return arcos_detail_set(d, ARCOS_EUSAGE, src, 0, "--bad-rate: must be in [0, 1]");
  if (opt->duplicate_rate + opt->bad_rate > 1)
    return arcos_detail_set(d, ARCOS_EUSAGE, src, 0,
                            "--duplicate-rate plus --bad-rate must not exceed 1");
  if (!(opt->tamper_rate >= 0 && opt->tamper_rate <= 0.9))
    return arcos_detail_set(d, ARCOS_EUSAGE, src, 0,
                            "--tamper-rate: must be in [0, 0.9] (10 %% of records carry no "
                            "checksum)");
  if (opt->seed > (uint64_t)INT64_MAX)
    return arcos_detail_set(d, ARCOS_EUSAGE, src, 0, "--seed: must be in [0, 2^63-1]");
  if ((unsigned)opt->format > ARCOS_GEN_ITEMS)
    return arcos_detail_set(d, ARCOS_EUSAGE, src, 0, "--format: unknown format");
  if (opt->files < 1 || opt->files > MAX_FILES)
    return arcos_detail_set(d, ARCOS_EUSAGE, src, 0, "--files: must be in [1, %d]", MAX_FILES);
  /* Keep every timestamp in years 1970..9999, which RFC 3339 can write. */
  if (opt->end_time < SPAN_S || opt->end_time > INT64_C(253402300799) - 10 * DAY)
    return arcos_detail_set(d, ARCOS_EUSAGE, src, 0, "--end-time: must lie between 1972 and 9999");
  return ARCOS_OK;
}

/* Output sinks: plain stdio or gzip. */
typedef struct {
  FILE *f;
  gzFile gz;
  bool failed;
} sink_t;

static void sink_write(sink_t *s, const void *p, size_t n) {
  if (s->failed || n == 0)
    return;
  if (s->gz != NULL)
    s->failed = gzwrite(s->gz, p, (unsigned)n) != (int)n;
  else
    s->failed = fwrite(p, 1, n, s->f) != n;
}

static int mkdir_p(const char *path) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n >= sizeof tmp)
    return -1;
  memcpy(tmp, path, n + 1);
  for (size_t i = 1; i < n; i++) {
    if (tmp[i] != '/')
      continue;
    tmp[i] = '\0';
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
      return -1;
    tmp[i] = '/';
  }
  if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
    return -1;
  struct stat st;
  return stat(tmp, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* Write `count` lines of gen to sink in the chosen container. */
static int write_records(arcos_gen_t *g, sink_t *s, uint64_t count, arcos_buf_t *line) {
  int fmt = g->opt.format;
  if (fmt == ARCOS_GEN_JSON)
    sink_write(s, "[\n", 2);
  else if (fmt == ARCOS_GEN_ITEMS)
    sink_write(s, "{\"evidence_items\": [\n", 21);
  bool array = fmt == ARCOS_GEN_JSON || fmt == ARCOS_GEN_ITEMS;
  for (uint64_t i = 0; i < count && !s->failed; i++) {
    int rc = arcos_gen_next(g, line, NULL);
    if (rc != ARCOS_OK)
      return rc;
    if (array && i > 0)
      sink_write(s, ",\n", 2);
    sink_write(s, line->data, line->len);
    if (!array)
      sink_write(s, "\n", 1);
  }
  if (array && count > 0)
    sink_write(s, "\n", 1);
  if (fmt == ARCOS_GEN_JSON)
    sink_write(s, "]\n", 2);
  else if (fmt == ARCOS_GEN_ITEMS)
    sink_write(s, "]}\n", 3);
  return s->failed ? ARCOS_EIO : ARCOS_OK;
}

static int write_file(arcos_gen_t *g, const char *dir, const char *name, uint64_t count,
                      arcos_buf_t *line, arcos_detail_t *d) {
  char path[4096], tmp[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  sink_t s = {0};
  int rc;
  if (g->opt.format == ARCOS_GEN_JSONL_GZ) {
    s.gz = gzopen(tmp, "wb1");
    if (s.gz != NULL)
      gzbuffer(s.gz, 1 << 20);
  } else {
    s.f = fopen(tmp, "wb");
    if (s.f != NULL)
      setvbuf(s.f, NULL, _IOFBF, 1 << 20);
  }
  if (s.gz == NULL && s.f == NULL)
    return arcos_detail_set(d, ARCOS_EIO, tmp, 0, "cannot create: %s", strerror(errno));
  rc = write_records(g, &s, count, line);
  int close_failed = s.gz != NULL ? gzclose(s.gz) != Z_OK : fclose(s.f) != 0;
  if (rc == ARCOS_OK && close_failed)
    rc = ARCOS_EIO;
  if (rc == ARCOS_OK && rename(tmp, path) != 0)
    rc = ARCOS_EIO;
  if (rc != ARCOS_OK) {
    unlink(tmp);
    return arcos_detail_set(d, rc, path, 0, "writing failed: %s",
                            rc == ARCOS_EIO ? strerror(errno) : arcos_strerror(rc));
  }
  return ARCOS_OK;
}

json_t *arcos_gen_manifest(const arcos_gen_options_t *opt, const arcos_gen_counts_t *c) {
  char end[32];
  arcos_rfc3339_format(opt->end_time, end);
  int err = 0;
  json_t *m = json_object();
  if (m == NULL)
    return NULL;
  put(m, "generator", json_string("arcos-scale generate " ARCOS_VERSION), &err);
  json_t *args = json_object();
  put(args, "records", json_integer((json_int_t)opt->records), &err);
  put(args, "duplicate_rate", json_real(opt->duplicate_rate), &err);
  put(args, "bad_rate", json_real(opt->bad_rate), &err);
  put(args, "tamper_rate", json_real(opt->tamper_rate), &err);
  if (opt->payload_repeat_rate > 0)
    put(args, "payload_repeat_rate", json_real(opt->payload_repeat_rate), &err);
  if (opt->payload_bytes > 0)
    put(args, "payload_bytes", json_integer((json_int_t)opt->payload_bytes), &err);
  put(args, "seed", json_integer((json_int_t)opt->seed), &err);
  put(args, "format", json_string(arcos_gen_format_name(opt->format)), &err);
  put(args, "files", json_integer(opt->files), &err);
  put(args, "end_time", json_string(end), &err);
  put(m, "args", args, &err);
  put(m, "reference_time", json_string(end), &err);
  put(m, "lines", json_integer((json_int_t)c->lines), &err);
  put(m, "unique_ids", json_integer((json_int_t)c->unique_ids), &err);
  put(m, "duplicates", json_integer((json_int_t)c->duplicates), &err);
  put(m, "duplicates_exact", json_integer((json_int_t)c->kinds[ARCOS_GEN_DUP_EXACT]), &err);
  put(m, "duplicates_changed", json_integer((json_int_t)c->kinds[ARCOS_GEN_DUP_CHANGED]), &err);
  json_t *bad = json_object();
  put(bad, "total", json_integer((json_int_t)(c->bad_parse + c->bad_invalid)), &err);
  put(bad, "parse", json_integer((json_int_t)c->bad_parse), &err);
  put(bad, "invalid", json_integer((json_int_t)c->bad_invalid), &err);
  json_t *kinds = json_object();
  for (int k = ARCOS_GEN_BAD_TRUNCATED; k < ARCOS_GEN_KIND_COUNT; k++)
    put(kinds, kind_names[k], json_integer((json_int_t)c->kinds[k]), &err);
  put(bad, "kinds", kinds, &err);
  put(m, "bad_lines", bad, &err);
  put(m, "verified", json_integer((json_int_t)c->verified), &err);
  put(m, "tampered", json_integer((json_int_t)c->tampered), &err);
  put(m, "no_checksum", json_integer((json_int_t)c->no_checksum), &err);
  put(m, "clock_skew", json_integer((json_int_t)c->clock_skew), &err);
  put(m, "invalid_timestamp", json_integer((json_int_t)c->invalid_timestamp), &err);
  json_t *types = json_object();
  for (int t = 0; t < TYPE_COUNT; t++)
    put(types, t < TYPE_OTHER ? type_names[t] : "other", json_integer((json_int_t)c->types[t]),
        &err);
  put(m, "types", types, &err);
  json_t *files = json_array();
  for (int i = 0; i < opt->files; i++) {
    char name[64];
    arcos_gen_file_name(opt, i, name);
    json_t *f = json_object();
    put(f, "name", json_string(name), &err);
    put(f, "lines", json_integer((json_int_t)arcos_gen_file_records(opt, i)), &err);
    push(files, f, &err);
  }
  put(m, "files", files, &err);
  if (err) {
    json_decref(m);
    return NULL;
  }
  return m;
}

static int write_manifest(const arcos_gen_options_t *opt, const arcos_gen_counts_t *c,
                          const char *dir, arcos_detail_t *d) {
  char path[4096], tmp[4200];
  snprintf(path, sizeof path, "%s/manifest.json", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  json_t *m = arcos_gen_manifest(opt, c);
  if (m == NULL)
    return arcos_detail_set(d, ARCOS_ENOMEM, path, 0, "out of memory");
  int rc = json_dump_file(m, tmp, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
  json_decref(m);
  if (rc != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return arcos_detail_set(d, ARCOS_EIO, path, 0, "cannot write: %s", strerror(errno));
  }
  return ARCOS_OK;
}

/* Whether `name` is one of the evidence files this run writes. */
static bool is_output_name(const arcos_gen_options_t *opt, const char *name) {
  char expect[64];
  int index = 0;
  if (opt->files > 1 && strncmp(name, "evidence-", 9) == 0) {
    char *end;
    long v = strtol(name + 9, &end, 10);
    if (end == name + 9 || v < 0 || v >= opt->files)
      return false;
    index = (int)v;
  }
  arcos_gen_file_name(opt, index, expect);
  return strcmp(name, expect) == 0;
}

static bool has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Evidence files of an earlier run with other --files or --format would be read along
 * with the new ones by a directory input, and the manifest would not count them. */
static int check_stale(const arcos_gen_options_t *opt, const char *dir, arcos_detail_t *d) {
  static const char *const exts[] = {".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json"};
  DIR *dh = opendir(dir);
  if (dh == NULL)
    return arcos_detail_set(d, ARCOS_EIO, dir, 0, "cannot read directory: %s", strerror(errno));
  int rc = ARCOS_OK;
  struct dirent *e;
  while (rc == ARCOS_OK && (e = readdir(dh)) != NULL) {
    if (strncmp(e->d_name, "evidence", 8) != 0 || is_output_name(opt, e->d_name))
      continue;
    for (size_t i = 0; i < COUNT_OF(exts); i++)
      if (has_suffix(e->d_name, exts[i])) {
        rc = arcos_detail_set(d, ARCOS_EEXISTS, dir, 0,
                              "%s is left from an earlier run with other --files or --format; "
                              "remove it first (a directory input would read it too)",
                              e->d_name);
        break;
      }
  }
  closedir(dh);
  return rc;
}

int arcos_generate(const arcos_gen_options_t *opt, const char *out_dir, FILE *out,
                   arcos_gen_counts_t *counts, arcos_detail_t *d) {
  int rc = arcos_gen_options_check(opt, d);
  if (rc != ARCOS_OK)
    return rc;
  bool to_stream = out_dir == NULL || strcmp(out_dir, "-") == 0;
  if (to_stream && opt->files != 1)
    return arcos_detail_set(d, ARCOS_EUSAGE, "generate", 0,
                            "--files: standard output (--out -) takes a single stream");
  if (!to_stream && mkdir_p(out_dir) != 0)
    return arcos_detail_set(d, ARCOS_EIO, out_dir, 0, "cannot create directory: %s",
                            strerror(errno));
  if (!to_stream && (rc = check_stale(opt, out_dir, d)) != ARCOS_OK)
    return rc;
  arcos_gen_t *g = arcos_gen_create(opt);
  if (g == NULL)
    return arcos_detail_set(d, ARCOS_ENOMEM, "generate", 0, "out of memory");
  arcos_buf_t line = {0};

  if (to_stream) {
    sink_t s = {0};
    if (opt->format == ARCOS_GEN_JSONL_GZ) {
      fflush(out);
      int fd = dup(fileno(out));
      s.gz = fd >= 0 ? gzdopen(fd, "wb1") : NULL;
      if (s.gz == NULL) {
        if (fd >= 0)
          close(fd);
        rc = arcos_detail_set(d, ARCOS_EIO, "-", 0, "cannot open standard output for gzip");
        goto done;
      }
    } else {
      s.f = out;
    }
    rc = write_records(g, &s, opt->records, &line);
    if (s.gz != NULL && gzclose(s.gz) != Z_OK && rc == ARCOS_OK)
      rc = ARCOS_EIO;
    if (s.f != NULL && fflush(s.f) != 0 && rc == ARCOS_OK)
      rc = ARCOS_EIO;
    if (rc != ARCOS_OK)
      arcos_detail_set(d, rc, "-", 0, "writing to standard output failed");
  } else {
    for (int i = 0; i < opt->files && rc == ARCOS_OK; i++) {
      char name[64];
      arcos_gen_file_name(opt, i, name);
      rc = write_file(g, out_dir, name, arcos_gen_file_records(opt, i), &line, d);
    }
    if (rc == ARCOS_OK)
      rc = write_manifest(opt, arcos_gen_counts(g), out_dir, d);
  }
  if (rc == ARCOS_OK && counts != NULL)
    *counts = *arcos_gen_counts(g);
done:
  arcos_buf_free(&line);
  arcos_gen_destroy(&g);
  return rc;
}
