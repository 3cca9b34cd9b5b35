/* One big document (a .jsonl.gz, a .json array or object) read by one rank and dealt
 * as record batches to the others (docs/performance.md, "One big document"). */
#ifndef ARCOS_RUN_BIGDOC_H
#define ARCOS_RUN_BIGDOC_H

#include "run/job_internal.h"

/* Collective, file mode, before arcos_pipeline_run: for every document the plan cut
 * into slices (arcos_partition_is_slice), one rank reads it once and deals its slices
 * to the ranks that take partitions under credit flow control (--max-in-flight), and
 * processes a slice itself when none has a credit. Each slice is taken as a partition
 * (checkpoint, spill and error policy as usual); job->part_dealt marks the slices done
 * here, and the plan's rank of each becomes the rank that took it. Does nothing (and
 * leaves part_dealt NULL) when fewer than two ranks take partitions. */
int arcos_bigdoc_run(job_t *job);

#endif
