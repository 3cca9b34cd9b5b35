/* Bounded memory (--max-memory-mb): records live in their checkpoint segments; the
 * exactly-once exchange and the outputs run in rounds. */
#ifndef ARCOS_RUN_SPILL_H
#define ARCOS_RUN_SPILL_H

#include "run/job_internal.h"
#include "run/store.h"

typedef struct dupinfo dupinfo_t;

void arcos_spill_release(job_t *job, size_t part);
int arcos_spill_note_loaded(job_t *job, size_t part);
int arcos_spill_exactly_once(job_t *job);
int arcos_spill_outputs(job_t *job, const output_paths_t *paths);

#endif
