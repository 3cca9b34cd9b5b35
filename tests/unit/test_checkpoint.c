/* The checkpoint of the run layer (src/run/checkpoint.c) built alone on MPI_COMM_SELF:
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
#include "run/job_internal.h"
#include "run/records.h"

typedef struct {
  arcos_ctx_t ctx;
  arcos_config_t cfg;
  job_t job;
} fixture_t;

static void setup(fixture_t *f, const char *out, const char *input) {
  memset(f, 0, sizeof *f);
  arcos_config_init(&f->cfg);
  free(f->cfg.output);
  f->cfg.output = strdup(out);
  f->ctx = (arcos_ctx_t){MPI_COMM_SELF, 0, 1, &f->cfg, stdout, stderr};
  f->job.ctx = &f->ctx;
  f->job.cfg = &f->cfg;
  f->job.journal_fd = -1;
  arcos_records_init(&f->job.rec);
  arcos_plan_opts_t po = {.partition_bytes = 64, .per_rank = 0, .workers = 1};
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(&input, 1, &po, &f->job.plan, &d), ARCOS_OK);
  CHECK(f->job.plan.nparts >= 3);
}

static void teardown(fixture_t *f) {
  arcos_ckpt_close(&f->job, false);
  arcos_records_free(&f->job.rec);
  free(f->job.part_state);
  arcos_plan_free(&f->job.plan);
  arcos_config_free(&f->cfg);
}

static void add_records(job_t *job) {
  job->rec.part_item_first[0] = job->rec.nitems;
  job->rec.part_fail_first[0] = job->rec.nfails;
  for (int i = 0; i < 2; i++) {
    item_t *it = arcos_records_new_item(&job->rec);
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
    job->rec.nitems++;
  }
  fail_t *x = arcos_records_new_fail(&job->rec);
  x->part = 0;
  x->seq = 2;
  x->line = 3;
  x->kind = ARCOS_KIND_PARSE;
  x->attempts = 1;
  x->message = "not valid JSON";
  x->raw = "{oops";
  x->raw_len = 5;
  job->rec.nfails++;
  job->rec.part_records[0] = 3;
  job->rec.newlines[0] = 3;
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
  CHECK_INT_EQ(arcos_ckpt_setup(&a.job, false), ARCOS_OK);
  CHECK(a.job.journal_fd >= 0);
  CHECK_INT_EQ(arcos_ckpt_start(&a.job, 0), ARCOS_OK);
  add_records(&a.job);
  CHECK_INT_EQ(arcos_ckpt_commit(&a.job, 0), ARCOS_OK);
  CHECK_INT_EQ(arcos_ckpt_start(&a.job, 1), ARCOS_OK); /* a crash before "done 1" */
  teardown(&a);
  /* A torn last line: "done 2" cut short (no newline), after a line that is not one. */
  snprintf(journal, sizeof journal, "%s/.arcos-state/journal-0.log", out);
  fp = fopen(journal, "a");
  fputs("bogus 1\ndone 2", fp);
  fclose(fp);

  fixture_t b;
  setup(&b, out, input);
  CHECK_INT_EQ(arcos_ckpt_setup(&b.job, true), ARCOS_OK);
  CHECK_INT_EQ(b.job.part_state[0], 2); /* done */
  CHECK_INT_EQ(b.job.part_state[1], 1); /* started, not done */
  CHECK_INT_EQ(b.job.part_state[2], 0); /* the torn "done 2" is not trusted */
  struct stat st;
  CHECK(stat(journal, &st) == 0);
  CHECK_INT_EQ(st.st_size, (long long)strlen("start 0\ndone 0\nstart 1\nbogus 1\n"));
  CHECK_INT_EQ(arcos_ckpt_load(&b.job, 0), ARCOS_OK);
  CHECK_INT_EQ(b.job.rec.nitems, 2);
  CHECK_INT_EQ(b.job.rec.nfails, 1);
  CHECK_INT_EQ(b.job.rec.part_records[0], 3);
  CHECK_INT_EQ(b.job.rec.newlines[0], 3);
  if (b.job.rec.nitems == 2 && b.job.rec.nfails == 1) {
    CHECK_MEM_EQ(b.job.rec.items[1].id, b.job.rec.items[1].id_len, "beta", 4);
    CHECK_INT_EQ(b.job.rec.items[1].score, 61);
    CHECK_INT_EQ(b.job.rec.items[0].comp[2], 17);
    CHECK_STR_EQ(b.job.rec.fails[0].message, "not valid JSON");
    CHECK_MEM_EQ(b.job.rec.fails[0].raw, b.job.rec.fails[0].raw_len, "{oops", 5);
    CHECK_INT_EQ(b.job.rec.fails[0].line, 3);
  }
  CHECK(arcos_ckpt_load(&b.job, 2) != ARCOS_OK); /* no segment: an error, nothing added */
  CHECK_INT_EQ(b.job.rec.nitems, 2);
  teardown(&b);
  arcos_ckpt_remove(out);
  unlink(input);
  rmdir(out);
  MPI_Finalize();
  return CHECK_DONE();
}
