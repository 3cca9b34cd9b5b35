/* The exactly-once seen-set (src/dist/seen.h) on MPI_COMM_SELF, against a brute-force
 * reference: the smallest position of each id wins, whatever the rounds, with
 * 128-bit hash collisions between different ids injected through the test hook, with
 * a cache node taken out of service between rounds, and with the lookups it counts on
 * the cache (a run without duplicates has no hits). The multi-rank exchange is tested
 * by tests/mpi/test_cache_claim.sh. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "check.h"
#include "dist/seen.h"

enum { N = 3000, POOL = 1100 };

typedef struct {
  char id[24];
  uint32_t len;
} idbuf_t;

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

/* Items with ids drawn from a pool of `pool` ids (pool >= N: no duplicates), positions
 * unique but not in item order, so the winner is not simply the first item. */
static void make_items(arcos_seen_item_t *it, idbuf_t *ids, int pool) {
  for (int i = 0; i < N; i++) {
    int k = pool >= N ? i : (int)(mix((uint64_t)i + 1) % (uint64_t)pool);
    ids[i].len = (uint32_t)snprintf(ids[i].id, sizeof ids[i].id, "ev-%05d", k);
    it[i] = (arcos_seen_item_t){.id = ids[i].id,
                                .id_len = ids[i].len,
                                .input = (uint32_t)(i % 3),
                                .pos = mix((uint64_t)i * 7 + 3) >> 8,
                                .line = (uint64_t)i + 1};
  }
}

/* Brute force over the items as they were: how many answers are wrong. Every item
 * must carry its winner's position, input and line afterwards (its own when it is
 * the winner), and keep its id. */
static int wrong_answers(const arcos_seen_item_t *in, const arcos_seen_item_t *out,
                         uint64_t *dups) {
  int wrong = 0;
  *dups = 0;
  for (int i = 0; i < N; i++) {
    int w = i;
    for (int j = 0; j < N; j++)
      if (in[j].id_len == in[i].id_len && memcmp(in[j].id, in[i].id, in[i].id_len) == 0 &&
          in[j].pos < in[w].pos)
        w = j;
    *dups += (uint64_t)(w != i);
    if (out[i].pos != in[w].pos || out[i].input != in[w].input || out[i].line != in[w].line ||
        out[i].id != in[i].id || out[i].id_len != in[i].id_len)
      wrong++;
  }
  return wrong;
}

/* Collision hooks: every id to one 128-bit hash, or to one of 16. */
static void hash_one(const void *id, size_t len, uint64_t out[2]) {
  (void)id;
  (void)len;
  out[0] = 0x1234;
  out[1] = 0x5678ULL << 32;
}
static void hash_16(const void *id, size_t len, uint64_t out[2]) {
  uint64_t h = 0;
  for (size_t i = 0; i < len; i++)
    h = h * 31 + ((const unsigned char *)id)[i];
  out[0] = h % 16;
  out[1] = (h % 16) << 40;
}

static void run_case(const char *what, int pool, size_t round_items, arcos_seen_hash_fn hook,
                     int replication, int fail_node) {
  arcos_seen_item_t *it = malloc(N * sizeof *it), *in = malloc(N * sizeof *in);
  idbuf_t *ids = malloc(N * sizeof *ids);
  CHECK(it != NULL && in != NULL && ids != NULL);
  if (it == NULL || in == NULL || ids == NULL)
    exit(CHECK_DONE());
  make_items(it, ids, pool);
  memcpy(in, it, N * sizeof *in);
  arcos_cache_options_t co = {.nodes = 3, .vnodes = 64, .replication = replication};
  arcos_cache_t *c = arcos_cache_create(MPI_COMM_SELF, &co);
  CHECK(c != NULL);
  arcos_seen_set_hash(hook);
  arcos_seen_opts_t o = {.round_items = round_items, .fail_node = fail_node, .fail_at = 0.5};
  arcos_seen_stats_t st;
  CHECK_INT_EQ(arcos_seen_exchange(MPI_COMM_SELF, c, it, N, &o, &st), ARCOS_OK);
  arcos_seen_set_hash(NULL);
  uint64_t dups = 0;
  int wrong = wrong_answers(in, it, &dups);
  CHECK_INT_EQ(wrong, 0);
  CHECK_INT_EQ(st.lookups, N);
  CHECK_INT_EQ(st.hits, dups);
  if (pool < N)
    CHECK(dups > 0);
  if (hook != NULL)
    CHECK(st.collisions > 0);
  else
    CHECK_INT_EQ(st.collisions, 0);
  size_t per = round_items > 0 ? round_items : N;
  CHECK_INT_EQ(st.rounds, (N + per - 1) / per);
  /* The seen-set's lookups are the cache's: hits are ids found already held. */
  arcos_cache_stats_t cs;
  CHECK_INT_EQ(arcos_cache_stats(c, &cs), ARCOS_OK);
  CHECK_INT_EQ(cs.hits, dups);
  CHECK_INT_EQ(cs.misses, N - dups);
  CHECK_INT_EQ(cs.live_nodes, fail_node >= 0 ? 2 : 3);
  /* After the failure, ids of the failed node go to the next node: rerouted. */
  if (fail_node >= 0)
    CHECK(cs.rerouted > 0 && cs.availability < 1);
  else
    CHECK_INT_EQ(cs.rerouted, 0);
  printf("%s: rounds %llu duplicates %llu collisions %llu hits %llu misses %llu\n", what,
         (unsigned long long)st.rounds, (unsigned long long)dups, (unsigned long long)st.collisions,
         (unsigned long long)cs.hits, (unsigned long long)cs.misses);
  arcos_cache_stats_free(&cs);
  arcos_cache_destroy(&c);
  free(ids);
  free(in);
  free(it);
}

static void test_refused_node(void) {
  arcos_seen_item_t it[2];
  idbuf_t ids[2];
  for (int i = 0; i < 2; i++) {
    ids[i].len = (uint32_t)snprintf(ids[i].id, sizeof ids[i].id, "x-%d", i);
    it[i] = (arcos_seen_item_t){.id = ids[i].id, .id_len = ids[i].len, .pos = (uint64_t)i};
  }
  arcos_cache_options_t co = {.nodes = 3, .replication = 2};
  arcos_cache_t *c = arcos_cache_create(MPI_COMM_SELF, &co);
  arcos_seen_opts_t o = {.fail_node = 7, .fail_at = 0};
  CHECK_INT_EQ(arcos_seen_exchange(MPI_COMM_SELF, c, it, 2, &o, NULL), ARCOS_EUSAGE);
  /* Nothing to claim is fine, and answers nothing. */
  CHECK_INT_EQ(arcos_seen_exchange(MPI_COMM_SELF, c, it, 0, NULL, NULL), ARCOS_OK);
  arcos_cache_destroy(&c);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  run_case("no duplicates", N, 0, NULL, 1, -1);
  run_case("duplicates, one round", POOL, 0, NULL, 1, -1);
  run_case("duplicates, rounds of 97", POOL, 97, NULL, 1, -1);
  run_case("duplicates, rounds of 1", POOL, 1, NULL, 1, -1);
  run_case("one hash for every id", POOL, 0, hash_one, 1, -1);
  run_case("16 hashes, rounds of 500", POOL, 500, hash_16, 1, -1);
  run_case("node 1 out of service mid-way", POOL, 100, NULL, 2, 1);
  test_refused_node();
  MPI_Finalize();
  return CHECK_DONE();
}
