/* The output formatters, per record (jobs/bench.sh row `formats`; issue #14: "the
 * output formatters (results.h5 columns, results.jsonl, dlq) are measured per record in
 * a bench row"). Synthetic items and failures shaped like a generated run's (ids,
 * scores, alerts, one input; failures with a message and ~300 bytes of raw text) go
 * through the formatters the writers use, in memory, no I/O:
 *   - results.jsonl: arcos_line_result per stored item;
 *   - duplicates.jsonl: arcos_line_dup per duplicate;
 *   - dlq.jsonl: arcos_line_dlq per failure;
 *   - results.h5 /evidence columns: arcos_col_fill of every /evidence column (all of
 *     them together, per row), and /errors the same per failure.
 * Prints "format_ns_per_record NAME NS" (CPU time, the best of REPEATS passes) and
 * "format_bytes_per_record NAME B" for the text outputs.
 *
 *   build/bin/arcos-bench-formats [RECORDS (200000)] [REPEATS (3)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arcos/util.h"
#include "run/columns.h"
#include "run/outputs.h"

typedef struct {
  item_t *items; /* stored */
  item_t *dups;  /* the same records as duplicates (first_* in place of type, source) */
  fail_t *fails;
  char *ids; /* N ids of 12 bytes */
  char *raw; /* one raw line the failures share */
  size_t n;
} corpus_t;

static const char *const types[] = {"test_result", "coverage", "security_scan", "build"};

static int corpus_make(corpus_t *c, size_t n) {
  c->n = n;
  c->items = calloc(n, sizeof *c->items);
  c->dups = calloc(n, sizeof *c->dups);
  c->fails = calloc(n, sizeof *c->fails);
  c->ids = malloc(n * 12 + 1);
  c->raw = malloc(301);
  if (c->items == NULL || c->dups == NULL || c->fails == NULL || c->ids == NULL || c->raw == NULL)
    return -1;
  for (size_t k = 0; k < 300; k++)
    c->raw[k] = (char)('a' + k % 26);
  c->raw[300] = '\0';
  for (size_t i = 0; i < n; i++) {
    item_t *it = &c->items[i];
    char id[32];
    snprintf(id, sizeof id, "ev-%09zu", i % 1000000000u);
    memcpy(c->ids + 12 * i, id, 12);
    it->id = c->ids + 12 * i;
    it->id_len = 12;
    it->type = types[i % 4];
    it->type_len = (uint32_t)strlen(it->type);
    it->source = "ci/jenkins";
    it->source_len = 10;
    it->timestamp = 1700000000 + (int64_t)i;
    it->timestamp_valid = 1;
    for (int k = 0; k < 5; k++)
      it->comp[k] = (uint8_t)((i * 7 + (size_t)k * 13) % 30);
    it->score = (uint8_t)(i % 101);
    it->alerts = (uint8_t)(i % 8 == 0 ? 2 : 0);
    it->severity = it->alerts ? ARCOS_SEV_MEDIUM : ARCOS_SEV_NONE;
    it->status = ITEM_STORED;
    it->line = i + 1;
    item_t *d = &c->dups[i];
    *d = *it;
    d->status = ITEM_DUPLICATE;
    d->first_line = i / 2 + 1;
    d->first_input = 0;
    d->first_run = 0;
    fail_t *f = &c->fails[i];
    f->line = i + 1;
    f->offset = 390 * (uint64_t)i;
    f->kind = ARCOS_KIND_PARSE;
    f->attempts = 1;
    f->message = "invalid JSON: unexpected character at byte 17";
    f->raw = c->raw;
    f->raw_len = 300;
  }
  return 0;
}

/* CPU seconds of this process: the machine is shared, and a formatter is pure CPU. */
static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One pass of one formatter over the corpus. */
typedef void (*pass_fn)(const arcos_plan_t *plan, const corpus_t *c, arcos_buf_t *b,
                        const arcos_colbuf_t *cb);

static void pass_results(const arcos_plan_t *plan, const corpus_t *c, arcos_buf_t *b,
                         const arcos_colbuf_t *cb) {
  (void)cb;
  for (size_t i = 0; i < c->n; i++)
    arcos_line_result(b, plan, &c->items[i]);
}

static void pass_dup(const arcos_plan_t *plan, const corpus_t *c, arcos_buf_t *b,
                     const arcos_colbuf_t *cb) {
  (void)cb;
  for (size_t i = 0; i < c->n; i++)
    arcos_line_dup(b, plan, NULL, &c->dups[i]);
}

static void pass_dlq(const arcos_plan_t *plan, const corpus_t *c, arcos_buf_t *b,
                     const arcos_colbuf_t *cb) {
  (void)cb;
  for (size_t i = 0; i < c->n; i++)
    arcos_line_dlq(b, plan, &c->fails[i]);
}

static void pass_cols(const arcos_plan_t *plan, const corpus_t *c, int tbl,
                      const arcos_colbuf_t *cb) {
  for (size_t k = 0; k < arcos_ncolumns; k++)
    if (arcos_columns[k].table == tbl)
      arcos_col_fill(&arcos_columns[k], plan, c->items, c->n, c->fails, c->n, cb);
}

static void pass_h5_evidence(const arcos_plan_t *plan, const corpus_t *c, arcos_buf_t *b,
                             const arcos_colbuf_t *cb) {
  (void)b;
  pass_cols(plan, c, ARCOS_TBL_EVIDENCE, cb);
}

static void pass_h5_errors(const arcos_plan_t *plan, const corpus_t *c, arcos_buf_t *b,
                           const arcos_colbuf_t *cb) {
  (void)b;
  pass_cols(plan, c, ARCOS_TBL_ERRORS, cb);
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 200000;
  int repeats = argc > 2 ? atoi(argv[2]) : 3;
  if (n == 0 || repeats <= 0) {
    fprintf(stderr, "usage: arcos-bench-formats [RECORDS] [REPEATS]\n");
    return 2;
  }
  static arcos_plan_t plan; /* one input, one partition */
  arcos_input_t input = {.path = "data/evidence.jsonl", .display = "data/evidence.jsonl"};
  arcos_partition_t part = {0};
  plan.inputs = &input;
  plan.ninputs = 1;
  plan.parts = &part;
  plan.nparts = 1;
  corpus_t c = {0};
  arcos_colbuf_t cb = {0};
  if (corpus_make(&c, n) != 0 || !arcos_colbuf_alloc(&cb, n)) {
    fprintf(stderr, "arcos-bench-formats: out of memory\n");
    return 1;
  }
  static const struct {
    const char *name;
    pass_fn fn;
    bool text;
  } rows[] = {{"results.jsonl", pass_results, true},
              {"duplicates.jsonl", pass_dup, true},
              {"dlq.jsonl", pass_dlq, true},
              {"results.h5.evidence", pass_h5_evidence, false},
              {"results.h5.errors", pass_h5_errors, false}};
  arcos_buf_t b = {0};
  unsigned long long check = 0;
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    double best = 0;
    for (int k = 0; k < repeats; k++) {
      arcos_buf_reset(&b);
      double t0 = cpu_now();
      rows[r].fn(&plan, &c, &b, &cb);
      double dt = cpu_now() - t0;
      if (k == 0 || dt < best)
        best = dt;
      check += b.len + (cb.u64 != NULL ? cb.u64[n - 1] : 0);
    }
    printf("format_ns_per_record %s %.1f\n", rows[r].name, best * 1e9 / (double)n);
    if (rows[r].text)
      printf("format_bytes_per_record %s %.1f\n", rows[r].name, (double)b.len / (double)n);
  }
  fprintf(stderr, "(%llu)\n", check);
  arcos_buf_free(&b);
  arcos_colbuf_free(&cb);
  free(c.items);
  free(c.dups);
  free(c.fails);
  free(c.ids);
  free(c.raw);
  return 0;
}
