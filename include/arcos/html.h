/* report.html: one self-contained page made from the finished report (inline CSS and
 * SVG; no scripts, nothing fetched): per-rank stacked time bars, throughput, score
 * histogram, alerts by severity, recommendations, query plans and the job config. */
#ifndef ARCOS_HTML_H
#define ARCOS_HTML_H

#include <jansson.h>

#include "arcos/util.h"

/* Append the page for `report` (borrowed) to b. `queries` (borrowed, may be NULL) is
 * an array of queries.jsonl lines whose `plan` objects are shown; without it the
 * plans found in report.queries[] are shown. Returns 0 or ARCOS_ENOMEM. */
int arcos_html_render(const json_t *report, const json_t *queries, arcos_buf_t *b);

/* Write the page to `path` atomically (path.tmp, then rename).
 * Returns 0, ARCOS_ENOMEM or ARCOS_EIO (errno kept). */
int arcos_html_write(const json_t *report, const json_t *queries, const char *path);

#endif
