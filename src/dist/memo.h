/* The checksum memo in the job (SPEC §8, docs/cache.md "The checksum memo"): verdicts
 * and data facts (arcos_ev_memo_t) on the distributed cache, keyed by the raw `data`
 * text and the raw checksum text of a record, looked up and stored in batched rounds.
 *
 * Rounds are collective over the cache's communicator, and ranks hold different
 * amounts of work: every round starts with an MPI_Allreduce of "this rank is done";
 * a rank with work passes 0 and its batch, a rank that is done keeps calling
 * arcos_memo_finish, which joins with empty batches until every rank is done. So
 * every rank runs the same number of rounds whatever its partitions, failures,
 * retries or interruptions, as long as it calls arcos_memo_finish once at the end.
 * Private to the job. */
#ifndef ARCOS_MEMO_H
#define ARCOS_MEMO_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/cache.h"
#include "arcos/evidence.h"

/* Memo of verified checksums, keyed by SHA-256 of the raw `data` text plus the
 * claimed checksum text (a hit skips the verification, so the key must resist
 * crafted collisions). Verdicts: 1 verified, 0 mismatch, -1 unknown (not in the
 * memo). arcos_cache_memo_key returns 0, or -1 when the digest is unavailable (then
 * do not use the memo for this record). */
#define ARCOS_CACHE_MEMO_KEY_LEN 32
int arcos_cache_memo_key(const void *data, size_t len, const void *checksum, size_t clen,
                         unsigned char key[ARCOS_CACHE_MEMO_KEY_LEN]);
/* The raw text of top-level member `name` of the JSON object in text[0..len), for the
 * memo key: *off and *vlen give the value's bytes (the last occurrence, as jansson
 * keeps it). Returns 1 found, 0 absent, -1 when it cannot tell cheaply (not an object,
 * malformed, or a top-level key with escapes): then do not use the memo. */
int arcos_json_raw_member(const char *text, size_t len, const char *name, size_t nlen, size_t *off,
                          size_t *vlen);
/* Collective: verdict[i] for keys[i] (n keys, ARCOS_CACHE_MEMO_KEY_LEN bytes each). */
int arcos_cache_memo_lookup(arcos_cache_t *cache, const unsigned char *keys, size_t n,
                            int8_t *verdict);
/* Collective: remember verdict[i] (0 or 1) for keys[i]; ttl_s as for set. */
int arcos_cache_memo_store(arcos_cache_t *cache, const unsigned char *keys, const int8_t *verdict,
                           size_t n, int64_t ttl_s);

typedef struct arcos_memo arcos_memo_t;

/* Figures of one rank (summed over ranks for the report). */
typedef struct {
  uint64_t lookups;       /* records that had a memo key (data text >= min_bytes) */
  uint64_t hits;          /* ... whose data facts came from the memo */
  uint64_t batch_hits;    /* ... of which from an earlier record of the same round */
  uint64_t keys_sent;     /* distinct keys looked up on the cache */
  uint64_t stores;        /* verdicts sent to the cache */
  uint64_t refused;       /* ... that the cache refused (full: memory bound) */
  uint64_t fallbacks;     /* hits whose envelope did not ingest: verified in full */
  uint64_t bytes_skipped; /* `data` bytes not parsed, canonicalised or hashed */
  uint64_t small;         /* records whose `data` was under min_bytes (no lookup) */
  uint64_t declined;      /* records whose members could not be found cheaply */
  uint64_t rounds;        /* rounds this rank took part in (the same on every rank) */
  double round_s;         /* seconds in rounds while working (exchange + waiting) */
  double finish_s;        /* seconds joining empty rounds after this rank's work */
} arcos_memo_stats_t;

/* What one record needs for the memo. */
typedef struct {
  unsigned char key[ARCOS_CACHE_MEMO_KEY_LEN];
  size_t data_off, data_len; /* the raw `data` span in the record text */
} arcos_memo_ref_t;

/* Local; NULL when out of memory. The cache is borrowed. */
arcos_memo_t *arcos_memo_create(arcos_cache_t *cache, size_t min_bytes);
void arcos_memo_destroy(arcos_memo_t **m);

/* The memo key of a record text (after BOM and CR trimming). Returns 1 with *ref set,
 * 0 when the record does not use the memo (counted as small or declined). */
int arcos_memo_ref(arcos_memo_t *m, const char *text, size_t len, arcos_memo_ref_t *ref);

/* Collective round: the stores queued since the last round, then a lookup of n keys
 * (ARCOS_CACHE_MEMO_KEY_LEN bytes each). found[i] = 1 with facts[i] set on a hit.
 * A rank with no work left calls arcos_memo_finish instead. */
int arcos_memo_round(arcos_memo_t *m, const unsigned char *keys, size_t n, uint8_t *found,
                     arcos_ev_memo_t *facts);
/* Queue a verdict for the next round (sent with set_if_absent, no TTL). */
int arcos_memo_queue_store(arcos_memo_t *m, const unsigned char *key, const arcos_ev_memo_t *f);
/* Collective: join rounds with empty batches until every rank has called this. */
int arcos_memo_finish(arcos_memo_t *m);

arcos_memo_stats_t *arcos_memo_stats(arcos_memo_t *m);

#endif
