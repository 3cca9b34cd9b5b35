/* The advisor: every rule fires on a crafted report and stays quiet on a healthy one
 * (and on a report without the keys it needs). */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/advisor.h"
#include "check.h"

/* A healthy 4-rank run on 2 hosts: nothing to advise. */
static const char *const healthy =
    "{\"records\": {\"input\": 10000, \"dead_lettered\": 50, \"skipped\": 0},"
    " \"processing_metrics\": {\"total_processing_time\": 10.0, \"parallel_efficiency\": 0.9,"
    "   \"load_balance\": 0.95, \"throughput\": 1000.0, \"error_rate\": 0.5,"
    "   \"latency_ms\": {\"p50\": 20.0, \"batches\": 100},"
    "   \"resource_utilization\": {\"ranks\": 4, \"workers\": 4, \"partitions\": 16,"
    "     \"input_bytes\": 4000000, \"max_rss_mb\": 100.0, \"memory_limit_mb\": 1000.0}},"
    " \"ranks\": ["
    "   {\"rank\": 0, \"host\": \"n1\", \"items\": 2500, \"busy_s\": 2.0, \"io_s\": 0.2, "
    "\"comm_s\": 0.1, \"idle_s\": 0.1},"
    "   {\"rank\": 1, \"host\": \"n1\", \"items\": 2500, \"busy_s\": 2.1, \"io_s\": 0.2, "
    "\"comm_s\": 0.1, \"idle_s\": 0.1},"
    "   {\"rank\": 2, \"host\": \"n2\", \"items\": 2500, \"busy_s\": 1.9, \"io_s\": 0.2, "
    "\"comm_s\": 0.1, \"idle_s\": 0.1},"
    "   {\"rank\": 3, \"host\": \"n2\", \"items\": 2500, \"busy_s\": 2.0, \"io_s\": 0.2, "
    "\"comm_s\": 0.1, \"idle_s\": 0.1}],"
    " \"cache\": {\"nodes\": 4, \"hits\": 5, \"misses\": 9995, \"refused\": 0, \"expired\": 0,"
    "   \"memo\": {\"hits\": 900, \"misses\": 100}},"
    " \"graph\": {\"nodes\": 500, \"edges\": 800},"
    " \"queries\": [{\"id\": \"q1\", \"strategy\": \"index_scan\","
    "   \"performance_metrics\": {\"query_time\": 0.01, \"nodes_visited\": 10, "
    "\"edges_traversed\": 9}}],"
    " \"config\": {\"partitions_per_rank\": 4, \"partition_bytes\": 0, \"batch_size\": 100}}";

static json_t *base(void) {
  json_error_t e;
  json_t *r = json_loads(healthy, 0, &e);
  if (r == NULL) {
    fprintf(stderr, "bad fixture: %s at %d\n", e.text, e.line);
    exit(1);
  }
  return r;
}

/* Set a number at a dotted path of existing objects. */
static void set(json_t *root, const char *path, double v) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  json_t *o = root;
  char *save = NULL;
  char *key = strtok_r(buf, ".", &save);
  for (char *next = strtok_r(NULL, ".", &save); next != NULL; next = strtok_r(NULL, ".", &save)) {
    o = json_object_get(o, key);
    key = next;
  }
  json_object_set_new(o, key, json_real(v));
}

/* Rule names the advisor produced for r, comma-separated. */
static void fired(const json_t *r, char *out, size_t n, const char **text) {
  json_t *adv = arcos_advise(r);
  out[0] = '\0';
  *text = NULL;
  if (adv == NULL)
    return;
  json_t *list = json_object_get(adv, "advice");
  size_t i;
  json_t *a;
  static char first[1024];
  json_array_foreach(list, i, a) {
    if (i > 0)
      strncat(out, ",", n - strlen(out) - 1);
    strncat(out, json_string_value(json_object_get(a, "rule")), n - strlen(out) - 1);
    if (i == 0) {
      snprintf(first, sizeof first, "%s", json_string_value(json_object_get(a, "text")));
      *text = first;
    }
  }
  /* the two string arrays hold the same advice */
  CHECK_INT_EQ(json_array_size(json_object_get(adv, "scalability_recommendations")) +
                   json_array_size(json_object_get(adv, "optimization_recommendations")),
               json_array_size(list));
  json_decref(adv);
}

typedef struct {
  const char *rule;
  const char *path[3];
  double value[3];
  const char *quotes[3]; /* substrings the text must contain: numbers and the flag */
  bool scalability;
} case_t;

static const case_t cases[] = {
    {"low_efficiency",
     {"processing_metrics.parallel_efficiency"},
     {0.5},
     {"0.50", "< 0.70", "-np"},
     true},
    {"load_imbalance",
     {"processing_metrics.load_balance"},
     {0.5},
     {"0.50", "rank 1", "--partitions-per-rank 16"},
     true},
    /* host n2's two ranks busy 4 s each for 2500 records: 1.600 ms per record against
       n1's (2.0 + 2.1) s / 5000 = 0.820 ms */
    {"slow_host",
     {"ranks.2.busy_s", "ranks.3.busy_s"},
     {4.0, 4.0},
     {"host n2", "1.600 ms per record against 0.820 ms", "--exclude=n2"},
     true},
    {"long_run",
     {"processing_metrics.total_processing_time"},
     {125.0},
     {"125 s", "> 60 s", "mpirun -np 8"},
     true},
    {"idle_ranks",
     {"processing_metrics.resource_utilization.partitions"},
     {3},
     {"4 working ranks", "only 3 partitions", "--partition-bytes"},
     true},
    {"memory_pressure",
     {"processing_metrics.resource_utilization.max_rss_mb"},
     {900},
     {"900 MB", "90%", "--max-memory-mb"},
     true},
    {"error_rate",
     {"processing_metrics.error_rate", "records.dead_lettered"},
     {7.5, 750},
     {"7.5%", "750 dead-lettered", "--max-error-rate"},
     false},
    {"io_bound",
     {"ranks.0.io_s", "ranks.1.io_s", "ranks.2.io_s"},
     {9.0, 9.0, 9.0},
     {"I/O-bound", "%", "arcos-scale convert"},
     false},
    {"low_memo_hit",
     {"cache.memo.hits", "cache.memo.misses"},
     {50, 950},
     {"0.05", "1000 lookups", "--checksum-memo=false"},
     false},
    {"small_batches",
     {"processing_metrics.latency_ms.batches", "processing_metrics.latency_ms.p50"},
     {1000, 0.5},
     {"1000 batches", "10.0 records per batch", "--partitions-per-rank 2"},
     false},
    {"small_batches",
     {"processing_metrics.latency_ms.batches", "processing_metrics.latency_ms.p50",
      "config.batch_size"},
     {1000, 0.5, 10},
     {"10.0 records per batch", "0.50 ms", "--batch-size (now 10) to 200"},
     false},
    {"large_graph",
     {"graph.nodes", "graph.edges"},
     {20000, 30000},
     {"20000 nodes", "10000", "mpirun -np"},
     true},
    {"slow_query",
     {"queries.0.performance_metrics.query_time"},
     {0.25},
     {"q1", "0.250 s", "label or relationship filter"},
     false},
    {"dense_graph", {"graph.edges"}, {2000}, {"2000 edges", "500 nodes", "4.0 per node"}, false},
};

/* set() with array indices: "ranks.0.io_s" */
static void set_any(json_t *root, const char *path, double v) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  json_t *o = root;
  char *save = NULL;
  char *key = strtok_r(buf, ".", &save);
  for (char *next = strtok_r(NULL, ".", &save); next != NULL; next = strtok_r(NULL, ".", &save)) {
    o = json_is_array(o) ? json_array_get(o, (size_t)atoi(key)) : json_object_get(o, key);
    key = next;
  }
  json_object_set_new(o, key, json_real(v));
}

int main(void) {
  char names[512];
  const char *text;

  /* Healthy: quiet. */
  json_t *r = base();
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  json_decref(r);

  /* No keys at all: quiet, no crash. */
  r = json_object();
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  json_decref(r);

  /* Each rule alone. */
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    r = base();
    for (int k = 0; k < 3 && cases[c].path[k]; k++)
      set_any(r, cases[c].path[k], cases[c].value[k]);
    fired(r, names, sizeof names, &text);
    CHECK_STR_EQ(names, cases[c].rule);
    fprintf(stderr, "%s: %s\n", cases[c].rule, text ? text : "(none)");
    for (int k = 0; k < 3 && cases[c].quotes[k] && text; k++) {
      if (strstr(text, cases[c].quotes[k]) == NULL) {
        fprintf(stderr, "rule %s: text lacks \"%s\": %s\n", cases[c].rule, cases[c].quotes[k],
                text);
        CHECK(0);
      }
    }
    json_t *adv = arcos_advise(r);
    json_t *cat = json_object_get(json_array_get(json_object_get(adv, "advice"), 0), "category");
    CHECK_STR_EQ(json_string_value(cat), cases[c].scalability ? "scalability" : "optimization");
    json_decref(adv);
    json_decref(r);
  }

  /* Every listed rule has a case. */
  size_t nrules = 0;
  for (const char *const *p = arcos_advisor_rules; *p; p++, nrules++) {
    bool found = false;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
      found = found || strcmp(cases[c].rule, *p) == 0;
    if (!found)
      fprintf(stderr, "rule %s has no test case\n", *p);
    CHECK(found);
  }
  CHECK_INT_EQ(nrules, 13);

  /* At the thresholds: quiet (rules fire strictly beyond them). */
  r = base();
  set(r, "processing_metrics.parallel_efficiency", ARCOS_ADV_EFFICIENCY_MIN);
  set(r, "processing_metrics.load_balance", ARCOS_ADV_BALANCE_MIN);
  set(r, "processing_metrics.total_processing_time", ARCOS_ADV_WALL_MAX_S);
  set(r, "processing_metrics.error_rate", ARCOS_ADV_ERROR_RATE_PCT);
  set(r, "processing_metrics.resource_utilization.partitions", 4);
  set(r, "processing_metrics.resource_utilization.max_rss_mb", 800);
  set(r, "graph.nodes", ARCOS_ADV_GRAPH_NODES_MAX);
  set(r, "graph.edges", 3 * ARCOS_ADV_GRAPH_NODES_MAX);
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  json_decref(r);

  /* One rank: efficiency and balance say nothing about scaling. */
  r = base();
  set(r, "processing_metrics.resource_utilization.ranks", 1);
  set(r, "processing_metrics.resource_utilization.workers", 1);
  set(r, "processing_metrics.parallel_efficiency", 0.3);
  set(r, "processing_metrics.load_balance", 0.3);
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  json_decref(r);

  /* config.max_memory_mb wins over the detected limit and is named. */
  r = base();
  json_object_set_new(json_object_get(r, "config"), "max_memory_mb", json_integer(110));
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "memory_pressure");
  CHECK(text != NULL && strstr(text, "of --max-memory-mb (110 MB") != NULL);
  json_decref(r);

  /* --max-memory-mb counts on top of the baseline RSS: 100 - 30 = 70 MB of 100 is fine */
  r = base();
  json_object_set_new(json_object_get(r, "config"), "max_memory_mb", json_integer(100));
  json_object_set_new(
      json_object_get(json_object_get(r, "processing_metrics"), "resource_utilization"),
      "baseline_rss_mb", json_real(30));
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  set(r, "processing_metrics.resource_utilization.max_rss_mb", 115);
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "memory_pressure");
  CHECK(text != NULL && strstr(text, "85 MB per rank above the baseline, 85%") != NULL);
  json_decref(r);

  /* Many small batches that each take long enough are not overhead-bound. */
  r = base();
  set(r, "processing_metrics.latency_ms.batches", 1000);
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  json_decref(r);

  /* A slow query not yet on the index is told to use it. */
  r = base();
  set_any(r, "queries.0.performance_metrics.query_time", 2.0);
  json_object_set_new(json_array_get(json_object_get(r, "queries"), 0), "strategy",
                      json_string("full_scan"));
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "slow_query");
  CHECK(text != NULL && strstr(text, "\"strategy\": \"index_scan\"") != NULL);
  json_decref(r);

  /* Small I/O totals are not called I/O-bound even at a high share. */
  r = base();
  for (int k = 0; k < 4; k++) {
    json_t *rk = json_array_get(json_object_get(r, "ranks"), (size_t)k);
    json_object_set_new(rk, "io_s", json_real(0.2));
    json_object_set_new(rk, "busy_s", json_real(0.01));
  }
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  json_decref(r);

  /* Defect g: an I/O-bound run on 4 ranks (reading 2.7 s of 3.2 s on every rank, a few
   * hundredths of a second busy, unevenly) has a low parallel efficiency and balance; the
   * split shows why, and no rule asks for other rank or partition counts. */
  r = base();
  set(r, "processing_metrics.total_processing_time", 3.2);
  set(r, "processing_metrics.parallel_efficiency", 0.01);
  set(r, "processing_metrics.load_balance", 0.3);
  for (int k = 0; k < 4; k++) {
    json_t *rk = json_array_get(json_object_get(r, "ranks"), (size_t)k);
    json_object_set_new(rk, "io_s", json_real(2.7));
    json_object_set_new(rk, "busy_s", json_real(k == 0 ? 0.09 : 0.01));
    json_object_set_new(rk, "comm_s", json_real(0.08));
    json_object_set_new(rk, "idle_s", json_real(0.0));
  }
  arcos_efficiency_t e;
  CHECK(arcos_efficiency_of(r, &e));
  CHECK(fabs(e.io_share - 10.8 / 12.8) < 1e-9);
  CHECK(fabs(e.comm_share - 0.32 / 12.8) < 1e-9);
  CHECK(fabs(e.idle_share) < 1e-12);
  CHECK(fabs(e.compute_efficiency - 0.12 / 2.0) < 1e-9);
  CHECK_INT_EQ(arcos_efficiency_annotate(r), 0);
  CHECK(
      fabs(json_real_value(json_object_get(json_object_get(r, "processing_metrics"), "io_share")) -
           e.io_share) < 1e-12);
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "io_bound");
  CHECK(text != NULL && strstr(text, "84%") != NULL && strstr(text, "0.06") != NULL);
  /* The same times spent computing instead: the efficiency rules speak again. */
  for (int k = 0; k < 4; k++) {
    json_t *rk = json_array_get(json_object_get(r, "ranks"), (size_t)k);
    json_object_set_new(rk, "io_s", json_real(0.01));
  }
  CHECK_INT_EQ(arcos_efficiency_annotate(r), 0);
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "low_efficiency,load_imbalance");
  json_decref(r);

  /* Slow hosts: just beyond 1.5 times the others fires, just below is quiet; one slow rank
   * is not a slow host; one host or ranks without hosts say nothing. */
  r = base();
  set_any(r, "ranks.2.busy_s", 3.07); /* n2: 6.14 s / 5000 = 1.228 ms < 1.5 x 0.820 */
  set_any(r, "ranks.3.busy_s", 3.07);
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  set_any(r, "ranks.3.busy_s", 3.1); /* 6.17 s: 1.234 ms > 1.230 */
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "slow_host");
  CHECK(text != NULL && strstr(text, "its 2 rank(s)") != NULL &&
        strstr(text, "the other 1 host(s)") != NULL);
  /* fewer records on the slow host (dynamic balance) still show per record */
  set_any(r, "ranks.2.items", 1000);
  set_any(r, "ranks.3.items", 1000);
  set_any(r, "ranks.2.busy_s", 2.0);
  set_any(r, "ranks.3.busy_s", 2.0);
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "slow_host");
  CHECK(text != NULL && strstr(text, "2.000 ms per record") != NULL);
  json_decref(r);
  r = base();
  set_any(r, "ranks.2.busy_s", 9.0); /* rank 2 alone: n2 averages 2.2 ms, but rank 3 0.80 */
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  json_decref(r);
  r = base();
  for (int k = 0; k < 4; k++)
    json_object_set_new(json_array_get(json_object_get(r, "ranks"), (size_t)k), "host",
                        json_string(k == 0 ? "n1" : "n2"));
  set_any(r, "ranks.0.busy_s", 8.0); /* n1 is rank 0 alone */
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "slow_host");
  CHECK(text != NULL && strstr(text, "host n1") != NULL && strstr(text, "its 1 rank(s)") != NULL &&
        strstr(text, "3.200 ms per record against 0.800 ms") != NULL);
  for (int k = 0; k < 4; k++)
    json_object_set_new(json_array_get(json_object_get(r, "ranks"), (size_t)k), "host",
                        json_string("n1"));
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  for (int k = 0; k < 4; k++)
    json_object_del(json_array_get(json_object_get(r, "ranks"), (size_t)k), "host");
  fired(r, names, sizeof names, &text);
  CHECK_STR_EQ(names, "");
  json_decref(r);

  /* No ranks or no wall time: no split, and the report is left alone. */
  r = json_loads("{\"processing_metrics\": {\"total_processing_time\": 0}}", 0, NULL);
  CHECK(!arcos_efficiency_of(r, &e));
  CHECK_INT_EQ(arcos_efficiency_annotate(r), 0);
  CHECK(json_object_get(json_object_get(r, "processing_metrics"), "io_share") == NULL);
  json_decref(r);
  return CHECK_DONE();
}
