/* The pipeline of the run layer: the four compute stages over records read from a
 * partition or handed over as a streaming batch, with batching and the error policy. */
#ifndef ARCOS_RUN_PIPELINE_H
#define ARCOS_RUN_PIPELINE_H

#include "run/job_internal.h"

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
/* File mode: every partition the plan gives this rank. */
int arcos_pipeline_run(job_t *job);

/* pipeline.c: turn relative JSON Lines line numbers into absolute ones (collective). */
int arcos_fix_lines(job_t *job);

#endif
