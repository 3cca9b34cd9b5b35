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

#include "arcos/job.h"
#include "job_graph_internal.h"
#include "job_internal.h"

#define SAMPLE_MAX 20

static const char *const out_names[] = {"results.jsonl", "dlq.jsonl", "duplicates.jsonl",
                                        "results.h5", "report.json"};
enum { O_JSONL, O_DLQ, O_DUP, O_H5, O_REPORT, O_COUNT };

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
      } else if (!cfg->force) {
        fprintf(ctx->err,
                "arcos-scale: output directory %s already exists; pass --force to overwrite "
                "its results or choose another --output\n",
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
enum { S_SCORE_SUM, S_ALERT_CRIT, S_ALERT_HIGH, S_ALERT_MED, S_ERR_PARSE, S_ERR_INVALID,
       S_ERR_STAGE, S_ERR_IO, S_HIST, S_COUNT = S_HIST + 10 };

typedef struct {
  uint64_t sum[S_COUNT];
  int64_t min, max;
} stats_t;

static void local_stats(const job_t *job, stats_t *s) {
  memset(s, 0, sizeof *s);
  s->min = 101;
  s->max = -1;
  for (size_t i = 0; i < job->nitems; i++) {
    const item_t *it = &job->items[i];
    if (it->status != ITEM_STORED)
      continue;
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
  for (size_t i = 0; i < job->nfails; i++) {
    int k = job->fails[i].kind;
    if (k >= ARCOS_KIND_PARSE && k <= ARCOS_KIND_IO)
      s->sum[S_ERR_PARSE + k - ARCOS_KIND_PARSE]++;
  }
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
  int size = job->ctx->size, mine = (int)b.len;
  int *counts = malloc((size_t)size * 2 * sizeof *counts);
  if (counts == NULL)
    ARCOS_OOM_ABORT(job->ctx->comm);
  int *displ = counts + size;
  MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, job->ctx->comm);
  char *all = NULL;
  int total = 0;
  if (job->ctx->rank == 0) {
    for (int r = 0; r < size; r++) {
      displ[r] = total;
      total += counts[r];
    }
    all = malloc((size_t)total + 1);
    if (all == NULL)
      ARCOS_OOM_ABORT(job->ctx->comm);
  }
  MPI_Gatherv(b.data, mine, MPI_BYTE, all, counts, displ, MPI_BYTE, 0, job->ctx->comm);
  arcos_buf_free(&b);
  free(counts);
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
    json_object_set_new(o, "input", json_string(job->plan.inputs[s[i].input].display));
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
  int size = job->ctx->size, mine = (int)job->nlatency;
  int *counts = malloc((size_t)size * 2 * sizeof *counts);
  if (counts == NULL)
    ARCOS_OOM_ABORT(job->ctx->comm);
  int *displ = counts + size;
  MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, job->ctx->comm);
  double *all = NULL;
  int total = 0;
  if (job->ctx->rank == 0) {
    for (int r = 0; r < size; r++) {
      displ[r] = total;
      total += counts[r];
    }
    all = malloc(((size_t)total + 1) * sizeof *all);
    if (all == NULL)
      ARCOS_OOM_ABORT(job->ctx->comm);
  }
  MPI_Gatherv(job->latency_ms, mine, MPI_DOUBLE, all, counts, displ, MPI_DOUBLE, 0,
              job->ctx->comm);
  free(counts);
  if (all != NULL)
    qsort(all, (size_t)total, sizeof *all, cmp_double);
  *n_out = (size_t)total;
  return all;
}

static json_t *jreal(double v) { return json_real(isfinite(v) ? v : 0.0); }

/* The seed's rules, each quoting the measured number and what to change. */
static json_t *recommendations(double efficiency, double balance, double error_rate_pct,
                               double wall, int size, size_t nparts) {
  json_t *r = json_array();
  char text[512];
  if (size > 1 && efficiency < 0.7) {
    snprintf(text, sizeof text,
             "parallel efficiency is %.2f (< 0.70): ranks spend %.0f%% of the wall time outside "
             "the stages; with load balance %.2f, %s",
             efficiency, (1.0 - efficiency) * 100.0, balance,
             balance < 0.8 ? "cut inputs finer with --partitions-per-rank or --partition-bytes"
                           : "give each rank more data (fewer ranks) or convert inputs to HDF5");
    json_array_append_new(r, json_string(text));
  }
  if (error_rate_pct > 5.0) {
    snprintf(text, sizeof text,
             "error rate is %.1f%% (> 5%%): inspect dlq.jsonl and errors.sample in the report; "
             "set --max-error-rate to fail such runs",
             error_rate_pct);
    json_array_append_new(r, json_string(text));
  }
  if (wall > 60.0) {
    snprintf(text, sizeof text,
             "the run took %.0f s (> 60 s): add ranks (mpirun -np N or more SLURM tasks)", wall);
    json_array_append_new(r, json_string(text));
  }
  if ((size_t)size > nparts) {
    snprintf(text, sizeof text,
             "%d ranks but only %zu partitions: some ranks had nothing to do; lower "
             "--partition-bytes or split inputs into more files",
             size, nparts);
    json_array_append_new(r, json_string(text));
  }
  return r;
}

static int write_json_atomic(json_t *doc, const char *tmp, const char *final, FILE *err) {
  if (json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0 ||
      rename(tmp, final) != 0) {
    fprintf(err, "arcos-scale: cannot write %s: %s\n", final, strerror(errno));
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}

static void print_summary(const arcos_ctx_t *ctx, const job_t *job, const stats_t *st,
                          double wall, double eff, double bal, int slowest,
                          const rank_metrics_t *rm, bool conserved) {
  const totals_t *t = &job->totals;
  FILE *o = ctx->out;
  fprintf(o, "arcos-scale run: %llu records from %zu input(s) on %d rank(s) in %.2f s (%.0f records/s)\n",
          (unsigned long long)t->input, job->plan.ninputs, ctx->size, wall,
          wall > 0 ? (double)t->input / wall : 0.0);
  fprintf(o, "  records   stored %llu  duplicates %llu  dead-lettered %llu  skipped %llu  dropped %llu  conserved: %s\n",
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
  fprintf(o, "  outputs   %s/ (report.json, results.h5, dlq.jsonl, duplicates.jsonl%s)\n",
          ctx->cfg->output, ctx->cfg->jsonl ? ", results.jsonl" : "");
}

int arcos_job_run(const arcos_ctx_t *ctx) {
  double t_start = arcos_now();
  const arcos_config_t *cfg = ctx->cfg;
  job_t job;
  memset(&job, 0, sizeof job);
  job.ctx = ctx;
  job.cfg = cfg;
  int exit_code = ARCOS_EXIT_OK;
  out_files_t of;

  int64_t ref = cfg->reference_time_set ? cfg->reference_time : arcos_epoch_now();
  MPI_Bcast(&ref, 1, MPI_INT64_T, 0, ctx->comm);
  job.reference_time = ref;
  int namelen = 0;
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Get_processor_name(host, &namelen);
  snprintf(job.m.host, sizeof job.m.host, "%.63s", host);

  /* Plan (rank 0) and broadcast; stop before any work on a bad input path. */
  int rc = ARCOS_OK;
  if (ctx->rank == 0) {
    arcos_detail_t d;
    arcos_detail_clear(&d);
    int workers = ctx->size;
    if (cfg->max_workers > 0 && cfg->max_workers < workers)
      workers = (int)cfg->max_workers;
    arcos_plan_opts_t po = {(uint64_t)cfg->partition_bytes, (uint64_t)cfg->partitions_per_rank,
                            workers};
    rc = arcos_plan_build((const char *const *)cfg->inputs, cfg->ninputs, &po, &job.plan, &d);
    if (rc != ARCOS_OK)
      fprintf(ctx->err, "arcos-scale: %s: %s\n", d.source, d.text);
  }
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

  size_t np = job.plan.nparts;
  job.arena = arcos_arena_create();
  job.newlines = calloc(np + 1, sizeof *job.newlines);
  job.part_records = calloc(np + 1, sizeof *job.part_records);
  job.part_item_first = calloc(np + 1, sizeof *job.part_item_first);
  job.part_fail_first = calloc(np + 1, sizeof *job.part_fail_first);
  int nodes = cfg->cache_nodes > 0 ? (int)cfg->cache_nodes : (ctx->size > 3 ? ctx->size : 3);
  job.ring = arcos_ring_create(nodes, (int)cfg->vnodes);
  if (job.arena == NULL || job.newlines == NULL || job.part_records == NULL ||
      job.part_item_first == NULL || job.part_fail_first == NULL || job.ring == NULL)
    ARCOS_OOM_ABORT(ctx->comm);

  /* Read and run the stages on this rank's partitions. */
  rc = arcos_pipeline_run(&job);
  if (rc != ARCOS_OK)
    ARCOS_OOM_ABORT(ctx->comm);
  /* Waiting here for the slowest rank is idle time: it measures imbalance. */
  double t0 = arcos_now();
  MPI_Barrier(ctx->comm);
  job.m.idle_s += arcos_now() - t0;

  arcos_fix_lines(&job);
  if (cfg->guarantee == ARCOS_GUARANTEE_EXACTLY_ONCE) {
    rc = arcos_exactly_once(&job);
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
  output_paths_t paths = {cfg->jsonl ? of.tmp[O_JSONL] : NULL, of.tmp[O_DLQ], of.tmp[O_DUP],
                          of.tmp[O_H5], config_text};
  collect_rusage(&job.m);
  rc = arcos_outputs_write(&job, &paths);
  free(config_text);
  if (rc != ARCOS_OK) {
    json_decref(config_json);
    exit_code = ARCOS_EXIT_FAILED;
    goto cleanup;
  }
  json_t *graph_queries = NULL, *graph_recs = NULL;
  exit_code = arcos_job_graph_run(ctx, &job, of.tmp[O_DLQ], &graph_queries, &graph_recs);
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
  json_t *sample = error_sample(&job);
  size_t nlat = 0;
  double *lat = gather_latencies(&job, &nlat);
  collect_rusage(&job.m);
  double wall = arcos_now() - t_start;
  job.m.wall_s = wall;
  rank_metrics_t *rm = ctx->rank == 0 ? calloc((size_t)ctx->size, sizeof *rm) : NULL;
  MPI_Gather(&job.m, (int)sizeof job.m, MPI_BYTE, rm, (int)sizeof job.m, MPI_BYTE, 0, ctx->comm);

  const totals_t *t = &job.totals;
  bool conserved =
      t->input == t->stored + t->duplicates + t->dead_lettered + t->skipped + t->dropped;
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
    json_object_set_new(pe, "total_processed", json_integer((json_int_t)(t->stored + t->duplicates)));
    json_object_set_new(pe, "success_rate",
                        jreal(t->input ? 100.0 * (double)(t->stored + t->duplicates) / (double)t->input
                                       : 100.0));
    json_object_set_new(rep, "processed_evidence", pe);
    json_t *rec = json_object();
    json_object_set_new(rec, "input", json_integer((json_int_t)t->input));
    json_object_set_new(rec, "stored", json_integer((json_int_t)t->stored));
    json_object_set_new(rec, "duplicates", json_integer((json_int_t)t->duplicates));
    json_object_set_new(rec, "dead_lettered", json_integer((json_int_t)t->dead_lettered));
    json_object_set_new(rec, "skipped", json_integer((json_int_t)t->skipped));
    json_object_set_new(rec, "dropped", json_integer((json_int_t)t->dropped));
    json_object_set_new(rec, "conserved", json_boolean(conserved));
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
    json_object_set_new(lj, "per_record_mean",
                        jreal(t->input ? lat_sum / (double)t->input : 0.0));
    json_object_set_new(lj, "batches", json_integer((json_int_t)nlat));
    json_object_set_new(pm, "latency_ms", lj);
    json_t *ru = json_object();
    json_object_set_new(ru, "cpu_percent", jreal(wall > 0 ? 100.0 * cpu_sum / ((double)ctx->size * wall) : 0.0));
    json_object_set_new(ru, "max_rss_mb", jreal(rss_max));
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
    json_object_set_new(sj, "processed_count", json_integer((json_int_t)(t->stored + t->duplicates)));
    json_object_set_new(sj, "error_count", json_integer((json_int_t)errors));
    json_object_set_new(sj, "throughput", jreal(wall > 0 ? (double)t->input / wall : 0.0));
    json_t *bs = json_object();
    json_object_set_new(bs, "initial", json_integer(cfg->batch_size));
    json_object_set_new(bs, "final", json_integer(cfg->batch_size));
    json_object_set_new(bs, "min", json_integer(cfg->batch_size));
    json_object_set_new(bs, "max", json_integer(cfg->batch_size));
    json_object_set_new(sj, "batch_size", bs);
    json_object_set_new(rep, "stream", sj);
    json_object_set_new(rep, "throughput", jreal(wall > 0 ? (double)t->input / wall : 0.0));
    json_object_set_new(rep, "error_count", json_integer((json_int_t)errors));
    json_object_set_new(rep, "scalability_recommendations",
                        recommendations(eff, bal, 100.0 * error_rate, wall, ctx->size, np));
    if (graph_queries != NULL)
      json_object_set_new(rep, "queries", graph_queries);
    json_object_set_new(rep, "optimization_recommendations",
                        graph_recs != NULL ? graph_recs : json_array());
    json_object_set_new(rep, "config", config_json);
    config_json = NULL;
    rc = write_json_atomic(rep, of.tmp[O_REPORT], of.final[O_REPORT], ctx->err);
    json_decref(rep);
    /* Everything complete: move the outputs into place, report last. */
    for (int i = 0; i < O_REPORT && rc == ARCOS_OK; i++) {
      if (i == O_JSONL && !cfg->jsonl)
        continue;
      if (rename(of.tmp[i], of.final[i]) != 0) {
        fprintf(ctx->err, "arcos-scale: cannot rename %s: %s\n", of.tmp[i], strerror(errno));
        rc = ARCOS_EIO;
      }
    }
    if (rc == ARCOS_OK && !cfg->quiet)
      print_summary(ctx, &job, &gst, wall, eff, bal, slowest, rm, conserved);
    if (rc != ARCOS_OK)
      exit_code = ARCOS_EXIT_FAILED;
    else if (!conserved) {
      fprintf(ctx->err, "arcos-scale: conservation violated: input %llu != stored + duplicates + "
                        "dead_lettered + skipped + dropped; this is a bug, please report it\n",
              (unsigned long long)t->input);
      exit_code = ARCOS_EXIT_FAILED;
    } else if (cfg->max_error_rate >= 0 && error_rate > cfg->max_error_rate) {
      fprintf(ctx->err, "arcos-scale: error rate %.4f exceeds --max-error-rate %.4f (outputs "
                        "written; see dlq.jsonl)\n",
              error_rate, cfg->max_error_rate);
      exit_code = ARCOS_EXIT_ERROR_RATE;
    }
  }
  json_decref(config_json);
  free(rm);
  free(lat);
  MPI_Bcast(&exit_code, 1, MPI_INT, 0, ctx->comm);

cleanup:
  arcos_ring_destroy(&job.ring);
  arcos_arena_destroy(&job.arena);
  free(job.items);
  free(job.fails);
  free(job.latency_ms);
  free(job.newlines);
  free(job.part_records);
  free(job.part_item_first);
  free(job.part_fail_first);
  arcos_plan_free(&job.plan);
  return exit_code;
}
