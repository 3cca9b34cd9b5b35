/* Node-local scratch space (--scratch, docs/operations.md "Several nodes"): a directory
 * of this rank's own under --scratch for data that only this rank reads back in this
 * run. Everything a --resume or another rank reads stays under the output directory. */
#ifndef ARCOS_RUN_SCRATCH_H
#define ARCOS_RUN_SCRATCH_H

#include <stdbool.h>

#include "arcos/job.h"

/* Collective. Decides where this run's spill segments go (spill: the run spills) and,
 * when that is the scratch space, makes this rank's directory there (*seg_dir, freed
 * by arcos_scratch_close; NULL: the output directory). A --scratch that cannot be used
 * on some rank is named with its host on that rank and fails the run on every rank
 * alike (ARCOS_EIO), never a hang. */
int arcos_scratch_open(const arcos_ctx_t *ctx, bool spill, const char *host, char **seg_dir);

/* Removes this rank's scratch directory and what is in it (a no-op without one). */
void arcos_scratch_close(char **seg_dir);

#endif
