/* The records store of a run (records.h): the growing item and failure arrays, the
 * per-partition arrays, and the statistics the report sums over ranks. */
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/ring.h"
#include "run/records.h"

int arcos_records_init(arcos_records_t *r) {
  memset(r, 0, sizeof *r);
  r->arena = arcos_arena_create();
  return r->arena != NULL ? ARCOS_OK : ARCOS_ENOMEM;
}

void arcos_records_free(arcos_records_t *r) {
  arcos_arena_destroy(&r->arena);
  free(r->items);
  free(r->fails);
  free(r->newlines);
  free(r->part_records);
  free(r->part_item_first);
  free(r->part_fail_first);
  free(r->skips);
  free(r->interned);
  memset(r, 0, sizeof *r);
}

int arcos_records_parts_reserve(arcos_records_t *r, size_t n) {
  if (n <= r->parts_cap)
    return ARCOS_OK;
  size_t cap = r->parts_cap ? r->parts_cap : 64;
  while (cap < n)
    cap *= 2;
  uint64_t *a = realloc(r->newlines, cap * sizeof *a);
  if (a != NULL)
    r->newlines = a;
  uint64_t *b = realloc(r->part_records, cap * sizeof *b);
  if (b != NULL)
    r->part_records = b;
  size_t *c = realloc(r->part_item_first, cap * sizeof *c);
  if (c != NULL)
    r->part_item_first = c;
  size_t *e = realloc(r->part_fail_first, cap * sizeof *e);
  if (e != NULL)
    r->part_fail_first = e;
  if (a == NULL || b == NULL || c == NULL || e == NULL)
    return ARCOS_ENOMEM;
  size_t old = r->parts_cap;
  memset(r->newlines + old, 0, (cap - old) * sizeof *a);
  memset(r->part_records + old, 0, (cap - old) * sizeof *b);
  memset(r->part_item_first + old, 0, (cap - old) * sizeof *c);
  memset(r->part_fail_first + old, 0, (cap - old) * sizeof *e);
  r->parts_cap = cap;
  return ARCOS_OK;
}

item_t *arcos_records_new_item(arcos_records_t *r) {
  if (arcos_array_grow(&r->items, &r->items_cap, r->nitems, sizeof *r->items, 1024) != ARCOS_OK)
    return NULL;
  memset(&r->items[r->nitems], 0, sizeof *r->items);
  return &r->items[r->nitems];
}

fail_t *arcos_records_new_fail(arcos_records_t *r) {
  if (arcos_array_grow(&r->fails, &r->fails_cap, r->nfails, sizeof *r->fails, 1024) != ARCOS_OK)
    return NULL;
  memset(&r->fails[r->nfails], 0, sizeof *r->fails);
  return &r->fails[r->nfails];
}

void arcos_records_drop_part(arcos_records_t *r, size_t part) {
  r->nitems = r->part_item_first[part];
  r->nfails = r->part_fail_first[part];
  r->part_records[part] = 0;
}

/* Interning stops past this many distinct strings (the table then holds 8192 slots,
 * 128 KiB) or for strings longer than INTERN_MAX_LEN: such input gets plain copies. */
#define INTERN_MAX_DISTINCT 4096u
#define INTERN_MAX_LEN 64u

/* Double the table (or create it) and reinsert what it holds. */
static int intern_grow(arcos_records_t *r) {
  size_t cap = r->interned_cap ? r->interned_cap * 2 : 64;
  arcos_intern_slot_t *t = calloc(cap, sizeof *t);
  if (t == NULL)
    return ARCOS_ENOMEM;
  for (size_t i = 0; i < r->interned_cap; i++) {
    const arcos_intern_slot_t *e = &r->interned[i];
    size_t at = e->hash & (cap - 1);
    while (e->s != NULL && t[at].s != NULL)
      at = (at + 1) & (cap - 1);
    if (e->s != NULL)
      t[at] = *e;
  }
  free(r->interned);
  r->interned = t;
  r->interned_cap = cap;
  return ARCOS_OK;
}

const char *arcos_records_intern(arcos_records_t *r, const char *s, size_t n) {
  if (n > INTERN_MAX_LEN)
    return arcos_arena_strndup(r->arena, s, n);
  uint32_t h = (uint32_t)arcos_hash64(s, n); /* the ring's hash (XXH3) */
  size_t mask = r->interned_cap - 1, at = h & mask;
  for (; r->interned_cap != 0 && r->interned[at].s != NULL; at = (at + 1) & mask) {
    const arcos_intern_slot_t *e = &r->interned[at];
    if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0)
      return e->s;
  }
  if (r->ninterned >= INTERN_MAX_DISTINCT)
    return arcos_arena_strndup(r->arena, s, n);
  if (2 * (r->ninterned + 1) > r->interned_cap) { /* load factor at most 1/2 */
    if (intern_grow(r) != ARCOS_OK)
      return NULL;
    mask = r->interned_cap - 1;
    for (at = h & mask; r->interned[at].s != NULL; at = (at + 1) & mask)
      ;
  }
  char *copy = arcos_arena_strndup(r->arena, s, n);
  if (copy != NULL) {
    r->interned[at] = (arcos_intern_slot_t){copy, (uint32_t)n, h};
    r->ninterned++;
  }
  return copy;
}

int arcos_records_new_arena(arcos_records_t *r) {
  arcos_arena_destroy(&r->arena);
  free(r->interned);
  r->interned = NULL;
  r->ninterned = r->interned_cap = 0;
  r->arena = arcos_arena_create();
  return r->arena != NULL ? ARCOS_OK : ARCOS_ENOMEM;
}

int arcos_records_add_skip(arcos_records_t *r, const arcos_skip_range_t *k) {
  arcos_skip_range_t *g = realloc(r->skips, (r->nskips + 1) * sizeof *g);
  if (g == NULL)
    return ARCOS_ENOMEM;
  r->skips = g;
  r->skips[r->nskips++] = *k;
  return ARCOS_OK;
}

/* Per-rank statistics summed (or min/max-ed) at rank 0. */
void arcos_stats_init(stats_t *s) {
  memset(s, 0, sizeof *s);
  s->min = 101;
  s->max = -1;
}

void arcos_stats_item(stats_t *s, const item_t *it) {
  if (it->status != ITEM_STORED)
    return;
  s->sum[S_SCORE_SUM] += it->score;
  if (it->score < s->min)
    s->min = it->score;
  if (it->score > s->max)
    s->max = it->score;
  s->sum[S_HIST + (it->score >= 100 ? 9 : it->score / 10)]++;
  if (it->alerts & ARCOS_ALERT_INTEGRITY_VIOLATION)
    s->sum[S_ALERT_CRIT]++;
  if (it->alerts & ARCOS_ALERT_LOW_QUALITY)
    s->sum[S_ALERT_HIGH]++;
  if (it->alerts & ARCOS_ALERT_CLOCK_SKEW)
    s->sum[S_ALERT_MED]++;
}

void arcos_stats_fail(stats_t *s, const fail_t *f) {
  if (f->kind >= ARCOS_KIND_PARSE && f->kind <= ARCOS_KIND_IO)
    s->sum[S_ERR_PARSE + f->kind - ARCOS_KIND_PARSE]++;
}

/* A stable counting sort of n elements of `size` bytes by their partition (read by
 * part_of); first[p] receives where partition p begins. */
static int sort_by_part(void **v, size_t n, size_t size, size_t nparts, size_t *first,
                        uint32_t (*part_of)(const void *)) {
  char *src = *v, *dst = malloc(n * size + 1);
  size_t *at = calloc(nparts + 1, sizeof *at);
  if (dst == NULL || at == NULL) {
    free(dst);
    free(at);
    return ARCOS_ENOMEM;
  }
  for (size_t i = 0; i < n; i++)
    at[part_of(src + i * size) + 1]++;
  for (size_t p = 0; p < nparts; p++)
    at[p + 1] += at[p];
  for (size_t p = 0; p < nparts; p++)
    first[p] = at[p];
  for (size_t i = 0; i < n; i++)
    memcpy(dst + at[part_of(src + i * size)]++ * size, src + i * size, size);
  free(at);
  free(src);
  *v = dst;
  return ARCOS_OK;
}

static uint32_t item_part(const void *e) { return ((const item_t *)e)->part; }
static uint32_t fail_part(const void *e) { return ((const fail_t *)e)->part; }

int arcos_records_sort_by_part(arcos_records_t *r, size_t nparts) {
  int rc = sort_by_part((void **)&r->items, r->nitems, sizeof *r->items, nparts, r->part_item_first,
                        item_part);
  if (rc == ARCOS_OK)
    r->items_cap = r->nitems;
  if (rc == ARCOS_OK)
    rc = sort_by_part((void **)&r->fails, r->nfails, sizeof *r->fails, nparts, r->part_fail_first,
                      fail_part);
  if (rc == ARCOS_OK)
    r->fails_cap = r->nfails;
  return rc;
}
