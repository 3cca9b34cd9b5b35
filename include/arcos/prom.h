/* metrics.prom: the finished report as Prometheus text exposition (format 0.0.4) for
 * node_exporter's textfile collector. Every name starts with arcos_; every family has
 * HELP and TYPE lines; per-rank series carry rank="N" and host labels. The metric
 * list is in docs/operations.md. */
#ifndef ARCOS_PROM_H
#define ARCOS_PROM_H

#include <jansson.h>

#include "arcos/util.h"

/* Append the exposition of `report` (borrowed) to b. Missing report keys leave their
 * metrics out. Returns 0 or ARCOS_ENOMEM. */
int arcos_prom_render(const json_t *report, arcos_buf_t *b);

/* Write the exposition to `path` atomically (path.tmp, then rename), so a collector
 * never reads half a file. Returns 0, ARCOS_ENOMEM or ARCOS_EIO (errno kept). */
int arcos_prom_write(const json_t *report, const char *path);

#endif
