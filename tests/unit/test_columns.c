/* The results.h5 column table (src/run/columns.c): the layout is complete and
 * consistent, and each column is filled from the right rows with the right values. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "run/columns.h"

static const arcos_col_t *col(const char *path) {
  for (size_t c = 0; c < arcos_ncolumns; c++)
    if (strcmp(arcos_columns[c].path, path) == 0)
      return &arcos_columns[c];
  return NULL;
}

static void test_table(void) {
  CHECK_INT_EQ(arcos_ncolumns, 26);
  int strings = 0, per_table[ARCOS_TBL_COUNT] = {0, 0, 0}, last_table = 0, ordered = 1;
  for (size_t c = 0; c < arcos_ncolumns; c++) {
    const arcos_col_t *k = &arcos_columns[c];
    const char *g = arcos_table_group[k->table];
    CHECK(strncmp(k->path, g, strlen(g)) == 0 && k->path[strlen(g)] == '/');
    CHECK(k->table == ARCOS_TBL_ERRORS ? k->fail != NULL && k->item == NULL
                                       : k->item != NULL && k->fail == NULL);
    for (size_t d = 0; d < c; d++)
      CHECK(strcmp(arcos_columns[d].path, k->path) != 0); /* each column once */
    strings += k->type == ARCOS_H5_CHAR;
    per_table[k->table]++;
    ordered &= k->table >= last_table; /* the writers write the tables in order */
    last_table = k->table;
  }
  CHECK(ordered);
  CHECK_INT_EQ(strings, 5); /* the spilling writer keeps one byte total per string column */
  CHECK_INT_EQ(per_table[ARCOS_TBL_EVIDENCE], 14);
  CHECK_INT_EQ(per_table[ARCOS_TBL_DUPLICATES], 6); /* first_run: --previous */
  CHECK_INT_EQ(per_table[ARCOS_TBL_ERRORS], 6);
  CHECK(col("/evidence/alert_severity") != NULL &&
        col("/evidence/alert_severity")->type == ARCOS_H5_SEVERITY);
  CHECK(col("/evidence/timestamp") != NULL && col("/evidence/timestamp")->type == ARCOS_H5_I64);
}

static uint64_t row_from_10(void *arg, size_t k) {
  (void)arg;
  return 10 + k;
}

static void test_fill(void) {
  arcos_input_t inputs[2];
  memset(inputs, 0, sizeof inputs);
  arcos_partition_t parts[2];
  memset(parts, 0, sizeof parts);
  parts[0].input = 0;
  parts[1].input = 1;
  arcos_plan_t plan;
  memset(&plan, 0, sizeof plan);
  plan.inputs = inputs;
  plan.ninputs = 2;
  plan.parts = parts;
  plan.nparts = 2;
  item_t items[3] = {
      {.part = 0,
       .id = "a",
       .id_len = 1,
       .score = 40,
       .timestamp = 5,
       .timestamp_valid = 1,
       .alerts = ARCOS_ALERT_INTEGRITY_VIOLATION | ARCOS_ALERT_CLOCK_SKEW,
       .line = 1,
       .status = ITEM_STORED},
      {.part = 1,
       .id = "a",
       .id_len = 1,
       .line = 9,
       .first_input = 0,
       .first_line = 1,
       .status = ITEM_DUPLICATE},
      {.part = 1,
       .id = "bb",
       .id_len = 2,
       .score = 77,
       .timestamp = 6,
       .timestamp_valid = 0,
       .alerts = ARCOS_ALERT_LOW_QUALITY,
       .line = 3,
       .status = ITEM_STORED},
  };
  fail_t fails[1] = {{.part = 1,
                      .line = 4,
                      .offset = 99,
                      .kind = ARCOS_KIND_IO,
                      .message = "read failed here",
                      .message_len = 4}};
  arcos_colbuf_t b;
  CHECK(arcos_colbuf_alloc(&b, 8));
  CHECK_INT_EQ(arcos_col_fill(col("/evidence/score"), &plan, items, 3, fails, 1, &b), 2);
  CHECK(b.u8[0] == 40 && b.u8[1] == 77); /* stored rows only, in order */
  CHECK_INT_EQ(arcos_col_fill(col("/evidence/timestamp"), &plan, items, 3, fails, 1, &b), 2);
  CHECK(b.i64[0] == 5 && b.i64[1] == INT64_MIN); /* no valid timestamp: the minimum */
  CHECK_INT_EQ(arcos_col_fill(col("/evidence/input"), &plan, items, 3, fails, 1, &b), 2);
  CHECK(b.u32[0] == 0 && b.u32[1] == 1); /* the input of the item's partition */
  CHECK_INT_EQ(arcos_col_fill(col("/evidence/id"), &plan, items, 3, fails, 1, &b), 2);
  CHECK_MEM_EQ(b.sp[1], b.sl[1], "bb", 2);
  CHECK_INT_EQ(arcos_col_fill(col("/duplicates/line"), &plan, items, 3, fails, 1, &b), 1);
  CHECK_INT_EQ(b.u64[0], 9);
  CHECK_INT_EQ(arcos_col_fill(col("/duplicates/first_line"), &plan, items, 3, fails, 1, &b), 1);
  CHECK_INT_EQ(b.u64[0], 1);
  /* first_run: 0xFFFFFFFF within this run, else the --previous index (item: 1 + index) */
  CHECK_INT_EQ(arcos_col_fill(col("/duplicates/first_run"), &plan, items, 3, fails, 1, &b), 1);
  CHECK_INT_EQ(b.u32[0], UINT32_MAX);
  items[1].first_run = 3;
  CHECK_INT_EQ(arcos_col_fill(col("/duplicates/first_run"), &plan, items, 3, fails, 1, &b), 1);
  CHECK_INT_EQ(b.u32[0], 2);
  items[1].first_run = 0;
  CHECK_INT_EQ(arcos_col_fill(col("/errors/message"), &plan, items, 3, fails, 1, &b), 1);
  CHECK_MEM_EQ(b.sp[0], b.sl[0], "read", 4); /* a borrowed message keeps its length */
  CHECK_INT_EQ(arcos_col_fill(col("/errors/byte_offset"), &plan, items, 3, fails, 1, &b), 1);
  CHECK_INT_EQ(b.u64[0], 99);
  /* the bytes a string column's rows take (what the writer reserves per partition) */
  CHECK_INT_EQ(arcos_col_bytes(col("/evidence/id"), &plan, items, 3, fails, 1), 3);
  CHECK_INT_EQ(arcos_col_bytes(col("/duplicates/id"), &plan, items, 3, fails, 1), 1);
  CHECK_INT_EQ(arcos_col_bytes(col("/errors/message"), &plan, items, 3, fails, 1), 4);
  /* /alerts: one row per alert bit of the stored items, at their /evidence rows. */
  CHECK_INT_EQ(arcos_col_alerts(items, 3, row_from_10, NULL, &b), 3);
  CHECK(b.u64[0] == 10 && b.u64[1] == 10 && b.u64[2] == 11);
  CHECK(b.u8[0] == 1 && b.u8[1] == 3 && b.u8[2] == 2);
  arcos_col_alert_severity(b.u8, 3);
  CHECK(b.u8[0] == ARCOS_SEV_CRITICAL && b.u8[1] == ARCOS_SEV_MEDIUM && b.u8[2] == ARCOS_SEV_HIGH);
  arcos_colbuf_free(&b);
  CHECK(b.sp == NULL);
}

int main(void) {
  test_table();
  test_fill();
  return CHECK_DONE();
}
