/* arcos_graph_load (include/arcos/graph.h): the one place that knows both graph
 * forms, so that graph.c (JSON directories, the builder API) and graph_h5.c (HDF5
 * graphs, built through that API) do not call each other in a circle. */
#include "arcos/graph.h"

#include <stdlib.h>

#include "arcos/util.h"
#include "graph/graph_h5_internal.h"
#include "graph/graph_internal.h"

int arcos_graph_load(MPI_Comm comm, const char *path, arcos_graph_t **out, arcos_detail_t *d) {
  double t0 = arcos_now();
  *out = NULL;
  arcos_graph_t *g = NULL;
  int rc = graph_create(comm, &g, d);
  if (rc != ARCOS_OK)
    return rc;
  /* Which form: decided by rank 0 so that all ranks agree. */
  int kind = g->rank == 0 ? arcos_graph_detect(path) : 0;
  MPI_Bcast(&kind, 1, MPI_INT, 0, comm);
  rc = kind == ARCOS_GRAPH_HDF5 ? graph_h5_load(g, path, d) : graph_load_dir(g, path, d);
  if (rc != ARCOS_OK) {
    arcos_graph_destroy(&g);
    return rc;
  }
  double dt = arcos_now() - t0;
  MPI_Allreduce(&dt, &g->stats.load_s, 1, MPI_DOUBLE, MPI_MAX, comm);
  *out = g;
  return ARCOS_OK;
}
