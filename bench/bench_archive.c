/* The per-record cost of `run`'s processing phase from JSON Lines versus from an HDF5
 * evidence archive holding the same records, on one core (docs/performance.md, "HDF5
 * archive input"). Built as build/arcos-bench-archive; jobs/bench_archive.sh runs it.
 *
 *   arcos-bench-archive FILE.jsonl ARCHIVE.h5 [repeats]
 *
 * Both sides go through the library exactly as a rank of `run` does: the plan
 * (arcos_plan_build, one worker), the reader table (arcos_read_partition), then the
 * four compute stages (arcos_ev_ingest or arcos_ev_from_fields, analyze, score,
 * alert); only the job's bookkeeping (item copies, dedup, outputs) is left out, which
 * is the same for both. Prints, for each side, the best of `repeats` runs: records,
 * CPU seconds of this process (CLOCK_PROCESS_CPUTIME_ID: immune to other processes on
 * a shared machine) and wall seconds, records/s per core on CPU time, and the ratio.
 * The sums of scores of both sides must match (same records, same results). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arcos/evidence.h"
#include "arcos/input.h"
#include "arcos/util.h"

typedef struct {
  arcos_evidence_ctx_t *ev;
  uint64_t records, stored, failed, score_sum;
} side_t;

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int on_record(void *arg, const arcos_raw_t *raw) {
  side_t *s = arg;
  arcos_raw_t r = *raw;
  if (r.offset == 0 && r.len >= 3 && memcmp(r.text, "\xEF\xBB\xBF", 3) == 0) {
    r.text += 3;
    r.len -= 3;
  }
  arcos_evidence_t ev;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  s->records++;
  int rc = raw->fields != NULL ? arcos_ev_from_fields(s->ev, raw->fields, &ev, &d)
                               : arcos_ev_ingest(s->ev, r.text, r.len, &ev, &d);
  if (rc == ARCOS_OK)
    rc = arcos_ev_analyze(s->ev, &ev);
  if (rc == ARCOS_OK)
    rc = arcos_ev_score(s->ev, &ev);
  if (rc == ARCOS_OK)
    rc = arcos_ev_alert(s->ev, &ev);
  if (rc == ARCOS_OK) {
    s->stored++;
    s->score_sum += ev.score;
  } else {
    s->failed++;
  }
  return ARCOS_OK;
}

static int on_error(void *arg, const arcos_raw_t *raw, int code, const char *message) {
  (void)raw;
  (void)code;
  (void)message;
  side_t *s = arg;
  s->records++;
  s->failed++;
  return ARCOS_OK;
}

/* One pass over every partition of path; returns 0 and the side's counts and times. */
static int pass(const char *path, side_t *s, double *cpu_s, double *wall_s) {
  arcos_plan_opts_t po = {.partition_bytes = 0, .per_rank = 4, .workers = 1};
  arcos_plan_t plan;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  const char *paths[] = {path};
  double c0 = cpu_now(), w0 = arcos_now();
  if (arcos_plan_build(paths, 1, &po, &plan, &d) != ARCOS_OK) {
    fprintf(stderr, "%s: %s\n", d.source, d.text);
    return 1;
  }
  arcos_buf_t scratch = {0};
  for (size_t p = 0; p < plan.nparts; p++)
    arcos_read_partition(&plan, &plan.parts[p], &scratch, on_record, on_error, s,
                         &(arcos_read_stats_t){0});
  *cpu_s = cpu_now() - c0;
  *wall_s = arcos_now() - w0;
  arcos_buf_free(&scratch);
  arcos_plan_free(&plan);
  return 0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  if (argc < 3) {
    fprintf(stderr, "usage: arcos-bench-archive FILE.jsonl ARCHIVE.h5 [repeats]\n");
    MPI_Finalize();
    return 2;
  }
  int repeats = argc > 3 ? atoi(argv[3]) : 3;
  if (repeats < 1)
    repeats = 1;
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  const char *names[2] = {"jsonl", "archive"};
  double best_cpu[2] = {1e30, 1e30}, best_wall[2] = {1e30, 1e30};
  side_t res[2];
  memset(res, 0, sizeof res);
  for (int r = 0; r < repeats; r++) {
    for (int k = 0; k < 2; k++) {
      side_t s = {arcos_evidence_create(&sc, 1793491200 /* 2026-11-01 */, 1 << 20), 0, 0, 0, 0};
      double c = 0, w = 0;
      if (s.ev == NULL || pass(argv[1 + k], &s, &c, &w) != 0) {
        MPI_Finalize();
        return 1;
      }
      arcos_evidence_destroy(&s.ev);
      res[k] = s;
      if (c < best_cpu[k])
        best_cpu[k] = c;
      if (w < best_wall[k])
        best_wall[k] = w;
    }
  }
  printf("{\"repeats\": %d", repeats);
  for (int k = 0; k < 2; k++)
    printf(", \"%s\": {\"records\": %llu, \"stored\": %llu, \"failed\": %llu, \"score_sum\": %llu, "
           "\"cpu_s\": %.3f, \"wall_s\": %.3f, \"records_per_cpu_s\": %.0f, "
           "\"records_per_wall_s\": %.0f}",
           names[k], (unsigned long long)res[k].records, (unsigned long long)res[k].stored,
           (unsigned long long)res[k].failed, (unsigned long long)res[k].score_sum, best_cpu[k],
           best_wall[k], (double)res[k].records / best_cpu[k],
           (double)res[k].records / best_wall[k]);
  int same = res[0].records == res[1].records && res[0].stored == res[1].stored &&
             res[0].score_sum == res[1].score_sum;
  printf(", \"same_results\": %s, \"ratio_cpu\": %.2f, \"ratio_wall\": %.2f}\n",
         same ? "true" : "false", best_cpu[0] / best_cpu[1], best_wall[0] / best_wall[1]);
  MPI_Finalize();
  return same ? 0 : 1;
}
