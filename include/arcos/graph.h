/* The evidence graph (SPEC §7, DESIGN.md "Graph"): a distributed property graph with
 * 1-D partitioning. A vertex lives on the rank hosting the ring owner of its id
 * (arcos_ring_host_rank(arcos_ring_owner_key(ring, id, len), size)); its out-edges
 * are stored with it (out-CSR) and its in-edges too (in-CSR), each vertex's edges
 * sorted by relationship type, then neighbour.
 *
 * Vertices have dense global numbers: rank r's vertices are gid_base[r] + 0..n_r-1,
 * local order = byte-wise order of their ids, and gid_base[r] is a multiple of 64 so
 * that one bit per gid in the concatenation of the ranks' 64-bit bitmap words is the
 * global frontier of a bottom-up BFS level (arcos_graph_bitmap_words).
 *
 * Inputs: a directory holding nodes.json + relationships.json (objects keyed by id,
 * CIV-ARCOS) or nodes.jsonl + relationships.jsonl (one object per line). Every rank
 * reads a share (byte ranges of JSON Lines; rank 0 parses a JSON object and scatters
 * its members) and sends nodes and edges to their owners with MPI_Alltoallv.
 *
 * Bad input never crashes or hangs a load: a duplicate node or relationship id, a
 * relationship with an unknown endpoint, missing fields or wrong types, text that is
 * no JSON become error records (arcos_graph_error_t), counted, kept on the rank that
 * found them, and gathered in (input, line, key) order by arcos_graph_errors_gather.
 * Of duplicates the first in input order is kept. Self-loops and cycles are valid. */
#ifndef ARCOS_GRAPH_H
#define ARCOS_GRAPH_H

#include <jansson.h>
#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/error.h"

typedef struct arcos_graph arcos_graph_t;

/* One refused input element. */
typedef struct {
  char kind[24];  /* "parse", "invalid", "duplicate_node", "duplicate_relationship",
                     "dangling_relationship" */
  char input[64]; /* "nodes.jsonl", "relationships.json", ... */
  int64_t line;   /* 1-based line (JSON Lines) or member position (JSON object) */
  char key[128];  /* the node or relationship id when known, else "" */
  char text[192]; /* what is wrong */
} arcos_graph_error_t;

/* Global statistics, identical on every rank after a load (MPI_Allreduce). */
typedef struct {
  uint64_t nodes, edges; /* valid nodes and relationships */
  uint64_t errors;       /* error records on all ranks */
  uint64_t max_out_degree, max_in_degree;
  uint64_t out_degree_hist[32]; /* vertices with out-degree in [2^(k-1), 2^k); [0]: 0 */
  double load_s;                /* wall time of the load (max over ranks) */
} arcos_graph_stats_t;

/* What `path` holds: ARCOS_GRAPH_DIR (a directory with nodes.jsonl +
 * relationships.jsonl or nodes.json + relationships.json), ARCOS_GRAPH_HDF5 (an HDF5
 * file; whether it is a sound graph is checked when loading), or 0. Not collective. */
enum { ARCOS_GRAPH_DIR = 1, ARCOS_GRAPH_HDF5 = 2 };
int arcos_graph_detect(const char *path);

/* Collective. Reads the graph directory or HDF5 graph file `path`. Returns 0, or (identically on
 * every rank) ARCOS_ENOENT when no graph files are found, ARCOS_EIO when they cannot be read,
 * ARCOS_ENOMEM, with detail naming the file. Bad elements are error records, not failures. *out
 * receives the graph ("new"; destroy with arcos_graph_destroy). */
int arcos_graph_load(MPI_Comm comm, const char *path, arcos_graph_t **out, arcos_detail_t *detail);
void arcos_graph_destroy(arcos_graph_t **g);

/* HDF5 graphs (docs/formats.md, "HDF5 graphs"): `arcos-scale convert GRAPH_DIR --out
 * FILE.h5` loads the directory as --graph does (error records included), gathers the
 * graph on rank 0 and writes it there with nodes sorted byte-wise by id, labels and
 * types as sorted dictionaries, relationships as node-index arrays sorted by (source,
 * type, target), degrees and sizes declared, the error records kept. Collective;
 * returns an agreed code, rank 0's detail says why. Writes under a temporary name and
 * renames when complete. */
#define ARCOS_GRAPH_FORMAT "arcos-graph"
#define ARCOS_GRAPH_VERSION 1
typedef struct {
  uint64_t chunk_rows;  /* elements per chunk of the integer arrays */
  uint64_t chunk_bytes; /* bytes per chunk of string data */
  int deflate;          /* 0..9 */
} arcos_graph_convert_opts_t;
typedef struct {
  uint64_t nodes, relationships, errors;
  double load_s, write_s;
} arcos_graph_convert_stats_t;
/* Not collective: check an HDF5 graph file's format, declared sizes, dataset types and
 * lengths without loading it (what `run` does before its pipeline, so that a damaged
 * file fails at once). 0, or ARCOS_EINVALID/ARCOS_ERANGE with detail naming the file,
 * what is wrong and what to do. */
int arcos_graph_probe_file(const char *path, arcos_detail_t *detail);
int arcos_graph_convert(MPI_Comm comm, const char *dir, const arcos_graph_convert_opts_t *opts,
                        const char *out, arcos_graph_convert_stats_t *stats,
                        arcos_detail_t *detail);

const arcos_graph_stats_t *arcos_graph_stats(const arcos_graph_t *g);
MPI_Comm arcos_graph_comm(const arcos_graph_t *g);

/* Labels and relationship types, the same table on every rank, sorted byte-wise. */
int arcos_graph_label_count(const arcos_graph_t *g);
const char *arcos_graph_label_name(const arcos_graph_t *g, int label);
int arcos_graph_label_find(const arcos_graph_t *g, const char *name); /* -1 if none */
uint64_t arcos_graph_label_nodes(const arcos_graph_t *g, int label);  /* global count */
int arcos_graph_type_count(const arcos_graph_t *g);
const char *arcos_graph_type_name(const arcos_graph_t *g, int type);
int arcos_graph_type_find(const arcos_graph_t *g, const char *name); /* -1 if none */
uint64_t arcos_graph_type_edges(const arcos_graph_t *g, int type);   /* global count */

/* This rank's vertices: 0..local_count-1, ids sorted byte-wise. */
uint32_t arcos_graph_local_count(const arcos_graph_t *g);
uint64_t arcos_graph_gid_base(const arcos_graph_t *g, int rank);
int arcos_graph_gid_owner(const arcos_graph_t *g, uint64_t gid); /* rank holding gid */
const char *arcos_graph_local_id(const arcos_graph_t *g, uint32_t v);
int arcos_graph_local_label(const arcos_graph_t *g, uint32_t v);
/* A node's properties as Python's json.dumps(properties, sort_keys=True) writes them
 * (big integers, NaN, Infinity and lone surrogates included); NULL when none. */
const char *arcos_graph_local_properties(const arcos_graph_t *g, uint32_t v);
/* Local vertex of an id this rank owns, or -1. */
int64_t arcos_graph_local_find(const arcos_graph_t *g, const char *id, size_t len);
/* Rank that owns an id (whether or not the vertex exists). */
int arcos_graph_owner_of(const arcos_graph_t *g, const char *id, size_t len);

/* Label index: the local vertices with `label`, ascending (borrowed). */
const uint32_t *arcos_graph_label_index(const arcos_graph_t *g, int label, uint32_t *count);

/* CSR: edges of local vertex v, out (to neighbours) or in (from neighbours), sorted
 * by type then neighbour gid. nbr[i] is a gid, type[i] a type number (borrowed). */
typedef struct {
  const uint64_t *nbr;
  const uint32_t *type;
  uint64_t count;
} arcos_graph_adj_t;
arcos_graph_adj_t arcos_graph_out(const arcos_graph_t *g, uint32_t v);
arcos_graph_adj_t arcos_graph_in(const arcos_graph_t *g, uint32_t v);
/* Out-edges stored on this rank (the sum over ranks is stats->edges). */
uint64_t arcos_graph_local_edges(const arcos_graph_t *g);

/* 64-bit words of this rank's share of a global bitmap, and of all ranks' shares
 * together (the gid space, padded). */
size_t arcos_graph_bitmap_words(const arcos_graph_t *g);
size_t arcos_graph_global_words(const arcos_graph_t *g);

/* Error records found on this rank (borrowed). */
const arcos_graph_error_t *arcos_graph_errors(const arcos_graph_t *g, size_t *count);
/* Collective: at rank 0 a new JSON array of every rank's error records, sorted by
 * (input, line, key), each {kind, input, line, key, error}; NULL on other ranks. */
json_t *arcos_graph_errors_gather(const arcos_graph_t *g);

/* Bytes this rank holds for the graph (CSR, ids, indexes, properties estimate). */
size_t arcos_graph_memory_bytes(const arcos_graph_t *g);

#endif
