/* Graph queries (SPEC §7): the queries file, a cost-based planner over the graph's
 * global statistics, and execution by level-synchronous distributed BFS.
 *
 * traverse: every node reachable from a start node in 0..max_depth hops along the
 * allowed relationship types in the given direction that matches label and
 * properties (start nodes count when they match). match: every node with that label
 * and those properties. Ids are sorted byte-wise; limit truncates after sorting.
 *
 * Strategies: index_scan expands the frontier top-down through the adjacency index
 * (match: the label index); full_scan examines every unvisited vertex bottom-up once
 * per level against the global frontier bitmap (match: every vertex). auto picks the
 * cheaper by the cost model and, for traverse, switches per level the way
 * direction-optimizing BFS does. The result never depends on the strategy or the
 * number of ranks; only the work counts in the plan do. See docs/graph.md. */
#ifndef ARCOS_QUERY_H
#define ARCOS_QUERY_H

#include <jansson.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arcos/error.h"
#include "arcos/graph.h"
#include "arcos/util.h"

typedef enum { ARCOS_Q_TRAVERSE = 0, ARCOS_Q_MATCH } arcos_qtype_t;
typedef enum {
  ARCOS_STRATEGY_AUTO = 0,
  ARCOS_STRATEGY_INDEX,
  ARCOS_STRATEGY_FULL
} arcos_strategy_t;
typedef enum { ARCOS_DIR_OUT = 0, ARCOS_DIR_IN, ARCOS_DIR_BOTH } arcos_direction_t;

/* One step of a traverse (SPEC §7): from its start set, every node whose shortest hop
 * distance along the allowed types in the direction lies in min_depth..max_depth and
 * that matches label and properties. A match query has one step: label and properties. */
typedef struct {
  char **rels; /* allowed relationship types; nrels == 0: all */
  size_t nrels;
  arcos_direction_t direction; /* default out */
  char *label;                 /* NULL: any */
  json_t *properties;          /* NULL: none; else an object of required values */
  /* properties as texts to find in a node's canonical properties text: per required
   * member, want[2k] its key and want[2k + 1] its value, each as Python's
   * json.dumps(sort_keys=True) writes it */
  char **want;
  size_t nwant;
  int64_t min_depth; /* default 0 */
  int64_t max_depth; /* default 1 */
} arcos_qstep_t;

typedef struct {
  char *id;
  arcos_qtype_t type;
  char **start_nodes; /* traverse */
  size_t nstart;
  arcos_qstep_t *steps; /* >= 1: "pattern" is one step, "steps" one per element; step k + 1
                           starts from step k's result, the query's result is the last's */
  size_t nsteps;
  bool chained;  /* written with "steps" (queries.jsonl's plan then lists them) */
  int64_t limit; /* -1: none */
  arcos_strategy_t strategy;
  bool with_scores;
  bool return_label, return_properties; /* "return": rows with these keys */
} arcos_query_t;

typedef struct {
  arcos_query_t *q;
  size_t n;
} arcos_query_list_t;

const char *arcos_strategy_name(int strategy); /* "auto", "index_scan", "full_scan" */
const char *arcos_qtype_name(int type);        /* "traverse", "match" */

/* Parse a queries document (a JSON array of query objects). Returns 0 or ARCOS_ECONFIG
 * with detail naming the query (position and id) and the field. list is filled ("new";
 * free with arcos_query_list_free) only on success. source names the file in detail. */
int arcos_query_parse(const json_t *doc, const char *source, arcos_query_list_t *list,
                      arcos_detail_t *detail);
/* Read and parse a queries file: ARCOS_ENOENT/ARCOS_EIO, ARCOS_EPARSE (with line and
 * column in detail) or arcos_query_parse's codes. */
int arcos_query_load(const char *path, arcos_query_list_t *list, arcos_detail_t *detail);
void arcos_query_list_free(arcos_query_list_t *list);

/* The plan: chosen strategy, estimates from the cost model, work actually done. A
 * traverse plans each step when it starts, from the degrees of its actual start set
 * (the previous step's result, on its owners); the query's plan sums the steps. */
typedef struct {
  arcos_strategy_t strategy; /* index_scan or full_scan: what ran first */
  double estimated_nodes, estimated_edges;
  double alt_nodes, alt_edges; /* the estimate of the strategy not chosen */
  double cost, alt_cost;
  uint64_t actual_nodes, actual_edges; /* vertices and edges examined, all ranks */
  uint64_t start_nodes, result_nodes;  /* a step's start set and result, all ranks */
  char levels[72];                     /* per BFS level: 'T' top-down, 'B' bottom-up */
  char reason[400];
} arcos_qplan_t;

/* Cost-based plan of q's first step on g (from its start nodes). Collective (one
 * allreduce of the start nodes' degrees); otherwise it reads only global statistics,
 * so every rank computes the same plan. */
void arcos_query_plan(const arcos_graph_t *g, const arcos_query_t *q, arcos_qplan_t *plan);

/* Scores of stored evidence attached to the graph's vertices. */
typedef struct arcos_scores arcos_scores_t;
/* Collective: each rank passes any share of (id, score) pairs (ids[i] of lens[i]
 * bytes); they are sent to the vertices' owners. Ids that are no vertex are dropped.
 * Returns NULL (on every rank) when out of memory. */
arcos_scores_t *arcos_scores_attach(const arcos_graph_t *g, const char *const *ids,
                                    const size_t *lens, const double *scores, size_t n);
void arcos_scores_destroy(arcos_scores_t **s);

typedef struct {
  uint64_t count; /* matching nodes, before limit */
  bool truncated;
  /* Rank 0 only: the result ids, sorted byte-wise, after limit. */
  char **nodes;
  size_t nnodes;
  double *scores;               /* with_scores: per node, NaN when not stored evidence */
  double score_min, score_mean; /* with_scores: over the whole result (before limit),
                                   the nodes with a score; NaN if none */
  /* Rank 0, with "return": per listed node its label number and its properties as
   * Python's json.dumps(properties, sort_keys=True) writes them ("{}" when none). */
  int *labels;
  char **props;
  arcos_qplan_t plan;   /* the query's: a step's, or the sum of the steps' */
  arcos_qplan_t *steps; /* per step (nsteps of the query) */
  size_t nsteps;
  double query_time; /* seconds, max over ranks */
  uint64_t nodes_visited, edges_traversed;
  uint64_t reached_edges; /* traverse: out-edges (all types) of the reached vertices, the
                             TEPS numerator of graph500 for an undirected traversal */
  uint64_t memory_usage;  /* bytes of working memory the query used, summed over ranks */
} arcos_query_result_t;

/* Collective. strategy_override >= 0 replaces q->strategy (tests). scores may be NULL
 * (every score null). Returns 0 or an agreed error code. */
int arcos_query_execute(const arcos_graph_t *g, const arcos_query_t *q,
                        const arcos_scores_t *scores, int strategy_override,
                        arcos_query_result_t *res);
void arcos_query_result_free(arcos_query_result_t *res);

/* The queries.jsonl line of a result without rows (rank 0; "new"). */
json_t *arcos_query_result_json(const arcos_query_t *q, const arcos_query_result_t *res);
/* The queries.jsonl line, rows included, as text ending in a newline, appended to out
 * (rank 0). Returns 0 or ARCOS_ENOMEM. */
int arcos_query_result_line(const arcos_graph_t *g, const arcos_query_t *q,
                            const arcos_query_result_t *res, arcos_buf_t *out);
/* The plan as a JSON object ("new"). */
json_t *arcos_qplan_json(const arcos_qplan_t *plan);
/* Human-readable plan for --explain. */
void arcos_query_explain(FILE *out, const arcos_graph_t *g, const arcos_query_t *q,
                         const arcos_query_result_t *res);

/* Recommendations grounded in the measured numbers ("new" array of strings): the
 * seed's rules (over 10,000 nodes -> partitioning, a slow query -> indexes, edges >
 * 3 x nodes -> density) with the figures that triggered them, plus estimate-vs-actual
 * misses, truncated results and error records. results/queries hold nq entries. */
json_t *arcos_query_recommendations(const arcos_graph_stats_t *st, const arcos_query_t *queries,
                                    const arcos_query_result_t *results, size_t nq);

/* A whole query job: load the graph, run every query, write DIR/queries.jsonl (and
 * the graph's error records to DIR/graph_errors.jsonl, a summary to DIR/report.json), print
 * plans with explain. Collective. Used by `arcos-scale query` and by `run`. */
typedef struct {
  const char *graph;
  const char *queries;
  const char *output; /* directory */
  bool create_output; /* create it, refusing an existing one unless force */
  bool force;
  bool explain;
  bool quiet;        /* no summary line on stderr */
  bool write_report; /* DIR/report.json (the query command; run writes its own) */
  /* Where run wants the two files (its temporary names, renamed with its other
   * outputs); NULL: DIR/graph_errors.jsonl and DIR/queries.jsonl, each written under a
   * temporary name and renamed when complete. */
  const char *errors_path;
  const char *queries_path;
  /* Stored evidence for with_scores: this rank's share (may be empty). */
  const char *const *score_ids;
  const size_t *score_lens;
  const double *score_values;
  size_t nscores;
  /* Out, rank 0, may be NULL: report entries queries[] and optimization_recommendations
   * ("new" arrays). */
  json_t **report_queries;
  json_t **recommendations;
} arcos_query_job_t;

/* Returns a SPEC §9 exit code, identical on every rank: 0, 1 (graph unreadable, output
 * not writable), 2 (bad queries file or usage). Messages go to err (rank 0). */
int arcos_query_job(MPI_Comm comm, const arcos_query_job_t *job, FILE *out, FILE *err);

#endif
