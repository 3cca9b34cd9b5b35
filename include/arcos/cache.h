/* Distributed cache (SPEC §8): logical cache nodes placed on the consistent-hash ring
 * (arcos/ring.h), hosted round-robin on the MPI ranks, with replication, TTL and
 * failover. Every operation travels in batches: arcos_cache_exec sends all operations
 * a rank queued to the ranks hosting their nodes in one MPI_Alltoallv and brings every
 * answer back in a second one; there are no per-key messages.
 *
 * Placement: a key's replicas are the first R distinct *live* nodes clockwise from its
 * hash (R = replication). Writes go to every replica, reads to the first one (the
 * first live replica). Every replica receives a key's operations in the same order
 * (source rank, then queue order) with the requester's clock reading, so replicas stay
 * identical without a second protocol. See docs/cache.md. */
#ifndef ARCOS_CACHE_H
#define ARCOS_CACHE_H

#include <jansson.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

typedef struct arcos_cache arcos_cache_t;
typedef struct arcos_cache_batch arcos_cache_batch_t;

/* SPEC §8: inside one MPI job a lost rank ends the job and the checkpoint is what
 * survives it, so one copy is the default; 2 or more lets a node taken out of service
 * (arcos_cache_fail_node) lose nothing. */
#define ARCOS_CACHE_DEFAULT_REPLICATION 1
#define ARCOS_CACHE_MAX_REPLICATION 8
/* Keys of more than this many bytes are refused (ARCOS_CACHE_TOO_BIG). */
#define ARCOS_CACHE_MAX_KEY 65535

/* Wall-clock seconds for TTLs; tests inject their own. */
typedef int64_t (*arcos_cache_clock_fn)(void *arg);

typedef struct {
  int nodes;       /* logical nodes; 0 = max(3, ranks) */
  int vnodes;      /* points per node on the ring; 0 = ARCOS_RING_DEFAULT_VNODES */
  int replication; /* copies of each key, 1..ARCOS_CACHE_MAX_REPLICATION; 0 = 1 */
  /* Bytes of entries plus table slots this rank may hold over all nodes it hosts;
   * 0 = unbounded. A write that would pass it first drops expired entries, then is
   * refused (ARCOS_CACHE_FULL) and counted: nothing live is ever evicted, because a
   * user of the cache that stores facts (not hints) must not lose them silently. */
  size_t max_bytes;
  arcos_cache_clock_fn clock; /* NULL = arcos_epoch_now */
  void *clock_arg;
} arcos_cache_options_t;

/* Result of one operation. */
typedef enum {
  ARCOS_CACHE_PENDING = 0, /* queued, not executed yet */
  ARCOS_CACHE_HIT,         /* get: found; set_if_absent: a live value existed */
  ARCOS_CACHE_MISS,        /* get: absent or expired */
  ARCOS_CACHE_STORED,      /* set / set_if_absent: written */
  ARCOS_CACHE_DELETED,     /* delete: was there */
  ARCOS_CACHE_NOT_FOUND,   /* delete: was not there */
  ARCOS_CACHE_FULL,        /* refused: the host rank is at max_bytes */
  ARCOS_CACHE_TOO_BIG,     /* refused: key or value too long */
  ARCOS_CACHE_UNAVAILABLE, /* every replica of the key is out of service */
} arcos_cache_status_t;

const char *arcos_cache_status_name(int status);

/* Collective over comm (the communicator is duplicated). opt may be NULL (defaults).
 * Returns NULL on every rank when any rank fails (bad options or out of memory). */
arcos_cache_t *arcos_cache_create(MPI_Comm comm, const arcos_cache_options_t *opt);
/* Collective. */
void arcos_cache_destroy(arcos_cache_t **cache);

int arcos_cache_nodes(const arcos_cache_t *cache);
int arcos_cache_vnodes(const arcos_cache_t *cache);
int arcos_cache_replication(const arcos_cache_t *cache);
/* The cache's own communicator (a duplicate): collectives that pace cache rounds. */
MPI_Comm arcos_cache_comm(const arcos_cache_t *cache);
int arcos_cache_node_up(const arcos_cache_t *cache, int node);
/* Rank hosting logical node `node` (arcos_ring_host_rank). */
int arcos_cache_host_rank(const arcos_cache_t *cache, int node);
/* Live replicas of a key, first live replica first; returns how many (< R only when
 * fewer nodes are in service). */
int arcos_cache_replicas(const arcos_cache_t *cache, const void *key, size_t len,
                         int out[ARCOS_CACHE_MAX_REPLICATION]);
/* The same for a key already hashed to 64 bits: structures built on the cache that
 * hash their keys once themselves (the seen-set, src/dist/seen.h) place them with it. */
int arcos_cache_replicas_hash(const arcos_cache_t *cache, uint64_t hash,
                              int out[ARCOS_CACHE_MAX_REPLICATION]);
/* The key's ring owner among all nodes, in service or not: a key whose first live
 * replica is another node was rerouted. */
int arcos_cache_owner_hash(const arcos_cache_t *cache, uint64_t hash);
/* Count one collective round that a structure built on the cache's placement answered
 * itself (the seen-set: a hit is an id found already held), so that stats.hits,
 * misses, rerouted and availability cover every lookup on the cache's nodes. Every
 * rank calls it once per such round with its own figures. */
void arcos_cache_note_round(arcos_cache_t *cache, uint64_t hits, uint64_t misses,
                            uint64_t rerouted);

/* A batch of operations queued by one rank. Keys and values are copied. The add
 * functions return the operation's index in the batch, or -1 when out of memory. */
arcos_cache_batch_t *arcos_cache_batch_create(void);
void arcos_cache_batch_destroy(arcos_cache_batch_t **batch);
/* Forget every operation and result (memory is kept for the next batch). */
void arcos_cache_batch_reset(arcos_cache_batch_t *batch);
size_t arcos_cache_batch_size(const arcos_cache_batch_t *batch);

long arcos_cache_batch_get(arcos_cache_batch_t *b, const void *key, size_t len);
/* ttl_s > 0: the value expires ttl_s seconds of wall time after the write; 0: never. */
long arcos_cache_batch_set(arcos_cache_batch_t *b, const void *key, size_t len, const void *val,
                           size_t vlen, int64_t ttl_s);
long arcos_cache_batch_set_if_absent(arcos_cache_batch_t *b, const void *key, size_t len,
                                     const void *val, size_t vlen, int64_t ttl_s);
long arcos_cache_batch_delete(arcos_cache_batch_t *b, const void *key, size_t len);

/* Execute every queued operation (collective over the cache's communicator: every
 * rank calls it, with an empty batch when it has nothing to do). Operations of one
 * batch on the same key apply in queue order. Returns 0, or ARCOS_ERANGE on every
 * rank when some rank would exchange more than INT_MAX bytes (split the batch). */
int arcos_cache_exec(arcos_cache_t *cache, arcos_cache_batch_t *batch);

/* Status of operation i after exec; for a get that hit (and a set_if_absent that
 * found a value) val and vlen borrow the value until the batch is reset. val and vlen
 * may be NULL. */
int arcos_cache_result(const arcos_cache_batch_t *b, size_t i, const void **val, size_t *vlen);

/* Take logical node `node` out of service (collective, every rank passes the same
 * node). Its entries are dropped, as if its host had lost them; keys it held are
 * served by their next live replicas, and one exchange copies every surviving entry
 * to the nodes that became its replicas, restoring R copies. Entries with no
 * surviving copy (R = 1) are lost: counted in stats.lost, the first few listed.
 * Returns 0, ARCOS_EUSAGE when the node is not in service or is the last one. */
int arcos_cache_fail_node(arcos_cache_t *cache, int node);

#define ARCOS_CACHE_LOST_SAMPLE 20

/* Whole-cache figures, identical on every rank after arcos_cache_stats. */
typedef struct {
  int nodes, vnodes, replication, live_nodes;
  uint64_t hits, misses;  /* lookups (get, set_if_absent, noted ones), once per operation */
  uint64_t ops;           /* operations executed */
  uint64_t rerouted;      /* operations whose key's ring owner was out of service */
  uint64_t refused;       /* ARCOS_CACHE_FULL / TOO_BIG answers */
  uint64_t expired;       /* entries dropped because their TTL passed */
  uint64_t lost;          /* entries with no surviving copy after a failure */
  uint64_t re_replicated; /* copies made to restore R after failures */
  uint64_t keys;          /* stored copies over all nodes */
  uint64_t bytes;         /* accounted bytes over all ranks */
  double hit_ratio;       /* hits / (hits + misses), 0 when none */
  double balance;         /* max |keys(node) - mean| / mean over live nodes */
  double availability;    /* node-rounds in service / node-rounds, over exec rounds */
  uint64_t *node_keys;    /* [nodes]: stored copies per node (owned by the stats) */
  uint64_t *node_bytes;   /* [nodes] */
  uint8_t *node_up;       /* [nodes] */
  int nlost_sample;       /* how many of lost_sample are set */
  char lost_sample[ARCOS_CACHE_LOST_SAMPLE][80]; /* printable keys of lost entries */
} arcos_cache_stats_t;

/* Collective. Fills *st (free the arrays with arcos_cache_stats_free). */
int arcos_cache_stats(arcos_cache_t *cache, arcos_cache_stats_t *st);
void arcos_cache_stats_free(arcos_cache_stats_t *st);
/* The report.json `cache` object (new reference): nodes, vnodes, replication, hits,
 * misses, hit_ratio, balance, rerouted, per_node [{node, rank, keys, bytes, up}],
 * availability, plus live_nodes, lost, lost_sample, refused, expired, re_replicated.
 * NULL when out of memory. */
json_t *arcos_cache_stats_json(const arcos_cache_stats_t *st, int size);

#endif
