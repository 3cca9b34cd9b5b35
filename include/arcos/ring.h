/* Consistent-hash ring (Karger et al.) with virtual nodes over 64-bit xxHash.
 * Logical nodes 0..nodes-1 each own `vnodes` points on the ring; a key belongs to the
 * first point clockwise from its hash. Logical node k is hosted on MPI rank
 * k % size (arcos_ring_host_rank). Used for the exactly-once owner of each id and,
 * later, the distributed cache and graph vertex placement. */
#ifndef ARCOS_RING_H
#define ARCOS_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct arcos_ring arcos_ring_t;

/* Default virtual nodes per logical node (chosen by measurement, see docs/cache.md). */
#define ARCOS_RING_DEFAULT_VNODES 0 /* 0 = let arcos_ring_create pick its default */

/* 64-bit xxHash (XXH3) of a key; the only hash used for placement. */
uint64_t arcos_hash64(const void *key, size_t len);

/* nodes >= 1; vnodes == 0 picks the default. Returns NULL when out of memory. */
arcos_ring_t *arcos_ring_create(int nodes, int vnodes);
void arcos_ring_destroy(arcos_ring_t **ring);

int arcos_ring_nodes(const arcos_ring_t *ring);
int arcos_ring_vnodes(const arcos_ring_t *ring);

/* Owner node of a hash (binary search over the sorted points). */
int arcos_ring_owner(const arcos_ring_t *ring, uint64_t hash);
/* Owner node of a key: arcos_ring_owner(ring, arcos_hash64(key, len)). */
int arcos_ring_owner_key(const arcos_ring_t *ring, const void *key, size_t len);
/* The first n distinct nodes clockwise from hash (owner first) into out[0..n);
 * returns how many were written (min(n, nodes)). */
int arcos_ring_replicas(const arcos_ring_t *ring, uint64_t hash, int *out, int n);

/* MPI rank hosting logical node `node` when the job has `size` ranks. */
static inline int arcos_ring_host_rank(int node, int size) { return node % size; }

#endif
