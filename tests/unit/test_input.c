/* Byte-range reader: however a file is cut into partitions (even into more
 * partitions than records), the union of the partitions' records is exactly the
 * file's records, once each, in order, with the right line numbers. Then the reader
 * table: the do-nothing reader, the per-format costs, the one trimming rule, and
 * CIV-ARCOS's containers (REST list body, evidence store) with directory expansion. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Reader errors collected as records whose text is prefixed with "ERR:". */
static int keep_error(void *arg, const arcos_raw_t *r, int code, const char *msg) {
  (void)code, (void)msg;
  got_t *g = arg;
  if (g->n >= 64)
    return 1;
  snprintf(g->text[g->n], sizeof g->text[0], "ERR:%.*s", (int)r->len, r->text);
  g->line[g->n] = r->line;
  g->offset[g->n] = r->offset;
  g->n++;
  return 0;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f == NULL)
    return;
  CHECK_INT_EQ(fwrite(text, 1, strlen(text), f), strlen(text));
  fclose(f);
}

/* Every record of one input file, read through planning and the table. */
static int read_all(const char *path, got_t *g) {
  const char *paths[] = {path};
  arcos_plan_opts_t po = {.partition_bytes = 0, .per_rank = 4, .workers = 1};
  arcos_plan_t plan;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_plan_build(paths, 1, &po, &plan, &d);
  if (rc != ARCOS_OK)
    return rc;
  arcos_buf_t scratch = {0};
  memset(g, 0, sizeof *g);
  for (size_t p = 0; p < plan.nparts && rc == ARCOS_OK; p++) {
    arcos_read_stats_t st = {0};
    rc = arcos_read_partition(&plan, &plan.parts[p], &scratch, collect, keep_error, g, &st);
  }
  arcos_buf_free(&scratch);
  arcos_plan_free(&plan);
  return rc;
}

/* The do-nothing reader, names, and the partition weights the table answers for. */
static void test_table(void) {
  arcos_input_t in[2] = {{"null", "null", 100, ARCOS_FMT_NULL, 0, 0},
                         {"x.jsonl.gz", "x.jsonl.gz", 100, ARCOS_FMT_JSONL_GZ, 0, 0}};
  arcos_partition_t parts[2] = {{0, 0, 100, 101, 0}, {1, 0, 100, 501, 0}};
  arcos_plan_t plan = {.inputs = in, .ninputs = 2, .parts = parts, .nparts = 2};
  got_t g = {0};
  arcos_read_stats_t st = {0};
  arcos_buf_t scratch = {0};
  CHECK_INT_EQ(arcos_read_partition(&plan, &parts[0], &scratch, collect, keep_error, &g, &st), 0);
  CHECK_INT_EQ(g.n, 0);
  CHECK_INT_EQ(st.records, 0);
  CHECK_INT_EQ(arcos_input_cost(&plan, &parts[0]), 0);
  CHECK_INT_EQ(arcos_input_cost(&plan, &parts[1]), 250); /* gzip inflates about 5 times */
  CHECK_INT_EQ(arcos_input_span(&plan, &parts[1]), 100);
  CHECK_INT_EQ(arcos_input_position(&plan, &parts[1], 7, 40), 40);
  CHECK_STR_EQ(arcos_format_name(ARCOS_FMT_NULL), "null");
  CHECK_STR_EQ(arcos_format_name(ARCOS_FMT_JSONL), "jsonl");
  CHECK_STR_EQ(arcos_format_name(ARCOS_FMT_H5), "h5");
  CHECK_STR_EQ(arcos_format_name(99), "unknown");
  CHECK_STR_EQ(arcos_format_name(-1), "unknown");
}

static void test_trim(void) {
  const char *t = "\xEF\xBB\xBF{}\r";
  size_t n = strlen(t);
  arcos_record_trim(&t, &n, 0);
  CHECK_INT_EQ(n, 2);
  CHECK_INT_EQ(memcmp(t, "{}", 2), 0);
  t = "\xEF\xBB\xBF{}"; /* a BOM past the start of a file is record text */
  n = strlen(t);
  arcos_record_trim(&t, &n, 5);
  CHECK_INT_EQ(n, 5);
}

/* The REST list body: the "evidence" array, wherever it stands; evidence_items wins. */
static void test_rest_body(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/list.json", dir);
  const char *body = "{\"count\": 2, \"evidence\": [{\"id\":\"a\"}, {\"id\":\"b\"}], \"x\": [1]}";
  write_file(path, body);
  got_t g;
  CHECK_INT_EQ(read_all(path, &g), 0);
  CHECK_INT_EQ(g.n, 2);
  CHECK_STR_EQ(g.text[0], "{\"id\":\"a\"}");
  CHECK_STR_EQ(g.text[1], "{\"id\":\"b\"}");
  CHECK_INT_EQ(g.line[1], 2);
  CHECK_INT_EQ(g.offset[1], strstr(body, "{\"id\":\"b") - body);
  write_file(path, "{\"evidence\": [{\"id\":\"no\"}], \"evidence_items\": [{\"id\":\"yes\"}]}");
  CHECK_INT_EQ(read_all(path, &g), 0);
  CHECK_INT_EQ(g.n, 1);
  CHECK_STR_EQ(g.text[0], "{\"id\":\"yes\"}");
  /* "evidence" that is not an array is no REST body: one error holding the document. */
  write_file(path, "{\"count\": 1, \"evidence\": {\"id\":\"a\"}}");
  CHECK_INT_EQ(read_all(path, &g), 0);
  CHECK_INT_EQ(g.n, 1);
  CHECK(strncmp(g.text[0], "ERR:{\"count\"", 12) == 0);
}

/* An evidence store: Evidence nodes' properties, at the node's position; other nodes
 * are skipped; a store's relationships.json and index.json are not inputs. */
static void test_store(const char *dir) {
  char path[512], other[512];
  snprintf(path, sizeof path, "%s/store", dir);
  CHECK_INT_EQ(mkdir(path, 0700), 0);
  snprintf(path, sizeof path, "%s/store/nodes.json", dir);
  const char *nodes =
      "{\"n1\": {\"id\": \"n1\", \"label\": \"Evidence\", \"properties\": {\"id\": \"e1\"}, "
      "\"created_at\": \"2026-01-01T00:00:00\"},\n"
      " \"n2\": {\"id\": \"n2\", \"label\": \"Repository\", \"properties\": {\"id\": \"r\"}},\n"
      " \"n3\": {\"properties\": \"oops\", \"label\": \"\\u0045vidence\", \"id\": \"n3\"},\n"
      " \"n4\": {\"id\": \"n4\", \"label\": \"Evidence\", \"properties\": {\"id\": \"e4\"}}}\n";
  write_file(path, nodes);
  got_t g;
  CHECK_INT_EQ(read_all(path, &g), 0);
  CHECK_INT_EQ(g.n, 3);
  CHECK_STR_EQ(g.text[0], "{\"id\": \"e1\"}");
  CHECK_INT_EQ(g.line[0], 1);
  CHECK_INT_EQ(g.offset[0], strstr(nodes, "{\"id\": \"e1") - nodes);
  CHECK_STR_EQ(g.text[1], "\"oops\"");
  CHECK_INT_EQ(g.line[1], 3);
  CHECK_STR_EQ(g.text[2], "{\"id\": \"e4\"}");
  CHECK_INT_EQ(g.line[2], 4);
  snprintf(other, sizeof other, "%s/store/relationships.json", dir);
  write_file(other, "{}");
  snprintf(other, sizeof other, "%s/store/index.json", dir);
  write_file(other, "{}");
  snprintf(other, sizeof other, "%s/store/more.json", dir);
  write_file(other, "[]");
  snprintf(other, sizeof other, "%s/store", dir);
  const char *paths[] = {other};
  arcos_plan_opts_t po = {.partition_bytes = 0, .per_rank = 4, .workers = 2};
  arcos_plan_t plan;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(paths, 1, &po, &plan, &d), 0);
  CHECK_INT_EQ(plan.ninputs, 2);
  if (plan.ninputs == 2) {
    CHECK(strstr(plan.inputs[0].display, "/more.json") != NULL);
    CHECK(strstr(plan.inputs[1].display, "/nodes.json") != NULL);
  }
  arcos_plan_free(&plan);
  /* Without nodes.json beside it, index.json is an input like any other. */
  CHECK_INT_EQ(unlink(path), 0);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(paths, 1, &po, &plan, &d), 0);
  CHECK_INT_EQ(plan.ninputs, 3);
  arcos_plan_free(&plan);
  /* A member that is not a node: not a store, one error holding the document. */
  snprintf(path, sizeof path, "%s/store/more.json", dir);
  write_file(path, "{\"n1\": {\"label\": \"Evidence\", \"properties\": {}}, \"n2\": {\"id\": 1}}");
  CHECK_INT_EQ(read_all(path, &g), 0);
  CHECK_INT_EQ(g.n, 1);
  CHECK(strncmp(g.text[0], "ERR:{\"n1\"", 9) == 0);
  /* A store cut short: the complete Evidence nodes stand, the rest is one error. */
  write_file(path,
             "{\"n1\": {\"label\": \"Evidence\", \"properties\": {\"id\": 1}}, \"n2\": {\"lab");
  CHECK_INT_EQ(read_all(path, &g), 0);
  CHECK_INT_EQ(g.n, 2);
  CHECK_STR_EQ(g.text[0], "{\"id\": 1}");
  CHECK_STR_EQ(g.text[1], "ERR:\"n2\": {\"lab");
  CHECK_INT_EQ(g.line[1], 2);
  unlink(path);
  snprintf(path, sizeof path, "%s/store/relationships.json", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/store/index.json", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/store", dir);
  rmdir(path);
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

  test_table();
  test_trim();
  char dir[] = "/tmp/arcos-test-input-dir-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  test_rest_body(dir);
  char list[64];
  snprintf(list, sizeof list, "%s/list.json", dir);
  CHECK_INT_EQ(unlink(list), 0);
  test_store(dir);
  CHECK_INT_EQ(rmdir(dir), 0); /* every file the tests made is gone */
  return CHECK_DONE();
}
