/* The checksum memo's deferral (memo_defer.h): waiting records, the round's distinct
 * keys (open addressing), and the per-key verdict flags of one round. */
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/util.h"
#include "run/memo_defer.h"

/* A record (or reader error) read but not processed yet. Texts live in text. */
typedef struct {
  uint32_t seq;
  bool is_error;
  int code; /* reader errors */
  uint64_t line, offset;
  size_t text_off, len;
  size_t msg_off; /* reader errors: NUL-terminated message in text */
  int32_t key;    /* index into the round's distinct keys, -1 = no memo */
  size_t data_off, data_len;
} pend_t;

struct arcos_memo_defer {
  arcos_memo_t *memo;
  arcos_memo_defer_opts_t o;
  arcos_memo_pending_fn fn;
  void *arg;
  pend_t *pend;
  size_t npend, pend_cap;
  arcos_buf_t text;
  unsigned char *keys; /* distinct keys of the round */
  uint8_t *found;
  arcos_ev_memo_t *facts;
  uint8_t *stored;  /* per distinct key: its verdict was queued or known */
  size_t flags_cap; /* room in found, stored and facts */
  size_t nkeys, keys_cap;
  int32_t *slots; /* open addressing over the round's keys */
  size_t nslots;
  double round_s;          /* seconds in rounds since arcos_memo_defer_take_seconds */
  arcos_ev_memo_t learned; /* what the callback learned about the current record */
};

arcos_memo_defer_t *arcos_memo_defer_create(arcos_memo_t *memo, const arcos_memo_defer_opts_t *o,
                                            arcos_memo_pending_fn fn, void *arg) {
  arcos_memo_defer_t *d = calloc(1, sizeof *d);
  if (d == NULL)
    return NULL;
  d->memo = memo;
  d->o = *o;
  d->fn = fn;
  d->arg = arg;
  return d;
}

void arcos_memo_defer_destroy(arcos_memo_defer_t **dp) {
  if (dp == NULL || *dp == NULL)
    return;
  arcos_memo_defer_t *d = *dp;
  free(d->pend);
  arcos_buf_free(&d->text);
  free(d->keys);
  free(d->found);
  free(d->facts);
  free(d->slots);
  free(d);
  *dp = NULL;
}

int arcos_memo_defer_add(arcos_memo_defer_t *d, const arcos_raw_t *raw, uint32_t seq, bool is_error,
                         int code, const char *message) {
  if (arcos_array_grow(&d->pend, &d->pend_cap, d->npend, sizeof *d->pend, 1024) != ARCOS_OK)
    return ARCOS_ENOMEM;
  pend_t *pe = &d->pend[d->npend];
  memset(pe, 0, sizeof *pe);
  pe->seq = seq;
  pe->is_error = is_error;
  pe->code = code;
  pe->line = raw->line;
  pe->offset = raw->offset;
  pe->text_off = d->text.len;
  pe->len = raw->len;
  if (arcos_buf_append(&d->text, raw->text, raw->len) != 0)
    return ARCOS_ENOMEM;
  if (is_error) {
    pe->msg_off = d->text.len;
    if (arcos_buf_append(&d->text, message, strlen(message) + 1) != 0)
      return ARCOS_ENOMEM;
  }
  d->npend++;
  return ARCOS_OK;
}

bool arcos_memo_defer_full(const arcos_memo_defer_t *d) {
  return d->npend >= d->o.round_records || d->text.len >= d->o.pend_max;
}

void arcos_memo_defer_drop(arcos_memo_defer_t *d) {
  d->npend = 0;
  arcos_buf_reset(&d->text);
}

double arcos_memo_defer_take_seconds(arcos_memo_defer_t *d) {
  double s = d->round_s;
  d->round_s = 0;
  return s;
}

/* The round's distinct keys: index of key k, adding it when new; -1 out of memory. */
static int32_t key_index(arcos_memo_defer_t *d, const unsigned char *k) {
  uint64_t h;
  memcpy(&h, k, sizeof h); /* the key is a SHA-256 digest: already well mixed */
  size_t mask = d->nslots - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    int32_t j = d->slots[i];
    if (j < 0) {
      if (arcos_array_grow(&d->keys, &d->keys_cap, d->nkeys, ARCOS_CACHE_MEMO_KEY_LEN, 1024) !=
          ARCOS_OK)
        return -1;
      memcpy(d->keys + d->nkeys * ARCOS_CACHE_MEMO_KEY_LEN, k, ARCOS_CACHE_MEMO_KEY_LEN);
      d->slots[i] = (int32_t)d->nkeys;
      return (int32_t)d->nkeys++;
    }
    if (memcmp(d->keys + (size_t)j * ARCOS_CACHE_MEMO_KEY_LEN, k, ARCOS_CACHE_MEMO_KEY_LEN) == 0)
      return j;
  }
}

/* The memo key of every waiting record (BOM and CR trimmed, as the stages see it). */
static int collect_keys(arcos_memo_defer_t *d) {
  size_t want = 2;
  while (want < 2 * d->npend)
    want *= 2;
  if (want > d->nslots) {
    int32_t *g = realloc(d->slots, want * sizeof *g);
    if (g == NULL)
      return ARCOS_ENOMEM;
    d->slots = g;
    d->nslots = want;
  }
  memset(d->slots, 0xff, d->nslots * sizeof *d->slots);
  d->nkeys = 0;
  for (size_t i = 0; i < d->npend; i++) {
    pend_t *pe = &d->pend[i];
    pe->key = -1;
    if (pe->is_error)
      continue;
    const char *t = d->text.data + pe->text_off;
    size_t n = pe->len;
    arcos_record_trim(&t, &n, pe->offset);
    arcos_memo_ref_t ref;
    if (n > d->o.max_record_bytes || arcos_memo_ref(d->memo, t, n, &ref) != 1)
      continue;
    pe->key = key_index(d, ref.key);
    if (pe->key < 0)
      return ARCOS_ENOMEM;
    pe->data_off = ref.data_off; /* in the trimmed text, as the stages see it */
    pe->data_len = ref.data_len;
  }
  return ARCOS_OK;
}

/* Room for the round's per-key flags and facts. */
static int reserve_flags(arcos_memo_defer_t *d) {
  size_t nk = d->nkeys;
  if (nk > d->flags_cap || d->found == NULL) {
    size_t c = nk > 64 ? nk * 2 : 128;
    uint8_t *found = realloc(d->found, 2 * c); /* found, then stored */
    arcos_ev_memo_t *facts = realloc(d->facts, c * sizeof *facts);
    if (found != NULL)
      d->found = found;
    if (facts != NULL)
      d->facts = facts;
    if (found == NULL || facts == NULL)
      return ARCOS_ENOMEM;
    d->flags_cap = c;
  }
  d->stored = d->found + d->flags_cap;
  return ARCOS_OK;
}

/* One waiting record to the callback. A record whose key is known (from the cache, or
 * from an earlier record of this round) skips `data`; the first full verification of
 * a key queues its facts for the next round. */
static int hand_back(arcos_memo_defer_t *d, const pend_t *pe) {
  const char *text = d->text.data + pe->text_off;
  arcos_memo_pending_t p = {.raw = {text, pe->len, pe->line, pe->offset, NULL},
                            .seq = pe->seq,
                            .is_error = pe->is_error,
                            .code = pe->code,
                            .message = pe->is_error ? d->text.data + pe->msg_off : NULL,
                            .data_off = pe->data_off,
                            .data_len = pe->data_len};
  if (pe->is_error || pe->key < 0)
    return d->fn(d->arg, &p);
  int32_t k = pe->key;
  bool known = d->stored[k] != 0;
  arcos_memo_stats_t *ms = arcos_memo_stats(d->memo);
  if (known) {
    ms->hits++;
    ms->batch_hits += !d->found[k];
  }
  bool has_learned = false;
  p.hit = known ? &d->facts[k] : NULL;
  p.learned = known ? NULL : &d->learned;
  p.has_learned = known ? NULL : &has_learned;
  int rc = d->fn(d->arg, &p);
  if (rc == ARCOS_OK && has_learned) {
    d->facts[k] = d->learned;
    d->stored[k] = 1;
    rc = arcos_memo_queue_store(d->memo, d->keys + (size_t)k * ARCOS_CACHE_MEMO_KEY_LEN,
                                &d->learned);
  }
  return rc;
}

int arcos_memo_defer_flush(arcos_memo_defer_t *d) {
  int rc = collect_keys(d);
  if (rc == ARCOS_OK)
    rc = reserve_flags(d);
  if (rc != ARCOS_OK)
    return rc;
  double t0 = arcos_now();
  rc = arcos_memo_round(d->memo, d->keys, d->nkeys, d->found, d->facts);
  d->round_s += arcos_now() - t0;
  if (rc != ARCOS_OK)
    return rc;
  for (size_t k = 0; k < d->nkeys; k++)
    d->stored[k] = d->found[k];
  for (size_t i = 0; i < d->npend && rc == ARCOS_OK; i++)
    rc = hand_back(d, &d->pend[i]);
  arcos_memo_defer_drop(d);
  return rc;
}
