/* The result files of a run: results.jsonl, dlq.jsonl, duplicates.jsonl, dropped.jsonl
 * and results.h5, in global order, written by all ranks at once. One writer for both
 * memory modes: it takes the rows in rounds from a round source (below). In memory the
 * records store is one round; under --max-memory-mb (spill.c) each round loads one
 * partition per rank from its checkpoint segment. The results.h5 layout of the rows is
 * the column table (columns.h). */
#ifndef ARCOS_RUN_OUTPUTS_H
#define ARCOS_RUN_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/input.h"
#include "arcos/job.h"
#include "arcos/util.h"
#include "run/records.h"

struct arcos_previous;

/* One partition of a round: its rows among the round's items and failures. */
typedef struct {
  size_t part;
  size_t item_first, nitems; /* in arcos_round_t.items */
  size_t fail_first, nfails; /* in arcos_round_t.fails */
} arcos_round_part_t;

/* What a round source yields for one round: this rank's items (stored and duplicate,
 * with their final status) and failures of the round's partitions, in partition order,
 * line numbers absolute. Valid until the next load. */
typedef struct {
  const item_t *items;
  size_t nitems;
  const fail_t *fails;
  size_t nfails;
  const arcos_round_part_t *parts;
  size_t nparts;
} arcos_round_t;

/* Where the rows come from. Every own partition of the plan is in exactly one of this
 * rank's rounds (possibly with no rows), rounds in partition order. Ranks may have
 * different numbers of rounds; the writer runs the largest everywhere. load(arg, r,
 * out) is called for r = 0..nrounds-1 in order, twice over (count, then write), or once
 * when nrounds is 1 (the rows are then kept between the passes). */
typedef struct {
  size_t nrounds;
  int (*load)(void *arg, size_t r, arcos_round_t *out);
  void *arg;
} arcos_round_source_t;

/* The output files' paths (temporary names; the orchestrator renames them). */
typedef struct {
  const char *results_jsonl; /* NULL without --jsonl */
  const char *dlq_jsonl;
  const char *duplicates_jsonl;
  const char *results_h5;
  const char *dropped_jsonl; /* streaming only, else NULL */
  const char *config_json;   /* effective configuration, stored as an attribute */
} output_paths_t;

/* Everything the writer reads besides the rows, built by the orchestrator. */
typedef struct {
  const arcos_ctx_t *ctx;            /* communicator, rank, error stream */
  const arcos_plan_t *plan;          /* partitions (owner rank, input) and inputs */
  const arcos_records_t *rec;        /* per-partition record counts and skipped ranges */
  const struct arcos_previous *prev; /* earlier runs (--previous) for duplicates.jsonl */
  bool want_dlq;                     /* false under --on-error skip: no DLQ lines */
  const char *on_error_name;         /* /errors attribute "policy" */
  const char *rules_text;            /* canonical scoring rules, or NULL */
  int64_t reference_time;            /* root attribute reference_time */
  uint64_t dropped;                  /* records dropped under --backpressure drop */
  const arcos_buf_t *dropped_lines;  /* rank 0: dropped.jsonl text */
  rank_metrics_t *m;                 /* this rank's /ranks row; writing adds to its times */
} arcos_outputs_in_t;

/* One line of results.jsonl, dlq.jsonl, duplicates.jsonl appended to b (prev: the
 * --previous runs, may be NULL); the writer's formatters, also measured alone by
 * bench/bench_formats.c. */
void arcos_line_result(arcos_buf_t *b, const arcos_plan_t *plan, const item_t *it);
void arcos_line_dlq(arcos_buf_t *b, const arcos_plan_t *plan, const fail_t *f);
void arcos_line_dup(arcos_buf_t *b, const arcos_plan_t *plan, const struct arcos_previous *prev,
                    const item_t *it);

/* Write every output under its temporary name (collective). *totals receives the
 * conservation terms (SPEC §4), the same on every rank. */
int arcos_outputs_write(const arcos_outputs_in_t *in, const output_paths_t *paths,
                        const arcos_round_source_t *src, totals_t *totals);

/* The in-memory case: one round over in->rec (this rank's records, in partition
 * order, as the pipeline leaves them), then arcos_outputs_write. */
int arcos_outputs_write_memory(const arcos_outputs_in_t *in, const output_paths_t *paths,
                               totals_t *totals);

#endif
