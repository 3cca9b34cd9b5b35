/* Consistent-hash ring: determinism, balance at the default vnodes, minimal movement
 * when a node leaves, replicas, the one-node ring, and the bucketed lookup against a
 * plain binary search. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "arcos/ring.h"
#include "check.h"

#define NKEYS 1000000
#define NNODES 10

static uint64_t *key_hashes(void) {
  uint64_t *h = malloc(NKEYS * sizeof *h);
  if (h == NULL)
    return NULL;
  char key[32];
  for (int i = 0; i < NKEYS; i++) {
    int len = snprintf(key, sizeof key, "ev-%06d", i + 1);
    h[i] = arcos_hash64(key, (size_t)len);
  }
  return h;
}

static void test_hash_fixed(void) {
  /* XXH3_64bits of the empty input is a published constant: placement is the same on
   * every machine. */
  CHECK(arcos_hash64("", 0) == UINT64_C(0x2D06800538D394C2));
  CHECK(arcos_hash64("ev-000001", 9) == arcos_hash64("ev-000001", 9));
  CHECK(arcos_hash64("ev-000001", 9) != arcos_hash64("ev-000002", 9));
}

static void test_determinism(const uint64_t *h) {
  arcos_ring_t *a = arcos_ring_create(NNODES, 0);
  arcos_ring_t *b = arcos_ring_create(NNODES, 0);
  CHECK(a != NULL && b != NULL);
  if (a == NULL || b == NULL)
    goto out;
  CHECK_INT_EQ(arcos_ring_nodes(a), NNODES);
  CHECK_INT_EQ(arcos_ring_vnodes(a), ARCOS_RING_DEFAULT_VNODES);
  int diff = 0;
  for (int i = 0; i < NKEYS; i += 7)
    diff += arcos_ring_owner(a, h[i]) != arcos_ring_owner(b, h[i]);
  CHECK_INT_EQ(diff, 0);
  CHECK_INT_EQ(arcos_ring_owner_key(a, "ev-000042", 9), arcos_ring_owner(a, h[41]));
  /* Hashes at the extremes wrap around instead of running off the array. */
  int lo = arcos_ring_owner(a, 0), hi = arcos_ring_owner(a, UINT64_MAX);
  CHECK(lo >= 0 && lo < NNODES);
  CHECK_INT_EQ(hi, lo);
out:
  arcos_ring_destroy(&a);
  arcos_ring_destroy(&b);
  CHECK(a == NULL && b == NULL);
}

static void test_balance(const uint64_t *h) {
  arcos_ring_t *r = arcos_ring_create(NNODES, 0);
  CHECK(r != NULL);
  if (r == NULL)
    return;
  long count[NNODES] = {0};
  for (int i = 0; i < NKEYS; i++)
    count[arcos_ring_owner(r, h[i])]++;
  double mean = (double)NKEYS / NNODES, worst = 0;
  for (int k = 0; k < NNODES; k++) {
    double dev = fabs((double)count[k] - mean) / mean;
    if (dev > worst)
      worst = dev;
  }
  fprintf(stderr, "balance: %d nodes, %d vnodes, %d keys: max deviation %.2f %%\n", NNODES,
          arcos_ring_vnodes(r), NKEYS, 100 * worst);
  CHECK(worst <= 0.05);
  arcos_ring_destroy(&r);
}

static void test_remove_node(const uint64_t *h) {
  int ids[NNODES - 1], m = 0;
  for (int k = 0; k < NNODES; k++)
    if (k != 3)
      ids[m++] = k;
  arcos_ring_t *full = arcos_ring_create(NNODES, 0);
  arcos_ring_t *less = arcos_ring_create_subset(ids, m, 0);
  CHECK(full != NULL && less != NULL);
  if (full == NULL || less == NULL)
    goto out;
  CHECK_INT_EQ(arcos_ring_nodes(less), NNODES - 1);
  long moved = 0, moved_not_3 = 0, to_3 = 0;
  for (int i = 0; i < NKEYS; i++) {
    int before = arcos_ring_owner(full, h[i]), after = arcos_ring_owner(less, h[i]);
    to_3 += after == 3;
    if (before != after) {
      moved++;
      moved_not_3 += before != 3;
    }
  }
  double frac = (double)moved / NKEYS;
  fprintf(stderr, "removing node 3 of %d moves %.4f of the keys\n", NNODES, frac);
  CHECK_INT_EQ(moved_not_3, 0);
  CHECK_INT_EQ(to_3, 0);
  CHECK(fabs(frac - 1.0 / NNODES) <= 0.01);
out:
  arcos_ring_destroy(&full);
  arcos_ring_destroy(&less);
}

static void test_replicas(const uint64_t *h) {
  arcos_ring_t *r = arcos_ring_create(NNODES, 64);
  CHECK(r != NULL);
  if (r == NULL)
    return;
  int bad = 0;
  for (int i = 0; i < 10000; i++) {
    int out[NNODES + 2];
    int n = arcos_ring_replicas(r, h[i], out, 3);
    if (n != 3 || out[0] != arcos_ring_owner(r, h[i]) || out[0] == out[1] || out[0] == out[2] ||
        out[1] == out[2])
      bad++;
  }
  CHECK_INT_EQ(bad, 0);
  /* Asking for more than there are gives every node once. */
  int all[NNODES + 2], seen[NNODES] = {0};
  CHECK_INT_EQ(arcos_ring_replicas(r, h[0], all, NNODES + 2), NNODES);
  for (int j = 0; j < NNODES; j++)
    if (all[j] >= 0 && all[j] < NNODES)
      seen[all[j]]++;
  for (int k = 0; k < NNODES; k++)
    CHECK_INT_EQ(seen[k], 1);
  CHECK_INT_EQ(arcos_ring_replicas(r, h[0], all, 0), 0);
  arcos_ring_destroy(&r);
}

static void test_one_node(const uint64_t *h) {
  arcos_ring_t *r = arcos_ring_create(1, 0);
  CHECK(r != NULL);
  if (r == NULL)
    return;
  long other = 0;
  for (int i = 0; i < NKEYS; i += 3)
    other += arcos_ring_owner(r, h[i]) != 0;
  CHECK_INT_EQ(other, 0);
  int out[3] = {-1, -1, -1};
  CHECK_INT_EQ(arcos_ring_replicas(r, h[5], out, 3), 1);
  CHECK_INT_EQ(out[0], 0);
  arcos_ring_destroy(&r);

  /* A subset ring of one node (id 7) owns everything as node 7. */
  int seven = 7;
  r = arcos_ring_create_subset(&seven, 1, 16);
  CHECK(r != NULL);
  if (r != NULL) {
    CHECK_INT_EQ(arcos_ring_owner(r, h[1]), 7);
    arcos_ring_destroy(&r);
  }
}

/* Reference: the ring's points recomputed from their documented encoding (node and
 * vnode as 8 little-endian bytes, hashed), sorted by (point, node), and searched by a
 * plain binary search over all of them; the ring's bucketed lookup must agree for
 * random hashes, the points themselves, their neighbours and the ends of the range. */
typedef struct {
  uint64_t point;
  int node;
} ref_point_t;

static int cmp_ref(const void *a, const void *b) {
  const ref_point_t *x = a, *y = b;
  if (x->point != y->point)
    return x->point < y->point ? -1 : 1;
  return (x->node > y->node) - (x->node < y->node);
}

static int ref_owner(const ref_point_t *p, size_t n, uint64_t hash) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p[mid].point < hash)
      lo = mid + 1;
    else
      hi = mid;
  }
  return p[lo == n ? 0 : lo].node;
}

static void test_lookup_reference(const uint64_t *h) {
  static const int shapes[][2] = {{1, 1}, {2, 3}, {3, 4096}, {5, 7}, {10, 100}, {4, 0}};
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
    int nodes = shapes[s][0], vn = shapes[s][1] ? shapes[s][1] : ARCOS_RING_DEFAULT_VNODES;
    arcos_ring_t *r = arcos_ring_create(nodes, shapes[s][1]);
    size_t n = (size_t)nodes * (size_t)vn;
    ref_point_t *p = malloc(n * sizeof *p);
    CHECK(r != NULL && p != NULL);
    if (r == NULL || p == NULL) {
      free(p);
      arcos_ring_destroy(&r);
      return;
    }
    for (int i = 0, k = 0; i < nodes; i++)
      for (int v = 0; v < vn; v++, k++) {
        unsigned char enc[8];
        for (int b = 0; b < 4; b++) {
          enc[b] = (unsigned char)((unsigned)i >> (8 * b));
          enc[4 + b] = (unsigned char)((unsigned)v >> (8 * b));
        }
        p[k] = (ref_point_t){arcos_hash64(enc, sizeof enc), i};
      }
    qsort(p, n, sizeof *p, cmp_ref);
    long wrong = 0;
    for (int i = 0; i < 200000; i++)
      wrong += arcos_ring_owner(r, h[i]) != ref_owner(p, n, h[i]);
    for (size_t i = 0; i < n; i++) {
      uint64_t q[3] = {p[i].point, p[i].point - 1, p[i].point + 1};
      for (int j = 0; j < 3; j++)
        wrong += arcos_ring_owner(r, q[j]) != ref_owner(p, n, q[j]);
    }
    uint64_t ends[4] = {0, 1, UINT64_MAX, UINT64_MAX - 1};
    for (int j = 0; j < 4; j++)
      wrong += arcos_ring_owner(r, ends[j]) != ref_owner(p, n, ends[j]);
    CHECK_INT_EQ(wrong, 0);
    free(p);
    arcos_ring_destroy(&r);
  }
}

static void test_bad_arguments(void) {
  int dup[2] = {1, 1}, neg[1] = {-1};
  CHECK(arcos_ring_create(0, 0) == NULL);
  CHECK(arcos_ring_create(3, -1) == NULL);
  CHECK(arcos_ring_create_subset(dup, 2, 0) == NULL);
  CHECK(arcos_ring_create_subset(neg, 1, 0) == NULL);
  CHECK(arcos_ring_create_subset(NULL, 1, 0) == NULL);
  arcos_ring_destroy(NULL);
}

int main(void) {
  uint64_t *h = key_hashes();
  CHECK(h != NULL);
  if (h == NULL)
    return CHECK_DONE();
  test_hash_fixed();
  test_determinism(h);
  test_balance(h);
  test_remove_node(h);
  test_replicas(h);
  test_one_node(h);
  test_lookup_reference(h);
  test_bad_arguments();
  free(h);
  return CHECK_DONE();
}
