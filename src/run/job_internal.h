/* The orchestrator's state of a run (job.c), still read by the run-layer modules that
 * take the job. Not part of the public interface. */
#ifndef ARCOS_JOB_INTERNAL_H
#define ARCOS_JOB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arcos/evidence.h"
#include "arcos/input.h"
#include "arcos/job.h"
#include "arcos/ring.h"
#include "arcos/util.h"
#include "dist/memo.h"
#include "run/checkpoint.h"
#include "run/pipeline.h"
#include "run/records.h"

typedef struct arcos_job job_t;

/* The orchestrator's state. The modules that have their own state hold it behind their
 * own type: the records store (records.h), the pipeline's figures (pipeline.h), the
 * checkpoint (checkpoint.h, opaque), progress (progress.h, opaque), the memo deferral
 * (memo_defer.h, inside the pipeline), spill (spill.h, opaque). What is left here is
 * read by the modules that still take the job: the stream, exactly-once and report (see
 * docs/architecture.md "The run layer"). */
struct arcos_job {
  const arcos_ctx_t *ctx;
  const arcos_config_t *cfg;
  struct arcos_progress *progress; /* progress.h; NULL when quiet */
  arcos_plan_t plan;
  arcos_records_t rec; /* this rank's records (records.h) */
  rank_metrics_t m;
  arcos_pipeline_stats_t pstats; /* error policy, latencies, batch sizes, memo (pipeline.h) */
  /* streaming mode (rank 0) */
  bool streaming;
  uint64_t dropped; /* records dropped under --backpressure drop (all ranks know) */
  uint64_t dropped_batches;
  double throttle_s;         /* rank 0 waited for a free rank with input pending */
  arcos_buf_t dropped_lines; /* rank 0: dropped.jsonl text */
  arcos_ckpt_t *ckpt;        /* the checkpoint (checkpoint.h), NULL without one */
  /* the stop request (progress.h): checked by the pipeline between records */
  double deadline;  /* arcos_now() value of --max-time, 0 = none */
  bool interrupted; /* this rank stopped early (deadline or signal) */
  /* bounded memory: records live in their segments, not in memory */
  bool spill;
  struct arcos_spill *sp; /* spill.h, NULL in memory */
  char *seg_dir; /* this rank's directory under --scratch for its segments; NULL: .arcos-state */
  double baseline_rss_mb; /* RSS before any data: what --max-memory-mb comes on top of */
  int64_t reference_time;
  arcos_ring_t *ring;
  struct arcos_cache *cache; /* the distributed cache (seen-set of exactly-once) */
  uint64_t eo_unavailable;   /* ids whose seen-set entry was lost (replication 1) */

  /* --previous: the earlier runs' ids (run/previous.h), or NULL */
  struct arcos_previous *prev;
  uint64_t memo_pend_max; /* bytes of records waiting for a memo round; 0 = the default */
  totals_t totals;        /* set by the writer (outputs.h) */
};

/* Run a step only while every step before it succeeded (rc is the running result). */
#define ARCOS_THEN(expr)                                                                           \
  do {                                                                                             \
    if (rc == ARCOS_OK)                                                                            \
      rc = (expr);                                                                                 \
  } while (0)

/* exactly_once.c: first occurrence in global order wins (collective). */
int arcos_exactly_once(job_t *job);

/* h5_queries.c: rank 0 adds /queries/<id> to a closed results.h5 from queries.jsonl. */
int arcos_h5_add_queries(const char *h5_path, const char *queries_jsonl, FILE *err);

#endif
