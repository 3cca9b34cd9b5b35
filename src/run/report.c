/* The report of a run (report.h): every figure is measured (timers around each phase
 * and getrusage(), never constants), gathered at rank 0 and written as report.json,
 * the summary lines and the verdict of SPEC §4 and §9. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "arcos/cache.h"
#include "arcos/ops.h"
#include "arcos/outfile.h"
#include "arcos/rules.h"
#include "core/jsonw.h"
#include "run/previous.h"
#include "run/records.h"
#include "run/report.h"

#define SAMPLE_MAX 20

/* What rank 0 keeps between building the report and writing it. */
struct arcos_report {
  json_t *doc;
  stats_t st; /* summed over ranks */
  totals_t totals;
  size_t ninputs;
  int ranks, slowest;
  double wall, eff, bal, slowest_busy, error_rate;
  bool conserved;
  double max_error_rate;
};

/* MiB of anonymous memory mapped by transparent huge pages now (smaps_rollup), 0 when
 * the kernel does not say. */
static double huge_pages_mb(void) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  if (f == NULL)
    return 0;
  char line[256];
  static const char key[] = "AnonHugePages:";
  double kb = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, key, sizeof key - 1) == 0) {
      kb = strtod(line + sizeof key - 1, NULL); /* "   2048 kB" */
      break;
    }
  }
  fclose(f);
  return kb / 1024.0;
}

void arcos_report_rusage(rank_metrics_t *m) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  m->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
             (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
  m->rss_mb = (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
  m->huge_mb = huge_pages_mb();
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

static void local_stats(const arcos_report_in_t *in, stats_t *s) {
  if (in->stats != NULL) { /* gathered while the outputs were written */
    *s = *in->stats;
    return;
  }
  arcos_stats_init(s);
  for (size_t i = 0; i < in->rec->nitems; i++)
    arcos_stats_item(s, &in->rec->items[i]);
  for (size_t i = 0; i < in->rec->nfails; i++)
    arcos_stats_fail(s, &in->rec->fails[i]);
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
    ARCOS_ABORT_OOM(comm);
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
      ARCOS_ABORT_OOM(comm);
  }
  MPI_Gatherv(mine, count, type, all, counts, displ, type, 0, comm);
  free(counts);
  *total_out = total;
  return all;
}

/* The first SAMPLE_MAX failures in global order, gathered at rank 0 as a JSON array. */
static json_t *error_sample(const arcos_report_in_t *in) {
  arcos_buf_t b = {0};
  size_t n = in->rec->nfails < SAMPLE_MAX ? in->rec->nfails : SAMPLE_MAX;
  for (size_t i = 0; i < n; i++) {
    const fail_t *f = &in->rec->fails[i];
    uint64_t pos = item_pos(f->part, f->seq);
    uint32_t input = in->plan->parts[f->part].input;
    uint16_t len = (uint16_t)(strlen(f->message) > 1000 ? 1000 : strlen(f->message));
    arcos_buf_append(&b, &pos, 8);
    arcos_buf_append(&b, &input, 4);
    arcos_buf_append(&b, &f->line, 8);
    arcos_buf_append(&b, &f->kind, 1);
    arcos_buf_append(&b, &f->stage, 1);
    arcos_buf_append(&b, &len, 2);
    arcos_buf_append(&b, f->message, len);
  }
  int size = in->ctx->size, total = 0;
  char *all = gather_at_root(in->ctx->comm, b.data, (int)b.len, MPI_BYTE, 1, &total);
  arcos_buf_free(&b);
  if (in->ctx->rank != 0)
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
    ARCOS_ABORT_OOM(in->ctx->comm);
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
    const char *name = in->plan->inputs[s[i].input].display;
    json_object_set_new(o, "input", arcos_jsonw_string(name, strlen(name)));
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
static double *gather_latencies(const arcos_report_in_t *in, size_t *n_out) {
  int total = 0;
  double *all = gather_at_root(in->ctx->comm, in->pstats->latency_ms, (int)in->pstats->nlatency,
                               MPI_DOUBLE, sizeof(double), &total);
  if (all != NULL)
    qsort(all, (size_t)total, sizeof *all, cmp_double);
  *n_out = (size_t)total;
  return all;
}

/* at-most-once: ranges not redone after a crash, gathered at rank 0 in global order. */
static json_t *skipped_ranges(const arcos_report_in_t *in) {
  uint64_t *buf = malloc((in->rec->nskips * 4 + 1) * sizeof *buf);
  if (buf == NULL)
    ARCOS_ABORT_OOM(in->ctx->comm);
  for (size_t i = 0; i < in->rec->nskips; i++) {
    buf[4 * i] = in->rec->skips[i].part;
    buf[4 * i + 1] = in->rec->skips[i].first_line;
    buf[4 * i + 2] = in->rec->skips[i].last_line;
    buf[4 * i + 3] = in->rec->skips[i].records;
  }
  int total = 0;
  uint64_t *all = gather_at_root(in->ctx->comm, buf, (int)(in->rec->nskips * 4), MPI_UINT64_T,
                                 sizeof *buf, &total);
  free(buf);
  if (in->ctx->rank != 0)
    return NULL;
  json_t *arr = json_array();
  /* partitions are in global order: emit by partition number */
  for (size_t p = 0; p < in->plan->nparts && total > 0; p++) {
    for (int i = 0; i < total; i += 4) {
      if (all[i] != p)
        continue;
      json_t *o = json_object();
      json_object_set_new(o, "input",
                          json_string(in->plan->inputs[in->plan->parts[p].input].display));
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

/* report.json cache.memo (collective; the object on rank 0, NULL elsewhere). */
static json_t *memo_report(const arcos_report_in_t *in) {
  const arcos_memo_stats_t *m = &in->pstats->memo;
  uint64_t mine[11] = {m->lookups, m->hits,     m->batch_hits, m->keys_sent,
                       m->stores,  m->refused,  m->fallbacks,  m->bytes_skipped,
                       m->small,   m->declined, m->rounds};
  uint64_t all[11] = {0};
  double secs[2] = {m->round_s, m->finish_s}, gsecs[2] = {0, 0};
  MPI_Reduce(mine, all, 11, MPI_UINT64_T, MPI_SUM, 0, in->ctx->comm);
  MPI_Reduce(secs, gsecs, 2, MPI_DOUBLE, MPI_SUM, 0, in->ctx->comm);
  if (in->ctx->rank != 0)
    return NULL;
  json_t *o = json_object();
  json_object_set_new(o, "enabled", json_boolean(in->pstats->memo_on));
  if (in->pstats->memo_off != NULL)
    json_object_set_new(o, "off_reason", json_string(in->pstats->memo_off));
  json_object_set_new(o, "min_bytes", json_integer(in->cfg->checksum_memo_min_bytes));
  json_object_set_new(o, "round_records", json_integer(in->cfg->checksum_memo_round));
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
/* Figures summed (or min/max-ed) at rank 0. */
typedef struct {
  stats_t st;
  uint64_t pol[4]; /* injected, retries, recovered, gave_up */
  int64_t bmin, bmax, bfinal;
} sums_t;

static void reduce_sums(const arcos_report_in_t *in, sums_t *g) {
  MPI_Comm comm = in->ctx->comm;
  stats_t st;
  local_stats(in, &st);
  memset(g, 0, sizeof *g);
  MPI_Reduce(st.sum, g->st.sum, S_COUNT, MPI_UINT64_T, MPI_SUM, 0, comm);
  MPI_Reduce(&st.min, &g->st.min, 1, MPI_INT64_T, MPI_MIN, 0, comm);
  MPI_Reduce(&st.max, &g->st.max, 1, MPI_INT64_T, MPI_MAX, 0, comm);
  uint64_t pol[4] = {in->pstats->injected, in->pstats->retries, in->pstats->recovered,
                     in->pstats->gave_up};
  MPI_Reduce(pol, g->pol, 4, MPI_UINT64_T, MPI_SUM, 0, comm);
  int64_t bmin = in->pstats->batch_min_seen > 0 ? in->pstats->batch_min_seen : INT64_MAX;
  int64_t bmax[2] = {in->pstats->batch_max_seen, in->pstats->batch_final}, gbmax[2] = {0, 0};
  MPI_Reduce(&bmin, &g->bmin, 1, MPI_INT64_T, MPI_MIN, 0, comm);
  MPI_Reduce(bmax, gbmax, 2, MPI_INT64_T, MPI_MAX, 0, comm);
  g->bmax = gbmax[0];
  g->bfinal = gbmax[1];
  if (g->bmin == INT64_MAX)
    g->bmin = in->cfg->batch_size;
  if (in->stream != NULL && in->ctx->rank == 0) { /* rank 0 chose every batch size */
    g->bmin = in->pstats->batch_min_seen;
    g->bmax = in->pstats->batch_max_seen;
    g->bfinal = in->pstats->batch_final;
  }
}

static json_t *records_json(const totals_t *t, bool conserved, json_t *skips) {
  json_t *rec = json_object();
  json_object_set_new(rec, "input", json_integer((json_int_t)t->input));
  json_object_set_new(rec, "stored", json_integer((json_int_t)t->stored));
  json_object_set_new(rec, "duplicates", json_integer((json_int_t)t->duplicates));
  json_object_set_new(rec, "dead_lettered", json_integer((json_int_t)t->dead_lettered));
  json_object_set_new(rec, "skipped", json_integer((json_int_t)t->skipped));
  json_object_set_new(rec, "dropped", json_integer((json_int_t)t->dropped));
  json_object_set_new(rec, "conserved", json_boolean(conserved));
  json_object_set_new(rec, "skipped_ranges", skips);
  return rec;
}

static json_t *scores_json(const totals_t *t, const stats_t *gst) {
  json_t *sc = json_object();
  json_t *hist = json_array();
  for (int k = 0; k < 10; k++)
    json_array_append_new(hist, json_integer((json_int_t)gst->sum[S_HIST + k]));
  json_object_set_new(sc, "mean",
                      t->stored ? jreal((double)gst->sum[S_SCORE_SUM] / (double)t->stored)
                                : json_null());
  json_object_set_new(sc, "min", t->stored ? json_integer(gst->min) : json_null());
  json_object_set_new(sc, "max", t->stored ? json_integer(gst->max) : json_null());
  json_object_set_new(sc, "histogram", hist);
  return sc;
}

static json_t *errors_json(const arcos_config_t *cfg, const sums_t *g, json_t *sample) {
  json_t *er = json_object();
  json_t *bk = json_object();
  json_object_set_new(bk, "parse", json_integer((json_int_t)g->st.sum[S_ERR_PARSE]));
  json_object_set_new(bk, "invalid", json_integer((json_int_t)g->st.sum[S_ERR_INVALID]));
  json_object_set_new(bk, "stage", json_integer((json_int_t)g->st.sum[S_ERR_STAGE]));
  json_object_set_new(bk, "io", json_integer((json_int_t)g->st.sum[S_ERR_IO]));
  json_object_set_new(er, "by_kind", bk);
  json_object_set_new(er, "policy", json_string(arcos_on_error_name(cfg->on_error)));
  json_object_set_new(er, "sample", sample);
  json_t *rt = json_object();
  json_object_set_new(rt, "injected_faults", json_integer((json_int_t)g->pol[0]));
  json_object_set_new(rt, "retries", json_integer((json_int_t)g->pol[1]));
  json_object_set_new(rt, "recovered", json_integer((json_int_t)g->pol[2]));
  json_object_set_new(rt, "gave_up", json_integer((json_int_t)g->pol[3]));
  json_object_set_new(rt, "max_retries", json_integer(cfg->max_retries));
  json_object_set_new(er, "retries", rt);
  return er;
}

static json_t *latency_json(const double *lat, size_t nlat, uint64_t input) {
  json_t *lj = json_object();
  double lat_sum = 0;
  for (size_t i = 0; i < nlat; i++)
    lat_sum += lat[i];
  json_object_set_new(lj, "p50", jreal(percentile(lat, nlat, 50)));
  json_object_set_new(lj, "p95", jreal(percentile(lat, nlat, 95)));
  json_object_set_new(lj, "p99", jreal(percentile(lat, nlat, 99)));
  json_object_set_new(lj, "max", jreal(nlat ? lat[nlat - 1] : 0.0));
  json_object_set_new(lj, "per_record_mean", jreal(input ? lat_sum / (double)input : 0.0));
  json_object_set_new(lj, "batches", json_integer((json_int_t)nlat));
  return lj;
}

static json_t *metrics_json(const arcos_report_in_t *in, const arcos_report_t *r,
                            const rank_metrics_t *rm, const double *lat, size_t nlat) {
  const arcos_config_t *cfg = in->cfg;
  int size = in->ctx->size;
  double cpu_sum = 0, rss_max = 0, rss_sum = 0, wall = r->wall;
  for (int k = 0; k < size; k++) {
    cpu_sum += rm[k].cpu_s;
    rss_sum += rm[k].rss_mb;
    if (rm[k].rss_mb > rss_max)
      rss_max = rm[k].rss_mb;
  }
  json_t *pm = json_object();
  json_object_set_new(pm, "total_processing_time", jreal(wall));
  json_object_set_new(pm, "parallel_efficiency", jreal(r->eff));
  json_object_set_new(pm, "load_balance", jreal(r->bal));
  json_object_set_new(pm, "throughput", jreal(wall > 0 ? (double)r->totals.input / wall : 0.0));
  json_object_set_new(pm, "latency_ms", latency_json(lat, nlat, r->totals.input));
  json_t *ru = json_object();
  json_object_set_new(ru, "cpu_percent",
                      jreal(wall > 0 ? 100.0 * cpu_sum / ((double)size * wall) : 0.0));
  json_object_set_new(ru, "max_rss_mb", jreal(rss_max));
  json_object_set_new(ru, "baseline_rss_mb", jreal(in->baseline_rss_mb));
  json_object_set_new(ru, "max_memory_mb", json_integer(cfg->max_memory_mb));
  json_object_set_new(ru, "spill", json_boolean(in->spill));
  json_object_set_new(ru, "exactly_once_rounds", json_integer(in->eo_rounds));
  json_object_set_new(ru, "total_rss_mb", jreal(rss_sum));
  json_object_set_new(ru, "ranks", json_integer(size));
  json_object_set_new(ru, "workers", json_integer(in->plan->workers));
  json_object_set_new(ru, "partitions", json_integer((json_int_t)in->plan->nparts));
  json_object_set_new(ru, "input_bytes", json_integer((json_int_t)in->plan->total_bytes));
  json_object_set_new(pm, "resource_utilization", ru);
  json_object_set_new(pm, "error_rate", jreal(100.0 * r->error_rate));
  return pm;
}

static json_t *ranks_json(const rank_metrics_t *rm, int size) {
  json_t *ranks = json_array();
  for (int k = 0; k < size; k++) {
    json_t *o = json_object();
    json_object_set_new(o, "rank", json_integer(k));
    json_object_set_new(o, "host", json_string(rm[k].host));
    json_object_set_new(o, "items", json_integer((json_int_t)rm[k].items));
    json_object_set_new(o, "partitions", json_integer((json_int_t)rm[k].partitions));
    json_object_set_new(o, "busy_s", jreal(rm[k].busy_s));
    json_object_set_new(o, "io_s", jreal(rm[k].io_s));
    json_object_set_new(o, "comm_s", jreal(rm[k].comm_s));
    json_object_set_new(o, "idle_s", jreal(rm[k].idle_s));
    json_object_set_new(o, "wall_s", jreal(rm[k].wall_s));
    json_object_set_new(o, "rss_mb", jreal(rm[k].rss_mb));
    json_object_set_new(o, "cpu_s", jreal(rm[k].cpu_s));
    json_object_set_new(o, "huge_pages_mb", jreal(rm[k].huge_mb));
    json_array_append_new(ranks, o);
  }
  return ranks;
}

static json_t *stream_json(const arcos_report_in_t *in, const arcos_report_t *r, const sums_t *g) {
  const arcos_config_t *cfg = in->cfg;
  const totals_t *t = &r->totals;
  json_t *sj = json_object();
  json_object_set_new(sj, "processed_count", json_integer((json_int_t)(t->stored + t->duplicates)));
  json_object_set_new(sj, "error_count", json_integer((json_int_t)(t->dead_lettered + t->skipped)));
  json_object_set_new(sj, "throughput", jreal(r->wall > 0 ? (double)t->input / r->wall : 0.0));
  json_t *bs = json_object();
  json_object_set_new(bs, "initial", json_integer(cfg->batch_size));
  json_object_set_new(bs, "final", json_integer(g->bfinal > 0 ? g->bfinal : cfg->batch_size));
  json_object_set_new(bs, "min", json_integer(g->bmin));
  json_object_set_new(bs, "max", json_integer(g->bmax > 0 ? g->bmax : cfg->batch_size));
  json_object_set_new(bs, "adaptive", json_boolean(!cfg->fixed_batch));
  json_object_set_new(sj, "batch_size", bs);
  json_object_set_new(sj, "mode", json_string(in->stream != NULL ? "stdin" : "files"));
  json_object_set_new(sj, "backpressure", json_string(arcos_backpressure_name(cfg->backpressure)));
  json_object_set_new(sj, "max_in_flight", json_integer(cfg->max_in_flight));
  const arcos_stream_figures_t none = {0}, *f = in->stream != NULL ? in->stream : &none;
  json_object_set_new(sj, "throttle_s", jreal(f->throttle_s));
  json_object_set_new(sj, "dropped", json_integer((json_int_t)f->dropped));
  json_object_set_new(sj, "dropped_batches", json_integer((json_int_t)f->dropped_batches));
  return sj;
}

/* report.json "cache" (rank 0), with the memo figures; warns when exactly-once
 * degraded because cache entries were lost. Takes memo_json. */
static json_t *cache_json(const arcos_report_in_t *in, const arcos_cache_stats_t *cs,
                          json_t *memo_json) {
  const arcos_config_t *cfg = in->cfg;
  json_t *cj = arcos_cache_stats_json(cs, in->ctx->size);
  if (cj != NULL) {
    json_object_set_new(cj, "unavailable_claims", json_integer((json_int_t)in->eo->unavailable));
    json_object_set_new(cj, "exactly_once_on_cache",
                        json_boolean(!in->spill && cfg->exactly_once_cache &&
                                     cfg->guarantee == ARCOS_GUARANTEE_EXACTLY_ONCE));
    if (memo_json != NULL)
      json_object_set_new(cj, "memo", memo_json);
    memo_json = NULL;
  }
  json_decref(memo_json);
  if (cs->lost > 0 || in->eo->unavailable > 0)
    fprintf(in->ctx->err,
            "arcos-scale: warning: %llu cache entries were lost with a failed node "
            "(replication %d) and %llu records could not be checked against the "
            "seen-set: exactly-once is degraded for them (see report.json cache)\n",
            (unsigned long long)cs->lost, cs->replication, (unsigned long long)in->eo->unavailable);
  return cj;
}

/* Rank 0: the figures derived from every rank's metrics. */
static void derive(arcos_report_t *r, const rank_metrics_t *rm, int size) {
  double busy_sum = 0, busy_max = 0;
  r->slowest = 0;
  for (int k = 0; k < size; k++) {
    busy_sum += rm[k].busy_s;
    if (rm[k].busy_s > busy_max) {
      busy_max = rm[k].busy_s;
      r->slowest = k;
    }
  }
  r->slowest_busy = rm[r->slowest].busy_s;
  r->eff = r->wall > 0 ? busy_sum / ((double)size * r->wall) : 0.0;
  r->bal = busy_max > 0 ? (busy_sum / size) / busy_max : 1.0;
}

typedef struct {
  json_t *sample, *skips, *memo, *config, *queries, *recs;
  bool have_cstats;
  arcos_cache_stats_t cstats;
} parts_t;

/* Rank 0: report.json from its parts (which it takes). */
static json_t *build_doc(const arcos_report_in_t *in, const arcos_report_t *r, const sums_t *g,
                         const rank_metrics_t *rm, const double *lat, size_t nlat, parts_t *pp) {
  const totals_t *t = &r->totals;
  double wall = r->wall;
  json_t *rep = json_object();
  json_object_set_new(rep, "version", json_string(ARCOS_VERSION));
  json_t *pe = json_object();
  json_object_set_new(pe, "total_processed", json_integer((json_int_t)(t->stored + t->duplicates)));
  json_object_set_new(
      pe, "success_rate",
      jreal(t->input ? 100.0 * (double)(t->stored + t->duplicates) / (double)t->input : 100.0));
  json_object_set_new(rep, "processed_evidence", pe);
  json_object_set_new(rep, "records", records_json(t, r->conserved, pp->skips));
  /* SPEC §3: the earlier runs (--previous) and the ids each seeded; [] when none */
  json_object_set_new(rep, "previous_runs", arcos_previous_json(in->prev));
  json_t *al = json_object();
  json_object_set_new(al, "critical", json_integer((json_int_t)g->st.sum[S_ALERT_CRIT]));
  json_object_set_new(al, "high", json_integer((json_int_t)g->st.sum[S_ALERT_HIGH]));
  json_object_set_new(al, "medium", json_integer((json_int_t)g->st.sum[S_ALERT_MED]));
  json_object_set_new(rep, "alerts", al);
  json_object_set_new(rep, "scores", scores_json(t, &g->st));
  json_object_set_new(rep, "errors", errors_json(in->cfg, g, pp->sample));
  json_object_set_new(rep, "processing_metrics", metrics_json(in, r, rm, lat, nlat));
  json_object_set_new(rep, "ranks", ranks_json(rm, in->ctx->size));
  json_object_set_new(rep, "stream", stream_json(in, r, g));
  if (pp->have_cstats) {
    json_t *cj = cache_json(in, &pp->cstats, pp->memo);
    if (cj != NULL)
      json_object_set_new(rep, "cache", cj);
  } else {
    json_decref(pp->memo);
  }
  json_object_set_new(rep, "throughput", jreal(wall > 0 ? (double)t->input / wall : 0.0));
  json_object_set_new(rep, "error_count",
                      json_integer((json_int_t)(t->dead_lettered + t->skipped)));
  if (pp->queries != NULL)
    json_object_set_new(rep, "queries", pp->queries);
  if (pp->recs != NULL) /* arcos_ops_finish adds them after the advisor's */
    json_object_set_new(rep, "optimization_recommendations", pp->recs);
  json_object_set_new(rep, "scoring_rules", arcos_rules_report_json(in->cfg->rules));
  json_object_set_new(rep, "config", pp->config);
  memset(pp, 0, offsetof(parts_t, have_cstats));
  return rep;
}

arcos_report_t *arcos_report_gather(const arcos_report_in_t *in, json_t *config, json_t *queries,
                                    json_t *recs) {
  const arcos_ctx_t *ctx = in->ctx;
  arcos_report_t *r = calloc(1, sizeof *r);
  if (r == NULL)
    ARCOS_ABORT_OOM(ctx->comm);
  sums_t g;
  reduce_sums(in, &g);
  parts_t pp = {.config = config, .queries = queries, .recs = recs};
  memset(&pp.cstats, 0, sizeof pp.cstats);
  pp.have_cstats = in->cache != NULL && arcos_cache_stats(in->cache, &pp.cstats) == ARCOS_OK;
  pp.memo = memo_report(in);
  pp.sample = error_sample(in);
  pp.skips = skipped_ranges(in);
  size_t nlat = 0;
  double *lat = gather_latencies(in, &nlat);
  rank_metrics_t m = *in->m; /* with the CPU time, peak RSS and wall time up to now */
  arcos_report_rusage(&m);
  r->wall = arcos_now() - in->t_start;
  m.wall_s = r->wall;
  rank_metrics_t *rm = ctx->rank == 0 ? calloc((size_t)ctx->size, sizeof *rm) : NULL;
  if (ctx->rank == 0 && rm == NULL)
    ARCOS_ABORT_OOM(ctx->comm);
  MPI_Gather(&m, (int)sizeof m, MPI_BYTE, rm, (int)sizeof m, MPI_BYTE, 0, ctx->comm);
  const totals_t *t = in->totals;
  r->totals = *t;
  r->st = g.st;
  r->ninputs = in->plan->ninputs;
  r->ranks = ctx->size;
  r->max_error_rate = in->cfg->max_error_rate;
  r->conserved = t->input == t->stored + t->duplicates + t->dead_lettered + t->skipped + t->dropped;
  r->error_rate = t->input > 0 ? (double)(t->dead_lettered + t->skipped) / (double)t->input : 0.0;
  if (ctx->rank == 0) {
    derive(r, rm, ctx->size);
    r->doc = build_doc(in, r, &g, rm, lat, nlat, &pp);
  }
  json_decref(pp.config);
  json_decref(pp.queries);
  json_decref(pp.recs);
  json_decref(pp.skips);
  json_decref(pp.sample);
  json_decref(pp.memo);
  if (pp.have_cstats)
    arcos_cache_stats_free(&pp.cstats);
  free(rm);
  free(lat);
  return r;
}

json_t *arcos_report_doc(const arcos_report_t *r) { return r->doc; }

int arcos_report_write(const arcos_report_t *r, const char *final, FILE *err) {
  char *text = json_dumps(r->doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = text == NULL ? arcos_detail_errno(&d, ENOMEM, final, "cannot write %s", final)
                        : arcos_out_write_atomic(final, text, strlen(text), false, &d);
  free(text);
  if (rc != ARCOS_OK) {
    fprintf(err, "arcos-scale: %s%s\n", d.text,
            rc == ARCOS_ENOSPACE ? "; free space and rerun with --resume" : "");
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}

void arcos_report_print(const arcos_report_t *r, FILE *o) {
  const totals_t *t = &r->totals;
  const stats_t *st = &r->st;
  double wall = r->wall;
  fprintf(
      o,
      "arcos-scale run: %llu records from %zu input(s) on %d rank(s) in %.2f s (%.0f records/s)\n",
      (unsigned long long)t->input, r->ninputs, r->ranks, wall,
      wall > 0 ? (double)t->input / wall : 0.0);
  fprintf(o,
          "  records   stored %llu  duplicates %llu  dead-lettered %llu  skipped %llu  dropped "
          "%llu  conserved: %s\n",
          (unsigned long long)t->stored, (unsigned long long)t->duplicates,
          (unsigned long long)t->dead_lettered, (unsigned long long)t->skipped,
          (unsigned long long)t->dropped, r->conserved ? "yes" : "NO");
  fprintf(o, "  alerts    critical %llu  high %llu  medium %llu\n",
          (unsigned long long)st->sum[S_ALERT_CRIT], (unsigned long long)st->sum[S_ALERT_HIGH],
          (unsigned long long)st->sum[S_ALERT_MED]);
  if (t->stored > 0)
    fprintf(o, "  scores    mean %.1f  min %lld  max %lld\n",
            (double)st->sum[S_SCORE_SUM] / (double)t->stored, (long long)st->min,
            (long long)st->max);
  fprintf(o, "  parallel  efficiency %.2f  load balance %.2f  slowest rank %d (busy %.3f s)\n",
          r->eff, r->bal, r->slowest, r->slowest_busy);
}

int arcos_report_verdict(const arcos_report_t *r, FILE *err) {
  if (!r->conserved) {
    fprintf(err,
            "arcos-scale: conservation violated: input %llu != stored + duplicates + "
            "dead_lettered + skipped + dropped; this is a bug, please report it\n",
            (unsigned long long)r->totals.input);
    return ARCOS_EXIT_FAILED;
  }
  if (r->max_error_rate >= 0 && r->error_rate > r->max_error_rate) {
    fprintf(err,
            "arcos-scale: error rate %.4f exceeds --max-error-rate %.4f (outputs "
            "written; see dlq.jsonl)\n",
            r->error_rate, r->max_error_rate);
    return ARCOS_EXIT_ERROR_RATE;
  }
  return ARCOS_EXIT_OK;
}

void arcos_report_destroy(arcos_report_t **pr) {
  if (pr == NULL || *pr == NULL)
    return;
  json_decref((*pr)->doc);
  free(*pr);
  *pr = NULL;
}
