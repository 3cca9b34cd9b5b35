/* The graph's representation, shared with the query executor so that its BFS inner
 * loops read the CSR arrays directly (no call per vertex). Everything else goes
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

  uint32_t n;          /* local vertices */
  char **ids;          /* sorted byte-wise */
  uint32_t *id_len;
  int *label;          /* per vertex */
  json_t **props;      /* per vertex, NULL when none */
  uint64_t *gid_base;  /* size + 1 */

  char **labels;       /* global table, sorted */
  int nlabels;
  uint64_t *label_nodes;
  uint64_t *label_off; /* local label index CSR: nlabels + 1 */
  uint32_t *label_vtx;

  char **types;
  int ntypes;
  uint64_t *type_edges;

  uint64_t *out_off, *in_off;  /* n + 1 */
  uint64_t *out_nbr, *in_nbr;
  uint32_t *out_type, *in_type;
  uint64_t nout, nin;

  arcos_graph_error_t *errs;
  size_t nerrs, caperrs;
  size_t props_bytes;
  uint32_t *htab;      /* id -> local vertex + 1 (0: empty), open addressing; NULL: bisect */
  uint64_t hmask;
};

#endif
