/* The `run` job: plan, read, five stages, exactly-once, outputs, metrics, report.
 * Everything the job needs arrives in one context; there are no globals for rank,
 * size or configuration (the library can be embedded and tested). */
#ifndef ARCOS_JOB_H
#define ARCOS_JOB_H

#include <mpi.h>
#include <stdio.h>

#include "arcos/config.h"

typedef struct {
  MPI_Comm comm;
  int rank;
  int size;
  const arcos_config_t *cfg;
  FILE *out; /* summary (rank 0) */
  FILE *err; /* messages */
} arcos_ctx_t;

/* Exit codes of SPEC §9. */
enum {
  ARCOS_EXIT_OK = 0,
  ARCOS_EXIT_FAILED = 1,
  ARCOS_EXIT_USAGE = 2,
  ARCOS_EXIT_ERROR_RATE = 3,
  ARCOS_EXIT_INTERRUPTED = 75,
};

/* Collective over ctx->comm. Returns the process exit code (identical on all ranks). */
int arcos_job_run(const arcos_ctx_t *ctx);

#endif
