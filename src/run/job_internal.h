/* Rank-local state of a run, shared by the job's modules (pipeline, exactly-once,
 * outputs, report). Not part of the public interface. */
#ifndef ARCOS_JOB_INTERNAL_H
#define ARCOS_JOB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arcos/evidence.h"
#include "arcos/input.h"
#include "arcos/job.h"
#include "arcos/ring.h"
#include "arcos/util.h"
#include "dist/memo.h"
#include "run/records.h"

typedef struct arcos_job job_t;

struct arcos_job {
  const arcos_ctx_t *ctx;
  const arcos_config_t *cfg;
  struct arcos_progress *progress;   /* NULL when quiet */
  uint64_t done_records, done_bytes; /* this rank's progress in finished partitions */
  arcos_plan_t plan;
  arcos_records_t rec; /* this rank's records (records.h) */
  /* batch latencies in ms */
  double *latency_ms;
  size_t nlatency, latency_cap;
  rank_metrics_t m;
  /* error policy counters (this rank) */
  uint64_t injected;  /* stage failures caused by --inject-fault */
  uint64_t retries;   /* extra attempts made */
  uint64_t recovered; /* records that failed transiently, then passed */
  uint64_t gave_up;   /* transient failures still failing after max_retries */
  /* batch sizes seen (adaptive batching) */
  int64_t batch_final, batch_min_seen, batch_max_seen;
  /* streaming mode (rank 0) */
  bool streaming;
  uint64_t dropped; /* records dropped under --backpressure drop (all ranks know) */
  uint64_t dropped_batches;
  double throttle_s;         /* rank 0 waited for a free rank with input pending */
  arcos_buf_t dropped_lines; /* rank 0: dropped.jsonl text */
  /* checkpoint (checkpoint.c) */
  uint8_t *part_state; /* per partition: 0 to do, 1 started, 2 done (from the journals) */
  int journal_fd;      /* this rank's journal, -1 without checkpointing */
  double deadline;     /* arcos_now() value of --max-time, 0 = none */
  bool interrupted;    /* this rank stopped early (deadline or signal) */
  /* at-most-once after a crash: partitions started but not finished are not redone */
  struct skip_range {
    uint32_t part;
    uint64_t first_line, last_line, records;
  } * skips;
  size_t nskips;
  /* bounded memory (spill.c): records live in their segments, not in memory */
  bool spill;
  char *seg_dir;   /* this rank's directory under --scratch for its segments; NULL: .arcos-state */
  uint64_t budget; /* bytes the job's data may use per rank */
  uint64_t *part_nitems, *part_nfails, *part_idbytes; /* per partition (own ones) */
  uint64_t *base_line;   /* per partition: first line number of a JSON Lines range - 1 */
  uint8_t **part_status; /* per own partition, per item: ITEM_STORED or ITEM_DUPLICATE */
  struct dupinfo {
    uint32_t part, idx, first_input;
    uint64_t first_line;
  } * dups;
  size_t ndups, dups_cap;
  uint32_t buckets; /* exactly-once rounds */
  stats_t spill_stats;
  double baseline_rss_mb; /* RSS before any data: what --max-memory-mb comes on top of */
  int64_t reference_time;
  arcos_ring_t *ring;
  struct arcos_cache *cache; /* the distributed cache (seen-set of exactly-once) */
  uint64_t eo_unavailable;   /* ids whose seen-set entry was lost (replication 1) */
  /* checksum memo (memo.h): figures of this rank, and why it is off (NULL when on) */
  bool memo_on;
  const char *memo_off;
  uint64_t memo_pend_max; /* bytes of records waiting for a round; 0 = the default */
  arcos_memo_stats_t memo;
  totals_t totals; /* set by arcos_outputs_write */
};

/* Run a step only while every step before it succeeded (rc is the running result). */
#define ARCOS_THEN(expr)                                                                           \
  do {                                                                                             \
    if (rc == ARCOS_OK)                                                                            \
      rc = (expr);                                                                                 \
  } while (0)

/* exactly_once.c: first occurrence in global order wins (collective). */
int arcos_exactly_once(job_t *job);

/* h5_queries.c: rank 0 adds /queries/<id> to a closed results.h5 from queries.jsonl. */
int arcos_h5_add_queries(const char *h5_path, const char *queries_jsonl, FILE *err);

#endif
