/* Progress lines and the stop request (signals, --max-time) of a run. */
#ifndef ARCOS_RUN_PROGRESS_H
#define ARCOS_RUN_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "arcos/job.h"

typedef struct arcos_progress arcos_progress_t;
/* progress.c */
/* NULL when quiet (or out of memory: no progress lines); total_bytes: the plan's. */
arcos_progress_t *arcos_progress_create(const arcos_ctx_t *ctx, uint64_t total_bytes);
/* This rank finished a partition of `records` records and `bytes` input bytes. */
void arcos_progress_part_done(arcos_progress_t *p, uint64_t records, uint64_t bytes);
/* This rank is `records` records and `bytes` bytes into its current partition. p may
 * be NULL (no progress lines). */
void arcos_progress_tick(arcos_progress_t *p, uint64_t records, uint64_t bytes);
/* Collective: every rank calls it when its processing is done; rank 0 keeps printing
 * until all have. Returns the seconds this rank waited. */
double arcos_progress_finish(arcos_progress_t *p, const arcos_ctx_t *ctx);
void arcos_progress_destroy(arcos_progress_t **p);
/* True once a SIGTERM/SIGUSR1 arrived or the deadline (an arcos_now() value of
 * --max-time; 0 = none) passed. */
bool arcos_stop_requested(double deadline);
void arcos_install_stop_signals(void);

#endif
