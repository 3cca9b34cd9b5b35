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
#include "run/job_internal.h"
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
  job_t job;
  memset(&job, 0, sizeof job);
  job.ctx = &ctx;
  job.cfg = &cfg;
  arcos_records_init(&job.rec);
  CHECK_INT_EQ(arcos_records_parts_reserve(&job.rec, 64), ARCOS_OK);

  CHECK_INT_EQ(arcos_stream_run(&job), ARCOS_OK);
  CHECK(job.streaming);
  CHECK_INT_EQ(job.plan.nparts, (NLINES + 6) / 7); /* 7 records a batch, the rest last */
  CHECK_INT_EQ(job.plan.workers, 1);
  uint64_t at = 0, records = 0;
  int contiguous = 1, own = 1;
  for (size_t p = 0; p < job.plan.nparts; p++) {
    contiguous &= job.plan.parts[p].start == at;
    own &= job.plan.parts[p].rank == 0; /* no worker: rank 0 took every batch */
    at = job.plan.parts[p].end;
    records += job.rec.part_records[p];
  }
  CHECK(contiguous);
  CHECK(own);
  CHECK_INT_EQ(at, bytes);
  CHECK_INT_EQ(job.plan.total_bytes, bytes);
  CHECK_INT_EQ(records, NLINES);
  CHECK_INT_EQ(job.rec.nitems + job.rec.nfails, NLINES);
  CHECK_INT_EQ(job.rec.nfails, 1);
  CHECK_INT_EQ(job.dropped, 0);
  CHECK_INT_EQ(job.pstats.batch_min_seen, 7);
  CHECK_INT_EQ(job.pstats.batch_max_seen, 7);

  arcos_records_free(&job.rec);
  arcos_pipeline_stats_free(&job.pstats);
  arcos_buf_free(&job.dropped_lines);
  arcos_plan_free(&job.plan);
  cfg.inputs = NULL;
  cfg.ninputs = 0;
  arcos_config_free(&cfg);
  unlink(path);
  MPI_Finalize();
  return CHECK_DONE();
}
