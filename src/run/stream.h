/* Streaming mode of a run (SPEC §5). */
#ifndef ARCOS_RUN_STREAM_H
#define ARCOS_RUN_STREAM_H

#include <stdint.h>

#include "arcos/util.h"
#include "run/pipeline.h"

/* What a stream leaves behind besides its records: the backpressure figures, and rank
 * 0's dropped.jsonl text. Owned by the caller; arcos_stream_figures_free frees it. */
typedef struct {
  uint64_t dropped;          /* records dropped under --backpressure drop (every rank knows) */
  uint64_t dropped_batches;  /* rank 0: batches dropped */
  double throttle_s;         /* rank 0 processed a batch itself with input pending */
  arcos_buf_t dropped_lines; /* rank 0: dropped.jsonl text */
} arcos_stream_figures_t;

/* stream.c: streaming mode (`run -`): rank 0 reads standard input (or the named pipe
 * cfg->inputs[0]) and deals batches under credit-based flow control to the pipelines
 * of the other ranks, made from env (env->streaming set, no checkpoint, no progress,
 * no memo); fills env->plan with one partition per batch on every rank, and *fig
 * (collective). ARCOS_MAX_WORKERS (cfg->max_workers) caps the ranks that take batches. */
int arcos_stream_run(const arcos_pipeline_env_t *env, arcos_stream_figures_t *fig);
void arcos_stream_figures_free(arcos_stream_figures_t *fig);

#endif
