/* Helpers shared by the modules that turn the finished report into artefacts
 * (advisor.c, prom.c, html.c, ops.c). Not part of the public interface. */
#ifndef ARCOS_OPS_INTERNAL_H
#define ARCOS_OPS_INTERNAL_H

#include <stdbool.h>

#include <jansson.h>

#include "arcos/util.h"

/* The value at a dotted path of objects ("a.b.c") in root, or NULL (borrowed). */
const json_t *arcos_ops_at(const json_t *root, const char *path);
/* The number at path, or dflt when absent, not a number or not finite. */
double arcos_ops_num(const json_t *root, const char *path, double dflt);
/* The string at path, or dflt. */
const char *arcos_ops_str(const json_t *root, const char *path, const char *dflt);

/* One host's share of report.ranks[] (the ranks whose `host` is name). */
typedef struct {
  const char *name; /* borrowed from the report */
  int ranks;
  double items, busy_s, wall_s; /* Σ items, Σ busy_s; wall_s the longest rank's */
} arcos_ops_host_t;

/* The hosts of report.ranks[] in the order they first appear, at most max of them
 * (later ones are not counted). Ranks without a `host` are left out. Returns the count. */
size_t arcos_ops_hosts(const json_t *ranks, arcos_ops_host_t *out, size_t max);

/* Write b to path through path.tmp and rename. Returns 0 or the kind of the failure
 * (arcos_out_write_atomic: ARCOS_ENOSPACE, ARCOS_EIO, ...) with errno set to its cause. */
int arcos_ops_write_atomic(const char *path, const arcos_buf_t *b);

#endif
