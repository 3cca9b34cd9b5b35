/* The queries' results in results.h5 (src/run/h5_queries.c) alone, serial HDF5: one
 * group per query, a '/' in an id written as "%2F"; and each failure says its own kind
 * (a missing file with the system's reason, a line that is not JSON or has no id with
 * its line number), never another's. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/error.h"
#include "check.h"
#include "run/h5_queries.h"

static char dir[] = "/tmp/arcos-test-h5q-XXXXXX";

/* A fresh, empty results file at dir/name; its path in out. */
static void new_h5(const char *name, char *out, size_t n) {
  snprintf(out, n, "%s/%s", dir, name);
  hid_t f = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(f >= 0);
  H5Fclose(f);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  fputs(text, f);
  fclose(f);
}

/* Run arcos_h5_add_queries; its message (if any) in msg. */
static int add(const char *h5, const char *jsonl, char *msg, size_t n) {
  FILE *err = tmpfile();
  CHECK(err != NULL);
  int rc = arcos_h5_add_queries(h5, jsonl, err);
  rewind(err);
  size_t got = fread(msg, 1, n - 1, err);
  msg[got] = '\0';
  fclose(err);
  return rc;
}

static void test_written(void) {
  char h5[256], q[256], msg[512];
  new_h5("ok.h5", h5, sizeof h5);
  snprintf(q, sizeof q, "%s/ok.jsonl", dir);
  write_text(q, "{\"id\":\"q/1\",\"type\":\"neighbors\",\"nodes\":[\"a\",\"bc\"],\"count\":2,"
                "\"truncated\":false,\"scores\":{\"a\":12.5},\"plan\":{\"strategy\":\"bfs\"}}\n");
  CHECK_INT_EQ(add(h5, q, msg, sizeof msg), ARCOS_OK);
  CHECK_STR_EQ(msg, "");
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  hid_t d = H5Dopen2(f, "/queries/q%2F1/nodes_length", H5P_DEFAULT);
  CHECK(d >= 0);
  hid_t sp = H5Dget_space(d);
  hsize_t dims = 0;
  H5Sget_simple_extent_dims(sp, &dims, NULL);
  CHECK_INT_EQ(dims, 2);
  uint32_t len[2] = {0, 0};
  H5Dread(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, len);
  CHECK_INT_EQ(len[1], 2);
  H5Sclose(sp);
  H5Dclose(d);
  CHECK(H5Lexists(f, "/queries/q%2F1/scores", H5P_DEFAULT) > 0);
  H5Fclose(f);
}

static void test_failures(void) {
  char h5[256], q[256], msg[512];
  /* the queries file is missing: the system's reason, and ENOENT */
  new_h5("a.h5", h5, sizeof h5);
  snprintf(q, sizeof q, "%s/missing.jsonl", dir);
  CHECK_INT_EQ(add(h5, q, msg, sizeof msg), ARCOS_ENOENT);
  CHECK(strstr(msg, "missing.jsonl for results.h5: No such file or directory") != NULL);
  /* line 2 is not JSON: a parse error at line 2, not an HDF5 error */
  new_h5("b.h5", h5, sizeof h5);
  snprintf(q, sizeof q, "%s/bad.jsonl", dir);
  write_text(q, "{\"id\":\"q1\",\"nodes\":[]}\n{not json\n");
  CHECK_INT_EQ(add(h5, q, msg, sizeof msg), ARCOS_EPARSE);
  CHECK(strstr(msg, "bad.jsonl line 2: not valid JSON") != NULL);
  CHECK(strstr(msg, "HDF5") == NULL);
  /* a query without an id */
  new_h5("c.h5", h5, sizeof h5);
  snprintf(q, sizeof q, "%s/noid.jsonl", dir);
  write_text(q, "{\"nodes\":[]}\n");
  CHECK_INT_EQ(add(h5, q, msg, sizeof msg), ARCOS_EINVALID);
  CHECK(strstr(msg, "noid.jsonl line 1: a query without an id") != NULL);
}

int main(void) {
  CHECK(mkdtemp(dir) != NULL);
  test_written();
  test_failures();
  static const char *const names[] = {"ok.h5",     "ok.jsonl", "a.h5",      "b.h5",
                                      "bad.jsonl", "c.h5",     "noid.jsonl"};
  char path[300];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(dir);
  return CHECK_DONE();
}
