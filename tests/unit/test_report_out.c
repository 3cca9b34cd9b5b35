/* metrics.prom and report.html from crafted reports: exposition rules (HELP and TYPE
 * per family, arcos_ prefix, escaping, histogram buckets), HTML escaping and
 * self-containment, atomic writes. promtool and Chromium checks are in
 * tests/mpi/test_ops_outputs.sh. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/html.h"
#include "arcos/prom.h"
#include "check.h"

static const char *const report_text =
    "{\"version\": \"0.1.0\","
    " \"records\": {\"input\": 10, \"stored\": 7, \"duplicates\": 1, \"dead_lettered\": 2,"
    "   \"skipped\": 0, \"dropped\": 0, \"conserved\": true},"
    " \"alerts\": {\"critical\": 1, \"high\": 2, \"medium\": 3},"
    " \"scores\": {\"mean\": 50.0, \"min\": 5, \"max\": 100, \"histogram\": [1,0,0,0,0,2,0,0,0,4]},"
    " \"errors\": {\"by_kind\": {\"parse\": 1, \"invalid\": 1}, \"policy\": \"dlq\"},"
    " \"processing_metrics\": {\"total_processing_time\": 2.5, \"parallel_efficiency\": 0.8,"
    "   \"load_balance\": 0.9, \"throughput\": 4.0, \"error_rate\": 20.0,"
    "   \"latency_ms\": {\"p50\": 1.5, \"p95\": 2, \"p99\": 3, \"max\": 4, \"per_record_mean\": "
    "0.5, \"batches\": 3},"
    "   \"resource_utilization\": {\"ranks\": 2, \"max_rss_mb\": 10.5}},"
    " \"ranks\": [{\"rank\": 0, \"host\": \"n\\\"1\\\\x\", \"busy_s\": 1, \"io_s\": 0.5, "
    "\"comm_s\": 0.1,"
    "   \"idle_s\": 0, \"rss_mb\": 10.5, \"cpu_s\": 1.2, \"items\": 6, \"wall_s\": 2.5},"
    "  {\"rank\": 1, \"host\": \"n2\", \"busy_s\": 0.5, \"io_s\": 0.5, \"comm_s\": 0.1,"
    "   \"idle_s\": 0.5, \"rss_mb\": 9, \"cpu_s\": 0.9, \"items\": 4, \"wall_s\": 2.5}],"
    " \"queries\": [{\"id\": \"q<1>\", \"count\": 3, \"strategy\": \"index_scan\","
    "   \"plan\": {\"strategy\": \"index_scan\", \"estimated_nodes\": 4, \"estimated_edges\": 5,"
    "     \"actual_nodes\": 3, \"actual_edges\": 2, \"reason\": \"few start nodes & a label\"},"
    "   \"performance_metrics\": {\"query_time\": 0.002}}],"
    " \"scalability_recommendations\": [\"use <script>alert(1)</script> & more ranks\"],"
    " \"optimization_recommendations\": [],"
    " \"config\": {\"output\": \"out\", \"batch_size\": 100}}";

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

static void check_prom(const json_t *rep) {
  arcos_buf_t b = {0};
  CHECK_INT_EQ(arcos_prom_render(rep, &b), 0);
  arcos_buf_terminate(&b);
  const char *t = b.data;
  /* every sample line names an arcos_ metric whose family has HELP and TYPE */
  char *copy = strdup(t);
  char *save = NULL;
  int samples = 0;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#')
      continue;
    samples++;
    CHECK(strncmp(line, "arcos_", 6) == 0);
    char name[128];
    size_t n = strcspn(line, "{ ");
    snprintf(name, sizeof name, "%.*s", (int)n, line);
    /* histogram and summary series belong to their base family */
    const char *suffixes[] = {"_bucket", "_sum", "_count"};
    char base[128], help[160], type[160];
    snprintf(base, sizeof base, "%s", name);
    snprintf(help, sizeof help, "# HELP %s ", base);
    for (int s = 0; s < 3 && !strstr(t, help); s++) {
      size_t bl = strlen(name), sl = strlen(suffixes[s]);
      if (bl > sl && strcmp(name + bl - sl, suffixes[s]) == 0) {
        snprintf(base, sizeof base, "%.*s", (int)(bl - sl), name);
        snprintf(help, sizeof help, "# HELP %s ", base);
      }
    }
    snprintf(type, sizeof type, "# TYPE %s ", base);
    if (!strstr(t, help) || !strstr(t, type)) {
      fprintf(stderr, "no HELP/TYPE for %s\n", name);
      CHECK(0);
    }
  }
  free(copy);
  CHECK(samples > 40);
  CHECK(strstr(t, "arcos_records_total{outcome=\"dead_lettered\"} 2\n") != NULL);
  CHECK(strstr(t, "arcos_alerts_total{severity=\"critical\"} 1\n") != NULL);
  CHECK(strstr(t, "arcos_errors_total{kind=\"parse\"} 1\n") != NULL);
  CHECK(strstr(t, "arcos_error_rate_ratio 0.2\n") != NULL);
  CHECK(strstr(t, "arcos_rank_busy_seconds_total{rank=\"1\",host=\"n2\"} 0.5\n") != NULL);
  CHECK(strstr(t, "arcos_rank_max_rss_bytes{rank=\"0\",host=\"n\\\"1\\\\x\"} 11010048\n") != NULL);
  CHECK(strstr(t, "arcos_score_bucket{le=\"9\"} 1\n") != NULL);
  CHECK(strstr(t, "arcos_score_bucket{le=\"59\"} 3\n") != NULL);
  CHECK(strstr(t, "arcos_score_bucket{le=\"100\"} 7\n") != NULL);
  CHECK(strstr(t, "arcos_score_bucket{le=\"+Inf\"} 7\n") != NULL);
  CHECK(strstr(t, "arcos_score_count 7\n") != NULL);
  CHECK(strstr(t, "arcos_batch_latency_seconds{quantile=\"0.5\"} 0.0015\n") != NULL);
  CHECK(strstr(t, "arcos_batch_latency_seconds_sum 0.005\n") != NULL);
  CHECK(strstr(t, "arcos_query_duration_seconds{query=\"q<1>\"} 0.002\n") != NULL);
  CHECK(strstr(t, "arcos_recommendations{category=\"scalability\"} 1\n") != NULL);
  CHECK_INT_EQ(count(t, "# TYPE arcos_rank_busy_seconds_total counter\n"), 1);
  arcos_buf_free(&b);

  /* an empty report gives only the families that need no input */
  json_t *empty = json_object();
  CHECK_INT_EQ(arcos_prom_render(empty, &b), 0);
  arcos_buf_terminate(&b);
  CHECK(strstr(b.data, "arcos_records_total") == NULL);
  CHECK(strstr(b.data, "arcos_info{version=\"unknown\"} 1") != NULL);
  json_decref(empty);
  arcos_buf_free(&b);
}

static void check_html(const json_t *rep) {
  arcos_buf_t b = {0};
  CHECK_INT_EQ(arcos_html_render(rep, NULL, &b), 0);
  arcos_buf_terminate(&b);
  const char *t = b.data;
  CHECK(strncmp(t, "<!DOCTYPE html>", 15) == 0);
  CHECK(strstr(t, "</html>") != NULL);
  /* self-contained: no scripts, nothing fetched */
  CHECK(strstr(t, "<script") == NULL);
  CHECK(strstr(t, "src=") == NULL);
  CHECK(strstr(t, "href=") == NULL);
  CHECK(strstr(t, "url(") == NULL);
  CHECK(strstr(t, "@import") == NULL);
  CHECK(strstr(t, "use &lt;script&gt;alert(1)&lt;/script&gt; &amp; more ranks") != NULL);
  /* one stacked bar per rank and phase with time > 0: 3 + 4 */
  CHECK_INT_EQ(count(t, "<title>rank "), 7);
  CHECK(strstr(t, "<title>rank 1 idle 0.500 s</title>") != NULL);
  CHECK(strstr(t, "n&quot;1\\x") != NULL);
  /* per host: ranks, records, busy s, busy ms per record, the longest rank's wall s */
  CHECK(strstr(t, "<h2>Time per host</h2>") != NULL);
  CHECK(strstr(
            t,
            "<tr><th scope=\"row\">n&quot;1\\x</th><td class=\"n\">1</td><td class=\"n\">6</td><td "
            "class=\"n\">1.000</td><td class=\"n\">166.667</td><td "
            "class=\"n\">2.500</td></tr>") != NULL);
  CHECK(strstr(t, "<tr><th scope=\"row\">n2</th><td class=\"n\">1</td><td class=\"n\">4</td><td "
                  "class=\"n\">0.500</td><td class=\"n\">125.000</td><td "
                  "class=\"n\">2.500</td></tr>") != NULL);
  /* the query plan, escaped */
  CHECK(strstr(t, "<td>q&lt;1&gt;</td>") != NULL);
  CHECK(strstr(t, "few start nodes &amp; a label") != NULL);
  CHECK(strstr(t, "<td class=\"n\">4 / 5</td><td class=\"n\">3 / 2</td>") != NULL);
  CHECK(strstr(t, "aria-label=\"score histogram\"") != NULL);
  CHECK(strstr(t, "aria-label=\"alerts by severity\"") != NULL);
  CHECK(strstr(t, "None: nothing measured called for a change.") != NULL);
  arcos_buf_free(&b);

  /* plans from queries.jsonl lines win over the report's */
  json_error_t e;
  json_t *lines = json_loads("[{\"id\": \"qa\", \"type\": \"match\", \"count\": 9, \"plan\": "
                             "{\"strategy\": \"full_scan\", \"reason\": \"no index\"}}]",
                             0, &e);
  CHECK_INT_EQ(arcos_html_render(rep, lines, &b), 0);
  arcos_buf_terminate(&b);
  CHECK(strstr(b.data, "<td>qa</td><td>match</td><td>full_scan</td>") != NULL);
  CHECK(strstr(b.data, "q&lt;1&gt;") == NULL);
  json_decref(lines);
  arcos_buf_free(&b);
}

static void check_atomic(const json_t *rep) {
  char dir[] = "/tmp/arcos-report-out-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char prom[256], html[256], tmp[300];
  snprintf(prom, sizeof prom, "%s/metrics.prom", dir);
  snprintf(html, sizeof html, "%s/report.html", dir);
  CHECK_INT_EQ(arcos_prom_write(rep, prom), 0);
  CHECK_INT_EQ(arcos_html_write(rep, NULL, html), 0);
  struct stat st;
  CHECK(stat(prom, &st) == 0 && st.st_size > 1000);
  CHECK(stat(html, &st) == 0 && st.st_size > 1000);
  snprintf(tmp, sizeof tmp, "%s.tmp", prom);
  CHECK(stat(tmp, &st) != 0);
  snprintf(tmp, sizeof tmp, "%s.tmp", html);
  CHECK(stat(tmp, &st) != 0);
  /* an unwritable place fails cleanly */
  char bad[300];
  snprintf(bad, sizeof bad, "%s/missing/metrics.prom", dir);
  CHECK(arcos_prom_write(rep, bad) != 0);
  unlink(prom);
  unlink(html);
  rmdir(dir);
}

int main(void) {
  json_error_t e;
  json_t *rep = json_loads(report_text, 0, &e);
  if (rep == NULL) {
    fprintf(stderr, "bad fixture: %s at column %d\n", e.text, e.column);
    return 1;
  }
  check_prom(rep);
  check_html(rep);
  check_atomic(rep);
  json_decref(rep);
  return CHECK_DONE();
}
