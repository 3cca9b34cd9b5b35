/* Bounded memory of the run layer (src/run/spill.c) built alone on MPI_COMM_SELF:
 * partitions go to their checkpoint segments and leave memory (release); exactly-once
 * then runs in hash-bucket rounds over the segments, and any number of rounds gives the
 * same decisions as one (first occurrence in global order wins). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/cache.h"
#include "check.h"
#include "run/checkpoint.h"
#include "run/job_internal.h"
#include "run/records.h"
#include "run/spill.h"

#define PER_PART 40

typedef struct {
  arcos_ctx_t ctx;
  arcos_config_t cfg;
  job_t job;
} fixture_t;

/* Three partitions of PER_PART items; ids repeat across partitions (i % 50), so the
 * second and third partitions hold duplicates of earlier ids. */
static void fill(fixture_t *f, const char *out, const char *input, uint64_t budget) {
  memset(f, 0, sizeof *f);
  arcos_config_init(&f->cfg);
  free(f->cfg.output);
  f->cfg.output = strdup(out);
  f->ctx = (arcos_ctx_t){MPI_COMM_SELF, 0, 1, &f->cfg, stdout, stderr};
  job_t *job = &f->job;
  job->ctx = &f->ctx;
  job->cfg = &f->cfg;
  arcos_records_init(&job->rec);
  job->ring = arcos_ring_create(3, 0);
  arcos_cache_options_t co = {.nodes = 3, .vnodes = 64, .replication = 1};
  job->cache = arcos_cache_create(MPI_COMM_SELF, &co); /* the seen-set's placement */
  CHECK(job->cache != NULL);
  arcos_plan_opts_t po = {.partition_bytes = 64, .per_rank = 0, .workers = 1};
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_plan_build(&input, 1, &po, &job->plan, &d), ARCOS_OK);
  size_t np = job->plan.nparts;
  CHECK(np >= 3);
  job->spill = true;
  job->budget = budget;
  job->part_nitems = calloc(np + 1, sizeof *job->part_nitems);
  job->part_nfails = calloc(np + 1, sizeof *job->part_nfails);
  job->part_idbytes = calloc(np + 1, sizeof *job->part_idbytes);
  job->base_line = calloc(np + 1, sizeof *job->base_line);
  job->part_status = calloc(np + 1, sizeof *job->part_status);
  CHECK_INT_EQ(arcos_records_parts_reserve(&job->rec, np + 1), ARCOS_OK);
  CHECK_INT_EQ(arcos_ckpt_setup(job->ctx, &job->plan, 0, NULL, false, &job->ckpt), ARCOS_OK);
  for (size_t p = 0; p < 3; p++) {
    CHECK_INT_EQ(arcos_ckpt_start(job->ckpt, p), ARCOS_OK);
    job->rec.part_item_first[p] = job->rec.nitems;
    job->rec.part_fail_first[p] = job->rec.nfails;
    for (uint32_t i = 0; i < PER_PART; i++) {
      char id[32];
      int n = snprintf(id, sizeof id, "id-%u", (unsigned)((p * PER_PART + i) % 50));
      item_t *it = arcos_records_new_item(&job->rec);
      it->part = (uint32_t)p;
      it->seq = i;
      it->line = i + 1;
      it->id = arcos_arena_strndup(job->rec.arena, id, (size_t)n);
      it->id_len = (uint32_t)n;
      it->type = "t";
      it->type_len = 1;
      it->source = "s";
      it->source_len = 1;
      job->rec.nitems++;
    }
    job->rec.part_records[p] = PER_PART;
    CHECK_INT_EQ(arcos_ckpt_commit(job->ckpt, &job->rec, p), ARCOS_OK);
    arcos_spill_release(job, p);
    CHECK_INT_EQ(job->rec.nitems, 0); /* the records left memory */
    CHECK_INT_EQ(job->part_nitems[p], PER_PART);
  }
}

static void release(fixture_t *f) {
  job_t *job = &f->job;
  arcos_ckpt_close(&job->ckpt, job->ctx, false);
  for (size_t p = 0; p < job->plan.nparts; p++)
    free(job->part_status[p]);
  free(job->part_status);
  free(job->part_nitems);
  free(job->part_nfails);
  free(job->part_idbytes);
  free(job->base_line);
  free(job->dups);
  arcos_ring_destroy(&job->ring);
  arcos_cache_destroy(&job->cache);
  arcos_records_free(&job->rec);
  arcos_plan_free(&job->plan);
  arcos_ckpt_remove(f->cfg.output);
  arcos_config_free(&f->cfg);
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
  size_t ndups[2];
  const uint64_t budgets[2] = {(uint64_t)1 << 30, 4096}; /* one round; many rounds */
  for (int r = 0; r < 2; r++) {
    fixture_t f;
    fill(&f, out, input, budgets[r]);
    CHECK_INT_EQ(arcos_spill_exactly_once(&f.job), ARCOS_OK);
    buckets[r] = f.job.buckets;
    ndups[r] = f.job.ndups;
    for (size_t p = 0; p < 3; p++)
      memcpy(status[r][p], f.job.part_status[p], PER_PART);
    release(&f);
  }
  CHECK_INT_EQ(buckets[0], 1);
  CHECK(buckets[1] > 1);
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
