/* The checkpoint of the run layer (src/run/checkpoint.c) built alone on MPI_COMM_SELF,
 * with a records store and a plan (no job):
 * a committed partition's segment replays its records; the journal trusts only whole
 * lines ("done 2" cut short by a crash is not done), a started partition is "started",
 * and a resumed journal is cut back to its last whole line. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "run/checkpoint.h"
#include "run/records.h"

typedef struct {
  arcos_ctx_t ctx;
  arcos_config_t cfg;
  arcos_plan_t plan;
  arcos_records_t rec;
  arcos_ckpt_t *ckpt;
} fixture_t;

static void setup(fixture_t *f, const char *out, const char *input) {
  memset(f, 0, sizeof *f);
  arcos_config_init(&f->cfg);
  free(f->cfg.output);
  f->cfg.output = strdup(out);
  f->ctx = (arcos_ctx_t){MPI_COMM_SELF, 0, 1, &f->cfg, stdout, stderr};
  CHECK_INT_EQ(arcos_records_init(&f->rec), ARCOS_OK);
  arcos_plan_opts_t po = {.partition_bytes = 64, .per_rank = 0, .workers = 1};
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(&input, 1, &po, &f->plan, &d), ARCOS_OK);
  CHECK(f->plan.nparts >= 3);
  CHECK_INT_EQ(arcos_records_parts_reserve(&f->rec, f->plan.nparts + 1), ARCOS_OK);
}

static void teardown(fixture_t *f) {
  arcos_ckpt_close(&f->ckpt, &f->ctx, false);
  CHECK(f->ckpt == NULL);
  arcos_records_free(&f->rec);
  arcos_plan_free(&f->plan);
  arcos_config_free(&f->cfg);
}

static void add_records(arcos_records_t *r) {
  r->part_item_first[0] = r->nitems;
  r->part_fail_first[0] = r->nfails;
  for (int i = 0; i < 2; i++) {
    item_t *it = arcos_records_new_item(r);
    it->part = 0;
    it->seq = (uint32_t)i;
    it->line = (uint64_t)i + 1;
    it->id = i ? "beta" : "alpha";
    it->id_len = (uint32_t)strlen(it->id);
    it->type = "test_result";
    it->type_len = 11;
    it->source = "ci";
    it->source_len = 2;
    it->score = (uint8_t)(60 + i);
    it->comp[2] = 17;
    r->nitems++;
  }
  fail_t *x = arcos_records_new_fail(r);
  x->part = 0;
  x->seq = 2;
  x->line = 3;
  x->kind = ARCOS_KIND_PARSE;
  x->attempts = 1;
  x->message = "not valid JSON";
  x->raw = "{oops";
  x->raw_len = 5;
  r->nfails++;
  r->part_records[0] = 3;
  r->newlines[0] = 3;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  char out[] = "/tmp/arcos-test-ckpt-XXXXXX";
  CHECK(mkdtemp(out) != NULL);
  char input[4200], journal[4300];
  snprintf(input, sizeof input, "%s/in.jsonl", out);
  FILE *fp = fopen(input, "w");
  for (int i = 0; i < 12; i++)
    fprintf(fp, "{\"id\":\"r%d\",\"type\":\"t\",\"source\":\"s\"}\n", i);
  fclose(fp);

  fixture_t a;
  setup(&a, out, input);
  CHECK_INT_EQ(arcos_ckpt_setup(&a.ctx, &a.plan, 0, NULL, false, &a.ckpt), ARCOS_OK);
  CHECK_INT_EQ(arcos_ckpt_state(a.ckpt, 0), 0); /* a fresh run: everything to do */
  CHECK(arcos_ckpt_states(a.ckpt) != NULL);
  CHECK_INT_EQ(arcos_ckpt_start(a.ckpt, 0), ARCOS_OK);
  add_records(&a.rec);
  CHECK_INT_EQ(arcos_ckpt_commit(a.ckpt, &a.rec, 0), ARCOS_OK);
  CHECK_INT_EQ(arcos_ckpt_start(a.ckpt, 1), ARCOS_OK); /* a crash before "done 1" */
  teardown(&a);
  /* A torn last line: "done 2" cut short (no newline), after a line that is not one. */
  snprintf(journal, sizeof journal, "%s/.arcos-state/journal-0.log", out);
  fp = fopen(journal, "a");
  fputs("bogus 1\ndone 2", fp);
  fclose(fp);

  fixture_t b;
  setup(&b, out, input);
  CHECK_INT_EQ(arcos_ckpt_setup(&b.ctx, &b.plan, 0, NULL, true, &b.ckpt), ARCOS_OK);
  CHECK_INT_EQ(arcos_ckpt_state(b.ckpt, 0), 2); /* done */
  CHECK_INT_EQ(arcos_ckpt_state(b.ckpt, 1), 1); /* started, not done */
  CHECK_INT_EQ(arcos_ckpt_state(b.ckpt, 2), 0); /* the torn "done 2" is not trusted */
  struct stat st;
  CHECK(stat(journal, &st) == 0);
  CHECK_INT_EQ(st.st_size, (long long)strlen("start 0\ndone 0\nstart 1\nbogus 1\n"));
  CHECK_INT_EQ(arcos_ckpt_load(b.ckpt, &b.rec, 0), ARCOS_OK);
  CHECK_INT_EQ(b.rec.nitems, 2);
  CHECK_INT_EQ(b.rec.nfails, 1);
  CHECK_INT_EQ(b.rec.part_records[0], 3);
  CHECK_INT_EQ(b.rec.newlines[0], 3);
  if (b.rec.nitems == 2 && b.rec.nfails == 1) {
    CHECK_MEM_EQ(b.rec.items[1].id, b.rec.items[1].id_len, "beta", 4);
    CHECK_INT_EQ(b.rec.items[1].score, 61);
    CHECK_INT_EQ(b.rec.items[0].comp[2], 17);
    CHECK_STR_EQ(b.rec.fails[0].message, "not valid JSON");
    CHECK_MEM_EQ(b.rec.fails[0].raw, b.rec.fails[0].raw_len, "{oops", 5);
    CHECK_INT_EQ(b.rec.fails[0].line, 3);
  }
  CHECK(arcos_ckpt_load(b.ckpt, &b.rec, 2) != ARCOS_OK); /* no segment: an error, nothing added */
  CHECK_INT_EQ(b.rec.nitems, 2);
  teardown(&b);
  arcos_ckpt_remove(out);
  unlink(input);
  rmdir(out);
  MPI_Finalize();
  return CHECK_DONE();
}
