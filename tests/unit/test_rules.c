/* Scoring rules (SPEC §2): every built-in rule, both band kinds, bool with and without
 * bands, weights, ratios with a 0 denominator, first-applicable order, values of the
 * wrong kind, every configuration error, and the signal through the evidence stages. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/evidence.h"
#include "arcos/rules.h"
#include "check.h"

static arcos_rules_t *parse(const char *text) {
  arcos_rules_t *r = NULL;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_rules_parse(text, strlen(text), "test.json", &r, &d);
  if (rc != ARCOS_OK)
    fprintf(stderr, "parse failed: %s\n", d.text);
  CHECK_INT_EQ(rc, ARCOS_OK);
  return r;
}

/* The points of the rules for a record of `type` with this `data` text (-1: none). */
static int points(const arcos_rules_t *r, const char *type, const char *data) {
  json_t *j = json_loads(data, JSON_DECODE_ANY, NULL);
  CHECK(j != NULL);
  arcos_fieldval_t vals[64];
  CHECK(arcos_rules_paths(r).npaths <= 64);
  arcos_rules_fill_json(r, j, vals);
  json_decref(j);
  return arcos_rules_eval(r, type, strlen(type), vals);
}

typedef struct {
  const char *type, *data;
  int points;
} case_t;

static void run_cases(const arcos_rules_t *r, const case_t *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int got = points(r, c[i].type, c[i].data);
    if (got != c[i].points)
      fprintf(stderr, "case %zu: %s %s\n", i, c[i].type, c[i].data);
    CHECK_INT_EQ(got, c[i].points);
  }
}

static void test_builtin(void) {
  arcos_rules_t *r = NULL;
  CHECK_INT_EQ(arcos_rules_load(NULL, &r, NULL), ARCOS_OK);
  if (r == NULL)
    return;
  CHECK_INT_EQ(arcos_rules_count(r), 17);
  CHECK_STR_EQ(arcos_rules_source(r), "built-in");
  CHECK_INT_EQ(strlen(arcos_rules_sha256(r)), 64);
  static const case_t cases[] = {
      /* rule 0: bool without bands */
      {"test_result", "{\"passed\": true}", 10},
      {"test_result", "{\"passed\": false}", 0},
      /* rule 1: ratio, at_least; 9 / (9 + 1) is 0.9 in doubles */
      {"test_result", "{\"passed\": 9, \"failed\": 1}", 5},
      {"test_result", "{\"passed\": 10, \"failed\": 0}", 10},
      {"test_result", "{\"passed\": 8, \"failed\": 2}", 0},
      {"ci_test_results", "{\"passed\": 17}", -1},
      {"ci_test_results", "{\"passed\": 17, \"failed\": 0, \"skipped\": 2}", 10},
      {"ci_test_results", "{\"passed\": 0, \"failed\": 0}", -1},
      {"ci_test_results", "{\"passed\": 0, \"failed\": 3}", 0},
      /* rule 2 */
      {"coverage", "{\"line_coverage\": 80}", 10},
      {"coverage", "{\"line_coverage\": 79.9}", 5},
      {"coverage", "{\"line_coverage\": 50}", 5},
      {"coverage", "{\"line_coverage\": 49}", 0},
      /* rules 3 and 4: at_most; the plain counts first, then severity_breakdown */
      {"security_scan", "{\"critical\": 0, \"high\": 0}", 10},
      {"security_scan", "{\"critical\": 0, \"high\": 2}", 0},
      {"security_scan", "{\"severity_breakdown\": {\"Critical\": 0, \"High\": 0}}", 10},
      {"security_scan", "{\"severity_breakdown\": {\"Critical\": 0, \"High\": 2}}", 5},
      {"security_scan", "{\"severity_breakdown\": {\"Critical\": 1, \"High\": 0}}", 0},
      {"security_scan",
       "{\"critical\": 1, \"high\": 0, \"severity_breakdown\": {\"Critical\": 0, "
       "\"High\": 0}}",
       0},
      {"security_scan", "{\"severity_breakdown\": {\"critical\": 0, \"high\": 0}}", -1},
      /* rule 5 */
      {"security_vulnerabilities", "{\"severity_breakdown\": {\"critical\": 0, \"high\": 0}}", 10},
      {"security_vulnerabilities", "{\"severity_breakdown\": {\"critical\": 0, \"high\": 1}}", 5},
      {"security_vulnerabilities", "{\"severity_breakdown\": {\"critical\": 1, \"high\": 0}}", 0},
      /* rule 6 */
      {"powershell_security_scan", "{\"summary\": {\"critical\": 0, \"high\": 2}}", 5},
      {"powershell_security_scan", "{\"summary\": {\"critical\": 0, \"high\": 3}}", 0},
      /* rule 7 */
      {"security_score", "{\"score\": 90}", 10},
      {"security_score", "{\"score\": 60.0}", 5},
      {"security_score", "{\"score\": 59.5}", 0},
      /* rules 8 and 9: the first that applies decides */
      {"static_analysis", "{\"maintainability_index\": 70, \"average_complexity\": 30}", 10},
      {"static_analysis", "{\"maintainability_index\": 39, \"average_complexity\": 3}", 0},
      {"static_analysis", "{\"average_complexity\": 15}", 5},
      {"static_analysis", "{\"average_complexity\": 21}", 0},
      {"static_analysis", "{\"maintainability_index\": \"A\", \"average_complexity\": 3}", 10},
      /* rule 10 */
      {"coverage_analysis", "{\"covered_statements\": 80, \"total_statements\": 100}", 10},
      {"coverage_analysis", "{\"covered_statements\": 60, \"total_statements\": 100}", 5},
      {"coverage_analysis", "{\"covered_statements\": 5, \"total_statements\": 0}", -1},
      /* rules 11 and 12: a 0 denominator falls through to the next rule */
      {"ci_coverage_report", "{\"covered_lines\": 59, \"total_lines\": 100}", 0},
      {"ci_coverage_report", "{\"covered_lines\": 0, \"total_lines\": 0, \"line_coverage\": 85}",
       10},
      {"ci_coverage_report", "{\"line_coverage\": 60}", 5},
      /* rules 13 to 16 */
      {"security_scan_summary", "{\"high_severity\": 0}", 10},
      {"security_scan_summary", "{\"high_severity\": 1}", 0},
      {"dependency_analysis", "{\"vulnerable_count\": 0}", 10},
      {"dependency_analysis", "{\"vulnerable_count\": 4}", 0},
      {"veracode_policy_compliance", "{\"compliant\": true}", 10},
      {"veracode_policy_compliance", "{\"compliant\": false}", 0},
      {"veracode_policy_compliance", "{\"compliant\": 1}", -1},
      {"checkmarx_scan_statistics", "{\"high_severity\": 2}", 5},
      {"checkmarx_scan_statistics", "{\"high_severity\": 3}", 0},
      /* other types, and data that is no object */
      {"build", "{\"passed\": true}", -1},
      {"test_result", "[true]", -1},
      {"test_result", "null", -1},
  };
  run_cases(r, cases, sizeof cases / sizeof cases[0]);
  /* The printed text parses to the same set. */
  arcos_rules_t *again = parse(arcos_rules_default_text());
  if (again != NULL)
    CHECK_STR_EQ(arcos_rules_sha256(again), arcos_rules_sha256(r));
  arcos_rules_destroy(&again);
  arcos_rules_destroy(&r);
}

/* Numbers only where numbers are expected, booleans only for bool, finite only. */
static void test_kinds(void) {
  arcos_rules_t *r = parse("[{\"types\": [\"n\"], \"metric\": {\"field\": \"v\"}, "
                           "\"at_least\": [[1, 10]], \"otherwise\": 3},"
                           " {\"types\": [\"b\"], \"metric\": {\"bool\": \"v\"}}]");
  if (r == NULL)
    return;
  static const case_t cases[] = {
      {"n", "{\"v\": 1}", 10},     {"n", "{\"v\": 0.5}", 3},         {"n", "{\"v\": true}", -1},
      {"n", "{\"v\": false}", -1}, {"n", "{\"v\": \"5\"}", -1},      {"n", "{\"v\": null}", -1},
      {"n", "{\"v\": [1]}", -1},   {"n", "{\"v\": {\"x\": 1}}", -1}, {"n", "{}", -1},
      {"b", "{\"v\": true}", 10},  {"b", "{\"v\": 1}", -1},          {"b", "{\"v\": \"true\"}", -1},
  };
  run_cases(r, cases, sizeof cases / sizeof cases[0]);
  /* NaN and Infinity reach the rules as ARCOS_FV_OTHER (readers that accept them). */
  arcos_fieldval_t v = {ARCOS_FV_OTHER, 0.0};
  CHECK_INT_EQ(arcos_rules_eval(r, "n", 1, &v), -1);
  v = (arcos_fieldval_t){ARCOS_FV_NUMBER, 2.0};
  CHECK_INT_EQ(arcos_rules_eval(r, "n", 1, &v), 10);
  arcos_rules_destroy(&r);
}

static void test_bands_weights_order(void) {
  arcos_rules_t *r = parse(
      "[{\"types\": [\"w\"], \"metric\": {\"sum\": [\"a\", \"b.c\"], \"weights\": [2, -0.5]},"
      "  \"at_most\": [[1, 10], [4, 7]], \"otherwise\": 1},"
      " {\"types\": [\"w\", \"x\"], \"metric\": {\"field\": \"a\"}, \"at_least\": [[0, 42]]},"
      " {\"types\": [\"bb\"], \"metric\": {\"bool\": \"ok\"}, \"at_least\": [[1, 9]], "
      "\"otherwise\": 2},"
      " {\"types\": [\"bb\"], \"metric\": {\"bool\": \"ok\"}, \"at_most\": [[0, 4]]},"
      " {\"types\": [\"t\", \"t\"], \"metric\": {\"ratio\": {\"num\": [\"a\", \"b\"], \"den\": "
      "[\"c\"]}}, \"at_least\": [[0.5, 6]]}]");
  if (r == NULL)
    return;
  static const case_t cases[] = {
      {"w", "{\"a\": 1, \"b\": {\"c\": 2}}", 10}, /* 2 - 1 = 1 <= 1 */
      {"w", "{\"a\": 2, \"b\": {\"c\": 0}}", 7},  /* 4 */
      {"w", "{\"a\": 3, \"b\": {\"c\": 0}}", 1},  /* 6: otherwise */
      {"w", "{\"a\": 3}", 42},                    /* rule 0 cannot compute: rule 1 */
      {"w", "{\"a\": -1}", -1},                   /* rule 1 computes, no band, otherwise 0? */
      {"x", "{\"a\": 5, \"b\": {\"c\": 0}}", 42},
      {"bb", "{\"ok\": true}", 9},
      {"bb", "{\"ok\": false}", 2},
      {"t", "{\"a\": 1, \"b\": 1, \"c\": 4}", 6},
      {"t", "{\"a\": 1, \"b\": 0.5, \"c\": 4}", 0},
      {"t", "{\"a\": 1, \"b\": 1, \"c\": 0}", -1},
      {"t", "{\"a\": 1, \"b\": 1, \"c\": -0.0}", -1},
  };
  /* {"a": -1} for type w: rule 0 needs b.c (missing), rule 1 computes -1 < 0, so its
   * default otherwise 0 applies. */
  case_t fixed[sizeof cases / sizeof cases[0]];
  memcpy(fixed, cases, sizeof cases);
  fixed[4].points = 0;
  run_cases(r, fixed, sizeof fixed / sizeof fixed[0]);
  /* The last of repeated keys wins (jansson, as Python). */
  CHECK_INT_EQ(points(r, "x", "{\"a\": \"s\", \"a\": 1}"), 42);
  arcos_rules_destroy(&r);
}

static void test_errors(void) {
  static const struct {
    const char *text, *want;
  } cases[] = {
      {"{}", "JSON array"},
      {"[1", "not valid JSON"},
      {"[5]", "rule 0 must be an object"},
      {"[{\"metric\": {\"bool\": \"a\"}}]", "rule 0, key \"types\""},
      {"[{\"types\": [\"a\"]}]", "rule 0, key \"metric\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"bool\": \"a\"}, \"extra\": 1}]",
       "rule 0, key \"extra\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"bool\": \"a\"}}, {\"types\": \"a\", \"metric\": "
       "{\"bool\": \"a\"}}]",
       "rule 1, key \"types\""},
      {"[{\"types\": [], \"metric\": {\"bool\": \"a\"}}]", "rule 0, key \"types\""},
      {"[{\"types\": [1], \"metric\": {\"bool\": \"a\"}}]", "rule 0, key \"types\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"bool\": \"a\", \"x\": 1}}]", "rule 0, key \"x\""},
      {"[{\"types\": [\"a\"], \"metric\": {}}]", "rule 0, key \"metric\""},
      {"[{\"types\": [\"a\"], \"metric\": 3}]", "rule 0, key \"metric\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"bool\": \"a\", \"field\": \"b\"}}]",
       "rule 0, key \"field\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"bool\": 5}}]", "rule 0, key \"bool\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"\"}, \"at_least\": [[1, 1]]}]",
       "rule 0, key \"field\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a..b\"}, \"at_least\": [[1, 1]]}]",
       "rule 0, key \"field\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\"}}]", "rule 0, key \"at_least\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\"}, \"at_most\": []}]",
       "rule 0, key \"at_most\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\"}, \"at_least\": [[1, 1]], "
       "\"at_most\": [[1, 1]]}]",
       "rule 0, key \"at_most\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\"}, \"at_least\": [[1, 10.0]]}]",
       "rule 0, key \"at_least\": points"},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\"}, \"at_least\": [[1, 101]]}]",
       "rule 0, key \"at_least\": points"},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\"}, \"at_least\": [[true, 1]]}]",
       "rule 0, key \"at_least\": a threshold"},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\"}, \"at_least\": [[\"1\", 1]]}]",
       "rule 0, key \"at_least\": a threshold"},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\"}, \"at_least\": [[1]]}]",
       "rule 0, key \"at_least\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\"}, \"at_least\": {\"1\": 1}}]",
       "rule 0, key \"at_least\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"bool\": \"a\"}, \"otherwise\": -1}]",
       "rule 0, key \"otherwise\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"bool\": \"a\"}, \"otherwise\": 5.0}]",
       "rule 0, key \"otherwise\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"sum\": []}, \"at_most\": [[0, 1]]}]",
       "rule 0, key \"sum\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"sum\": [\"a\"], \"weights\": [1, 2]}, \"at_most\": "
       "[[0, 1]]}]",
       "rule 0, key \"weights\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"sum\": [\"a\"], \"weights\": [true]}, \"at_most\": "
       "[[0, 1]]}]",
       "rule 0, key \"weights\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"field\": \"a\", \"weights\": [1]}, \"at_most\": [[0, "
       "1]]}]",
       "rule 0, key \"weights\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"ratio\": {\"num\": [\"a\"]}}, \"at_most\": [[0, 1]]}]",
       "rule 0, key \"den\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"ratio\": {\"num\": [\"a\"], \"den\": [\"b\"], \"w\": "
       "1}}, \"at_most\": [[0, 1]]}]",
       "rule 0, key \"w\""},
      {"[{\"types\": [\"a\"], \"metric\": {\"ratio\": [\"a\"]}, \"at_most\": [[0, 1]]}]",
       "rule 0, key \"ratio\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    arcos_rules_t *r = NULL;
    arcos_detail_t d;
    arcos_detail_clear(&d);
    int rc = arcos_rules_parse(cases[i].text, strlen(cases[i].text), "bad.json", &r, &d);
    CHECK_INT_EQ(rc, ARCOS_ECONFIG);
    CHECK(r == NULL);
    if (strstr(d.text, cases[i].want) == NULL)
      fprintf(stderr, "case %zu: message \"%s\" lacks \"%s\"\n", i, d.text, cases[i].want);
    CHECK(strstr(d.text, cases[i].want) != NULL);
    CHECK_STR_EQ(d.source, "bad.json");
  }
  arcos_rules_t *r = NULL;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_rules_load("/nonexistent/rules.json", &r, &d), ARCOS_ECONFIG);
  CHECK(strstr(d.text, "cannot read") != NULL);
}

static void test_canonical(void) {
  /* Key order and spacing do not change the canonical text or its digest. */
  arcos_rules_t *a = parse("[{\"types\":[\"x\"],\"metric\":{\"bool\":\"p\"}}]");
  arcos_rules_t *b = parse("[ {\"metric\": {\"bool\": \"p\"},\n \"types\": [\"x\"]} ]");
  arcos_rules_t *c = parse("[{\"types\":[\"y\"],\"metric\":{\"bool\":\"p\"}}]");
  if (a != NULL && b != NULL && c != NULL) {
    size_t n = 0;
    CHECK_STR_EQ(arcos_rules_canonical(a, &n),
                 "[{\"metric\": {\"bool\": \"p\"}, \"types\": [\"x\"]}]");
    CHECK_INT_EQ(n, strlen(arcos_rules_canonical(a, NULL)));
    CHECK_STR_EQ(arcos_rules_sha256(a), arcos_rules_sha256(b));
    CHECK(strcmp(arcos_rules_sha256(a), arcos_rules_sha256(c)) != 0);
    json_t *rep = arcos_rules_report_json(a);
    CHECK_STR_EQ(json_string_value(json_object_get(rep, "source")), "test.json");
    CHECK_STR_EQ(json_string_value(json_object_get(rep, "sha256")), arcos_rules_sha256(a));
    json_decref(rep);
  }
  arcos_rules_destroy(&a);
  arcos_rules_destroy(&b);
  arcos_rules_destroy(&c);
}

/* Through the evidence stages: custom rules, and signal_unknown when none applies. */
static void test_evidence_signal(void) {
  arcos_rules_t *r = parse("[{\"types\": [\"custom\"], \"metric\": {\"field\": \"x.y\"}, "
                           "\"at_least\": [[3, 7]]}]");
  if (r == NULL)
    return;
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  sc.rules = r;
  sc.signal_neutral = 4;
  arcos_evidence_ctx_t *ctx = arcos_evidence_create(&sc, 0, 1 << 20);
  CHECK(ctx != NULL);
  static const case_t cases[] = {
      {"custom", "{\"x\": {\"y\": 3}}", 7},
      {"custom", "{\"x\": {\"y\": 2}}", 0},
      {"custom", "{\"x\": 3}", 4},
      {"test_result", "{\"passed\": true}", 4}, /* the built-in rules are replaced */
  };
  for (size_t i = 0; ctx != NULL && i < sizeof cases / sizeof cases[0]; i++) {
    char text[256];
    snprintf(text, sizeof text, "{\"id\": \"a\", \"type\": \"%s\", \"data\": %s}", cases[i].type,
             cases[i].data);
    arcos_evidence_t rec;
    CHECK_INT_EQ(arcos_ev_ingest(ctx, text, strlen(text), &rec, NULL), ARCOS_OK);
    CHECK_INT_EQ(arcos_ev_analyze(ctx, &rec), ARCOS_OK);
    CHECK_INT_EQ(rec.signal, cases[i].points);
    /* The archive path (fields with the stored canonical text) gives the same. */
    arcos_ev_fields_t f;
    CHECK_INT_EQ(arcos_ev_extract(ctx, &rec, &f), ARCOS_OK);
    /* from_fields releases the parsed record: keep copies of what f borrows. */
    char data[256], type[64];
    snprintf(data, sizeof data, "%.*s", (int)f.data_len, f.data);
    snprintf(type, sizeof type, "%.*s", (int)f.type_len, f.type);
    f.data = data;
    f.type = type;
    f.id = "a";
    f.source = "";
    f.checksum = "";
    arcos_evidence_t rec2;
    CHECK_INT_EQ(arcos_ev_from_fields(ctx, &f, &rec2, NULL), ARCOS_OK);
    CHECK_INT_EQ(arcos_ev_analyze(ctx, &rec2), ARCOS_OK);
    CHECK_INT_EQ(rec2.signal, cases[i].points);
  }
  arcos_evidence_destroy(&ctx);
  arcos_rules_destroy(&r);
}

/* Archive rows: stored values are used when they cover the run's paths (shown by a
 * row whose `data` text disagrees with them), else `data` is read. */
static void test_stored_values(void) {
  arcos_rules_t *wide = parse("[{\"types\": [\"custom\"], \"metric\": {\"sum\": [\"a\", "
                              "\"x.y\"]}, \"at_least\": [[100, 1]]}]");
  arcos_rules_t *narrow = parse("[{\"types\": [\"custom\"], \"metric\": {\"field\": \"x.y\"}, "
                                "\"at_least\": [[3, 7]]}]");
  arcos_rules_t *other = parse("[{\"types\": [\"custom\"], \"metric\": {\"field\": \"z\"}, "
                               "\"at_least\": [[3, 6]]}]");
  if (wide == NULL || narrow == NULL || other == NULL)
    goto out;
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  sc.rules = wide;
  arcos_evidence_ctx_t *conv = arcos_evidence_create(&sc, 0, 1 << 20);
  sc.rules = narrow;
  arcos_evidence_ctx_t *run_n = arcos_evidence_create(&sc, 0, 1 << 20);
  sc.rules = other;
  arcos_evidence_ctx_t *run_o = arcos_evidence_create(&sc, 0, 1 << 20);
  CHECK(conv != NULL && run_n != NULL && run_o != NULL);
  const char *text =
      "{\"id\": \"a\", \"type\": \"custom\", \"data\": {\"x\": {\"y\": 3}, \"z\": 1}}";
  arcos_evidence_t rec;
  arcos_ev_fields_t f;
  if (conv != NULL && run_n != NULL && run_o != NULL &&
      arcos_ev_ingest(conv, text, strlen(text), &rec, NULL) == ARCOS_OK &&
      arcos_ev_extract(conv, &rec, &f) == ARCOS_OK) {
    CHECK_INT_EQ(f.rule_values_len, 2 * ARCOS_EV_VALUE_BYTES);
    CHECK_MEM_EQ(f.rule_paths, f.rule_paths_len, "[\"a\",\"x.y\"]", 11);
    /* The fields outlive conv's record: `data` now says x.y is 0 and z is 9. */
    f.id = "a";
    f.type = "custom";
    f.source = "";
    f.checksum = "";
    f.data = "{\"x\": {\"y\": 0}, \"z\": 9}";
    f.data_len = strlen(f.data);
    arcos_evidence_t r2;
    CHECK_INT_EQ(arcos_ev_from_fields(run_n, &f, &r2, NULL), ARCOS_OK);
    CHECK_INT_EQ(arcos_ev_analyze(run_n, &r2), ARCOS_OK);
    CHECK_INT_EQ(r2.signal, 7); /* from the stored x.y = 3 */
    CHECK_INT_EQ(arcos_ev_from_fields(run_o, &f, &r2, NULL), ARCOS_OK);
    CHECK_INT_EQ(arcos_ev_analyze(run_o, &r2), ARCOS_OK);
    CHECK_INT_EQ(r2.signal, 6);               /* z is not stored: read from data (9) */
    f.rule_values_len = ARCOS_EV_VALUE_BYTES; /* a short row is not trusted */
    CHECK_INT_EQ(arcos_ev_from_fields(run_n, &f, &r2, NULL), ARCOS_OK);
    CHECK_INT_EQ(arcos_ev_analyze(run_n, &r2), ARCOS_OK);
    CHECK_INT_EQ(r2.signal, 0); /* from data: x.y = 0 */
  }
  arcos_evidence_destroy(&conv);
  arcos_evidence_destroy(&run_n);
  arcos_evidence_destroy(&run_o);
out:
  arcos_rules_destroy(&wide);
  arcos_rules_destroy(&narrow);
  arcos_rules_destroy(&other);
}

int main(void) {
  test_builtin();
  test_kinds();
  test_bands_weights_order();
  test_errors();
  test_canonical();
  test_evidence_signal();
  test_stored_values();
  return CHECK_DONE();
}
