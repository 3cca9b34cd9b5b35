/* The checksum memo in the job: see memo.h and docs/cache.md. */
#include "dist/memo.h"

#include <openssl/evp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/util.h"

/* A value: verified, data_meaningful, nvals, then per scoring-rule path its kind and
 * its number as 8 bytes (ranks of one job share the byte order). */
#define MEMO_VALUE_HEAD 3
#define MEMO_VALUE_MAX (MEMO_VALUE_HEAD + 9 * ARCOS_EV_MEMO_MAX_PATHS)

/* ---- checksum memo --------------------------------------------------------------- */

/* SHA-256 of (the data text's length as 8 bytes, the data text, the checksum text).
 * A cryptographic hash because a hit skips the verification itself: with a fast
 * non-cryptographic hash (the first design used XXH3) a hostile input could craft a
 * second `data` text, or a second claimed checksum, with a known-good key and have
 * its checksum reported verified. The length prefix makes the split unambiguous.
 * The digest context is fetched once per process (ranks are single-threaded). */
int arcos_cache_memo_key(const void *data, size_t len, const void *checksum, size_t clen,
                         unsigned char key[ARCOS_CACHE_MEMO_KEY_LEN]) {
  static EVP_MD *sha256;
  static EVP_MD_CTX *md;
  if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
    return -1;
  if (md == NULL && (md = EVP_MD_CTX_new()) == NULL)
    return -1;
  unsigned char n8[8];
  uint64_t n = (uint64_t)len;
  for (int i = 0; i < 8; i++)
    n8[i] = (unsigned char)(n >> (8 * i));
  unsigned int out = 0;
  if (EVP_DigestInit_ex(md, sha256, NULL) != 1 || EVP_DigestUpdate(md, n8, sizeof n8) != 1 ||
      EVP_DigestUpdate(md, data, len) != 1 || EVP_DigestUpdate(md, checksum, clen) != 1 ||
      EVP_DigestFinal_ex(md, key, &out) != 1 || out != ARCOS_CACHE_MEMO_KEY_LEN)
    return -1;
  return 0;
}

static size_t skip_ws(const char *t, size_t i, size_t n) {
  while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
    i++;
  return i;
}

/* Index just past the string starting at t[i] == '"', or n when unterminated;
 * *escaped tells whether it held a backslash. memchr finds the quotes fast. */
static size_t skip_string(const char *t, size_t i, size_t n, int *escaped) {
  *escaped = 0;
  for (i++; i < n;) {
    const char *q = memchr(t + i, '"', n - i);
    if (q == NULL)
      return n;
    size_t e = (size_t)(q - t), bs = 0;
    if (!*escaped && memchr(t + i, '\\', e - i) != NULL)
      *escaped = 1;
    while (e - bs > i && t[e - bs - 1] == '\\')
      bs++;
    if (bs % 2 == 0)
      return e + 1;
    i = e + 1; /* an escaped quote */
  }
  return n;
}

/* Bytes that matter inside a container: quotes and brackets. */
static const unsigned char structural[256] = {
    ['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1};

/* Index just past the value starting at t[i], or n when malformed. Scalars run to the
 * next delimiter; their validity is jansson's business, not the memo's. */
static size_t skip_value(const char *t, size_t i, size_t n) {
  int esc, depth = 0;
  if (i >= n)
    return n;
  if (t[i] == '"')
    return skip_string(t, i, n, &esc);
  if (t[i] != '{' && t[i] != '[') {
    while (i < n && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\t' &&
           t[i] != '\n' && t[i] != '\r')
      i++;
    return i;
  }
  while (i < n) {
    unsigned char ch = (unsigned char)t[i];
    if (!structural[ch]) {
      i++;
    } else if (ch == '"') {
      i = skip_string(t, i, n, &esc);
    } else if (ch == '{' || ch == '[') {
      depth++;
      i++;
    } else {
      i++;
      if (--depth == 0)
        return i;
    }
  }
  return n;
}

int arcos_json_raw_member(const char *text, size_t len, const char *name, size_t nlen, size_t *off,
                          size_t *vlen) {
  size_t i = skip_ws(text, 0, len);
  int found = 0, esc;
  if (i >= len || text[i] != '{')
    return -1;
  i = skip_ws(text, i + 1, len);
  if (i < len && text[i] == '}')
    return 0;
  while (i < len) {
    if (text[i] != '"')
      return -1;
    size_t kend = skip_string(text, i, len, &esc);
    if (kend >= len || esc)
      return -1;
    int match = kend - i - 2 == nlen && memcmp(text + i + 1, name, nlen) == 0;
    i = skip_ws(text, kend, len);
    if (i >= len || text[i] != ':')
      return -1;
    i = skip_ws(text, i + 1, len);
    size_t vend = skip_value(text, i, len);
    if (vend >= len || vend == i)
      return -1;
    if (match) {
      *off = i;
      *vlen = vend - i;
      found = 1;
    }
    i = skip_ws(text, vend, len);
    if (i < len && text[i] == '}')
      return found;
    if (i >= len || text[i] != ',')
      return -1;
    i = skip_ws(text, i + 1, len);
  }
  return -1;
}

int arcos_cache_memo_lookup(arcos_cache_t *c, const unsigned char *keys, size_t n,
                            int8_t *verdict) {
  arcos_cache_batch_t *b = arcos_cache_batch_create();
  if (b == NULL) {
    ARCOS_ABORT(arcos_cache_comm(c), "out of memory in the memo exchange");
  }
  for (size_t i = 0; i < n; i++)
    if (arcos_cache_batch_get(b, keys + i * ARCOS_CACHE_MEMO_KEY_LEN, ARCOS_CACHE_MEMO_KEY_LEN) <
        0) {
      ARCOS_ABORT(arcos_cache_comm(c), "out of memory in the memo exchange");
    }
  int rc = arcos_cache_exec(c, b);
  for (size_t i = 0; i < n; i++) {
    const void *v;
    size_t vlen;
    int st = rc == ARCOS_OK ? arcos_cache_result(b, i, &v, &vlen) : ARCOS_CACHE_MISS;
    verdict[i] = st == ARCOS_CACHE_HIT && vlen == 1 ? (int8_t)(*(const unsigned char *)v != 0) : -1;
  }
  arcos_cache_batch_destroy(&b);
  return rc;
}

int arcos_cache_memo_store(arcos_cache_t *c, const unsigned char *keys, const int8_t *verdict,
                           size_t n, int64_t ttl_s) {
  arcos_cache_batch_t *b = arcos_cache_batch_create();
  if (b == NULL) {
    ARCOS_ABORT(arcos_cache_comm(c), "out of memory in the memo exchange");
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char v = verdict[i] > 0;
    if (arcos_cache_batch_set_if_absent(b, keys + i * ARCOS_CACHE_MEMO_KEY_LEN,
                                        ARCOS_CACHE_MEMO_KEY_LEN, &v, 1, ttl_s) < 0) {
      ARCOS_ABORT(arcos_cache_comm(c), "out of memory in the memo exchange");
    }
  }
  int rc = arcos_cache_exec(c, b);
  arcos_cache_batch_destroy(&b);
  return rc;
}

/* ---- the memo in the job --------------------------------------------------------- */

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
