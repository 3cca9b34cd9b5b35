/* The exactly-once seen-set: see seen.h and docs/cache.md "The seen-set". */
#include "dist/seen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "arcos/error.h"
#include "arcos/util.h"

/* request: u64 hash lo | u64 hash hi | u64 pos | u64 line | u32 input | u32 id_len | id */
#define REQ_FIXED 40
/* reply: the winner's u64 pos | u64 line | u32 input */
#define REP_SIZE 20
#define EMPTY UINT32_MAX

static arcos_seen_hash_fn hash_hook;

void arcos_seen_set_hash(arcos_seen_hash_fn fn) { hash_hook = fn; }

static void id_hash(const void *id, size_t len, uint64_t out[2]) {
  if (hash_hook != NULL) {
    hash_hook(id, len, out);
    return;
  }
  XXH128_hash_t h = XXH3_128bits(id, len);
  out[0] = h.low64;
  out[1] = h.high64;
}

/* One exchange: what every round needs, allocated once. */
typedef struct {
  MPI_Comm comm;
  int size;
  arcos_cache_t *cache;
  arcos_seen_item_t *items;
  uint32_t *order; /* [n]: item indices grouped by round */
  uint64_t *hash;  /* [2 n]: the 128-bit id hash of items[i], computed once (grouping) */
  int *dest;       /* [m]: owner rank of order[k], for the round being run */
  uint32_t *slot;  /* [m]: one rank: the table slot of order[k], for the round being run */
  int64_t *cnt;    /* [4 size]: bytes to send, bytes received, offsets, items sent */
  int *ic;         /* [4 size]: MPI counts and displacements */
  int rerouting;   /* a cache node is out of service: count the keys sent elsewhere */
  uint64_t hits, rerouted, collisions;
  double comm_s, busy_s;
} xchg_t;

static int owner_rank(xchg_t *x, const uint64_t *h) {
  int nodes[ARCOS_CACHE_MAX_REPLICATION];
  int n = arcos_cache_replicas_hash(x->cache, h[0], nodes);
  if (n > 0 && x->rerouting && arcos_cache_owner_hash(x->cache, h[0]) != nodes[0])
    x->rerouted++;
  return n > 0 ? arcos_cache_host_rank(x->cache, nodes[0]) : 0;
}

static void note_rerouting(xchg_t *x) {
  x->rerouting = 0;
  for (int k = 0; k < arcos_cache_nodes(x->cache); k++)
    x->rerouting |= !arcos_cache_node_up(x->cache, k);
}

/* Pack the round's requests grouped by owner rank. Returns the buffer (stotal bytes). */
static char *pack(xchg_t *x, const uint32_t *ord, size_t m, int64_t *stotal) {
  int64_t *scount = x->cnt, *soff = x->cnt + 2 * x->size, *nsent = x->cnt + 3 * x->size;
  memset(x->cnt, 0, 4 * (size_t)x->size * sizeof *x->cnt);
  note_rerouting(x);
  for (size_t k = 0; k < m; k++) {
    const arcos_seen_item_t *it = &x->items[ord[k]];
    int d = owner_rank(x, x->hash + 2 * (size_t)ord[k]);
    x->dest[k] = d;
    scount[d] += REQ_FIXED + it->id_len;
    nsent[d]++;
  }
  int64_t total = 0;
  for (int r = 0; r < x->size; r++) {
    soff[r] = total;
    total += scount[r];
  }
  char *sbuf = malloc((size_t)total + 1);
  if (sbuf == NULL)
    ARCOS_ABORT(x->comm, "out of memory in the exactly-once exchange");
  for (size_t k = 0; k < m; k++) {
    const arcos_seen_item_t *it = &x->items[ord[k]];
    char *p = sbuf + soff[x->dest[k]];
    memcpy(p, x->hash + 2 * (size_t)ord[k], 16);
    memcpy(p + 16, &it->pos, 8);
    memcpy(p + 24, &it->line, 8);
    memcpy(p + 32, &it->input, 4);
    memcpy(p + 36, &it->id_len, 4);
    memcpy(p + REQ_FIXED, it->id, it->id_len);
    soff[x->dest[k]] += REQ_FIXED + it->id_len;
  }
  *stotal = total;
  return sbuf;
}

static uint32_t req_len(const char *p) {
  uint32_t len;
  memcpy(&len, p + 36, 4);
  return REQ_FIXED + len;
}

static uint64_t req_pos(const char *p) {
  uint64_t pos;
  memcpy(&pos, p + 16, 8);
  return pos;
}

/* Same id: the 128-bit hashes first, the full ids only when those are equal. */
static int same_id(const char *a, const char *b, uint64_t *collisions) {
  if (memcmp(a, b, 16) != 0)
    return 0;
  uint32_t la = req_len(a), lb = req_len(b);
  if (la == lb && memcmp(a + REQ_FIXED, b + REQ_FIXED, la - REQ_FIXED) == 0)
    return 1;
  (*collisions)++;
  return 0;
}

/* An owner table for n ids, every slot EMPTY: a power of two, at most half full. */
static uint32_t *empty_table(const xchg_t *x, size_t n, size_t *cap) {
  *cap = 16;
  while (*cap < n * 2)
    *cap *= 2;
  uint32_t *table = malloc(*cap * sizeof *table);
  if (table == NULL)
    ARCOS_ABORT(x->comm, "out of memory in the exactly-once exchange");
  memset(table, 0xff, *cap * sizeof *table);
  return table;
}

/* Owner side: keep the smallest position per id among the requests in rbuf[0..total)
 * and write one reply per request, in the order the requests came. The table holds
 * offsets into rbuf: no copy of an id, no allocation per id. */
static char *answer(xchg_t *x, const char *rbuf, int64_t total, size_t *nreq) {
  size_t n = 0;
  for (int64_t off = 0; off < total; off += req_len(rbuf + off))
    n++;
  size_t cap = 0;
  uint32_t *table = empty_table(x, n, &cap);
  char *reply = malloc(n * REP_SIZE + 1);
  if (reply == NULL)
    ARCOS_ABORT(x->comm, "out of memory in the exactly-once exchange");
  uint64_t coll = 0;
  for (int64_t off = 0; off < total; off += req_len(rbuf + off)) {
    const char *p = rbuf + off;
    uint64_t h0;
    memcpy(&h0, p, 8);
    for (size_t slot = (size_t)h0 & (cap - 1);; slot = (slot + 1) & (cap - 1)) {
      if (table[slot] == EMPTY) {
        table[slot] = (uint32_t)off;
        break;
      }
      const char *q = rbuf + table[slot];
      if (same_id(q, p, &coll)) {
        if (req_pos(p) < req_pos(q))
          table[slot] = (uint32_t)off;
        break;
      }
    }
  }
  x->collisions += coll;
  char *out = reply;
  for (int64_t off = 0; off < total; off += req_len(rbuf + off), out += REP_SIZE) {
    const char *p = rbuf + off, *w = NULL;
    uint64_t h0, ignored = 0;
    memcpy(&h0, p, 8);
    for (size_t slot = (size_t)h0 & (cap - 1);; slot = (slot + 1) & (cap - 1)) {
      const char *q = rbuf + table[slot]; /* the id was inserted above: no empty slot first */
      if (same_id(q, p, &ignored)) {
        w = q;
        break;
      }
    }
    memcpy(out, w + 16, 16); /* pos, line */
    memcpy(out + 16, w + 32, 4);
  }
  free(table);
  *nreq = n;
  return reply;
}

/* The answers back to the requesters: the owner's replies go to each source in the
 * order its requests came; no count exchange is needed, both sides know the counts. */
static char *send_back(xchg_t *x, const char *rbuf, char *reply, size_t m) {
  int size = x->size;
  int64_t *back = x->cnt, *expect = x->cnt + x->size, *nsent = x->cnt + 3 * x->size;
  int *sc = x->ic, *sd = x->ic + size, *rcv = x->ic + 2 * size, *rd = x->ic + 3 * size;
  for (int r = 0; r < size; r++) {
    int64_t from = 0;
    for (int64_t off = rd[r]; off < (int64_t)rd[r] + rcv[r]; off += req_len(rbuf + off))
      from++;
    back[r] = from * REP_SIZE;
    expect[r] = nsent[r] * REP_SIZE;
  }
  /* Replies are smaller than the requests they answer: these cannot pass INT_MAX. */
  arcos_mpi_displs(back, sc, sd, size);
  arcos_mpi_displs(expect, rcv, rd, size);
  char *answers = malloc(m * REP_SIZE + 1);
  if (answers == NULL)
    ARCOS_ABORT(x->comm, "out of memory in the exactly-once exchange");
  MPI_Alltoallv(reply, sc, sd, MPI_BYTE, answers, rcv, rd, MPI_BYTE, x->comm);
  return answers;
}

/* Same id, items i and j of this rank: as same_id, on the kept hashes and the items. */
static int same_item(const xchg_t *x, uint32_t i, uint32_t j, uint64_t *collisions) {
  const uint64_t *hi = x->hash + 2 * (size_t)i, *hj = x->hash + 2 * (size_t)j;
  if (hi[0] != hj[0] || hi[1] != hj[1])
    return 0;
  const arcos_seen_item_t *a = &x->items[i], *b = &x->items[j];
  if (a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0)
    return 1;
  (*collisions)++;
  return 0;
}

/* One round on one rank: the owner's table (as answer) holds the items' indices
 * themselves, and each item remembers its slot, so nothing is packed, copied or
 * looked up twice. Same winners, hits and collisions as the exchange. */
static int local_round(xchg_t *x, const uint32_t *ord, size_t m) {
  double t0 = arcos_now();
  uint64_t hits0 = x->hits, rer0 = x->rerouted, coll = 0;
  note_rerouting(x);
  for (size_t k = 0; x->rerouting && k < m; k++)
    owner_rank(x, x->hash + 2 * (size_t)ord[k]); /* counts the keys sent elsewhere */
  size_t cap = 0;
  uint32_t *table = empty_table(x, m, &cap);
  for (size_t k = 0; k < m; k++) {
    uint32_t i = ord[k];
    size_t slot = (size_t)x->hash[2 * (size_t)i] & (cap - 1);
    for (;; slot = (slot + 1) & (cap - 1)) {
      uint32_t j = table[slot];
      if (j == EMPTY) {
        table[slot] = i;
        break;
      }
      if (same_item(x, j, i, &coll)) {
        if (x->items[i].pos < x->items[j].pos)
          table[slot] = i;
        break;
      }
    }
    x->slot[k] = (uint32_t)slot;
  }
  x->collisions += coll;
  for (size_t k = 0; k < m; k++) {
    arcos_seen_item_t *it = &x->items[ord[k]];
    const arcos_seen_item_t *w = &x->items[table[x->slot[k]]]; /* a winner keeps its own */
    x->hits += w->pos != it->pos;
    it->pos = w->pos;
    it->line = w->line;
    it->input = w->input;
  }
  free(table);
  x->busy_s += arcos_now() - t0;
  arcos_cache_note_round(x->cache, x->hits - hits0, m - (x->hits - hits0), x->rerouted - rer0);
  return ARCOS_OK;
}

/* One round over the items order[0..m). */
static int run_round(xchg_t *x, const uint32_t *ord, size_t m) {
  int size = x->size;
  if (size == 1)
    return local_round(x, ord, m);
  int64_t stotal = 0, *scount = x->cnt, *rcount = x->cnt + size, *cursor = x->cnt + 2 * size;
  int *sc = x->ic, *sd = x->ic + size, *rcv = x->ic + 2 * size, *rd = x->ic + 3 * size;
  uint64_t hits0 = x->hits, rer0 = x->rerouted;
  char *sbuf = pack(x, ord, m, &stotal);
  double t0 = arcos_now();
  MPI_Alltoall(scount, 1, MPI_INT64_T, rcount, 1, MPI_INT64_T, x->comm);
  int ok = arcos_mpi_displs(scount, sc, sd, size) == ARCOS_OK &&
           arcos_mpi_displs(rcount, rcv, rd, size) == ARCOS_OK;
  int all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, x->comm);
  if (!all_ok) {
    free(sbuf);
    return ARCOS_ERANGE;
  }
  int64_t rtotal = (int64_t)rd[size - 1] + rcv[size - 1];
  char *rbuf = malloc((size_t)rtotal + 1);
  if (rbuf == NULL)
    ARCOS_ABORT(x->comm, "out of memory in the exactly-once exchange");
  MPI_Alltoallv(sbuf, sc, sd, MPI_BYTE, rbuf, rcv, rd, MPI_BYTE, x->comm);
  free(sbuf); /* the requests are all in rbuf now: keep one copy only */
  double t1 = arcos_now();
  size_t nreq = 0;
  char *reply = answer(x, rbuf, rtotal, &nreq);
  double t2 = arcos_now();
  char *answers = send_back(x, rbuf, reply, m);
  free(reply);
  rd = x->ic + 3 * size; /* send_back left the answers' displacements there */
  for (int r = 0; r < size; r++)
    cursor[r] = rd[r];
  free(rbuf);
  x->comm_s += (t1 - t0) + (arcos_now() - t2);
  x->busy_s += t2 - t1;
  for (size_t k = 0; k < m; k++) {
    arcos_seen_item_t *it = &x->items[ord[k]];
    const char *q = answers + cursor[x->dest[k]];
    cursor[x->dest[k]] += REP_SIZE;
    uint64_t pos;
    memcpy(&pos, q, 8);
    x->hits += pos != it->pos;
    it->pos = pos;
    memcpy(&it->line, q + 8, 8);
    memcpy(&it->input, q + 16, 4);
  }
  free(answers);
  arcos_cache_note_round(x->cache, x->hits - hits0, m - (x->hits - hits0), x->rerouted - rer0);
  return ARCOS_OK;
}

static uint32_t bucket_of(const xchg_t *x, size_t i, uint64_t rounds) {
  return (uint32_t)((x->hash[2 * i + 1] >> 32) % rounds);
}

/* Items grouped by round: round b takes the ids whose hash falls in bucket b, so every
 * occurrence of an id is in the same round. bstart[b] is where bucket b starts. Each id
 * is hashed once, here: the rounds read x->hash. */

static size_t *group(xchg_t *x, size_t n, uint64_t rounds) {
  size_t *bstart = calloc(rounds + 1, sizeof *bstart);
  if (bstart == NULL)
    ARCOS_ABORT(x->comm, "out of memory in the exactly-once exchange");
  for (size_t i = 0; i < n; i++) {
    id_hash(x->items[i].id, x->items[i].id_len, x->hash + 2 * i);
    bstart[bucket_of(x, i, rounds) + 1]++;
  }
  for (uint64_t b = 0; b < rounds; b++)
    bstart[b + 1] += bstart[b];
  size_t *fill = malloc((rounds + 1) * sizeof *fill);
  if (fill == NULL)
    ARCOS_ABORT(x->comm, "out of memory in the exactly-once exchange");
  memcpy(fill, bstart, (rounds + 1) * sizeof *fill);
  for (size_t i = 0; i < n; i++)
    x->order[fill[bucket_of(x, i, rounds)]++] = (uint32_t)i;
  free(fill);
  return bstart;
}

static int rounds_with_failure(xchg_t *x, const size_t *bstart, uint64_t rounds,
                               const arcos_seen_opts_t *opt) {
  int fail_node = opt != NULL ? opt->fail_node : -1;
  uint64_t fail_round = 0;
  if (fail_node >= 0) {
    double f = opt->fail_at < 0 ? 0 : (opt->fail_at > 1 ? 1 : opt->fail_at);
    fail_round = (uint64_t)(f * (double)rounds);
  }
  int rc = ARCOS_OK;
  for (uint64_t r = 0; r <= rounds && rc == ARCOS_OK; r++) {
    /* The failure comes before round fail_round: fail_at 0 fails before the first
     * round, 1 after the last. */
    if (fail_node >= 0 && r == fail_round)
      rc = arcos_cache_fail_node(x->cache, fail_node);
    if (rc == ARCOS_OK && r < rounds)
      /* Not a leak: the exchange frees x's buffers after the last round, and run_round
       * frees its own on each path; the analyser loses track across this call. */
      // NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
      rc = run_round(x, x->order + bstart[r], bstart[r + 1] - bstart[r]);
  }
  return rc;
}

int arcos_seen_exchange(MPI_Comm comm, arcos_cache_t *cache, arcos_seen_item_t *items, size_t n,
                        const arcos_seen_opts_t *opt, arcos_seen_stats_t *st) {
  xchg_t x = {.comm = comm, .cache = cache, .items = items};
  MPI_Comm_size(comm, &x.size);
  if (n > UINT32_MAX)
    return ARCOS_ERANGE; /* item indices are 32-bit; far past any rank's memory anyway */
  size_t per = opt != NULL && opt->round_items > 0 ? opt->round_items : (n > 0 ? n : 1);
  uint64_t mine = (n + per - 1) / per, rounds = mine;
  if (x.size > 1)
    MPI_Allreduce(&mine, &rounds, 1, MPI_UINT64_T, MPI_MAX, comm);
  if (rounds == 0)
    rounds = 1;
  x.order = malloc(n * sizeof *x.order + 1);
  x.hash = malloc(2 * n * sizeof *x.hash + 1);
  x.cnt = malloc(4 * (size_t)x.size * sizeof *x.cnt);
  x.ic = malloc(4 * (size_t)x.size * sizeof *x.ic);
  if (x.order == NULL || x.hash == NULL || x.cnt == NULL || x.ic == NULL)
    ARCOS_ABORT(comm, "out of memory in the exactly-once exchange");
  double t0 = arcos_now();
  size_t *bstart = group(&x, n, rounds), most = 0;
  for (uint64_t b = 0; b < rounds; b++)
    if (bstart[b + 1] - bstart[b] > most)
      most = bstart[b + 1] - bstart[b];
  /* The owner ranks of a round's items (exchange), or their table slots (one rank). */
  if (x.size > 1)
    x.dest = malloc(most * sizeof *x.dest + 1);
  else
    x.slot = malloc(most * sizeof *x.slot + 1);
  if (x.dest == NULL && x.slot == NULL)
    ARCOS_ABORT(comm, "out of memory in the exactly-once exchange");
  x.busy_s += arcos_now() - t0;
  int rc = rounds_with_failure(&x, bstart, rounds, opt);
  free(bstart);
  free(x.ic);
  free(x.cnt);
  free(x.dest);
  free(x.slot);
  free(x.order);
  free(x.hash);
  if (st != NULL) {
    uint64_t loc[3] = {n, x.hits, x.collisions}, all[3] = {n, x.hits, x.collisions};
    if (x.size > 1)
      MPI_Allreduce(loc, all, 3, MPI_UINT64_T, MPI_SUM, comm);
    *st = (arcos_seen_stats_t){.lookups = all[0],
                               .hits = all[1],
                               .rounds = rounds,
                               .collisions = all[2],
                               .comm_s = x.comm_s,
                               .busy_s = x.busy_s};
  }
  return rc;
}
