/* The cache's in-rank hash table (growth, deletion, TTL, memory accounting), the
 * placement rules the cache builds on the ring (replicas on a ring without a node, and
 * that taking a node out and bringing it back moves only that node's keys), the plain
 * key-value operations and the checksum memo on MPI_COMM_SELF. The batched operations
 * over several ranks are tested by tests/mpi/test_cache_*.sh. */
#include <mpi.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "arcos/cache.h"
#include "arcos/ring.h"
#include "check.h"
#include "dist/cache_internal.h"
#include "dist/memo.h"

static size_t key_of(int i, char *buf, size_t n) { return (size_t)snprintf(buf, n, "key-%d", i); }

/* Accounting recomputed from scratch: entries plus slot pointers. */
static size_t recount(const cache_table_t *t, size_t *count) {
  size_t b = t->cap * sizeof(cache_entry_t *), n = 0;
  for (size_t i = 0; i < t->cap; i++)
    if (t->slots[i] != NULL) {
      b += cache_entry_bytes(t->slots[i]->klen, t->slots[i]->vlen);
      n++;
    }
  *count = n;
  return b;
}

static void test_table_growth(void) {
  cache_table_t t;
  cache_table_init(&t);
  char k[32];
  enum { N = 20000 };
  size_t caps_seen = 0, last_cap = 0;
  for (int i = 0; i < N; i++) {
    size_t len = key_of(i, k, sizeof k);
    size_t cost = cache_table_put_cost(&t, len, 8);
    size_t before = t.bytes;
    uint64_t v = (uint64_t)i * 3;
    CHECK_INT_EQ(cache_table_put(&t, arcos_hash64(k, len), k, len, &v, 8, 0), 0);
    CHECK_INT_EQ(t.bytes - before, cost);
    if (t.cap != last_cap) {
      caps_seen++;
      last_cap = t.cap;
    }
  }
  CHECK_INT_EQ(t.count, N);
  CHECK(t.cap >= N * 4 / 3 && (t.cap & (t.cap - 1)) == 0);
  CHECK(caps_seen > 5); /* it grew from 16 by doubling */
  size_t n;
  CHECK_INT_EQ(recount(&t, &n), t.bytes);
  CHECK_INT_EQ(n, N);
  int bad = 0;
  for (int i = 0; i < N; i++) {
    size_t len = key_of(i, k, sizeof k);
    cache_entry_t *e = cache_table_find(&t, arcos_hash64(k, len), k, len, 0);
    uint64_t v = 0;
    if (e != NULL)
      memcpy(&v, cache_entry_value(e), 8);
    bad += e == NULL || v != (uint64_t)i * 3;
  }
  CHECK_INT_EQ(bad, 0);

  /* Replacing keeps the count and accounts the new size. */
  size_t len = key_of(7, k, sizeof k);
  size_t before = t.bytes;
  CHECK_INT_EQ(cache_table_put(&t, arcos_hash64(k, len), k, len, "0123456789abcdef", 16, 0), 0);
  CHECK_INT_EQ(t.count, N);
  CHECK_INT_EQ(t.bytes - before, 8);

  /* Deleting every other key (backward shift) leaves the rest reachable. */
  int removed = 0;
  for (int i = 0; i < N; i += 2) {
    len = key_of(i, k, sizeof k);
    removed += cache_table_remove(&t, arcos_hash64(k, len), k, len);
  }
  CHECK_INT_EQ(removed, N / 2);
  CHECK_INT_EQ(t.count, N / 2);
  bad = 0;
  for (int i = 0; i < N; i++) {
    len = key_of(i, k, sizeof k);
    cache_entry_t *e = cache_table_find(&t, arcos_hash64(k, len), k, len, 0);
    bad += (i % 2 == 0) != (e == NULL);
  }
  CHECK_INT_EQ(bad, 0);
  CHECK_INT_EQ(recount(&t, &n), t.bytes);
  CHECK_INT_EQ(n, N / 2);
  len = key_of(0, k, sizeof k);
  CHECK_INT_EQ(cache_table_remove(&t, arcos_hash64(k, len), k, len), 0);
  cache_table_free(&t);
  CHECK_INT_EQ(t.count, 0);
  CHECK_INT_EQ(t.bytes, 0);
}

/* Colliding hashes exercise long probe runs and deletion inside them. */
static void test_table_collisions(void) {
  cache_table_t t;
  cache_table_init(&t);
  char k[32];
  for (int i = 0; i < 100; i++) {
    size_t len = key_of(i, k, sizeof k);
    CHECK_INT_EQ(cache_table_put(&t, (uint64_t)(i % 3), k, len, "v", 1, 0), 0);
  }
  for (int i = 0; i < 100; i += 3) {
    size_t len = key_of(i, k, sizeof k);
    CHECK_INT_EQ(cache_table_remove(&t, (uint64_t)(i % 3), k, len), 1);
  }
  int bad = 0;
  for (int i = 0; i < 100; i++) {
    size_t len = key_of(i, k, sizeof k);
    bad += (i % 3 == 0) != (cache_table_find(&t, (uint64_t)(i % 3), k, len, 0) == NULL);
  }
  CHECK_INT_EQ(bad, 0);
  cache_table_free(&t);
}

static void test_ttl(void) {
  cache_table_t t;
  cache_table_init(&t);
  /* Written at t = 1000 with a TTL of 10 s: live up to 1009, gone at 1010. */
  CHECK_INT_EQ(cache_table_put(&t, 1, "a", 1, "x", 1, 1010), 0);
  CHECK_INT_EQ(cache_table_put(&t, 2, "b", 1, "y", 1, 0), 0);
  CHECK_INT_EQ(cache_table_put(&t, 3, "c", 1, "z", 1, 1005), 0);
  CHECK(cache_table_find(&t, 1, "a", 1, 1009) != NULL);
  CHECK(cache_table_find(&t, 1, "a", 1, 1010) == NULL);
  CHECK_INT_EQ(t.expired, 1);
  CHECK_INT_EQ(t.count, 2);
  CHECK(cache_table_find(&t, 2, "b", 1, INT64_MAX) != NULL); /* no TTL: never expires */
  CHECK_INT_EQ(cache_table_sweep(&t, 1004), 0);
  CHECK_INT_EQ(cache_table_sweep(&t, 1005), 1);
  CHECK_INT_EQ(t.count, 1);
  CHECK_INT_EQ(t.expired, 2);
  size_t n;
  CHECK_INT_EQ(recount(&t, &n), t.bytes);
  cache_table_free(&t);

  /* A sweep over many entries with mixed expiry keeps every live one. */
  cache_table_init(&t);
  char k[32];
  for (int i = 0; i < 5000; i++) {
    size_t len = key_of(i, k, sizeof k);
    cache_table_put(&t, arcos_hash64(k, len), k, len, "v", 1, i % 2 ? 0 : 100 + i % 7);
  }
  CHECK_INT_EQ(cache_table_sweep(&t, 200), 2500);
  int bad = 0;
  for (int i = 1; i < 5000; i += 2) {
    size_t len = key_of(i, k, sizeof k);
    bad += cache_table_find(&t, arcos_hash64(k, len), k, len, 200) == NULL;
  }
  CHECK_INT_EQ(bad, 0);
  CHECK_INT_EQ(recount(&t, &n), t.bytes);
  cache_table_free(&t);
}

#define NKEYS 200000

/* Replicas on a ring without node k are the full ring's clockwise walk with k skipped:
 * what the cache relies on to route around a failed node. */
static void test_replica_placement(const uint64_t *h) {
  enum { NODES = 6, R = 3 };
  arcos_ring_t *full = arcos_ring_create(NODES, 256);
  int ids[NODES - 1], m = 0;
  for (int k = 0; k < NODES; k++)
    if (k != 2)
      ids[m++] = k;
  arcos_ring_t *less = arcos_ring_create_subset(ids, m, 256);
  CHECK(full != NULL && less != NULL);
  if (full == NULL || less == NULL)
    goto out;
  int bad = 0, owner_first = 0;
  long replica_count[NODES] = {0};
  for (int i = 0; i < NKEYS; i++) {
    int a[NODES], b[R];
    int na = arcos_ring_replicas(full, h[i], a, R + 1);
    int nb = arcos_ring_replicas(less, h[i], b, R);
    int exp[R], ne = 0;
    for (int j = 0; j < na && ne < R; j++)
      if (a[j] != 2)
        exp[ne++] = a[j];
    if (nb != R || ne != R)
      bad++;
    for (int j = 0; j < R && j < nb && j < ne; j++)
      bad += exp[j] != b[j];
    owner_first += a[0] == arcos_ring_owner(full, h[i]);
    for (int j = 0; j < R; j++)
      replica_count[a[j]]++;
  }
  CHECK_INT_EQ(bad, 0);
  CHECK_INT_EQ(owner_first, NKEYS);
  /* Every node holds about R / NODES of the copies. */
  for (int k = 0; k < NODES; k++) {
    double share = (double)replica_count[k] / NKEYS;
    CHECK(share > 0.5 - 0.06 && share < 0.5 + 0.06);
  }
out:
  arcos_ring_destroy(&full);
  arcos_ring_destroy(&less);
}

/* Node 4 leaves and comes back: on leaving only its keys move (each to its next node
 * clockwise), on re-adding exactly those keys return and nothing else moves. */
static void test_remove_readd(const uint64_t *h) {
  enum { NODES = 8 };
  int ids[NODES - 1], m = 0;
  for (int k = 0; k < NODES; k++)
    if (k != 4)
      ids[m++] = k;
  arcos_ring_t *full = arcos_ring_create(NODES, 0);
  arcos_ring_t *less = arcos_ring_create_subset(ids, m, 0);
  arcos_ring_t *back = arcos_ring_create(NODES, 0);
  CHECK(full != NULL && less != NULL && back != NULL);
  if (full == NULL || less == NULL || back == NULL)
    goto out;
  long moved_out = 0, wrong_out = 0, wrong_dest = 0, moved_back = 0, wrong_back = 0;
  for (int i = 0; i < NKEYS; i++) {
    int a = arcos_ring_owner(full, h[i]), b = arcos_ring_owner(less, h[i]);
    int c = arcos_ring_owner(back, h[i]);
    if (a != b) {
      moved_out++;
      wrong_out += a != 4;
      int rep[2];
      arcos_ring_replicas(full, h[i], rep, 2);
      wrong_dest += rep[1] != b; /* it went to its second replica */
    }
    if (b != c) {
      moved_back++;
      wrong_back += c != 4;
    }
    wrong_back += c != a;
  }
  double frac = (double)moved_out / NKEYS;
  fprintf(stderr, "node 4 of %d leaves: %.4f of the keys move (ideal %.4f)\n", NODES, frac,
          1.0 / NODES);
  CHECK_INT_EQ(wrong_out, 0);
  CHECK_INT_EQ(wrong_dest, 0);
  CHECK_INT_EQ(wrong_back, 0);
  CHECK_INT_EQ(moved_back, moved_out);
  CHECK(frac <= 1.2 / NODES && frac >= 0.8 / NODES);
out:
  arcos_ring_destroy(&full);
  arcos_ring_destroy(&less);
  arcos_ring_destroy(&back);
}

static void test_memo_key(void) {
  unsigned char a[ARCOS_CACHE_MEMO_KEY_LEN], b[ARCOS_CACHE_MEMO_KEY_LEN],
      c[ARCOS_CACHE_MEMO_KEY_LEN], d[ARCOS_CACHE_MEMO_KEY_LEN];
  const char *data = "{\"coverage\": 81.5}", *sum1 = "ab12", *sum2 = "ab13";
  CHECK(arcos_cache_memo_key(data, strlen(data), sum1, 4, a) == 0);
  CHECK(arcos_cache_memo_key(data, strlen(data), sum1, 4, b) == 0);
  CHECK(arcos_cache_memo_key(data, strlen(data), sum2, 4, c) == 0);
  CHECK(arcos_cache_memo_key(data, strlen(data) - 1, sum1, 4, d) == 0);
  CHECK(memcmp(a, b, sizeof a) == 0);
  CHECK(memcmp(a, c, sizeof a) != 0);
  CHECK(memcmp(a, d, sizeof a) != 0);
  /* The split between data and checksum text is part of the key. */
  CHECK(arcos_cache_memo_key("ab", 2, "c", 1, a) == 0);
  CHECK(arcos_cache_memo_key("a", 1, "bc", 2, b) == 0);
  CHECK(memcmp(a, b, sizeof a) != 0);
  /* Known answer: SHA-256 of 8 length bytes (1, 0, ... 0), "x", "" */
  CHECK(arcos_cache_memo_key("x", 1, "", 0, a) == 0);
  static const unsigned char n1x[9] = {1, 0, 0, 0, 0, 0, 0, 0, 'x'};
  unsigned char want[32];
  unsigned int wn = 0;
  CHECK(EVP_Digest(n1x, sizeof n1x, want, &wn, EVP_sha256(), NULL) == 1 && wn == 32);
  CHECK(memcmp(a, want, 32) == 0);
  CHECK_STR_EQ(arcos_cache_status_name(ARCOS_CACHE_FULL), "full");
  CHECK_STR_EQ(arcos_cache_status_name(ARCOS_CACHE_UNAVAILABLE), "unavailable");
  CHECK_STR_EQ(arcos_cache_status_name(99), "unknown");
}

static void test_raw_member(void) {
  size_t off = 0, n = 0;
  const char *t =
      "{\"id\": 1, \"data\": {\"a\": [1, \"}]\\\"\"], \"b\": null} , \"checksum\": \"ab\"}";
  CHECK_INT_EQ(arcos_json_raw_member(t, strlen(t), "data", 4, &off, &n), 1);
  const char *want = "{\"a\": [1, \"}]\\\"\"], \"b\": null}";
  CHECK_MEM_EQ(t + off, n, want, strlen(want));
  CHECK_INT_EQ(arcos_json_raw_member(t, strlen(t), "checksum", 8, &off, &n), 1);
  CHECK_MEM_EQ(t + off, n, "\"ab\"", 4);
  CHECK_INT_EQ(arcos_json_raw_member(t, strlen(t), "id", 2, &off, &n), 1);
  CHECK_MEM_EQ(t + off, n, "1", 1);
  CHECK_INT_EQ(arcos_json_raw_member(t, strlen(t), "dat", 3, &off, &n), 0);
  /* The last occurrence wins, as in jansson. */
  const char *dup = " {\"data\":1,\"data\":[2]}\r";
  CHECK_INT_EQ(arcos_json_raw_member(dup, strlen(dup), "data", 4, &off, &n), 1);
  CHECK_MEM_EQ(dup + off, n, "[2]", 3);
  CHECK_INT_EQ(arcos_json_raw_member("{}", 2, "data", 4, &off, &n), 0);
  /* Cases it declines: escaped keys (could spell "data"), not an object, truncation. */
  const char *esc = "{\"d\\u0061ta\": 1}";
  CHECK_INT_EQ(arcos_json_raw_member(esc, strlen(esc), "data", 4, &off, &n), -1);
  CHECK_INT_EQ(arcos_json_raw_member("[1]", 3, "data", 4, &off, &n), -1);
  CHECK_INT_EQ(arcos_json_raw_member("{\"data\": {\"a\": 1", 15, "data", 4, &off, &n), -1);
  CHECK_INT_EQ(arcos_json_raw_member("{\"data\" 1}", 10, "data", 4, &off, &n), -1);
}

static int64_t fake_now = 1000;
static int64_t fake_clock(void *arg) {
  (void)arg;
  return fake_now;
}

/* get, set with TTL, set_if_absent, delete on one rank, and what stats count. */
static void test_plain_ops(void) {
  arcos_cache_options_t o = {.nodes = 3, .vnodes = 64, .clock = fake_clock};
  arcos_cache_t *c = arcos_cache_create(MPI_COMM_SELF, &o);
  CHECK(c != NULL);
  if (c == NULL)
    return;
  CHECK_INT_EQ(arcos_cache_replication(c), 1); /* SPEC §8 default */
  arcos_cache_batch_t *b = arcos_cache_batch_create();
  long s1 = arcos_cache_batch_set(b, "a", 1, "one", 3, 0);
  long s2 = arcos_cache_batch_set(b, "t", 1, "ttl", 3, 10);
  long g1 = arcos_cache_batch_get(b, "a", 1);
  long g2 = arcos_cache_batch_get(b, "zz", 2);
  long i1 = arcos_cache_batch_set_if_absent(b, "a", 1, "two", 3, 0);
  long i2 = arcos_cache_batch_set_if_absent(b, "b", 1, "bee", 3, 0);
  long d1 = arcos_cache_batch_delete(b, "b", 1);
  long d2 = arcos_cache_batch_delete(b, "b", 1);
  CHECK_INT_EQ(arcos_cache_exec(c, b), ARCOS_OK);
  const void *v = NULL;
  size_t vl = 0;
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)s1, NULL, NULL), ARCOS_CACHE_STORED);
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)s2, NULL, NULL), ARCOS_CACHE_STORED);
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)g1, &v, &vl), ARCOS_CACHE_HIT);
  CHECK_MEM_EQ(v, vl, "one", 3);
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)g2, NULL, NULL), ARCOS_CACHE_MISS);
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)i1, &v, &vl), ARCOS_CACHE_HIT);
  CHECK_MEM_EQ(v, vl, "one", 3); /* the value held, not the one offered */
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)i2, NULL, NULL), ARCOS_CACHE_STORED);
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)d1, NULL, NULL), ARCOS_CACHE_DELETED);
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)d2, NULL, NULL), ARCOS_CACHE_NOT_FOUND);
  arcos_cache_batch_reset(b);
  fake_now += 11; /* past the TTL of "t" */
  long g3 = arcos_cache_batch_get(b, "t", 1);
  long g4 = arcos_cache_batch_get(b, "a", 1);
  CHECK_INT_EQ(arcos_cache_exec(c, b), ARCOS_OK);
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)g3, NULL, NULL), ARCOS_CACHE_MISS);
  CHECK_INT_EQ(arcos_cache_result(b, (size_t)g4, NULL, NULL), ARCOS_CACHE_HIT);
  /* Lookups: get a (hit), get zz (miss), set_if_absent a (hit), set_if_absent b
   * (miss), get t (miss, expired), get a (hit). Sets and deletes are not lookups. */
  arcos_cache_stats_t st;
  CHECK_INT_EQ(arcos_cache_stats(c, &st), ARCOS_OK);
  CHECK_INT_EQ(st.hits, 3);
  CHECK_INT_EQ(st.misses, 3);
  CHECK_INT_EQ(st.ops, 10);
  CHECK_INT_EQ(st.keys, 1); /* only "a" is left */
  arcos_cache_stats_free(&st);
  arcos_cache_batch_destroy(&b);
  arcos_cache_destroy(&c);
}

/* The memo on the cache's public API: what was stored is found, the rest unknown. */
static void test_memo_self(void) {
  arcos_cache_t *c = arcos_cache_create(MPI_COMM_SELF, NULL);
  CHECK(c != NULL);
  if (c == NULL)
    return;
  enum { K = 40 };
  unsigned char keys[K * ARCOS_CACHE_MEMO_KEY_LEN];
  int8_t verdict[K], got[K];
  for (int i = 0; i < K; i++) {
    char data[32];
    int n = snprintf(data, sizeof data, "{\"v\": %d}", i);
    CHECK(arcos_cache_memo_key(data, (size_t)n, "ab", 2, keys + i * ARCOS_CACHE_MEMO_KEY_LEN) == 0);
    verdict[i] = (int8_t)(i % 2);
  }
  CHECK_INT_EQ(arcos_cache_memo_store(c, keys, verdict, K / 2, 0), ARCOS_OK);
  CHECK_INT_EQ(arcos_cache_memo_lookup(c, keys, K, got), ARCOS_OK);
  for (int i = 0; i < K; i++)
    CHECK_INT_EQ(got[i], i < K / 2 ? verdict[i] : -1);
  arcos_cache_destroy(&c);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  test_plain_ops();
  test_memo_self();
  test_table_growth();
  test_table_collisions();
  test_ttl();
  uint64_t *h = malloc(NKEYS * sizeof *h);
  CHECK(h != NULL);
  if (h == NULL)
    return CHECK_DONE();
  char k[32];
  for (int i = 0; i < NKEYS; i++) {
    int len = snprintf(k, sizeof k, "ev-%06d", i + 1);
    h[i] = arcos_hash64(k, (size_t)len);
  }
  test_replica_placement(h);
  test_remove_readd(h);
  test_memo_key();
  test_raw_member();
  free(h);
  MPI_Finalize();
  return CHECK_DONE();
}
