/* Bounded memory of the run layer (src/run/spill.c) built alone on MPI_COMM_SELF:
 * partitions go to their checkpoint segments and leave memory (release); exactly-once
 * then runs in hash-bucket rounds over the segments, and any number of rounds gives the
 * same decisions as one (first occurrence in global order wins); the writer's round
 * source brings each partition back with its decisions and absolute line numbers, and
 * gathers the statistics once however often a round is loaded. The exchange itself is
 * a stand-in here (first occurrence among the round's records): spill.c only promises
 * to hand every id of a bucket to the same round. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "run/checkpoint.h"
#include "run/outputs.h"
#include "run/records.h"
#include "run/spill.h"

#define PER_PART 40

typedef struct {
  arcos_ctx_t ctx;
  arcos_config_t cfg;
  arcos_plan_t plan;
  arcos_records_t rec;
  arcos_ckpt_t *ckpt;
  arcos_spill_t *sp;
} fixture_t;

/* Three partitions of PER_PART items; ids repeat across partitions (i % 50), so the
 * second and third partitions hold duplicates of earlier ids. */
static void fill(fixture_t *f, const char *out, const char *input, uint64_t budget) {
  memset(f, 0, sizeof *f);
  arcos_config_init(&f->cfg);
  free(f->cfg.output);
  f->cfg.output = strdup(out);
  f->ctx = (arcos_ctx_t){MPI_COMM_SELF, 0, 1, &f->cfg, stdout, stderr};
  CHECK_INT_EQ(arcos_records_init(&f->rec), ARCOS_OK);
  arcos_plan_opts_t po = {.partition_bytes = 64, .per_rank = 0, .workers = 1};
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(&input, 1, &po, &f->plan, &d), ARCOS_OK);
  size_t np = f->plan.nparts;
  CHECK(np >= 3);
  CHECK_INT_EQ(arcos_records_parts_reserve(&f->rec, np + 1), ARCOS_OK);
  CHECK_INT_EQ(arcos_ckpt_setup(&f->ctx, &f->plan, 0, NULL, false, &f->ckpt), ARCOS_OK);
  CHECK_INT_EQ(arcos_spill_create(&f->ctx, &f->plan, f->ckpt, budget, &f->sp), ARCOS_OK);
  arcos_records_t *rec = &f->rec;
  for (size_t p = 0; p < 3; p++) {
    CHECK_INT_EQ(arcos_ckpt_start(f->ckpt, p), ARCOS_OK);
    rec->part_item_first[p] = rec->nitems;
    rec->part_fail_first[p] = rec->nfails;
    for (uint32_t i = 0; i < PER_PART; i++) {
      char id[32];
      int n = snprintf(id, sizeof id, "id-%u", (unsigned)((p * PER_PART + i) % 50));
      item_t *it = arcos_records_new_item(rec);
      it->part = (uint32_t)p;
      it->seq = i;
      it->line = i + 1;
      it->id = arcos_arena_strndup(rec->arena, id, (size_t)n);
      it->id_len = (uint32_t)n;
      it->type = "t";
      it->type_len = 1;
      it->source = "s";
      it->source_len = 1;
      it->score = (uint8_t)i;
      rec->nitems++;
    }
    rec->part_records[p] = PER_PART;
    CHECK_INT_EQ(arcos_ckpt_commit(f->ckpt, rec, p), ARCOS_OK);
    arcos_spill_release(f->sp, rec, p);
    CHECK_INT_EQ(rec->nitems, 0); /* the records left memory */
    CHECK_INT_EQ(arcos_spill_part_items(f->sp, p), PER_PART);
    if (p == 2)
      arcos_spill_base_lines(f->sp)[p] = 1000 * p; /* the array form of the same */
    else
      arcos_spill_set_base_line(f->sp, p, 1000 * p);
  }
}

static void release(fixture_t *f) {
  arcos_spill_destroy(&f->sp);
  CHECK(f->sp == NULL);
  arcos_ckpt_close(&f->ckpt, &f->ctx, false);
  arcos_records_free(&f->rec);
  arcos_plan_free(&f->plan);
  arcos_ckpt_remove(f->cfg.output);
  arcos_config_free(&f->cfg);
}

/* The stand-in exchange: a later record whose id an earlier one of the round has is a
 * duplicate of it (the round's records are in global order). */
static int first_wins(void *arg, arcos_records_t *rec) {
  int *rounds = arg;
  (*rounds)++;
  for (size_t i = 0; i < rec->nitems; i++) {
    item_t *it = &rec->items[i];
    for (size_t j = 0; j < i; j++) {
      const item_t *e = &rec->items[j];
      if (e->status == ITEM_STORED && e->id_len == it->id_len &&
          memcmp(e->id, it->id, it->id_len) == 0) {
        it->status = ITEM_DUPLICATE; /* first_* replace type and source (records.h) */
        it->first_line = e->line;
        it->first_input = 0;
        it->first_run = 0;
        break;
      }
    }
  }
  return ARCOS_OK;
}

/* The round source over the spilled partitions: one partition per round, with its
 * decisions and lines; loading again gathers no statistic twice. */
static void check_source(fixture_t *f) {
  arcos_round_source_t src;
  arcos_spill_source(f->sp, &f->rec, &src);
  CHECK_INT_EQ(src.nrounds, f->plan.nparts);
  stats_t once;
  for (int pass = 0; pass < 2; pass++) {
    size_t dups = 0;
    for (size_t r = 0; r < 3; r++) {
      arcos_round_t round;
      CHECK_INT_EQ(src.load(src.arg, r, &round), ARCOS_OK);
      CHECK_INT_EQ(round.nparts, 1);
      CHECK_INT_EQ(round.parts[0].part, r);
      CHECK_INT_EQ(round.nitems, PER_PART);
      int ok = 1;
      for (uint32_t i = 0; i < PER_PART; i++) {
        const item_t *it = &round.items[i];
        ok &= it->line == 1000 * r + i + 1 && it->status == arcos_spill_status(f->sp, r, i);
        /* a duplicate's first occurrence: id-k is record k of partition 0 (k < 40) or
         * k - 40 of partition 1 */
        uint32_t k = (uint32_t)((r * PER_PART + i) % 50);
        uint64_t first = k < PER_PART ? k + 1 : 1000 + k - PER_PART + 1;
        ok &= it->status != ITEM_DUPLICATE || it->first_line == first;
        dups += it->status == ITEM_DUPLICATE;
      }
      CHECK(ok);
    }
    CHECK_INT_EQ(dups, 70);
    if (pass == 0)
      once = *arcos_spill_stats(f->sp);
  }
  CHECK(memcmp(&once, arcos_spill_stats(f->sp), sizeof once) == 0);
  CHECK(once.sum[S_SCORE_SUM] > 0);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  char out[] = "/tmp/arcos-test-spill-XXXXXX";
  CHECK(mkdtemp(out) != NULL);
  char input[4200];
  snprintf(input, sizeof input, "%s/in.jsonl", out);
  FILE *fp = fopen(input, "w");
  for (int i = 0; i < 12; i++)
    fprintf(fp, "{\"id\":\"r%d\",\"type\":\"t\",\"source\":\"s\"}\n", i);
  fclose(fp);

  uint8_t status[2][3][PER_PART];
  uint32_t buckets[2];
  int rounds[2] = {0, 0};
  size_t ndups[2];
  const uint64_t budgets[2] = {(uint64_t)1 << 30, 4096}; /* one round; many rounds */
  for (int r = 0; r < 2; r++) {
    fixture_t f;
    fill(&f, out, input, budgets[r]);
    CHECK_INT_EQ(arcos_spill_exactly_once(f.sp, &f.rec, NULL, first_wins, &rounds[r]), ARCOS_OK);
    CHECK_INT_EQ(f.rec.nitems, 0); /* the last round's records are gone */
    buckets[r] = arcos_spill_rounds(f.sp);
    ndups[r] = arcos_spill_ndups(f.sp);
    for (size_t p = 0; p < 3; p++)
      for (uint32_t i = 0; i < PER_PART; i++)
        status[r][p][i] = arcos_spill_status(f.sp, p, i);
    check_source(&f);
    release(&f);
  }
  CHECK_INT_EQ(buckets[0], 1);
  CHECK(buckets[1] > 1);
  CHECK_INT_EQ(rounds[0], 1);
  CHECK_INT_EQ(rounds[1], (int)buckets[1]);
  /* 120 items over 50 ids: 70 duplicates, whatever the rounds */
  CHECK_INT_EQ(ndups[0], 70);
  CHECK_INT_EQ(ndups[1], 70);
  CHECK(memcmp(status[0], status[1], sizeof status[0]) == 0);
  /* the first 40 ids (partition 0) and ids 40..49 (partition 1) are first occurrences */
  int first_stored = 1, later_dup = 1;
  for (uint32_t i = 0; i < PER_PART; i++)
    first_stored &= status[1][0][i] == ITEM_STORED;
  for (uint32_t i = 0; i < PER_PART; i++)
    later_dup &= status[1][1][i] == (i < 10 ? ITEM_STORED : ITEM_DUPLICATE) &&
                 status[1][2][i] == ITEM_DUPLICATE;
  CHECK(first_stored);
  CHECK(later_dup);
  unlink(input);
  rmdir(out);
  MPI_Finalize();
  return CHECK_DONE();
}
