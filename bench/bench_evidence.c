/* Throughput of the evidence stages on synthetic records (not part of the build or of
 * the tests; timings vary with the machine, compare ratios from one run).
 *
 *   cc -O2 -I include bench/bench_evidence.c build/libarcos.a \
 *      $(pkg-config --libs jansson) -lcrypto -lm -o build/bench_evidence
 *   build/bench_evidence [records] [repeats]
 *
 * Prints µs/record for: jansson parse + decref alone (the floor's 5.1 µs), and
 * ingest + analyze + score + alert with every record carrying a valid checksum,
 * for short reals (87.25) and for full-precision reals (87.34177215189874). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/evidence.h"
#include "arcos/util.h"

#define REF INT64_C(1748736000)

typedef struct {
  arcos_buf_t text; /* records, NUL-separated */
  size_t *off, *len, n;
} corpus_t;

static const char *types[] = {"test_result", "coverage", "security_scan", "build"};

static json_t *make_data(size_t i, int full_precision) {
  switch (i % 4) {
  case 0:
    return json_pack("{s:b,s:i,s:i,s:f,s:s}", "passed", (int)(i % 7 != 0), "tests", (int)(i % 500),
                     "failures", (int)(i % 7 == 0), "duration_s",
                     full_precision ? (double)(i % 997) / 7.0 : (double)(i % 997) / 4.0, "suite",
                     "unit");
  case 1:
    return json_pack("{s:f,s:f,s:[s,s]}", "line_coverage",
                     full_precision ? 100.0 * (double)(i % 9973) / 9973.0 : (double)(i % 400) / 4.0,
                     "branch_coverage", (double)(i % 100), "files", "src/a.c", "src/b.c");
  case 2:
    return json_pack("{s:i,s:i,s:s,s:[{s:s,s:i}]}", "critical", (int)(i % 3 == 0), "high",
                     (int)(i % 5), "scanner", "trivy", "findings", "rule", "CWE-79", "line",
                     (int)i % 1000);
  default:
    return json_pack("{s:s,s:i,s:s}", "status", "ok", "artifacts", (int)(i % 9), "commit",
                     "9fceb02d0ae598e95dc970b74767f19372d61af8");
  }
}

static void build_corpus(corpus_t *c, size_t n, int full_precision, arcos_evidence_ctx_t *ctx) {
  memset(c, 0, sizeof *c);
  c->off = malloc(n * sizeof *c->off);
  c->len = malloc(n * sizeof *c->len);
  c->n = n;
  arcos_buf_t canon = {0};
  for (size_t i = 0; i < n; i++) {
    json_t *data = make_data(i, full_precision);
    arcos_buf_reset(&canon);
    arcos_canonical_append(&canon, data);
    char hex[65], ts[32];
    arcos_ev_sha256_hex(ctx, canon.data, canon.len, hex);
    arcos_rfc3339_format(REF - (int64_t)(i % 400) * 86400 - (int64_t)(i % 86400), ts);
    json_t *rec = json_pack("{s:s+,s:s,s:s,s:s,s:o,s:{s:s,s:s},s:s}", "id", "ev-", "placeholder",
                            "type", types[i % 4], "source", "ci/jenkins", "timestamp", ts, "data",
                            data, "provenance", "collector", "civ-arcos", "host", "build-01",
                            "checksum", hex);
    char id[32];
    snprintf(id, sizeof id, "ev-%08zu", i);
    json_object_set_new(rec, "id", json_string(id));
    char *s = json_dumps(rec, JSON_COMPACT);
    c->off[i] = c->text.len;
    c->len[i] = strlen(s);
    arcos_buf_append(&c->text, s, c->len[i] + 1);
    free(s);
    json_decref(rec);
  }
  arcos_buf_free(&canon);
}

static double bench_parse_only(const corpus_t *c) {
  double t0 = arcos_now();
  for (size_t i = 0; i < c->n; i++) {
    json_error_t err;
    json_t *v = json_loadb(c->text.data + c->off[i], c->len[i], JSON_DECODE_ANY | JSON_ALLOW_NUL,
                           &err);
    json_decref(v);
  }
  return (arcos_now() - t0) / (double)c->n * 1e6;
}

static double bench_stages(const corpus_t *c, arcos_evidence_ctx_t *ctx, size_t *verified) {
  arcos_evidence_t rec;
  *verified = 0;
  double t0 = arcos_now();
  for (size_t i = 0; i < c->n; i++) {
    if (arcos_ev_ingest(ctx, c->text.data + c->off[i], c->len[i], &rec, NULL) != 0 ||
        arcos_ev_analyze(ctx, &rec) != 0 || arcos_ev_score(ctx, &rec) != 0 ||
        arcos_ev_alert(ctx, &rec) != 0) {
      fprintf(stderr, "record %zu failed\n", i);
      exit(1);
    }
    *verified += rec.verified;
  }
  return (arcos_now() - t0) / (double)c->n * 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
  int repeats = argc > 2 ? atoi(argv[2]) : 5;
  if (repeats < 1 || repeats > 64)
    repeats = 5;
  arcos_evidence_ctx_t *ctx = arcos_evidence_create(NULL, REF, 1 << 20);
  for (int fp = 0; fp <= 1; fp++) {
    corpus_t c;
    build_corpus(&c, n, fp, ctx);
    double parse[64], stages[64];
    size_t verified = 0;
    for (int r = 0; r < repeats; r++) {
      parse[r] = bench_parse_only(&c);
      stages[r] = bench_stages(&c, ctx, &verified);
    }
    qsort(parse, (size_t)repeats, sizeof(double), cmp_double);
    qsort(stages, (size_t)repeats, sizeof(double), cmp_double);
    printf("%s reals: %zu records, mean %.0f bytes, %zu verified\n",
           fp ? "full-precision" : "short", n, (double)c.text.len / (double)n - 1, verified);
    printf("  jansson parse+decref          median %.2f us/record (min %.2f)\n", parse[repeats / 2],
           parse[0]);
    printf("  ingest+analyze+score+alert    median %.2f us/record (min %.2f) = %.0f records/s\n",
           stages[repeats / 2], stages[0], 1e6 / stages[repeats / 2]);
    arcos_buf_free(&c.text);
    free(c.off);
    free(c.len);
  }
  arcos_evidence_destroy(&ctx);
  return 0;
}
