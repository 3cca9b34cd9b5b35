/* Node-local scratch space (--scratch, docs/operations.md "Several nodes"): a directory
 * of this rank's own under --scratch for data that only this rank reads back in this
 * run. Everything a --resume or another rank reads stays under the output directory. */
#ifndef ARCOS_RUN_SCRATCH_H
#define ARCOS_RUN_SCRATCH_H

#include "run/job_internal.h"

/* Collective. Decides where this run's spill segments go and, when that is the
 * scratch space, makes this rank's directory there (job->seg_dir). A --scratch that
 * cannot be used on some rank is named with its host on that rank and fails the run
 * on every rank alike (ARCOS_EIO), never a hang. */
int arcos_scratch_open(job_t *job);

/* Removes this rank's scratch directory and what is in it (a no-op without one). */
void arcos_scratch_close(job_t *job);

#endif
