/* Streaming mode of a run (SPEC §5). */
#ifndef ARCOS_RUN_STREAM_H
#define ARCOS_RUN_STREAM_H

#include "run/job_internal.h"

/* stream.c: streaming mode (`run -`): rank 0 reads standard input and deals batches
 * under credit-based flow control; fills job->plan on every rank (collective). */
int arcos_stream_run(job_t *job);

#endif
