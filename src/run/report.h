/* The report of a run: every rank's figures gathered at rank 0, report.json, the
 * summary lines and the verdict (conservation, --max-error-rate). */
#ifndef ARCOS_RUN_REPORT_H
#define ARCOS_RUN_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "arcos/cache.h"
#include "arcos/input.h"
#include "arcos/job.h"
#include "run/exactly_once.h"
#include "run/pipeline.h"
#include "run/previous.h"
#include "run/records.h"
#include "run/stream.h"

typedef struct arcos_report arcos_report_t;

/* What the report reads: this rank's figures of every step, borrowed for the call. */
typedef struct {
  const arcos_ctx_t *ctx;
  const arcos_config_t *cfg;
  const arcos_plan_t *plan;
  const arcos_records_t *rec;           /* the failures' sample, the skipped ranges */
  const stats_t *stats;                 /* this rank's sums; NULL: summed from rec */
  const rank_metrics_t *m;              /* this rank's timings (CPU, RSS, wall added) */
  const arcos_pipeline_stats_t *pstats; /* error policy, latencies, batch sizes, memo */
  const arcos_stream_figures_t *stream; /* NULL in file mode */
  const arcos_eo_figures_t *eo;         /* exactly-once (zeros without it) */
  const totals_t *totals;               /* the conservation terms, the same on every rank */
  arcos_cache_t *cache;                 /* its statistics; NULL: no cache */
  const arcos_previous_t *prev;         /* --previous, or NULL */
  bool spill;                           /* bounded memory (--max-memory-mb) */
  uint32_t eo_rounds;                   /* exactly-once rounds */
  double baseline_rss_mb;               /* RSS before any data */
  double t_start;                       /* arcos_now() at the start of the run */
} arcos_report_in_t;

/* This rank's CPU time and peak RSS into m. */
void arcos_report_rusage(rank_metrics_t *m);

/* Collective: gather the figures of every rank at rank 0 and build report.json there.
 * config, queries and recs are taken (queries and recs may be NULL). Returns the
 * report on every rank (only rank 0's holds the document); out of memory stops the job. */
arcos_report_t *arcos_report_gather(const arcos_report_in_t *in, json_t *config, json_t *queries,
                                    json_t *recs);
/* Rank 0: report.json (NULL elsewhere). */
json_t *arcos_report_doc(const arcos_report_t *r);
/* Rank 0: write report.json as `final` (a new file, renamed into place). */
int arcos_report_write(const arcos_report_t *r, const char *final, FILE *err);
/* Rank 0: the summary lines on out. */
void arcos_report_print(const arcos_report_t *r, FILE *out);
/* Rank 0: the exit code the figures call for (conservation, --max-error-rate), with
 * its message on err. */
int arcos_report_verdict(const arcos_report_t *r, FILE *err);
void arcos_report_destroy(arcos_report_t **r);

#endif
