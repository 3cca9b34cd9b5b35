/* The exactly-once seen-set (SPEC §3, §8): "the smallest global position wins".
 *
 * Built on the cache's public API: every id lives on the cache node that the cache's
 * live ring gives its hash (arcos_cache_replicas_hash), hosted on that node's rank, and
 * a node taken out of service (arcos_cache_fail_node) is routed around. Entries are
 * compact: a 128-bit hash of the id, the position, input and line travel in one
 * MPI_Alltoallv per round, the owner keeps per hash the smallest position in a flat
 * open-addressing table of offsets into the receive buffer (no per-key malloc), and the
 * full ids are compared only where two 128-bit hashes are equal. The answers travel
 * back in a second MPI_Alltoallv of fixed-size replies. On one rank nothing is sent or
 * packed: the table holds the items' indices. Each id is hashed once per exchange.
 *
 * Rounds partition the ids by hash, not the items by index: round b takes every item
 * whose id hash falls in bucket b, so each round sees every occurrence of its ids and
 * its answers are final. Nothing the seen-set holds outlives its round, so a node
 * taken out of service between rounds loses no decision (see docs/cache.md). */
#ifndef ARCOS_SEEN_H
#define ARCOS_SEEN_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/cache.h"

/* 32 bytes: one is held per record during the exchange, so the answers are written
 * over the question. After the exchange pos, input and line are the first
 * occurrence's (the winner's): an item is a duplicate exactly when its pos changed. */
typedef struct {
  const char *id;  /* in, borrowed */
  uint64_t pos;    /* in: global position, smaller = earlier in input order; out: winner's */
  uint64_t line;   /* in: where this occurrence is; out: the winner's */
  uint32_t input;  /* in: where this occurrence is; out: the winner's */
  uint32_t id_len; /* in */
} arcos_seen_item_t;

typedef struct {
  size_t round_items; /* items per rank per round, about; 0 = everything in one round */
  int fail_node;      /* cache node to take out of service, -1 = none */
  double fail_at;     /* ... before this fraction of the rounds (0..1; 1 = after the last) */
} arcos_seen_opts_t;

/* Figures of one exchange, identical on every rank. */
typedef struct {
  uint64_t lookups;    /* items looked up */
  uint64_t hits;       /* ... that found an entry of their id (duplicates) */
  uint64_t rounds;     /* exchange rounds */
  uint64_t collisions; /* items whose 128-bit hash equals that of a different id */
  double comm_s;       /* this rank's seconds in the exchanges */
  double busy_s;       /* this rank's seconds in the owner's table */
} arcos_seen_stats_t;

/* Collective over comm, which must have the ranks of the cache's communicator in the
 * same order. Fills the out fields of items[0..n). opt and st may be NULL. Returns 0,
 * ARCOS_ERANGE on every rank when a round would move over 2 GiB between two ranks (use
 * smaller rounds), or ARCOS_EUSAGE (fail_node is not a node in service, or the last
 * one). The answers depend only on the set of items, never on rounds or rank count. */
int arcos_seen_exchange(MPI_Comm comm, arcos_cache_t *cache, arcos_seen_item_t *items, size_t n,
                        const arcos_seen_opts_t *opt, arcos_seen_stats_t *st);

/* Test hook: the 128-bit id hash (NULL restores XXH3-128). Tests inject one that makes
 * different ids collide, to prove the full-id comparison. Process-wide; set it before
 * the exchange on every rank. */
typedef void (*arcos_seen_hash_fn)(const void *id, size_t len, uint64_t out[2]);
void arcos_seen_set_hash(arcos_seen_hash_fn fn);

#endif
