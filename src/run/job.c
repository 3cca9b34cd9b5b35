/* The `run` job (DESIGN.md "Data flow"): plan on rank 0, broadcast, read and process
 * on every rank, exactly-once exchange, outputs in global order, metrics gathered at
 * rank 0, report. Every figure in the report is measured here: timers around each
 * phase and getrusage(), never constants. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/cache.h"
#include "arcos/job.h"
#include "arcos/ops.h"
#include "arcos/outfile.h"
#include "core/jsonw.h"
#include "dist/exactly_once_cache.h"
#include "run/job_graph_internal.h"
#include "run/job_internal.h"
#include "run/scratch.h"

#define SAMPLE_MAX 20

static const char *const out_names[] = {"results.jsonl", "dlq.jsonl",     "duplicates.jsonl",
                                        "results.h5",    "dropped.jsonl", "metrics.prom",
                                        "report.html",   "report.json"};
enum { O_JSONL, O_DLQ, O_DUP, O_H5, O_DROPPED, O_PROM, O_HTML, O_REPORT, O_COUNT };

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

static void collect_rusage(rank_metrics_t *m) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  m->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
             (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
  m->rss_mb = (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *v, size_t n, double p) {
  if (n == 0)
    return 0.0;
  size_t k = (size_t)ceil(p / 100.0 * (double)n);
  if (k < 1)
    k = 1;
  if (k > n)
    k = n;
  return v[k - 1];
}

/* Per-rank statistics summed (or min/max-ed) at rank 0. */
void arcos_stats_init(stats_t *s) {
  memset(s, 0, sizeof *s);
  s->min = 101;
  s->max = -1;
}

void arcos_stats_item(stats_t *s, const item_t *it) {
  if (it->status != ITEM_STORED)
    return;
  s->sum[S_SCORE_SUM] += it->score;
  if (it->score < s->min)
    s->min = it->score;
  if (it->score > s->max)
    s->max = it->score;
  s->sum[S_HIST + (it->score >= 100 ? 9 : it->score / 10)]++;
  if (it->alerts & ARCOS_ALERT_INTEGRITY_VIOLATION)
    s->sum[S_ALERT_CRIT]++;
  if (it->alerts & ARCOS_ALERT_LOW_QUALITY)
    s->sum[S_ALERT_HIGH]++;
  if (it->alerts & ARCOS_ALERT_CLOCK_SKEW)
    s->sum[S_ALERT_MED]++;
}

void arcos_stats_fail(stats_t *s, const fail_t *f) {
  if (f->kind >= ARCOS_KIND_PARSE && f->kind <= ARCOS_KIND_IO)
    s->sum[S_ERR_PARSE + f->kind - ARCOS_KIND_PARSE]++;
}

static void local_stats(const job_t *job, stats_t *s) {
  if (job->spill) { /* gathered while the outputs were written */
    *s = job->spill_stats;
    return;
  }
  arcos_stats_init(s);
  for (size_t i = 0; i < job->nitems; i++)
    arcos_stats_item(s, &job->items[i]);
  for (size_t i = 0; i < job->nfails; i++)
    arcos_stats_fail(s, &job->fails[i]);
}

/* Gather every rank's `count` elements of `type` at rank 0, in rank order. Returns a
 * new buffer on rank 0 (NULL elsewhere) and the total number of elements. */
static void *gather_at_root(MPI_Comm comm, const void *mine, int count, MPI_Datatype type,
                            size_t elem, int *total_out) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int *counts = malloc((size_t)size * 2 * sizeof *counts);
  if (counts == NULL)
    ARCOS_OOM_ABORT(comm);
  int *displ = counts + size;
  MPI_Gather(&count, 1, MPI_INT, counts, 1, MPI_INT, 0, comm);
  char *all = NULL;
  int total = 0;
  if (rank == 0) {
    for (int r = 0; r < size; r++) {
      displ[r] = total;
      total += counts[r];
    }
    all = malloc(((size_t)total + 1) * elem);
    if (all == NULL)
      ARCOS_OOM_ABORT(comm);
  }
  MPI_Gatherv(mine, count, type, all, counts, displ, type, 0, comm);
  free(counts);
  *total_out = total;
  return all;
}

/* The first SAMPLE_MAX failures in global order, gathered at rank 0 as a JSON array. */
static json_t *error_sample(const job_t *job) {
  arcos_buf_t b = {0};
  size_t n = job->nfails < SAMPLE_MAX ? job->nfails : SAMPLE_MAX;
  for (size_t i = 0; i < n; i++) {
    const fail_t *f = &job->fails[i];
    uint64_t pos = item_pos(f->part, f->seq);
    uint32_t input = job->plan.parts[f->part].input;
    uint16_t len = (uint16_t)(strlen(f->message) > 1000 ? 1000 : strlen(f->message));
    arcos_buf_append(&b, &pos, 8);
    arcos_buf_append(&b, &input, 4);
    arcos_buf_append(&b, &f->line, 8);
    arcos_buf_append(&b, &f->kind, 1);
    arcos_buf_append(&b, &f->stage, 1);
    arcos_buf_append(&b, &len, 2);
    arcos_buf_append(&b, f->message, len);
  }
  int size = job->ctx->size, total = 0;
  char *all = gather_at_root(job->ctx->comm, b.data, (int)b.len, MPI_BYTE, 1, &total);
  arcos_buf_free(&b);
  if (job->ctx->rank != 0)
    return NULL;
  typedef struct {
    uint64_t pos, line;
    uint32_t input;
    uint8_t kind, stage;
    uint16_t len;
    const char *msg;
  } sample_t;
  size_t cap = (size_t)size * SAMPLE_MAX, ns = 0;
  sample_t *s = malloc((cap + 1) * sizeof *s);
  if (s == NULL)
    ARCOS_OOM_ABORT(job->ctx->comm);
  for (int off = 0; off < total; ns++) {
    sample_t *x = &s[ns];
    memcpy(&x->pos, all + off, 8);
    memcpy(&x->input, all + off + 8, 4);
    memcpy(&x->line, all + off + 12, 8);
    x->kind = (uint8_t)all[off + 20];
    x->stage = (uint8_t)all[off + 21];
    memcpy(&x->len, all + off + 22, 2);
    x->msg = all + off + 24;
    off += 24 + x->len;
  }
  /* insertion sort by global position: at most ranks * 20 entries */
  for (size_t i = 1; i < ns; i++) {
    sample_t v = s[i];
    size_t j = i;
    while (j > 0 && s[j - 1].pos > v.pos) {
      s[j] = s[j - 1];
      j--;
    }
    s[j] = v;
  }
  json_t *arr = json_array();
  for (size_t i = 0; i < ns && i < SAMPLE_MAX; i++) {
    json_t *o = json_object();
    const char *in = job->plan.inputs[s[i].input].display;
    json_object_set_new(o, "input", arcos_jsonw_string(in, strlen(in)));
    json_object_set_new(o, "line", json_integer((json_int_t)s[i].line));
    json_object_set_new(o, "kind", json_string(arcos_error_kind_name(s[i].kind)));
    json_object_set_new(o, "stage", json_string(arcos_stage_name(s[i].stage)));
    json_object_set_new(o, "message", json_stringn(s[i].msg, s[i].len));
    json_array_append_new(arr, o);
  }
  free(s);
  free(all);
  return arr;
}

/* Batch latencies of every rank, gathered at rank 0 and sorted. */
static double *gather_latencies(const job_t *job, size_t *n_out) {
  int total = 0;
  double *all = gather_at_root(job->ctx->comm, job->latency_ms, (int)job->nlatency, MPI_DOUBLE,
                               sizeof(double), &total);
  if (all != NULL)
    qsort(all, (size_t)total, sizeof *all, cmp_double);
  *n_out = (size_t)total;
  return all;
}

/* at-most-once: ranges not redone after a crash, gathered at rank 0 in global order. */
static json_t *skipped_ranges(const job_t *job) {
  uint64_t *buf = malloc((job->nskips * 4 + 1) * sizeof *buf);
  if (buf == NULL)
    ARCOS_OOM_ABORT(job->ctx->comm);
  for (size_t i = 0; i < job->nskips; i++) {
    buf[4 * i] = job->skips[i].part;
    buf[4 * i + 1] = job->skips[i].first_line;
    buf[4 * i + 2] = job->skips[i].last_line;
    buf[4 * i + 3] = job->skips[i].records;
  }
  int total = 0;
  uint64_t *all = gather_at_root(job->ctx->comm, buf, (int)(job->nskips * 4), MPI_UINT64_T,
                                 sizeof *buf, &total);
  free(buf);
  if (job->ctx->rank != 0)
    return NULL;
  json_t *arr = json_array();
  /* partitions are in global order: emit by partition number */
  for (size_t p = 0; p < job->plan.nparts && total > 0; p++) {
    for (int i = 0; i < total; i += 4) {
      if (all[i] != p)
        continue;
      json_t *o = json_object();
      json_object_set_new(o, "input",
                          json_string(job->plan.inputs[job->plan.parts[p].input].display));
      json_object_set_new(o, "first_line", json_integer((json_int_t)all[i + 1]));
      json_object_set_new(o, "last_line", json_integer((json_int_t)all[i + 2]));
      json_object_set_new(o, "records", json_integer((json_int_t)all[i + 3]));
      json_array_append_new(arr, o);
    }
  }
  free(all);
  return arr;
}

static json_t *jreal(double v) { return json_real(isfinite(v) ? v : 0.0); }

/* report.json: the last file of a run, written whole under a temporary name
 * (arcos_out_write_atomic: a new file, never through a planted link) and renamed. */
static int write_json_atomic(json_t *doc, const char *final, FILE *err) {
  char *text = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
  int e = text == NULL ? ENOMEM : 0;
  if (e == 0) {
    e = arcos_out_write_atomic(final, text, strlen(text), false);
  }
  free(text);
  if (e != 0) {
    fprintf(err, "arcos-scale: cannot write %s: %s%s\n", final, strerror(e),
            e == ENOSPC || e == EDQUOT ? "; free space and rerun with --resume" : "");
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}

static void print_summary(const arcos_ctx_t *ctx, const job_t *job, const stats_t *st, double wall,
                          double eff, double bal, int slowest, const rank_metrics_t *rm,
                          bool conserved) {
  const totals_t *t = &job->totals;
  FILE *o = ctx->out;
  fprintf(
      o,
      "arcos-scale run: %llu records from %zu input(s) on %d rank(s) in %.2f s (%.0f records/s)\n",
      (unsigned long long)t->input, job->plan.ninputs, ctx->size, wall,
      wall > 0 ? (double)t->input / wall : 0.0);
  fprintf(o,
          "  records   stored %llu  duplicates %llu  dead-lettered %llu  skipped %llu  dropped "
          "%llu  conserved: %s\n",
          (unsigned long long)t->stored, (unsigned long long)t->duplicates,
          (unsigned long long)t->dead_lettered, (unsigned long long)t->skipped,
          (unsigned long long)t->dropped, conserved ? "yes" : "NO");
  fprintf(o, "  alerts    critical %llu  high %llu  medium %llu\n",
          (unsigned long long)st->sum[S_ALERT_CRIT], (unsigned long long)st->sum[S_ALERT_HIGH],
          (unsigned long long)st->sum[S_ALERT_MED]);
  if (t->stored > 0)
    fprintf(o, "  scores    mean %.1f  min %lld  max %lld\n",
            (double)st->sum[S_SCORE_SUM] / (double)t->stored, (long long)st->min,
            (long long)st->max);
  fprintf(o, "  parallel  efficiency %.2f  load balance %.2f  slowest rank %d (busy %.3f s)\n", eff,
          bal, slowest, rm[slowest].busy_s);
}

/* report.json cache.memo (collective; the object on rank 0, NULL elsewhere). */
static json_t *memo_report(job_t *job) {
  const arcos_memo_stats_t *m = &job->memo;
  uint64_t mine[11] = {m->lookups, m->hits,     m->batch_hits, m->keys_sent,
                       m->stores,  m->refused,  m->fallbacks,  m->bytes_skipped,
                       m->small,   m->declined, m->rounds};
  uint64_t all[11] = {0};
  double secs[2] = {m->round_s, m->finish_s}, gsecs[2] = {0, 0};
  MPI_Reduce(mine, all, 11, MPI_UINT64_T, MPI_SUM, 0, job->ctx->comm);
  MPI_Reduce(secs, gsecs, 2, MPI_DOUBLE, MPI_SUM, 0, job->ctx->comm);
  if (job->ctx->rank != 0)
    return NULL;
  json_t *o = json_object();
  json_object_set_new(o, "enabled", json_boolean(job->memo_on));
  if (job->memo_off != NULL)
    json_object_set_new(o, "off_reason", json_string(job->memo_off));
  json_object_set_new(o, "min_bytes", json_integer(job->cfg->checksum_memo_min_bytes));
  json_object_set_new(o, "round_records", json_integer(job->cfg->checksum_memo_round));
  static const char *const names[11] = {"lookups", "hits",     "batch_hits", "keys_sent",
                                        "stores",  "refused",  "fallbacks",  "bytes_skipped",
                                        "small",   "declined", "rounds"};
  for (int i = 0; i < 11; i++)
    json_object_set_new(o, names[i], json_integer((json_int_t)(i == 10 ? m->rounds : all[i])));
  json_object_set_new(o, "misses", json_integer((json_int_t)(all[0] - all[1])));
  json_object_set_new(o, "hit_ratio", jreal(all[0] ? (double)all[1] / (double)all[0] : 0.0));
  json_object_set_new(o, "round_s", jreal(gsecs[0]));
  json_object_set_new(o, "finish_s", jreal(gsecs[1]));
  return o;
}

int arcos_job_run(const arcos_ctx_t *ctx) {
  double t_start = arcos_now();
  const arcos_config_t *cfg = ctx->cfg;
  job_t job;
  memset(&job, 0, sizeof job);
  job.journal_fd = -1;
  job.ctx = ctx;
  job.cfg = cfg;
  int exit_code = ARCOS_EXIT_OK;
  out_files_t of;
  memset(&of, 0, sizeof of);

  collect_rusage(&job.m);
  job.baseline_rss_mb = job.m.rss_mb; /* MPI, HDF5 and the libraries, before any data */
  int64_t ref = cfg->reference_time_set ? cfg->reference_time : arcos_epoch_now();
  MPI_Bcast(&ref, 1, MPI_INT64_T, 0, ctx->comm);
  job.reference_time = ref;
  int namelen = 0;
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Get_processor_name(host, &namelen);
  snprintf(job.m.host, sizeof job.m.host, "%.63s", host);

  int rc = ARCOS_OK;
  /* Streaming: standard input, or a named pipe (which rank 0 opens itself, avoiding
   * the launcher's stdin forwarding; see docs/stream.md). Rank 0 decides. */
  int stream_flag = 0;
  if (ctx->rank == 0 && cfg->ninputs == 1) {
    struct stat st;
    stream_flag = strcmp(cfg->inputs[0], "-") == 0 ||
                  (stat(cfg->inputs[0], &st) == 0 && S_ISFIFO(st.st_mode));
  }
  MPI_Bcast(&stream_flag, 1, MPI_INT, 0, ctx->comm);
  bool streaming = stream_flag != 0;
  for (size_t i = 0; i < cfg->ninputs && !streaming; i++) {
    if (strcmp(cfg->inputs[i], "-") == 0) {
      if (ctx->rank == 0)
        fprintf(ctx->err, "arcos-scale: standard input (-) cannot be mixed with other inputs\n");
      return ARCOS_EXIT_USAGE;
    }
  }
  if (streaming) {
    if (cfg->max_memory_mb > 0 || cfg->resume) {
      if (ctx->rank == 0)
        fprintf(ctx->err, "arcos-scale: --max-memory-mb and --resume need file inputs; a "
                          "stream is held until it ends and cannot be replayed\n");
      return ARCOS_EXIT_USAGE;
    }
    if (prepare_output(ctx, &of) != ARCOS_OK)
      return ARCOS_EXIT_FAILED;
    job.arena = arcos_arena_create();
    int nodes0 = cfg->cache_nodes > 0 ? (int)cfg->cache_nodes : (ctx->size > 3 ? ctx->size : 3);
    job.ring = arcos_ring_create(nodes0, (int)cfg->vnodes);
    arcos_cache_options_t copt0 = {
        .nodes = nodes0, .vnodes = (int)cfg->vnodes, .replication = (int)cfg->cache_replication};
    job.cache = arcos_cache_create(ctx->comm, &copt0);
    if (job.arena == NULL || job.ring == NULL || job.cache == NULL ||
        arcos_job_parts_reserve(&job, 64) != ARCOS_OK)
      ARCOS_OOM_ABORT(ctx->comm);
    /* Decision (docs/cache.md): no memo when streaming. Workers take batches from rank 0
     * point to point under credit flow control; collective memo rounds would tie every
     * worker to the slowest one and to rank 0's reading, against the backpressure design. */
    job.memo_off = "streaming mode";
    rc = arcos_stream_run(&job);
    if (rc == ARCOS_EIO) {
      exit_code = ARCOS_EXIT_FAILED;
      goto cleanup;
    }
    if (rc != ARCOS_OK)
      ARCOS_OOM_ABORT(ctx->comm);
    goto processed;
  }

  /* Plan (rank 0) and broadcast; stop before any work on a bad input path. A resumed
   * run takes the interrupted run's plan and reference time from its checkpoint. */
  int resume[2] = {0, 0}; /* checkpoint found, already complete */
  if (ctx->rank == 0) {
    arcos_detail_t d;
    arcos_detail_clear(&d);
    int workers = ctx->size;
    if (cfg->max_workers > 0 && cfg->max_workers < workers)
      workers = (int)cfg->max_workers;
    bool found = false;
    if (cfg->resume) {
      rc = arcos_ckpt_load_meta(cfg, &ref, &found, ctx->err);
      char done[4200];
      snprintf(done, sizeof done, "%s/report.json", cfg->output);
      struct stat st;
      if (rc == ARCOS_OK && !found && stat(done, &st) == 0)
        resume[1] = 1;
    }
    if (rc == ARCOS_OK && found) {
      rc = arcos_ckpt_load_plan(cfg, &job.plan);
      if (rc == ARCOS_OK)
        rc = arcos_plan_assign(&job.plan, workers);
      if (rc != ARCOS_OK)
        fprintf(ctx->err,
                "arcos-scale: --resume: the checkpoint in %s/.arcos-state is "
                "unreadable; rerun with --force to start again\n",
                cfg->output);
      resume[0] = 1;
    } else if (rc == ARCOS_OK && !resume[1]) {
      arcos_plan_opts_t po = {.partition_bytes = (uint64_t)cfg->partition_bytes,
                              .per_rank = (uint64_t)cfg->partitions_per_rank,
                              .workers = workers,
                              .max_auto_bytes = (uint64_t)cfg->max_memory_mb << 18};
      rc = arcos_plan_build((const char *const *)cfg->inputs, cfg->ninputs, &po, &job.plan, &d);
      if (rc != ARCOS_OK)
        fprintf(ctx->err, "arcos-scale: %s: %s\n", d.source, d.text);
    }
  }
  MPI_Bcast(resume, 2, MPI_INT, 0, ctx->comm);
  if (resume[1]) {
    if (ctx->rank == 0) {
      fprintf(ctx->err, "arcos-scale: %s holds a completed run; nothing to resume\n", cfg->output);
      arcos_ckpt_remove(cfg->output); /* a kill during its cleanup may have left some */
    }
    return ARCOS_EXIT_OK;
  }
  MPI_Bcast(&ref, 1, MPI_INT64_T, 0, ctx->comm);
  job.reference_time = ref;
  rc = arcos_plan_bcast(ctx->comm, rc, &job.plan);
  if (rc != ARCOS_OK) {
    arcos_plan_free(&job.plan);
    return rc == ARCOS_EUSAGE ? ARCOS_EXIT_USAGE : ARCOS_EXIT_FAILED;
  }
  exit_code = arcos_job_graph_check(ctx);
  if (exit_code != ARCOS_EXIT_OK) {
    arcos_plan_free(&job.plan);
    return exit_code;
  }
  if (prepare_output(ctx, &of) != ARCOS_OK) {
    arcos_plan_free(&job.plan);
    return ARCOS_EXIT_FAILED;
  }

  job.arena = arcos_arena_create();
  int nodes = cfg->cache_nodes > 0 ? (int)cfg->cache_nodes : (ctx->size > 3 ? ctx->size : 3);
  job.ring = arcos_ring_create(nodes, (int)cfg->vnodes);
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
  job.cache = arcos_cache_create(ctx->comm, &copt);
  if (job.arena == NULL || job.ring == NULL || job.cache == NULL ||
      arcos_job_parts_reserve(&job, job.plan.nparts + 1) != ARCOS_OK)
    ARCOS_OOM_ABORT(ctx->comm);

  if (cfg->max_memory_mb > 0) {
    /* Bounded memory: records go to disk partition by partition (spill.c). */
    job.spill = true;
    job.budget = ((uint64_t)cfg->max_memory_mb << 20) - memo_share;
    job.memo_pend_max = memo_share / 2;
    size_t np0 = job.plan.nparts;
    job.part_nitems = calloc(np0 + 1, sizeof *job.part_nitems);
    job.part_nfails = calloc(np0 + 1, sizeof *job.part_nfails);
    job.part_idbytes = calloc(np0 + 1, sizeof *job.part_idbytes);
    job.base_line = calloc(np0 + 1, sizeof *job.base_line);
    job.part_status = calloc(np0 + 1, sizeof *job.part_status);
    if (job.part_nitems == NULL || job.part_nfails == NULL || job.part_idbytes == NULL ||
        job.base_line == NULL || job.part_status == NULL)
      ARCOS_OOM_ABORT(ctx->comm);
    /* The fixed costs: two read buffers and one partition's records (about half of its
     * bytes) must fit, or the run would exceed the limit it was given. */
    uint64_t biggest = 0, need_part = 0;
    for (size_t p = 0; p < np0; p++) {
      uint64_t bytes = job.plan.parts[p].end - job.plan.parts[p].start, cost = bytes / 2;
      int fmt = job.plan.inputs[job.plan.parts[p].input].format;
      if (fmt == ARCOS_FMT_JSONL_GZ)
        cost = bytes * 5 / 2; /* inflates about 5 times */
      else if (fmt == ARCOS_FMT_JSON)
        cost = bytes * 3 / 2; /* the whole document is read */
      if (cost > need_part) {
        need_part = cost;
        biggest = bytes;
      }
    }
    uint64_t need = ((uint64_t)16 << 20) + need_part;
    if (need > job.budget) {
      if (ctx->rank == 0)
        fprintf(ctx->err,
                "arcos-scale: --max-memory-mb %lld is too small for this job: it "
                "needs at least %llu MB per rank (read buffers and one partition of "
                "%llu bytes); raise it, or lower --partition-bytes\n",
                (long long)cfg->max_memory_mb, (unsigned long long)((need >> 20) + 1),
                (unsigned long long)biggest);
      exit_code = ARCOS_EXIT_FAILED;
      goto cleanup;
    }
  }
  if (arcos_scratch_open(&job) != ARCOS_OK) {
    exit_code = ARCOS_EXIT_FAILED;
    goto cleanup;
  }
  if ((cfg->checkpoint || job.spill) && arcos_ckpt_setup(&job, resume[0] != 0) != ARCOS_OK) {
    exit_code = ARCOS_EXIT_FAILED;
    goto cleanup;
  }
  if (cfg->max_time > 0)
    job.deadline = t_start + cfg->max_time;
  arcos_install_stop_signals();
  job.progress = arcos_progress_create(&job);

  /* Read and run the stages on this rank's partitions (or load them from the
   * checkpoint). */
  rc = arcos_pipeline_run(&job);
  if (rc == ARCOS_EIO) {
    fprintf(ctx->err,
            "arcos-scale: rank %d: cannot read or write the checkpoint in "
            "%s/.arcos-state (see above; disk full?): free space and rerun with "
            "--resume (finished partitions are kept)\n",
            ctx->rank, cfg->output);
  } else if (rc != ARCOS_OK && rc != ARCOS_ECHANGED) { /* ECHANGED: said where it happened */
    ARCOS_OOM_ABORT(ctx->comm);
  }
  /* Waiting here for the slowest rank is idle time: it measures imbalance. */
  job.m.idle_s += arcos_progress_finish(&job);
  arcos_progress_destroy(&job.progress);
  int stop[2] = {job.interrupted, rc != ARCOS_OK}, any_stop[2] = {0, 0};
  MPI_Allreduce(stop, any_stop, 2, MPI_INT, MPI_MAX, ctx->comm);
  if (any_stop[1]) {
    exit_code = ARCOS_EXIT_FAILED;
    goto cleanup;
  }
  if (any_stop[0]) {
    if (ctx->rank == 0)
      fprintf(ctx->err,
              "arcos-scale: interrupted (%s) after %.1f s; finished partitions are "
              "journaled in %s/.arcos-state: rerun with --resume to continue\n",
              cfg->max_time > 0 && arcos_now() - t_start >= cfg->max_time ? "--max-time" : "signal",
              arcos_now() - t_start, cfg->output);
    exit_code = ARCOS_EXIT_INTERRUPTED;
    goto cleanup;
  }

processed:;
  arcos_fix_lines(&job);
  if (cfg->guarantee == ARCOS_GUARANTEE_EXACTLY_ONCE) {
    if (job.spill || job.cache == NULL || !cfg->exactly_once_cache) {
      /* bounded memory: per-bucket rounds whose seen-set is freed after each round;
       * --exactly-once-cache=false: one owner exchange, no replicas (faster, no failover) */
      rc = job.spill ? arcos_spill_exactly_once(&job) : arcos_exactly_once(&job);
    } else {
      /* the seen-set lives on the replicated cache; with a node failure requested,
       * claims go in rounds so that the failure happens mid-way */
      arcos_eo_cache_opts_t eo = {.round_items = (size_t)cfg->cache_round_items,
                                  .fail_node = (int)cfg->fail_cache_node,
                                  .fail_at = cfg->fail_at};
      if (eo.round_items == 0) /* bounds the exchange buffers of one round */
        eo.round_items = eo.fail_node >= 0 ? 4096 : 65536;
      rc = arcos_exactly_once_cache(&job, job.cache, &eo, &job.eo_unavailable);
      if (rc == ARCOS_EUSAGE) {
        if (ctx->rank == 0)
          fprintf(ctx->err,
                  "arcos-scale: --fail-cache-node %lld is not a cache node in service "
                  "(there are %d nodes; one must remain)\n",
                  (long long)cfg->fail_cache_node, arcos_cache_nodes(job.cache));
        exit_code = ARCOS_EXIT_USAGE;
        goto cleanup;
      }
    }
    if (rc == ARCOS_ERANGE) {
      if (ctx->rank == 0)
        fprintf(ctx->err, "arcos-scale: the exactly-once exchange would move over 2 GiB between "
                          "two ranks; run on more ranks\n");
      exit_code = ARCOS_EXIT_FAILED;
      goto cleanup;
    }
  }

  json_t *config_json = arcos_config_to_json(cfg);
  json_object_set_new(config_json, "reference_time", json_integer(ref));
  char *config_text = json_dumps(config_json, JSON_COMPACT | JSON_SORT_KEYS);
  output_paths_t paths = {.results_jsonl = cfg->jsonl ? of.tmp[O_JSONL] : NULL,
                          .dlq_jsonl = of.tmp[O_DLQ],
                          .duplicates_jsonl = of.tmp[O_DUP],
                          .results_h5 = of.tmp[O_H5],
                          .dropped_jsonl = job.streaming ? of.tmp[O_DROPPED] : NULL,
                          .config_json = config_text};
  collect_rusage(&job.m);
  rc = job.spill ? arcos_spill_outputs(&job, &paths) : arcos_outputs_write(&job, &paths);
  free(config_text);
  if (rc != ARCOS_OK) {
    json_decref(config_json);
    exit_code = ARCOS_EXIT_FAILED;
    goto cleanup;
  }
  json_t *graph_queries = NULL, *graph_recs = NULL;
  exit_code = arcos_job_graph_run(ctx, &job, of.tmp[O_DLQ], of.tmp[O_H5], &graph_queries,
                                  &graph_recs);
  if (exit_code != ARCOS_EXIT_OK) {
    json_decref(config_json);
    goto cleanup;
  }

  /* Metrics and statistics to rank 0. */
  stats_t st, gst;
  local_stats(&job, &st);
  MPI_Reduce(st.sum, gst.sum, S_COUNT, MPI_UINT64_T, MPI_SUM, 0, ctx->comm);
  MPI_Reduce(&st.min, &gst.min, 1, MPI_INT64_T, MPI_MIN, 0, ctx->comm);
  MPI_Reduce(&st.max, &gst.max, 1, MPI_INT64_T, MPI_MAX, 0, ctx->comm);
  uint64_t pol[4] = {job.injected, job.retries, job.recovered, job.gave_up}, gpol[4] = {0};
  MPI_Reduce(pol, gpol, 4, MPI_UINT64_T, MPI_SUM, 0, ctx->comm);
  int64_t bmin = job.batch_min_seen > 0 ? job.batch_min_seen : INT64_MAX, gbmin = 0;
  int64_t bmax[2] = {job.batch_max_seen, job.batch_final}, gbmax[2] = {0, 0};
  MPI_Reduce(&bmin, &gbmin, 1, MPI_INT64_T, MPI_MIN, 0, ctx->comm);
  MPI_Reduce(bmax, gbmax, 2, MPI_INT64_T, MPI_MAX, 0, ctx->comm);
  if (gbmin == INT64_MAX)
    gbmin = cfg->batch_size;
  if (job.streaming && ctx->rank == 0) { /* rank 0 chose every batch size */
    gbmin = job.batch_min_seen;
    gbmax[0] = job.batch_max_seen;
    gbmax[1] = job.batch_final;
  }
  arcos_cache_stats_t cstats;
  memset(&cstats, 0, sizeof cstats);
  bool have_cstats = job.cache != NULL && arcos_cache_stats(job.cache, &cstats) == ARCOS_OK;
  json_t *memo_json = memo_report(&job);
  json_t *sample = error_sample(&job);
  json_t *skips = skipped_ranges(&job);
  size_t nlat = 0;
  double *lat = gather_latencies(&job, &nlat);
  collect_rusage(&job.m);
  double wall = arcos_now() - t_start;
  job.m.wall_s = wall;
  rank_metrics_t *rm = ctx->rank == 0 ? calloc((size_t)ctx->size, sizeof *rm) : NULL;
  MPI_Gather(&job.m, (int)sizeof job.m, MPI_BYTE, rm, (int)sizeof job.m, MPI_BYTE, 0, ctx->comm);

  const totals_t *t = &job.totals;
  bool conserved = t->input ==
                   t->stored + t->duplicates + t->dead_lettered + t->skipped + t->dropped;
  uint64_t errors = t->dead_lettered + t->skipped;
  double error_rate = t->input > 0 ? (double)errors / (double)t->input : 0.0;

  if (ctx->rank == 0) {
    double busy_sum = 0, busy_max = 0, cpu_sum = 0, rss_max = 0, rss_sum = 0;
    int slowest = 0;
    for (int r = 0; r < ctx->size; r++) {
      busy_sum += rm[r].busy_s;
      cpu_sum += rm[r].cpu_s;
      rss_sum += rm[r].rss_mb;
      if (rm[r].rss_mb > rss_max)
        rss_max = rm[r].rss_mb;
      if (rm[r].busy_s > busy_max) {
        busy_max = rm[r].busy_s;
        slowest = r;
      }
    }
    double eff = wall > 0 ? busy_sum / ((double)ctx->size * wall) : 0.0;
    double bal = busy_max > 0 ? (busy_sum / ctx->size) / busy_max : 1.0;
    json_t *rep = json_object();
    json_object_set_new(rep, "version", json_string(ARCOS_VERSION));
    json_t *pe = json_object();
    json_object_set_new(pe, "total_processed",
                        json_integer((json_int_t)(t->stored + t->duplicates)));
    json_object_set_new(
        pe, "success_rate",
        jreal(t->input ? 100.0 * (double)(t->stored + t->duplicates) / (double)t->input : 100.0));
    json_object_set_new(rep, "processed_evidence", pe);
    json_t *rec = json_object();
    json_object_set_new(rec, "input", json_integer((json_int_t)t->input));
    json_object_set_new(rec, "stored", json_integer((json_int_t)t->stored));
    json_object_set_new(rec, "duplicates", json_integer((json_int_t)t->duplicates));
    json_object_set_new(rec, "dead_lettered", json_integer((json_int_t)t->dead_lettered));
    json_object_set_new(rec, "skipped", json_integer((json_int_t)t->skipped));
    json_object_set_new(rec, "dropped", json_integer((json_int_t)t->dropped));
    json_object_set_new(rec, "conserved", json_boolean(conserved));
    json_object_set_new(rec, "skipped_ranges", skips);
    skips = NULL;
    json_object_set_new(rep, "records", rec);
    json_t *al = json_object();
    json_object_set_new(al, "critical", json_integer((json_int_t)gst.sum[S_ALERT_CRIT]));
    json_object_set_new(al, "high", json_integer((json_int_t)gst.sum[S_ALERT_HIGH]));
    json_object_set_new(al, "medium", json_integer((json_int_t)gst.sum[S_ALERT_MED]));
    json_object_set_new(rep, "alerts", al);
    json_t *sc = json_object();
    json_t *hist = json_array();
    for (int k = 0; k < 10; k++)
      json_array_append_new(hist, json_integer((json_int_t)gst.sum[S_HIST + k]));
    json_object_set_new(sc, "mean",
                        t->stored ? jreal((double)gst.sum[S_SCORE_SUM] / (double)t->stored)
                                  : json_null());
    json_object_set_new(sc, "min", t->stored ? json_integer(gst.min) : json_null());
    json_object_set_new(sc, "max", t->stored ? json_integer(gst.max) : json_null());
    json_object_set_new(sc, "histogram", hist);
    json_object_set_new(rep, "scores", sc);
    json_t *er = json_object();
    json_t *bk = json_object();
    json_object_set_new(bk, "parse", json_integer((json_int_t)gst.sum[S_ERR_PARSE]));
    json_object_set_new(bk, "invalid", json_integer((json_int_t)gst.sum[S_ERR_INVALID]));
    json_object_set_new(bk, "stage", json_integer((json_int_t)gst.sum[S_ERR_STAGE]));
    json_object_set_new(bk, "io", json_integer((json_int_t)gst.sum[S_ERR_IO]));
    json_object_set_new(er, "by_kind", bk);
    json_object_set_new(er, "policy", json_string(arcos_on_error_name(cfg->on_error)));
    json_object_set_new(er, "sample", sample);
    json_t *rt = json_object();
    json_object_set_new(rt, "injected_faults", json_integer((json_int_t)gpol[0]));
    json_object_set_new(rt, "retries", json_integer((json_int_t)gpol[1]));
    json_object_set_new(rt, "recovered", json_integer((json_int_t)gpol[2]));
    json_object_set_new(rt, "gave_up", json_integer((json_int_t)gpol[3]));
    json_object_set_new(rt, "max_retries", json_integer(cfg->max_retries));
    json_object_set_new(er, "retries", rt);
    json_object_set_new(rep, "errors", er);
    json_t *pm = json_object();
    json_object_set_new(pm, "total_processing_time", jreal(wall));
    json_object_set_new(pm, "parallel_efficiency", jreal(eff));
    json_object_set_new(pm, "load_balance", jreal(bal));
    json_object_set_new(pm, "throughput", jreal(wall > 0 ? (double)t->input / wall : 0.0));
    json_t *lj = json_object();
    double lat_sum = 0;
    for (size_t i = 0; i < nlat; i++)
      lat_sum += lat[i];
    json_object_set_new(lj, "p50", jreal(percentile(lat, nlat, 50)));
    json_object_set_new(lj, "p95", jreal(percentile(lat, nlat, 95)));
    json_object_set_new(lj, "p99", jreal(percentile(lat, nlat, 99)));
    json_object_set_new(lj, "max", jreal(nlat ? lat[nlat - 1] : 0.0));
    json_object_set_new(lj, "per_record_mean", jreal(t->input ? lat_sum / (double)t->input : 0.0));
    json_object_set_new(lj, "batches", json_integer((json_int_t)nlat));
    json_object_set_new(pm, "latency_ms", lj);
    json_t *ru = json_object();
    json_object_set_new(ru, "cpu_percent",
                        jreal(wall > 0 ? 100.0 * cpu_sum / ((double)ctx->size * wall) : 0.0));
    json_object_set_new(ru, "max_rss_mb", jreal(rss_max));
    json_object_set_new(ru, "baseline_rss_mb", jreal(job.baseline_rss_mb));
    json_object_set_new(ru, "max_memory_mb", json_integer(cfg->max_memory_mb));
    json_object_set_new(ru, "spill", json_boolean(job.spill));
    json_object_set_new(ru, "exactly_once_rounds", json_integer(job.spill ? job.buckets : 1));
    json_object_set_new(ru, "total_rss_mb", jreal(rss_sum));
    json_object_set_new(ru, "ranks", json_integer(ctx->size));
    json_object_set_new(ru, "workers", json_integer(job.plan.workers));
    json_object_set_new(ru, "partitions", json_integer((json_int_t)job.plan.nparts));
    json_object_set_new(ru, "input_bytes", json_integer((json_int_t)job.plan.total_bytes));
    json_object_set_new(pm, "resource_utilization", ru);
    json_object_set_new(pm, "error_rate", jreal(100.0 * error_rate));
    json_object_set_new(rep, "processing_metrics", pm);
    json_t *ranks = json_array();
    for (int r = 0; r < ctx->size; r++) {
      json_t *o = json_object();
      json_object_set_new(o, "rank", json_integer(r));
      json_object_set_new(o, "host", json_string(rm[r].host));
      json_object_set_new(o, "items", json_integer((json_int_t)rm[r].items));
      json_object_set_new(o, "partitions", json_integer((json_int_t)rm[r].partitions));
      json_object_set_new(o, "busy_s", jreal(rm[r].busy_s));
      json_object_set_new(o, "io_s", jreal(rm[r].io_s));
      json_object_set_new(o, "comm_s", jreal(rm[r].comm_s));
      json_object_set_new(o, "idle_s", jreal(rm[r].idle_s));
      json_object_set_new(o, "wall_s", jreal(rm[r].wall_s));
      json_object_set_new(o, "rss_mb", jreal(rm[r].rss_mb));
      json_object_set_new(o, "cpu_s", jreal(rm[r].cpu_s));
      json_array_append_new(ranks, o);
    }
    json_object_set_new(rep, "ranks", ranks);
    json_t *sj = json_object();
    json_object_set_new(sj, "processed_count",
                        json_integer((json_int_t)(t->stored + t->duplicates)));
    json_object_set_new(sj, "error_count", json_integer((json_int_t)errors));
    json_object_set_new(sj, "throughput", jreal(wall > 0 ? (double)t->input / wall : 0.0));
    json_t *bs = json_object();
    json_object_set_new(bs, "initial", json_integer(cfg->batch_size));
    json_object_set_new(bs, "final", json_integer(gbmax[1] > 0 ? gbmax[1] : cfg->batch_size));
    json_object_set_new(bs, "min", json_integer(gbmin));
    json_object_set_new(bs, "max", json_integer(gbmax[0] > 0 ? gbmax[0] : cfg->batch_size));
    json_object_set_new(bs, "adaptive", json_boolean(!cfg->fixed_batch));
    json_object_set_new(sj, "batch_size", bs);
    json_object_set_new(sj, "mode", json_string(job.streaming ? "stdin" : "files"));
    json_object_set_new(sj, "backpressure",
                        json_string(arcos_backpressure_name(cfg->backpressure)));
    json_object_set_new(sj, "max_in_flight", json_integer(cfg->max_in_flight));
    json_object_set_new(sj, "throttle_s", jreal(job.throttle_s));
    json_object_set_new(sj, "dropped", json_integer((json_int_t)job.dropped));
    json_object_set_new(sj, "dropped_batches", json_integer((json_int_t)job.dropped_batches));
    json_object_set_new(rep, "stream", sj);
    if (have_cstats) {
      json_t *cj = arcos_cache_stats_json(&cstats, ctx->size);
      if (cj != NULL) {
        json_object_set_new(cj, "unavailable_claims", json_integer((json_int_t)job.eo_unavailable));
        json_object_set_new(cj, "exactly_once_on_cache",
                            json_boolean(!job.spill && cfg->exactly_once_cache &&
                                         cfg->guarantee == ARCOS_GUARANTEE_EXACTLY_ONCE));
        if (memo_json != NULL)
          json_object_set_new(cj, "memo", memo_json);
        memo_json = NULL;
        json_object_set_new(rep, "cache", cj);
      }
      if (cstats.lost > 0 || job.eo_unavailable > 0)
        fprintf(ctx->err,
                "arcos-scale: warning: %llu cache entries were lost with a failed node "
                "(replication %d) and %llu records could not be checked against the "
                "seen-set: exactly-once is degraded for them (see report.json cache)\n",
                (unsigned long long)cstats.lost, cstats.replication,
                (unsigned long long)job.eo_unavailable);
    }
    json_object_set_new(rep, "throughput", jreal(wall > 0 ? (double)t->input / wall : 0.0));
    json_object_set_new(rep, "error_count", json_integer((json_int_t)errors));
    if (graph_queries != NULL)
      json_object_set_new(rep, "queries", graph_queries);
    if (graph_recs != NULL) /* arcos_ops_finish adds them after the advisor's */
      json_object_set_new(rep, "optimization_recommendations", graph_recs);
    json_object_set_new(rep, "config", config_json);
    config_json = NULL;
    rc = arcos_ops_finish(rep, NULL, of.tmp[O_PROM], of.tmp[O_HTML], ctx->err);
    /* Everything complete: move the outputs into place, report last. A run over an
     * older one (--force) first removes the old report.json, so that a crash between
     * two renames never leaves a mix of old and new files that looks complete. */
    if (rc == ARCOS_OK && unlink(of.final[O_REPORT]) != 0 && errno != ENOENT) {
      fprintf(ctx->err, "arcos-scale: cannot remove the old %s: %s\n", of.final[O_REPORT],
              strerror(errno));
      rc = ARCOS_EIO;
    }
    for (int i = 0; i < O_REPORT && rc == ARCOS_OK; i++) {
      if ((i == O_JSONL && !cfg->jsonl) || (i == O_DROPPED && !job.streaming))
        continue;
      if (rename(of.tmp[i], of.final[i]) != 0) {
        fprintf(ctx->err, "arcos-scale: cannot rename %s: %s\n", of.tmp[i], strerror(errno));
        rc = ARCOS_EIO;
      }
    }
    if (rc == ARCOS_OK)
      rc = write_json_atomic(rep, of.final[O_REPORT], ctx->err);
    if (rc == ARCOS_OK && !cfg->quiet) {
      print_summary(ctx, &job, &gst, wall, eff, bal, slowest, rm, conserved);
      arcos_ops_print_summary(ctx->out, rep, cfg->output);
    }
    json_decref(rep);
    if (rc != ARCOS_OK)
      exit_code = ARCOS_EXIT_FAILED;
    else if (!conserved) {
      fprintf(ctx->err,
              "arcos-scale: conservation violated: input %llu != stored + duplicates + "
              "dead_lettered + skipped + dropped; this is a bug, please report it\n",
              (unsigned long long)t->input);
      exit_code = ARCOS_EXIT_FAILED;
    } else if (cfg->max_error_rate >= 0 && error_rate > cfg->max_error_rate) {
      fprintf(ctx->err,
              "arcos-scale: error rate %.4f exceeds --max-error-rate %.4f (outputs "
              "written; see dlq.jsonl)\n",
              error_rate, cfg->max_error_rate);
      exit_code = ARCOS_EXIT_ERROR_RATE;
    }
  }
  json_decref(config_json);
  json_decref(skips);
  json_decref(memo_json);
  if (have_cstats)
    arcos_cache_stats_free(&cstats);
  free(rm);
  free(lat);
  MPI_Bcast(&exit_code, 1, MPI_INT, 0, ctx->comm);
  /* The outputs are in place: the checkpoint has served its purpose. */
  MPI_Barrier(ctx->comm);
  arcos_ckpt_close(&job, exit_code == ARCOS_EXIT_OK || exit_code == ARCOS_EXIT_ERROR_RATE);

cleanup:
  /* A failed run leaves its checkpoint for --resume, not the temporary outputs. */
  if (exit_code == ARCOS_EXIT_FAILED && ctx->rank == 0)
    for (int i = 0; i < O_COUNT; i++)
      if (of.tmp[i][0] != '\0')
        unlink(of.tmp[i]);
  arcos_cache_destroy(&job.cache);
  arcos_progress_destroy(&job.progress);
  arcos_ckpt_close(&job, false);
  arcos_scratch_close(&job);
  free(job.part_state);
  free(job.skips);
  if (job.part_status != NULL)
    for (size_t p = 0; p < job.plan.nparts; p++)
      free(job.part_status[p]);
  free(job.part_status);
  free(job.part_nitems);
  free(job.part_nfails);
  free(job.part_idbytes);
  free(job.base_line);
  free(job.dups);
  arcos_ring_destroy(&job.ring);
  arcos_arena_destroy(&job.arena);
  free(job.items);
  free(job.fails);
  free(job.latency_ms);
  free(job.newlines);
  free(job.part_records);
  free(job.part_item_first);
  free(job.part_fail_first);
  arcos_buf_free(&job.dropped_lines);
  arcos_plan_free(&job.plan);
  return exit_code;
}
