/* The run layer's pipeline (src/run/pipeline.c) built alone on MPI_COMM_SELF: a batch of
 * JSON Lines through the stages, the error policy (parse failures, injected transient
 * stage faults retried or dead-lettered) and the batch accounting. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/fault.h"
#include "check.h"
#include "run/job_internal.h"
#include "run/pipeline.h"
#include "run/records.h"

#define NREC 200

/* NREC records, every 50th line not JSON. */
static char *make_batch(size_t *len) {
  arcos_buf_t b = {0};
  char line[256];
  for (int i = 0; i < NREC; i++) {
    int n = i % 50 == 7 ? snprintf(line, sizeof line, "{not json %d\n", i)
                        : snprintf(line, sizeof line,
                                   "{\"id\":\"rec-%d\",\"type\":\"test_result\",\"source\":\"ci\","
                                   "\"timestamp\":\"2026-10-01T00:00:00Z\",\"data\":{\"n\":%d}}\n",
                                   i, i);
    arcos_buf_append(&b, line, (size_t)n);
  }
  *len = b.len;
  return b.data;
}

typedef struct {
  arcos_ctx_t ctx;
  arcos_config_t cfg;
  job_t job;
} fixture_t;

static void setup(fixture_t *f, int on_error, const char *faults) {
  memset(f, 0, sizeof *f);
  arcos_config_init(&f->cfg);
  f->cfg.on_error = on_error;
  f->cfg.max_retries = 2;
  f->cfg.retry_backoff_ms = 0;
  if (faults != NULL) {
    arcos_detail_t d;
    arcos_detail_clear(&d);
    CHECK_INT_EQ(arcos_faults_parse(faults, &f->cfg.faults, &d), ARCOS_OK);
  }
  f->ctx = (arcos_ctx_t){MPI_COMM_SELF, 0, 1, &f->cfg, stdout, stderr};
  f->job.ctx = &f->ctx;
  f->job.cfg = &f->cfg;
  f->job.streaming = true;
  f->job.reference_time = 1793491200; /* 2026-11-01 */
  arcos_records_init(&f->job.rec);
  CHECK(f->job.rec.arena != NULL);
}

static void teardown(fixture_t *f) {
  arcos_records_free(&f->job.rec);
  arcos_pipeline_stats_free(&f->job.pstats);
  arcos_config_free(&f->cfg);
}

/* One batch through the pipeline; every record is an item or a failure. */
static void run_batch(fixture_t *f) {
  size_t len = 0;
  char *text = make_batch(&len);
  arcos_pipeline_t *p = arcos_pipeline_create(&f->job);
  CHECK(p != NULL);
  uint64_t recs = 0;
  CHECK_INT_EQ(arcos_pipeline_buffer(p, 0, text, len, 1, 0, &recs), ARCOS_OK);
  arcos_pipeline_destroy(&p);
  free(text);
  CHECK_INT_EQ(recs, NREC);
  CHECK_INT_EQ(f->job.rec.nitems + f->job.rec.nfails, NREC);
  CHECK_INT_EQ(f->job.m.batches, 1); /* a streaming batch is one batch */
  CHECK_INT_EQ(f->job.pstats.nlatency, 1);
}

static size_t count_kind(const job_t *job, int kind) {
  size_t n = 0;
  for (size_t i = 0; i < job->rec.nfails; i++)
    n += job->rec.fails[i].kind == kind;
  return n;
}

static void test_clean(void) {
  fixture_t f;
  setup(&f, ARCOS_ON_ERROR_DLQ, NULL);
  run_batch(&f);
  CHECK_INT_EQ(count_kind(&f.job, ARCOS_KIND_PARSE), NREC / 50);
  CHECK_INT_EQ(f.job.rec.nfails, NREC / 50);
  const fail_t *x = &f.job.rec.fails[0];
  CHECK_INT_EQ(x->line, 8);                /* line 8 of the batch (first_line 1) */
  CHECK(x->raw != NULL && x->raw_len > 0); /* dlq keeps the raw text */
  CHECK_INT_EQ(f.job.rec.items[0].status, ITEM_STORED);
  CHECK_MEM_EQ(f.job.rec.items[0].id, f.job.rec.items[0].id_len, "rec-0", 5);
  CHECK_INT_EQ(f.job.pstats.injected + f.job.pstats.retries, 0);
  teardown(&f);
}

/* Transient faults: retried under `retry`; what still fails after max_retries is a
 * stage failure with max_retries + 1 attempts. Under `dlq` nothing is retried. */
static void test_transient(int on_error) {
  fixture_t f;
  setup(&f, on_error, "stage=analysis,rate=0.5,kind=transient,seed=3");
  run_batch(&f);
  size_t stage = count_kind(&f.job, ARCOS_KIND_STAGE);
  CHECK(f.job.pstats.injected > 0);
  CHECK(stage > 0);
  for (size_t i = 0; i < f.job.rec.nfails; i++) {
    const fail_t *x = &f.job.rec.fails[i];
    if (x->kind == ARCOS_KIND_STAGE) {
      CHECK_INT_EQ(x->stage, ARCOS_STAGE_ANALYSIS);
      CHECK_INT_EQ(x->attempts, on_error == ARCOS_ON_ERROR_RETRY ? 3 : 1);
    }
  }
  if (on_error == ARCOS_ON_ERROR_RETRY) {
    CHECK(f.job.pstats.recovered > 0); /* rate 0.5: some pass on a later attempt */
    CHECK_INT_EQ(f.job.pstats.gave_up, stage);
    CHECK(f.job.pstats.retries >= f.job.pstats.recovered + 2 * f.job.pstats.gave_up);
  } else {
    CHECK_INT_EQ(f.job.pstats.retries + f.job.pstats.recovered + f.job.pstats.gave_up, 0);
  }
  teardown(&f);
}

/* The pipeline's statistics alone: batch sizes seen (smallest, largest, last) and the
 * latencies, which grow past their first allocation. */
static void test_stats(void) {
  arcos_pipeline_stats_t st;
  memset(&st, 0, sizeof st);
  static const int64_t sizes[] = {500, 120, 900, 640};
  for (size_t i = 0; i < 4; i++)
    arcos_pipeline_stats_batch(&st, sizes[i]);
  CHECK_INT_EQ(st.batch_min_seen, 120);
  CHECK_INT_EQ(st.batch_max_seen, 900);
  CHECK_INT_EQ(st.batch_final, 640);
  for (int i = 0; i < 3000; i++)
    arcos_pipeline_stats_latency(&st, (double)i / 4);
  CHECK_INT_EQ(st.nlatency, 3000);
  CHECK(st.latency_ms != NULL && st.latency_ms[2999] == 749.75);
  arcos_pipeline_stats_free(&st);
  CHECK(st.latency_ms == NULL && st.nlatency == 0);
}

/* A file partition in batches (adaptive sizing): with a target far below what any batch
 * takes, each batch size moves halfway toward zero and stops at --batch-min; with
 * --fixed-batch every batch keeps --batch-size. Every record is counted once. */
static void test_adaptive(bool fixed) {
  char path[] = "/tmp/arcos-test-pipeline-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  size_t len = 0;
  char *text = make_batch(&len);
  CHECK_INT_EQ(write(fd, text, len), (long long)len);
  close(fd);
  free(text);
  fixture_t f;
  setup(&f, ARCOS_ON_ERROR_DLQ, NULL);
  f.cfg.batch_size = 64;
  f.cfg.batch_min = 4;
  f.cfg.batch_max = 1000;
  f.cfg.target_batch_ms = 1e-12;
  f.cfg.fixed_batch = fixed;
  const char *input = path;
  arcos_plan_opts_t po = {.partition_bytes = 1 << 20, .per_rank = 0, .workers = 1};
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(&input, 1, &po, &f.job.plan, &d), ARCOS_OK);
  CHECK_INT_EQ(f.job.plan.nparts, 1);
  CHECK_INT_EQ(arcos_records_parts_reserve(&f.job.rec, 2), ARCOS_OK);
  arcos_pipeline_t *p = arcos_pipeline_create(&f.job);
  CHECK(p != NULL);
  CHECK_INT_EQ(arcos_pipeline_partition(p, 0), ARCOS_OK);
  arcos_pipeline_destroy(&p); /* ends the last, partial batch */
  CHECK_INT_EQ(f.job.rec.nitems + f.job.rec.nfails, NREC);
  CHECK_INT_EQ(f.job.rec.part_records[0], NREC);
  CHECK_INT_EQ(f.job.pstats.batch_max_seen, 64);
  if (fixed) {
    CHECK_INT_EQ(f.job.pstats.batch_min_seen, 64);
    CHECK_INT_EQ(f.job.m.batches, (NREC + 63) / 64);
  } else {
    CHECK_INT_EQ(f.job.pstats.batch_min_seen, 4);
    CHECK_INT_EQ(f.job.pstats.batch_final, 4);
    CHECK(f.job.m.batches > (NREC + 63) / 64);
  }
  CHECK_INT_EQ(f.job.pstats.nlatency, f.job.m.batches);
  arcos_plan_free(&f.job.plan);
  teardown(&f);
  unlink(path);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  test_stats();
  test_adaptive(false);
  test_adaptive(true);
  test_clean();
  test_transient(ARCOS_ON_ERROR_RETRY);
  test_transient(ARCOS_ON_ERROR_DLQ);
  MPI_Finalize();
  return CHECK_DONE();
}
