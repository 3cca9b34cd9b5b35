/* Recommendations from measured metrics (include/arcos/advisor.h). Each rule reads
 * report keys, fires strictly beyond its threshold, and says what it saw and which
 * flag to change. The seed's rules keep their thresholds (efficiency 0.7, error rate
 * 5 %, 60 s, graph size and density, slow queries). */
#include "arcos/advisor.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arcos/error.h"
#include "ops/ops_internal.h"

const char *const arcos_advisor_rules[] = {"low_efficiency", "load_imbalance",
                                           "slow_host",      "long_run",
                                           "idle_ranks",     "memory_pressure",
                                           "error_rate",     "io_bound",
                                           "low_memo_hit",   "small_batches",
                                           "large_graph",    "slow_query",
                                           "dense_graph",    NULL};

static const json_t *at(const json_t *root, const char *path) { return arcos_ops_at(root, path); }

/* A number at path; false when absent, not a number or not finite. */
static bool num(const json_t *root, const char *path, double *out) {
  *out = arcos_ops_num(root, path, NAN);
  return !isnan(*out);
}

static double num_or(const json_t *root, const char *path, double dflt) {
  return arcos_ops_num(root, path, dflt);
}

typedef struct {
  json_t *scal, *opt, *advice;
  bool oom;
} adv_t;

static void add(adv_t *a, bool scalability, const char *rule, const char *flag, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static void add(adv_t *a, bool scalability, const char *rule, const char *flag, const char *fmt,
                ...) {
  char text[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  json_t *o = json_object();
  if (o == NULL || json_array_append_new(scalability ? a->scal : a->opt, json_string(text)) != 0 ||
      json_object_set_new(o, "rule", json_string(rule)) != 0 ||
      json_object_set_new(o, "category",
                          json_string(scalability ? "scalability" : "optimization")) != 0 ||
      json_object_set_new(o, "flag", json_string(flag)) != 0 ||
      json_object_set_new(o, "text", json_string(text)) != 0 ||
      json_array_append_new(a->advice, o) != 0)
    a->oom = true;
}

/* Σ of a per-rank field over report.ranks, and the rank with the largest value. */
static double rank_sum(const json_t *ranks, const char *field, int *argmax, double *max) {
  double s = 0;
  size_t i;
  const json_t *r;
  if (max != NULL)
    *max = -1;
  json_array_foreach(ranks, i, r) {
    double v = num_or(r, field, 0.0);
    s += v;
    if (max != NULL && v > *max) {
      *max = v;
      *argmax = (int)num_or(r, "rank", (double)i);
    }
  }
  return s;
}

bool arcos_efficiency_of(const json_t *report, arcos_efficiency_t *out) {
  memset(out, 0, sizeof *out);
  const json_t *ranks = at(report, "ranks");
  double wall = num_or(report, "processing_metrics.total_processing_time", 0);
  size_t n = json_is_array(ranks) ? json_array_size(ranks) : 0;
  if (n == 0 || !(wall > 0))
    return false;
  double total = (double)n * wall;
  double busy = rank_sum(ranks, "busy_s", NULL, NULL);
  double io = rank_sum(ranks, "io_s", NULL, NULL);
  out->io_share = io / total;
  out->comm_share = rank_sum(ranks, "comm_s", NULL, NULL) / total;
  out->idle_share = rank_sum(ranks, "idle_s", NULL, NULL) / total;
  /* Reading can only exceed the rank time through clock noise; then nothing is left
   * to judge the computing by, and the ranks count as computing perfectly. */
  out->compute_efficiency = total - io > 0 ? fmin(1.0, busy / (total - io)) : 1.0;
  return true;
}

int arcos_efficiency_annotate(json_t *report) {
  arcos_efficiency_t e;
  json_t *pm = json_object_get(report, "processing_metrics");
  if (!json_is_object(pm) || !arcos_efficiency_of(report, &e))
    return ARCOS_OK;
  const char *const keys[] = {"compute_efficiency", "io_share", "comm_share", "idle_share"};
  const double vals[] = {e.compute_efficiency, e.io_share, e.comm_share, e.idle_share};
  for (size_t i = 0; i < 4; i++)
    if (json_object_set_new(pm, keys[i], json_real(vals[i])) != 0)
      return ARCOS_ENOMEM;
  return ARCOS_OK;
}

/* The share of the rank time spent reading: processing_metrics.io_share when the report
 * has it, else Σ io_s over the sum of the four phases (reports made before io_share). */
static double io_share(const json_t *rep) {
  double s = num_or(rep, "processing_metrics.io_share", -1);
  if (s >= 0)
    return s;
  const json_t *ranks = at(rep, "ranks");
  double io = rank_sum(ranks, "io_s", NULL, NULL);
  double total = io + rank_sum(ranks, "busy_s", NULL, NULL) +
                 rank_sum(ranks, "comm_s", NULL, NULL) + rank_sum(ranks, "idle_s", NULL, NULL);
  return total > 0 ? io / total : 0.0;
}

/* Ranks busy for unequal times: cut the input finer so that they can even out. */
static void rule_load_imbalance(adv_t *a, const json_t *rep, const json_t *ranks, double nranks,
                                double bal) {
  double ppr = num_or(rep, "config.partitions_per_rank", 4);
  double pbytes = num_or(rep, "config.partition_bytes", 0);
  double input_bytes = num_or(rep, "processing_metrics.resource_utilization.input_bytes", 0);
  double workers = num_or(rep, "processing_metrics.resource_utilization.workers", nranks);
  int slow = 0;
  double busy_max = 0;
  double busy_sum = rank_sum(ranks, "busy_s", &slow, &busy_max);
  double mean = json_array_size(ranks) ? busy_sum / (double)json_array_size(ranks) : 0.0;
  char smaller[64];
  if (pbytes > 0)
    snprintf(smaller, sizeof smaller, "--partition-bytes %.0f", fmax(4096.0, floor(pbytes / 4)));
  else if (input_bytes > 0 && workers > 0)
    snprintf(smaller, sizeof smaller, "--partition-bytes %.0f",
             fmax(4096.0, floor(input_bytes / (workers * ppr * 4))));
  else
    snprintf(smaller, sizeof smaller, "a smaller --partition-bytes");
  add(a, true, "load_imbalance", "--partitions-per-rank",
      "load balance is %.2f (< %.2f): rank %d was busy %.3f s against a mean of %.3f s; cut "
      "the input finer so ranks can even out: --partitions-per-rank %.0f (now %.0f) or %s, "
      "or split large input files",
      bal, ARCOS_ADV_BALANCE_MIN, slow, busy_max, mean, fmin(4096.0, ppr * 4), ppr, smaller);
}

/* True when every rank of host h spent more busy time per record than the other
 * hosts' ranks did on average (other_rate): the host is slow, not one of its ranks. */
static bool host_ranks_slower(const json_t *ranks, const char *h, double other_rate) {
  size_t i;
  const json_t *r;
  json_array_foreach(ranks, i, r) {
    if (strcmp(arcos_ops_str(r, "host", ""), h) != 0)
      continue;
    double items = num_or(r, "items", 0);
    if (!(items > 0) || !(num_or(r, "busy_s", 0) / items > other_rate))
      return false;
  }
  return true;
}

/* One host whose ranks all took markedly longer per record than the others' (another
 * job on it, a slower CPU or clock, swapping): the run waits on it whatever the
 * partitioning. Busy seconds per record, so that a host that got fewer records because
 * it was slow still shows; counts from report.ranks[], so the same report always gives
 * the same answer. */
static void rule_slow_host(adv_t *a, const json_t *ranks) {
  arcos_ops_host_t hosts[ARCOS_ADV_MAX_HOSTS];
  size_t n = arcos_ops_hosts(ranks, hosts, ARCOS_ADV_MAX_HOSTS);
  if (n < 2 || n == ARCOS_ADV_MAX_HOSTS)
    return;
  double items = 0, busy = 0, worst = -1;
  size_t slow = 0;
  for (size_t h = 0; h < n; h++) {
    if (!(hosts[h].items > 0) || !(hosts[h].busy_s > 0))
      return;
    items += hosts[h].items;
    busy += hosts[h].busy_s;
    if (hosts[h].busy_s / hosts[h].items > worst) {
      worst = hosts[h].busy_s / hosts[h].items;
      slow = h;
    }
  }
  const arcos_ops_host_t *s = &hosts[slow];
  double others = (busy - s->busy_s) / (items - s->items);
  if (!(worst > ARCOS_ADV_HOST_SLOW_RATIO * others) || !host_ranks_slower(ranks, s->name, others))
    return;
  add(a, true, "slow_host", "SLURM --exclude / the hostfile",
      "host %s is slower than the others: its %d rank(s) were busy %.3f ms per record against "
      "%.3f ms on the other %zu host(s) (%.1fx, > %.1fx); the run waits on it whatever the "
      "partitioning: look at that host (other jobs, CPU clock, swapping) or leave it out "
      "(sbatch --exclude=%s, or drop it from the mpirun hostfile)",
      s->name, s->ranks, worst * 1e3, others * 1e3, n - 1, worst / others,
      ARCOS_ADV_HOST_SLOW_RATIO, s->name);
}

/* The ranks of the run (the report's count, else its rank rows, else 1). */
static double rank_count(const json_t *rep) {
  const json_t *ranks = at(rep, "ranks");
  return num_or(rep, "processing_metrics.resource_utilization.ranks",
                json_is_array(ranks) ? (double)json_array_size(ranks) : 1.0);
}

static void rule_low_efficiency(adv_t *a, const json_t *rep, double nranks) {
  double eff = 1, bal = 1;
  bool have_bal = num(rep, "processing_metrics.load_balance", &bal);
  if (nranks <= 1 || !num(rep, "processing_metrics.parallel_efficiency", &eff) ||
      eff >= ARCOS_ADV_EFFICIENCY_MIN)
    return;
  if (have_bal && bal < ARCOS_ADV_BALANCE_MIN)
    add(a, true, "low_efficiency", "--partitions-per-rank",
        "parallel efficiency is %.2f (< %.2f) on %.0f ranks: %.0f%% of the rank time was spent "
        "outside the stages, mostly waiting on the slowest rank (load balance %.2f); see the "
        "load-imbalance advice",
        eff, ARCOS_ADV_EFFICIENCY_MIN, nranks, (1.0 - eff) * 100.0, bal);
  else
    add(a, true, "low_efficiency", "mpirun -np / ARCOS_MAX_WORKERS",
        "parallel efficiency is %.2f (< %.2f) on %.0f ranks: %.0f%% of the rank time was spent "
        "outside the stages with the work evenly spread; give each rank more data: fewer "
        "ranks (mpirun -np %.0f or ARCOS_MAX_WORKERS=%.0f) or more input per run",
        eff, ARCOS_ADV_EFFICIENCY_MIN, nranks, (1.0 - eff) * 100.0, fmax(1.0, floor(nranks * eff)),
        fmax(1.0, floor(nranks * eff)));
}

static void rule_long_run(adv_t *a, const json_t *rep, double nranks) {
  double wall = 0;
  if (!num(rep, "processing_metrics.total_processing_time", &wall) || wall <= ARCOS_ADV_WALL_MAX_S)
    return;
  double tp = num_or(rep, "processing_metrics.throughput", 0);
  add(a, true, "long_run", "mpirun -np / ARCOS_MAX_WORKERS",
      "the run took %.0f s (> %.0f s) at %.0f records/s on %.0f rank(s): add ranks (mpirun -np "
      "%.0f, more SLURM tasks, ARCOS_MAX_WORKERS) or split the inputs into groups for "
      "jobs/slurm-bulk.sh",
      wall, ARCOS_ADV_WALL_MAX_S, tp, nranks, nranks * 2);
}

static void rule_idle_ranks(adv_t *a, const json_t *rep, double nranks) {
  double ppr = num_or(rep, "config.partitions_per_rank", 4);
  double pbytes = num_or(rep, "config.partition_bytes", 0);
  double parts = num_or(rep, "processing_metrics.resource_utilization.partitions", -1);
  double workers = num_or(rep, "processing_metrics.resource_utilization.workers", nranks);
  if (parts >= 0 && workers > parts)
    add(a, true, "idle_ranks", "--partition-bytes",
        "%.0f working ranks but only %.0f partitions: %.0f rank(s) had nothing to read; lower "
        "--partition-bytes (now %s), raise --partitions-per-rank (now %.0f) or split the "
        "inputs into more files",
        workers, parts, workers - parts, pbytes > 0 ? "set" : "automatic", ppr);
}

static void rule_memory_pressure(adv_t *a, const json_t *rep) {
  double limit = num_or(rep, "config.max_memory_mb", 0);
  const char *limit_src = "--max-memory-mb";
  if (!(limit > 0)) {
    limit = num_or(rep, "processing_metrics.resource_utilization.memory_limit_mb", 0);
    limit_src = "the per-rank memory limit";
  }
  double rss;
  /* --max-memory-mb bounds the data on top of the fixed baseline (MPI, HDF5, libc) */
  double baseline = limit_src[0] == '-'
                        ? num_or(rep, "processing_metrics.resource_utilization.baseline_rss_mb", 0)
                        : 0;
  if (!(limit > 0) || !num(rep, "processing_metrics.resource_utilization.max_rss_mb", &rss) ||
      (rss -= baseline) <= ARCOS_ADV_MEMORY_SHARE_MAX * limit)
    return;
  double batch = num_or(rep, "config.batch_size", 100);
  add(a, true, "memory_pressure", "--max-memory-mb",
      "peak memory is %.0f MB per rank%s, %.0f%% of %s (%.0f MB; > %.0f%%): run on more ranks "
      "so each holds less, lower --batch-size (now %.0f), or raise --max-memory-mb if the "
      "node has the memory",
      rss, baseline > 0 ? " above the baseline" : "", 100.0 * rss / limit, limit_src, limit,
      100.0 * ARCOS_ADV_MEMORY_SHARE_MAX, batch);
}

static void rule_error_rate(adv_t *a, const json_t *rep) {
  double errp;
  if (!num(rep, "processing_metrics.error_rate", &errp) || errp <= ARCOS_ADV_ERROR_RATE_PCT)
    return;
  add(a, false, "error_rate", "--max-error-rate",
      "error rate is %.1f%% (> %.0f%%): %.0f dead-lettered and %.0f skipped of %.0f records; "
      "inspect dlq.jsonl and errors.sample, fix the producer, and set --max-error-rate %.2f to "
      "fail such runs (exit 3)",
      errp, ARCOS_ADV_ERROR_RATE_PCT, num_or(rep, "records.dead_lettered", 0),
      num_or(rep, "records.skipped", 0), num_or(rep, "records.input", 0),
      ARCOS_ADV_ERROR_RATE_PCT / 100.0);
}

static void rule_io_bound(adv_t *a, const json_t *rep) {
  double io = rank_sum(at(rep, "ranks"), "io_s", NULL, NULL), share = io_share(rep);
  arcos_efficiency_t e;
  arcos_efficiency_of(rep, &e);
  if (io >= ARCOS_ADV_IO_MIN_S && share > ARCOS_ADV_IO_SHARE_MAX)
    add(a, false, "io_bound", "arcos-scale convert",
        "the run is I/O-bound: reading took %.1f s, %.0f%% of the rank time (> %.0f%%; "
        "the ranks computed at an efficiency of %.2f the rest of the time), so more ranks "
        "would wait on "
        "the same files; convert the inputs once to an HDF5 archive (arcos-scale convert "
        "INPUT... --out ARCHIVE.h5) and run on that, or put the inputs on a faster file system",
        io, 100.0 * share, 100.0 * ARCOS_ADV_IO_SHARE_MAX, e.compute_efficiency);
}

static void rule_low_memo_hit(adv_t *a, const json_t *rep, double nranks) {
  /* Only the checksum memo's own figures: the cache's overall hits and misses are
   * mostly exactly-once claims, whose "hits" are the duplicates. */
  double hits = num_or(rep, "cache.memo.hits", -1);
  double misses = num_or(rep, "cache.memo.misses", -1);
  if (hits < 0 || misses < 0 || hits + misses < ARCOS_ADV_MEMO_MIN_LOOKUPS ||
      hits / (hits + misses) >= ARCOS_ADV_MEMO_HIT_MIN)
    return;
  double nodes = num_or(rep, "cache.nodes", nranks);
  add(a, false, "low_memo_hit", "--checksum-memo=false",
      "the memo hit ratio is %.2f (< %.2f) over %.0f lookups (%.0f hits): verified checksums "
      "are rarely reused; when entries were refused (%.0f) or expired (%.0f) raise "
      "--cache-nodes (now %.0f) or --max-memory-mb for more capacity, otherwise the inputs "
      "have few repeated payloads and each lookup costs more than the hits save: run with "
      "--checksum-memo=false, or raise --checksum-memo-min-bytes",
      hits / (hits + misses), ARCOS_ADV_MEMO_HIT_MIN, hits + misses, hits,
      num_or(rep, "cache.refused", 0), num_or(rep, "cache.expired", 0), nodes);
}

static void rule_small_batches(adv_t *a, const json_t *rep) {
  double records = num_or(rep, "records.input", 0);
  double batches = num_or(rep, "processing_metrics.latency_ms.batches", 0);
  double p50 = num_or(rep, "processing_metrics.latency_ms.p50", -1);
  if (batches < ARCOS_ADV_BATCH_MIN_BATCHES || records / batches >= ARCOS_ADV_BATCH_MIN_RECORDS ||
      p50 < 0 || p50 >= ARCOS_ADV_BATCH_FAST_MS)
    return;
  double bs = num_or(rep, "config.batch_size", num_or(rep, "stream.batch_size.initial", 100));
  if (records / batches < bs / 2)
    add(a, false, "small_batches", "--partition-bytes",
        "batches are small: %.0f batches for %.0f records (%.1f records per batch, < %d; "
        "median batch %.2f ms) although --batch-size is %.0f: partitions end the batches "
        "early; use fewer, larger partitions (--partitions-per-rank %.0f, or a larger "
        "--partition-bytes)",
        batches, records, records / batches, ARCOS_ADV_BATCH_MIN_RECORDS, p50, bs,
        fmax(1.0, floor(num_or(rep, "config.partitions_per_rank", 4) / 2)));
  else
    add(a, false, "small_batches", "--batch-size",
        "batches are small: %.0f batches for %.0f records (%.1f records per batch, < %d; "
        "median batch %.2f ms), so per-batch overhead dominates; raise --batch-size (now "
        "%.0f) to %.0f, or --batch-min / --target-batch-ms for adaptive batches",
        batches, records, records / batches, ARCOS_ADV_BATCH_MIN_RECORDS, p50, bs,
        fmax(bs * 4, 4.0 * ARCOS_ADV_BATCH_MIN_RECORDS));
}

static void rules_processing(adv_t *a, const json_t *rep) {
  const json_t *ranks = at(rep, "ranks");
  double nranks = rank_count(rep), bal = 1;
  /* Ranks that mostly wait on reading: the busy-time figures (efficiency, balance) then
   * measure the file system, and other rank or partition counts would not help; the
   * io_bound rule says what does. */
  if (io_share(rep) <= ARCOS_ADV_IO_SHARE_MAX) {
    rule_low_efficiency(a, rep, nranks);
    if (nranks > 1 && num(rep, "processing_metrics.load_balance", &bal) &&
        bal < ARCOS_ADV_BALANCE_MIN)
      rule_load_imbalance(a, rep, ranks, nranks, bal);
    rule_slow_host(a, ranks);
    rule_long_run(a, rep, nranks);
  }
  rule_idle_ranks(a, rep, nranks);
  rule_memory_pressure(a, rep);
  rule_error_rate(a, rep);
  rule_io_bound(a, rep);
  rule_low_memo_hit(a, rep, nranks);
  rule_small_batches(a, rep);
}

static void rules_graph(adv_t *a, const json_t *rep) {
  double nodes, edges = -1;
  bool have_nodes = num(rep, "graph.nodes", &nodes);
  num(rep, "graph.edges", &edges);
  if (have_nodes && nodes > ARCOS_ADV_GRAPH_NODES_MAX)
    add(a, true, "large_graph", "mpirun -np",
        "the evidence graph has %.0f nodes (> %d): partition it over more ranks (mpirun -np N; "
        "each rank holds about nodes/N) and convert it once to HDF5 (arcos-scale convert) so "
        "loading is parallel",
        nodes, ARCOS_ADV_GRAPH_NODES_MAX);
  const json_t *qs = at(rep, "queries");
  size_t i;
  const json_t *q;
  json_array_foreach(qs, i, q) {
    double t;
    if (!num(q, "performance_metrics.query_time", &t) || t <= ARCOS_ADV_SLOW_QUERY_S)
      continue;
    const json_t *id = json_object_get(q, "id");
    const json_t *strat = json_object_get(q, "strategy");
    const char *sname = json_is_string(strat) ? json_string_value(strat) : "auto";
    bool indexed = strcmp(sname, "index_scan") == 0;
    add(a, false, "slow_query", indexed ? "\"label\" / \"relationship\"" : "\"strategy\"",
        "query %s took %.3f s (> %.1f s) with strategy %s, visiting %.0f nodes and %.0f edges: "
        "add a label or relationship filter so the label and adjacency indexes apply%s",
        json_is_string(id) ? json_string_value(id) : "?", t, ARCOS_ADV_SLOW_QUERY_S, sname,
        num_or(q, "performance_metrics.nodes_visited", 0),
        num_or(q, "performance_metrics.edges_traversed", 0),
        indexed ? "" : ", and set \"strategy\": \"index_scan\" in the query");
  }
  if (have_nodes && nodes > 0 && edges > ARCOS_ADV_GRAPH_DENSITY_MAX * nodes)
    add(a, false, "dense_graph", "\"max_depth\" / \"relationship\"",
        "the graph is dense: %.0f edges for %.0f nodes (%.1f per node, > %.0f): traversals "
        "reach most of it within a few hops; filter by \"relationship\" type and keep "
        "\"max_depth\" small, and prefer \"strategy\": \"full_scan\" for wide queries",
        edges, nodes, edges / nodes, ARCOS_ADV_GRAPH_DENSITY_MAX);
}

json_t *arcos_advise(const json_t *report) {
  adv_t a = {json_array(), json_array(), json_array(), false};
  json_t *out = json_object();
  if (a.scal != NULL && a.opt != NULL && a.advice != NULL && out != NULL) {
    rules_processing(&a, report);
    rules_graph(&a, report);
  }
  /* json_object_set_new takes the reference even when it fails. */
  bool ok = !a.oom && a.scal != NULL && a.opt != NULL && a.advice != NULL && out != NULL;
  if (ok) {
    ok = json_object_set_new(out, "scalability_recommendations", a.scal) == 0;
    ok = json_object_set_new(out, "optimization_recommendations", a.opt) == 0 && ok;
    ok = json_object_set_new(out, "advice", a.advice) == 0 && ok;
    if (ok)
      return out;
    json_decref(out);
    return NULL;
  }
  json_decref(a.scal);
  json_decref(a.opt);
  json_decref(a.advice);
  json_decref(out);
  return NULL;
}
