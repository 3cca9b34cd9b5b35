/* Exactly-once of a run (SPEC §3): the items of the records store through the seen-set
 * exchange (src/dist/seen.h), with the earlier runs' ids of --previous. */
#ifndef ARCOS_RUN_EXACTLY_ONCE_H
#define ARCOS_RUN_EXACTLY_ONCE_H

#include <mpi.h>
#include <stdint.h>

#include "arcos/cache.h"
#include "arcos/config.h"
#include "arcos/input.h"
#include "dist/seen.h"
#include "run/previous.h"
#include "run/records.h"

/* What the exchanges measured, summed over the calls that were given it. */
typedef struct {
  double comm_s;        /* this rank's seconds in the exchanges */
  double busy_s;        /* this rank's seconds in the owner's table */
  uint64_t rounds;      /* exchange rounds */
  uint64_t unavailable; /* ids whose seen-set entry was lost with a failed node: none, as
                           nothing the seen-set holds outlives its round (docs/cache.md) */
} arcos_eo_figures_t;

/* The exchange's options for an in-memory run from the configuration: rounds of
 * --cache-round-items and the requested node failure (--fail-cache-node, --fail-at)
 * when exactly-once runs on the cache. */
arcos_seen_opts_t arcos_eo_opts(const arcos_config_t *cfg);

/* Collective over comm (the cache's ranks): first occurrence in global order wins.
 * Every item of rec gets its status (ITEM_STORED or ITEM_DUPLICATE, with where the
 * first occurrence was); plan gives each item's input; prev (may be NULL) adds the
 * earlier runs' ids of this round. opt NULL: one round, no node failure. The figures
 * are added to *fig. Returns 0 or the exchange's code (seen.h), the same on every rank. */
int arcos_exactly_once(MPI_Comm comm, arcos_cache_t *cache, arcos_records_t *rec,
                       const arcos_plan_t *plan, const arcos_previous_t *prev,
                       const arcos_seen_opts_t *opt, arcos_eo_figures_t *fig);

#endif
