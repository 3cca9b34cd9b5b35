/* The `run` job, the orchestrator of the run layer. It reads like the data flow of
 * docs/architecture.md: check, plan, setup, ingest (files or a stream), dedup
 * (exactly-once), outputs, report, commit, teardown. Each step is one function that
 * returns a SPEC §9 exit code; the `goto` labels at the end undo the setup in reverse
 * order. Only this file sees every module of src/run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/cache.h"
#include "arcos/job.h"
#include "arcos/ops.h"
#include "arcos/rules.h"
#include "run/bigdoc.h"
#include "run/checkpoint.h"
#include "run/exactly_once.h"
#include "run/job_graph_internal.h"
#include "run/job_internal.h"
#include "run/outputs.h"
#include "run/pipeline.h"
#include "run/previous.h"
#include "run/progress.h"
#include "run/records.h"
#include "run/report.h"
#include "run/scratch.h"
#include "run/spill.h"
#include "run/stream.h"

static const char *const out_names[] = {
    "results.jsonl", "dlq.jsonl",   "duplicates.jsonl",   "results.h5",    "dropped.jsonl",
    "metrics.prom",  "report.html", "graph_errors.jsonl", "queries.jsonl", "report.json"};
enum {
  O_JSONL,
  O_DLQ,
  O_DUP,
  O_H5,
  O_DROPPED,
  O_PROM,
  O_HTML,
  O_GERR,
  O_QUERIES,
  O_REPORT,
  O_COUNT
};

typedef struct {
  char final[O_COUNT][4096];
  char tmp[O_COUNT][4096];
} out_files_t;

/* Rank 0: refuse an existing output directory unless --force; create it. */
static int prepare_output(const arcos_ctx_t *ctx, out_files_t *of) {
  const arcos_config_t *cfg = ctx->cfg;
  int rc = ARCOS_OK;
  if (ctx->rank == 0) {
    struct stat st;
    if (stat(cfg->output, &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        fprintf(ctx->err, "arcos-scale: output %s exists and is not a directory\n", cfg->output);
        rc = ARCOS_EEXISTS;
      } else if (!cfg->force && !cfg->resume) {
        fprintf(ctx->err,
                "arcos-scale: output directory %s already exists; pass --resume to continue "
                "an interrupted run, --force to overwrite its results, or choose another "
                "--output\n",
                cfg->output);
        rc = ARCOS_EEXISTS;
      }
    } else if (mkdir(cfg->output, 0775) != 0) {
      fprintf(ctx->err, "arcos-scale: cannot create output directory %s: %s\n", cfg->output,
              strerror(errno));
      rc = ARCOS_EIO;
    }
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, ctx->comm);
  for (int i = 0; i < O_COUNT; i++) {
    snprintf(of->final[i], sizeof of->final[i], "%s/%s", cfg->output, out_names[i]);
    snprintf(of->tmp[i], sizeof of->tmp[i], "%s/.%s.tmp", cfg->output, out_names[i]);
  }
  return rc;
}

/* The figures every rank knows before any work: reference time, host, baseline RSS. */
static void job_init(job_t *job, const arcos_ctx_t *ctx) {
  memset(job, 0, sizeof *job);
  job->ctx = ctx;
  job->cfg = ctx->cfg;
  arcos_report_rusage(&job->m);
  job->baseline_rss_mb = job->m.rss_mb; /* MPI, HDF5 and the libraries, before any data */
  int64_t ref = ctx->cfg->reference_time_set ? ctx->cfg->reference_time : arcos_epoch_now();
  MPI_Bcast(&ref, 1, MPI_INT64_T, 0, ctx->comm);
  job->reference_time = ref;
  int namelen = 0;
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Get_processor_name(host, &namelen);
  snprintf(job->m.host, sizeof job->m.host, "%.63s", host);
}

/* Streaming: standard input, or a named pipe (which rank 0 opens itself, avoiding the
 * launcher's stdin forwarding; see docs/stream.md). Rank 0 decides for everyone. */
static bool stream_input(const arcos_ctx_t *ctx) {
  const arcos_config_t *cfg = ctx->cfg;
  int flag = 0;
  if (ctx->rank == 0 && cfg->ninputs == 1) {
    struct stat st;
    flag = strcmp(cfg->inputs[0], "-") == 0 ||
           (stat(cfg->inputs[0], &st) == 0 && S_ISFIFO(st.st_mode));
  }
  MPI_Bcast(&flag, 1, MPI_INT, 0, ctx->comm);
  return flag != 0;
}

/* The logical cache nodes of the run: --cache-nodes, or one per rank and at least 3. */
static int cache_nodes(const arcos_ctx_t *ctx) {
  return ctx->cfg->cache_nodes > 0 ? (int)ctx->cfg->cache_nodes : (ctx->size > 3 ? ctx->size : 3);
}

/* Whether exactly-once runs on the replicated cache (the only path that takes a node
 * out of service with --fail-cache-node). */
static bool eo_on_cache(const arcos_config_t *cfg) {
  return cfg->guarantee == ARCOS_GUARANTEE_EXACTLY_ONCE && cfg->exactly_once_cache &&
         cfg->max_memory_mb <= 0;
}

/* Every option and every file an option names, before any input is read or any output
 * created (SPEC §6). Collective; returns a SPEC §9 exit code, the message printed. */
static int check_options(const arcos_ctx_t *ctx, bool streaming) {
  const arcos_config_t *cfg = ctx->cfg;
  const char *why = NULL;
  for (size_t i = 0; i < cfg->ninputs && !streaming && why == NULL; i++)
    if (strcmp(cfg->inputs[i], "-") == 0)
      why = "standard input (-) cannot be mixed with other inputs";
  if (streaming && (cfg->max_memory_mb > 0 || cfg->resume))
    why = "--max-memory-mb and --resume need file inputs; a stream is held until it ends "
          "and cannot be replayed";
  if (why != NULL) {
    if (ctx->rank == 0)
      fprintf(ctx->err, "arcos-scale: %s\n", why);
    return ARCOS_EXIT_USAGE;
  }
  int code = arcos_job_graph_check(ctx);
  if (code != ARCOS_EXIT_OK)
    return code;
  if (cfg->previous.n > 0 && cfg->guarantee != ARCOS_GUARANTEE_EXACTLY_ONCE) {
    if (ctx->rank == 0)
      fprintf(ctx->err,
              "arcos-scale: --previous %s: earlier runs seed the exactly-once seen-set; "
              "they need --guarantee exactly-once\n",
              cfg->previous.v[0]);
    return ARCOS_EXIT_USAGE;
  }
  if (arcos_previous_check(ctx->comm, ctx->rank, &cfg->previous, ctx->err) != ARCOS_OK)
    return ARCOS_EXIT_USAGE;
  /* SPEC §8: with one copy, a node taken out of service loses what it held. */
  if (cfg->fail_cache_node >= 0 && cfg->cache_replication < 2) {
    if (ctx->rank == 0)
      fprintf(ctx->err, "arcos-scale: --fail-cache-node needs --cache-replication 2 or more "
                        "(with one copy the node's entries would be lost)\n");
    return ARCOS_EXIT_USAGE;
  }
  int nodes = cache_nodes(ctx);
  if (cfg->fail_cache_node >= 0 && eo_on_cache(cfg) &&
      (cfg->fail_cache_node >= nodes || nodes < 2)) {
    if (ctx->rank == 0)
      fprintf(ctx->err,
              "arcos-scale: --fail-cache-node %lld is not a cache node in service "
              "(there are %d nodes; one must remain)\n",
              (long long)cfg->fail_cache_node, nodes);
    return ARCOS_EXIT_USAGE;
  }
  return ARCOS_EXIT_OK;
}

/* Rank 0: the interrupted run's plan and reference time from its checkpoint, or a new
 * plan. resume[0]: a checkpoint was found; resume[1]: output holds a completed run. */
static int plan_rank0(job_t *job, int64_t *ref, int resume[2]) {
  const arcos_config_t *cfg = job->cfg;
  int workers = job->ctx->size, rc = ARCOS_OK;
  if (cfg->max_workers > 0 && cfg->max_workers < workers)
    workers = (int)cfg->max_workers;
  bool found = false;
  if (cfg->resume) {
    rc = arcos_ckpt_load_meta(cfg, ref, &found, job->ctx->err);
    char done[4200];
    snprintf(done, sizeof done, "%s/report.json", cfg->output);
    struct stat st;
    if (rc == ARCOS_OK && !found && stat(done, &st) == 0)
      resume[1] = 1;
  }
  if (rc == ARCOS_OK && found) {
    rc = arcos_ckpt_load_plan(cfg, &job->plan);
    if (rc == ARCOS_OK)
      rc = arcos_plan_assign(&job->plan, workers);
    if (rc != ARCOS_OK)
      fprintf(job->ctx->err,
              "arcos-scale: --resume: the checkpoint in %s/.arcos-state is "
              "unreadable; rerun with --force to start again\n",
              cfg->output);
    resume[0] = 1;
  } else if (rc == ARCOS_OK && !resume[1]) {
    arcos_detail_t d;
    arcos_detail_clear(&d);
    arcos_plan_opts_t po = {.partition_bytes = (uint64_t)cfg->partition_bytes,
                            .per_rank = (uint64_t)cfg->partitions_per_rank,
                            .workers = workers,
                            .max_auto_bytes = (uint64_t)cfg->max_memory_mb << 18};
    rc = arcos_plan_build((const char *const *)cfg->inputs, cfg->ninputs, &po, &job->plan, &d);
    if (rc != ARCOS_OK)
      fprintf(job->ctx->err, "arcos-scale: %s: %s\n", d.source, d.text);
  }
  return rc;
}

/* File mode: plan on rank 0 and broadcast; stop before any work on a bad input path.
 * *resumed: a checkpoint was found; *complete: output holds a completed run. */
static int plan_files(job_t *job, bool *resumed, bool *complete) {
  const arcos_ctx_t *ctx = job->ctx;
  int resume[2] = {0, 0}, rc = ARCOS_OK;
  int64_t ref = job->reference_time;
  if (ctx->rank == 0)
    rc = plan_rank0(job, &ref, resume);
  MPI_Bcast(resume, 2, MPI_INT, 0, ctx->comm);
  *resumed = resume[0] != 0;
  *complete = resume[1] != 0;
  if (*complete) {
    if (ctx->rank == 0) {
      fprintf(ctx->err, "arcos-scale: %s holds a completed run; nothing to resume\n",
              job->cfg->output);
      arcos_ckpt_remove(job->cfg->output); /* a kill during its cleanup may have left some */
    }
    return ARCOS_EXIT_OK;
  }
  MPI_Bcast(&ref, 1, MPI_INT64_T, 0, ctx->comm);
  job->reference_time = ref;
  rc = arcos_plan_bcast(ctx->comm, rc, &job->plan);
  if (rc != ARCOS_OK)
    return rc == ARCOS_EUSAGE ? ARCOS_EXIT_USAGE : ARCOS_EXIT_FAILED;
  return ARCOS_EXIT_OK;
}

/* Bounded memory (--max-memory-mb): records go to disk partition by partition
 * (spill.c). The fixed costs must fit: two read buffers and one partition's records
 * (about half of its bytes), or the run would exceed the limit it was given. */
static int setup_spill(job_t *job, uint64_t budget, uint64_t memo_share) {
  const arcos_config_t *cfg = job->cfg;
  job->spill = true;
  job->memo_pend_max = memo_share / 2;
  size_t np0 = job->plan.nparts;
  uint64_t biggest = 0, need_part = 0;
  for (size_t p = 0; p < np0; p++) {
    uint64_t bytes = job->plan.parts[p].end - job->plan.parts[p].start;
    uint64_t cost = arcos_input_cost(&job->plan, &job->plan.parts[p]); /* per format */
    if (cost > need_part) {
      need_part = cost;
      biggest = bytes;
    }
  }
  uint64_t need = ((uint64_t)16 << 20) + need_part;
  if (need <= budget)
    return ARCOS_EXIT_OK;
  if (job->ctx->rank == 0)
    fprintf(job->ctx->err,
            "arcos-scale: --max-memory-mb %lld is too small for this job: it "
            "needs at least %llu MB per rank (read buffers and one partition of "
            "%llu bytes); raise it, or lower --partition-bytes\n",
            (long long)cfg->max_memory_mb, (unsigned long long)((need >> 20) + 1),
            (unsigned long long)biggest);
  return ARCOS_EXIT_FAILED;
}

/* The run's state, written once for both modes: arena, ring, cache, per-partition
 * arrays, the memory policy, the checkpoint, the stop signals and progress. */
static int setup_state(job_t *job, bool resumed, double t_start) {
  const arcos_ctx_t *ctx = job->ctx;
  const arcos_config_t *cfg = job->cfg;
  int nodes = cache_nodes(ctx);
  /* Decision (docs/cache.md): under --max-memory-mb the cache holds only the checksum
   * memo (the seen-set is the spilling exchange), and the memo gets 1/16 of the budget:
   * half for its entries (the cache refuses writes beyond it: the memo stops learning,
   * nothing else changes), half for the records waiting for a round. */
  uint64_t memo_share = cfg->max_memory_mb > 0 && cfg->checksum_memo
                            ? ((uint64_t)cfg->max_memory_mb << 20) / 16
                            : 0;
  arcos_cache_options_t copt = {.nodes = nodes,
                                .vnodes = (int)cfg->vnodes,
                                .replication = (int)cfg->cache_replication,
                                .max_bytes = (size_t)(memo_share / 2)};
  int rrc = arcos_records_init(&job->rec);
  job->ring = arcos_ring_create(nodes, (int)cfg->vnodes);
  job->cache = arcos_cache_create(ctx->comm, &copt);
  size_t parts = job->streaming ? 64 : job->plan.nparts + 1; /* a stream grows them */
  if (rrc != ARCOS_OK || job->ring == NULL || job->cache == NULL ||
      arcos_records_parts_reserve(&job->rec, parts) != ARCOS_OK)
    ARCOS_ABORT_OOM(ctx->comm);
  if (job->streaming) {
    /* Decision (docs/cache.md): no memo when streaming. Workers take batches from rank 0
     * point to point under credit flow control; collective memo rounds would tie every
     * worker to the slowest one and to rank 0's reading, against the backpressure design. */
    job->pstats.memo_off = "streaming mode";
    return ARCOS_EXIT_OK;
  }
  uint64_t budget = ((uint64_t)cfg->max_memory_mb << 20) - memo_share; /* for the data */
  if (cfg->max_memory_mb > 0 && setup_spill(job, budget, memo_share) != ARCOS_EXIT_OK)
    return ARCOS_EXIT_FAILED;
  if (arcos_scratch_open(ctx, job->spill, job->m.host, &job->seg_dir) != ARCOS_OK)
    return ARCOS_EXIT_FAILED;
  if ((cfg->checkpoint || job->spill) &&
      arcos_ckpt_setup(ctx, &job->plan, job->reference_time, job->seg_dir, resumed, &job->ckpt) !=
          ARCOS_OK)
    return ARCOS_EXIT_FAILED;
  if (job->spill && arcos_spill_create(ctx, &job->plan, job->ckpt, budget, &job->sp) != ARCOS_OK)
    ARCOS_ABORT_OOM(ctx->comm);
  if (cfg->max_time > 0)
    job->deadline = t_start + cfg->max_time;
  arcos_install_stop_signals();
  job->progress = arcos_progress_create(ctx, job->plan.total_bytes);
  return ARCOS_EXIT_OK;
}

/* A failed step's message, with the error's own kind (out of memory only when it was). */
static void say_failed(const job_t *job, const char *step, int rc) {
  if (rc == ARCOS_ENOMEM)
    ARCOS_ABORT_OOM(job->ctx->comm);
  fprintf(job->ctx->err, "arcos-scale: rank %d: %s failed: %s\n", job->ctx->rank, step,
          arcos_strerror(rc));
}

/* Bounded memory: the pipeline's partition hooks (pipeline.h) call into spill.c. */
static int spill_loaded(void *arg, size_t part) {
  job_t *job = arg;
  return arcos_spill_note_loaded(job->sp, &job->rec, part);
}
static int spill_done(void *arg, size_t part) {
  job_t *job = arg;
  arcos_spill_release(job->sp, &job->rec, part);
  return ARCOS_OK;
}

/* What the pipeline (and the stream's pipelines) work with. */
static arcos_pipeline_env_t pipeline_env(job_t *job) {
  return (arcos_pipeline_env_t){.ctx = job->ctx,
                                .cfg = job->cfg,
                                .plan = &job->plan,
                                .reference_time = job->reference_time,
                                .rec = &job->rec,
                                .m = &job->m,
                                .st = &job->pstats,
                                .ckpt = job->ckpt,
                                .progress = job->progress,
                                .cache = job->cache,
                                .deadline = job->deadline,
                                .streaming = job->streaming,
                                .spill = job->spill,
                                .memo_pend_max = job->memo_pend_max,
                                .loaded = job->spill ? spill_loaded : NULL,
                                .done = job->spill ? spill_done : NULL,
                                .hook_arg = job};
}

/* Big documents first (their reader deals their slices, bigdoc.h), then this rank's
 * other partitions. A dealt slice's records may precede a statically assigned
 * partition's: put them back in partition order (spill keeps each partition in its own
 * segment). */
static int run_partitions(job_t *job) {
  arcos_pipeline_env_t env = pipeline_env(job);
  uint8_t *dealt = NULL;
  bool doc_stop = false, stop = false;
  int rc = arcos_bigdoc_run(&env, &dealt, &doc_stop);
  env.dealt = dealt;
  int prc = arcos_pipeline_run(&env, &stop); /* collective: whatever rc */
  if (rc == ARCOS_OK)
    rc = prc;
  /* dealt slices' records came in out of partition order; under --schedule dynamic the
   * pipeline has already put every record back in order when it settled the owners */
  if (rc == ARCOS_OK && dealt != NULL && !job->spill &&
      job->cfg->schedule != ARCOS_SCHEDULE_DYNAMIC)
    rc = arcos_records_sort_by_part(&job->rec, job->plan.nparts);
  free(dealt);
  job->interrupted = doc_stop || stop;
  return rc;
}

/* File mode: read and run the stages on this rank's partitions (or load them from the
 * checkpoint); stop every rank if one failed or was interrupted. */
static int ingest_files(job_t *job, double t_start) {
  const arcos_ctx_t *ctx = job->ctx;
  const arcos_config_t *cfg = job->cfg;
  int rc = run_partitions(job);
  if (rc == ARCOS_EIO)
    fprintf(ctx->err,
            "arcos-scale: rank %d: cannot read or write the checkpoint in "
            "%s/.arcos-state (see above; disk full?): free space and rerun with "
            "--resume (finished partitions are kept)\n",
            ctx->rank, cfg->output);
  else if (rc != ARCOS_OK && rc != ARCOS_ECHANGED) /* ECHANGED: said where it happened */
    say_failed(job, "the pipeline", rc);
  /* Waiting here for the slowest rank is idle time: it measures imbalance. */
  job->m.idle_s += arcos_progress_finish(job->progress, ctx);
  arcos_progress_destroy(&job->progress);
  int stop[2] = {job->interrupted, rc != ARCOS_OK}, any_stop[2] = {0, 0};
  MPI_Allreduce(stop, any_stop, 2, MPI_INT, MPI_MAX, ctx->comm);
  if (any_stop[1])
    return ARCOS_EXIT_FAILED;
  if (any_stop[0]) {
    if (ctx->rank == 0)
      fprintf(ctx->err,
              "arcos-scale: interrupted (%s) after %.1f s; finished partitions are "
              "journaled in %s/.arcos-state: rerun with --resume to continue\n",
              cfg->max_time > 0 && arcos_now() - t_start >= cfg->max_time ? "--max-time" : "signal",
              arcos_now() - t_start, cfg->output);
    return ARCOS_EXIT_INTERRUPTED;
  }
  return ARCOS_EXIT_OK;
}

/* Ingest: every record read and through the stages, files or a stream; then the line
 * numbers of JSON Lines ranges become absolute (collective). */
static int ingest(job_t *job, double t_start) {
  int code = ARCOS_EXIT_OK;
  if (job->streaming) {
    arcos_pipeline_env_t env = pipeline_env(job);
    int rc = arcos_stream_run(&env, &job->stream); /* the same answer on every rank */
    if (rc != ARCOS_OK && rc != ARCOS_EIO && job->ctx->rank == 0)
      say_failed(job, "streaming", rc); /* EIO: the stream said what it could not open */
    code = rc == ARCOS_OK ? ARCOS_EXIT_OK : ARCOS_EXIT_FAILED;
  } else {
    code = ingest_files(job, t_start);
  }
  if (code == ARCOS_EXIT_OK &&
      arcos_fix_lines(job->ctx->comm, &job->plan, &job->rec,
                      job->sp != NULL ? arcos_spill_base_lines(job->sp) : NULL,
                      &job->m) != ARCOS_OK)
    ARCOS_ABORT_OOM(job->ctx->comm); /* its only failure; the others are in the exchange */
  return code;
}

/* --previous (collective): every rank opens the earlier runs and, in memory, reads its
 * slice of their ids (under --max-memory-mb spill.c reads them bucket by bucket). */
static int load_previous(job_t *job) {
  const arcos_ctx_t *ctx = job->ctx;
  int rc = arcos_previous_open(ctx->comm, &job->cfg->previous, &job->prev, ctx->err);
  if (rc == ARCOS_OK && job->prev != NULL && !job->spill)
    rc = arcos_previous_round(job->prev, NULL, NULL, ctx->err);
  if (rc == ARCOS_ENOMEM)
    ARCOS_ABORT_OOM(ctx->comm);
  int agreed = rc;
  MPI_Allreduce(&rc, &agreed, 1, MPI_INT, MPI_MIN, ctx->comm);
  return agreed == ARCOS_OK ? ARCOS_EXIT_OK : ARCOS_EXIT_FAILED; /* the message said which */
}

/* One exactly-once round of the spilling exchange: the records it loaded are job->rec. */
static int eo_round(void *arg, arcos_records_t *rec) {
  job_t *job = arg;
  return arcos_exactly_once(job->ctx->comm, job->cache, rec, &job->plan, job->prev, NULL, &job->eo);
}

/* Exactly-once (SPEC §3): the one place that calls into the exactly-once modules. */
static int dedup(job_t *job) {
  const arcos_config_t *cfg = job->cfg;
  if (cfg->guarantee != ARCOS_GUARANTEE_EXACTLY_ONCE)
    return ARCOS_EXIT_OK;
  if (load_previous(job) != ARCOS_EXIT_OK)
    return ARCOS_EXIT_FAILED;
  /* bounded memory: per-bucket rounds whose seen-set is freed after each round; in
   * memory, rounds of the seen-set on the cache (a requested node failure happens
   * between two of them) */
  arcos_seen_opts_t o = arcos_eo_opts(cfg);
  int rc = job->spill ? arcos_spill_exactly_once(job->sp, &job->rec, job->prev, eo_round, job)
                      : arcos_exactly_once(job->ctx->comm, job->cache, &job->rec, &job->plan,
                                           job->prev, &o, &job->eo);
  job->m.comm_s += job->eo.comm_s;
  job->m.busy_s += job->eo.busy_s;
  arcos_previous_release(job->prev);
  int agreed = rc;
  MPI_Allreduce(&rc, &agreed, 1, MPI_INT, MPI_MIN, job->ctx->comm);
  if (agreed == ARCOS_OK)
    return ARCOS_EXIT_OK;
  if (job->ctx->rank == 0) {
    if (agreed == ARCOS_ERANGE)
      fprintf(job->ctx->err, "arcos-scale: the exactly-once exchange would move over 2 GiB "
                             "between two ranks; run on more ranks\n");
    else
      say_failed(job, "the exactly-once exchange", agreed);
  }
  return agreed == ARCOS_EUSAGE ? ARCOS_EXIT_USAGE : ARCOS_EXIT_FAILED;
}

/* Outputs: the result files under their temporary names, then the graph step.
 * *config, *queries and *recs receive what the report needs. */
static int write_outputs(job_t *job, const out_files_t *of, json_t **config, json_t **queries,
                         json_t **recs) {
  const arcos_config_t *cfg = job->cfg;
  *config = arcos_config_to_json(cfg);
  json_object_set_new(*config, "reference_time", json_integer(job->reference_time));
  char *config_text = json_dumps(*config, JSON_COMPACT | JSON_SORT_KEYS);
  output_paths_t paths = {.results_jsonl = cfg->jsonl ? of->tmp[O_JSONL] : NULL,
                          .dlq_jsonl = of->tmp[O_DLQ],
                          .duplicates_jsonl = of->tmp[O_DUP],
                          .results_h5 = of->tmp[O_H5],
                          .dropped_jsonl = job->streaming ? of->tmp[O_DROPPED] : NULL,
                          .config_json = config_text};
  arcos_report_rusage(&job->m);
  arcos_outputs_in_t in = {
      .ctx = job->ctx,
      .plan = &job->plan,
      .rec = &job->rec,
      .prev = job->prev,
      .want_dlq = cfg->on_error != ARCOS_ON_ERROR_SKIP,
      .on_error_name = arcos_on_error_name(cfg->on_error),
      .rules_text = cfg->rules != NULL ? arcos_rules_canonical(cfg->rules, NULL) : NULL,
      .reference_time = job->reference_time,
      .dropped = job->stream.dropped,
      .dropped_lines = &job->stream.dropped_lines,
      .m = &job->m};
  int rc;
  if (job->spill) {
    arcos_round_source_t src;
    arcos_spill_source(job->sp, &job->rec, &src);
    rc = arcos_outputs_write(&in, &paths, &src, &job->totals);
  } else {
    rc = arcos_outputs_write_memory(&in, &paths, &job->totals);
  }
  free(config_text);
  if (rc != ARCOS_OK)
    return ARCOS_EXIT_FAILED;
  const char *graph_tmp[3] = {of->tmp[O_GERR], of->tmp[O_QUERIES], of->tmp[O_H5]};
  return arcos_job_graph_run(job->ctx, job, graph_tmp, queries, recs);
}

/* Rank 0: the last outputs, then everything moved into place, report last. A run over
 * an older one (--force) first removes the old report.json, so that a crash between
 * two renames never leaves a mix of old and new files that looks complete. */
static int commit_rank0(const job_t *job, const out_files_t *of, const arcos_report_t *r) {
  const arcos_config_t *cfg = job->cfg;
  FILE *err = job->ctx->err;
  json_t *doc = arcos_report_doc(r);
  int rc = arcos_ops_finish(doc, NULL, of->tmp[O_PROM], of->tmp[O_HTML], err);
  if (rc == ARCOS_OK && unlink(of->final[O_REPORT]) != 0 && errno != ENOENT) {
    fprintf(err, "arcos-scale: cannot remove the old %s: %s\n", of->final[O_REPORT],
            strerror(errno));
    rc = ARCOS_EIO;
  }
  for (int i = 0; i < O_REPORT && rc == ARCOS_OK; i++) {
    if ((i == O_JSONL && !cfg->jsonl) || (i == O_DROPPED && !job->streaming) ||
        ((i == O_GERR || i == O_QUERIES) && cfg->graph == NULL))
      continue;
    if (rename(of->tmp[i], of->final[i]) != 0) {
      fprintf(err, "arcos-scale: cannot rename %s: %s\n", of->tmp[i], strerror(errno));
      rc = ARCOS_EIO;
    }
  }
  if (rc == ARCOS_OK)
    rc = arcos_report_write(r, of->final[O_REPORT], err);
  if (rc != ARCOS_OK)
    return ARCOS_EXIT_FAILED;
  if (!cfg->quiet) {
    arcos_report_print(r, job->ctx->out);
    arcos_ops_print_summary(job->ctx->out, doc, cfg->output);
  }
  return arcos_report_verdict(r, err);
}

/* Report and commit (collective): gather the figures, move the outputs into place,
 * and close the checkpoint, which has served its purpose once they are. */
static int report_commit(job_t *job, const out_files_t *of, double t_start, json_t *config,
                         json_t *queries, json_t *recs) {
  arcos_report_in_t in = {.ctx = job->ctx,
                          .cfg = job->cfg,
                          .plan = &job->plan,
                          .rec = &job->rec,
                          .stats = job->spill ? arcos_spill_stats(job->sp) : NULL,
                          .m = &job->m,
                          .pstats = &job->pstats,
                          .stream = job->streaming ? &job->stream : NULL,
                          .eo = &job->eo,
                          .totals = &job->totals,
                          .cache = job->cache,
                          .prev = job->prev,
                          .spill = job->spill,
                          .eo_rounds = job->spill ? arcos_spill_rounds(job->sp) : 1,
                          .baseline_rss_mb = job->baseline_rss_mb,
                          .t_start = t_start};
  arcos_report_t *r = arcos_report_gather(&in, config, queries, recs);
  int code = job->ctx->rank == 0 ? commit_rank0(job, of, r) : ARCOS_EXIT_OK;
  arcos_report_destroy(&r);
  MPI_Bcast(&code, 1, MPI_INT, 0, job->ctx->comm);
  MPI_Barrier(job->ctx->comm);
  arcos_ckpt_close(&job->ckpt, job->ctx, code == ARCOS_EXIT_OK || code == ARCOS_EXIT_ERROR_RATE);
  return code;
}

/* Everything setup_state and the steps after it allocated (the plan excepted). */
static void teardown_state(job_t *job) {
  arcos_cache_destroy(&job->cache);
  arcos_previous_close(&job->prev);
  arcos_progress_destroy(&job->progress);
  arcos_ckpt_close(&job->ckpt, job->ctx, false);
  arcos_scratch_close(&job->seg_dir);
  arcos_spill_destroy(&job->sp);
  arcos_ring_destroy(&job->ring);
  arcos_records_free(&job->rec);
  arcos_pipeline_stats_free(&job->pstats);
  arcos_stream_figures_free(&job->stream);
}

int arcos_job_run(const arcos_ctx_t *ctx) {
  double t_start = arcos_now();
  job_t job;
  job_init(&job, ctx);
  out_files_t of;
  memset(&of, 0, sizeof of);
  bool resumed = false, complete = false;
  json_t *config = NULL, *queries = NULL, *recs = NULL;

  job.streaming = stream_input(ctx);
  int code = check_options(ctx, job.streaming);
  if (code != ARCOS_EXIT_OK)
    return code;
  if (!job.streaming) {
    code = plan_files(&job, &resumed, &complete);
    if (code != ARCOS_EXIT_OK || complete)
      goto out_plan;
  }
  if (prepare_output(ctx, &of) != ARCOS_OK) {
    code = ARCOS_EXIT_FAILED;
    goto out_plan;
  }
  code = setup_state(&job, resumed, t_start);
  if (code != ARCOS_EXIT_OK)
    goto out_state;

  code = ingest(&job, t_start);
  if (code == ARCOS_EXIT_OK)
    code = dedup(&job);
  if (code == ARCOS_EXIT_OK)
    code = write_outputs(&job, &of, &config, &queries, &recs);
  if (code == ARCOS_EXIT_OK)
    code = report_commit(&job, &of, t_start, config, queries, recs);
  else {
    json_decref(config);
    json_decref(queries);
    json_decref(recs);
  }

out_state:
  teardown_state(&job);
  /* A failed run leaves its checkpoint for --resume, never a temporary output (SPEC
   * §6); after a commit the temporary names are gone already. */
  if (code != ARCOS_EXIT_OK && code != ARCOS_EXIT_INTERRUPTED && ctx->rank == 0)
    for (int i = 0; i < O_COUNT; i++)
      unlink(of.tmp[i]);
out_plan:
  arcos_plan_free(&job.plan);
  return code;
}
