/* Consistent-hash ring: determinism, balance at the default vnodes, minimal movement
 * when a node leaves, replicas, and the one-node ring. */
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
    if (n != 3 || out[0] != arcos_ring_owner(r, h[i]) || out[0] == out[1] ||
        out[0] == out[2] || out[1] == out[2])
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
  test_bad_arguments();
  free(h);
  return CHECK_DONE();
}
