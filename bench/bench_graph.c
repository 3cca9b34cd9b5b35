/* BFS throughput on a graph directory (docs/performance.md): load once, then for
 * several start vertices an undirected traversal (direction both, unbounded depth,
 * limit 0 so no ids are gathered) under each strategy. TEPS = out-edges of the
 * reached vertices / query time (graph500's numerator for an undirected graph stored
 * as directed edges), reported as the harmonic mean over the starts.
 *
 * GRAPH is a graph directory or an HDF5 graph made by `convert`. With JSON_OUT, rank 0
 * also writes the figures as JSON: ranks, nodes, edges, load_s, the peak RSS of every
 * rank after the load (getrusage: the loader's peak) and per strategy the BFS count,
 * mean time and harmonic-mean MTEPS (wall and cpu).
 *
 * usage: mpirun -np N arcos-bench-graph GRAPH [STARTS] [JSON_OUT] */
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "arcos/graph.h"
#include "arcos/query.h"

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 2) {
    if (rank == 0)
      fprintf(stderr, "usage: arcos-bench-graph GRAPH [STARTS] [JSON_OUT]\n");
    MPI_Finalize();
    return 2;
  }
  int starts = argc > 2 ? atoi(argv[2]) : 8;
  arcos_graph_t *g = NULL;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  if (arcos_graph_load(MPI_COMM_WORLD, argv[1], &g, &d) != ARCOS_OK) {
    if (rank == 0)
      fprintf(stderr, "%s: %s\n", d.source, d.text);
    MPI_Finalize();
    return 1;
  }
  const arcos_graph_stats_t *st = arcos_graph_stats(g);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double rss_mb = (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
  double *rss = rank == 0 ? calloc((size_t)size, sizeof *rss) : NULL;
  MPI_Gather(&rss_mb, 1, MPI_DOUBLE, rss, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  json_t *rep = json_pack("{s:s, s:i, s:I, s:I, s:f, s:[]}", "graph", argv[1], "ranks", size,
                          "nodes", (json_int_t)st->nodes, "edges", (json_int_t)st->edges, "load_s",
                          st->load_s, "peak_rss_mb_after_load");
  json_t *strat = json_object();
  for (int q = 0; rank == 0 && q < size; q++) {
    json_array_append_new(json_object_get(rep, "peak_rss_mb_after_load"), json_real(rss[q]));
    printf("rank %d: peak RSS after the load %.1f MB\n", q, rss[q]);
  }
  free(rss);
  if (rank == 0)
    printf("graph %s: %" PRIu64 " nodes, %" PRIu64 " edges, %" PRIu64
           " error records, loaded in %.2f s on %d rank(s)\n",
           argv[1], st->nodes, st->edges, st->errors, st->load_s, size);
  /* Start vertices "v<k>" with k spread over the id space; only those with edges. */
  json_t *doc = json_array();
  for (int i = 0, k = 0; k < starts && i < starts * 50; i++) {
    char id[32];
    snprintf(id, sizeof id, "v%" PRIu64, (uint64_t)i * 2654435761u % (st->nodes ? st->nodes : 1));
    json_array_append_new(doc, json_pack("{s:s, s:s, s:[s], s:{s:s, s:I}, s:i}", "id", id, "type",
                                         "traverse", "start_nodes", id, "pattern", "direction",
                                         "both", "max_depth", (json_int_t)1 << 40, "limit", 0));
    k++;
  }
  arcos_query_list_t ql;
  if (arcos_query_parse(doc, "bench", &ql, &d) != ARCOS_OK) {
    MPI_Finalize();
    return 1;
  }
  static const int order[] = {ARCOS_STRATEGY_INDEX, ARCOS_STRATEGY_FULL, ARCOS_STRATEGY_AUTO};
  for (size_t si = 0; si < sizeof order / sizeof *order; si++) {
    int s = order[si];
    double inv = 0, tsum = 0, cinv = 0;
    int n = 0;
    for (size_t i = 0; i < ql.n; i++) {
      arcos_query_result_t r;
      double c0 = cpu_now();
      arcos_query_execute(g, &ql.q[i], NULL, s, &r);
      double cpu = cpu_now() - c0;
      MPI_Allreduce(MPI_IN_PLACE, &cpu, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      if (r.count > 1 && r.query_time > 0 && cpu > 0) {
        double teps = (double)r.reached_edges / r.query_time;
        inv += 1.0 / teps;
        cinv += cpu / (double)r.reached_edges;
        tsum += r.query_time;
        n++;
        if (rank == 0 && s == ARCOS_STRATEGY_AUTO && i == 0)
          printf("  start %s: %" PRIu64 " reached, levels %s\n", ql.q[i].id, r.count,
                 r.plan.levels);
      }
      arcos_query_result_free(&r);
    }
    if (rank == 0 && n > 0)
      json_object_set_new(strat, arcos_strategy_name(s),
                          json_pack("{s:i, s:f, s:f, s:f}", "bfs", n, "mean_s", tsum / n,
                                    "mteps_wall", (double)n / inv / 1e6, "mteps_cpu",
                                    (double)n / cinv / 1e6));
    if (rank == 0 && n > 0)
      printf("%-10s %s: %d BFS, mean %.4f s, harmonic mean %.1f MTEPS (wall), %.1f MTEPS (cpu)\n",
             arcos_strategy_name(s),
             s == ARCOS_STRATEGY_INDEX  ? "(top-down)   "
             : s == ARCOS_STRATEGY_FULL ? "(bottom-up)  "
                                        : "(direction-opt)",
             n, tsum / n, (double)n / inv / 1e6, (double)n / cinv / 1e6);
  }
  json_object_set_new(rep, "strategies", strat);
  if (rank == 0 && argc > 3 && json_dump_file(rep, argv[3], JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
    fprintf(stderr, "cannot write %s\n", argv[3]);
  json_decref(rep);
  arcos_query_list_free(&ql);
  json_decref(doc);
  arcos_graph_destroy(&g);
  MPI_Finalize();
  return 0;
}
