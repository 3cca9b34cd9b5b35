/* The run layer's pipeline (src/run/pipeline.c) built alone on MPI_COMM_SELF: a batch of
 * JSON Lines through the stages, the error policy (parse failures, injected transient
 * stage faults retried or dead-lettered) and the batch accounting. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/fault.h"
#include "check.h"
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

/* The batch of make_batch in a new temporary file named by path (a mkstemp template). */
static void write_batch_file(char *path) {
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  size_t len = 0;
  char *text = make_batch(&len);
  CHECK_INT_EQ(write(fd, text, len), (long long)len);
  close(fd);
  free(text);
}

/* What the orchestrator would hold, and the pipeline's view of it: no job. */
typedef struct {
  arcos_ctx_t ctx;
  arcos_config_t cfg;
  arcos_plan_t plan;
  arcos_records_t rec;
  rank_metrics_t m;
  arcos_pipeline_stats_t st;
  arcos_pipeline_env_t env;
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
  f->env = (arcos_pipeline_env_t){.ctx = &f->ctx,
                                  .cfg = &f->cfg,
                                  .plan = &f->plan,
                                  .reference_time = 1793491200, /* 2026-11-01 */
                                  .rec = &f->rec,
                                  .m = &f->m,
                                  .st = &f->st,
                                  .streaming = true};
  arcos_records_init(&f->rec);
  CHECK(f->rec.arena != NULL);
}

static void teardown(fixture_t *f) {
  arcos_records_free(&f->rec);
  arcos_pipeline_stats_free(&f->st);
  arcos_config_free(&f->cfg);
}

/* One batch through the pipeline; every record is an item or a failure. */
static void run_batch(fixture_t *f) {
  size_t len = 0;
  char *text = make_batch(&len);
  arcos_pipeline_t *p = arcos_pipeline_create(&f->env);
  CHECK(p != NULL);
  uint64_t recs = 0;
  CHECK_INT_EQ(arcos_pipeline_buffer(p, 0, text, len, 1, 0, &recs), ARCOS_OK);
  arcos_pipeline_destroy(&p);
  free(text);
  CHECK_INT_EQ(recs, NREC);
  CHECK_INT_EQ(f->rec.nitems + f->rec.nfails, NREC);
  CHECK_INT_EQ(f->m.batches, 1); /* a streaming batch is one batch */
  CHECK_INT_EQ(f->st.nlatency, 1);
}

static size_t count_kind(const arcos_records_t *rec, int kind) {
  size_t n = 0;
  for (size_t i = 0; i < rec->nfails; i++)
    n += rec->fails[i].kind == kind;
  return n;
}

static void test_clean(void) {
  fixture_t f;
  setup(&f, ARCOS_ON_ERROR_DLQ, NULL);
  run_batch(&f);
  CHECK_INT_EQ(count_kind(&f.rec, ARCOS_KIND_PARSE), NREC / 50);
  CHECK_INT_EQ(f.rec.nfails, NREC / 50);
  const fail_t *x = &f.rec.fails[0];
  CHECK_INT_EQ(x->line, 8);                /* line 8 of the batch (first_line 1) */
  CHECK(x->raw != NULL && x->raw_len > 0); /* dlq keeps the raw text */
  CHECK_INT_EQ(f.rec.items[0].status, ITEM_STORED);
  CHECK_MEM_EQ(f.rec.items[0].id, f.rec.items[0].id_len, "rec-0", 5);
  CHECK_INT_EQ(f.st.injected + f.st.retries, 0);
  teardown(&f);
}

/* Transient faults: retried under `retry`; what still fails after max_retries is a
 * stage failure with max_retries + 1 attempts. Under `dlq` nothing is retried. */
static void test_transient(int on_error) {
  fixture_t f;
  setup(&f, on_error, "stage=analysis,rate=0.5,kind=transient,seed=3");
  run_batch(&f);
  size_t stage = count_kind(&f.rec, ARCOS_KIND_STAGE);
  CHECK(f.st.injected > 0);
  CHECK(stage > 0);
  for (size_t i = 0; i < f.rec.nfails; i++) {
    const fail_t *x = &f.rec.fails[i];
    if (x->kind == ARCOS_KIND_STAGE) {
      CHECK_INT_EQ(x->stage, ARCOS_STAGE_ANALYSIS);
      CHECK_INT_EQ(x->attempts, on_error == ARCOS_ON_ERROR_RETRY ? 3 : 1);
    }
  }
  if (on_error == ARCOS_ON_ERROR_RETRY) {
    CHECK(f.st.recovered > 0); /* rate 0.5: some pass on a later attempt */
    CHECK_INT_EQ(f.st.gave_up, stage);
    CHECK(f.st.retries >= f.st.recovered + 2 * f.st.gave_up);
  } else {
    CHECK_INT_EQ(f.st.retries + f.st.recovered + f.st.gave_up, 0);
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
  write_batch_file(path);
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
  CHECK_INT_EQ(arcos_plan_build(&input, 1, &po, &f.plan, &d), ARCOS_OK);
  CHECK_INT_EQ(f.plan.nparts, 1);
  CHECK_INT_EQ(arcos_records_parts_reserve(&f.rec, 2), ARCOS_OK);
  arcos_pipeline_t *p = arcos_pipeline_create(&f.env);
  CHECK(p != NULL);
  CHECK_INT_EQ(arcos_pipeline_partition(p, 0), ARCOS_OK);
  arcos_pipeline_destroy(&p); /* ends the last, partial batch */
  CHECK_INT_EQ(f.rec.nitems + f.rec.nfails, NREC);
  CHECK_INT_EQ(f.rec.part_records[0], NREC);
  CHECK_INT_EQ(f.st.batch_max_seen, 64);
  if (fixed) {
    CHECK_INT_EQ(f.st.batch_min_seen, 64);
    CHECK_INT_EQ(f.m.batches, (NREC + 63) / 64);
  } else {
    CHECK_INT_EQ(f.st.batch_min_seen, 4);
    CHECK_INT_EQ(f.st.batch_final, 4);
    CHECK(f.m.batches > (NREC + 63) / 64);
  }
  CHECK_INT_EQ(f.st.nlatency, f.m.batches);
  arcos_plan_free(&f.plan);
  teardown(&f);
  unlink(path);
}

/* The partition hooks (what bounded memory installs, pipeline.h): a file planned into
 * several partitions and run by arcos_pipeline_run; `done` is told each partition once,
 * after it committed; `loaded` is never told (no checkpoint). */
typedef struct {
  size_t done[64], ndone, nloaded;
} hooks_seen_t;

static int hook_done(void *arg, size_t part) {
  hooks_seen_t *h = arg;
  if (h->ndone < 64)
    h->done[h->ndone] = part;
  h->ndone++;
  return ARCOS_OK;
}

static int hook_loaded(void *arg, size_t part) {
  (void)part;
  ((hooks_seen_t *)arg)->nloaded++;
  return ARCOS_OK;
}

/* A source in place of the file (what bigdoc.c installs): two records. */
static int two_records(void *src, const arcos_partition_t *part, arcos_buf_t *scratch,
                       arcos_record_fn fn, arcos_reader_error_fn onerror, void *arg,
                       arcos_read_stats_t *st) {
  (void)src, (void)part, (void)scratch, (void)onerror;
  static const char a[] = "{\"id\":\"src-a\",\"type\":\"test_result\",\"source\":\"ci\"}";
  static const char b[] = "{\"id\":\"src-b\",\"type\":\"test_result\",\"source\":\"ci\"}";
  arcos_raw_t ra = {a, sizeof a - 1, 1, 0, NULL}, rb = {b, sizeof b - 1, 2, sizeof a, NULL};
  st->records += 2;
  int rc = fn(arg, &ra);
  return rc != 0 ? rc : fn(arg, &rb);
}

/* env.dealt (bigdoc.h): arcos_pipeline_run skips partition 1 (no hook, no records for
 * it); then arcos_pipeline_take takes it from a source, not from its file. */
static void check_dealt(fixture_t *f, hooks_seen_t *seen) {
  int skipped = 1;
  for (size_t i = 0; i < seen->ndone && i < 64; i++)
    skipped &= seen->done[i] != 1;
  CHECK(skipped);
  CHECK_INT_EQ(seen->ndone, f->plan.nparts - 1);
  CHECK_INT_EQ(f->rec.part_records[1], 0);
  arcos_pipeline_t *p = arcos_pipeline_create(&f->env);
  CHECK(p != NULL);
  arcos_pipeline_set_source(p, two_records, NULL);
  bool stop = true;
  CHECK_INT_EQ(arcos_pipeline_take(p, 1, &stop), ARCOS_OK);
  arcos_pipeline_destroy(&p);
  CHECK_INT_EQ(f->rec.part_records[1], 2);
  CHECK_INT_EQ(seen->done[seen->ndone - 1], 1);
  CHECK_INT_EQ(seen->ndone, f->plan.nparts);
}

static void test_hooks(int schedule, bool deal_one) {
  char path[] = "/tmp/arcos-test-pipeline-XXXXXX";
  write_batch_file(path);
  fixture_t f;
  setup(&f, ARCOS_ON_ERROR_DLQ, NULL);
  f.cfg.schedule = schedule;
  f.env.streaming = false;
  hooks_seen_t seen;
  memset(&seen, 0, sizeof seen);
  f.env.done = hook_done;
  f.env.loaded = hook_loaded;
  f.env.hook_arg = &seen;
  const char *input = path;
  arcos_plan_opts_t po = {.partition_bytes = 4096, .per_rank = 0, .workers = 1};
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(&input, 1, &po, &f.plan, &d), ARCOS_OK);
  CHECK(f.plan.nparts > 2);
  CHECK_INT_EQ(arcos_records_parts_reserve(&f.rec, f.plan.nparts + 1), ARCOS_OK);
  uint8_t dealt[64] = {0};
  dealt[1] = 1;
  f.env.dealt = deal_one ? dealt : NULL;
  bool interrupted = true;
  CHECK_INT_EQ(arcos_pipeline_run(&f.env, &interrupted), ARCOS_OK);
  CHECK(!interrupted);
  if (deal_one) {
    check_dealt(&f, &seen);
    arcos_plan_free(&f.plan);
    teardown(&f);
    unlink(path);
    return;
  }
  CHECK_INT_EQ(seen.ndone, f.plan.nparts);
  CHECK_INT_EQ(seen.nloaded, 0);
  size_t times[64] = {0};
  for (size_t i = 0; i < seen.ndone && i < 64; i++)
    times[seen.done[i] < 64 ? seen.done[i] : 63]++;
  int each_once = 1;
  for (size_t p = 0; p < f.plan.nparts && p < 64; p++)
    each_once &= times[p] == 1;
  CHECK(each_once);
  if (schedule == ARCOS_SCHEDULE_STATIC)
    CHECK_INT_EQ(seen.done[seen.ndone - 1], f.plan.nparts - 1); /* in index order */
  CHECK_INT_EQ(f.rec.nitems + f.rec.nfails, NREC);
  CHECK_INT_EQ(f.m.partitions, f.plan.nparts);
  CHECK(f.st.memo_off != NULL); /* no cache: no memo */
  arcos_plan_free(&f.plan);
  teardown(&f);
  unlink(path);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  test_stats();
  test_adaptive(false);
  test_adaptive(true);
  test_hooks(ARCOS_SCHEDULE_STATIC, false);
  test_hooks(ARCOS_SCHEDULE_DYNAMIC, false);
  test_hooks(ARCOS_SCHEDULE_STATIC, true);
  test_hooks(ARCOS_SCHEDULE_DYNAMIC, true);
  test_clean();
  test_transient(ARCOS_ON_ERROR_RETRY);
  test_transient(ARCOS_ON_ERROR_DLQ);
  MPI_Finalize();
  return CHECK_DONE();
}
