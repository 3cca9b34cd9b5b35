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

/* Default virtual nodes per logical node, chosen by measurement (docs/cache.md): with
 * 10 nodes and 1,000,000 keys "ev-000001"... the largest deviation of a node's key
 * count from the mean is 7.8 % at 1024 vnodes, 5.0 % at 2048, 3.0 % at 4096 and 1.3 %
 * at 8192. 4096 keeps it under 5 % with room to spare while a lookup stays a binary
 * search of about 110 ns over 40,960 points (7 ms to build the ring). Passing 0 as
 * vnodes to the create functions also selects this value. */
#define ARCOS_RING_DEFAULT_VNODES 4096

/* 64-bit xxHash (XXH3) of a key; the only hash used for placement. */
uint64_t arcos_hash64(const void *key, size_t len);

/* nodes >= 1; vnodes == 0 picks the default. Returns NULL when out of memory. */
arcos_ring_t *arcos_ring_create(int nodes, int vnodes);
/* A ring holding only the listed logical nodes (count >= 1 distinct ids >= 0), e.g.
 * every node but one taken out of service. A node's points depend only on its id, so
 * keys of the listed nodes keep their owner. vnodes == 0 picks the default. Returns
 * NULL when out of memory or the ids are not valid. */
arcos_ring_t *arcos_ring_create_subset(const int *node_ids, int count, int vnodes);
void arcos_ring_destroy(arcos_ring_t **ring);

/* Number of logical nodes on the ring (count for a subset ring). */
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
