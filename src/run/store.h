/* The result files of a run: results.jsonl, dlq.jsonl, duplicates.jsonl and results.h5. */
#ifndef ARCOS_RUN_STORE_H
#define ARCOS_RUN_STORE_H

#include "run/job_internal.h"

/* store.c: results.jsonl, dlq.jsonl, duplicates.jsonl, results.h5 under temporary
 * names (collective); arcos_outputs_commit renames them into place (rank 0). */
typedef struct {
  const char *results_jsonl; /* NULL without --jsonl */
  const char *dlq_jsonl;
  const char *duplicates_jsonl;
  const char *results_h5;
  const char *dropped_jsonl; /* streaming only, else NULL */
  const char *config_json;   /* effective configuration, stored as an attribute */
} output_paths_t;
int arcos_outputs_write(job_t *job, const output_paths_t *paths);
/* Collective: create the text output `path` (a new file, `bytes` reserved on disk) and
 * open it for MPI-IO; a failure is reported by rank 0 and returned on every rank. */
int arcos_text_open(job_t *job, const char *path, uint64_t bytes, MPI_File *fh);
/* store.c pieces shared with the bounded-memory writer (spill.c). */
void arcos_line_result(arcos_buf_t *b, const job_t *job, const item_t *it);
void arcos_line_dlq(arcos_buf_t *b, const job_t *job, const fail_t *f);
void arcos_line_dup(arcos_buf_t *b, const job_t *job, const item_t *it);
struct arcos_h5;
/* /inputs, /ranks, code descriptions and file attributes (collective). */
int arcos_store_h5_common(job_t *job, struct arcos_h5 *h, const output_paths_t *paths);
/* Close results.h5 (collective); rank 0 says what failed when rc or the close failed.
 * Returns rc, or the close's code when rc was ARCOS_OK. */
int arcos_store_h5_close(job_t *job, const output_paths_t *paths, struct arcos_h5 **h, int rc);

#endif
