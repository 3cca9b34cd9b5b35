/* usage: test_archive                           the unit test
 *        test_archive --set-records PATH N       overwrite an archive's "records" attribute
 *
 * HDF5 evidence archives: the fields path scores exactly as the text path, and an
 * archive written by arcos_archive_convert reads back row for row (round trip), on
 * one rank. Damaged archives (a foreign HDF5 file, declared sizes that do not match)
 * are refused by arcos_archive_probe with a message. */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/archive.h"
#include "arcos/evidence.h"
#include "check.h"

#define REF 1790000000 /* 2026-09-21 */

/* Records covering every field the components read; some with a valid checksum
 * (filled in by main: "@SUM@" is replaced by the SHA-256 of canonical(data)). */
static const char *const LINES[] = {
    "\xEF\xBB\xBF{\"id\": \"bom\", \"type\": \"build\", \"source\": \"ci\", \"timestamp\": "
    "\"2026-09-20T00:00:00Z\", \"data\": {\"ok\": true}}",
    "{\"id\": \"t1\", \"type\": \"test_result\", \"source\": \"ci\", \"timestamp\": "
    "\"2026-09-01T10:00:00.5+02:00\", \"data\": {\"passed\": true, \"n\": 0.1}, \"checksum\": "
    "\"@SUM@\", \"provenance\": {\"tool\": \"pytest\"}}",
    "{\"id\": 42, \"type\": \"test_result\", \"source\": \"\", \"data\": {\"passed\": 0}}",
    "{\"id\": \"t3\", \"type\": \"test_result\", \"data\": {\"passed\": \"yes\"}, \"checksum\": "
    "null}",
    "{\"id\": \"c1\", \"type\": \"coverage\", \"source\": \"cov\", \"timestamp\": "
    "\"2025-12-01T00:00:00Z\", \"data\": {\"line_coverage\": 79.99}, \"checksum\": "
    "\"0000000000000000000000000000000000000000000000000000000000000000\"}",
    "{\"id\": \"c2\", \"type\": \"coverage\", \"data\": {\"line_coverage\": 50}, \"provenance\": "
    "{\"x\": 1}}",
    "{\"id\": \"c3\", \"type\": \"coverage\", \"data\": {\"line_coverage\": true}}",
    "{\"id\": \"s1\", \"type\": \"security_scan\", \"data\": {\"critical\": 0, \"high\": 0.0}, "
    "\"checksum\": \"@SUM@\", \"timestamp\": \"2026-10-01T00:00:00Z\"}",
    "{\"id\": \"s2\", \"type\": \"security_scan\", \"data\": {\"critical\": "
    "9223372036854775807, \"high\": 1}}",
    "{\"id\": \"s3\", \"type\": \"security_scan\", \"data\": {\"critical\": 1}}",
    "{\"id\": \"u1\", \"type\": \"code_review\", \"source\": \"r\", \"data\": "
    "\"\\u00e9\\ud83d\\ude00\", "
    "\"checksum\": \"@SUM@\", \"provenance\": {\"collector\": null}}",
    "{\"id\": \"u2\", \"type\": \"build\", \"data\": [], \"checksum\": 5}",
    "{\"id\": \"u3\", \"timestamp\": \"2026-12-01T00:00:00Z\", \"checksum\": \"@SUM@\"}",
    "{\"id\": \"u4\", \"type\": \"build\", \"data\": {\"b\": 1e-07, \"a\": [1.5e+300, 100.0]}, "
    "\"checksum\": \"@SUM@\"}",
    "{\"id\": \"bad json\"",
    "[1, 2]",
    "{\"type\": \"test_result\"}",
    "{\"id\": \"\"}",
    "{\"id\": \"t1\", \"type\": \"test_result\", \"data\": {\"passed\": false}}",
};
#define NLINES (sizeof LINES / sizeof LINES[0])

typedef struct {
  uint8_t ok;
  int rc;
  arcos_evidence_t ev;
  char id[300], msg[600];
} result_t;

static void copy_result(result_t *r, int rc, const arcos_evidence_t *ev, const arcos_detail_t *d) {
  memset(r, 0, sizeof *r);
  r->rc = rc;
  r->ok = rc == ARCOS_OK;
  if (rc == ARCOS_OK) {
    r->ev = *ev;
    snprintf(r->id, sizeof r->id, "%.*s", (int)ev->id_len, ev->id);
  } else {
    snprintf(r->msg, sizeof r->msg, "%s", d->text);
  }
}

static int stages(arcos_evidence_ctx_t *ctx, arcos_evidence_t *ev) {
  int rc = arcos_ev_analyze(ctx, ev);
  if (rc == ARCOS_OK)
    rc = arcos_ev_score(ctx, ev);
  if (rc == ARCOS_OK)
    rc = arcos_ev_alert(ctx, ev);
  return rc;
}

/* The text path on one record. */
static void text_path(arcos_evidence_ctx_t *ctx, const char *s, size_t n, result_t *r) {
  if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
    s += 3;
    n -= 3;
  }
  arcos_evidence_t ev;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_ev_ingest(ctx, s, n, &ev, &d);
  if (rc == ARCOS_OK)
    rc = stages(ctx, &ev);
  copy_result(r, rc, &ev, &d);
}

static void check_same(const result_t *a, const result_t *b, size_t i) {
  CHECK_INT_EQ(a->rc, b->rc);
  CHECK_STR_EQ(a->msg, b->msg);
  CHECK_STR_EQ(a->id, b->id);
  const arcos_evidence_t *x = &a->ev, *y = &b->ev;
  if (x->score != y->score || x->completeness != y->completeness || x->integrity != y->integrity ||
      x->provenance != y->provenance || x->freshness != y->freshness || x->signal != y->signal ||
      x->alerts != y->alerts || x->severity != y->severity || x->timestamp != y->timestamp ||
      x->timestamp_valid != y->timestamp_valid || x->verified != y->verified)
    fprintf(stderr, "record %zu: components differ (score %d vs %d)\n", i, x->score, y->score);
  CHECK_INT_EQ(x->score, y->score);
  CHECK_INT_EQ(x->completeness, y->completeness);
  CHECK_INT_EQ(x->integrity, y->integrity);
  CHECK_INT_EQ(x->provenance, y->provenance);
  CHECK_INT_EQ(x->freshness, y->freshness);
  CHECK_INT_EQ(x->signal, y->signal);
  CHECK_INT_EQ(x->alerts, y->alerts);
  CHECK_INT_EQ(x->severity, y->severity);
  CHECK_INT_EQ(x->verified, y->verified);
  CHECK_INT_EQ(x->timestamp_valid, y->timestamp_valid);
  CHECK_INT_EQ(x->timestamp, y->timestamp);
}

/* Reading an archive back. */
typedef struct {
  arcos_evidence_ctx_t *ctx;
  result_t *got;
  size_t n, cap;
  uint64_t lines[64];
  int reader_errors;
} reader_t;

static int on_row(void *arg, const arcos_raw_t *raw) {
  reader_t *rd = arg;
  CHECK(raw->fields != NULL);
  if (raw->fields == NULL || rd->n == rd->cap)
    return ARCOS_EINTERNAL;
  arcos_evidence_t ev;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_ev_from_fields(rd->ctx, raw->fields, &ev, &d);
  if (rc == ARCOS_OK)
    rc = stages(rd->ctx, &ev);
  rd->lines[rd->n] = raw->line;
  copy_result(&rd->got[rd->n++], rc, &ev, &d);
  return ARCOS_OK;
}

static int on_reader_error(void *arg, const arcos_raw_t *raw, int code, const char *msg) {
  (void)raw;
  (void)code;
  (void)msg;
  reader_t *rd = arg;
  rd->reader_errors++;
  return ARCOS_OK;
}

static void set_attr_i64(const char *path, const char *name, int64_t v) {
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  CHECK(f >= 0);
  H5Adelete(f, name);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(f, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(a >= 0);
  CHECK(H5Awrite(a, H5T_NATIVE_INT64, &v) >= 0);
  H5Aclose(a);
  H5Sclose(sp);
  H5Fclose(f);
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--set-records") == 0) {
    /* tests/mpi/test_archive.sh: make an archive whose declared size is wrong. */
    set_attr_i64(argv[2], "records", strtoll(argv[3], NULL, 10));
    return check_failures != 0;
  }
  MPI_Init(&argc, &argv);
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  arcos_evidence_ctx_t *ctx = arcos_evidence_create(&sc, REF, 1 << 20);
  arcos_evidence_ctx_t *ctx2 = arcos_evidence_create(&sc, REF, 1 << 20);
  CHECK(ctx != NULL && ctx2 != NULL);

  /* Fill in valid checksums: SHA-256 of the canonical data of each "@SUM@" record. */
  char *lines[NLINES];
  for (size_t i = 0; i < NLINES; i++) {
    lines[i] = strdup(LINES[i]);
    char *at = strstr(lines[i], "@SUM@");
    if (at == NULL)
      continue;
    char *tmp = strdup(lines[i]);
    memcpy(strstr(tmp, "@SUM@"), "00000", 5);
    arcos_evidence_t ev;
    arcos_detail_t d;
    arcos_detail_clear(&d);
    CHECK_INT_EQ(arcos_ev_ingest(ctx, tmp, strlen(tmp), &ev, &d), 0);
    arcos_ev_fields_t f;
    CHECK_INT_EQ(arcos_ev_extract(ctx, &ev, &f), 0);
    char hex[65];
    CHECK_INT_EQ(arcos_ev_sha256_hex(ctx, f.data, f.data_len, hex), 0);
    size_t pre = (size_t)(at - lines[i]);
    char *full = malloc(strlen(lines[i]) + 64);
    snprintf(full, strlen(lines[i]) + 64, "%.*s%s%s", (int)pre, lines[i], hex, at + 5);
    free(lines[i]);
    free(tmp);
    lines[i] = full;
  }

  /* 1. In memory: ingest + extract + from_fields scores as ingest does. */
  result_t want[NLINES];
  for (size_t i = 0; i < NLINES; i++) {
    text_path(ctx, lines[i], strlen(lines[i]), &want[i]);
    const char *s = lines[i];
    size_t n = strlen(s);
    if (i == 0) {
      s += 3;
      n -= 3;
    }
    arcos_evidence_t ev;
    arcos_detail_t d;
    arcos_detail_clear(&d);
    int rc = arcos_ev_ingest(ctx, s, n, &ev, &d);
    if (rc != ARCOS_OK)
      continue;
    arcos_ev_fields_t f;
    CHECK_INT_EQ(arcos_ev_extract(ctx, &ev, &f), 0);
    /* The fields borrow from ctx: score them on another context. */
    result_t got;
    arcos_evidence_t ev2;
    arcos_detail_clear(&d);
    rc = arcos_ev_from_fields(ctx2, &f, &ev2, &d);
    if (rc == ARCOS_OK)
      rc = stages(ctx2, &ev2);
    copy_result(&got, rc, &ev2, &d);
    check_same(&got, &want[i], i);
  }
  /* The expected values themselves, for a few records (SPEC §2). */
  CHECK_INT_EQ(want[1].ev.integrity, 25);
  CHECK_INT_EQ(want[1].ev.provenance, 15);
  CHECK_INT_EQ(want[1].ev.signal, 10);
  CHECK_INT_EQ(want[4].ev.alerts & ARCOS_ALERT_INTEGRITY_VIOLATION,
               ARCOS_ALERT_INTEGRITY_VIOLATION);
  CHECK_INT_EQ(want[4].ev.signal, 5);  /* 79.99: partial */
  CHECK_INT_EQ(want[7].ev.signal, 10); /* 0 + 0.0 == 0 */
  CHECK_INT_EQ(want[8].ev.signal, 0);  /* int64 overflow: not zero */
  CHECK_INT_EQ(want[9].ev.signal, 5);  /* high missing: neutral */
  CHECK_INT_EQ(want[10].ev.integrity, 25);
  CHECK_INT_EQ(want[13].ev.integrity, 25);
  CHECK_INT_EQ(want[12].ev.alerts & ARCOS_ALERT_CLOCK_SKEW, ARCOS_ALERT_CLOCK_SKEW);
  CHECK_INT_EQ(want[14].rc, ARCOS_EPARSE);
  CHECK_INT_EQ(want[15].rc, ARCOS_EINVALID);

  /* 2. Round trip through an archive: a JSON Lines file with blank lines. */
  const char *tmpdir = getenv("ARCOS_TMP") ? getenv("ARCOS_TMP") : "/tmp";
  char dir[512], in[600], out[600];
  snprintf(dir, sizeof dir, "%s/arcos-test-archive-XXXXXX", tmpdir);
  CHECK(mkdtemp(dir) != NULL);
  snprintf(in, sizeof in, "%s/in.jsonl", dir);
  snprintf(out, sizeof out, "%s/ev.h5", dir);
  FILE *fp = fopen(in, "w");
  CHECK(fp != NULL);
  for (size_t i = 0; i < NLINES; i++)
    fprintf(fp, "%s\n%s", lines[i], i == 3 ? "  \r\n" : "");
  fclose(fp);
  arcos_convert_opts_t o;
  arcos_convert_defaults(&o);
  o.chunk_rows = 4; /* several chunks and slices */
  o.chunk_bytes = 64;
  arcos_convert_stats_t cs;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  const char *inputs[] = {in};
  int rc = arcos_archive_convert(MPI_COMM_WORLD, inputs, 1, &o, out, &cs, &d);
  if (rc != ARCOS_OK)
    fprintf(stderr, "convert: %s\n", d.text);
  CHECK_INT_EQ(rc, 0);
  CHECK_INT_EQ(cs.records, NLINES);
  CHECK_INT_EQ(cs.errors, 4);

  arcos_archive_info_t info;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_archive_probe(out, &info, &d), 0);
  CHECK_INT_EQ(info.records, NLINES);
  CHECK_INT_EQ(info.nsources, 1);
  CHECK_INT_EQ(info.chunk_rows, 4);
  if (info.nsources == 1) {
    CHECK_STR_EQ(info.sources[0].display, in);
    CHECK_INT_EQ(info.sources[0].rows, NLINES);
  }
  arcos_archive_info_free(&info);

  result_t got[NLINES];
  reader_t rd = {ctx2, got, 0, NLINES, {0}, 0};
  arcos_read_stats_t st = {0};
  /* Two ranges that do not start at a chunk boundary. */
  CHECK_INT_EQ(arcos_archive_read_rows(out, 0, 7, on_row, on_reader_error, &rd, &st), 0);
  CHECK_INT_EQ(arcos_archive_read_rows(out, 7, NLINES, on_row, on_reader_error, &rd, &st), 0);
  CHECK_INT_EQ(rd.n, NLINES);
  CHECK_INT_EQ(rd.reader_errors, 0);
  CHECK_INT_EQ(st.records, NLINES);
  for (size_t i = 0; i < rd.n && i < NLINES; i++) {
    check_same(&got[i], &want[i], i);
    /* one blank line after record 3: lines count every physical line */
    CHECK_INT_EQ(rd.lines[i], i + 1 + (i > 3));
  }

  /* 3. Damaged archives are refused with a message. */
  arcos_detail_clear(&d);
  set_attr_i64(out, "records", (int64_t)NLINES + 1);
  CHECK_INT_EQ(arcos_archive_probe(out, &info, &d), ARCOS_EINVALID);
  CHECK(strstr(d.text, "declares") != NULL);
  set_attr_i64(out, "records", (int64_t)NLINES);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_archive_probe(out, &info, &d), 0);
  arcos_archive_info_free(&info);
  set_attr_i64(out, "arcos_format_version", 99);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_archive_probe(out, &info, &d), ARCOS_EINVALID);
  CHECK(strstr(d.text, "version 99") != NULL);
  /* An HDF5 file that is no archive, and a file that is not HDF5. */
  hid_t f = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(f);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_archive_probe(out, &info, &d), ARCOS_EINVALID);
  CHECK(strstr(d.text, "not an arcos-scale evidence archive") != NULL);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_archive_probe(in, &info, &d), ARCOS_EINVALID);
  CHECK(strstr(d.text, "not an HDF5 file") != NULL);

  unlink(out);
  unlink(in);
  rmdir(dir);
  for (size_t i = 0; i < NLINES; i++)
    free(lines[i]);
  arcos_evidence_destroy(&ctx);
  arcos_evidence_destroy(&ctx2);
  MPI_Finalize();
  return CHECK_DONE();
}
