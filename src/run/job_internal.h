/* The orchestrator's state of a run, read by job.c and job_graph.c only. Not part of
 * the public interface. */
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
#include "run/exactly_once.h"
#include "run/pipeline.h"
#include "run/records.h"
#include "run/stream.h"

typedef struct arcos_job job_t;

/* The orchestrator's state. The modules that have their own state hold it behind their
 * own type: the records store (records.h), the pipeline's figures (pipeline.h), the
 * checkpoint (checkpoint.h, opaque), progress (progress.h, opaque), the memo deferral
 * (memo_defer.h, inside the pipeline), spill (spill.h, opaque), the stream's figures
 * (stream.h), exactly-once's (exactly_once.h). Every run-layer module takes what it
 * uses, never the job; only the orchestrator (job.c, job_graph.c) reads this (see
 * docs/architecture.md "The run layer"). */
struct arcos_job {
  const arcos_ctx_t *ctx;
  const arcos_config_t *cfg;
  struct arcos_progress *progress; /* progress.h; NULL when quiet */
  arcos_plan_t plan;
  arcos_records_t rec; /* this rank's records (records.h) */
  rank_metrics_t m;
  arcos_pipeline_stats_t pstats; /* error policy, latencies, batch sizes, memo (pipeline.h) */
  bool streaming;                /* `run -` or a named pipe (stream.h) */
  arcos_stream_figures_t stream; /* the stream's figures (zero in file mode): the report
                                    and the writer (dropped records) read them */
  arcos_ckpt_t *ckpt;            /* the checkpoint (checkpoint.h), NULL without one */
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
  arcos_eo_figures_t eo;     /* what the exactly-once exchanges measured */

  /* --previous: the earlier runs' ids (run/previous.h), or NULL */
  struct arcos_previous *prev;
  uint64_t memo_pend_max; /* bytes of records waiting for a memo round; 0 = the default */
  totals_t totals;        /* set by the writer (outputs.h) */
};

#endif
