/* The report of a run: every rank's figures gathered at rank 0, report.json, the
 * summary lines and the verdict (conservation, --max-error-rate). */
#ifndef ARCOS_RUN_REPORT_H
#define ARCOS_RUN_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "run/job_internal.h"

typedef struct arcos_report arcos_report_t;

/* This rank's CPU time and peak RSS into m. */
void arcos_report_rusage(rank_metrics_t *m);

/* Collective: gather the figures of every rank at rank 0 and build report.json there.
 * config, queries and recs are taken (queries and recs may be NULL). Returns the
 * report on every rank (only rank 0's holds the document); out of memory stops the job. */
arcos_report_t *arcos_report_gather(job_t *job, double t_start, json_t *config, json_t *queries,
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
