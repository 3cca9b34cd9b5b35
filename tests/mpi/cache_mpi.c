/* Multi-rank checks of the distributed cache, driven by tests/mpi/test_cache_*.sh:
 *   cache_mpi ops              batched get/set/set_if_absent/delete, TTL, memory bound
 *   cache_mpi failover R       take node 1 (then node 0) out of service
 *   cache_mpi claim            the seen-set (src/dist/seen.h) against a gathered reference
 *   cache_mpi memo             the checksum memo on payloads that repeat
 * Every rank checks its own answers; the exit code is non-zero when any rank failed
 * (agreed by allreduce). Lines starting with "digest" are compared across rank counts
 * by the scripts. */
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/cache.h"
#include "arcos/evidence.h"
#include "arcos/ring.h"
#include "dist/memo.h"
#include "dist/seen.h"
#include "run/job_internal.h"

static int rank, size, failures;

#define EXPECT(cond)                                                                               \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "rank %d: %s:%d: EXPECT(%s) failed\n", rank, __FILE__, __LINE__, #cond);     \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)
#define EXPECT_EQ(a, b)                                                                            \
  do {                                                                                             \
    long long a_ = (long long)(a), b_ = (long long)(b);                                            \
    if (a_ != b_) {                                                                                \
      fprintf(stderr, "rank %d: %s:%d: %s == %s failed: %lld != %lld\n", rank, __FILE__, __LINE__, \
              #a, #b, a_, b_);                                                                     \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

static int64_t fake_now = 1000;
static int64_t fake_clock(void *arg) {
  (void)arg;
  return fake_now;
}

static uint64_t allsum(uint64_t v) {
  uint64_t s = 0;
  MPI_Allreduce(&v, &s, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return s;
}

static int key(char *buf, size_t n, const char *pfx, int r, int i) {
  return snprintf(buf, n, "%s-%d-%d", pfx, r, i);
}

/* ---- ops ---------------------------------------------------------------------------- */

static void scenario_ops(void) {
  arcos_cache_options_t o = {.nodes = 5, .vnodes = 256, .replication = 2, .clock = fake_clock};
  arcos_cache_t *c = arcos_cache_create(MPI_COMM_WORLD, &o);
  EXPECT(c != NULL);
  if (c == NULL)
    return;
  EXPECT_EQ(arcos_cache_replication(c), 2);
  arcos_cache_batch_t *b = arcos_cache_batch_create();
  char k[64], v[64];
  enum { N = 400 };

  /* Round 1: every rank sets its own keys (half with a 10 s TTL) and every rank races
   * for the same shared keys with set_if_absent. */
  for (int i = 0; i < N; i++) {
    int kl = key(k, sizeof k, "own", rank, i), vl = key(v, sizeof v, "val", rank, i);
    arcos_cache_batch_set(b, k, (size_t)kl, v, (size_t)vl, i % 2 ? 10 : 0);
  }
  for (int i = 0; i < 50; i++) {
    int kl = snprintf(k, sizeof k, "shared-%d", i);
    char who = (char)('A' + rank);
    arcos_cache_batch_set_if_absent(b, k, (size_t)kl, &who, 1, 0);
  }
  EXPECT_EQ(arcos_cache_exec(c, b), 0);
  uint64_t stored_shared = 0;
  for (size_t i = 0; i < N; i++)
    EXPECT_EQ(arcos_cache_result(b, i, NULL, NULL), ARCOS_CACHE_STORED);
  for (size_t i = N; i < N + 50; i++) {
    int st = arcos_cache_result(b, i, NULL, NULL);
    EXPECT(st == ARCOS_CACHE_STORED || st == ARCOS_CACHE_HIT);
    stored_shared += st == ARCOS_CACHE_STORED;
  }
  /* Exactly one rank wrote each shared key. */
  EXPECT_EQ(allsum(stored_shared), 50);

  /* Round 2, at t = 1005: read the next rank's keys, missing keys and the shared keys. */
  fake_now = 1005;
  arcos_cache_batch_reset(b);
  int peer = (rank + 1) % size;
  for (int i = 0; i < N; i++) {
    int kl = key(k, sizeof k, "own", peer, i);
    arcos_cache_batch_get(b, k, (size_t)kl);
  }
  for (int i = 0; i < 20; i++) {
    int kl = key(k, sizeof k, "absent", rank, i);
    arcos_cache_batch_get(b, k, (size_t)kl);
  }
  for (int i = 0; i < 50; i++) {
    int kl = snprintf(k, sizeof k, "shared-%d", i);
    arcos_cache_batch_get(b, k, (size_t)kl);
  }
  EXPECT_EQ(arcos_cache_exec(c, b), 0);
  for (size_t i = 0; i < N; i++) {
    const void *val;
    size_t vlen;
    int vl = key(v, sizeof v, "val", peer, (int)i);
    EXPECT_EQ(arcos_cache_result(b, i, &val, &vlen), ARCOS_CACHE_HIT);
    EXPECT(vlen == (size_t)vl && memcmp(val, v, vlen) == 0);
  }
  for (size_t i = N; i < N + 20; i++)
    EXPECT_EQ(arcos_cache_result(b, i, NULL, NULL), ARCOS_CACHE_MISS);
  /* Requests arrive in rank order, so rank 0 won every shared key. */
  for (size_t i = N + 20; i < N + 70; i++) {
    const void *val;
    size_t vlen;
    EXPECT_EQ(arcos_cache_result(b, i, &val, &vlen), ARCOS_CACHE_HIT);
    EXPECT(vlen == 1 && *(const char *)val == 'A');
  }

  arcos_cache_stats_t st;
  arcos_cache_stats(c, &st);
  /* Two copies of every key: N own keys per rank plus the shared ones. */
  EXPECT_EQ(st.keys, 2 * ((uint64_t)N * size + 50));
  EXPECT_EQ(st.hits, (uint64_t)size * (N + 50) + (uint64_t)(size - 1) * 50);
  EXPECT_EQ(st.misses, (uint64_t)size * 20 + 50);
  EXPECT_EQ(st.rerouted, 0);
  EXPECT(st.balance < 0.5);
  arcos_cache_stats_free(&st);

  /* Round 3, at t = 1010: the TTL keys are gone, the others stay; delete half of the
   * rest in the same batch, before reading them again (queue order holds). */
  fake_now = 1010;
  arcos_cache_batch_reset(b);
  for (int i = 0; i < N; i += 4) {
    int kl = key(k, sizeof k, "own", rank, i);
    arcos_cache_batch_delete(b, k, (size_t)kl);
  }
  for (int i = 0; i < N; i++) {
    int kl = key(k, sizeof k, "own", rank, i);
    arcos_cache_batch_get(b, k, (size_t)kl);
  }
  EXPECT_EQ(arcos_cache_exec(c, b), 0);
  for (int i = 0; i < N / 4; i++)
    EXPECT_EQ(arcos_cache_result(b, (size_t)i, NULL, NULL), ARCOS_CACHE_DELETED);
  for (int i = 0; i < N; i++) {
    int want = (i % 2 || i % 4 == 0) ? ARCOS_CACHE_MISS : ARCOS_CACHE_HIT;
    EXPECT_EQ(arcos_cache_result(b, (size_t)(N / 4 + i), NULL, NULL), want);
  }
  arcos_cache_stats(c, &st);
  if (rank == 0)
    printf("ops: keys %" PRIu64 " hits %" PRIu64 " misses %" PRIu64 " expired %" PRIu64
           " balance %.3f bytes %" PRIu64 "\n",
           st.keys, st.hits, st.misses, st.expired, st.balance, st.bytes);
  EXPECT(st.expired > 0);
  json_t *js = arcos_cache_stats_json(&st, size);
  EXPECT(js != NULL && json_integer_value(json_object_get(js, "nodes")) == 5 &&
         json_array_size(json_object_get(js, "per_node")) == 5);
  json_decref(js);
  arcos_cache_stats_free(&st);
  arcos_cache_batch_destroy(&b);
  arcos_cache_destroy(&c);
  EXPECT(c == NULL);

  /* Bad options fail on every rank alike. */
  arcos_cache_options_t bad = {.replication = ARCOS_CACHE_MAX_REPLICATION + 1};
  EXPECT(arcos_cache_create(MPI_COMM_WORLD, &bad) == NULL);
  bad = (arcos_cache_options_t){.nodes = -1};
  EXPECT(arcos_cache_create(MPI_COMM_WORLD, &bad) == NULL);

  /* Keys over ARCOS_CACHE_MAX_KEY are refused without a message; the rest of the batch
   * runs. Defaults: max(3, ranks) nodes, R = 1 (SPEC §8). */
  c = arcos_cache_create(MPI_COMM_WORLD, NULL);
  EXPECT_EQ(arcos_cache_nodes(c), size > 3 ? size : 3);
  EXPECT_EQ(arcos_cache_vnodes(c), ARCOS_RING_DEFAULT_VNODES);
  b = arcos_cache_batch_create();
  static char huge[ARCOS_CACHE_MAX_KEY + 1];
  arcos_cache_batch_set(b, huge, sizeof huge, "v", 1, 0);
  arcos_cache_batch_set(b, "ok", 2, "v", 1, 0);
  EXPECT_EQ(arcos_cache_batch_size(b), 2);
  EXPECT_EQ(arcos_cache_exec(c, b), 0);
  EXPECT_EQ(arcos_cache_result(b, 0, NULL, NULL), ARCOS_CACHE_TOO_BIG);
  EXPECT_EQ(arcos_cache_result(b, 1, NULL, NULL), ARCOS_CACHE_STORED);
  int reps[ARCOS_CACHE_MAX_REPLICATION];
  EXPECT_EQ(arcos_cache_replication(c), 1);
  EXPECT_EQ(arcos_cache_replicas(c, "ok", 2, reps), 1);
  EXPECT(arcos_cache_host_rank(c, reps[0]) == reps[0] % size);
  arcos_cache_batch_destroy(&b);
  arcos_cache_destroy(&c);

  /* A memory bound: 64 KiB per rank takes some writes and refuses the rest. */
  arcos_cache_options_t small = {.nodes = 3, .vnodes = 64, .max_bytes = 65536};
  c = arcos_cache_create(MPI_COMM_WORLD, &small);
  b = arcos_cache_batch_create();
  static char big[1000];
  for (int i = 0; i < 300; i++) {
    int kl = key(k, sizeof k, "big", rank, i);
    arcos_cache_batch_set(b, k, (size_t)kl, big, sizeof big, 0);
  }
  EXPECT_EQ(arcos_cache_exec(c, b), 0);
  uint64_t full = 0, ok = 0;
  for (size_t i = 0; i < 300; i++) {
    int s = arcos_cache_result(b, i, NULL, NULL);
    full += s == ARCOS_CACHE_FULL;
    ok += s == ARCOS_CACHE_STORED;
  }
  EXPECT(allsum(full) > 0 && allsum(ok) > 0);
  arcos_cache_stats(c, &st);
  for (int r = 0; r < size; r++) {
    uint64_t hosted = 0;
    for (int n = r; n < st.nodes; n += size)
      hosted += st.node_bytes[n];
    EXPECT(hosted <= 65536);
  }
  EXPECT(st.refused > 0);
  arcos_cache_stats_free(&st);
  arcos_cache_batch_destroy(&b);
  arcos_cache_destroy(&c);
}

/* ---- failover ----------------------------------------------------------------------- */

static void scenario_failover(int R) {
  arcos_cache_options_t o = {.nodes = 4, .vnodes = 512, .replication = R};
  arcos_cache_t *c = arcos_cache_create(MPI_COMM_WORLD, &o);
  EXPECT(c != NULL);
  if (c == NULL)
    return;
  arcos_cache_batch_t *b = arcos_cache_batch_create();
  char k[64], v[64];
  enum { N = 1000 };
  for (int i = 0; i < N; i++) {
    int kl = key(k, sizeof k, "f", rank, i), vl = key(v, sizeof v, "v", rank, i);
    arcos_cache_batch_set(b, k, (size_t)kl, v, (size_t)vl, 0);
  }
  EXPECT_EQ(arcos_cache_exec(c, b), 0);

  /* Keys whose only copy is on node 1 (R = 1) are the ones that must be lost. */
  uint64_t on1 = 0;
  arcos_ring_t *full = arcos_ring_create(4, 512);
  for (int i = 0; i < N; i++) {
    int kl = key(k, sizeof k, "f", rank, i);
    on1 += arcos_ring_owner_key(full, k, (size_t)kl) == 1;
  }
  arcos_ring_destroy(&full);
  uint64_t total_on1 = allsum(on1);

  EXPECT_EQ(arcos_cache_fail_node(c, 1), 0);
  EXPECT_EQ(arcos_cache_fail_node(c, 1), ARCOS_EUSAGE); /* already out of service */
  EXPECT(!arcos_cache_node_up(c, 1));
  arcos_cache_stats_t st;
  arcos_cache_stats(c, &st);
  EXPECT_EQ(st.node_keys[1], 0);
  if (R >= 2) {
    EXPECT_EQ(st.lost, 0);
    EXPECT_EQ(st.keys, (uint64_t)R * N * size); /* R copies again */
    EXPECT(st.re_replicated > 0);
  } else {
    EXPECT_EQ(st.lost, total_on1);
    EXPECT(st.nlost_sample > 0 && strncmp(st.lost_sample[0], "f-", 2) == 0);
  }
  arcos_cache_stats_free(&st);

  /* Read every key back (rank's own keys); with R >= 2 nothing is missing. */
  for (int round = 0; round < 2; round++) {
    arcos_cache_batch_reset(b);
    for (int i = 0; i < N; i++) {
      int kl = key(k, sizeof k, "f", rank, i);
      arcos_cache_batch_get(b, k, (size_t)kl);
    }
    EXPECT_EQ(arcos_cache_exec(c, b), 0);
    uint64_t miss = 0, wrong = 0;
    for (int i = 0; i < N; i++) {
      const void *val;
      size_t vlen;
      int s = arcos_cache_result(b, (size_t)i, &val, &vlen);
      int vl = key(v, sizeof v, "v", rank, i);
      if (s != ARCOS_CACHE_HIT)
        miss++;
      else if (vlen != (size_t)vl || memcmp(val, v, vlen) != 0)
        wrong++;
    }
    EXPECT_EQ(allsum(wrong), 0);
    uint64_t all_miss = allsum(miss);
    if (R >= 2)
      EXPECT_EQ(all_miss, 0);
    else
      EXPECT_EQ(all_miss, total_on1);
    arcos_cache_stats(c, &st);
    if (rank == 0)
      printf("failover R=%d after %s: lost %" PRIu64 " rerouted %" PRIu64 " re_replicated %" PRIu64
             " keys %" PRIu64 " live %d availability %.3f misses %" PRIu64 "\n",
             R, round == 0 ? "node 1" : "node 1 and node 0", st.lost, st.rerouted, st.re_replicated,
             st.keys, st.live_nodes, st.availability, all_miss);
    EXPECT(st.rerouted > 0);
    arcos_cache_stats_free(&st);
    /* A second failure: with R = 2 this only works because R was restored. */
    if (round == 0) {
      EXPECT_EQ(arcos_cache_fail_node(c, 0), 0);
      if (R == 1) {
        arcos_cache_stats(c, &st);
        total_on1 = st.lost; /* every key lost so far misses from now on */
        arcos_cache_stats_free(&st);
      }
    }
  }
  arcos_cache_batch_destroy(&b);
  arcos_cache_destroy(&c);
}

/* ---- exactly-once ------------------------------------------------------------------- */

enum { NPARTS = 12, PER_PART = 250, NIDS = 700 };

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= UINT64_C(0xff51afd7ed558ccd);
  x ^= x >> 33;
  return x;
}

/* Items of the partitions this rank owns (partition p on rank p % size), ids drawn
 * from NIDS names so that most ids occur several times, across partitions and ranks. */
static void build_job(job_t *job, arcos_ctx_t *ctx, arcos_partition_t *parts) {
  memset(job, 0, sizeof *job);
  job->ctx = ctx;
  job->plan.parts = parts;
  job->plan.nparts = NPARTS;
  for (int p = 0; p < NPARTS; p++)
    parts[p].input = (uint32_t)(p / 4);
  arcos_records_init(&job->rec);
  job->rec.items = calloc(NPARTS * PER_PART, sizeof *job->rec.items);
  for (int p = rank; p < NPARTS; p += size)
    for (int s = 0; s < PER_PART; s++) {
      item_t *it = &job->rec.items[job->rec.nitems++];
      char id[32];
      int n = snprintf(id, sizeof id, "ev-%05d", (int)(mix((uint64_t)(p * PER_PART + s)) % NIDS));
      it->part = (uint32_t)p;
      it->seq = (uint32_t)s;
      it->line = (uint64_t)(p % 4) * PER_PART + (uint64_t)s + 1;
      it->id = arcos_arena_strndup(job->rec.arena, id, (size_t)n);
      it->id_len = (uint32_t)n;
    }
}

/* The reference answer, computed without the seen-set: every rank gathers every
 * (id, position, input, line) and takes the smallest position of each id. */
typedef struct {
  char id[16];
  uint64_t pos, line;
  uint32_t input, pad;
} ref_t;

static int ref_cmp(const void *a, const void *b) {
  const ref_t *x = a, *y = b;
  int c = strcmp(x->id, y->id);
  return c != 0 ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static ref_t *gather_ref(const arcos_seen_item_t *it, size_t n, size_t *total) {
  ref_t *mine = calloc(n + 1, sizeof *mine);
  for (size_t i = 0; i < n; i++) {
    memcpy(mine[i].id, it[i].id, it[i].id_len < 15 ? it[i].id_len : 15);
    mine[i].pos = it[i].pos;
    mine[i].line = it[i].line;
    mine[i].input = it[i].input;
  }
  int cnt = (int)(n * sizeof(ref_t)), *counts = malloc((size_t)size * sizeof *counts),
      *displ = malloc((size_t)size * sizeof *displ);
  MPI_Allgather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
  int off = 0;
  for (int r = 0; r < size; r++) {
    displ[r] = off;
    off += counts[r];
  }
  ref_t *all = malloc((size_t)off + 1);
  MPI_Allgatherv(mine, cnt, MPI_BYTE, all, counts, displ, MPI_BYTE, MPI_COMM_WORLD);
  *total = (size_t)off / sizeof(ref_t);
  qsort(all, *total, sizeof *all, ref_cmp);
  free(counts);
  free(displ);
  free(mine);
  return all;
}

/* Items wrong against the reference (the first entry of each id is its winner): each
 * item must carry its winner's position, input and line. */
static uint64_t wrong_answers(const arcos_seen_item_t *it, size_t n, const ref_t *all,
                              size_t total) {
  uint64_t wrong = 0;
  for (size_t i = 0; i < n; i++) {
    ref_t key = {.pos = 0};
    memcpy(key.id, it[i].id, it[i].id_len < 15 ? it[i].id_len : 15);
    size_t lo = 0, hi = total;
    while (lo < hi) { /* the first entry of the id */
      size_t mid = (lo + hi) / 2;
      if (strcmp(all[mid].id, key.id) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    const ref_t *w = &all[lo];
    wrong += lo >= total || strcmp(w->id, key.id) != 0 || it[i].pos != w->pos ||
             it[i].input != w->input || it[i].line != w->line;
  }
  return wrong;
}

/* Every rank's items as seen-set items. */
static arcos_seen_item_t *seen_items(const job_t *job) {
  arcos_seen_item_t *s = calloc(job->rec.nitems + 1, sizeof *s);
  for (size_t i = 0; i < job->rec.nitems; i++) {
    const item_t *it = &job->rec.items[i];
    s[i] = (arcos_seen_item_t){.id = it->id,
                               .id_len = it->id_len,
                               .input = job->plan.parts[it->part].input,
                               .pos = item_pos(it->part, it->seq),
                               .line = it->line};
  }
  return s;
}

/* The seen-set against the reference: one round and rounds of several sizes, several
 * node counts, a node taken out of service between rounds (R >= 2), and the same
 * answers at any rank count (digest). */
static void scenario_claim(void) {
  arcos_ctx_t ctx = {.comm = MPI_COMM_WORLD, .rank = rank, .size = size};
  arcos_partition_t parts[NPARTS];
  memset(parts, 0, sizeof parts);
  job_t job;
  build_job(&job, &ctx, parts);
  arcos_seen_item_t *s = seen_items(&job), *s0 = seen_items(&job);
  size_t total = 0;
  ref_t *all = gather_ref(s, job.rec.nitems, &total);
  uint64_t distinct = 0;
  for (size_t i = 0; i < total; i++)
    distinct += i == 0 || strcmp(all[i].id, all[i - 1].id) != 0;
  struct {
    int nodes, R;
    size_t round_items;
    int fail_node;
    double fail_at;
  } runs[] = {{0, 1, 0, -1, 0},    {3, 1, 97, -1, 0},    {5, 2, 50, 1, 0.5},
              {4, 3, 200, 0, 0.3}, {0, 2, 1000, 2, 1.0}, {7, 2, 7, 3, 0.5}};
  uint64_t h = 0;
  for (size_t run = 0; run < sizeof runs / sizeof runs[0]; run++) {
    arcos_cache_options_t o = {.nodes = runs[run].nodes, .vnodes = 256, .replication = runs[run].R};
    arcos_cache_t *c = arcos_cache_create(MPI_COMM_WORLD, &o);
    memcpy(s, s0, job.rec.nitems * sizeof *s); /* the exchange writes its answers over them */
    arcos_seen_opts_t so = {runs[run].round_items, runs[run].fail_node, runs[run].fail_at};
    arcos_seen_stats_t st;
    EXPECT_EQ(arcos_seen_exchange(MPI_COMM_WORLD, c, s, job.rec.nitems, &so, &st), 0);
    uint64_t wrong = allsum(wrong_answers(s, job.rec.nitems, all, total)), dups = 0;
    for (size_t i = 0; i < job.rec.nitems; i++)
      dups += s[i].pos != s0[i].pos;
    dups = allsum(dups);
    arcos_cache_stats_t cs;
    arcos_cache_stats(c, &cs);
    if (rank == 0)
      printf("seen run %zu: nodes %d R %d round_items %zu fail %d at %.1f: rounds %" PRIu64
             " duplicates %" PRIu64 " wrong %" PRIu64 " hits %" PRIu64 " misses %" PRIu64 "\n",
             run, cs.nodes, cs.replication, runs[run].round_items, runs[run].fail_node,
             runs[run].fail_at, st.rounds, dups, wrong, cs.hits, cs.misses);
    EXPECT_EQ(wrong, 0);
    EXPECT(dups > 0);
    EXPECT_EQ(st.hits, dups);
    EXPECT_EQ(cs.hits, dups);
    EXPECT_EQ(cs.misses, distinct); /* one lookup per id found nothing */
    EXPECT_EQ(cs.live_nodes, cs.nodes - (runs[run].fail_node >= 0));
    if (runs[run].fail_node >= 0 && runs[run].fail_at < 1)
      EXPECT(cs.rerouted > 0 && cs.availability < 1);
    arcos_cache_stats_free(&cs);
    arcos_cache_destroy(&c);
    if (run == 0)
      for (size_t i = 0; i < job.rec.nitems; i++) {
        uint64_t x = s0[i].pos * 31 + s[i].pos;
        x = x * 31 + s[i].input;
        x = x * 31 + s[i].line;
        h += mix(x); /* order-free sum: ranks hold different slices */
      }
  }
  /* A node that is not in service is refused on every rank. */
  arcos_cache_options_t o = {.nodes = 3, .vnodes = 64, .replication = 2};
  arcos_cache_t *c = arcos_cache_create(MPI_COMM_WORLD, &o);
  arcos_seen_opts_t bad = {0, 7, 0.5};
  EXPECT_EQ(arcos_seen_exchange(MPI_COMM_WORLD, c, s, job.rec.nitems, &bad, NULL), ARCOS_EUSAGE);
  arcos_cache_destroy(&c);
  uint64_t sum = allsum(h);
  if (rank == 0)
    printf("digest %016" PRIx64 "\n", sum);
  free(all);
  free(s0);
  free(s);
  arcos_records_free(&job.rec);
}

/* ---- memo --------------------------------------------------------------------------- */

static void scenario_memo(void) {
  arcos_cache_t *c = arcos_cache_create(MPI_COMM_WORLD, NULL);
  EXPECT(c != NULL);
  arcos_evidence_ctx_t *ev = arcos_evidence_create(NULL, 0, 0);
  enum { N = 2000, BATCH = 200 };
  /* Payloads: half of the records share 20 coverage reports; the rest are unique. */
  unsigned char *keys = malloc((size_t)BATCH * ARCOS_CACHE_MEMO_KEY_LEN);
  int8_t verdict[BATCH];
  char data[4200];
  uint64_t computed = 0, memo_hits = 0, wrong = 0;
  for (int b0 = 0; b0 < N; b0 += BATCH) {
    char hexes[BATCH][65];
    int lens[BATCH];
    for (int i = 0; i < BATCH; i++) {
      int rec = rank * N + b0 + i;
      int shared = rec % 2 == 0;
      int id = shared ? (int)(mix((uint64_t)rec) % 20) : 100000 + rec;
      int n = snprintf(data, sizeof data, "{\"report\": %d, \"lines\": [", id);
      for (int j = 0; j < 200; j++)
        n += snprintf(data + n, sizeof data - (size_t)n, "%s%d", j ? ", " : "", (id * 7 + j) % 997);
      n += snprintf(data + n, sizeof data - (size_t)n, "]}");
      lens[i] = n;
      /* The claimed checksum: right for even ids, wrong for odd ones. */
      arcos_ev_sha256_hex(ev, data, (size_t)n, hexes[i]);
      if (id % 2)
        hexes[i][0] = hexes[i][0] == '0' ? '1' : '0';
      arcos_cache_memo_key(data, (size_t)n, hexes[i], 64,
                           keys + (size_t)i * ARCOS_CACHE_MEMO_KEY_LEN);
    }
    EXPECT_EQ(arcos_cache_memo_lookup(c, keys, BATCH, verdict), 0);
    for (int i = 0; i < BATCH; i++) {
      int rec = rank * N + b0 + i;
      int id = rec % 2 == 0 ? (int)(mix((uint64_t)rec) % 20) : 100000 + rec;
      int truth = id % 2 == 0;
      (void)lens;
      if (verdict[i] >= 0) {
        memo_hits++;
        wrong += verdict[i] != truth;
      } else {
        computed++;
        verdict[i] = (int8_t)truth;
      }
    }
    EXPECT_EQ(arcos_cache_memo_store(c, keys, verdict, BATCH, 0), 0);
  }
  EXPECT_EQ(allsum(wrong), 0);
  uint64_t hits = allsum(memo_hits), total = (uint64_t)N * size;
  double ratio = (double)hits / (double)total;
  arcos_cache_stats_t st;
  arcos_cache_stats(c, &st);
  if (rank == 0)
    printf("memo: %" PRIu64 " lookups, %" PRIu64 " memo hits (%.3f), cache hit_ratio %.3f, "
           "distinct payloads %" PRIu64 "\n",
           total, hits, ratio, st.hit_ratio, st.keys / 2);
  /* 50 % of the records repeat 20 payloads: every lookup of them hits except in the
   * first batch, where all sightings miss before the first store (0.45 exactly here). */
  EXPECT(ratio >= 0.45 && ratio <= 0.5);
  arcos_cache_stats_free(&st);
  free(keys);
  arcos_evidence_destroy(&ev);
  arcos_cache_destroy(&c);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *what = argc > 1 ? argv[1] : "";
  int known = 1;
  if (strcmp(what, "ops") == 0)
    scenario_ops();
  else if (strcmp(what, "failover") == 0)
    scenario_failover(argc > 2 ? atoi(argv[2]) : 2);
  else if (strcmp(what, "claim") == 0)
    scenario_claim();
  else if (strcmp(what, "memo") == 0)
    scenario_memo();
  else
    known = 0;
  if (!known && rank == 0)
    fprintf(stderr, "usage: cache_mpi ops|failover R|claim|memo\n");
  int bad = failures > 0 || !known, any = 0;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any ? 1 : 0;
}
