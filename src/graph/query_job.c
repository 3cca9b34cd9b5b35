/* A graph query job (`arcos-scale query`, and `run --graph --queries`): load, run
 * every query, write queries.jsonl, the graph's error records and a summary. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arcos/graph.h"
#include "arcos/outfile.h"
#include "arcos/query.h"
#include "arcos/util.h"

#define SLOW_QUERY_S 0.1

json_t *arcos_query_recommendations(const arcos_graph_stats_t *st, const arcos_query_t *queries,
                                    const arcos_query_result_t *results, size_t nq) {
  json_t *a = json_array();
  char t[512];
  if (st->nodes > 10000) {
    snprintf(t, sizeof t,
             "The graph has %llu nodes (over 10,000): partition it over more ranks "
             "(mpirun -np N) so each holds nodes/N and a BFS level's work is shared.",
             (unsigned long long)st->nodes);
    json_array_append_new(a, json_string(t));
  }
  if (st->nodes > 0 && st->edges > 3 * st->nodes) {
    snprintf(t, sizeof t,
             "The graph is dense: %llu edges for %llu nodes (%.1f per node, over 3): traversals "
             "deeper than 1-2 hops reach most of it; prefer relationship filters and "
             "full_scan (bottom-up) for wide queries.",
             (unsigned long long)st->edges, (unsigned long long)st->nodes,
             (double)st->edges / (double)st->nodes);
    json_array_append_new(a, json_string(t));
  }
  for (size_t i = 0; i < nq; i++) {
    const arcos_query_result_t *r = &results[i];
    const arcos_query_t *q = &queries[i];
    if (r->query_time > SLOW_QUERY_S) {
      snprintf(t, sizeof t,
               "Query %s took %.3f s (over %.1f s) and examined %llu nodes and %llu edges for "
               "%llu results: add a label or relationship filter so the %s can narrow it.",
               q->id, r->query_time, SLOW_QUERY_S, (unsigned long long)r->nodes_visited,
               (unsigned long long)r->edges_traversed, (unsigned long long)r->count,
               q->type == ARCOS_Q_MATCH ? "label index" : "adjacency index");
      json_array_append_new(a, json_string(t));
    }
    double est = r->plan.estimated_nodes + r->plan.estimated_edges;
    double act = (double)(r->plan.actual_nodes + r->plan.actual_edges);
    if (act > 1000 && (est * 10 < act || act * 10 < est)) {
      snprintf(t, sizeof t,
               "Query %s: the planner estimated %.0f nodes+edges but %.0f were examined: "
               "degrees are skewed; consider forcing \"strategy\" for this query.",
               q->id, est, act);
      json_array_append_new(a, json_string(t));
    }
    if (r->truncated) {
      snprintf(t, sizeof t,
               "Query %s returned %zu of %llu results (limit): raise \"limit\" to see all.", q->id,
               r->nnodes, (unsigned long long)r->count);
      json_array_append_new(a, json_string(t));
    }
  }
  if (st->errors > 0) {
    snprintf(t, sizeof t,
             "%llu graph elements were refused (dangling or duplicate relationships, duplicate "
             "nodes, missing fields): see graph_errors.jsonl.",
             (unsigned long long)st->errors);
    json_array_append_new(a, json_string(t));
  }
  return a;
}

/* Write text to `path` when given (run's temporary name, which run renames), else to
 * DIR/name via a temporary name. */
static int write_atomic(const char *dir, const char *name, const char *path, const arcos_buf_t *b,
                        FILE *err) {
  char fin[4096];
  if (path != NULL)
    snprintf(fin, sizeof fin, "%s", path);
  else
    snprintf(fin, sizeof fin, "%s/%s", dir, name);
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_out_write_atomic(fin, b->data, b->len, false, &d);
  if (rc != ARCOS_OK) {
    fprintf(err, "arcos-scale: %s\n", d.text);
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}

static int append_line(arcos_buf_t *b, json_t *o) {
  char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
  int rc = s != NULL ? arcos_buf_printf(b, "%s\n", s) : ARCOS_ENOMEM;
  free(s);
  return rc;
}

/* Rank 0 makes the output directory (or refuses an existing one without --force); every
 * rank returns the same code. */
static int make_output(MPI_Comm comm, int rank, const arcos_query_job_t *job, FILE *err) {
  int orc = 0;
  if (rank == 0) {
    struct stat stt;
    if (stat(job->output, &stt) == 0) {
      if (!S_ISDIR(stt.st_mode) || !job->force) {
        fprintf(err,
                "arcos-scale: output directory %s already exists; pass --force to overwrite "
                "its results or choose another --output\n",
                job->output);
        orc = 1;
      }
    } else if (mkdir(job->output, 0775) != 0) {
      fprintf(err, "arcos-scale: cannot create output directory %s: %s\n", job->output,
              strerror(errno));
      orc = 1;
    }
  }
  MPI_Bcast(&orc, 1, MPI_INT, 0, comm);
  return orc;
}

/* Every query on every rank, in order (explained on rank 0 with --explain); 0 or 1. */
static int run_queries(int rank, const arcos_query_job_t *job, arcos_graph_t *g,
                       const arcos_query_list_t *ql, arcos_scores_t *scores,
                       arcos_query_result_t *res, FILE *out, FILE *err) {
  int code = 0;
  for (size_t i = 0; code == 0 && i < ql->n; i++) {
    int rc = arcos_query_execute(g, &ql->q[i], scores, -1, &res[i]);
    if (rc != ARCOS_OK) {
      if (rank == 0)
        fprintf(err, "arcos-scale: query %s failed: %s\n", ql->q[i].id, arcos_strerror(rc));
      code = 1;
    }
    if (rank == 0 && job->explain)
      arcos_query_explain(out, g, &ql->q[i], &res[i]);
  }
  return code;
}

/* queries.jsonl into b, and the report's per-query summaries into rq (0 or 1). */
static int result_lines(const arcos_graph_t *g, const arcos_query_list_t *ql,
                        const arcos_query_result_t *res, arcos_buf_t *b, json_t *rq) {
  int code = 0;
  for (size_t i = 0; i < ql->n; i++) {
    json_t *line = arcos_query_result_json(&ql->q[i], &res[i]);
    if (arcos_query_result_line(g, &ql->q[i], &res[i], b) != ARCOS_OK)
      code = 1;
    json_t *e = json_pack("{s:s, s:I, s:s, s:O}", "id", ql->q[i].id, "count",
                          (json_int_t)res[i].count, "strategy",
                          arcos_strategy_name(res[i].plan.strategy), "performance_metrics",
                          json_object_get(line, "performance_metrics"));
    json_array_append_new(rq, e);
    json_decref(line);
  }
  return code;
}

/* The query command's own report.json (not written when the run writes its own). */
static int write_report(const arcos_query_job_t *job, const arcos_graph_stats_t *st, json_t *rq,
                        json_t *recs, double qt, arcos_buf_t *b, FILE *err) {
  json_t *rep = json_pack("{s:{s:s, s:I, s:I, s:I, s:I, s:I, s:f}, s:O, s:O, s:f}", "graph", "path",
                          job->graph, "nodes", (json_int_t)st->nodes, "edges",
                          (json_int_t)st->edges, "errors", (json_int_t)st->errors, "max_out_degree",
                          (json_int_t)st->max_out_degree, "max_in_degree",
                          (json_int_t)st->max_in_degree, "load_time", st->load_s, "queries", rq,
                          "optimization_recommendations", recs, "total_query_time", qt);
  arcos_buf_reset(b);
  char *s = rep != NULL ? json_dumps(rep, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
  int code = s == NULL || arcos_buf_printf(b, "%s\n", s) != ARCOS_OK ||
                     write_atomic(job->output, "report.json", NULL, b, err) != ARCOS_OK
                 ? 1
                 : 0;
  free(s);
  json_decref(rep);
  return code;
}

/* Rank 0: queries.jsonl, graph_errors.jsonl, the report, and what it tells the user. */
static int write_outputs(const arcos_query_job_t *job, const arcos_graph_t *g,
                         const arcos_query_list_t *ql, const arcos_query_result_t *res,
                         const json_t *errs, double qt, FILE *out, FILE *err) {
  const arcos_graph_stats_t *st = arcos_graph_stats(g);
  arcos_buf_t b = {0};
  json_t *rq = json_array();
  int code = result_lines(g, ql, res, &b, rq);
  json_t *recs = arcos_query_recommendations(st, ql->q, res, ql->n);
  if (write_atomic(job->output, "queries.jsonl", job->queries_path, &b, err) != ARCOS_OK)
    code = 1;
  /* SPEC §6/§7: the graph's error records have their own file, so that dlq.jsonl
   * holds exactly the dead-lettered evidence records. */
  arcos_buf_reset(&b);
  for (size_t i = 0; i < json_array_size(errs); i++)
    append_line(&b, json_array_get(errs, i));
  if (code == 0 &&
      write_atomic(job->output, "graph_errors.jsonl", job->errors_path, &b, err) != ARCOS_OK)
    code = 1;
  if (code == 0 && job->write_report)
    code = write_report(job, st, rq, recs, qt, &b, err);
  if (job->explain && json_array_size(recs) > 0) {
    fprintf(out, "optimization recommendations:\n");
    for (size_t i = 0; i < json_array_size(recs); i++)
      fprintf(out, "  - %s\n", json_string_value(json_array_get(recs, i)));
  }
  if (!job->quiet)
    fprintf(err,
            "arcos-scale: graph %llu nodes, %llu edges, %llu error records (loaded in %.3f s); "
            "%zu queries in %.3f s -> %s/queries.jsonl\n",
            (unsigned long long)st->nodes, (unsigned long long)st->edges,
            (unsigned long long)st->errors, st->load_s, ql->n, qt, job->output);
  if (job->report_queries != NULL)
    *job->report_queries = json_incref(rq);
  if (job->recommendations != NULL)
    *job->recommendations = json_incref(recs);
  json_decref(rq);
  json_decref(recs);
  arcos_buf_free(&b);
  return code;
}

int arcos_query_job(MPI_Comm comm, const arcos_query_job_t *job, FILE *out, FILE *err) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  arcos_detail_t d;
  arcos_detail_clear(&d);
  arcos_query_list_t ql = {0};
  int rc = arcos_query_load(job->queries, &ql, &d);
  if (rc != ARCOS_OK) {
    if (rank == 0)
      fprintf(err, "arcos-scale: %s: %s\n", d.source, d.text);
    return 2; /* every rank read the same file and failed the same way */
  }
  int orc = job->create_output ? make_output(comm, rank, job, err) : 0;
  if (orc != 0) {
    arcos_query_list_free(&ql);
    return orc;
  }
  arcos_graph_t *g = NULL;
  rc = arcos_graph_load(comm, job->graph, &g, &d);
  if (rc != ARCOS_OK) {
    if (rank == 0)
      fprintf(err, "arcos-scale: graph %s: %s\n", d.source[0] ? d.source : job->graph, d.text);
    arcos_query_list_free(&ql);
    return 1;
  }
  arcos_scores_t *scores = arcos_scores_attach(g, job->score_ids, job->score_lens,
                                               job->score_values, job->nscores);
  arcos_query_result_t *res = calloc(ql.n + 1, sizeof *res);
  int code = scores == NULL || res == NULL ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &code, 1, MPI_INT, MPI_MAX, comm); /* all run the queries or none */
  if (code != 0 && rank == 0)
    fprintf(err, "arcos-scale: out of memory before the queries\n");
  double t0 = arcos_now();
  if (code == 0)
    code = run_queries(rank, job, g, &ql, scores, res, out, err);
  double qt = arcos_now() - t0;
  json_t *errs = arcos_graph_errors_gather(g);
  if (rank == 0 && code == 0)
    code = write_outputs(job, g, &ql, res, errs, qt, out, err);
  json_decref(errs);
  MPI_Bcast(&code, 1, MPI_INT, 0, comm);
  for (size_t i = 0; res != NULL && i < ql.n; i++)
    arcos_query_result_free(&res[i]);
  free(res);
  arcos_scores_destroy(&scores);
  arcos_graph_destroy(&g);
  arcos_query_list_free(&ql);
  return code;
}
