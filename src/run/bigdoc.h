/* One big document (a .jsonl.gz, a .json array or object) read by one rank and dealt
 * as record batches to the others (docs/performance.md, "One big document"). */
#ifndef ARCOS_RUN_BIGDOC_H
#define ARCOS_RUN_BIGDOC_H

#include <stdbool.h>
#include <stdint.h>

#include "run/pipeline.h"

/* Collective, file mode, before arcos_pipeline_run with the same env: for every
 * document the plan cut into slices (arcos_partition_is_slice), one rank reads it once
 * and deals its slices to the ranks that take partitions under credit flow control
 * (--max-in-flight), and processes a slice itself when none has a credit. Each slice is
 * taken as a partition (checkpoint, spill hooks and error policy as usual), and the
 * plan's rank of each becomes the rank that took it. *dealt receives per partition 1
 * for the slices done here (NULL when none: fewer than two taking ranks, or no slice
 * to deal); the caller passes it to arcos_pipeline_run as env->dealt, then frees it.
 * *interrupted: this rank stopped early (what it did not take is left for --resume). */
int arcos_bigdoc_run(const arcos_pipeline_env_t *env, uint8_t **dealt, bool *interrupted);

#endif
