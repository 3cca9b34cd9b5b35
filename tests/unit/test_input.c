/* Byte-range reader: however a file is cut into partitions (even into more
 * partitions than records), the union of the partitions' records is exactly the
 * file's records, once each, in order, with the right line numbers. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/input.h"
#include "check.h"

typedef struct {
  char text[64][64];
  uint64_t line[64], offset[64];
  int n;
} got_t;

static int collect(void *arg, const arcos_raw_t *r) {
  got_t *g = arg;
  if (g->n >= 64)
    return 1;
  snprintf(g->text[g->n], sizeof g->text[0], "%.*s", (int)r->len, r->text);
  g->line[g->n] = r->line;
  g->offset[g->n] = r->offset;
  g->n++;
  return 0;
}

static int on_error(void *arg, const arcos_raw_t *r, int code, const char *msg) {
  (void)arg, (void)r, (void)code, (void)msg;
  return 1;
}

/* Expected records of the test file: text and 1-based line. */
static const char *const content = "{\"id\":1}\n"
                                   "\n"
                                   "{\"id\":\"two\"}\r\n"
                                   "   \t\r\n"
                                   "{\"id\":3,\"data\":\"a\\nb\"}\n"
                                   "x\n"
                                   "\n"
                                   "\n"
                                   "{\"id\":\"last\"}";
static const char *const want_text[] = {"{\"id\":1}", "{\"id\":\"two\"}\r",
                                        "{\"id\":3,\"data\":\"a\\nb\"}", "x", "{\"id\":\"last\"}"};
static const uint64_t want_line[] = {1, 3, 5, 6, 9};

static void run_cuts(const char *path, size_t size, size_t step) {
  arcos_plan_t plan = {0};
  arcos_input_t in = {(char *)path, (char *)path, size, ARCOS_FMT_JSONL, 0, 0};
  plan.inputs = &in;
  plan.ninputs = 1;
  got_t all = {0};
  uint64_t newlines_before = 0;
  arcos_buf_t scratch = {0};
  for (size_t start = 0; start < size; start += step) {
    size_t end = start + step < size ? start + step : size;
    arcos_partition_t part = {0, start, end, 1, 0};
    got_t g = {0};
    arcos_read_stats_t st = {0};
    int rc = arcos_read_partition(&plan, &part, &scratch, collect, on_error, &g, &st);
    CHECK_INT_EQ(rc, 0);
    for (int i = 0; i < g.n && all.n < 64; i++) {
      memcpy(all.text[all.n], g.text[i], sizeof g.text[i]);
      all.line[all.n] = 1 + newlines_before + g.line[i]; /* what the job's fix-up does */
      all.offset[all.n] = g.offset[i];
      all.n++;
    }
    newlines_before += st.newlines;
  }
  arcos_buf_free(&scratch);
  CHECK_INT_EQ(all.n, 5);
  for (int i = 0; i < all.n && i < 5; i++) {
    CHECK_STR_EQ(all.text[i], want_text[i]);
    CHECK_INT_EQ(all.line[i], want_line[i]);
    CHECK_INT_EQ(memcmp(content + all.offset[i], want_text[i], strlen(want_text[i])), 0);
  }
}

int main(void) {
  char path[] = "/tmp/arcos-test-input-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  size_t size = strlen(content);
  CHECK_INT_EQ(write(fd, content, size), size);
  close(fd);
  for (size_t step = 1; step <= size; step++)
    run_cuts(path, size, step);

  /* Planning: a forced tiny partition size yields more partitions than records, in
   * order, tiling the file, each assigned to a rank below the worker count. */
  const char *paths[] = {path};
  arcos_plan_opts_t po = {.partition_bytes = 3, .per_rank = 4, .workers = 3};
  arcos_plan_t plan;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(paths, 1, &po, &plan, &d), 0);
  CHECK(plan.nparts > 5);
  uint64_t expect_start = 0;
  for (size_t i = 0; i < plan.nparts; i++) {
    CHECK_INT_EQ(plan.parts[i].start, expect_start);
    CHECK(plan.parts[i].rank >= 0 && plan.parts[i].rank < 3);
    expect_start = plan.parts[i].end;
  }
  CHECK_INT_EQ(expect_start, size);
  arcos_plan_free(&plan);

  /* A missing input stops planning with a message naming it. */
  const char *missing[] = {"/nonexistent/evidence.jsonl"};
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(missing, 1, &po, &plan, &d), ARCOS_ENOENT);
  CHECK(strstr(d.source, "/nonexistent/evidence.jsonl") != NULL);
  unlink(path);
  return CHECK_DONE();
}
