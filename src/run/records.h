/* The records store of a run: the item and failure types, the per-partition arrays
 * of job_t that hold them, and the statistics over them. Every run-layer module that
 * produces or reads records uses this one (it calls nothing else in src/run). */
#ifndef ARCOS_RUN_RECORDS_H
#define ARCOS_RUN_RECORDS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arcos/evidence.h"

typedef struct arcos_job job_t;

enum { ITEM_STORED = 0, ITEM_DUPLICATE = 1 };

/* A record that passed the four compute stages. Strings live in the job's arena. */
typedef struct {
  uint32_t part; /* partition index (global order) */
  uint32_t seq;  /* position among the partition's records */
  uint64_t line; /* relative for JSON Lines ranges until arcos_fix_lines, then absolute */
  const char *id, *type, *source;
  uint32_t id_len, type_len, source_len;
  int64_t timestamp;
  uint8_t timestamp_valid;
  uint8_t comp[5]; /* completeness, integrity, provenance, freshness, signal */
  uint8_t score, alerts, severity;
  uint8_t status;       /* ITEM_STORED or ITEM_DUPLICATE */
  uint16_t first_run;   /* duplicates: 0 in this run, else 1 + the --previous index */
  uint32_t first_input; /* duplicates: where the stored occurrence is (in that run) */
  uint64_t first_line;
} item_t;

/* A record that failed (dead-lettered or skipped under the error policy). */
typedef struct {
  uint32_t part, seq;
  uint64_t line, offset;
  uint8_t kind, stage;
  uint16_t attempts;
  const char *message;  /* NUL-terminated, except when borrowed from a segment */
  uint32_t message_len; /* set only when borrowed from a segment */
  const char *raw;      /* NULL unless the DLQ needs it */
  uint32_t raw_len;
} fail_t;

/* Per-rank timings and counters, gathered at rank 0 (fixed layout for MPI_Gather). */
typedef struct {
  double busy_s, io_s, comm_s, idle_s, cpu_s, rss_mb, wall_s;
  uint64_t items; /* records read by this rank */
  uint64_t partitions;
  uint64_t batches;
  char host[64];
} rank_metrics_t;

/* Statistics of stored records and failures, summed over ranks for the report. */
enum {
  S_SCORE_SUM,
  S_ALERT_CRIT,
  S_ALERT_HIGH,
  S_ALERT_MED,
  S_ERR_PARSE,
  S_ERR_INVALID,
  S_ERR_STAGE,
  S_ERR_IO,
  S_HIST,
  S_COUNT = S_HIST + 10
};

typedef struct {
  uint64_t sum[S_COUNT];
  int64_t min, max;
} stats_t;

/* The conservation terms of SPEC §4, identical on every rank once computed. */
typedef struct {
  uint64_t input, stored, duplicates, dead_lettered, skipped, dropped;
} totals_t;

void arcos_stats_init(stats_t *s);
void arcos_stats_item(stats_t *s, const item_t *it);
void arcos_stats_fail(stats_t *s, const fail_t *f);
/* Grow the per-partition arrays to hold n partitions (new entries zeroed). */
int arcos_job_parts_reserve(job_t *job, size_t n);
/* Room for one more item / fail at the end of the job's arrays (zeroed), or NULL. The
 * caller fills it and then increments nitems / nfails. */
item_t *arcos_job_new_item(job_t *job);
/* Put the items and fails in partition order (stable), and part_item_first /
 * part_fail_first with them: what a rank dealt its partitions out of order holds is
 * then laid out as a statically assigned rank's is. */
int arcos_job_sort_by_part(job_t *job);
fail_t *arcos_job_new_fail(job_t *job);

static inline uint64_t item_pos(uint32_t part, uint32_t seq) {
  return ((uint64_t)part << 32) | seq;
}

static inline size_t arcos_fail_message_len(const fail_t *f) {
  return f->message_len ? f->message_len : strlen(f->message);
}

#endif
