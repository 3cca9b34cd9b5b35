/* The pipeline of the run layer: the four compute stages over records read from a
 * partition or handed over as a streaming batch, with batching and the error policy. */
#ifndef ARCOS_RUN_PIPELINE_H
#define ARCOS_RUN_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist/memo.h"

typedef struct arcos_job job_t;

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

/* pipeline.c: the stages over records, one evidence context reused throughout. */
typedef struct arcos_pipeline arcos_pipeline_t;
arcos_pipeline_t *arcos_pipeline_create(job_t *job);
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
/* File mode: every partition the plan gives this rank, except the document slices
 * job->part_dealt marks (done already by bigdoc.c). */
int arcos_pipeline_run(job_t *job);

/* pipeline.c: turn relative JSON Lines line numbers into absolute ones (collective). */
int arcos_fix_lines(job_t *job);

#endif
