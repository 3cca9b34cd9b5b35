/* Exactly-once (SPEC §3) on the distributed cache: the same answers as
 * arcos_exactly_once (src/exactly_once.c), with the seen-set held by the cache's
 * replicated nodes, so that a cache node taken out of service mid-run
 * (--fail-cache-node K --fail-at F) changes nothing while replication >= 2. Private to
 * the job; see docs/cache.md for how the job wires it in. */
#ifndef ARCOS_EXACTLY_ONCE_CACHE_H
#define ARCOS_EXACTLY_ONCE_CACHE_H

#include "arcos/cache.h"
#include "run/job_internal.h"

typedef struct {
  size_t round_items; /* claims per rank per round; 0 = everything in one round */
  int fail_node;      /* node to take out of service, -1 = none */
  double fail_at;     /* ... after this fraction of the rounds (0..1) */
} arcos_eo_cache_opts_t;

/* Collective. Sets status, first_input, first_line of every item like
 * arcos_exactly_once. *unavailable (may be NULL) receives, identical on every rank,
 * how many items' ids were lost with a failed node (R = 1): those items are kept as
 * stored, and the job must warn that exactly-once degraded for them. Returns 0,
 * ARCOS_ERANGE (a round would move over 2 GiB between two ranks: use smaller rounds)
 * or ARCOS_EUSAGE (fail_node is not a node in service, or the last one). */
int arcos_exactly_once_cache(job_t *job, arcos_cache_t *cache, const arcos_eo_cache_opts_t *opts,
                             uint64_t *unavailable);

#endif
