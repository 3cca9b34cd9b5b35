/* The graph step of `run`: a thin adapter from the job's stored items to the query
 * job (src/graph/query_job.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/graph.h"
#include "arcos/query.h"
#include "run/h5_queries.h"
#include "run/job_graph_internal.h"

int arcos_job_graph_check(const arcos_ctx_t *ctx) {
  const arcos_config_t *cfg = ctx->cfg;
  if (cfg->graph == NULL && cfg->queries == NULL)
    return ARCOS_EXIT_OK;
  if (cfg->graph == NULL || cfg->queries == NULL) {
    if (ctx->rank == 0)
      fprintf(ctx->err, "arcos-scale: --graph and --queries go together\n");
    return ARCOS_EXIT_USAGE;
  }
  if (cfg->max_memory_mb > 0) {
    /* with_scores joins the run's stored records, which a spilling run keeps on disk */
    if (ctx->rank == 0)
      fprintf(ctx->err, "arcos-scale: --graph/--queries cannot be combined with "
                        "--max-memory-mb yet; run the queries with `arcos-scale query`\n");
    return ARCOS_EXIT_USAGE;
  }
  arcos_query_list_t ql;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_query_load(cfg->queries, &ql, &d);
  if (rc != ARCOS_OK) {
    if (ctx->rank == 0)
      fprintf(ctx->err, "arcos-scale: %s: %s\n", d.source[0] ? d.source : cfg->queries, d.text);
    return ARCOS_EXIT_USAGE;
  }
  arcos_query_list_free(&ql);
  /* A named file that is not there is a usage error now, before any input is read
   * (SPEC §6), not after the pipeline. */
  if (access(cfg->graph, R_OK) != 0) {
    if (ctx->rank == 0)
      fprintf(ctx->err, "arcos-scale: --graph %s: cannot read it: %s\n", cfg->graph,
              strerror(errno));
    return ARCOS_EXIT_USAGE;
  }
  /* A damaged HDF5 graph fails now, not after the pipeline (the full checks run when
   * it is loaded). */
  int bad = 0;
  if (ctx->rank == 0 && arcos_graph_detect(cfg->graph) == ARCOS_GRAPH_HDF5) {
    arcos_detail_clear(&d);
    if (arcos_graph_probe_file(cfg->graph, &d) != ARCOS_OK) {
      fprintf(ctx->err, "arcos-scale: graph %s: %s\n", d.source, d.text);
      bad = 1;
    }
  }
  MPI_Bcast(&bad, 1, MPI_INT, 0, ctx->comm);
  return bad ? ARCOS_EXIT_FAILED : ARCOS_EXIT_OK;
}

int arcos_job_graph_run(const arcos_ctx_t *ctx, const job_t *job, const char *const tmp[3],
                        json_t **queries, json_t **recs) {
  const arcos_config_t *cfg = ctx->cfg;
  *queries = NULL;
  *recs = NULL;
  if (cfg->graph == NULL)
    return ARCOS_EXIT_OK;
  size_t n = 0;
  for (size_t i = 0; i < job->rec.nitems; i++)
    n += job->rec.items[i].status == ITEM_STORED;
  const char **ids = malloc((n + 1) * sizeof *ids);
  size_t *lens = malloc((n + 1) * sizeof *lens);
  double *scores = malloc((n + 1) * sizeof *scores);
  int ok = ids != NULL && lens != NULL && scores != NULL, all = 0;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, ctx->comm);
  int code = ARCOS_EXIT_FAILED;
  if (all) {
    size_t k = 0;
    for (size_t i = 0; i < job->rec.nitems; i++) {
      const item_t *it = &job->rec.items[i];
      if (it->status != ITEM_STORED)
        continue;
      ids[k] = it->id;
      lens[k] = it->id_len;
      scores[k++] = (double)it->score;
    }
    arcos_query_job_t qj = {.graph = cfg->graph,
                            .queries = cfg->queries,
                            .output = cfg->output,
                            .errors_path = tmp[0],
                            .queries_path = tmp[1],
                            .score_ids = ids,
                            .score_lens = lens,
                            .score_values = scores,
                            .nscores = n,
                            .report_queries = queries,
                            .recommendations = recs,
                            .quiet = cfg->quiet};
    code = arcos_query_job(ctx->comm, &qj, ctx->out, ctx->err);
    if (code == ARCOS_EXIT_OK) {
      /* SPEC §6: every query's result also goes to results.h5 as /queries/<id> */
      int hrc = ARCOS_OK;
      if (ctx->rank == 0)
        hrc = arcos_h5_add_queries(tmp[2], tmp[1], ctx->err);
      MPI_Bcast(&hrc, 1, MPI_INT, 0, ctx->comm);
      if (hrc != ARCOS_OK)
        code = ARCOS_EXIT_FAILED;
    }
  } else if (ctx->rank == 0) {
    fprintf(ctx->err, "arcos-scale: out of memory before the graph queries\n");
  }
  free(ids);
  free(lens);
  free(scores);
  return code;
}
