/* Rank 0's work on the finished report (include/arcos/ops.h). */
#include "arcos/ops.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/advisor.h"
#include "arcos/error.h"
#include "arcos/html.h"
#include "arcos/prom.h"
#include "ops/ops_internal.h"

#define TOP_RECOMMENDATIONS 3

/* Ranks that share rank 0's host, from report.ranks[].host (at least 1). */
static int ranks_on_first_host(const json_t *report) {
  const json_t *ranks = arcos_ops_at(report, "ranks");
  const char *h0 = arcos_ops_str(json_array_get(ranks, 0), "host", NULL);
  int n = 0;
  size_t i;
  const json_t *r;
  json_array_foreach(ranks, i, r) {
    const char *h = arcos_ops_str(r, "host", NULL);
    if (h0 != NULL && h != NULL && strcmp(h, h0) == 0)
      n++;
  }
  return n > 0 ? n : 1;
}

static double env_mb(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0')
    return 0;
  char *end;
  double x = strtod(v, &end);
  /* SLURM gives megabytes, optionally with a unit suffix */
  if (*end == 'G' || *end == 'g')
    x *= 1024;
  else if (*end == 'T' || *end == 't')
    x *= 1024 * 1024;
  return isfinite(x) && x > 0 ? x : 0;
}

/* The memory a rank may use, in MB, and where that figure comes from. */
static double detect_memory_limit(int ranks_here, const char **source) {
  double per_cpu = env_mb("SLURM_MEM_PER_CPU");
  if (per_cpu > 0) {
    double cpus = env_mb("SLURM_CPUS_PER_TASK");
    *source = "SLURM_MEM_PER_CPU";
    return per_cpu * (cpus > 0 ? cpus : 1);
  }
  double per_node = env_mb("SLURM_MEM_PER_NODE");
  if (per_node > 0) {
    *source = "SLURM_MEM_PER_NODE";
    return per_node / ranks_here;
  }
  FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
  if (f != NULL) {
    char line[64] = "";
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    double bytes = got ? strtod(line, NULL) : 0;
    if (got && strncmp(line, "max", 3) != 0 && bytes > 0) {
      *source = "cgroup memory.max";
      return bytes / 1048576.0 / ranks_here;
    }
  }
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) {
    *source = "host memory";
    return (double)pages * (double)page / 1048576.0 / ranks_here;
  }
  return 0;
}

/* Drop the advisor's graph rules and append the query job's recommendations (prior,
 * an array of strings; NULL when the run had no --graph). */
static int merge_prior(json_t *adv, const json_t *prior) {
  if (!json_is_array(prior))
    return ARCOS_OK;
  static const char *const graph_rules[] = {"large_graph", "slow_query", "dense_graph"};
  json_t *advice = json_object_get(adv, "advice");
  json_t *lists[2] = {json_object_get(adv, "scalability_recommendations"),
                      json_object_get(adv, "optimization_recommendations")};
  for (size_t i = json_array_size(advice); i-- > 0;) {
    json_t *a = json_array_get(advice, i);
    const char *rule = arcos_ops_str(a, "rule", "");
    for (size_t g = 0; g < 3; g++) {
      if (strcmp(rule, graph_rules[g]) != 0)
        continue;
      const char *text = arcos_ops_str(a, "text", "");
      for (int l = 0; l < 2; l++)
        for (size_t k = json_array_size(lists[l]); k-- > 0;)
          if (strcmp(json_string_value(json_array_get(lists[l], k)), text) == 0)
            json_array_remove(lists[l], k);
      json_array_remove(advice, i);
      break;
    }
  }
  size_t i;
  const json_t *t;
  json_array_foreach(prior, i, t) {
    if (!json_is_string(t))
      continue;
    json_t *o = json_pack("{s:s, s:s, s:s, s:O}", "rule", "graph", "category", "optimization",
                          "flag", "", "text", (json_t *)t);
    if (o == NULL || json_array_append_new(advice, o) != 0 ||
        json_array_append(lists[1], (json_t *)t) != 0)
      return ARCOS_ENOMEM;
  }
  return ARCOS_OK;
}

/* queries.jsonl beside `html_path` (the query job writes it before the report), as an
 * array of objects; NULL when there is none. */
static json_t *load_query_lines(const char *html_path) {
  char path[4096];
  const char *slash = strrchr(html_path, '/');
  int dir = slash ? (int)(slash - html_path) : 1;
  snprintf(path, sizeof path, "%.*s/queries.jsonl", dir, slash ? html_path : ".");
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return NULL;
  json_t *lines = json_array();
  json_error_t e;
  json_t *q;
  while (lines != NULL && (q = json_loadf(f, JSON_DISABLE_EOF_CHECK, &e)) != NULL)
    json_array_append_new(lines, q);
  fclose(f);
  return lines;
}

int arcos_ops_finish(json_t *report, const json_t *query_lines, const char *prom_path,
                     const char *html_path, FILE *err) {
  json_t *ru = (json_t *)arcos_ops_at(report, "processing_metrics.resource_utilization");
  if (json_is_object(ru) && !(arcos_ops_num(report, "config.max_memory_mb", 0) > 0) &&
      json_object_get(ru, "memory_limit_mb") == NULL) {
    const char *src = NULL;
    double lim = detect_memory_limit(ranks_on_first_host(report), &src);
    if (lim > 0) {
      json_object_set_new(ru, "memory_limit_mb", json_real(round(lim * 10) / 10));
      json_object_set_new(ru, "memory_limit_source", json_string(src));
    }
  }
  /* With --graph the query job has already set optimization_recommendations from its
   * graph rules (docs/graph.md), which know the graph's statistics: they replace the
   * advisor's graph rules and follow its other advice. */
  if (arcos_efficiency_annotate(report) != ARCOS_OK) {
    fprintf(err, "arcos-scale: out of memory while splitting the rank time\n");
    return ARCOS_ENOMEM;
  }
  json_t *prior = json_incref(json_object_get(report, "optimization_recommendations"));
  json_t *adv = arcos_advise(report);
  int rc = adv != NULL ? merge_prior(adv, prior) : ARCOS_ENOMEM;
  json_decref(prior);
  if (rc != ARCOS_OK || json_object_update(report, adv) != 0) {
    json_decref(adv);
    fprintf(err, "arcos-scale: out of memory while making recommendations\n");
    return ARCOS_ENOMEM;
  }
  json_decref(adv);
  json_t *lines = NULL;
  if (query_lines == NULL)
    query_lines = lines = load_query_lines(html_path);
  rc = arcos_prom_write(report, prom_path);
  if (rc != ARCOS_OK) {
    fprintf(err, "arcos-scale: cannot write %s: %s\n", prom_path,
            rc == ARCOS_EIO ? strerror(errno) : arcos_strerror(rc));
    json_decref(lines);
    return rc;
  }
  rc = arcos_html_write(report, query_lines, html_path);
  json_decref(lines);
  if (rc != ARCOS_OK) {
    fprintf(err, "arcos-scale: cannot write %s: %s\n", html_path,
            rc == ARCOS_EIO ? strerror(errno) : arcos_strerror(rc));
    return rc;
  }
  return ARCOS_OK;
}

void arcos_ops_print_summary(FILE *out, const json_t *report, const char *output_dir) {
  const json_t *ranks = arcos_ops_at(report, "ranks");
  const json_t *slow = NULL;
  size_t i;
  const json_t *r;
  json_array_foreach(ranks, i, r) {
    if (slow == NULL || arcos_ops_num(r, "busy_s", 0) > arcos_ops_num(slow, "busy_s", 0))
      slow = r;
  }
  if (slow != NULL)
    fprintf(out,
            "  slowest   rank %.0f on %s: busy %.3f s, I/O %.3f s, comm %.3f s, idle %.3f s, "
            "%.0f records\n",
            arcos_ops_num(slow, "rank", 0), arcos_ops_str(slow, "host", "?"),
            arcos_ops_num(slow, "busy_s", 0), arcos_ops_num(slow, "io_s", 0),
            arcos_ops_num(slow, "comm_s", 0), arcos_ops_num(slow, "idle_s", 0),
            arcos_ops_num(slow, "items", 0));
  const json_t *advice = arcos_ops_at(report, "advice");
  size_t n = json_array_size(advice);
  if (n == 0) {
    fprintf(out, "  advice    none: nothing measured called for a change\n");
  } else {
    for (i = 0; i < n && i < TOP_RECOMMENDATIONS; i++)
      fprintf(out, "  %-9s %zu. %s\n", i == 0 ? "advice" : "", i + 1,
              arcos_ops_str(json_array_get(advice, i), "text", ""));
    if (n > TOP_RECOMMENDATIONS)
      fprintf(out, "            (%zu more in report.json and report.html)\n",
              n - TOP_RECOMMENDATIONS);
  }
  static const char *const names[] = {"report.json",      "report.html",   "metrics.prom",
                                      "results.h5",       "results.jsonl", "dlq.jsonl",
                                      "duplicates.jsonl", "dropped.jsonl", "queries.jsonl"};
  fprintf(out, "  outputs   %s/ (", output_dir);
  const char *sep = "";
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", output_dir, names[k]);
    if (stat(path, &st) == 0) {
      fprintf(out, "%s%s", sep, names[k]);
      sep = ", ";
    }
  }
  fprintf(out, ")\n");
}
