/* The graph step of `run` (SPEC §7, docs/graph.md): two hooks that src/job.c calls. */
#ifndef ARCOS_JOB_GRAPH_INTERNAL_H
#define ARCOS_JOB_GRAPH_INTERNAL_H

#include <jansson.h>

#include "run/job_internal.h"

/* Before any work. With --graph, --queries must be given and parse (every rank reads
 * the file). Returns 0 or ARCOS_EXIT_USAGE with the message printed by rank 0. */
int arcos_job_graph_check(const arcos_ctx_t *ctx);

/* After the outputs are written: load the graph, join the scores of this rank's stored
 * items, run the queries, write the graph's error records to tmp[0] (graph_errors.jsonl
 * under its temporary name) and the queries' lines to tmp[1] (queries.jsonl), and add
 * /queries to the results file tmp[2]; job.c renames them with the other outputs. At
 * rank 0 *queries and *recs receive the report's queries[] and
 * optimization_recommendations ("new"; NULL without --graph). Collective; returns a
 * SPEC §9 exit code. */
int arcos_job_graph_run(const arcos_ctx_t *ctx, const job_t *job, const char *const tmp[3],
                        json_t **queries, json_t **recs);

#endif
