/* The writer of the result files (src/run/outputs.c) built alone on MPI_COMM_SELF: the
 * same records written in one round (the in-memory case) and in several rounds (the
 * bounded-memory case, here with an empty round and a round of two partitions) give
 * byte-identical text files and identical results.h5 columns, and the conservation
 * terms add up. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/h5.h"
#include "check.h"
#include "run/columns.h"
#include "run/outputs.h"
#include "run/records.h"

#define NPARTS 4

typedef struct {
  arcos_input_t inputs[2];
  arcos_partition_t parts[NPARTS];
  arcos_plan_t plan;
  arcos_records_t rec;
} fixture_t;

/* Partition p: 5 + p items (every third a duplicate of the first id, some with
 * alerts) and p failures; partition 1 has no failures, partition 3 has no items. */
static void fill(fixture_t *f) {
  memset(f, 0, sizeof *f);
  f->inputs[0].display = "a.jsonl";
  f->inputs[0].size = 100;
  f->inputs[1].display = "b \"quoted\".jsonl";
  f->inputs[1].size = 200;
  f->plan = (arcos_plan_t){.inputs = f->inputs, .ninputs = 2, .parts = f->parts, .nparts = NPARTS};
  for (size_t p = 0; p < NPARTS; p++)
    f->parts[p] = (arcos_partition_t){.input = p < 2 ? 0 : 1, .rank = 0};
  arcos_records_t *r = &f->rec;
  CHECK_INT_EQ(arcos_records_init(r), ARCOS_OK);
  CHECK_INT_EQ(arcos_records_parts_reserve(r, NPARTS + 1), ARCOS_OK);
  for (uint32_t p = 0; p < NPARTS; p++) {
    r->part_item_first[p] = r->nitems;
    r->part_fail_first[p] = r->nfails;
    uint32_t n = p == 3 ? 0 : 5 + p;
    for (uint32_t i = 0; i < n; i++) {
      char id[32];
      int len = snprintf(id, sizeof id, "id-%u-%u", p, i);
      item_t *it = arcos_records_new_item(r);
      *it = (item_t){.part = p, .seq = i, .line = 10 * p + i + 1, .score = (uint8_t)(10 * i)};
      it->id = arcos_arena_strndup(r->arena, id, (size_t)len);
      it->id_len = (uint32_t)len;
      it->type = "type";
      it->type_len = 4;
      it->source = p % 2 ? "src-odd" : "src";
      it->source_len = (uint32_t)strlen(it->source);
      it->alerts = (uint8_t)(i % 8);
      it->severity = i % 8 ? ARCOS_SEV_HIGH : ARCOS_SEV_NONE;
      it->status = i % 3 == 2 ? ITEM_DUPLICATE : ITEM_STORED;
      if (it->status == ITEM_DUPLICATE) { /* in place of type and source, which it lacks */
        it->first_line = 1;
        it->first_input = 0;
        it->first_run = 0;
      }
      r->nitems++;
    }
    for (uint32_t i = 0; i < (p == 1 ? 0 : p + 1); i++) {
      fail_t *fl = arcos_records_new_fail(r);
      *fl = (fail_t){.part = p, .line = 10 * p + 9, .offset = 7 * i, .kind = ARCOS_KIND_PARSE};
      fl->message = i % 2 ? "bad \"json\"" : "truncated";
      fl->raw = "{\"x\":\xff";
      fl->raw_len = 6;
      r->nfails++;
    }
    r->part_records[p] = n + (p == 1 ? 0 : p + 1);
  }
}

/* A round source over the fixture's records: round k holds partitions
 * [split[k], split[k + 1]); counts the loads. */
typedef struct {
  const arcos_records_t *rec;
  const size_t *split;
  arcos_round_part_t parts[NPARTS];
  int loads;
} rounds_t;

static int load_round(void *arg, size_t k, arcos_round_t *out) {
  rounds_t *s = arg;
  const arcos_records_t *r = s->rec;
  size_t a = s->split[k], b = s->split[k + 1];
  size_t i0 = a < NPARTS ? r->part_item_first[a] : r->nitems;
  size_t f0 = a < NPARTS ? r->part_fail_first[a] : r->nfails;
  size_t ni = 0, nf = 0;
  for (size_t p = a; p < b; p++) {
    size_t i = r->part_item_first[p], f = r->part_fail_first[p];
    size_t ie = p + 1 < NPARTS ? r->part_item_first[p + 1] : r->nitems;
    size_t fe = p + 1 < NPARTS ? r->part_fail_first[p + 1] : r->nfails;
    s->parts[p - a] = (arcos_round_part_t){p, i - i0, ie - i, f - f0, fe - f};
    ni += ie - i;
    nf += fe - f;
  }
  *out = (arcos_round_t){r->items + i0, ni, r->fails + f0, nf, s->parts, b - a};
  s->loads++;
  return ARCOS_OK;
}

static void paths_in(const char *dir, char names[5][300], output_paths_t *p) {
  static const char *const base[5] = {"results.jsonl", "dlq.jsonl", "duplicates.jsonl",
                                      "results.h5", "dropped.jsonl"};
  for (int k = 0; k < 5; k++)
    snprintf(names[k], sizeof names[k], "%s/%s", dir, base[k]);
  *p = (output_paths_t){names[0], names[1], names[2], names[3], names[4], "{\"config\":1}"};
}

static char *slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  *len = 0;
  if (fp == NULL)
    return NULL;
  char *b = malloc(1 << 16);
  *len = fread(b, 1, 1 << 16, fp);
  fclose(fp);
  return b;
}

static size_t count_lines(const char *b, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += b[i] == '\n';
  return k;
}

/* One dataset of both files, read whole as `type`, compared; returns its length. */
static uint64_t same_dataset(arcos_h5r_t *a, arcos_h5r_t *b, const char *path,
                             arcos_h5_type_t type) {
  uint64_t na = 0, nb = 0;
  CHECK_INT_EQ(arcos_h5r_length(a, path, &na), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5r_length(b, path, &nb), ARCOS_OK);
  CHECK_INT_EQ(na, nb);
  size_t elem = type == ARCOS_H5_CHAR || type == ARCOS_H5_SEVERITY ? 1 : 8;
  unsigned char *x = calloc(na + 1, elem), *y = calloc(na + 1, elem);
  if (na > 0) {
    CHECK_INT_EQ(arcos_h5r_read(a, path, type, 0, na, x), ARCOS_OK);
    CHECK_INT_EQ(arcos_h5r_read(b, path, type, 0, na, y), ARCOS_OK);
  }
  int same = memcmp(x, y, na * elem) == 0;
  if (!same)
    fprintf(stderr, "dataset %s differs\n", path);
  CHECK(same);
  free(x);
  free(y);
  return na;
}

static void same_h5(const char *pa, const char *pb, const totals_t *t) {
  arcos_h5r_t *a = NULL, *b = NULL;
  CHECK_INT_EQ(arcos_h5r_open(pa, &a), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5r_open(pb, &b), ARCOS_OK);
  if (a == NULL || b == NULL)
    return;
  for (size_t c = 0; c < arcos_ncolumns; c++) {
    const arcos_col_t *col = &arcos_columns[c];
    char name[256];
    if (col->type == ARCOS_H5_CHAR) {
      static const char *const sfx[3] = {"_chars", "_offset", "_length"};
      static const arcos_h5_type_t st[3] = {ARCOS_H5_CHAR, ARCOS_H5_U64, ARCOS_H5_U64};
      for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "%s%s", col->path, sfx[k]);
        same_dataset(a, b, name, st[k]);
      }
    } else {
      arcos_h5_type_t rt = col->type == ARCOS_H5_I64        ? ARCOS_H5_I64
                           : col->type == ARCOS_H5_SEVERITY ? ARCOS_H5_SEVERITY
                                                            : ARCOS_H5_U64;
      uint64_t n = same_dataset(a, b, col->path, rt);
      if (strcmp(col->path, "/evidence/score") == 0)
        CHECK_INT_EQ(n, t->stored);
      if (strcmp(col->path, "/duplicates/line") == 0)
        CHECK_INT_EQ(n, t->duplicates);
      if (strcmp(col->path, "/errors/line") == 0)
        CHECK_INT_EQ(n, t->dead_lettered);
    }
  }
  CHECK(same_dataset(a, b, "/alerts/row", ARCOS_H5_U64) > 0);
  same_dataset(a, b, "/alerts/kind", ARCOS_H5_U64);
  same_dataset(a, b, "/alerts/severity", ARCOS_H5_SEVERITY);
  same_dataset(a, b, "/inputs/size", ARCOS_H5_U64);
  int64_t conserved = 0;
  CHECK_INT_EQ(arcos_h5r_attr_i64(b, "/", "records_conserved", &conserved), ARCOS_OK);
  CHECK_INT_EQ(conserved, 1);
  arcos_h5r_close(&a);
  arcos_h5r_close(&b);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  char root[] = "/tmp/arcos-test-outputs-XXXXXX";
  CHECK(mkdtemp(root) != NULL);
  fixture_t f;
  fill(&f);
  arcos_config_t cfg;
  arcos_config_init(&cfg);
  arcos_ctx_t ctx = {MPI_COMM_SELF, 0, 1, &cfg, stdout, stderr};
  rank_metrics_t m = {.host = "test"};
  arcos_buf_t dropped = {0};
  arcos_buf_append(&dropped, "{\"id\":\"gone\"}\n", 14);
  arcos_outputs_in_t in = {.ctx = &ctx,
                           .plan = &f.plan,
                           .rec = &f.rec,
                           .want_dlq = true,
                           .on_error_name = "dlq",
                           .reference_time = 0,
                           .dropped = 1,
                           .dropped_lines = &dropped,
                           .m = &m};
  /* one round (the in-memory writer), one round through a source, four rounds with an
   * empty one and two partitions in one */
  static const size_t one[] = {0, NPARTS}, four[] = {0, 1, 1, 3, NPARTS};
  const size_t *splits[3] = {NULL, one, four};
  const size_t nrounds[3] = {1, 1, 4};
  char dir[3][256], names[3][5][300];
  totals_t t[3];
  for (int k = 0; k < 3; k++) {
    snprintf(dir[k], sizeof dir[k], "%s/%d", root, k);
    CHECK(mkdir(dir[k], 0700) == 0);
    output_paths_t paths;
    paths_in(dir[k], names[k], &paths);
    if (k == 0) {
      CHECK_INT_EQ(arcos_outputs_write_memory(&in, &paths, &t[k]), ARCOS_OK);
      continue;
    }
    rounds_t s = {.rec = &f.rec, .split = splits[k]};
    arcos_round_source_t src = {nrounds[k], load_round, &s};
    CHECK_INT_EQ(arcos_outputs_write(&in, &paths, &src, &t[k]), ARCOS_OK);
    /* one round is loaded once (its rows kept between the passes), more twice */
    CHECK_INT_EQ(s.loads, nrounds[k] == 1 ? 1 : 2 * (int)nrounds[k]);
  }
  /* 5+6+7 items, every third a duplicate (1+2+2); 1+0+3+4 failures; 1 dropped */
  CHECK_INT_EQ(t[0].stored, 13);
  CHECK_INT_EQ(t[0].duplicates, 5);
  CHECK_INT_EQ(t[0].dead_lettered, 8);
  CHECK_INT_EQ(t[0].dropped, 1);
  CHECK_INT_EQ(t[0].input, 13 + 5 + 8 + 1);
  for (int k = 1; k < 3; k++) {
    CHECK(memcmp(&t[0], &t[k], sizeof t[0]) == 0);
    for (int file = 0; file < 5; file++) {
      if (file == 3)
        continue;
      size_t la = 0, lb = 0;
      char *a = slurp(names[0][file], &la), *b = slurp(names[k][file], &lb);
      CHECK(a != NULL && b != NULL && la == lb && memcmp(a, b, la) == 0);
      static const size_t want_lines[5] = {13, 8, 5, 0, 1};
      CHECK_INT_EQ(count_lines(b, lb), want_lines[file]);
      free(a);
      free(b);
    }
    same_h5(names[0][3], names[k][3], &t[k]);
  }
  for (int k = 0; k < 3; k++) {
    for (int file = 0; file < 5; file++)
      unlink(names[k][file]);
    rmdir(dir[k]);
  }
  rmdir(root);
  arcos_buf_free(&dropped);
  arcos_records_free(&f.rec);
  arcos_config_free(&cfg);
  MPI_Finalize();
  return CHECK_DONE();
}
