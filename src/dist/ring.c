#include "arcos/ring.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* The ring is two parallel arrays sorted by (point, node): the search touches only the
 * 8-byte points, and the owner array is read once at the end. A bucket index on the
 * top bits of the hash (about one bucket per point) narrows every lookup to the points
 * of one bucket, about one on average: a lookup per key was two binary searches of 14
 * steps over 96 KiB (3 nodes x 4096 points), which showed in profiles of the
 * exactly-once exchange (docs/performance.md, "What was tuned"). */
struct arcos_ring {
  int nodes;        /* logical nodes holding points */
  int vnodes;       /* points per logical node */
  size_t npoints;   /* nodes * vnodes */
  uint64_t *points; /* sorted ascending */
  int32_t *owner;   /* owner[i] is the node of points[i] */
  int shift;        /* bucket of a hash: hash >> shift */
  uint32_t *bucket; /* bucket[b]: first point >= b << shift; bucket[nbuckets] = npoints */
};

uint64_t arcos_hash64(const void *key, size_t len) { return XXH3_64bits(key, len); }

/* A point depends only on (node, vnode), encoded as 8 little-endian bytes, so it is
 * the same on every machine and for every ring size: removing a node takes away its
 * points and nothing else, and only its keys move. */
static uint64_t point_of(uint32_t node, uint32_t vnode) {
  unsigned char enc[8];
  for (int i = 0; i < 4; i++) {
    enc[i] = (unsigned char)(node >> (8 * i));
    enc[4 + i] = (unsigned char)(vnode >> (8 * i));
  }
  return XXH3_64bits(enc, sizeof enc);
}

typedef struct {
  uint64_t point;
  int32_t node;
} ring_entry_t;

/* Equal points (a 64-bit collision, practically never) are ordered by node, so the
 * smaller node id owns the tie on every rank. */
static int cmp_entry(const void *a, const void *b) {
  const ring_entry_t *x = a, *y = b;
  if (x->point != y->point)
    return x->point < y->point ? -1 : 1;
  return (x->node > y->node) - (x->node < y->node);
}

arcos_ring_t *arcos_ring_create_subset(const int *node_ids, int count, int vnodes) {
  if (node_ids == NULL || count < 1 || vnodes < 0)
    return NULL;
  if (vnodes == 0)
    vnodes = ARCOS_RING_DEFAULT_VNODES;
  for (int i = 0; i < count; i++) {
    if (node_ids[i] < 0)
      return NULL;
    for (int j = 0; j < i; j++)
      if (node_ids[j] == node_ids[i])
        return NULL;
  }
  size_t n = (size_t)count * (size_t)vnodes;
  arcos_ring_t *r = calloc(1, sizeof *r);
  ring_entry_t *tmp = malloc(n * sizeof *tmp);
  if (r == NULL || tmp == NULL)
    goto fail;
  r->points = malloc(n * sizeof *r->points);
  r->owner = malloc(n * sizeof *r->owner);
  if (r->points == NULL || r->owner == NULL)
    goto fail;
  r->nodes = count;
  r->vnodes = vnodes;
  r->npoints = n;

  size_t k = 0;
  for (int i = 0; i < count; i++)
    for (int v = 0; v < vnodes; v++) {
      tmp[k].point = point_of((uint32_t)node_ids[i], (uint32_t)v);
      tmp[k].node = node_ids[i];
      k++;
    }
  qsort(tmp, n, sizeof *tmp, cmp_entry);
  for (size_t i = 0; i < n; i++) {
    r->points[i] = tmp[i].point;
    r->owner[i] = tmp[i].node;
  }
  free(tmp);
  int bits = 1;
  while (bits < 24 && ((size_t)1 << bits) < n)
    bits++;
  size_t nb = (size_t)1 << bits;
  r->shift = 64 - bits;
  r->bucket = malloc((nb + 1) * sizeof *r->bucket);
  if (r->bucket == NULL || n > UINT32_MAX) {
    arcos_ring_destroy(&r);
    return NULL;
  }
  for (size_t b = 0, i = 0; b <= nb; b++) {
    while (i < n && b < nb && (r->points[i] >> r->shift) < b)
      i++;
    r->bucket[b] = b < nb ? (uint32_t)i : (uint32_t)n;
  }
  return r;

fail:
  free(tmp);
  arcos_ring_destroy(&r);
  return NULL;
}

arcos_ring_t *arcos_ring_create(int nodes, int vnodes) {
  if (nodes < 1)
    return NULL;
  int *ids = malloc((size_t)nodes * sizeof *ids);
  if (ids == NULL)
    return NULL;
  for (int i = 0; i < nodes; i++)
    ids[i] = i;
  arcos_ring_t *r = arcos_ring_create_subset(ids, nodes, vnodes);
  free(ids);
  return r;
}

void arcos_ring_destroy(arcos_ring_t **ring) {
  if (ring == NULL || *ring == NULL)
    return;
  free((*ring)->points);
  free((*ring)->owner);
  free((*ring)->bucket);
  free(*ring);
  *ring = NULL;
}

int arcos_ring_nodes(const arcos_ring_t *ring) { return ring->nodes; }

int arcos_ring_vnodes(const arcos_ring_t *ring) { return ring->vnodes; }

/* Index of the first point >= hash, wrapping to 0 past the last point. The points
 * before bucket[b] are below b << shift <= hash and those from bucket[b + 1] on are at
 * or above (b + 1) << shift > hash, so the answer lies in [bucket[b], bucket[b + 1]]. */
static size_t first_at_or_after(const arcos_ring_t *ring, uint64_t hash) {
  size_t b = (size_t)(hash >> ring->shift);
  size_t lo = ring->bucket[b], hi = ring->bucket[b + 1];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ring->points[mid] < hash)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo == ring->npoints ? 0 : lo;
}

int arcos_ring_owner(const arcos_ring_t *ring, uint64_t hash) {
  return ring->owner[first_at_or_after(ring, hash)];
}

int arcos_ring_owner_key(const arcos_ring_t *ring, const void *key, size_t len) {
  return arcos_ring_owner(ring, arcos_hash64(key, len));
}

int arcos_ring_replicas(const arcos_ring_t *ring, uint64_t hash, int *out, int n) {
  if (n > ring->nodes)
    n = ring->nodes;
  if (n <= 0)
    return 0;
  size_t i = first_at_or_after(ring, hash);
  int found = 0;
  /* One full turn visits every node, so the loop always finds n distinct ones. */
  for (size_t step = 0; step < ring->npoints && found < n; step++) {
    int node = ring->owner[i];
    int seen = 0;
    for (int j = 0; j < found && !seen; j++)
      seen = out[j] == node;
    if (!seen)
      out[found++] = node;
    if (++i == ring->npoints)
      i = 0;
  }
  return found;
}
