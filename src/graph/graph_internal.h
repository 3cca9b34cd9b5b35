/* The graph's representation and builder API (graph.c), shared with the query
 * executor so that its BFS inner loops read the CSR arrays directly (no call per
 * vertex), and with the HDF5 graph format (graph_h5.c), which builds graphs through
 * it. Dependencies go one way: graph_h5.c uses graph.c, never the reverse; the
 * public loader that chooses between them is graph_load.c. Everything else goes
 * through include/arcos/graph.h. */
#ifndef ARCOS_GRAPH_INTERNAL_H
#define ARCOS_GRAPH_INTERNAL_H

#include "arcos/graph.h"
#include "arcos/ring.h"
#include "arcos/util.h"

struct arcos_graph {
  MPI_Comm comm;
  int rank, size;
  arcos_ring_t *ring;
  arcos_arena_t *arena;
  arcos_graph_stats_t stats;
  char input_names[2][64];

  uint32_t n; /* local vertices */
  char **ids; /* sorted byte-wise */
  uint32_t *id_len;
  int *label;         /* per vertex */
  char **props;       /* per vertex: canonical text (in the arena), NULL when none */
  uint64_t *gid_base; /* size + 1 */

  char **labels; /* global table, sorted */
  int nlabels;
  uint64_t *label_nodes;
  uint64_t *label_off; /* local label index CSR: nlabels + 1 */
  uint32_t *label_vtx;

  char **types;
  int ntypes;
  uint64_t *type_edges;

  uint64_t *out_off, *in_off; /* n + 1 */
  uint64_t *out_nbr, *in_nbr;
  uint32_t *out_type, *in_type;
  uint64_t nout, nin;

  arcos_graph_error_t *errs;
  size_t nerrs, caperrs;
  uint32_t *htab; /* id -> local vertex + 1 (0: empty), open addressing; NULL: bisect */
  uint64_t hmask;
};

/* Shared by graph.c (JSON inputs) and graph_h5.c (HDF5 graphs). */
int graph_add_error_named(arcos_graph_t *g, const char *kind, const char *input, int64_t line,
                          const char *key, size_t keylen, const char *text);
/* Collective personalised all-to-all of byte buffers (send[q] to rank q, reset after);
 * recv gets every rank's bytes for us in rank order. Returns an agreed code. */
int graph_exchange(arcos_graph_t *g, arcos_buf_t *send, arcos_buf_t *recv);
void graph_build_id_hash(arcos_graph_t *g);
/* Collective: label index and global statistics. vlabel: each vertex's label name, or
 * NULL when g->label already holds the label numbers. */
int graph_build_indexes(arcos_graph_t *g, char **vlabel);
/* Sort each vertex's CSR list [off[v], off[v+1]) by (type, neighbour). */
int graph_sort_adjacency(uint32_t n, const uint64_t *off, uint64_t *nbr, uint32_t *type);
/* Collective: an empty graph holding comm, rank, size, ring, arena and gid_base, the
 * start of every load (JSON directory here, HDF5 file in graph_h5.c). Returns an
 * agreed code; destroy with arcos_graph_destroy. */
int graph_create(MPI_Comm comm, arcos_graph_t **out, arcos_detail_t *d);
/* Collective: fill g (from graph_create) from a graph directory (nodes.jsonl +
 * relationships.jsonl or nodes.json + relationships.json). Returns an agreed code; d
 * says why. */
int graph_load_dir(arcos_graph_t *g, const char *path, arcos_detail_t *d);

#endif
