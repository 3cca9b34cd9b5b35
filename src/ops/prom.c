/* metrics.prom (include/arcos/prom.h): Prometheus text exposition of the finished
 * report. Cumulative amounts of the job are counters (_total), levels and ratios are
 * gauges; the batch latency is a summary and the score distribution a histogram, so
 * that PromQL's histogram_quantile and the usual dashboards apply. */
#include "arcos/prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arcos/error.h"
#include "ops/ops_internal.h"

typedef struct {
  arcos_buf_t *b;
  int rc;
} prom_t;

static void out(prom_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(prom_t *p, const char *fmt, ...) {
  if (p->rc != ARCOS_OK)
    return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof line || arcos_buf_append(p->b, line, (size_t)n) != ARCOS_OK)
    p->rc = ARCOS_ENOMEM;
}

/* A sample value: integers as integers, the rest with enough digits to round-trip. */
static void fmt_value(double v, char *s, size_t n) {
  if (isnan(v))
    snprintf(s, n, "NaN");
  else if (isinf(v))
    snprintf(s, n, v > 0 ? "+Inf" : "-Inf");
  else if (v == floor(v) && fabs(v) < 9e15)
    snprintf(s, n, "%.0f", v);
  else
    snprintf(s, n, "%.9g", v);
}

/* A label value with \, " and newline escaped (exposition format rules). */
static void escape_label(const char *in, char *o, size_t n) {
  size_t k = 0;
  for (; *in && k + 3 < n; in++) {
    if (*in == '\\' || *in == '"') {
      o[k++] = '\\';
      o[k++] = *in;
    } else if (*in == '\n') {
      o[k++] = '\\';
      o[k++] = 'n';
    } else {
      o[k++] = *in;
    }
  }
  o[k] = '\0';
}

static void family(prom_t *p, const char *name, const char *type, const char *help) {
  out(p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample; labels is "" or `a="x",b="y"` (already escaped). */
static void sample(prom_t *p, const char *name, const char *labels, double v) {
  char val[64];
  fmt_value(v, val, sizeof val);
  if (labels[0])
    out(p, "%s{%s} %s\n", name, labels, val);
  else
    out(p, "%s %s\n", name, val);
}

/* A one-sample family from a report number; left out when the key is absent. */
static void scalar(prom_t *p, const json_t *rep, const char *path, double scale, const char *name,
                   const char *type, const char *help) {
  double v = arcos_ops_num(rep, path, NAN);
  if (isnan(v))
    return;
  family(p, name, type, help);
  sample(p, name, "", v * scale);
}

/* A family with one label over the members of a report object. */
static void by_label(prom_t *p, const json_t *rep, const char *path, const char *const *keys,
                     const char *label, const char *name, const char *type, const char *help) {
  const json_t *o = arcos_ops_at(rep, path);
  if (!json_is_object(o))
    return;
  family(p, name, type, help);
  for (const char *const *k = keys; *k; k++) {
    char l[128];
    snprintf(l, sizeof l, "%s=\"%s\"", label, *k);
    sample(p, name, l, arcos_ops_num(o, *k, 0.0));
  }
}

/* The batch latency summary and the score histogram. */
static void distribution_metrics(prom_t *p, const json_t *rep) {
  char l[64];
  /* Batch latency summary: quantiles in seconds, with _sum and _count. */
  const json_t *lat = arcos_ops_at(rep, "processing_metrics.latency_ms");
  if (json_is_object(lat)) {
    family(p, "arcos_batch_latency_seconds", "summary",
           "Processing time of one batch (quantile 1 is the maximum)");
    static const char *const qk[] = {"p50", "p95", "p99", "max"};
    static const char *const qv[] = {"0.5", "0.95", "0.99", "1"};
    for (int i = 0; i < 4; i++) {
      snprintf(l, sizeof l, "quantile=\"%s\"", qv[i]);
      sample(p, "arcos_batch_latency_seconds", l, arcos_ops_num(lat, qk[i], 0) / 1000.0);
    }
    /* per_record_mean is Σ batch ms / input records */
    sample(p, "arcos_batch_latency_seconds_sum", "",
           arcos_ops_num(lat, "per_record_mean", 0) * arcos_ops_num(rep, "records.input", 0) /
               1000.0);
    sample(p, "arcos_batch_latency_seconds_count", "", arcos_ops_num(lat, "batches", 0));
  }

  /* Score histogram: bucket k of the report holds integer scores 10k..10k+9 (the last
   * one 90..100), so le = 10k+9 is exact. */
  const json_t *hist = arcos_ops_at(rep, "scores.histogram");
  if (json_is_array(hist) && json_array_size(hist) == 10) {
    family(p, "arcos_score", "histogram", "Quality scores (0-100) of stored records");
    double cum = 0;
    for (size_t k = 0; k < 10; k++) {
      cum += json_number_value(json_array_get(hist, k));
      snprintf(l, sizeof l, "le=\"%zu\"", k == 9 ? (size_t)100 : 10 * k + 9);
      sample(p, "arcos_score_bucket", l, cum);
    }
    sample(p, "arcos_score_bucket", "le=\"+Inf\"", cum);
    sample(p, "arcos_score_sum", "", arcos_ops_num(rep, "scores.mean", 0) * cum);
    sample(p, "arcos_score_count", "", cum);
  }
}

/* Per query: its time and result count; the advisor's recommendations by category. */
static void query_metrics(prom_t *p, const json_t *rep) {
  char l[256], esc[160];
  const json_t *qs = arcos_ops_at(rep, "queries");
  if (json_is_array(qs) && json_array_size(qs) > 0) {
    family(p, "arcos_query_duration_seconds", "gauge", "Time of each graph query");
    size_t i;
    const json_t *q;
    json_array_foreach(qs, i, q) {
      escape_label(arcos_ops_str(q, "id", "?"), esc, sizeof esc);
      snprintf(l, sizeof l, "query=\"%s\"", esc);
      sample(p, "arcos_query_duration_seconds", l,
             arcos_ops_num(q, "performance_metrics.query_time", 0));
    }
    family(p, "arcos_query_results", "gauge", "Result count of each graph query (before limit)");
    json_array_foreach(qs, i, q) {
      escape_label(arcos_ops_str(q, "id", "?"), esc, sizeof esc);
      snprintf(l, sizeof l, "query=\"%s\"", esc);
      sample(p, "arcos_query_results", l, arcos_ops_num(q, "count", 0));
    }
  }

  family(p, "arcos_recommendations", "gauge", "Recommendations made by the advisor, by category");
  snprintf(l, sizeof l, "category=\"scalability\"");
  sample(p, "arcos_recommendations", l,
         (double)json_array_size(arcos_ops_at(rep, "scalability_recommendations")));
  snprintf(l, sizeof l, "category=\"optimization\"");
  sample(p, "arcos_recommendations", l,
         (double)json_array_size(arcos_ops_at(rep, "optimization_recommendations")));
}

static void job_metrics(prom_t *p, const json_t *rep) {
  char l[256], esc[160];
  escape_label(arcos_ops_str(rep, "version", "unknown"), esc, sizeof esc);
  family(p, "arcos_info", "gauge", "arcos-scale version that wrote this file (always 1)");
  snprintf(l, sizeof l, "version=\"%s\"", esc);
  sample(p, "arcos_info", l, 1);

  scalar(p, rep, "records.input", 1, "arcos_records_input_total", "counter",
         "Evidence records read from the inputs");
  static const char *const outcomes[] = {"stored",  "duplicates", "dead_lettered",
                                         "skipped", "dropped",    NULL};
  by_label(p, rep, "records", outcomes, "outcome", "arcos_records_total", "counter",
           "Evidence records by outcome (input = sum over outcomes)");
  const json_t *cons = arcos_ops_at(rep, "records.conserved");
  if (json_is_boolean(cons)) {
    family(p, "arcos_records_conserved", "gauge",
           "1 when input = stored + duplicates + dead_lettered + skipped + dropped");
    sample(p, "arcos_records_conserved", "", json_is_true(cons) ? 1 : 0);
  }
  static const char *const severities[] = {"critical", "high", "medium", NULL};
  by_label(p, rep, "alerts", severities, "severity", "arcos_alerts_total", "counter",
           "Alerts raised, by severity (a record may raise several)");
  const json_t *bk = arcos_ops_at(rep, "errors.by_kind");
  if (json_is_object(bk)) {
    family(p, "arcos_errors_total", "counter", "Failed records by error kind");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)bk, k, v) {
      escape_label(k, esc, sizeof esc);
      snprintf(l, sizeof l, "kind=\"%s\"", esc);
      sample(p, "arcos_errors_total", l, json_is_number(v) ? json_number_value(v) : 0);
    }
  }
  scalar(p, rep, "errors.retries.retries", 1, "arcos_retries_total", "counter",
         "Extra attempts made for transient failures");
  scalar(p, rep, "errors.retries.recovered", 1, "arcos_retries_recovered_total", "counter",
         "Records that failed transiently, then passed");
  scalar(p, rep, "errors.retries.gave_up", 1, "arcos_retries_gave_up_total", "counter",
         "Transient failures still failing after --max-retries");
  scalar(p, rep, "processing_metrics.error_rate", 0.01, "arcos_error_rate_ratio", "gauge",
         "(dead_lettered + skipped) / input");
  scalar(p, rep, "processing_metrics.total_processing_time", 1, "arcos_duration_seconds", "gauge",
         "Wall time of the run");
  scalar(p, rep, "processing_metrics.throughput", 1, "arcos_throughput_records_per_second", "gauge",
         "Input records per second of wall time");
  scalar(p, rep, "processing_metrics.parallel_efficiency", 1, "arcos_parallel_efficiency_ratio",
         "gauge", "Sum of busy time / (ranks x wall time)");
  scalar(p, rep, "processing_metrics.compute_efficiency", 1, "arcos_compute_efficiency_ratio",
         "gauge", "Sum of busy time / (ranks x wall time - sum of reading time)");
  scalar(p, rep, "processing_metrics.io_share", 1, "arcos_io_share_ratio", "gauge",
         "Sum of reading time / (ranks x wall time)");
  scalar(p, rep, "processing_metrics.load_balance", 1, "arcos_load_balance_ratio", "gauge",
         "Mean busy time / largest busy time over ranks (1 = even)");
  scalar(p, rep, "processing_metrics.resource_utilization.cpu_percent", 0.01,
         "arcos_cpu_utilization_ratio", "gauge", "CPU time / (ranks x wall time)");
  scalar(p, rep, "processing_metrics.resource_utilization.max_rss_mb", 1048576.0,
         "arcos_max_rss_bytes", "gauge", "Largest peak resident set size of any rank");
  scalar(p, rep, "processing_metrics.resource_utilization.ranks", 1, "arcos_ranks", "gauge",
         "MPI ranks of the run");
  scalar(p, rep, "processing_metrics.resource_utilization.workers", 1, "arcos_workers", "gauge",
         "Ranks that took partitions");
  scalar(p, rep, "processing_metrics.resource_utilization.partitions", 1, "arcos_partitions",
         "gauge", "Input partitions planned");
  scalar(p, rep, "processing_metrics.resource_utilization.input_bytes", 1,
         "arcos_input_bytes_total", "counter", "Bytes of input planned");

  distribution_metrics(p, rep);
  scalar(p, rep, "stream.batch_size.final", 1, "arcos_batch_size_records", "gauge",
         "Batch size at the end of the run (adaptive batching)");
  scalar(p, rep, "stream.dropped", 1, "arcos_stream_dropped_records_total", "counter",
         "Records dropped under --backpressure drop");
  scalar(p, rep, "cache.hits", 1, "arcos_cache_hits_total", "counter",
         "Distributed cache lookups that hit");
  scalar(p, rep, "cache.misses", 1, "arcos_cache_misses_total", "counter",
         "Distributed cache lookups that missed");
  scalar(p, rep, "cache.hit_ratio", 1, "arcos_cache_hit_ratio", "gauge",
         "hits / (hits + misses) of the distributed cache");
  scalar(p, rep, "cache.rerouted", 1, "arcos_cache_rerouted_total", "counter",
         "Cache operations routed around a node out of service");
  scalar(p, rep, "cache.memo.lookups", 1, "arcos_cache_memo_lookups_total", "counter",
         "Records that looked their data and checksum text up in the checksum memo");
  scalar(p, rep, "cache.memo.hits", 1, "arcos_cache_memo_hits_total", "counter",
         "Records whose data was neither parsed nor verified: the checksum memo knew it");
  scalar(p, rep, "cache.memo.hit_ratio", 1, "arcos_cache_memo_hit_ratio", "gauge",
         "hits / lookups of the checksum memo");
  scalar(p, rep, "cache.memo.bytes_skipped", 1, "arcos_cache_memo_skipped_bytes_total", "counter",
         "Bytes of data texts that checksum memo hits did not parse or hash");
  scalar(p, rep, "cache.memo.stores", 1, "arcos_cache_memo_stores_total", "counter",
         "Verdicts written to the checksum memo");
  scalar(p, rep, "cache.memo.refused", 1, "arcos_cache_memo_refused_total", "counter",
         "Checksum memo writes refused by a full cache (memory bound)");
  scalar(p, rep, "cache.memo.rounds", 1, "arcos_cache_memo_rounds_total", "counter",
         "Collective checksum memo rounds");
  scalar(p, rep, "graph.nodes", 1, "arcos_graph_nodes", "gauge", "Nodes of the evidence graph");
  scalar(p, rep, "graph.edges", 1, "arcos_graph_edges", "gauge",
         "Relationships of the evidence graph");

  query_metrics(p, rep);
}

static void rank_metrics(prom_t *p, const json_t *rep) {
  const json_t *ranks = arcos_ops_at(rep, "ranks");
  if (!json_is_array(ranks) || json_array_size(ranks) == 0)
    return;
  static const struct {
    const char *key, *name, *type, *help;
    double scale;
  } fields[] = {
      {"busy_s", "arcos_rank_busy_seconds_total", "counter",
       "Time a rank spent in the stages (parse, score, store)", 1},
      {"io_s", "arcos_rank_io_seconds_total", "counter", "Time a rank spent reading input", 1},
      {"comm_s", "arcos_rank_comm_seconds_total", "counter", "Time a rank spent in MPI exchanges",
       1},
      {"idle_s", "arcos_rank_idle_seconds_total", "counter",
       "Time a rank waited for others (imbalance)", 1},
      {"cpu_s", "arcos_rank_cpu_seconds_total", "counter", "CPU time (user + system) of a rank", 1},
      {"wall_s", "arcos_rank_wall_seconds", "gauge", "Wall time of a rank", 1},
      {"rss_mb", "arcos_rank_max_rss_bytes", "gauge", "Peak resident set size of a rank",
       1048576.0},
      {"items", "arcos_rank_records_total", "counter", "Records read by a rank", 1},
      {"partitions", "arcos_rank_partitions", "gauge", "Partitions a rank processed", 1},
  };
  for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
    family(p, fields[f].name, fields[f].type, fields[f].help);
    size_t i;
    const json_t *r;
    json_array_foreach(ranks, i, r) {
      char l[256], host[160];
      escape_label(arcos_ops_str(r, "host", ""), host, sizeof host);
      snprintf(l, sizeof l, "rank=\"%.0f\",host=\"%s\"", arcos_ops_num(r, "rank", (double)i), host);
      sample(p, fields[f].name, l, arcos_ops_num(r, fields[f].key, 0) * fields[f].scale);
    }
  }
}

int arcos_prom_render(const json_t *report, arcos_buf_t *b) {
  prom_t p = {b, ARCOS_OK};
  job_metrics(&p, report);
  rank_metrics(&p, report);
  return p.rc;
}

int arcos_prom_write(const json_t *report, const char *path) {
  arcos_buf_t b = {0};
  int rc = arcos_prom_render(report, &b);
  if (rc == ARCOS_OK)
    rc = arcos_ops_write_atomic(path, &b);
  arcos_buf_free(&b);
  return rc;
}
