/* The in-rank store of one logical cache node: an open-addressing hash table (linear
 * probing, backward-shift deletion, so no tombstones) with its memory accounted in
 * bytes. Private to cache.c; exposed here for the unit tests. */
#ifndef ARCOS_CACHE_INTERNAL_H
#define ARCOS_CACHE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* One entry, key and value in a single allocation. */
typedef struct {
  uint64_t hash;
  int64_t expires; /* wall-clock second at which it is gone; 0 = never */
  uint32_t klen, vlen;
  unsigned char data[]; /* key bytes, then value bytes */
} cache_entry_t;

typedef struct {
  cache_entry_t **slots; /* cap slots, NULL = empty */
  size_t cap;            /* power of two, 0 before the first insert */
  size_t count;
  size_t bytes;     /* accounted: entry headers + keys + values + cap slot pointers */
  uint64_t expired; /* entries dropped because they had expired */
} cache_table_t;

/* Bytes an entry of this shape adds to the accounting (slot growth not included). */
static inline size_t cache_entry_bytes(size_t klen, size_t vlen) {
  return sizeof(cache_entry_t) + klen + vlen;
}
static inline const unsigned char *cache_entry_value(const cache_entry_t *e) {
  return e->data + e->klen;
}
static inline int cache_entry_live(const cache_entry_t *e, int64_t now) {
  return e->expires == 0 || now < e->expires;
}

void cache_table_init(cache_table_t *t);
void cache_table_free(cache_table_t *t);
/* The live entry for the key, or NULL; an expired one found on the way is removed. */
cache_entry_t *cache_table_find(cache_table_t *t, uint64_t hash, const void *key, size_t klen,
                                int64_t now);
/* Insert or replace. Returns 0 or ARCOS_ENOMEM (the table is unchanged then). */
int cache_table_put(cache_table_t *t, uint64_t hash, const void *key, size_t klen, const void *val,
                    size_t vlen, int64_t expires);
/* 1 when an entry (live or not) was removed, else 0. */
int cache_table_remove(cache_table_t *t, uint64_t hash, const void *key, size_t klen);
/* Remove every expired entry; returns how many. */
size_t cache_table_sweep(cache_table_t *t, int64_t now);
/* Bytes a put of this shape would add now (entry plus any growth of the slot array). */
size_t cache_table_put_cost(const cache_table_t *t, size_t klen, size_t vlen);

#endif
