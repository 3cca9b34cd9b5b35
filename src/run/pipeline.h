/* The pipeline of the run layer: the four compute stages over records read from a
 * partition or handed over as a streaming batch, with batching and the error policy. */
#ifndef ARCOS_RUN_PIPELINE_H
#define ARCOS_RUN_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/input.h"
#include "arcos/job.h"
#include "dist/memo.h"
#include "run/records.h"

struct arcos_ckpt;
struct arcos_progress;
struct arcos_cache;

/* What the pipeline measured on this rank: the error policy's counters, the batch
 * latencies, the batch sizes and the checksum memo's figures. Held by the orchestrator, filled by
 * the pipeline (and the streaming dealer's batch sizes), read by the report. */
typedef struct {
  uint64_t injected;  /* stage failures caused by --inject-fault */
  uint64_t retries;   /* extra attempts made */
  uint64_t recovered; /* records that failed transiently, then passed */
  uint64_t gave_up;   /* transient failures still failing after max_retries */
  double *latency_ms; /* batch latencies in ms */
  size_t nlatency, latency_cap;
  int64_t batch_final, batch_min_seen, batch_max_seen; /* batch sizes seen (adaptive) */
  /* the checksum memo: this rank's figures, and why it is off (NULL when on) */
  bool memo_on;
  const char *memo_off;
  arcos_memo_stats_t memo;
} arcos_pipeline_stats_t;

/* A batch of `size` records was taken: the sizes seen. */
void arcos_pipeline_stats_batch(arcos_pipeline_stats_t *st, int64_t size);
/* Add one batch latency (dropped when out of memory: the report then has fewer). */
void arcos_pipeline_stats_latency(arcos_pipeline_stats_t *st, double ms);
void arcos_pipeline_stats_free(arcos_pipeline_stats_t *st);

/* A partition hook: told partition `part` of the plan; returns 0 or an ARCOS_E* code. */
typedef int (*arcos_part_hook_fn)(void *arg, size_t part);

/* What the pipeline works with, filled by the orchestrator and alive while the pipeline
 * runs. The pipeline fills rec, m and st; with --schedule dynamic it writes into the
 * plan which rank took each partition; a stream adds partitions to it (stream.h). */
typedef struct {
  const arcos_ctx_t *ctx;
  const arcos_config_t *cfg;
  arcos_plan_t *plan;
  int64_t reference_time;          /* what freshness is measured against */
  arcos_records_t *rec;            /* this rank's records (records.h) */
  rank_metrics_t *m;               /* this rank's timings and counters */
  arcos_pipeline_stats_t *st;      /* the pipeline's figures (above) */
  struct arcos_ckpt *ckpt;         /* checkpoint.h; NULL without a checkpoint */
  struct arcos_progress *progress; /* progress.h; NULL when quiet or streaming */
  struct arcos_cache *cache;       /* the checksum memo's store; NULL: no memo */
  double deadline;                 /* the stop request (progress.h): 0 = no --max-time */
  bool streaming;                  /* batches of a stream: no stop check between records */
  bool spill;                      /* records leave memory with each partition (hook done) */
  uint64_t memo_pend_max;          /* bytes of records waiting for a memo round; 0: default */
  /* A partition finished before a --resume: `loaded` is told instead of loading its
   * segment into rec (NULL: arcos_ckpt_load). A partition committed: `done` is told
   * (NULL: nothing). Bounded memory (spill.h) installs both. */
  arcos_part_hook_fn loaded, done;
  void *hook_arg;
  const uint8_t *dealt; /* per partition: 1 = a document slice taken already (bigdoc.h) */
} arcos_pipeline_env_t;

/* pipeline.c: the stages over records, one evidence context reused throughout. env is
 * borrowed for the pipeline's life. */
typedef struct arcos_pipeline arcos_pipeline_t;
arcos_pipeline_t *arcos_pipeline_create(const arcos_pipeline_env_t *env);
void arcos_pipeline_destroy(arcos_pipeline_t **p);
/* Read and process partition `part` of the plan (a file range or whole file). */
int arcos_pipeline_partition(arcos_pipeline_t *p, size_t part);
/* Process a streaming batch of JSON Lines text as partition `part` (one latency
 * sample). *records receives the records it held. */
int arcos_pipeline_buffer(arcos_pipeline_t *p, size_t part, const char *text, size_t len,
                          uint64_t first_line, uint64_t offset, uint64_t *records);
/* Where read partitions come from: arcos_read_partition's signature without the plan;
 * NULL (the default) reads the plan's partition from its file. */
typedef int (*arcos_pipeline_source_fn)(void *src, const arcos_partition_t *part,
                                        arcos_buf_t *scratch, arcos_record_fn fn,
                                        arcos_reader_error_fn onerror, void *arg,
                                        arcos_read_stats_t *stats);
void arcos_pipeline_set_source(arcos_pipeline_t *p, arcos_pipeline_source_fn fn, void *src);
/* One partition as file mode takes it: loaded from the checkpoint, or read (from the
 * source), processed and committed. *stop: take no more (interrupted). */
int arcos_pipeline_take(arcos_pipeline_t *p, size_t part, bool *stop);
/* Collective, after partitions were handed out as ranks freed up: owner[p] is this
 * rank for the partitions it took, -1 otherwise; every rank's plan then names who took
 * each (the outputs, line fixing and spill rounds key on it). ARCOS_ENOMEM only. */
int arcos_pipeline_settle_owners(const arcos_pipeline_env_t *env, const int32_t *owner);
/* File mode: every partition the plan gives this rank, except the slices env->dealt
 * marks (collective with --schedule dynamic and with the memo). *interrupted: this
 * rank stopped early (deadline or signal); what it took is journaled, the rest is left
 * for --resume. */
int arcos_pipeline_run(const arcos_pipeline_env_t *env, bool *interrupted);

/* pipeline.c: turn relative JSON Lines line numbers of rec into absolute ones
 * (collective). base_line (may be NULL) receives per partition what was added to its
 * relative line numbers (0 for formats other than JSON Lines); the exchange's time
 * goes to m. */
int arcos_fix_lines(MPI_Comm comm, const arcos_plan_t *plan, arcos_records_t *rec,
                    uint64_t *base_line, rank_metrics_t *m);

#endif
