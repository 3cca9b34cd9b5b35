/* report.html (include/arcos/html.h). Plain HTML with inline CSS and SVG charts drawn
 * here, so the page opens anywhere, offline, and shows imbalance at a glance: one
 * stacked bar per rank, all on the same time scale. Every report string is escaped. */
#include "arcos/html.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/advisor.h"
#include "arcos/error.h"
#include "ops/ops_internal.h"

typedef struct {
  arcos_buf_t *b;
  int rc;
} page_t;

static void put(page_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(page_t *p, const char *fmt, ...) {
  if (p->rc != ARCOS_OK)
    return;
  char small[2048];
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof small) {
    if (arcos_buf_append(p->b, small, (size_t)n) != ARCOS_OK)
      p->rc = ARCOS_ENOMEM;
  } else if (n < 0 || arcos_buf_reserve(p->b, (size_t)n + 1) != ARCOS_OK) {
    p->rc = ARCOS_ENOMEM;
  } else {
    vsnprintf(p->b->data + p->b->len, (size_t)n + 1, fmt, ap2);
    p->b->len += (size_t)n;
  }
  va_end(ap2);
}

/* Text escaped for HTML element content and attribute values. */
static void text(page_t *p, const char *s) {
  if (p->rc != ARCOS_OK || s == NULL)
    return;
  for (; *s; s++) {
    const char *rep = NULL;
    switch (*s) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&#39;";
      break;
    default:
      break;
    }
    int rc = rep ? arcos_buf_append(p->b, rep, strlen(rep)) : arcos_buf_putc(p->b, *s);
    if (rc != ARCOS_OK) {
      p->rc = ARCOS_ENOMEM;
      return;
    }
  }
}

static double num(const json_t *o, const char *path) { return arcos_ops_num(o, path, 0.0); }

static const char *const css =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;"
    "color:#212529;background:#fff;max-width:1100px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;"
    "border-bottom:2px solid #dee2e6;padding-bottom:4px}"
    ".sub{color:#6c757d;margin-bottom:16px}"
    ".cards{display:flex;flex-wrap:wrap;gap:10px}"
    ".card{border:1px solid #dee2e6;border-radius:6px;padding:8px 14px;min-width:130px;"
    "background:#f8f9fa}.card b{display:block;font-size:20px}"
    ".card span{color:#6c757d;font-size:12px}"
    ".bad{background:#fff5f5;border-color:#ffa8a8}.ok{background:#ebfbee;border-color:#8ce99a}"
    "table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #dee2e6;"
    "padding:3px 8px;text-align:left;vertical-align:top}th{background:#f1f3f5}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "ul.rec li{margin:4px 0}svg text{font:12px system-ui,sans-serif;fill:#343a40}"
    ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;"
    "vertical-align:middle}code{background:#f1f3f5;padding:0 3px}";

static const char *const phase_key[] = {"busy_s", "io_s", "comm_s", "idle_s"};
static const char *const phase_name[] = {"busy", "I/O", "communication", "idle"};
static const char *const phase_color[] = {"#2f9e44", "#1c7ed6", "#f08c00", "#adb5bd"};

static void card(page_t *p, const char *label, const char *value, const char *cls) {
  put(p, "<div class=\"card %s\"><b>", cls);
  text(p, value);
  put(p, "</b><span>");
  text(p, label);
  put(p, "</span></div>\n");
}

static void cards(page_t *p, const json_t *rep) {
  char v[64];
  put(p, "<div class=\"cards\">\n");
  snprintf(v, sizeof v, "%.0f", num(rep, "records.input"));
  card(p, "records read", v, "");
  snprintf(v, sizeof v, "%.0f", num(rep, "records.stored"));
  card(p, "stored", v, "");
  snprintf(v, sizeof v, "%.0f", num(rep, "processing_metrics.throughput"));
  card(p, "records/s", v, "");
  snprintf(v, sizeof v, "%.2f s", num(rep, "processing_metrics.total_processing_time"));
  card(p, "wall time", v, "");
  double eff = num(rep, "processing_metrics.parallel_efficiency");
  snprintf(v, sizeof v, "%.2f", eff);
  card(p, "parallel efficiency", v, eff < 0.7 ? "bad" : "ok");
  double bal = num(rep, "processing_metrics.load_balance");
  snprintf(v, sizeof v, "%.2f", bal);
  card(p, "load balance", v, bal < 0.8 ? "bad" : "ok");
  double er = num(rep, "processing_metrics.error_rate");
  snprintf(v, sizeof v, "%.2f %%", er);
  card(p, "error rate", v, er > 5 ? "bad" : "ok");
  const json_t *cons = arcos_ops_at(rep, "records.conserved");
  if (json_is_boolean(cons))
    card(p, "records conserved", json_is_true(cons) ? "yes" : "NO",
         json_is_true(cons) ? "ok" : "bad");
  put(p, "</div>\n");
}

static void outcomes_table(page_t *p, const json_t *rep) {
  static const char *const k[] = {"input",         "stored",  "duplicates",
                                  "dead_lettered", "skipped", "dropped"};
  put(p, "<h2>Records</h2>\n<table><tr>");
  for (int i = 0; i < 6; i++)
    put(p, "<th>%s</th>", k[i]);
  put(p, "</tr><tr>");
  for (int i = 0; i < 6; i++) {
    char path[64];
    snprintf(path, sizeof path, "records.%s", k[i]);
    put(p, "<td class=\"n\">%.0f</td>", num(rep, path));
  }
  put(p, "</tr></table>\n");
}

/* One stacked bar per rank on a common scale: the longest bar is the slowest rank. */
static void rank_bars(page_t *p, const json_t *rep) {
  const json_t *ranks = arcos_ops_at(rep, "ranks");
  size_t n = json_array_size(ranks);
  put(p, "<h2>Time per rank</h2>\n");
  if (n == 0) {
    put(p, "<p>No per-rank metrics in the report.</p>\n");
    return;
  }
  double tmax = 0;
  size_t i;
  const json_t *r;
  json_array_foreach(ranks, i, r) {
    double t = 0;
    for (int k = 0; k < 4; k++)
      t += num(r, phase_key[k]);
    tmax = fmax(tmax, t);
  }
  if (tmax <= 0)
    tmax = 1;
  const double x0 = 150, wbar = 620, row = 24;
  double h = 30 + row * (double)n;
  put(p, "<p class=\"legend\">");
  for (int k = 0; k < 4; k++)
    put(p, "<span style=\"background:%s\"></span>%s", phase_color[k], phase_name[k]);
  put(p,
      "</p>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "role=\"img\" aria-label=\"time per rank\">\n",
      x0 + wbar + 90, h);
  json_array_foreach(ranks, i, r) {
    double y = 6 + row * (double)i, x = x0, total = 0;
    char host[80];
    snprintf(host, sizeof host, "%s", arcos_ops_str(r, "host", ""));
    put(p, "<text x=\"4\" y=\"%.1f\">rank %.0f ", y + 15, num(r, "rank"));
    text(p, host);
    put(p, "</text>\n");
    for (int k = 0; k < 4; k++) {
      double t = num(r, phase_key[k]), w = wbar * t / tmax;
      total += t;
      if (w <= 0)
        continue;
      put(p,
          "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\">"
          "<title>rank %.0f %s %.3f s</title></rect>\n",
          x, y, w, row - 6, phase_color[k], num(r, "rank"), phase_name[k], t);
      x += w;
    }
    put(p, "<text x=\"%.2f\" y=\"%.1f\">%.3f s</text>\n", x + 6, y + 15, total);
  }
  double axis_y = 6 + row * (double)n + 4;
  put(p, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#868e96\"/>\n", x0, axis_y,
      x0 + wbar, axis_y);
  put(p, "<text x=\"%.0f\" y=\"%.1f\">0</text><text x=\"%.0f\" y=\"%.1f\">%.3f s</text>\n", x0,
      axis_y + 16, x0 + wbar - 40, axis_y + 16, tmax);
  put(p, "</svg>\n");
  put(p, "<table><tr><th>rank</th><th>host</th><th>records</th><th>partitions</th><th>busy s</th>"
         "<th>I/O s</th><th>comm s</th><th>idle s</th><th>CPU s</th><th>RSS MB</th>"
         "<th>records/s</th></tr>\n");
  json_array_foreach(ranks, i, r) {
    double wall = num(r, "wall_s");
    put(p, "<tr><td class=\"n\">%.0f</td><td>", num(r, "rank"));
    text(p, arcos_ops_str(r, "host", ""));
    put(p, "</td><td class=\"n\">%.0f</td><td class=\"n\">%.0f</td>", num(r, "items"),
        num(r, "partitions"));
    for (int k = 0; k < 4; k++)
      put(p, "<td class=\"n\">%.3f</td>", num(r, phase_key[k]));
    put(p, "<td class=\"n\">%.3f</td><td class=\"n\">%.1f</td><td class=\"n\">%.0f</td></tr>\n",
        num(r, "cpu_s"), num(r, "rss_mb"), wall > 0 ? num(r, "items") / wall : 0.0);
  }
  put(p, "</table>\n");
}

/* Per-host sums of the rank figures, where the ranks name their hosts: a host whose
 * busy time per record stands out is the one the advisor's slow_host rule names. */
static void host_table(page_t *p, const json_t *rep) {
  arcos_ops_host_t hosts[ARCOS_ADV_MAX_HOSTS];
  size_t n = arcos_ops_hosts(arcos_ops_at(rep, "ranks"), hosts, ARCOS_ADV_MAX_HOSTS);
  if (n == 0)
    return;
  put(p, "<h2>Time per host</h2>\n<table><tr><th>host</th><th>ranks</th><th>records</th>"
         "<th>busy s</th><th>busy ms / record</th><th>longest rank wall s</th></tr>\n");
  for (size_t h = 0; h < n; h++) {
    put(p, "<tr><th scope=\"row\">");
    text(p, hosts[h].name);
    put(p,
        "</th><td class=\"n\">%d</td><td class=\"n\">%.0f</td><td class=\"n\">%.3f</td>"
        "<td class=\"n\">%.3f</td><td class=\"n\">%.3f</td></tr>\n",
        hosts[h].ranks, hosts[h].items, hosts[h].busy_s,
        hosts[h].items > 0 ? hosts[h].busy_s * 1e3 / hosts[h].items : 0.0, hosts[h].wall_s);
  }
  put(p, "</table>\n");
}

/* Vertical bars with labels under them (histogram, alerts). */
static void bars(page_t *p, const char *aria, size_t n, const double *v, const char *const *labels,
                 const char *const *colors, size_t ncolors) {
  double vmax = 0;
  for (size_t i = 0; i < n; i++)
    vmax = fmax(vmax, v[i]);
  if (vmax <= 0)
    vmax = 1;
  const double bw = n > 5 ? 56 : 90, gap = 10, hmax = 160;
  double width = 20 + (bw + gap) * (double)n;
  put(p,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
      "aria-label=\"%s\">\n",
      width, hmax + 50, aria);
  for (size_t i = 0; i < n; i++) {
    double h = hmax * v[i] / vmax, x = 10 + (bw + gap) * (double)i, y = 16 + hmax - h;
    put(p, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"%s\"/>\n", x, y, bw,
        h, colors[i % ncolors]);
    put(p, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", x + bw / 2, y - 3,
        v[i]);
    put(p, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x + bw / 2, hmax + 34,
        labels[i]);
  }
  put(p, "<line x1=\"8\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#868e96\"/>\n</svg>\n",
      hmax + 16, width - 6, hmax + 16);
}

static void throughput(page_t *p, const json_t *rep) {
  put(p, "<h2>Throughput</h2>\n<table>");
  put(p, "<tr><th>records/s (input / wall time)</th><td class=\"n\">%.1f</td></tr>",
      num(rep, "processing_metrics.throughput"));
  put(p, "<tr><th>wall time</th><td class=\"n\">%.3f s</td></tr>",
      num(rep, "processing_metrics.total_processing_time"));
  put(p, "<tr><th>input bytes</th><td class=\"n\">%.0f</td></tr>",
      num(rep, "processing_metrics.resource_utilization.input_bytes"));
  put(p,
      "<tr><th>ranks / working ranks / partitions</th><td class=\"n\">%.0f / %.0f / %.0f</td></tr>",
      num(rep, "processing_metrics.resource_utilization.ranks"),
      num(rep, "processing_metrics.resource_utilization.workers"),
      num(rep, "processing_metrics.resource_utilization.partitions"));
  put(p, "<tr><th>CPU utilisation</th><td class=\"n\">%.1f %%</td></tr>",
      num(rep, "processing_metrics.resource_utilization.cpu_percent"));
  put(p, "<tr><th>peak RSS (largest rank)</th><td class=\"n\">%.1f MB</td></tr>",
      num(rep, "processing_metrics.resource_utilization.max_rss_mb"));
  put(p,
      "<tr><th>batch latency p50 / p95 / p99 / max</th><td class=\"n\">%.2f / %.2f / %.2f / "
      "%.2f ms (%.0f batches)</td></tr>",
      num(rep, "processing_metrics.latency_ms.p50"), num(rep, "processing_metrics.latency_ms.p95"),
      num(rep, "processing_metrics.latency_ms.p99"), num(rep, "processing_metrics.latency_ms.max"),
      num(rep, "processing_metrics.latency_ms.batches"));
  put(p,
      "<tr><th>batch size initial / final / min / max</th><td class=\"n\">%.0f / %.0f / %.0f / "
      "%.0f</td></tr>",
      num(rep, "stream.batch_size.initial"), num(rep, "stream.batch_size.final"),
      num(rep, "stream.batch_size.min"), num(rep, "stream.batch_size.max"));
  put(p, "</table>\n");
  /* records per second of each rank's own wall time */
  const json_t *ranks = arcos_ops_at(rep, "ranks");
  size_t n = json_array_size(ranks);
  if (n > 0 && n <= 64) {
    double v[64];
    char lab[64][16];
    const char *labels[64];
    static const char *const col[] = {"#5c7cfa"};
    for (size_t i = 0; i < n; i++) {
      const json_t *r = json_array_get(ranks, i);
      double wall = num(r, "wall_s");
      v[i] = wall > 0 ? num(r, "items") / wall : 0;
      snprintf(lab[i], sizeof lab[i], "rank %.0f", num(r, "rank"));
      labels[i] = lab[i];
    }
    put(p, "<p>Records per second of each rank:</p>\n");
    bars(p, "records per second per rank", n, v, labels, col, 1);
  }
}

static void histogram(page_t *p, const json_t *rep) {
  const json_t *h = arcos_ops_at(rep, "scores.histogram");
  put(p, "<h2>Score histogram</h2>\n");
  if (json_array_size(h) != 10) {
    put(p, "<p>No scores in the report.</p>\n");
    return;
  }
  static const char *const labels[] = {"0-9",   "10-19", "20-29", "30-39", "40-49",
                                       "50-59", "60-69", "70-79", "80-89", "90-100"};
  static const char *const col[] = {"#7048e8"};
  double v[10];
  for (size_t i = 0; i < 10; i++)
    v[i] = json_number_value(json_array_get(h, i));
  bars(p, "score histogram", 10, v, labels, col, 1);
  const json_t *mean = arcos_ops_at(rep, "scores.mean");
  if (json_is_number(mean))
    put(p, "<p>mean %.1f, min %.0f, max %.0f</p>\n", json_number_value(mean),
        num(rep, "scores.min"), num(rep, "scores.max"));
}

static void alerts(page_t *p, const json_t *rep) {
  static const char *const labels[] = {"critical", "high", "medium"};
  static const char *const col[] = {"#e03131", "#f76707", "#fab005"};
  double v[3];
  for (int i = 0; i < 3; i++) {
    char path[32];
    snprintf(path, sizeof path, "alerts.%s", labels[i]);
    v[i] = num(rep, path);
  }
  put(p, "<h2>Alerts by severity</h2>\n");
  bars(p, "alerts by severity", 3, v, labels, col, 3);
  const json_t *bk = arcos_ops_at(rep, "errors.by_kind");
  if (json_is_object(bk)) {
    put(p, "<p>Failed records by kind:");
    const char *k;
    const json_t *x;
    json_object_foreach((json_t *)bk, k, x) {
      put(p, " ");
      text(p, k);
      put(p, " %.0f;", json_is_number(x) ? json_number_value(x) : 0.0);
    }
    put(p, " policy <code>");
    text(p, arcos_ops_str(rep, "errors.policy", "?"));
    put(p, "</code></p>\n");
  }
}

static void rec_list(page_t *p, const json_t *rep, const char *key, const char *title) {
  const json_t *a = arcos_ops_at(rep, key);
  put(p, "<h3>%s</h3>\n", title);
  if (json_array_size(a) == 0) {
    put(p, "<p>None: nothing measured called for a change.</p>\n");
    return;
  }
  put(p, "<ul class=\"rec\">\n");
  size_t i;
  const json_t *s;
  json_array_foreach(a, i, s) {
    put(p, "<li>");
    text(p, json_is_string(s) ? json_string_value(s) : "");
    put(p, "</li>\n");
  }
  put(p, "</ul>\n");
}

static void plan_row(page_t *p, const json_t *q, const json_t *plan) {
  put(p, "<tr><td>");
  text(p, arcos_ops_str(q, "id", "?"));
  put(p, "</td><td>");
  text(p, arcos_ops_str(q, "type", ""));
  put(p, "</td><td>");
  text(p, arcos_ops_str(plan, "strategy", arcos_ops_str(q, "strategy", "")));
  put(p, "</td><td class=\"n\">%.0f</td>", num(q, "count"));
  if (json_is_object(plan))
    put(p, "<td class=\"n\">%.0f / %.0f</td><td class=\"n\">%.0f / %.0f</td>",
        num(plan, "estimated_nodes"), num(plan, "estimated_edges"), num(plan, "actual_nodes"),
        num(plan, "actual_edges"));
  else
    put(p, "<td>-</td><td>-</td>");
  put(p, "<td class=\"n\">%.4f</td><td>", num(q, "performance_metrics.query_time"));
  text(p, arcos_ops_str(plan, "reason", ""));
  put(p, "</td></tr>\n");
}

static void queries(page_t *p, const json_t *rep, const json_t *lines) {
  const json_t *qs = json_is_array(lines) ? lines : arcos_ops_at(rep, "queries");
  if (json_array_size(qs) == 0)
    return;
  put(p, "<h2>Graph queries</h2>\n");
  const json_t *g = arcos_ops_at(rep, "graph");
  if (json_is_object(g))
    put(p, "<p>graph: %.0f nodes, %.0f relationships</p>\n", num(g, "nodes"), num(g, "edges"));
  put(p, "<table><tr><th>query</th><th>type</th><th>strategy</th><th>results</th>"
         "<th>estimated nodes / edges</th><th>actual nodes / edges</th><th>time s</th>"
         "<th>planner's reason</th></tr>\n");
  size_t i;
  const json_t *q;
  json_array_foreach(qs, i, q) {
    const json_t *plan = json_object_get(q, "plan");
    plan_row(p, q, json_is_object(plan) ? plan : NULL);
  }
  put(p, "</table>\n");
}

static void config(page_t *p, const json_t *rep) {
  const json_t *c = arcos_ops_at(rep, "config");
  if (!json_is_object(c))
    return;
  put(p, "<h2>Job configuration</h2>\n<details><summary>effective configuration "
         "(flag &gt; environment &gt; --config &gt; default)</summary>\n<table>\n");
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)c, k, v) {
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    put(p, "<tr><th>");
    text(p, k);
    put(p, "</th><td><code>");
    text(p, s ? s : "?");
    put(p, "</code></td></tr>\n");
    free(s);
  }
  put(p, "</table></details>\n");
}

int arcos_html_render(const json_t *report, const json_t *queries_lines, arcos_buf_t *b) {
  page_t p = {b, ARCOS_OK};
  put(&p,
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width\">\n"
      "<title>arcos-scale report</title>\n<style>%s</style></head><body>\n",
      css);
  put(&p, "<h1>arcos-scale run report</h1>\n<div class=\"sub\">version ");
  text(&p, arcos_ops_str(report, "version", "?"));
  put(&p, " &middot; %.0f rank(s) &middot; output <code>",
      num(report, "processing_metrics.resource_utilization.ranks"));
  text(&p, arcos_ops_str(report, "config.output", "?"));
  put(&p, "</code> &middot; reference time ");
  const json_t *rt = arcos_ops_at(report, "config.reference_time");
  if (json_is_integer(rt))
    put(&p, "%lld (epoch s)", (long long)json_integer_value(rt));
  else
    text(&p, json_is_string(rt) ? json_string_value(rt) : "?");
  put(&p, "</div>\n");
  cards(&p, report);
  outcomes_table(&p, report);
  rank_bars(&p, report);
  host_table(&p, report);
  throughput(&p, report);
  histogram(&p, report);
  alerts(&p, report);
  put(&p, "<h2>Recommendations</h2>\n");
  rec_list(&p, report, "scalability_recommendations", "Scalability");
  rec_list(&p, report, "optimization_recommendations", "Optimization");
  queries(&p, report, queries_lines);
  config(&p, report);
  put(&p, "<p class=\"sub\">Made from report.json by arcos-scale; the numbers are measured "
          "(see docs/operations.md).</p>\n</body></html>\n");
  return p.rc;
}

int arcos_html_write(const json_t *report, const json_t *queries_lines, const char *path) {
  arcos_buf_t b = {0};
  int rc = arcos_html_render(report, queries_lines, &b);
  if (rc == ARCOS_OK)
    rc = arcos_ops_write_atomic(path, &b);
  arcos_buf_free(&b);
  return rc;
}
