/* The advisor: recommendations computed from what a run measured (the finished
 * report.json object), each quoting its numbers and naming the flag to change.
 * Pure functions of their input, so every rule can be tested with a crafted report.
 * The rules, thresholds and the keys they read are listed in docs/operations.md. */
#ifndef ARCOS_ADVISOR_H
#define ARCOS_ADVISOR_H

#include <jansson.h>

/* Thresholds; a rule fires strictly beyond them. */
#define ARCOS_ADV_EFFICIENCY_MIN 0.7   /* processing_metrics.parallel_efficiency */
#define ARCOS_ADV_ERROR_RATE_PCT 5.0   /* processing_metrics.error_rate (percent) */
#define ARCOS_ADV_WALL_MAX_S 60.0      /* processing_metrics.total_processing_time */
#define ARCOS_ADV_BALANCE_MIN 0.8      /* processing_metrics.load_balance */
#define ARCOS_ADV_IO_SHARE_MAX 0.5     /* Σ io_s / Σ (busy+io+comm+idle) over ranks */
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

/* Recommendations for `report` (borrowed; missing keys silence the rules that need
 * them). Returns a new object:
 *   scalability_recommendations:  [text, ...]
 *   optimization_recommendations: [text, ...]
 *   advice: [{rule, category, flag, text}, ...]   (the same, machine-readable)
 * The per-rank memory limit is config.max_memory_mb when set (> 0), otherwise
 * processing_metrics.resource_utilization.memory_limit_mb when present.
 * NULL only when out of memory. */
json_t *arcos_advise(const json_t *report);

/* The rule names, in the order they are evaluated (NULL-terminated). */
extern const char *const arcos_advisor_rules[];

#endif
