/* The HDF5 graph format's loader (graph_h5.c), for the public loader (graph_load.c). */
#ifndef ARCOS_GRAPH_H5_INTERNAL_H
#define ARCOS_GRAPH_H5_INTERNAL_H

#include "arcos/error.h"
#include "arcos/graph.h"

/* Collective: fill g (from graph_create) from an HDF5 graph file. Returns an agreed
 * code; d (on every rank) says why. */
int graph_h5_load(arcos_graph_t *g, const char *path, arcos_detail_t *d);

#endif
