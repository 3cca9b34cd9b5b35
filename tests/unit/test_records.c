/* The records store of the run layer (src/run/records.c), built alone: it knows
 * nothing of the r. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "run/records.h"

static void test_parts_reserve(void) {
  arcos_records_t r;
  CHECK_INT_EQ(arcos_records_init(&r), ARCOS_OK);
  CHECK_INT_EQ(arcos_records_parts_reserve(&r, 10), ARCOS_OK);
  CHECK(r.parts_cap >= 10);
  r.newlines[3] = 7;
  r.part_records[9] = 5;
  size_t cap = r.parts_cap;
  CHECK_INT_EQ(arcos_records_parts_reserve(&r, cap), ARCOS_OK); /* no growth needed */
  CHECK_INT_EQ(r.parts_cap, cap);
  CHECK_INT_EQ(arcos_records_parts_reserve(&r, 1000), ARCOS_OK);
  CHECK(r.parts_cap >= 1000);
  CHECK_INT_EQ(r.newlines[3], 7); /* kept across growth */
  CHECK_INT_EQ(r.part_records[9], 5);
  int zero = 1;
  for (size_t p = cap; p < r.parts_cap; p++)
    zero &= r.newlines[p] == 0 && r.part_records[p] == 0 && r.part_item_first[p] == 0 &&
            r.part_fail_first[p] == 0;
  CHECK(zero); /* new entries are zeroed */
  arcos_records_free(&r);
}

static void test_new_item_fail(void) {
  arcos_records_t r;
  CHECK_INT_EQ(arcos_records_init(&r), ARCOS_OK);
  for (uint32_t i = 0; i < 3000; i++) { /* past the first growth (1024) */
    item_t *it = arcos_records_new_item(&r);
    CHECK(it != NULL);
    if (it == NULL)
      return;
    if (i == 2999)
      CHECK(it->score == 0 && it->id == NULL); /* zeroed, even where memory was reused */
    it->seq = i;
    it->score = (uint8_t)(i % 101);
    r.nitems++;
  }
  int in_order = 1;
  for (uint32_t i = 0; i < 3000; i++)
    in_order &= r.items[i].seq == i;
  CHECK(in_order);
  fail_t *f = arcos_records_new_fail(&r);
  CHECK(f != NULL && f->kind == 0 && f->message == NULL);
  CHECK_INT_EQ(r.nfails, 0); /* the caller counts it in */
  arcos_records_free(&r);
}

static void test_stats(void) {
  stats_t s;
  arcos_stats_init(&s);
  item_t a = {.score = 95,
              .alerts = ARCOS_ALERT_INTEGRITY_VIOLATION | ARCOS_ALERT_CLOCK_SKEW,
              .status = ITEM_STORED};
  item_t b = {.score = 100, .status = ITEM_STORED};
  item_t c = {.score = 3, .alerts = ARCOS_ALERT_LOW_QUALITY, .status = ITEM_STORED};
  item_t dup = {.score = 50, .alerts = ARCOS_ALERT_LOW_QUALITY, .status = ITEM_DUPLICATE};
  arcos_stats_item(&s, &a);
  arcos_stats_item(&s, &b);
  arcos_stats_item(&s, &c);
  arcos_stats_item(&s, &dup); /* duplicates are not stored records: not counted */
  CHECK_INT_EQ(s.sum[S_SCORE_SUM], 198);
  CHECK_INT_EQ(s.min, 3);
  CHECK_INT_EQ(s.max, 100);
  CHECK_INT_EQ(s.sum[S_HIST + 9], 2); /* 95 and 100 share the last bucket */
  CHECK_INT_EQ(s.sum[S_HIST + 0], 1);
  CHECK_INT_EQ(s.sum[S_HIST + 5], 0);
  CHECK_INT_EQ(s.sum[S_ALERT_CRIT], 1);
  CHECK_INT_EQ(s.sum[S_ALERT_HIGH], 1);
  CHECK_INT_EQ(s.sum[S_ALERT_MED], 1);
  fail_t f1 = {.kind = ARCOS_KIND_IO}, f2 = {.kind = ARCOS_KIND_PARSE}, f3 = {.kind = 0};
  arcos_stats_fail(&s, &f1);
  arcos_stats_fail(&s, &f2);
  arcos_stats_fail(&s, &f3); /* not a kind: not counted anywhere */
  CHECK_INT_EQ(s.sum[S_ERR_IO], 1);
  CHECK_INT_EQ(s.sum[S_ERR_PARSE], 1);
  CHECK_INT_EQ(s.sum[S_ERR_INVALID] + s.sum[S_ERR_STAGE], 0);
}

static void test_helpers(void) {
  CHECK(item_pos(1, 0) > item_pos(0, UINT32_MAX)); /* partition first, then position */
  fail_t f = {.message = "abc"};
  CHECK_INT_EQ(arcos_fail_message_len(&f), 3);
  f.message = "abcdef"; /* borrowed from a segment: not NUL-terminated where it ends */
  f.message_len = 2;
  CHECK_INT_EQ(arcos_fail_message_len(&f), 2);
}

/* Dynamic dealing leaves a rank's records in the order it took its partitions (here
 * 2, 0, then 3; 1 was another rank's): sorting puts them in partition order, each
 * partition's records in their order, with part_item_first / part_fail_first. */
static void test_sort_by_part(void) {
  arcos_records_t r;
  CHECK_INT_EQ(arcos_records_init(&r), ARCOS_OK);
  CHECK_INT_EQ(arcos_records_parts_reserve(&r, 5), ARCOS_OK);
  static const uint32_t taken[] = {2, 2, 2, 0, 0, 3};
  for (uint32_t i = 0; i < 6; i++) {
    item_t *it = arcos_records_new_item(&r);
    CHECK(it != NULL);
    it->part = taken[i];
    it->seq = i;
    r.nitems++;
  }
  fail_t *f = arcos_records_new_fail(&r);
  CHECK(f != NULL);
  f->part = 3;
  r.nfails++;
  f = arcos_records_new_fail(&r);
  CHECK(f != NULL);
  f->part = 0;
  r.nfails++;
  CHECK_INT_EQ(arcos_records_sort_by_part(&r, 4), ARCOS_OK);
  static const uint32_t part[] = {0, 0, 2, 2, 2, 3}, seq[] = {3, 4, 0, 1, 2, 5};
  for (size_t i = 0; i < 6; i++) {
    CHECK_INT_EQ(r.items[i].part, part[i]);
    CHECK_INT_EQ(r.items[i].seq, seq[i]);
  }
  CHECK_INT_EQ(r.part_item_first[0], 0);
  CHECK_INT_EQ(r.part_item_first[1], 2); /* empty: where partition 1 would begin */
  CHECK_INT_EQ(r.part_item_first[2], 2);
  CHECK_INT_EQ(r.part_item_first[3], 5);
  CHECK_INT_EQ(r.fails[0].part, 0);
  CHECK_INT_EQ(r.fails[1].part, 3);
  CHECK_INT_EQ(r.part_fail_first[3], 1);
  CHECK(arcos_records_new_item(&r) != NULL); /* the arrays still grow */
  arcos_records_free(&r);
}

/* Skipped ranges (at-most-once after a crash) are kept in order and freed with the store. */
static void test_skips(void) {
  arcos_records_t r;
  CHECK_INT_EQ(arcos_records_init(&r), ARCOS_OK);
  for (uint32_t p = 0; p < 5; p++) {
    arcos_skip_range_t k = {p, 10 * p + 1, 10 * p + 9, 9};
    CHECK_INT_EQ(arcos_records_add_skip(&r, &k), ARCOS_OK);
  }
  CHECK_INT_EQ(r.nskips, 5);
  if (r.nskips == 5) {
    CHECK_INT_EQ(r.skips[3].part, 3);
    CHECK_INT_EQ(r.skips[3].first_line, 31);
    CHECK_INT_EQ(r.skips[4].last_line, 49);
  }
  arcos_records_free(&r);
  CHECK(r.skips == NULL && r.nskips == 0 && r.arena == NULL);
}

/* A partition retried or abandoned: what it produced goes, what came before stays. */
static void test_drop_part(void) {
  arcos_records_t r;
  CHECK_INT_EQ(arcos_records_init(&r), ARCOS_OK);
  CHECK_INT_EQ(arcos_records_parts_reserve(&r, 3), ARCOS_OK);
  for (uint32_t p = 0; p < 2; p++) {
    r.part_item_first[p] = r.nitems;
    r.part_fail_first[p] = r.nfails;
    for (int i = 0; i < 4; i++) {
      item_t *it = arcos_records_new_item(&r);
      CHECK(it != NULL);
      it->part = p;
      r.nitems++;
    }
    fail_t *f = arcos_records_new_fail(&r);
    CHECK(f != NULL);
    f->part = p;
    r.nfails++;
    r.part_records[p] = 5;
  }
  arcos_records_drop_part(&r, 1);
  CHECK_INT_EQ(r.nitems, 4);
  CHECK_INT_EQ(r.nfails, 1);
  CHECK_INT_EQ(r.part_records[1], 0);
  CHECK_INT_EQ(r.part_records[0], 5);
  arcos_records_free(&r);
}

static void test_intern(void) {
  arcos_records_t r;
  CHECK_INT_EQ(arcos_records_init(&r), ARCOS_OK);
  const char *a = arcos_records_intern(&r, "test_result-x", 11);
  const char *b = arcos_records_intern(&r, "test_resultY", 11);
  CHECK(a != NULL && a == b); /* the same bytes: one copy */
  CHECK_STR_EQ(a, "test_result");
  const char *e = arcos_records_intern(&r, "", 0), *e2 = arcos_records_intern(&r, "z", 0);
  CHECK(e != NULL && e == e2 && e[0] == '\0' && e != a);
  const char *c = arcos_records_intern(&r, "test_resulz", 11);
  CHECK(c != a);
  CHECK_STR_EQ(c, "test_resulz");
  char nul[3] = {'a', '\0', 'b'}; /* embedded NUL: compared by length, not strcmp */
  const char *n1 = arcos_records_intern(&r, nul, 3), *n2 = arcos_records_intern(&r, "a", 1);
  CHECK(n1 != n2 && memcmp(n1, nul, 3) == 0 && n1[3] == '\0');
  /* many distinct values: the table grows and keeps answering the first ones; past
   * its bound every value still comes back right, as its own copy */
  char name[32];
  const char *first[5000];
  for (int i = 0; i < 5000; i++) {
    snprintf(name, sizeof name, "source-%d", i);
    first[i] = arcos_records_intern(&r, name, strlen(name));
  }
  int same = 1, right = 1;
  for (int i = 0; i < 5000; i++) {
    snprintf(name, sizeof name, "source-%d", i);
    const char *again = arcos_records_intern(&r, name, strlen(name));
    right &= again != NULL && strcmp(again, name) == 0;
    same &= i >= 4000 || again == first[i];
  }
  CHECK(right);
  CHECK(same);
  CHECK(r.ninterned <= 4096);
  CHECK(arcos_records_intern(&r, "test_result", 11) == a);
  char long_s[100];
  memset(long_s, 'q', sizeof long_s);
  const char *l1 = arcos_records_intern(&r, long_s, sizeof long_s);
  CHECK(l1 != NULL && memcmp(l1, long_s, sizeof long_s) == 0 && l1[sizeof long_s] == '\0');
  /* a fresh arena forgets the interned strings with the old one (spill.c) */
  CHECK_INT_EQ(arcos_records_new_arena(&r), ARCOS_OK);
  CHECK_INT_EQ(r.ninterned, 0);
  const char *t2 = arcos_records_intern(&r, "test_result", 11);
  CHECK(t2 != NULL && arcos_records_intern(&r, "test_result", 11) == t2);
  CHECK_STR_EQ(t2, "test_result");
  arcos_records_free(&r);
  CHECK(r.interned == NULL && r.ninterned == 0);
}

int main(void) {
  test_intern();
  test_skips();
  test_drop_part();
  test_parts_reserve();
  test_sort_by_part();
  test_new_item_fail();
  test_stats();
  test_helpers();
  return CHECK_DONE();
}
