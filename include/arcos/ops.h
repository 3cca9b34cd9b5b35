/* What rank 0 does with the finished report besides report.json: the advisor's
 * recommendations, metrics.prom, report.html and the end of the human summary.
 * One entry point each so that the job only needs a hook call (docs/operations.md). */
#ifndef ARCOS_OPS_H
#define ARCOS_OPS_H

#include <stdio.h>

#include <jansson.h>

/* Rank 0, once the report object is complete and before it is written:
 * - records the per-rank memory limit in processing_metrics.resource_utilization
 *   (memory_limit_mb, memory_limit_source) unless config.max_memory_mb is set: SLURM's
 *   SLURM_MEM_PER_CPU / SLURM_MEM_PER_NODE, else the cgroup's memory.max, else the
 *   host's memory, shared by the ranks on rank 0's host;
 * - sets scalability_recommendations, optimization_recommendations and advice from
 *   arcos_advise(); recommendations already in optimization_recommendations (the query
 *   job's, with --graph) replace the advisor's graph rules and are kept after its own;
 * - writes metrics.prom to prom_path and report.html to html_path (each atomically;
 *   the job renames them into place with its other outputs). `query_lines` (borrowed,
 *   may be NULL: then queries.jsonl beside html_path, if any) are the queries.jsonl
 *   objects whose plans report.html shows.
 * Returns 0, or ARCOS_ENOMEM / ARCOS_EIO after a message on err. */
int arcos_ops_finish(json_t *report, const json_t *query_lines, const char *prom_path,
                     const char *html_path, FILE *err);

/* The end of the human summary (rank 0): the slowest rank and where its time went,
 * the top recommendations, and the output files present in output_dir. */
void arcos_ops_print_summary(FILE *out, const json_t *report, const char *output_dir);

#endif
