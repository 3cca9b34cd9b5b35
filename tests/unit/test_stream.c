/* Streaming mode of the run layer (src/run/stream.c) built alone on MPI_COMM_SELF: rank 0
 * cuts the stream into batches of --batch-size non-blank lines (fixed here) and, with no
 * worker rank, processes each itself; every batch becomes one partition of the plan,
 * contiguous in bytes, and every line is accounted for. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "run/records.h"
#include "run/stream.h"

#define NLINES 50

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  char path[] = "/tmp/arcos-test-stream-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  FILE *fp = fdopen(fd, "w");
  long bytes = 0;
  for (int i = 0; i < NLINES; i++) {
    bytes += fprintf(
        fp, i == 20 ? "not json\n" : "{\"id\":\"s%d\",\"type\":\"t\",\"source\":\"x\"}\n", i);
    if (i == 30)
      bytes += fprintf(fp, "\n"); /* a blank line: in the bytes, not a record */
  }
  fclose(fp);

  arcos_config_t cfg;
  arcos_config_init(&cfg);
  char *inputs[1] = {path};
  cfg.inputs = inputs;
  cfg.ninputs = 1;
  cfg.batch_size = 7;
  cfg.fixed_batch = true;
  arcos_ctx_t ctx = {MPI_COMM_SELF, 0, 1, &cfg, stdout, stderr};
  arcos_plan_t plan;
  memset(&plan, 0, sizeof plan);
  arcos_records_t rec;
  arcos_records_init(&rec);
  rank_metrics_t m;
  memset(&m, 0, sizeof m);
  arcos_pipeline_stats_t pst;
  memset(&pst, 0, sizeof pst);
  arcos_pipeline_env_t env = {
      .ctx = &ctx, .cfg = &cfg, .plan = &plan, .rec = &rec, .m = &m, .st = &pst, .streaming = true};
  arcos_stream_figures_t fig;
  memset(&fig, 0, sizeof fig);
  CHECK_INT_EQ(arcos_records_parts_reserve(&rec, 64), ARCOS_OK);

  CHECK_INT_EQ(arcos_stream_run(&env, &fig), ARCOS_OK);
  CHECK_INT_EQ(plan.nparts, (NLINES + 6) / 7); /* 7 records a batch, the rest last */
  CHECK_INT_EQ(plan.workers, 1);
  uint64_t at = 0, records = 0;
  int contiguous = 1, own = 1;
  for (size_t p = 0; p < plan.nparts; p++) {
    contiguous &= plan.parts[p].start == at;
    own &= plan.parts[p].rank == 0; /* no worker: rank 0 took every batch */
    at = plan.parts[p].end;
    records += rec.part_records[p];
  }
  CHECK(contiguous);
  CHECK(own);
  CHECK_INT_EQ(at, bytes);
  CHECK_INT_EQ(plan.total_bytes, bytes);
  CHECK_INT_EQ(records, NLINES);
  CHECK_INT_EQ(rec.nitems + rec.nfails, NLINES);
  CHECK_INT_EQ(rec.nfails, 1);
  CHECK_INT_EQ(fig.dropped, 0);
  CHECK_INT_EQ(fig.dropped_batches, 0);
  CHECK(fig.throttle_s == 0.0); /* no worker: rank 0's own batches are no throttle */
  CHECK_INT_EQ(fig.dropped_lines.len, 0);
  CHECK_INT_EQ(m.partitions, plan.nparts); /* the stream's pipeline counted into m */
  CHECK_INT_EQ(pst.batch_min_seen, 7);
  CHECK_INT_EQ(pst.batch_max_seen, 7);

  arcos_records_free(&rec);
  arcos_pipeline_stats_free(&pst);
  arcos_stream_figures_free(&fig);
  arcos_plan_free(&plan);
  cfg.inputs = NULL;
  cfg.ninputs = 0;
  arcos_config_free(&cfg);
  unlink(path);
  MPI_Finalize();
  return CHECK_DONE();
}
