/* The checksum memo in the job: see memo.h and docs/cache.md. */
#include "dist/memo.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/util.h"

/* A value: verified, data_meaningful, nvals, then per scoring-rule path its kind and
 * its number as 8 bytes (ranks of one job share the byte order). */
#define MEMO_VALUE_HEAD 3
#define MEMO_VALUE_MAX (MEMO_VALUE_HEAD + 9 * ARCOS_EV_MEMO_MAX_PATHS)

struct arcos_memo {
  arcos_cache_t *cache;
  MPI_Comm comm;
  size_t min_bytes;
  arcos_cache_batch_t *batch;
  size_t nstores; /* queued in batch, before the lookups of the next round */
  bool finished;
  arcos_memo_stats_t st;
};

arcos_memo_t *arcos_memo_create(arcos_cache_t *cache, size_t min_bytes) {
  arcos_memo_t *m = calloc(1, sizeof *m);
  if (m == NULL)
    return NULL;
  m->cache = cache;
  m->min_bytes = min_bytes;
  m->batch = arcos_cache_batch_create();
  if (m->batch == NULL) {
    free(m);
    return NULL;
  }
  return m;
}

void arcos_memo_destroy(arcos_memo_t **pm) {
  if (pm == NULL || *pm == NULL)
    return;
  arcos_cache_batch_destroy(&(*pm)->batch);
  free(*pm);
  *pm = NULL;
}

arcos_memo_stats_t *arcos_memo_stats(arcos_memo_t *m) { return &m->st; }

int arcos_memo_ref(arcos_memo_t *m, const char *text, size_t len, arcos_memo_ref_t *ref) {
  size_t doff = 0, dlen = 0, coff = 0, clen = 0;
  int rc = arcos_json_raw_member(text, len, "data", 4, &doff, &dlen);
  if (rc == 1 && dlen < m->min_bytes) {
    m->st.small++;
    return 0;
  }
  if (rc == 1)
    rc = arcos_json_raw_member(text, len, "checksum", 8, &coff, &clen);
  if (rc < 0 || dlen == 0) {
    /* no `data` member (rc 0 on the first call) also lands here: nothing to skip */
    m->st.declined++;
    return 0;
  }
  /* An absent checksum is an empty claim: no raw member text is empty. */
  if (arcos_cache_memo_key(text + doff, dlen, rc == 1 ? text + coff : "", rc == 1 ? clen : 0,
                           ref->key) != 0) {
    m->st.declined++;
    return 0;
  }
  ref->data_off = doff;
  ref->data_len = dlen;
  m->st.lookups++;
  return 1;
}

static size_t encode(const arcos_ev_memo_t *f, unsigned char v[MEMO_VALUE_MAX]) {
  v[0] = f->verified;
  v[1] = f->data_meaningful;
  v[2] = f->nvals;
  size_t n = MEMO_VALUE_HEAD;
  for (size_t i = 0; i < f->nvals && i < ARCOS_EV_MEMO_MAX_PATHS; i++, n += 9) {
    v[n] = f->vals[i].kind;
    memcpy(v + n + 1, &f->vals[i].num, 8);
  }
  return n;
}

/* False for a value of the wrong length (not one this job wrote). */
static bool decode(const unsigned char *v, size_t len, arcos_ev_memo_t *f) {
  memset(f, 0, sizeof *f);
  if (len < MEMO_VALUE_HEAD || v[2] > ARCOS_EV_MEMO_MAX_PATHS ||
      len != MEMO_VALUE_HEAD + 9 * (size_t)v[2])
    return false;
  f->verified = v[0];
  f->data_meaningful = v[1];
  f->nvals = v[2];
  for (size_t i = 0, n = MEMO_VALUE_HEAD; i < f->nvals; i++, n += 9) {
    f->vals[i].kind = v[n];
    memcpy(&f->vals[i].num, v + n + 1, 8);
  }
  return true;
}

int arcos_memo_queue_store(arcos_memo_t *m, const unsigned char *key, const arcos_ev_memo_t *f) {
  unsigned char v[MEMO_VALUE_MAX];
  size_t n = encode(f, v);
  if (arcos_cache_batch_set_if_absent(m->batch, key, ARCOS_CACHE_MEMO_KEY_LEN, v, n, 0) < 0)
    return ARCOS_ENOMEM;
  m->nstores++;
  return ARCOS_OK;
}

/* One round; done says whether this rank has work left. Returns 1 when every rank was
 * done (nothing exchanged), 0 after an exchange, or an error (the same on every rank
 * for ARCOS_ERANGE; ARCOS_ENOMEM is this rank's). */
static int round_once(arcos_memo_t *m, int done, const unsigned char *keys, size_t n,
                      uint8_t *found, arcos_ev_memo_t *facts) {
  /* The start of a round is where a rank waits for the slower ones. Waiting by
   * spinning in MPI takes a core's share from the very rank being waited for when
   * ranks share cores (an oversubscribed or busy node), so the wait yields the CPU
   * between tests; on a dedicated core sched_yield returns at once. */
  int all_done = 0, flag = 0;
  MPI_Request req;
  MPI_Iallreduce(&done, &all_done, 1, MPI_INT, MPI_LAND, arcos_cache_comm(m->cache), &req);
  for (unsigned spin = 0;; spin++) {
    MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    if (flag)
      break;
    if (spin >= 16)
      sched_yield();
  }
  if (all_done)
    return 1;
  int rc = ARCOS_OK;
  for (size_t i = 0; i < n && rc == ARCOS_OK; i++)
    if (arcos_cache_batch_get(m->batch, keys + i * ARCOS_CACHE_MEMO_KEY_LEN,
                              ARCOS_CACHE_MEMO_KEY_LEN) < 0)
      rc = ARCOS_ENOMEM;
  if (rc != ARCOS_OK) /* the round still has to happen: go with the stores alone */
    n = 0;
  int xrc = arcos_cache_exec(m->cache, m->batch);
  m->st.rounds++;
  m->st.keys_sent += n;
  m->st.stores += m->nstores;
  for (size_t i = 0; i < m->nstores && xrc == ARCOS_OK; i++) {
    int s = arcos_cache_result(m->batch, i, NULL, NULL);
    m->st.refused += s == ARCOS_CACHE_FULL || s == ARCOS_CACHE_TOO_BIG;
  }
  for (size_t i = 0; i < n; i++) {
    const void *v = NULL;
    size_t vlen = 0;
    int s = xrc == ARCOS_OK ? arcos_cache_result(m->batch, m->nstores + i, &v, &vlen)
                            : ARCOS_CACHE_MISS;
    found[i] = s == ARCOS_CACHE_HIT && decode(v, vlen, &facts[i]);
  }
  arcos_cache_batch_reset(m->batch);
  m->nstores = 0;
  if (rc == ARCOS_OK && xrc != ARCOS_OK)
    rc = xrc;
  return rc;
}

int arcos_memo_round(arcos_memo_t *m, const unsigned char *keys, size_t n, uint8_t *found,
                     arcos_ev_memo_t *facts) {
  memset(found, 0, n);
  if (m->finished)
    return ARCOS_EINTERNAL;
  double t0 = arcos_now();
  int rc = round_once(m, 0, keys, n, found, facts);
  m->st.round_s += arcos_now() - t0;
  /* A failed exchange is a round of misses: the memo never changes a verdict. */
  return rc == ARCOS_ENOMEM ? rc : ARCOS_OK;
}

int arcos_memo_finish(arcos_memo_t *m) {
  if (m->finished)
    return ARCOS_OK;
  m->finished = true;
  double t0 = arcos_now();
  /* Empty rounds until every rank is done; a failed exchange is just another round. */
  while (round_once(m, 1, NULL, 0, NULL, NULL) != 1)
    ;
  m->st.finish_s += arcos_now() - t0;
  return ARCOS_OK;
}
