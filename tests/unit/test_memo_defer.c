/* The checksum memo's deferral (src/run/memo_defer.c) built alone on MPI_COMM_SELF: the
 * records wait for their round, come back in read order at their own positions,
 * reader errors pass through untouched, the first full verification of a `data` text
 * serves the later records of the same round (batch hits) and, once queued to the
 * cache, the records of later rounds (cache hits); an abandoned round is dropped. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "arcos/cache.h"
#include "check.h"
#include "run/memo_defer.h"

enum { MAXSEEN = 64 };

/* What the callback saw, in order. */
typedef struct {
  size_t n;
  uint32_t seq[MAXSEEN];
  char kind[MAXSEEN]; /* 'e' error, 'h' hit, 'l' may learn, 'n' no memo key */
  uint8_t hit_verified[MAXSEEN];
} seen_t;

static int on_pending(void *arg, const arcos_memo_pending_t *pe) {
  seen_t *s = arg;
  if (s->n >= MAXSEEN)
    return ARCOS_EINTERNAL;
  size_t i = s->n++;
  s->seq[i] = pe->seq;
  if (pe->is_error) {
    s->kind[i] = 'e';
    return strcmp(pe->message, "bad line") == 0 && pe->code == ARCOS_EPARSE ? ARCOS_OK
                                                                            : ARCOS_EINTERNAL;
  }
  if (pe->hit != NULL) {
    s->kind[i] = 'h';
    s->hit_verified[i] = pe->hit->verified;
    return ARCOS_OK;
  }
  if (pe->learned == NULL) {
    s->kind[i] = 'n';
    return ARCOS_OK;
  }
  s->kind[i] = 'l';
  memset(pe->learned, 0, sizeof *pe->learned);
  pe->learned->verified = 1;
  *pe->has_learned = true; /* as a full verification that ran to the end */
  return ARCOS_OK;
}

static void add(arcos_memo_defer_t *d, uint32_t seq, const char *text) {
  arcos_raw_t raw = {text, strlen(text), seq + 1, (uint64_t)seq * 100, NULL};
  CHECK_INT_EQ(arcos_memo_defer_add(d, &raw, seq, false, 0, NULL), ARCOS_OK);
}

static const char A[] = "{\"id\":\"a\",\"data\":{\"x\":1},\"checksum\":\"c1\"}";
static const char B[] = "{\"id\":\"b\",\"data\":{\"x\":2},\"checksum\":\"c1\"}";
static const char NODATA[] = "{\"id\":\"n\"}";

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  arcos_cache_options_t co = {.nodes = 3, .vnodes = 16, .replication = 1};
  arcos_cache_t *cache = arcos_cache_create(MPI_COMM_SELF, &co);
  arcos_memo_t *memo = cache != NULL ? arcos_memo_create(cache, 1) : NULL;
  CHECK(memo != NULL);
  if (memo == NULL)
    return CHECK_DONE();
  seen_t s;
  memset(&s, 0, sizeof s);
  arcos_memo_defer_opts_t o = {.round_records = 5, .pend_max = 1 << 20, .max_record_bytes = 4096};
  arcos_memo_defer_t *d = arcos_memo_defer_create(memo, &o, on_pending, &s);
  CHECK(d != NULL);

  /* Round 1: A, error, A again, no data, B. Nothing is handed back before the round. */
  add(d, 0, A);
  arcos_raw_t bad = {"{oops", 5, 2, 100, NULL};
  CHECK_INT_EQ(arcos_memo_defer_add(d, &bad, 1, true, ARCOS_EPARSE, "bad line"), ARCOS_OK);
  add(d, 2, A);
  add(d, 3, NODATA);
  CHECK(!arcos_memo_defer_full(d));
  add(d, 4, B);
  CHECK(arcos_memo_defer_full(d));
  CHECK_INT_EQ(s.n, 0);
  CHECK_INT_EQ(arcos_memo_defer_flush(d), ARCOS_OK);
  CHECK_INT_EQ(s.n, 5);
  for (uint32_t i = 0; i < 5 && s.n == 5; i++)
    CHECK_INT_EQ(s.seq[i], i); /* read order, at their own positions */
  CHECK_INT_EQ(s.kind[0], 'l');
  CHECK_INT_EQ(s.kind[1], 'e');
  CHECK_INT_EQ(s.kind[2], 'h'); /* the same data and claim as record 0: a batch hit */
  CHECK_INT_EQ(s.hit_verified[2], 1);
  CHECK_INT_EQ(s.kind[3], 'n');
  CHECK_INT_EQ(s.kind[4], 'l');
  arcos_memo_stats_t *ms = arcos_memo_stats(memo);
  CHECK_INT_EQ(ms->hits, 1);
  CHECK_INT_EQ(ms->batch_hits, 1);
  CHECK(!arcos_memo_defer_full(d)); /* empty after the round */

  /* Round 2: A and B were queued to the cache with round 1's verdicts: cache hits. */
  s.n = 0;
  add(d, 0, B);
  add(d, 1, A);
  CHECK_INT_EQ(arcos_memo_defer_flush(d), ARCOS_OK);
  CHECK_INT_EQ(s.n, 2);
  CHECK_INT_EQ(s.kind[0], 'h');
  CHECK_INT_EQ(s.kind[1], 'h');
  CHECK_INT_EQ(ms->hits, 3);
  CHECK_INT_EQ(ms->batch_hits, 1); /* these came from the cache */
  CHECK(arcos_memo_defer_take_seconds(d) >= 0);
  CHECK(arcos_memo_defer_take_seconds(d) == 0); /* taken: reset */

  /* An abandoned partition: its waiting records are dropped, never handed back. */
  s.n = 0;
  add(d, 0, A);
  add(d, 1, B);
  arcos_memo_defer_drop(d);
  CHECK_INT_EQ(arcos_memo_defer_flush(d), ARCOS_OK);
  CHECK_INT_EQ(s.n, 0);

  /* A record over max_record_bytes never uses the memo. */
  arcos_memo_defer_destroy(&d);
  o.max_record_bytes = 8;
  d = arcos_memo_defer_create(memo, &o, on_pending, &s);
  add(d, 0, A);
  CHECK_INT_EQ(arcos_memo_defer_flush(d), ARCOS_OK);
  CHECK_INT_EQ(s.n, 1);
  CHECK_INT_EQ(s.kind[0], 'n');
  arcos_memo_defer_destroy(&d);
  CHECK(d == NULL);
  CHECK_INT_EQ(arcos_memo_finish(memo), ARCOS_OK);
  arcos_memo_destroy(&memo);
  arcos_cache_destroy(&cache);
  MPI_Finalize();
  return CHECK_DONE();
}
