/* Test helper: make metrics.prom, report.html and the summary from an existing
 * report.json, as the job does at its end (arcos_ops_finish).
 *   ops_render REPORT.json OUTDIR [queries.jsonl]
 * Writes OUTDIR/report.json (with the recommendations), OUTDIR/metrics.prom and
 * OUTDIR/report.html, and prints the end of the summary. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "arcos/ops.h"

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: ops_render REPORT.json OUTDIR [queries.jsonl]\n");
    return 2;
  }
  json_error_t e;
  json_t *rep = json_load_file(argv[1], 0, &e);
  if (rep == NULL) {
    fprintf(stderr, "ops_render: %s: %s\n", argv[1], e.text);
    return 1;
  }
  json_t *lines = NULL;
  if (argc > 3) {
    FILE *f = fopen(argv[3], "r");
    if (f == NULL) {
      perror(argv[3]);
      return 1;
    }
    lines = json_array();
    json_t *q;
    while ((q = json_loadf(f, JSON_DISABLE_EOF_CHECK, &e)) != NULL)
      json_array_append_new(lines, q);
    fclose(f);
  }
  char prom[4096], html[4096], js[4096];
  snprintf(prom, sizeof prom, "%s/metrics.prom", argv[2]);
  snprintf(html, sizeof html, "%s/report.html", argv[2]);
  snprintf(js, sizeof js, "%s/report.json", argv[2]);
  int rc = arcos_ops_finish(rep, lines, prom, html, stderr);
  if (rc == 0 && json_dump_file(rep, js, JSON_INDENT(2)) != 0)
    rc = 1;
  if (rc == 0)
    arcos_ops_print_summary(stdout, rep, argv[2]);
  json_decref(lines);
  json_decref(rep);
  return rc == 0 ? 0 : 1;
}
