/* The advisor: recommendations computed from what a run measured (the finished
 * report.json object), each quoting its numbers and naming the flag to change.
 * Pure functions of their input, so every rule can be tested with a crafted report.
 * The rules, thresholds and the keys they read are listed in docs/operations.md. */
#ifndef ARCOS_ADVISOR_H
#define ARCOS_ADVISOR_H

#include <jansson.h>
#include <stdbool.h>

/* Thresholds; a rule fires strictly beyond them. */
#define ARCOS_ADV_EFFICIENCY_MIN 0.7   /* processing_metrics.parallel_efficiency */
#define ARCOS_ADV_ERROR_RATE_PCT 5.0   /* processing_metrics.error_rate (percent) */
#define ARCOS_ADV_WALL_MAX_S 60.0      /* processing_metrics.total_processing_time */
#define ARCOS_ADV_BALANCE_MIN 0.8      /* processing_metrics.load_balance */
#define ARCOS_ADV_IO_SHARE_MAX 0.5     /* Σ io_s / (ranks × wall): the run is I/O-bound */
#define ARCOS_ADV_IO_MIN_S 1.0         /* ... and at least this much I/O time in all */
#define ARCOS_ADV_MEMORY_SHARE_MAX 0.8 /* max_rss_mb / per-rank memory limit */
#define ARCOS_ADV_MEMO_HIT_MIN 0.15 /* cache.memo hit ratio (break-even 0.1-0.15, cache.md) ... */
#define ARCOS_ADV_MEMO_MIN_LOOKUPS 1000 /* ... over at least this many lookups */
#define ARCOS_ADV_BATCH_MIN_RECORDS 50  /* mean records per batch ... */
#define ARCOS_ADV_BATCH_MIN_BATCHES 20  /* ... over at least this many batches ... */
#define ARCOS_ADV_BATCH_FAST_MS 5.0     /* ... whose median takes less than this */
#define ARCOS_ADV_GRAPH_NODES_MAX 10000 /* graph.nodes */
#define ARCOS_ADV_GRAPH_DENSITY_MAX 3.0 /* graph.edges / graph.nodes */
#define ARCOS_ADV_SLOW_QUERY_S 0.1      /* queries[].performance_metrics.query_time */
#define ARCOS_ADV_HOST_SLOW_RATIO 1.5   /* busy s per record: one host's / the other hosts' */
#define ARCOS_ADV_MAX_HOSTS 256         /* hosts the slow-host rule compares (more: quiet) */

/* Recommendations for `report` (borrowed; missing keys silence the rules that need
 * them). Returns a new object:
 *   scalability_recommendations:  [text, ...]
 *   optimization_recommendations: [text, ...]
 *   advice: [{rule, category, flag, text}, ...]   (the same, machine-readable)
 * The per-rank memory limit is config.max_memory_mb when set (> 0), otherwise
 * processing_metrics.resource_utilization.memory_limit_mb when present.
 * NULL only when out of memory. */
json_t *arcos_advise(const json_t *report);

/* The split of the ranks' time that SPEC §6's parallel_efficiency (Σ busy / (ranks ×
 * wall)) lumps together, from report.ranks[].{busy_s, io_s, comm_s, idle_s} and
 * processing_metrics.total_processing_time. Every share is over ranks × wall:
 *   io_share, comm_share, idle_share: Σ io_s, Σ comm_s, Σ idle_s / (ranks × wall);
 *   compute_efficiency: Σ busy_s / (ranks × wall − Σ io_s), the efficiency of the
 *   time the ranks were not reading (1 when they read all the time).
 * An I/O-bound run then shows a high compute_efficiency and a high io_share instead
 * of a low efficiency that seems to call for other rank counts. */
typedef struct {
  double compute_efficiency, io_share, comm_share, idle_share;
} arcos_efficiency_t;

/* Compute the split from report (borrowed). Returns false when the report lacks ranks
 * or a positive wall time (then *out is zero). */
bool arcos_efficiency_of(const json_t *report, arcos_efficiency_t *out);

/* Add the split to report.processing_metrics (compute_efficiency, io_share,
 * comm_share, idle_share). Returns 0, or ARCOS_ENOMEM; a report without the inputs
 * is left as it is. */
int arcos_efficiency_annotate(json_t *report);

/* The rule names, in the order they are evaluated (NULL-terminated). */
extern const char *const arcos_advisor_rules[];

#endif
