/* Evidence stages (SPEC §1, §2): ingestion and validation, RFC 3339, each score
 * component at its boundaries, checksums, alerts. Expected epochs and digests were
 * computed with Python (datetime.fromisoformat, hashlib.sha256 of json.dumps(...,
 * sort_keys=True)). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/evidence.h"
#include "arcos/util.h"
#include "check.h"
#include "dist/memo.h"

#define REF INT64_C(1748736000) /* 2025-06-01T00:00:00Z */
#define DAY INT64_C(86400)

static char text_buf[8192];

static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  vsnprintf(text_buf, sizeof text_buf, f, ap);
  va_end(ap);
  return text_buf;
}

static arcos_detail_t last_detail;

static int ingest(arcos_evidence_ctx_t *ctx, const char *text, arcos_evidence_t *rec) {
  arcos_detail_clear(&last_detail);
  return arcos_ev_ingest(ctx, text, strlen(text), rec, &last_detail);
}

/* All four compute stages; returns the first failure. */
static int run(arcos_evidence_ctx_t *ctx, const char *text, arcos_evidence_t *rec) {
  int rc = ingest(ctx, text, rec);
  if (rc == ARCOS_OK)
    rc = arcos_ev_analyze(ctx, rec);
  if (rc == ARCOS_OK)
    rc = arcos_ev_score(ctx, rec);
  if (rc == ARCOS_OK)
    rc = arcos_ev_alert(ctx, rec);
  return rc;
}

static void expect_detail(const char *needle) {
  if (strstr(last_detail.text, needle) == NULL) {
    fprintf(stderr, "detail \"%s\" lacks \"%s\"\n", last_detail.text, needle);
    CHECK(0);
  } else {
    CHECK(1);
  }
}

static arcos_evidence_ctx_t *new_ctx(void) {
  arcos_evidence_ctx_t *ctx = arcos_evidence_create(NULL, REF, 1 << 20);
  if (ctx == NULL) {
    fprintf(stderr, "arcos_evidence_create failed\n");
    exit(1);
  }
  return ctx;
}

static void test_names_and_defaults(void) {
  arcos_scoring_t s;
  memset(&s, 0xff, sizeof s);
  arcos_scoring_defaults(&s);
  CHECK_INT_EQ(s.completeness_each, 6);
  CHECK_INT_EQ(s.integrity, 25);
  CHECK_INT_EQ(s.provenance_object, 10);
  CHECK_INT_EQ(s.provenance_tool, 5);
  CHECK_INT_EQ(s.freshness, 20);
  CHECK_INT_EQ(s.fresh_days, 30);
  CHECK_INT_EQ(s.stale_days, 365);
  CHECK_INT_EQ(s.future_tolerance_s, 86400);
  CHECK_INT_EQ(s.signal_neutral, 5);
  CHECK(s.rules == NULL); /* the built-in rules */
  CHECK_INT_EQ(s.alert_threshold, 50);

  CHECK(arcos_severity_name(ARCOS_SEV_NONE) == NULL);
  CHECK_STR_EQ(arcos_severity_name(ARCOS_SEV_MEDIUM), "medium");
  CHECK_STR_EQ(arcos_severity_name(ARCOS_SEV_HIGH), "high");
  CHECK_STR_EQ(arcos_severity_name(ARCOS_SEV_CRITICAL), "critical");
  CHECK(arcos_severity_name(4) == NULL);
  CHECK_STR_EQ(arcos_error_kind_name(ARCOS_KIND_PARSE), "parse");
  CHECK_STR_EQ(arcos_error_kind_name(ARCOS_KIND_INVALID), "invalid");
  CHECK_STR_EQ(arcos_error_kind_name(ARCOS_KIND_STAGE), "stage");
  CHECK_STR_EQ(arcos_error_kind_name(ARCOS_KIND_IO), "io");
  CHECK(arcos_error_kind_name(ARCOS_KIND_NONE) == NULL);
  CHECK_STR_EQ(arcos_stage_name(ARCOS_STAGE_INGESTION), "ingestion");
  CHECK_STR_EQ(arcos_stage_name(ARCOS_STAGE_ANALYSIS), "analysis");
  CHECK_STR_EQ(arcos_stage_name(ARCOS_STAGE_SCORING), "scoring");
  CHECK_STR_EQ(arcos_stage_name(ARCOS_STAGE_ALERT), "alert_generation");
  CHECK_STR_EQ(arcos_stage_name(ARCOS_STAGE_STORAGE), "storage");
  CHECK(arcos_stage_name(ARCOS_STAGE_COUNT) == NULL);
  CHECK(arcos_stage_name(-1) == NULL);
}

static void check_ts(const char *s, int64_t expected) {
  int64_t e = -1;
  int rc = arcos_rfc3339_parse(s, strlen(s), &e);
  if (rc != ARCOS_OK)
    fprintf(stderr, "rejected valid timestamp \"%s\"\n", s);
  CHECK_INT_EQ(rc, ARCOS_OK);
  CHECK_INT_EQ(e, expected);
}

static void check_ts_bad(const char *s, size_t len) {
  int64_t e = 12345;
  int rc = arcos_rfc3339_parse(s, len, &e);
  if (rc != ARCOS_EINVALID)
    fprintf(stderr, "accepted invalid timestamp \"%.*s\"\n", (int)len, s);
  CHECK_INT_EQ(rc, ARCOS_EINVALID);
  CHECK_INT_EQ(e, 12345); /* untouched on failure */
}

static void test_rfc3339(void) {
  check_ts("1970-01-01T00:00:00Z", 0);
  check_ts("2025-06-01T00:00:00Z", REF);
  check_ts("2025-03-01T12:00:00Z", 1740830400);
  check_ts("2025-03-01t12:00:00z", 1740830400);
  check_ts("2025-03-01 12:00:00Z", 1740830400);
  check_ts("2025-03-01T12:00:00+02:00", 1740823200);
  check_ts("2025-03-01T12:00:00-05:30", 1740850200);
  check_ts("2025-03-01T12:00:00+00:00", 1740830400);
  check_ts("2025-03-01T12:00:00-00:00", 1740830400);
  check_ts("2025-03-01T12:00:00+23:59", 1740830400 - 23 * 3600 - 59 * 60);
  /* Fractions are truncated, whatever their length. */
  check_ts("2025-03-01T12:00:00.999Z", 1740830400);
  check_ts("2025-03-01T12:00:00.1Z", 1740830400);
  check_ts("2025-03-01T12:00:00.123456789012345+02:00", 1740823200);
  check_ts("1969-12-31T23:59:59.5Z", -1);
  /* Leap years: divisible by 4, except centuries, except every 400 years. */
  check_ts("2024-02-29T00:00:00Z", 1709164800);
  check_ts("2000-02-29T00:00:00Z", 951782400);
  check_ts("2024-12-31T00:00:00Z", 1735603200);
  /* Range ends. */
  check_ts("9999-12-31T23:59:59Z", INT64_C(253402300799));
  check_ts("0001-01-01T00:00:00Z", INT64_C(-62135596800));
  check_ts("0000-01-01T00:00:00Z", INT64_C(-62167219200));
  check_ts("0000-01-01T00:00:00+01:00", INT64_C(-62167219200) - 3600);
  /* A leap second reads as :59 of the same minute. */
  check_ts("2016-12-31T23:59:60Z", 1483228799);
  check_ts("2016-12-31T23:59:60.999Z", 1483228799);

  static const char *bad[] = {
      "",
      "2025-03-01",
      "2025-03-01T12:00:00",        /* no zone */
      "2025-03-01T12:00Z",          /* no seconds */
      "2025-03-01T12:00:00.Z",      /* empty fraction */
      "2025-03-01T12:00:00,5Z",     /* comma fraction */
      "2025-03-01T12:00:00+2:00",   /* one-digit offset hour */
      "2025-03-01T12:00:00+0200",   /* offset without colon */
      "2025-03-01T12:00:00+02",     /* offset without minutes */
      "2025-03-01T12:00:00+24:00",  /* offset hour */
      "2025-03-01T12:00:00+01:60",  /* offset minute */
      "2025-03-01T12:00:00Zjunk",   /* trailing garbage */
      "2025-03-01T12:00:00Z ",      /* trailing space */
      " 2025-03-01T12:00:00Z",      /* leading space */
      "2025-03-01T12:00:00+01:00 ", /* trailing space after offset */
      "2025-3-01T12:00:00Z",
      "2025/03/01T12:00:00Z",
      "2025-03-01X12:00:00Z",
      "2025-03-01T12-00-00Z",
      "2025-13-01T00:00:00Z",
      "2025-00-10T00:00:00Z",
      "2025-01-00T00:00:00Z",
      "2025-01-32T00:00:00Z",
      "2025-04-31T00:00:00Z",
      "2023-02-29T00:00:00Z", /* not a leap year */
      "1900-02-29T00:00:00Z", /* century */
      "2100-02-29T00:00:00Z",
      "2025-03-01T24:00:00Z",
      "2025-03-01T12:60:00Z",
      "2025-03-01T12:00:61Z",
      "10000-01-01T00:00:00Z",
      "-001-01-01T00:00:00Z",
      "+2025-03-01T12:00:00Z",
      "２０２５-03-01T12:00:00Z",
      "garbage that is long enough",
      "2025-03-01T12:00:00ZZ",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    check_ts_bad(bad[i], strlen(bad[i]));
  /* The length, not a NUL, ends the text. */
  check_ts_bad("2025-03-01T12:00:00Z\0", 21);
  check_ts_bad("2025-03-01T12:00:00\0Z", 21);
  check_ts_bad("2025-03-01T12:00:00Z", 19);
}

static void test_rfc3339_format(void) {
  char out[32];
  arcos_rfc3339_format(0, out);
  CHECK_STR_EQ(out, "1970-01-01T00:00:00Z");
  arcos_rfc3339_format(-1, out);
  CHECK_STR_EQ(out, "1969-12-31T23:59:59Z");
  arcos_rfc3339_format(REF, out);
  CHECK_STR_EQ(out, "2025-06-01T00:00:00Z");
  arcos_rfc3339_format(INT64_C(253402300799), out);
  CHECK_STR_EQ(out, "9999-12-31T23:59:59Z");
  arcos_rfc3339_format(INT64_C(-62167219200), out);
  CHECK_STR_EQ(out, "0000-01-01T00:00:00Z");
  arcos_rfc3339_format(951782400 + 3723, out);
  CHECK_STR_EQ(out, "2000-02-29T01:02:03Z");
  /* Extremes do not overflow the 32-byte buffer and stay NUL-terminated. */
  arcos_rfc3339_format(INT64_MAX, out);
  CHECK(strlen(out) < 32);
  arcos_rfc3339_format(INT64_MIN, out);
  CHECK(strlen(out) < 32);
  /* Round trip over the whole supported range, every 7777777 s (about 90 days). */
  int bad = 0;
  for (int64_t e = INT64_C(-62167219200); e <= INT64_C(253402300799); e += 7777777) {
    int64_t back = 0;
    arcos_rfc3339_format(e, out);
    if (arcos_rfc3339_parse(out, strlen(out), &back) != ARCOS_OK || back != e) {
      if (bad++ < 5)
        fprintf(stderr, "round trip of %lld via %s gave %lld\n", (long long)e, out,
                (long long)back);
    }
  }
  CHECK_INT_EQ(bad, 0);
}

static void test_ingest_ids(void) {
  arcos_evidence_ctx_t *ctx = new_ctx();
  arcos_evidence_t rec;

  CHECK_INT_EQ(ingest(ctx, "{\"id\": \"abc\"}", &rec), ARCOS_OK);
  CHECK_MEM_EQ(rec.id, rec.id_len, "abc", 3);
  CHECK_INT_EQ(last_detail.code, 0);

  static const struct {
    const char *text, *id;
  } ints[] = {
      {"{\"id\": 42}", "42"},
      {"{\"id\": -5}", "-5"},
      {"{\"id\": 0}", "0"},
      {"{\"id\": -0}", "0"},
      {"{\"id\": 9223372036854775807}", "9223372036854775807"},
      {"{\"id\": -9223372036854775808}", "-9223372036854775808"},
  };
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    CHECK_INT_EQ(ingest(ctx, ints[i].text, &rec), ARCOS_OK);
    CHECK_MEM_EQ(rec.id, rec.id_len, ints[i].id, strlen(ints[i].id));
    CHECK_INT_EQ(rec.id[rec.id_len], '\0');
  }

  /* An id with an embedded NUL keeps its length. */
  CHECK_INT_EQ(ingest(ctx, "{\"id\": \"a\\u0000b\"}", &rec), ARCOS_OK);
  CHECK_MEM_EQ(rec.id, rec.id_len, "a\0b", 3);

  /* 256 bytes are allowed, 257 are not; multi-byte characters count in bytes. */
  char id[300];
  memset(id, 'x', sizeof id);
  id[256] = '\0';
  CHECK_INT_EQ(ingest(ctx, fmt("{\"id\": \"%s\"}", id), &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.id_len, 256);
  id[256] = 'x';
  id[257] = '\0';
  CHECK_INT_EQ(ingest(ctx, fmt("{\"id\": \"%s\"}", id), &rec), ARCOS_EINVALID);
  expect_detail("257 bytes");
  id[254] = '\0'; /* 254 bytes + "é" (2 bytes) = 256 */
  CHECK_INT_EQ(ingest(ctx, fmt("{\"id\": \"%s\\u00e9\"}", id), &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.id_len, 256);
  CHECK_INT_EQ(ingest(ctx, fmt("{\"id\": \"%s\\u00e9x\"}", id), &rec), ARCOS_EINVALID);

  static const struct {
    const char *text, *needle;
  } invalid[] = {
      {"{\"id\": \"\"}", "(got an empty string)"},
      {"{\"id\": 1.0}", "\"id\" must be a non-empty string or an integer (got float)"},
      {"{\"id\": 1e3}", "(got float)"},
      {"{\"id\": true}", "(got bool)"},
      {"{\"id\": false}", "(got bool)"},
      {"{\"id\": null}", "(got null)"},
      {"{\"id\": {}}", "(got object)"},
      {"{\"id\": [\"a\"]}", "(got array)"},
      {"{\"ID\": \"a\"}", "no \"id\""},
      {"{}", "no \"id\""},
      {"{\"type\": \"build\"}", "no \"id\""},
      {"5", "record is a JSON integer, not an object"},
      {"[{\"id\": \"a\"}]", "record is a JSON array, not an object"},
      {"\"id\"", "record is a JSON string"},
      {"null", "record is a JSON null"},
      {"1.5", "record is a JSON float"},
      {"true", "record is a JSON bool"},
  };
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    CHECK_INT_EQ(ingest(ctx, invalid[i].text, &rec), ARCOS_EINVALID);
    CHECK_INT_EQ(last_detail.code, ARCOS_EINVALID);
    expect_detail(invalid[i].needle);
    /* A failed ingest leaves no record to analyse. */
    CHECK_INT_EQ(arcos_ev_analyze(ctx, &rec), ARCOS_EINTERNAL);
  }
  /* detail may be NULL. */
  CHECK_INT_EQ(arcos_ev_ingest(ctx, "{}", 2, &rec, NULL), ARCOS_EINVALID);
  arcos_evidence_destroy(&ctx);
}

static void test_ingest_parse(void) {
  arcos_evidence_ctx_t *ctx = new_ctx();
  arcos_evidence_t rec;
  static const char *parse_errors[] = {
      "{\"id\": \"a\"",                   /* truncated */
      "{\"id\": \"a",                     /* truncated in a string */
      "{\"id\": \"a\"} x",                /* trailing garbage */
      "{\"id\": \"a\"}{\"id\": \"b\"}",   /* two values */
      "{\"id\": \"a\"},",                 /* trailing comma */
      "{\"id\": \"\xff\"}",               /* invalid UTF-8 */
      "{\"id\": \"\xc3\"}",               /* truncated UTF-8 sequence */
      "{\"id\": \"\xed\xa0\x80\"}",       /* UTF-8 encoded surrogate */
      "{\"id\": \"a\", \"data\": 1e400}", /* beyond double */
      "{'id': 'a'}",
      "{\"id\": \"a\" \"type\": \"b\"}",
      "\xef\xbb\xbf{\"id\": \"a\"}", /* BOM */
      "",
      "   ",
      "\r",
      "{\"id\": \"a\", \"data\": -NaN}", /* Python writes NaN, never -NaN */
      "{\"id\": \"a\", \"data\": [1,]}",
  };
  for (size_t i = 0; i < sizeof parse_errors / sizeof parse_errors[0]; i++) {
    int rc = ingest(ctx, parse_errors[i], &rec);
    if (rc != ARCOS_EPARSE)
      fprintf(stderr, "case %zu: %s\n", i, parse_errors[i]);
    CHECK_INT_EQ(rc, ARCOS_EPARSE);
    CHECK_INT_EQ(last_detail.code, ARCOS_EPARSE);
    expect_detail("not valid JSON: ");
    expect_detail("column ");
  }
  /* What Python writes is read (SPEC §1): a lone surrogate escape, an integer beyond
   * 64 bits, NUL in a key; a NaN id is a float, so invalid. */
  CHECK_INT_EQ(ingest(ctx, "{\"id\": \"\\ud800\"}", &rec), ARCOS_OK);
  CHECK_MEM_EQ(rec.id, rec.id_len, "\xed\xa0\x80", 3);
  CHECK_INT_EQ(ingest(ctx, "{\"id\": 99999999999999999999}", &rec), ARCOS_OK);
  CHECK_MEM_EQ(rec.id, rec.id_len, "99999999999999999999", 20);
  CHECK_INT_EQ(rec.id[rec.id_len], '\0');
  CHECK_INT_EQ(ingest(ctx, "{\"id\": \"a\", \"data\": {\"k\\u0000\": 1}}", &rec), ARCOS_OK);
  CHECK_INT_EQ(ingest(ctx, "{\"id\": NaN}", &rec), ARCOS_EINVALID);
  expect_detail("(got float)");
  /* jansson's own text and position come through. */
  CHECK_INT_EQ(ingest(ctx, "{\"id\": \"a\"} x", &rec), ARCOS_EPARSE);
  expect_detail("end of file expected");
  expect_detail("column 13");

  /* Surrounding whitespace and a trailing CR are fine. */
  CHECK_INT_EQ(ingest(ctx, "  {\"id\": \"a\"}\r", &rec), ARCOS_OK);
  CHECK_INT_EQ(ingest(ctx, "\t{\"id\": \"a\"} \r\n", &rec), ARCOS_OK);
  /* The length, not a NUL, ends the text. */
  CHECK_INT_EQ(arcos_ev_ingest(ctx, "{\"id\": \"a\"}\0junk", 11, &rec, NULL), ARCOS_OK);
  CHECK_INT_EQ(arcos_ev_ingest(ctx, "{\"id\": \"a\"}\0junk", 16, &rec, NULL), ARCOS_EPARSE);
  arcos_evidence_destroy(&ctx);

  /* Too long: rejected as invalid before parsing, even if it is not JSON. */
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  ctx = arcos_evidence_create(&sc, REF, 24);
  const char *ok24 = "{\"id\": \"0123456789abcd\"}";
  CHECK_INT_EQ(strlen(ok24), 24);
  CHECK_INT_EQ(ingest(ctx, ok24, &rec), ARCOS_OK);
  CHECK_INT_EQ(ingest(ctx, "{\"id\": \"0123456789abcde\"}", &rec), ARCOS_EINVALID);
  expect_detail("record is 25 bytes, over max_record_bytes 24");
  CHECK_INT_EQ(ingest(ctx, "this is not JSON at all, not at all", &rec), ARCOS_EINVALID);
  arcos_evidence_destroy(&ctx);
}

static void test_ingest_fields(void) {
  arcos_evidence_ctx_t *ctx = new_ctx();
  arcos_evidence_t rec;
  CHECK_INT_EQ(ingest(ctx,
                      "{\"id\": \"r\", \"type\": \"coverage\", \"source\": \"ci/gcov\", "
                      "\"timestamp\": \"2025-03-01T12:00:00Z\", \"extra\": [1, 2]}",
                      &rec),
               ARCOS_OK);
  CHECK_MEM_EQ(rec.type, rec.type_len, "coverage", 8);
  CHECK_MEM_EQ(rec.source, rec.source_len, "ci/gcov", 7);
  CHECK(rec.timestamp_valid);
  CHECK_INT_EQ(rec.timestamp, 1740830400);
  CHECK(!rec.checksum_present);
  /* The strings stay valid through the later stages of the same record. */
  const char *type = rec.type;
  CHECK_INT_EQ(arcos_ev_analyze(ctx, &rec), ARCOS_OK);
  CHECK_INT_EQ(arcos_ev_score(ctx, &rec), ARCOS_OK);
  CHECK_INT_EQ(arcos_ev_alert(ctx, &rec), ARCOS_OK);
  CHECK(type == rec.type);
  CHECK_MEM_EQ(rec.type, rec.type_len, "coverage", 8);

  /* Non-string type/source/timestamp read as absent, no error. */
  CHECK_INT_EQ(
      ingest(ctx, "{\"id\": 7, \"type\": 3, \"source\": null, \"timestamp\": 1740830400}", &rec),
      ARCOS_OK);
  CHECK_STR_EQ(rec.type, "");
  CHECK_INT_EQ(rec.type_len, 0);
  CHECK_STR_EQ(rec.source, "");
  CHECK_INT_EQ(rec.source_len, 0);
  CHECK(!rec.timestamp_valid);
  CHECK_INT_EQ(ingest(ctx, "{\"id\": 7, \"timestamp\": \"2023-02-29T00:00:00Z\"}", &rec), ARCOS_OK);
  CHECK(!rec.timestamp_valid);
  /* Duplicate members: the last one wins, as in Python. */
  CHECK_INT_EQ(ingest(ctx, "{\"id\": \"a\", \"type\": \"x\", \"type\": \"build\"}", &rec),
               ARCOS_OK);
  CHECK_MEM_EQ(rec.type, rec.type_len, "build", 5);
  /* checksum null is absent; any other value is present. */
  CHECK_INT_EQ(ingest(ctx, "{\"id\": \"a\", \"checksum\": null}", &rec), ARCOS_OK);
  CHECK(!rec.checksum_present);
  CHECK_INT_EQ(ingest(ctx, "{\"id\": \"a\", \"checksum\": \"\"}", &rec), ARCOS_OK);
  CHECK(rec.checksum_present);
  arcos_evidence_destroy(&ctx);
}

static const char *iso(int64_t epoch) {
  static char out[4][32];
  static int next;
  char *o = out[next++ % 4];
  arcos_rfc3339_format(epoch, o);
  return o;
}

static void test_completeness(void) {
  arcos_evidence_ctx_t *ctx = new_ctx();
  arcos_evidence_t rec;
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.completeness, 6);
  CHECK_INT_EQ(run(ctx,
                   fmt("{\"id\": \"a\", \"type\": \"build\", \"source\": \"ci\", "
                       "\"timestamp\": \"%s\", \"data\": {\"ok\": 1}}",
                       iso(REF)),
                   &rec),
               ARCOS_OK);
  CHECK_INT_EQ(rec.completeness, 30);
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\", \"type\": \"\", \"source\": \"\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.completeness, 6);
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\", \"type\": \"x\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.completeness, 12);
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\", \"source\": \"x\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.completeness, 12);
  CHECK_INT_EQ(run(ctx, fmt("{\"id\": \"a\", \"timestamp\": \"%s\"}", iso(0)), &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.completeness, 12);
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\", \"timestamp\": \"yesterday\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.completeness, 6);

  static const struct {
    const char *data;
    int points;
  } data[] = {
      {"0", 12},
      {"false", 12},
      {"0.0", 12},
      {"\"x\"", 12},
      {"[0]", 12},
      {"[[]]", 12},
      {"{\"a\": null}", 12},
      {"true", 12},
      {"null", 6},
      {"\"\"", 6},
      {"{}", 6},
      {"[]", 6},
  };
  for (size_t i = 0; i < sizeof data / sizeof data[0]; i++) {
    CHECK_INT_EQ(run(ctx, fmt("{\"id\": \"a\", \"data\": %s}", data[i].data), &rec), ARCOS_OK);
    if (rec.completeness != data[i].points)
      fprintf(stderr, "data %s\n", data[i].data);
    CHECK_INT_EQ(rec.completeness, data[i].points);
  }
  arcos_evidence_destroy(&ctx);
}

static void test_integrity(void) {
  arcos_evidence_ctx_t *ctx = new_ctx();
  arcos_evidence_t rec;
  /* Digest from Python: sha256(json.dumps(data, sort_keys=True)). Keys are written out
   * of order and with other spacing; the canonical form does not care. */
  const char *data = "{\"tests\":10,\"suite\":\"unit \xc3\xa9\xf0\x9f\x98\x80\",\"ratio\":0.1,"
                     "\"passed\":true}";
  const char *sum = "df6ee9f6c4ea342d9edaab7723e7e9192bc699b9cc4566570c7c04a2273991b9";
  CHECK_INT_EQ(
      run(ctx, fmt("{\"id\": \"a\", \"data\": %s, \"checksum\": \"%s\"}", data, sum), &rec),
      ARCOS_OK);
  CHECK(rec.checksum_present);
  CHECK(rec.verified);
  CHECK_INT_EQ(rec.integrity, 25);
  CHECK(!(rec.alerts & ARCOS_ALERT_INTEGRITY_VIOLATION));
  /* The same data written with escapes and 0.1 as 1e-1 is the same canonical text. */
  CHECK_INT_EQ(run(ctx,
                   fmt("{\"checksum\": \"%s\", \"data\": {\"ratio\": 1e-1, \"passed\": true, "
                       "\"suite\": \"unit \\u00e9\\ud83d\\ude00\", \"tests\": 10}, \"id\": 1}",
                       sum),
                   &rec),
               ARCOS_OK);
  CHECK(rec.verified);

  /* Tampered data. */
  CHECK_INT_EQ(run(ctx,
                   fmt("{\"id\": \"a\", \"data\": {\"tests\": 11, \"suite\": \"unit "
                       "\\u00e9\\ud83d\\ude00\", \"ratio\": 0.1, \"passed\": true}, "
                       "\"checksum\": \"%s\"}",
                       sum),
                   &rec),
               ARCOS_OK);
  CHECK(rec.checksum_present);
  CHECK(!rec.verified);
  CHECK_INT_EQ(rec.integrity, 0);
  CHECK(rec.alerts & ARCOS_ALERT_INTEGRITY_VIOLATION);
  CHECK_INT_EQ(rec.severity, ARCOS_SEV_CRITICAL);

  /* Absent data hashes as null. */
  const char *null_sum = "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b";
  CHECK_INT_EQ(run(ctx, fmt("{\"id\": \"a\", \"checksum\": \"%s\"}", null_sum), &rec), ARCOS_OK);
  CHECK(rec.verified);
  CHECK_INT_EQ(
      run(ctx, fmt("{\"id\": \"a\", \"data\": null, \"checksum\": \"%s\"}", null_sum), &rec),
      ARCOS_OK);
  CHECK(rec.verified);

  /* Malformed checksums are present and mismatched. */
  char upper[65];
  for (int i = 0; i < 65; i++)
    upper[i] = (char)(sum[i] >= 'a' && sum[i] <= 'f' ? sum[i] - 'a' + 'A' : sum[i]);
  char longer[70];
  snprintf(longer, sizeof longer, "%s0", sum);
  char shorter[65];
  snprintf(shorter, sizeof shorter, "%.63s", sum);
  const char *bad[] = {upper, longer, shorter, "\"\""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *quoted = bad[i][0] == '"' ? "" : "\"";
    CHECK_INT_EQ(run(ctx,
                     fmt("{\"id\": \"a\", \"data\": %s, \"checksum\": %s%s%s}", data, quoted,
                         bad[i], quoted),
                     &rec),
                 ARCOS_OK);
    CHECK(rec.checksum_present);
    CHECK(!rec.verified);
    CHECK_INT_EQ(rec.integrity, 0);
    CHECK(rec.alerts & ARCOS_ALERT_INTEGRITY_VIOLATION);
  }
  const char *non_strings[] = {
      "123",
      "true",
      "false",
      "{}",
      "[]",
      "0.5",
      "[\"df6ee9f6c4ea342d9edaab7723e7e9192bc699b9cc4566570c7c04a2273991b9\"]"};
  for (size_t i = 0; i < sizeof non_strings / sizeof non_strings[0]; i++) {
    CHECK_INT_EQ(run(ctx,
                     fmt("{\"id\": \"a\", \"data\": %s, \"checksum\": %s}", data, non_strings[i]),
                     &rec),
                 ARCOS_OK);
    CHECK(rec.checksum_present);
    CHECK(!rec.verified);
    CHECK(rec.alerts & ARCOS_ALERT_INTEGRITY_VIOLATION);
    CHECK_INT_EQ(rec.severity, ARCOS_SEV_CRITICAL);
  }
  /* null or absent: not present, no alert. */
  CHECK_INT_EQ(run(ctx, fmt("{\"id\": \"a\", \"data\": %s, \"checksum\": null}", data), &rec),
               ARCOS_OK);
  CHECK(!rec.checksum_present);
  CHECK(!rec.verified);
  CHECK(!(rec.alerts & ARCOS_ALERT_INTEGRITY_VIOLATION));
  CHECK_INT_EQ(run(ctx, fmt("{\"id\": \"a\", \"data\": %s}", data), &rec), ARCOS_OK);
  CHECK(!rec.checksum_present);
  CHECK(!(rec.alerts & ARCOS_ALERT_INTEGRITY_VIOLATION));

  /* A checksum computed by this library round-trips through a record. */
  json_t *d = json_pack("{s:[f,f,I],s:s}", "v", 1e-7, 1.5e300, (json_int_t)-9007199254740993,
                        "k\x7f/", "\"\\\n");
  arcos_buf_t canon = {0};
  char hex[65];
  CHECK_INT_EQ(arcos_canonical_append(&canon, d), ARCOS_OK);
  CHECK_STR_EQ(canon.data,
               "{\"k\\u007f/\": \"\\\"\\\\\\n\", \"v\": [1e-07, 1.5e+300, -9007199254740993]}");
  CHECK_INT_EQ(arcos_ev_sha256_hex(ctx, canon.data, canon.len, hex), ARCOS_OK);
  char *dtext = json_dumps(d, JSON_COMPACT);
  CHECK_INT_EQ(
      run(ctx, fmt("{\"id\": \"a\", \"data\": %s, \"checksum\": \"%s\"}", dtext, hex), &rec),
      ARCOS_OK);
  CHECK(rec.verified);
  free(dtext);
  arcos_buf_free(&canon);
  json_decref(d);
  arcos_evidence_destroy(&ctx);
}

static void test_provenance(void) {
  arcos_evidence_ctx_t *ctx = new_ctx();
  arcos_evidence_t rec;
  static const struct {
    const char *prov;
    int points;
  } cases[] = {
      {"{}", 0},
      {"[]", 0},
      {"[{\"tool\": 1}]", 0},
      {"\"jenkins\"", 0},
      {"null", 0},
      {"{\"host\": \"b1\"}", 10},
      {"{\"tool\": \"gcov\"}", 15},
      {"{\"collector\": null}", 15},
      {"{\"collector\": 1, \"tool\": 2}", 15},
      {"{\"Tool\": \"gcov\"}", 10},
      {"{\"tools\": \"gcov\"}", 10},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK_INT_EQ(run(ctx, fmt("{\"id\": \"a\", \"provenance\": %s}", cases[i].prov), &rec),
                 ARCOS_OK);
    if (rec.provenance != cases[i].points)
      fprintf(stderr, "provenance %s\n", cases[i].prov);
    CHECK_INT_EQ(rec.provenance, cases[i].points);
  }
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.provenance, 0);
  arcos_evidence_destroy(&ctx);
}

static int freshness_at(arcos_evidence_ctx_t *ctx, int64_t ts, uint8_t *alerts) {
  arcos_evidence_t rec;
  int rc = run(ctx, fmt("{\"id\": \"a\", \"timestamp\": \"%s\"}", iso(ts)), &rec);
  CHECK_INT_EQ(rc, ARCOS_OK);
  CHECK(rec.timestamp_valid);
  CHECK_INT_EQ(rec.timestamp, ts);
  if (alerts != NULL)
    *alerts = rec.alerts;
  return rec.freshness;
}

static void test_freshness(void) {
  arcos_evidence_ctx_t *ctx = new_ctx();
  arcos_evidence_t rec;
  uint8_t alerts = 0;
  CHECK_INT_EQ(freshness_at(ctx, REF, NULL), 20);
  CHECK_INT_EQ(freshness_at(ctx, REF - 30 * DAY, NULL), 20);
  /* 20 * (365d - (30d + 1s)) / 335d = 19.99... -> 19 */
  CHECK_INT_EQ(freshness_at(ctx, REF - 30 * DAY - 1, NULL), 19);
  CHECK_INT_EQ(freshness_at(ctx, REF - 200 * DAY, NULL), 9); /* 20 * 165 / 335 = 9.85 */
  CHECK_INT_EQ(freshness_at(ctx, REF - 198 * DAY - DAY / 2, NULL), 9);
  CHECK_INT_EQ(freshness_at(ctx, REF - 197 * DAY - DAY / 2, NULL), 10); /* exactly half */
  CHECK_INT_EQ(freshness_at(ctx, REF - 348 * DAY, NULL), 1);            /* 20 * 17 / 335 = 1.01 */
  CHECK_INT_EQ(freshness_at(ctx, REF - 349 * DAY, NULL), 0);            /* 20 * 16 / 335 = 0.96 */
  CHECK_INT_EQ(freshness_at(ctx, REF - 364 * DAY, NULL), 0);
  CHECK_INT_EQ(freshness_at(ctx, REF - 365 * DAY, NULL), 0);
  CHECK_INT_EQ(freshness_at(ctx, REF - 366 * DAY, NULL), 0);
  CHECK_INT_EQ(freshness_at(ctx, INT64_C(-62167219200), NULL), 0);
  /* Up to one day in the future: a negative age, full points, no clock skew. */
  CHECK_INT_EQ(freshness_at(ctx, REF + 1, &alerts), 20);
  CHECK(!(alerts & ARCOS_ALERT_CLOCK_SKEW));
  CHECK_INT_EQ(freshness_at(ctx, REF + DAY, &alerts), 20);
  CHECK(!(alerts & ARCOS_ALERT_CLOCK_SKEW));
  CHECK_INT_EQ(freshness_at(ctx, REF + DAY + 1, &alerts), 0);
  CHECK(alerts & ARCOS_ALERT_CLOCK_SKEW);
  CHECK_INT_EQ(freshness_at(ctx, INT64_C(253402300799), &alerts), 0);
  CHECK(alerts & ARCOS_ALERT_CLOCK_SKEW);
  /* Offsets count: 2025-06-02T01:00:00+01:00 is exactly REF + 1 day. */
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\", \"timestamp\": \"2025-06-02T01:00:00+01:00\"}", &rec),
               ARCOS_OK);
  CHECK_INT_EQ(rec.freshness, 20);
  CHECK(!(rec.alerts & ARCOS_ALERT_CLOCK_SKEW));
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\", \"timestamp\": \"2025-06-02T01:00:01+01:00\"}", &rec),
               ARCOS_OK);
  CHECK_INT_EQ(rec.freshness, 0);
  CHECK(rec.alerts & ARCOS_ALERT_CLOCK_SKEW);
  /* Fractions are truncated before comparing: ":59.9" counts as ":59", so this is
   * 30 days + 1 s old (19 points), not 30 days + 0.1 s. */
  CHECK_INT_EQ(
      run(ctx, fmt("{\"id\": \"a\", \"timestamp\": \"%.19s.9Z\"}", iso(REF - 30 * DAY - 1)), &rec),
      ARCOS_OK);
  CHECK_INT_EQ(rec.freshness, 19);
  /* Invalid or missing timestamps: 0 and no clock skew. */
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\", \"timestamp\": \"2025-06-01\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.freshness, 0);
  CHECK(!(rec.alerts & ARCOS_ALERT_CLOCK_SKEW));
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.freshness, 0);
  arcos_evidence_destroy(&ctx);

  /* Other weights: 10 points, fresh 1 day, stale 3 days, tolerance 0. */
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  sc.freshness = 10;
  sc.fresh_days = 1;
  sc.stale_days = 3;
  sc.future_tolerance_s = 0;
  ctx = arcos_evidence_create(&sc, REF, 1 << 20);
  CHECK_INT_EQ(freshness_at(ctx, REF - 2 * DAY, NULL), 5);
  CHECK_INT_EQ(freshness_at(ctx, REF - 2 * DAY - 1, NULL), 4);
  CHECK_INT_EQ(freshness_at(ctx, REF - DAY, NULL), 10);
  CHECK_INT_EQ(freshness_at(ctx, REF, &alerts), 10);
  CHECK(!(alerts & ARCOS_ALERT_CLOCK_SKEW));
  CHECK_INT_EQ(freshness_at(ctx, REF + 1, &alerts), 0);
  CHECK(alerts & ARCOS_ALERT_CLOCK_SKEW);
  arcos_evidence_destroy(&ctx);
}

static int signal_of(arcos_evidence_ctx_t *ctx, const char *type, const char *data) {
  arcos_evidence_t rec;
  const char *text = type != NULL
                         ? fmt("{\"id\": \"a\", \"type\": \"%s\", \"data\": %s}", type, data)
                         : fmt("{\"id\": \"a\", \"data\": %s}", data);
  int rc = run(ctx, text, &rec);
  CHECK_INT_EQ(rc, ARCOS_OK);
  return rec.signal;
}

static void test_signal(void) {
  arcos_evidence_ctx_t *ctx = new_ctx();
  static const struct {
    const char *type, *data;
    int points;
  } cases[] = {
      {"test_result", "{\"passed\": true}", 10},
      {"test_result", "{\"passed\": false}", 0},
      /* SPEC §2: a number is no boolean, and the ratio rule needs "failed" too. */
      {"test_result", "{\"passed\": 1}", 5},
      {"test_result", "{\"passed\": 0}", 5},
      {"test_result", "{\"passed\": 0.5}", 5},
      {"test_result", "{\"passed\": 9, \"failed\": 1}", 5},
      {"test_result", "{\"passed\": 19, \"failed\": 1}", 5},
      {"test_result", "{\"passed\": 17, \"failed\": 3}", 0},
      {"test_result", "{\"passed\": 4, \"failed\": 0}", 10},
      {"test_result", "{\"passed\": 0, \"failed\": 0}", 5},
      {"test_result", "{\"passed\": true, \"failed\": 3}", 10},
      {"test_result", "{\"passed\": \"yes\"}", 5},
      {"test_result", "{\"passed\": \"\"}", 5},
      {"test_result", "{\"passed\": null}", 5},
      {"test_result", "{\"passed\": [true]}", 5},
      {"test_result", "{\"Passed\": true}", 5},
      {"test_result", "{}", 5},
      {"test_result", "[{\"passed\": true}]", 5},
      {"test_result", "true", 5},
      {"coverage", "{\"line_coverage\": 80}", 10},
      {"coverage", "{\"line_coverage\": 80.0}", 10},
      {"coverage", "{\"line_coverage\": 100}", 10},
      {"coverage", "{\"line_coverage\": 1e300}", 10},
      {"coverage", "{\"line_coverage\": 79.99999999999999}", 5},
      {"coverage", "{\"line_coverage\": 50}", 5},
      {"coverage", "{\"line_coverage\": 50.0}", 5},
      {"coverage", "{\"line_coverage\": 49.99}", 0},
      {"coverage", "{\"line_coverage\": 0}", 0},
      {"coverage", "{\"line_coverage\": -5}", 0},
      {"coverage", "{\"line_coverage\": true}", 5},
      {"coverage", "{\"line_coverage\": false}", 5},
      {"coverage", "{\"line_coverage\": \"90\"}", 5},
      {"coverage", "{\"line_coverage\": null}", 5},
      {"coverage", "{\"branch_coverage\": 90}", 5},
      {"coverage", "\"90%\"", 5},
      {"security_scan", "{\"critical\": 0, \"high\": 0}", 10},
      {"security_scan", "{\"critical\": 0, \"high\": 1}", 0},
      {"security_scan", "{\"critical\": 2, \"high\": 0}", 0},
      {"security_scan", "{\"critical\": false, \"high\": false}", 5},
      {"security_scan", "{\"critical\": true, \"high\": 0}", 5},
      {"security_scan", "{\"critical\": 0.0, \"high\": -0.0}", 10},
      {"security_scan", "{\"critical\": 0.5, \"high\": -0.5}", 10},
      {"security_scan", "{\"critical\": 1, \"high\": -1}", 10},
      {"security_scan", "{\"critical\": 1, \"high\": -1.0}", 10},
      {"security_scan", "{\"critical\": 0.1, \"high\": 0}", 0},
      {"security_scan", "{\"critical\": 9223372036854775807, \"high\": 1}", 0},
      /* SPEC's rule is "sum <= 0": negative sums score like zero, and -2^64 does not
       * wrap to 0 (doubles). */
      {"security_scan", "{\"critical\": -9223372036854775808, \"high\": -1}", 10},
      {"security_scan", "{\"critical\": -9223372036854775808, \"high\": -9223372036854775808}", 10},
      {"security_scan", "{\"critical\": 1, \"high\": -3}", 10},
      {"security_scan", "{\"critical\": 9223372036854775807, \"high\": -9223372036854775807}", 10},
      {"security_scan", "{\"critical\": 0}", 5},
      {"security_scan", "{\"high\": 0}", 5},
      {"security_scan", "{\"critical\": \"0\", \"high\": 0}", 5},
      {"security_scan", "{\"critical\": 0, \"high\": null}", 5},
      {"security_scan", "[0, 0]", 5},
      {"build", "{\"passed\": false}", 5},
      {"static_analysis", "{\"critical\": 3}", 5},
      {"Test_Result", "{\"passed\": false}", 5},
      {"", "{\"passed\": false}", 5},
      {NULL, "{\"passed\": false}", 5},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int got = signal_of(ctx, cases[i].type, cases[i].data);
    if (got != cases[i].points)
      fprintf(stderr, "signal for %s %s\n", cases[i].type ? cases[i].type : "(none)",
              cases[i].data);
    CHECK_INT_EQ(got, cases[i].points);
  }
  arcos_evidence_t rec;
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\", \"type\": \"coverage\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.signal, 5);
  arcos_evidence_destroy(&ctx);
}

static void test_score_and_alerts(void) {
  arcos_evidence_ctx_t *ctx = new_ctx();
  arcos_evidence_t rec;
  const char *sum = "df6ee9f6c4ea342d9edaab7723e7e9192bc699b9cc4566570c7c04a2273991b9";
  const char *data = "{\"passed\": true, \"ratio\": 0.1, \"suite\": \"unit "
                     "\\u00e9\\ud83d\\ude00\", \"tests\": 10}";
  /* Everything: 30 + 25 + 15 + 20 + 10. */
  CHECK_INT_EQ(run(ctx,
                   fmt("{\"id\": \"ev-1\", \"type\": \"test_result\", \"source\": \"ci\", "
                       "\"timestamp\": \"%s\", \"data\": %s, \"provenance\": {\"tool\": "
                       "\"pytest\"}, \"checksum\": \"%s\"}",
                       iso(REF - DAY), data, sum),
                   &rec),
               ARCOS_OK);
  CHECK_INT_EQ(rec.completeness, 30);
  CHECK_INT_EQ(rec.integrity, 25);
  CHECK_INT_EQ(rec.provenance, 15);
  CHECK_INT_EQ(rec.freshness, 20);
  CHECK_INT_EQ(rec.signal, 10);
  CHECK_INT_EQ(rec.score, 100);
  CHECK_INT_EQ(rec.alerts, 0);
  CHECK_INT_EQ(rec.severity, ARCOS_SEV_NONE);

  /* Bare: 6 + 0 + 0 + 0 + 5 = 11, low quality. */
  CHECK_INT_EQ(run(ctx, "{\"id\": 1}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.score, 11);
  CHECK_INT_EQ(rec.alerts, ARCOS_ALERT_LOW_QUALITY);
  CHECK_INT_EQ(rec.severity, ARCOS_SEV_HIGH);

  /* Exactly the threshold (30 + 0 + 0 + 20 + 0 = 50) is not low quality; 49 is. */
#define AT50                                                                                       \
  "{\"id\": \"a\", \"type\": \"test_result\", \"source\": \"ci\", \"timestamp\": \"%s\", "         \
  "\"data\": {\"passed\": false}}"
  CHECK_INT_EQ(run(ctx, fmt(AT50, iso(REF - 30 * DAY)), &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.score, 50);
  CHECK_INT_EQ(rec.alerts, 0);
  CHECK_INT_EQ(rec.severity, ARCOS_SEV_NONE);
  CHECK_INT_EQ(run(ctx, fmt(AT50, iso(REF - 30 * DAY - 1)), &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.score, 49);
  CHECK_INT_EQ(rec.alerts, ARCOS_ALERT_LOW_QUALITY);
  CHECK_INT_EQ(rec.severity, ARCOS_SEV_HIGH);

  /* Clock skew alone: 30 + 25 + 15 + 0 + 10 = 80, medium. */
#define FULL                                                                                       \
  "{\"id\": \"ev-1\", \"type\": \"test_result\", \"source\": \"ci\", \"timestamp\": \"%s\", "      \
  "\"data\": %s, \"provenance\": {\"collector\": \"c\"}, \"checksum\": \"%s\"}"
  CHECK_INT_EQ(run(ctx, fmt(FULL, iso(REF + DAY + 1), data, sum), &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.score, 80);
  CHECK_INT_EQ(rec.alerts, ARCOS_ALERT_CLOCK_SKEW);
  CHECK_INT_EQ(rec.severity, ARCOS_SEV_MEDIUM);

  /* Integrity violation alone (score 75 stays above the threshold): critical. */
  const char *bad_sum = "0000000000000000000000000000000000000000000000000000000000000000";
  CHECK_INT_EQ(run(ctx, fmt(FULL, iso(REF), data, bad_sum), &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.score, 75);
  CHECK_INT_EQ(rec.alerts, ARCOS_ALERT_INTEGRITY_VIOLATION);
  CHECK_INT_EQ(rec.severity, ARCOS_SEV_CRITICAL);

  /* Low quality and clock skew: high. 6 + 6 (timestamp) + 0 + 0 + 5 = 17. */
  CHECK_INT_EQ(run(ctx, fmt("{\"id\": \"a\", \"timestamp\": \"%s\"}", iso(REF + 2 * DAY)), &rec),
               ARCOS_OK);
  CHECK_INT_EQ(rec.score, 17);
  CHECK_INT_EQ(rec.alerts, ARCOS_ALERT_LOW_QUALITY | ARCOS_ALERT_CLOCK_SKEW);
  CHECK_INT_EQ(rec.severity, ARCOS_SEV_HIGH);

  /* All three: critical. */
  CHECK_INT_EQ(
      run(ctx,
          fmt("{\"id\": \"a\", \"timestamp\": \"%s\", \"checksum\": \"x\"}", iso(REF + 2 * DAY)),
          &rec),
      ARCOS_OK);
  CHECK_INT_EQ(rec.alerts,
               ARCOS_ALERT_INTEGRITY_VIOLATION | ARCOS_ALERT_LOW_QUALITY | ARCOS_ALERT_CLOCK_SKEW);
  CHECK_INT_EQ(rec.severity, ARCOS_SEV_CRITICAL);
  arcos_evidence_destroy(&ctx);

  /* Weights beyond a uint8_t are clamped, and the score saturates. */
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  sc.completeness_each = 1000;
  sc.signal_neutral = 200;
  sc.alert_threshold = 0;
  ctx = arcos_evidence_create(&sc, REF, 1 << 20);
  CHECK_INT_EQ(run(ctx, "{\"id\": \"a\", \"type\": \"x\"}", &rec), ARCOS_OK);
  CHECK_INT_EQ(rec.completeness, 255);
  CHECK_INT_EQ(rec.signal, 200);
  CHECK_INT_EQ(rec.score, 255);
  CHECK_INT_EQ(rec.alerts, 0);
  arcos_evidence_destroy(&ctx);
}

/* The checksum memo's path (arcos_ev_ingest_memo): with the facts of a record whose
 * `data` text is the same, a record ingested without parsing `data` gets the same
 * components, alerts and verdict as the full path, and never ingests when the full
 * path does not (a malformed envelope falls back). Mutations of valid records check
 * the second property around every byte outside `data`. */
typedef struct {
  int rc;
  arcos_evidence_t r;
} outcome_t;

static outcome_t full_path(arcos_evidence_ctx_t *ctx, const char *t, size_t n, arcos_ev_memo_t *m,
                           int *has_m) {
  outcome_t o;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  o.rc = arcos_ev_ingest(ctx, t, n, &o.r, &d);
  if (o.rc == ARCOS_OK)
    o.rc = arcos_ev_analyze(ctx, &o.r);
  if (o.rc == ARCOS_OK) {
    arcos_ev_score(ctx, &o.r);
    arcos_ev_alert(ctx, &o.r);
  }
  *has_m = o.rc == ARCOS_OK && arcos_ev_memo_facts(ctx, &o.r, m) == ARCOS_OK;
  return o;
}

static outcome_t memo_path(arcos_evidence_ctx_t *ctx, const char *t, size_t n, size_t off,
                           size_t len, const arcos_ev_memo_t *m) {
  outcome_t o;
  o.rc = arcos_ev_ingest_memo(ctx, t, n, off, len, m, &o.r);
  if (o.rc == ARCOS_OK)
    o.rc = arcos_ev_analyze(ctx, &o.r);
  if (o.rc == ARCOS_OK) {
    arcos_ev_score(ctx, &o.r);
    arcos_ev_alert(ctx, &o.r);
  }
  return o;
}

static int same_result(const outcome_t *a, const outcome_t *b) {
  const arcos_evidence_t *x = &a->r, *y = &b->r;
  return x->id_len == y->id_len && memcmp(x->id, y->id, x->id_len) == 0 &&
         x->type_len == y->type_len && memcmp(x->type, y->type, x->type_len) == 0 &&
         x->source_len == y->source_len && memcmp(x->source, y->source, x->source_len) == 0 &&
         x->timestamp == y->timestamp && x->timestamp_valid == y->timestamp_valid &&
         x->checksum_present == y->checksum_present && x->verified == y->verified &&
         x->completeness == y->completeness && x->integrity == y->integrity &&
         x->provenance == y->provenance && x->freshness == y->freshness && x->signal == y->signal &&
         x->score == y->score && x->alerts == y->alerts && x->severity == y->severity;
}

static void test_memo_path(void) {
  arcos_evidence_ctx_t *full = new_ctx(), *fast = new_ctx();
  const char *datas[] = {"{\"passed\": true, \"tests\": 10}",
                         "{\"passed\": 0}",
                         "{\"passed\": \"yes\"}",
                         "{\"line_coverage\": 85.5, \"passed\": false}",
                         "{\"line_coverage\": 60}",
                         "{\"line_coverage\": true}",
                         "{\"critical\": 0, \"high\": 0.0, \"line_coverage\": 10}",
                         "{\"critical\": 1, \"high\": -1}",
                         "{\"critical\": 9223372036854775807, \"high\": 1}",
                         "[1, 2, {\"passed\": true}]",
                         "\"text with \\\"quotes\\\" and } ]\"",
                         "\"\"",
                         "{}",
                         "[]",
                         "null",
                         "0",
                         "-1.5e3",
                         "true",
                         "{\"a\": {\"b\": [\"}\", \"\\\\\"]}, \"passed\": true}"};
  const char *types[] = {"test_result", "coverage", "security_scan", "build"};
  int checked = 0, mutated = 0;
  for (size_t di = 0; di < sizeof datas / sizeof *datas; di++) {
    /* The right checksum of this data, from the full path's canonical form. */
    char hex[65];
    {
      json_t *v = json_loads(datas[di], JSON_DECODE_ANY, NULL);
      arcos_buf_t c = {0};
      arcos_canonical_append(&c, v);
      arcos_ev_sha256_hex(full, c.data, c.len, hex);
      arcos_buf_free(&c);
      json_decref(v);
    }
    for (size_t ti = 0; ti < 4; ti++) {
      for (int form = 0; form < 5; form++) {
        char rec[2048];
        const char *cs = form == 0   ? fmt(", \"checksum\": \"%s\"", hex)
                         : form == 1 ? ", \"checksum\": \"0000\""
                         : form == 2 ? ", \"checksum\": null"
                         : form == 3 ? ""
                                     : ", \"checksum\": 5";
        char cbuf[128];
        snprintf(cbuf, sizeof cbuf, "%s", cs);
        /* a first "data" member that jansson discards, odd spacing */
        int n = snprintf(rec, sizeof rec,
                         "{\"id\": \"r%zu\", \"data\": [1], \"type\": \"%s\",\t\"source\":\"ci\", "
                         "\"timestamp\": \"2025-05-30T00:00:00Z\", \"provenance\": {\"tool\": 1}, "
                         "\"data\" :  %s %s}",
                         di, types[ti], datas[di], cbuf);
        size_t off, len;
        CHECK_INT_EQ(arcos_json_raw_member(rec, (size_t)n, "data", 4, &off, &len), 1);
        CHECK_INT_EQ(len, strlen(datas[di]));
        arcos_ev_memo_t m;
        int has_m = 0;
        outcome_t a = full_path(full, rec, (size_t)n, &m, &has_m);
        CHECK_INT_EQ(a.rc, ARCOS_OK);
        CHECK(has_m);
        outcome_t b = memo_path(fast, rec, (size_t)n, off, len, &m);
        CHECK_INT_EQ(b.rc, ARCOS_OK);
        CHECK(same_result(&a, &b));
        checked++;
        /* The same data text under another type: the memo holds every type's facts. */
        arcos_ev_memo_t m2;
        int has2 = 0;
        for (size_t tj = 0; tj < 4; tj++) {
          char rec2[2048];
          int n2 = snprintf(rec2, sizeof rec2, "{\"id\": 7, \"type\": \"%s\", \"data\": %s %s}",
                            types[tj], datas[di], cbuf);
          size_t off2, len2;
          CHECK_INT_EQ(arcos_json_raw_member(rec2, (size_t)n2, "data", 4, &off2, &len2), 1);
          outcome_t c = full_path(full, rec2, (size_t)n2, &m2, &has2);
          outcome_t e = memo_path(fast, rec2, (size_t)n2, off2, len2, &m);
          CHECK(c.rc == ARCOS_OK && e.rc == ARCOS_OK && same_result(&c, &e));
        }
        /* Every single-byte change outside the data span: the memo path never ingests
         * a record the full path rejects, and agrees whenever both ingest. */
        static const char repl[] = {'x', '"', '}', ',', ' ', ':', '\\', '{', ']', '0'};
        for (size_t pos = 0; ti == 0 && form < 2 && pos < (size_t)n; pos++) {
          if (pos >= off && pos < off + len)
            continue;
          for (size_t k = 0; k < sizeof repl; k++) {
            char mut[2048];
            memcpy(mut, rec, (size_t)n);
            mut[pos] = repl[k];
            size_t moff, mlen;
            size_t coff = 0, clen = 0, mcoff = 0, mclen = 0;
            int hc = arcos_json_raw_member(rec, (size_t)n, "checksum", 8, &coff, &clen);
            if (arcos_json_raw_member(mut, (size_t)n, "data", 4, &moff, &mlen) != 1 ||
                mlen != len || memcmp(mut + moff, datas[di], len) != 0 ||
                arcos_json_raw_member(mut, (size_t)n, "checksum", 8, &mcoff, &mclen) != hc ||
                mclen != clen || memcmp(mut + mcoff, rec + coff, clen) != 0)
              continue; /* another key (data or checksum text): the memo would not hit */
            arcos_ev_memo_t mm;
            int hm = 0;
            outcome_t x = full_path(full, mut, (size_t)n, &mm, &hm);
            outcome_t y = memo_path(fast, mut, (size_t)n, moff, mlen, &m);
            if (x.rc != ARCOS_OK)
              CHECK(y.rc != ARCOS_OK);
            else if (y.rc == ARCOS_OK)
              CHECK(same_result(&x, &y));
            mutated++;
          }
        }
      }
    }
  }
  CHECK(checked == 19 * 4 * 5);
  CHECK(mutated > 10000);
  arcos_evidence_destroy(&full);
  arcos_evidence_destroy(&fast);
}

int main(void) {
  test_names_and_defaults();
  test_rfc3339();
  test_rfc3339_format();
  test_ingest_ids();
  test_ingest_parse();
  test_ingest_fields();
  test_completeness();
  test_integrity();
  test_provenance();
  test_freshness();
  test_signal();
  test_score_and_alerts();
  test_memo_path();
  return CHECK_DONE();
}
