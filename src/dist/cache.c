#include "arcos/cache.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "arcos/error.h"
#include "arcos/ring.h"
#include "arcos/util.h"
#include "dist/cache_internal.h"

/* ---- the in-rank hash table ---------------------------------------------------- */

void cache_table_init(cache_table_t *t) { memset(t, 0, sizeof *t); }

void cache_table_free(cache_table_t *t) {
  for (size_t i = 0; i < t->cap; i++)
    free(t->slots[i]);
  free(t->slots);
  cache_table_init(t);
}

static int entry_is(const cache_entry_t *e, uint64_t hash, const void *key, size_t klen) {
  return e->hash == hash && e->klen == klen && memcmp(e->data, key, klen) == 0;
}

/* Slot holding the key, or the empty slot where it would go. */
static size_t probe(const cache_table_t *t, uint64_t hash, const void *key, size_t klen) {
  size_t mask = t->cap - 1, i = (size_t)hash & mask;
  while (t->slots[i] != NULL && !entry_is(t->slots[i], hash, key, klen))
    i = (i + 1) & mask;
  return i;
}

/* Backward-shift deletion: later entries of the probe run move up so that every entry
 * stays reachable from its home slot without tombstones. */
static void remove_slot(cache_table_t *t, size_t i) {
  size_t mask = t->cap - 1;
  t->bytes -= cache_entry_bytes(t->slots[i]->klen, t->slots[i]->vlen);
  free(t->slots[i]);
  t->slots[i] = NULL;
  t->count--;
  for (size_t j = (i + 1) & mask; t->slots[j] != NULL; j = (j + 1) & mask) {
    size_t home = (size_t)t->slots[j]->hash & mask;
    /* The entry at j may fill the hole at i unless its home lies cyclically in (i, j]. */
    int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      t->slots[i] = t->slots[j];
      t->slots[j] = NULL;
      i = j;
    }
  }
}

cache_entry_t *cache_table_find(cache_table_t *t, uint64_t hash, const void *key, size_t klen,
                                int64_t now) {
  if (t->count == 0)
    return NULL;
  size_t i = probe(t, hash, key, klen);
  cache_entry_t *e = t->slots[i];
  if (e != NULL && !cache_entry_live(e, now)) {
    remove_slot(t, i);
    t->expired++;
    return NULL;
  }
  return e;
}

static int grow(cache_table_t *t) {
  size_t ncap = t->cap ? t->cap * 2 : 16;
  cache_entry_t **ns = calloc(
      ncap, sizeof *ns); // NOLINT(bugprone-sizeof-expression): an array of pointers
  if (ns == NULL)
    return ARCOS_ENOMEM;
  for (size_t i = 0; i < t->cap; i++) {
    cache_entry_t *e = t->slots[i];
    if (e == NULL)
      continue;
    size_t j = (size_t)e->hash & (ncap - 1);
    while (ns[j] != NULL)
      j = (j + 1) & (ncap - 1);
    ns[j] = e;
  }
  free(t->slots);
  t->bytes += (ncap - t->cap) *
              sizeof *ns; // NOLINT(bugprone-sizeof-expression): an array of pointers
  t->slots = ns;
  t->cap = ncap;
  return ARCOS_OK;
}

static int needs_growth(const cache_table_t *t) { return (t->count + 1) * 4 > t->cap * 3; }

size_t cache_table_put_cost(const cache_table_t *t, size_t klen, size_t vlen) {
  size_t c = cache_entry_bytes(klen, vlen);
  if (needs_growth(t))
    c += (t->cap ? t->cap : 16) * sizeof(cache_entry_t *);
  return c;
}

int cache_table_put(cache_table_t *t, uint64_t hash, const void *key, size_t klen, const void *val,
                    size_t vlen, int64_t expires) {
  cache_entry_t *e = malloc(cache_entry_bytes(klen, vlen));
  if (e == NULL)
    return ARCOS_ENOMEM;
  e->hash = hash;
  e->expires = expires;
  e->klen = (uint32_t)klen;
  e->vlen = (uint32_t)vlen;
  memcpy(e->data, key, klen);
  if (vlen > 0)
    memcpy(e->data + klen, val, vlen);
  if (t->cap > 0) {
    size_t i = probe(t, hash, key, klen);
    if (t->slots[i] != NULL) {
      t->bytes -= cache_entry_bytes(t->slots[i]->klen, t->slots[i]->vlen);
      t->bytes += cache_entry_bytes(klen, vlen);
      free(t->slots[i]);
      t->slots[i] = e;
      return ARCOS_OK;
    }
  }
  if (needs_growth(t) && grow(t) != ARCOS_OK) {
    free(e);
    return ARCOS_ENOMEM;
  }
  t->slots[probe(t, hash, key, klen)] = e;
  t->count++;
  t->bytes += cache_entry_bytes(klen, vlen);
  return ARCOS_OK;
}

int cache_table_remove(cache_table_t *t, uint64_t hash, const void *key, size_t klen) {
  if (t->count == 0)
    return 0;
  size_t i = probe(t, hash, key, klen);
  if (t->slots[i] == NULL)
    return 0;
  remove_slot(t, i);
  return 1;
}

size_t cache_table_sweep(cache_table_t *t, int64_t now) {
  size_t n = 0;
  /* Backward shifts only move entries towards lower slots of their run, so a slot
   * is revisited after a removal rather than skipped. */
  for (size_t i = 0; i < t->cap;) {
    if (t->slots[i] != NULL && !cache_entry_live(t->slots[i], now)) {
      remove_slot(t, i);
      n++;
    } else {
      i++;
    }
  }
  t->expired += n;
  return n;
}

/* ---- the cache ------------------------------------------------------------------ */

enum { OP_GET = 1, OP_SET, OP_SET_IF_ABSENT, OP_DELETE };

struct arcos_cache {
  MPI_Comm comm;
  int rank, size;
  int nodes, vnodes, replication;
  size_t max_bytes;
  arcos_cache_clock_fn clock;
  void *clock_arg;
  arcos_ring_t *full; /* every node: whose key it was */
  arcos_ring_t *live; /* nodes in service: where the key is now */
  uint8_t *up;
  int live_nodes;
  cache_table_t *tables; /* [nodes]; only the hosted ones are used */
  /* requester-side counters */
  uint64_t hits, misses, ops, rerouted;
  /* host-side counters */
  uint64_t refused, re_replicated;
  /* identical on every rank */
  uint64_t lost, rounds, up_rounds;
  int nlost_sample;
  char lost_sample[ARCOS_CACHE_LOST_SAMPLE][80];
};

typedef struct {
  uint8_t kind, status;
  uint32_t klen, vlen;
  size_t koff, voff; /* into batch->data */
  int64_t ttl;
  size_t roff; /* result value: into batch->results */
  uint32_t rlen;
} op_t;

struct arcos_cache_batch {
  op_t *ops;
  size_t n, cap;
  arcos_buf_t data;
  arcos_buf_t results;
};

const char *arcos_cache_status_name(int status) {
  static const char *const names[] = {"pending",   "hit",  "miss",    "stored",     "deleted",
                                      "not_found", "full", "too_big", "unavailable"};
  if (status < 0 || status > ARCOS_CACHE_UNAVAILABLE)
    return "unknown";
  return names[status];
}

static int64_t default_clock(void *arg) {
  (void)arg;
  return arcos_epoch_now();
}

static int64_t cache_now(const arcos_cache_t *c) { return c->clock(c->clock_arg); }

static int hosts(const arcos_cache_t *c, int node) {
  return arcos_ring_host_rank(node, c->size) == c->rank;
}

static arcos_ring_t *live_ring(const arcos_cache_t *c, const uint8_t *up) {
  int *ids = malloc((size_t)c->nodes * sizeof *ids);
  if (ids == NULL)
    return NULL;
  int n = 0;
  for (int k = 0; k < c->nodes; k++)
    if (up[k])
      ids[n++] = k;
  arcos_ring_t *r = arcos_ring_create_subset(ids, n, c->vnodes);
  free(ids);
  return r;
}

static void free_cache(arcos_cache_t *c) {
  if (c == NULL)
    return;
  if (c->tables != NULL)
    for (int k = 0; k < c->nodes; k++)
      cache_table_free(&c->tables[k]);
  free(c->tables);
  free(c->up);
  arcos_ring_destroy(&c->full);
  arcos_ring_destroy(&c->live);
  if (c->comm != MPI_COMM_NULL)
    MPI_Comm_free(&c->comm);
  free(c);
}

arcos_cache_t *arcos_cache_create(MPI_Comm comm, const arcos_cache_options_t *opt) {
  arcos_cache_options_t o = {0};
  if (opt != NULL)
    o = *opt;
  /* Duplicated first and on every rank: MPI_Comm_dup is collective. */
  MPI_Comm dup = MPI_COMM_NULL;
  MPI_Comm_dup(comm, &dup);
  arcos_cache_t *c = calloc(1, sizeof *c);
  int ok = c != NULL;
  if (ok) {
    c->comm = dup;
    MPI_Comm_rank(c->comm, &c->rank);
    MPI_Comm_size(c->comm, &c->size);
    c->nodes = o.nodes > 0 ? o.nodes : (c->size > 3 ? c->size : 3);
    c->vnodes = o.vnodes > 0 ? o.vnodes : ARCOS_RING_DEFAULT_VNODES;
    c->replication = o.replication > 0 ? o.replication : ARCOS_CACHE_DEFAULT_REPLICATION;
    c->max_bytes = o.max_bytes;
    c->clock = o.clock != NULL ? o.clock : default_clock;
    c->clock_arg = o.clock_arg;
    ok = o.nodes >= 0 && o.vnodes >= 0 && o.replication >= 0 &&
         c->replication <= ARCOS_CACHE_MAX_REPLICATION;
  }
  if (ok) {
    c->up = malloc((size_t)c->nodes);
    c->tables = calloc((size_t)c->nodes, sizeof *c->tables);
    ok = c->up != NULL && c->tables != NULL;
  }
  if (ok) {
    memset(c->up, 1, (size_t)c->nodes);
    c->live_nodes = c->nodes;
    c->full = arcos_ring_create(c->nodes, c->vnodes);
    c->live = live_ring(c, c->up);
    ok = c->full != NULL && c->live != NULL;
  }
  int all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
  if (!all_ok) {
    if (c == NULL)
      MPI_Comm_free(&dup); /* after the allreduce, as on the other ranks */
    free_cache(c);
    return NULL;
  }
  return c;
}

void arcos_cache_destroy(arcos_cache_t **cache) {
  if (cache == NULL || *cache == NULL)
    return;
  free_cache(*cache);
  *cache = NULL;
}

int arcos_cache_nodes(const arcos_cache_t *c) { return c->nodes; }
int arcos_cache_vnodes(const arcos_cache_t *c) { return c->vnodes; }
int arcos_cache_replication(const arcos_cache_t *c) { return c->replication; }
MPI_Comm arcos_cache_comm(const arcos_cache_t *c) { return c->comm; }
int arcos_cache_node_up(const arcos_cache_t *c, int node) {
  return node >= 0 && node < c->nodes && c->up[node];
}
int arcos_cache_host_rank(const arcos_cache_t *c, int node) {
  return arcos_ring_host_rank(node, c->size);
}

int arcos_cache_replicas(const arcos_cache_t *c, const void *key, size_t len,
                         int out[ARCOS_CACHE_MAX_REPLICATION]) {
  return arcos_cache_replicas_hash(c, arcos_hash64(key, len), out);
}

int arcos_cache_replicas_hash(const arcos_cache_t *c, uint64_t hash,
                              int out[ARCOS_CACHE_MAX_REPLICATION]) {
  return arcos_ring_replicas(c->live, hash, out, c->replication);
}

int arcos_cache_owner_hash(const arcos_cache_t *c, uint64_t hash) {
  return arcos_ring_owner(c->full, hash);
}

void arcos_cache_note_round(arcos_cache_t *c, uint64_t hits, uint64_t misses, uint64_t rerouted) {
  c->hits += hits;
  c->misses += misses;
  c->ops += hits + misses;
  c->rerouted += rerouted;
  c->rounds++;
  c->up_rounds += (uint64_t)c->live_nodes;
}

/* ---- batches --------------------------------------------------------------------- */

arcos_cache_batch_t *arcos_cache_batch_create(void) {
  return calloc(1, sizeof(arcos_cache_batch_t));
}

void arcos_cache_batch_destroy(arcos_cache_batch_t **batch) {
  if (batch == NULL || *batch == NULL)
    return;
  free((*batch)->ops);
  arcos_buf_free(&(*batch)->data);
  arcos_buf_free(&(*batch)->results);
  free(*batch);
  *batch = NULL;
}

void arcos_cache_batch_reset(arcos_cache_batch_t *b) {
  b->n = 0;
  arcos_buf_reset(&b->data);
  arcos_buf_reset(&b->results);
}

size_t arcos_cache_batch_size(const arcos_cache_batch_t *b) { return b->n; }

static long batch_add(arcos_cache_batch_t *b, int kind, const void *key, size_t len,
                      const void *val, size_t vlen, int64_t ttl) {
  if (b->n == b->cap) {
    size_t ncap = b->cap ? b->cap * 2 : 64;
    op_t *n = realloc(b->ops, ncap * sizeof *n);
    if (n == NULL)
      return -1;
    b->ops = n;
    b->cap = ncap;
  }
  op_t *op = &b->ops[b->n];
  memset(op, 0, sizeof *op);
  op->kind = (uint8_t)kind;
  op->ttl = ttl > 0 ? ttl : 0;
  if (len > ARCOS_CACHE_MAX_KEY || vlen > UINT32_MAX / 2) {
    op->status = ARCOS_CACHE_TOO_BIG;
    return (long)b->n++;
  }
  op->klen = (uint32_t)len;
  op->vlen = (uint32_t)vlen;
  op->koff = b->data.len;
  if (arcos_buf_append(&b->data, key, len) != 0)
    return -1;
  op->voff = b->data.len;
  if (vlen > 0 && arcos_buf_append(&b->data, val, vlen) != 0)
    return -1;
  return (long)b->n++;
}

long arcos_cache_batch_get(arcos_cache_batch_t *b, const void *key, size_t len) {
  return batch_add(b, OP_GET, key, len, NULL, 0, 0);
}
long arcos_cache_batch_set(arcos_cache_batch_t *b, const void *key, size_t len, const void *val,
                           size_t vlen, int64_t ttl_s) {
  return batch_add(b, OP_SET, key, len, val, vlen, ttl_s);
}
long arcos_cache_batch_set_if_absent(arcos_cache_batch_t *b, const void *key, size_t len,
                                     const void *val, size_t vlen, int64_t ttl_s) {
  return batch_add(b, OP_SET_IF_ABSENT, key, len, val, vlen, ttl_s);
}
long arcos_cache_batch_delete(arcos_cache_batch_t *b, const void *key, size_t len) {
  return batch_add(b, OP_DELETE, key, len, NULL, 0, 0);
}

int arcos_cache_result(const arcos_cache_batch_t *b, size_t i, const void **val, size_t *vlen) {
  if (i >= b->n)
    return ARCOS_CACHE_PENDING;
  const op_t *op = &b->ops[i];
  if (val != NULL)
    *val = op->rlen > 0 ? b->results.data + op->roff : NULL;
  if (vlen != NULL)
    *vlen = op->rlen;
  return op->status;
}

/* ---- the exchange ---------------------------------------------------------------- */

/* request: u8 kind | u8 primary | u32 node | u32 klen | u32 vlen | i64 now | i64 ttl |
 *          u64 hash | key | value */
#define REQ_FIXED (1 + 1 + 4 + 4 + 4 + 8 + 8 + 8)
/* reply: u8 status | u32 vlen | value (only the primary replica sends values) */
#define REP_FIXED (1 + 4)

/* One all-to-all of byte buffers: sbuf grouped by destination with scount[r] bytes
 * for rank r. Returns the received bytes (malloc'd, *rtotal long, rcount filled) or
 * NULL with *rc set (ARCOS_ERANGE agreed on every rank, or ARCOS_ENOMEM). */
static char *exchange(MPI_Comm comm, int size, const char *sbuf, const int64_t *scount,
                      int64_t *rcount, int64_t *rtotal, int *rc) {
  int *ic = malloc((size_t)size * 4 * sizeof *ic);
  if (ic == NULL) {
    ARCOS_ABORT(comm, "out of memory in the cache exchange");
  }
  int *sc = ic, *sd = ic + size, *rcv = ic + 2 * size, *rd = ic + 3 * size;
  char *rbuf = NULL;
  MPI_Alltoall(scount, 1, MPI_INT64_T, rcount, 1, MPI_INT64_T, comm);
  int ok = arcos_mpi_displs(scount, sc, sd, size) == ARCOS_OK &&
           arcos_mpi_displs(rcount, rcv, rd, size) == ARCOS_OK;
  if (ok) {
    *rtotal = (int64_t)rd[size - 1] + rcv[size - 1];
    rbuf = malloc((size_t)*rtotal + 1);
    if (rbuf == NULL) {
      ARCOS_ABORT(comm, "out of memory in the cache exchange");
    }
  }
  int all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
  if (!all_ok) {
    *rc = ARCOS_ERANGE;
    free(rbuf);
    free(ic);
    return NULL;
  }
  MPI_Alltoallv(sbuf, sc, sd, MPI_BYTE, rbuf, rcv, rd, MPI_BYTE, comm);
  free(ic);
  return rbuf;
}

static size_t rank_bytes(const arcos_cache_t *c) {
  size_t b = 0;
  for (int k = c->rank; k < c->nodes; k += c->size)
    b += c->tables[k].bytes;
  return b;
}

/* Room for a write of this shape on this rank; expired entries go first. */
static int has_room(arcos_cache_t *c, cache_table_t *t, size_t klen, size_t vlen, int64_t now) {
  if (c->max_bytes == 0)
    return 1;
  size_t cost = cache_table_put_cost(t, klen, vlen);
  if (rank_bytes(c) + cost <= c->max_bytes)
    return 1;
  for (int k = c->rank; k < c->nodes; k += c->size)
    cache_table_sweep(&c->tables[k], now);
  return rank_bytes(c) + cache_table_put_cost(t, klen, vlen) <= c->max_bytes;
}

static int put_checked(arcos_cache_t *c, cache_table_t *t, uint64_t hash, const char *key,
                       size_t klen, const char *val, size_t vlen, int64_t expires, int64_t now) {
  if (!has_room(c, t, klen, vlen, now) ||
      cache_table_put(t, hash, key, klen, val, vlen, expires) != ARCOS_OK) {
    c->refused++;
    return ARCOS_CACHE_FULL;
  }
  return ARCOS_CACHE_STORED;
}

/* Apply one request to the node's table; the value to send back (if any) is put in
 * rv and rvlen (borrowed from the table until the next change). */
static int apply(arcos_cache_t *c, int kind, cache_table_t *t, uint64_t hash, const char *key,
                 size_t klen, const char *val, size_t vlen, int64_t now, int64_t ttl,
                 const void **rv, size_t *rvlen) {
  *rv = NULL;
  *rvlen = 0;
  int64_t expires = ttl > 0 ? now + ttl : 0;
  cache_entry_t *e = cache_table_find(t, hash, key, klen, now);
  switch (kind) {
  case OP_GET:
    if (e == NULL)
      return ARCOS_CACHE_MISS;
    *rv = cache_entry_value(e);
    *rvlen = e->vlen;
    return ARCOS_CACHE_HIT;
  case OP_SET:
    return put_checked(c, t, hash, key, klen, val, vlen, expires, now);
  case OP_SET_IF_ABSENT:
    if (e != NULL) {
      *rv = cache_entry_value(e);
      *rvlen = e->vlen;
      return ARCOS_CACHE_HIT;
    }
    return put_checked(c, t, hash, key, klen, val, vlen, expires, now);
  case OP_DELETE:
    return cache_table_remove(t, hash, key, klen) ? ARCOS_CACHE_DELETED : ARCOS_CACHE_NOT_FOUND;
  default:
    return ARCOS_CACHE_UNAVAILABLE;
  }
}

static int is_write(int kind) { return kind != OP_GET; }

/* Destinations of an op: every live replica for writes, the first for reads. */
static int op_dests(const arcos_cache_t *c, const arcos_cache_batch_t *b, const op_t *op, int *dest,
                    uint64_t *hash) {
  *hash = arcos_hash64(b->data.data + op->koff, op->klen);
  int n = arcos_ring_replicas(c->live, *hash, dest, c->replication);
  return is_write(op->kind) ? n : (n > 0 ? 1 : 0);
}

/* One exchange round's routing: per op its destinations (dests, R per op; ndest of
 * them), and per rank the bytes sent and received and the running offsets. */
typedef struct {
  int64_t *cnt; /* 4 x size: scount, rcount, soff, tmp */
  int64_t *scount, *rcount, *soff, *tmp;
  int *dests;
  uint8_t *ndest; /* zero: ops too big for the cache, or with no live replica */
} route_t;

/* Each op's replicas, and the bytes of requests to each rank. */
static void route_ops(arcos_cache_t *c, arcos_cache_batch_t *b, route_t *rt) {
  int R = c->replication;
  for (size_t i = 0; i < b->n; i++) {
    op_t *op = &b->ops[i];
    rt->ndest[i] = 0;
    if (op->status == ARCOS_CACHE_TOO_BIG)
      continue;
    uint64_t h;
    int *d = rt->dests + i * (size_t)R;
    rt->ndest[i] = (uint8_t)op_dests(c, b, op, d, &h);
    if (rt->ndest[i] == 0) {
      op->status = ARCOS_CACHE_UNAVAILABLE;
      continue;
    }
    if (arcos_ring_owner(c->full, h) != d[0])
      c->rerouted++;
    for (int j = 0; j < rt->ndest[i]; j++)
      rt->scount[arcos_ring_host_rank(d[j], c->size)] += REQ_FIXED + op->klen + op->vlen;
  }
}

/* The requests, grouped by the rank that hosts each destination node. */
static char *pack_requests(const arcos_cache_t *c, const arcos_cache_batch_t *b, route_t *rt,
                           int64_t now) {
  int size = c->size, R = c->replication;
  int64_t stotal = 0;
  for (int r = 0; r < size; r++) {
    rt->soff[r] = stotal;
    stotal += rt->scount[r];
  }
  char *sbuf = malloc((size_t)stotal + 1);
  if (sbuf == NULL)
    ARCOS_ABORT(c->comm, "out of memory in the cache exchange");
  for (size_t i = 0; i < b->n; i++) {
    const op_t *op = &b->ops[i];
    for (int j = 0; j < rt->ndest[i]; j++) {
      int node = rt->dests[i * (size_t)R + j];
      char *p = sbuf + rt->soff[arcos_ring_host_rank(node, size)];
      uint32_t u32;
      uint64_t h = arcos_hash64(b->data.data + op->koff, op->klen);
      p[0] = (char)op->kind;
      p[1] = j == 0;
      u32 = (uint32_t)node;
      memcpy(p + 2, &u32, 4);
      memcpy(p + 6, &op->klen, 4);
      memcpy(p + 10, &op->vlen, 4);
      memcpy(p + 14, &now, 8);
      memcpy(p + 22, &op->ttl, 8);
      memcpy(p + 30, &h, 8);
      memcpy(p + REQ_FIXED, b->data.data + op->koff, op->klen);
      memcpy(p + REQ_FIXED + op->klen, b->data.data + op->voff, op->vlen);
      rt->soff[arcos_ring_host_rank(node, size)] += REQ_FIXED + op->klen + op->vlen;
    }
  }
  return sbuf;
}

/* Host side: apply the requests in arrival order (source rank, then queue order) and
 * answer each into reply; tmp[r] gets the bytes of the answers to rank r. */
static void serve_requests(arcos_cache_t *c, const char *rbuf, route_t *rt, arcos_buf_t *reply) {
  int64_t off = 0;
  for (int r = 0; r < c->size; r++) {
    size_t start = reply->len;
    for (int64_t end = off + rt->rcount[r]; off < end;) {
      const char *p = rbuf + off;
      uint32_t node, klen, vlen;
      int64_t rnow, ttl;
      uint64_t h;
      memcpy(&node, p + 2, 4);
      memcpy(&klen, p + 6, 4);
      memcpy(&vlen, p + 10, 4);
      memcpy(&rnow, p + 14, 8);
      memcpy(&ttl, p + 22, 8);
      memcpy(&h, p + 30, 8);
      const void *rv;
      size_t rvlen;
      int st = apply(c, p[0], &c->tables[node], h, p + REQ_FIXED, klen, p + REQ_FIXED + klen, vlen,
                     rnow, ttl, &rv, &rvlen);
      if (!p[1])
        rvlen = 0; /* only the primary's answer carries a value */
      uint8_t st8 = (uint8_t)st;
      uint32_t rl = (uint32_t)rvlen;
      if (arcos_buf_append(reply, &st8, 1) != 0 || arcos_buf_append(reply, &rl, 4) != 0 ||
          (rl > 0 && arcos_buf_append(reply, rv, rl) != 0))
        ARCOS_ABORT(c->comm, "out of memory in the cache exchange");
      off += REQ_FIXED + klen + vlen;
    }
    rt->tmp[r] = (int64_t)(reply->len - start);
  }
}

/* Requester side: answers from rank r come in the order the requests went to r; the
 * primary's answer is the op's. */
static void read_replies(arcos_cache_t *c, arcos_cache_batch_t *b, route_t *rt,
                         const char *reply_in) {
  int size = c->size, R = c->replication;
  rt->soff[0] = 0;
  for (int r = 1; r < size; r++)
    rt->soff[r] = rt->soff[r - 1] + rt->rcount[r - 1];
  for (size_t i = 0; i < b->n; i++) {
    op_t *op = &b->ops[i];
    for (int j = 0; j < rt->ndest[i]; j++) {
      int r = arcos_ring_host_rank(rt->dests[i * (size_t)R + j], size);
      const char *q = reply_in + rt->soff[r];
      uint32_t rl;
      memcpy(&rl, q + 1, 4);
      rt->soff[r] += REP_FIXED + rl;
      if (j != 0)
        continue;
      op->status = (uint8_t)q[0];
      op->roff = b->results.len;
      op->rlen = rl;
      if (rl > 0 && arcos_buf_append(&b->results, q + REP_FIXED, rl) != 0)
        ARCOS_ABORT(c->comm, "out of memory in the cache exchange");
    }
    c->ops++;
    /* A lookup found an entry or did not; a refused write is neither. */
    if (op->kind == OP_GET || op->kind == OP_SET_IF_ABSENT) {
      if (op->status == ARCOS_CACHE_HIT)
        c->hits++;
      else if (op->status == ARCOS_CACHE_MISS || op->status == ARCOS_CACHE_STORED)
        c->misses++;
    }
  }
}

int arcos_cache_exec(arcos_cache_t *c, arcos_cache_batch_t *b) {
  int size = c->size, rc = ARCOS_OK;
  int64_t now = cache_now(c);
  route_t rt;
  rt.cnt = calloc((size_t)size * 4, sizeof *rt.cnt);
  rt.dests = malloc((b->n * (size_t)c->replication + 1) * sizeof *rt.dests);
  rt.ndest = calloc(b->n + 1, 1);
  if (rt.cnt == NULL || rt.dests == NULL || rt.ndest == NULL)
    ARCOS_ABORT(c->comm, "out of memory in the cache exchange");
  rt.scount = rt.cnt;
  rt.rcount = rt.cnt + size;
  rt.soff = rt.cnt + 2 * size;
  rt.tmp = rt.cnt + 3 * size;
  route_ops(c, b, &rt);
  char *sbuf = pack_requests(c, b, &rt, now), *reply_in = NULL;
  arcos_buf_t reply = {0};
  int64_t rtotal = 0, rep_total = 0;
  char *rbuf = exchange(c->comm, size, sbuf, rt.scount, rt.rcount, &rtotal, &rc);
  if (rbuf != NULL) {
    serve_requests(c, rbuf, &rt, &reply);
    reply_in = exchange(c->comm, size, reply.data, rt.tmp, rt.rcount, &rep_total, &rc);
  }
  if (reply_in != NULL) {
    read_replies(c, b, &rt, reply_in);
    c->rounds++;
    c->up_rounds += (uint64_t)c->live_nodes;
  }
  free(reply_in);
  arcos_buf_free(&reply);
  free(rbuf);
  free(sbuf);
  free(rt.ndest);
  free(rt.dests);
  free(rt.cnt);
  return rc;
}

/* ---- failover -------------------------------------------------------------------- */

static void printable_key(const unsigned char *k, size_t n, char out[80]) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 5 < 80; i++) {
    if (k[i] >= 0x20 && k[i] < 0x7f && k[i] != '\\') {
      out[o++] = (char)k[i];
    } else {
      snprintf(out + o, 80 - o, "\\x%02x", k[i]);
      o += 4;
    }
  }
  out[o] = '\0';
}

static int contains(const int *a, int n, int x) {
  for (int i = 0; i < n; i++)
    if (a[i] == x)
      return 1;
  return 0;
}

/* On the failed node's host: count (and sample) the live entries that had no other
 * copy, then drop its table. */
typedef struct {
  uint64_t lost;
  int nsample;
  char sample[ARCOS_CACHE_LOST_SAMPLE][80];
} lost_t;

static void count_lost(arcos_cache_t *c, int node, int64_t now, lost_t *l) {
  memset(l, 0, sizeof *l);
  if (!hosts(c, node))
    return;
  cache_table_t *t = &c->tables[node];
  for (size_t i = 0; i < t->cap; i++) {
    const cache_entry_t *e = t->slots[i];
    if (e == NULL || !cache_entry_live(e, now))
      continue;
    int old[ARCOS_CACHE_MAX_REPLICATION];
    if (arcos_ring_replicas(c->live, e->hash, old, c->replication) == 1) {
      if (l->nsample < ARCOS_CACHE_LOST_SAMPLE)
        printable_key(e->data, e->klen, l->sample[l->nsample++]);
      l->lost++;
    }
  }
  cache_table_free(t);
}

/* One move of entry e to node dst (sbuf at *at); without sbuf, only its bytes. */
static size_t put_move(char *sbuf, int64_t *at, const cache_entry_t *e, int dst) {
  size_t len = 4 + 8 + 4 + 4 + e->klen + e->vlen;
  if (sbuf != NULL) {
    char *p = sbuf + *at;
    uint32_t d = (uint32_t)dst;
    memcpy(p, &d, 4);
    memcpy(p + 4, &e->expires, 8);
    memcpy(p + 12, &e->klen, 4);
    memcpy(p + 16, &e->vlen, 4);
    memcpy(p + 20, e->data, e->klen + e->vlen);
    *at += (int64_t)len;
  }
  return len;
}

/* Each surviving entry of a key the failed node replicated is sent by one holder (the
 * first surviving old replica) to every node that joins its replica set under next.
 * Without sbuf, count bytes per rank into scount; with it, fill it at soff. */
static void pack_moves(const arcos_cache_t *c, int node, const arcos_ring_t *next, int64_t now,
                       char *sbuf, int64_t *scount, int64_t *soff) {
  int R = c->replication;
  for (int k = c->rank; k < c->nodes; k += c->size) {
    if (!c->up[k] || k == node)
      continue;
    const cache_table_t *t = &c->tables[k];
    for (size_t i = 0; i < t->cap; i++) {
      const cache_entry_t *e = t->slots[i];
      if (e == NULL || !cache_entry_live(e, now))
        continue;
      int old[ARCOS_CACHE_MAX_REPLICATION], neu[ARCOS_CACHE_MAX_REPLICATION];
      int no = arcos_ring_replicas(c->live, e->hash, old, R);
      if (!contains(old, no, node) || (old[0] == node ? old[1] : old[0]) != k)
        continue;
      int nn = arcos_ring_replicas(next, e->hash, neu, R);
      for (int j = 0; j < nn; j++) {
        if (contains(old, no, neu[j]))
          continue;
        int r = arcos_ring_host_rank(neu[j], c->size);
        size_t len = put_move(sbuf, &soff[r], e, neu[j]);
        if (sbuf == NULL)
          scount[r] += (int64_t)len;
      }
    }
  }
}

/* The moves received: each stored where its node has no copy yet. */
static void accept_moves(arcos_cache_t *c, const char *rbuf, int64_t rtotal, int64_t now) {
  for (int64_t off = 0; off < rtotal;) {
    const char *p = rbuf + off;
    uint32_t dst, klen, vlen;
    int64_t expires;
    memcpy(&dst, p, 4);
    memcpy(&expires, p + 4, 8);
    memcpy(&klen, p + 12, 4);
    memcpy(&vlen, p + 16, 4);
    cache_table_t *t = &c->tables[dst];
    uint64_t h = arcos_hash64(p + 20, klen);
    if (cache_table_find(t, h, p + 20, klen, now) == NULL &&
        put_checked(c, t, h, p + 20, klen, p + 20 + klen, vlen, expires, now) == ARCOS_CACHE_STORED)
      c->re_replicated++;
    off += 20 + klen + vlen;
  }
}

int arcos_cache_fail_node(arcos_cache_t *c, int node) {
  if (node < 0 || node >= c->nodes || !c->up[node] || c->live_nodes < 2)
    return ARCOS_EUSAGE;
  int size = c->size, rc = ARCOS_OK;
  int64_t now = cache_now(c);
  uint8_t *up2 = malloc((size_t)c->nodes);
  int64_t *cnt = calloc((size_t)size * 3, sizeof *cnt);
  if (up2 == NULL || cnt == NULL)
    ARCOS_ABORT(c->comm, "out of memory in cache failover");
  memcpy(up2, c->up, (size_t)c->nodes);
  up2[node] = 0;
  arcos_ring_t *next = live_ring(c, up2);
  if (next == NULL)
    ARCOS_ABORT(c->comm, "out of memory in cache failover");
  int64_t *scount = cnt, *rcount = cnt + size, *soff = cnt + 2 * size;
  lost_t l;
  count_lost(c, node, now, &l);
  /* Two passes: count bytes per destination rank, then fill. */
  pack_moves(c, node, next, now, NULL, scount, soff);
  int64_t total = 0;
  for (int r = 0; r < size; r++) {
    soff[r] = total;
    total += scount[r];
  }
  char *sbuf = malloc((size_t)total + 1);
  if (sbuf == NULL)
    ARCOS_ABORT(c->comm, "out of memory in cache failover");
  pack_moves(c, node, next, now, sbuf, scount, soff);
  int64_t rtotal = 0;
  char *rbuf = exchange(c->comm, size, sbuf, scount, rcount, &rtotal, &rc);
  if (rbuf != NULL)
    accept_moves(c, rbuf, rtotal, now);

  /* Every rank learns what was lost (the host's count and sample). */
  int host = arcos_ring_host_rank(node, size);
  uint64_t info[2] = {l.lost, (uint64_t)l.nsample};
  MPI_Bcast(info, 2, MPI_UINT64_T, host, c->comm);
  MPI_Bcast(l.sample, (int)sizeof l.sample, MPI_CHAR, host, c->comm);
  c->lost += info[0];
  for (int i = 0; i < (int)info[1] && c->nlost_sample < ARCOS_CACHE_LOST_SAMPLE; i++)
    memcpy(c->lost_sample[c->nlost_sample++], l.sample[i], 80);

  /* From here on the node is out of service. */
  arcos_ring_destroy(&c->live);
  c->live = next;
  c->up[node] = 0;
  c->live_nodes--;
  free(rbuf);
  free(sbuf);
  free(cnt);
  free(up2);
  return rc;
}

/* ---- figures --------------------------------------------------------------------- */

int arcos_cache_stats(arcos_cache_t *c, arcos_cache_stats_t *st) {
  memset(st, 0, sizeof *st);
  size_t nn = (size_t)c->nodes;
  uint64_t *buf = calloc(nn * 4, sizeof *buf);
  st->node_keys = calloc(nn, sizeof *st->node_keys);
  st->node_bytes = calloc(nn, sizeof *st->node_bytes);
  st->node_up = malloc(nn);
  if (buf == NULL || st->node_keys == NULL || st->node_bytes == NULL || st->node_up == NULL) {
    ARCOS_ABORT(c->comm, "out of memory gathering cache figures");
  }
  uint64_t expired = 0;
  for (int k = c->rank; k < c->nodes; k += c->size) {
    buf[k] = c->tables[k].count;
    buf[nn + (size_t)k] = c->tables[k].bytes;
    expired += c->tables[k].expired;
  }
  MPI_Allreduce(buf, buf + 2 * nn, (int)(2 * nn), MPI_UINT64_T, MPI_SUM, c->comm);
  memcpy(st->node_keys, buf + 2 * nn, nn * sizeof *buf);
  memcpy(st->node_bytes, buf + 3 * nn, nn * sizeof *buf);
  free(buf);
  uint64_t loc[7] = {c->hits,    c->misses, c->ops,          c->rerouted,
                     c->refused, expired,   c->re_replicated};
  uint64_t sum[7];
  MPI_Allreduce(loc, sum, 7, MPI_UINT64_T, MPI_SUM, c->comm);
  st->hits = sum[0];
  st->misses = sum[1];
  st->ops = sum[2];
  st->rerouted = sum[3];
  st->refused = sum[4];
  st->expired = sum[5];
  st->re_replicated = sum[6];
  st->nodes = c->nodes;
  st->vnodes = c->vnodes;
  st->replication = c->replication;
  st->live_nodes = c->live_nodes;
  st->lost = c->lost;
  memcpy(st->node_up, c->up, nn);
  st->nlost_sample = c->nlost_sample;
  memcpy(st->lost_sample, c->lost_sample, sizeof st->lost_sample);
  st->hit_ratio = st->hits + st->misses > 0 ? (double)st->hits / (double)(st->hits + st->misses)
                                            : 0;
  double mean = 0;
  for (size_t k = 0; k < nn; k++) {
    st->keys += st->node_keys[k];
    st->bytes += st->node_bytes[k];
    if (c->up[k])
      mean += (double)st->node_keys[k];
  }
  mean /= c->live_nodes;
  for (size_t k = 0; k < nn; k++)
    if (c->up[k] && mean > 0) {
      double dev = fabs((double)st->node_keys[k] - mean) / mean;
      if (dev > st->balance)
        st->balance = dev;
    }
  st->availability = c->rounds > 0 ? (double)c->up_rounds / ((double)c->rounds * c->nodes) : 1.0;
  return ARCOS_OK;
}

void arcos_cache_stats_free(arcos_cache_stats_t *st) {
  free(st->node_keys);
  free(st->node_bytes);
  free(st->node_up);
  st->node_keys = st->node_bytes = NULL;
  st->node_up = NULL;
}

json_t *arcos_cache_stats_json(const arcos_cache_stats_t *st, int size) {
  json_t *o = json_object(), *per = json_array(), *lost = json_array();
  if (o == NULL || per == NULL || lost == NULL)
    goto fail;
  for (int k = 0; k < st->nodes; k++) {
    json_t *n = json_pack("{s:i, s:i, s:I, s:I, s:b}", "node", k, "rank",
                          arcos_ring_host_rank(k, size), "keys", (json_int_t)st->node_keys[k],
                          "bytes", (json_int_t)st->node_bytes[k], "up", st->node_up[k] != 0);
    if (n == NULL || json_array_append_new(per, n) != 0)
      goto fail;
  }
  for (int i = 0; i < st->nlost_sample; i++)
    if (json_array_append_new(lost, json_string(st->lost_sample[i])) != 0)
      goto fail;
  /* o owns per and lost from here on, whether the set succeeds or not. */
  int bad = json_object_set_new(o, "per_node", per) != 0;
  bad |= json_object_set_new(o, "lost_sample", lost) != 0;
  per = lost = NULL;
  if (bad || json_object_set_new(o, "nodes", json_integer(st->nodes)) != 0 ||
      json_object_set_new(o, "vnodes", json_integer(st->vnodes)) != 0 ||
      json_object_set_new(o, "replication", json_integer(st->replication)) != 0 ||
      json_object_set_new(o, "hits", json_integer((json_int_t)st->hits)) != 0 ||
      json_object_set_new(o, "misses", json_integer((json_int_t)st->misses)) != 0 ||
      json_object_set_new(o, "hit_ratio", json_real(st->hit_ratio)) != 0 ||
      json_object_set_new(o, "balance", json_real(st->balance)) != 0 ||
      json_object_set_new(o, "rerouted", json_integer((json_int_t)st->rerouted)) != 0 ||
      json_object_set_new(o, "availability", json_real(st->availability)) != 0 ||
      json_object_set_new(o, "live_nodes", json_integer(st->live_nodes)) != 0 ||
      json_object_set_new(o, "lost", json_integer((json_int_t)st->lost)) != 0 ||
      json_object_set_new(o, "refused", json_integer((json_int_t)st->refused)) != 0 ||
      json_object_set_new(o, "expired", json_integer((json_int_t)st->expired)) != 0 ||
      json_object_set_new(o, "re_replicated", json_integer((json_int_t)st->re_replicated)) != 0)
    goto fail;
  return o;

fail:
  json_decref(per);
  json_decref(lost);
  json_decref(o);
  return NULL;
}
