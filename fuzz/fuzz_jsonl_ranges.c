/* JSON Lines byte-range reader (docs/architecture.md, "partitions"): a file cut into
 * byte ranges at any points must yield exactly the records of one range over the
 * whole file: same text, same byte offsets, and the same absolute line numbers once
 * each partition's lines are shifted by the newlines counted before it (what the job
 * does). The in-memory reader of streaming batches (arcos_read_buffer) must agree too.
 *
 * Input layout: byte 0 gives the number of cuts (0..7), then 2 bytes per cut (a
 * position modulo the file size, little-endian), then the file's bytes. The fuzz build
 * compiles the reader with a tiny read chunk (ARCOS_INPUT_CHUNK), so lines also
 * straddle reads. */
#include <stdlib.h>
#include <string.h>

#include "arcos/input.h"
#include "fuzz_common.h"

typedef struct {
  arcos_buf_t text; /* the records' bytes, concatenated */
  uint64_t *off, *line, *len;
  size_t n, cap;
  uint64_t line_shift; /* added to each record's line */
} recs_t;

static int collect(void *arg, const arcos_raw_t *r) {
  recs_t *g = arg;
  if (g->n == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 64;
    g->off = realloc(g->off, cap * sizeof *g->off);
    g->line = realloc(g->line, cap * sizeof *g->line);
    g->len = realloc(g->len, cap * sizeof *g->len);
    FUZZ_CHECK(g->off != NULL && g->line != NULL && g->len != NULL);
    g->cap = cap;
  }
  FUZZ_CHECK(r->fields == NULL);
  g->off[g->n] = r->offset;
  g->line[g->n] = r->line + g->line_shift;
  g->len[g->n] = r->len;
  g->n++;
  FUZZ_CHECK(arcos_buf_append(&g->text, r->text, r->len) == 0);
  return 0;
}

static int on_error(void *arg, const arcos_raw_t *r, int code, const char *msg) {
  (void)arg, (void)r, (void)code;
  fprintf(stderr, "reader error on a regular file: %s\n", msg);
  abort(); /* a plain file that was just written reads without I/O errors */
}

static void recs_free(recs_t *g) {
  arcos_buf_free(&g->text);
  free(g->off);
  free(g->line);
  free(g->len);
}

static void check_same(const recs_t *a, const recs_t *b, const uint8_t *file) {
  FUZZ_CHECK(a->n == b->n);
  FUZZ_CHECK(a->text.len == b->text.len);
  FUZZ_CHECK(a->text.len == 0 || memcmp(a->text.data, b->text.data, a->text.len) == 0);
  size_t pos = 0;
  for (size_t i = 0; i < a->n; i++) {
    FUZZ_CHECK(a->off[i] == b->off[i]);
    FUZZ_CHECK(a->line[i] == b->line[i]);
    FUZZ_CHECK(a->len[i] == b->len[i]);
    /* raw is the input's bytes at its offset (SPEC §4) */
    FUZZ_CHECK(memcmp(file + a->off[i], a->text.data + pos, a->len[i]) == 0);
    pos += a->len[i];
  }
}

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  size_t ncuts = data[0] & 7;
  if (size < 1 + 2 * ncuts)
    return 0;
  const uint8_t *file = data + 1 + 2 * ncuts;
  size_t fsize = size - 1 - 2 * ncuts;
  uint64_t bounds[10];
  size_t nb = 0;
  bounds[nb++] = 0;
  for (size_t i = 0; i < ncuts; i++)
    bounds[nb++] = fsize ? (data[1 + 2 * i] | (uint64_t)data[2 + 2 * i] << 8) % fsize : 0;
  bounds[nb++] = fsize;
  qsort(bounds, nb, sizeof bounds[0], cmp_u64);

  const char *path = fuzz_write_file(".jsonl", file, fsize);
  arcos_input_t in = {(char *)path, (char *)path, fsize, ARCOS_FMT_JSONL, 0, 0};
  arcos_plan_t plan = {0};
  plan.inputs = &in;
  plan.ninputs = 1;
  arcos_buf_t scratch = {0};

  /* One range over the whole file; lines 1-based as the job numbers them. */
  recs_t whole = {0};
  whole.line_shift = 1;
  arcos_partition_t all = {0, 0, fsize, fsize, 0};
  arcos_read_stats_t st = {0};
  FUZZ_CHECK(arcos_read_partition(&plan, &all, &scratch, collect, on_error, &whole, &st) == 0);
  FUZZ_CHECK(st.records == whole.n);

  /* The cut ranges, in order (empty ones included). */
  recs_t cut = {0};
  uint64_t newlines_before = 0;
  for (size_t k = 0; k + 1 < nb; k++) {
    arcos_partition_t part = {0, bounds[k], bounds[k + 1], bounds[k + 1] - bounds[k], 0};
    arcos_read_stats_t pst = {0};
    cut.line_shift = 1 + newlines_before;
    FUZZ_CHECK(arcos_read_partition(&plan, &part, &scratch, collect, on_error, &cut, &pst) == 0);
    newlines_before += pst.newlines;
  }
  FUZZ_CHECK(newlines_before == st.newlines);
  check_same(&whole, &cut, file);

  /* The streaming reader over the same bytes in memory. */
  recs_t mem = {0};
  arcos_read_stats_t mst = {0};
  FUZZ_CHECK(arcos_read_buffer((const char *)file, fsize, 1, 0, &scratch, collect, on_error, &mem,
                               &mst) == 0);
  check_same(&whole, &mem, file);

  recs_free(&whole);
  recs_free(&cut);
  recs_free(&mem);
  arcos_buf_free(&scratch);
  return 0;
}
