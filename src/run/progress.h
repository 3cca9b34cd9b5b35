/* Progress lines and the stop request (signals, --max-time) of a run. */
#ifndef ARCOS_RUN_PROGRESS_H
#define ARCOS_RUN_PROGRESS_H

#include "run/job_internal.h"

typedef struct arcos_progress arcos_progress_t;
/* progress.c */
arcos_progress_t *arcos_progress_create(job_t *job);
void arcos_progress_tick(job_t *job, uint64_t records, uint64_t bytes);
/* Collective: every rank calls it when its processing is done; rank 0 keeps printing
 * until all have. Returns the seconds this rank waited. */
double arcos_progress_finish(job_t *job);
void arcos_progress_destroy(arcos_progress_t **p);
/* True once a SIGTERM/SIGUSR1 arrived or the --max-time deadline passed. */
bool arcos_stop_requested(const job_t *job);
void arcos_install_stop_signals(void);

#endif
