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
  uint32_t first_input; /* duplicates: where the stored occurrence is */
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

typedef struct arcos_progress arcos_progress_t;

typedef struct {
  const arcos_ctx_t *ctx;
  const arcos_config_t *cfg;
  arcos_progress_t *progress;        /* NULL when quiet */
  uint64_t done_records, done_bytes; /* this rank's progress in finished partitions */
  arcos_plan_t plan;
  arcos_arena_t *arena;
  item_t *items;
  size_t nitems, items_cap;
  fail_t *fails;
  size_t nfails, fails_cap;
  /* per partition (all partitions; only own ones are non-zero) */
  uint64_t *newlines; /* newlines inside [start, end) of JSON Lines ranges */
  uint64_t *part_records;
  size_t *part_item_first, *part_fail_first;
  /* batch latencies in ms */
  double *latency_ms;
  size_t nlatency, latency_cap;
  size_t parts_cap; /* allocated length of the per-partition arrays */
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
} job_t;

/* Run a step only while every step before it succeeded (rc is the running result). */
#define ARCOS_THEN(expr)                                                                           \
  do {                                                                                             \
    if (rc == ARCOS_OK)                                                                            \
      rc = (expr);                                                                                 \
  } while (0)

/* Out of memory in the middle of a collective phase cannot be agreed on cheaply:
 * stop the whole job with a clear message (the only MPI_Abort besides MPI errors). */
#define ARCOS_OOM_ABORT(comm)                                                                      \
  do {                                                                                             \
    fprintf(stderr,                                                                                \
            "arcos-scale: out of memory at %s:%d; lower the input per rank "                       \
            "or run on more ranks\n",                                                              \
            __FILE__, __LINE__);                                                                   \
    MPI_Abort((comm), 1);                                                                          \
  } while (0)

/* pipeline.c: the stages over records, one evidence context reused throughout. */
typedef struct arcos_pipeline arcos_pipeline_t;
arcos_pipeline_t *arcos_pipeline_create(job_t *job);
void arcos_pipeline_destroy(arcos_pipeline_t **p);
/* Read and process partition `part` of the plan (a file range or whole file). */
int arcos_pipeline_partition(arcos_pipeline_t *p, size_t part);
/* Process a streaming batch of JSON Lines text as partition `part` (one latency
 * sample). *records receives the records it held. */
int arcos_pipeline_buffer(arcos_pipeline_t *p, size_t part, const char *text, size_t len,
                          uint64_t first_line, uint64_t offset, uint64_t *records);
/* File mode: every partition the plan gives this rank. */
int arcos_pipeline_run(job_t *job);
/* Grow the per-partition arrays to hold n partitions (new entries zeroed). */
int arcos_job_parts_reserve(job_t *job, size_t n);
/* Room for one more item / fail at the end of the job's arrays (zeroed), or NULL. The
 * caller fills it and then increments nitems / nfails. */
item_t *arcos_job_new_item(job_t *job);
fail_t *arcos_job_new_fail(job_t *job);
/* True once a SIGTERM/SIGUSR1 arrived or the --max-time deadline passed. */
bool arcos_stop_requested(const job_t *job);
void arcos_install_stop_signals(void);

/* checkpoint.c */
int arcos_ckpt_load_meta(const arcos_config_t *cfg, int64_t *reference_time, bool *found,
                         FILE *err);
int arcos_ckpt_load_plan(const arcos_config_t *cfg, arcos_plan_t *plan);
/* Rank 0: remove the state directory under output (what a kill during a completed
 * run's cleanup left behind). */
void arcos_ckpt_remove(const char *output);
int arcos_ckpt_setup(job_t *job, bool resume_found); /* collective */
int arcos_ckpt_start(job_t *job, size_t part);
int arcos_ckpt_commit(job_t *job, size_t part);
int arcos_ckpt_load(job_t *job, size_t part);
/* Reading a segment in place (bounded-memory mode): strings borrowed from b. */
typedef struct {
  uint64_t hdr[5]; /* part, items, fails, newlines, records */
  const char *p, *end;
  uint64_t items_left, fails_left;
  uint32_t part;
} seg_cursor_t;
int arcos_seg_open(job_t *job, size_t part, arcos_buf_t *b, seg_cursor_t *c);
int arcos_seg_next_item(seg_cursor_t *c, item_t *it); /* all items first, */
int arcos_seg_next_fail(seg_cursor_t *c, fail_t *f);  /* then the fails */
void arcos_ckpt_close(job_t *job, bool success);
/* stream.c: streaming mode (`run -`): rank 0 reads standard input and deals batches
 * under credit-based flow control; fills job->plan on every rank (collective). */
int arcos_stream_run(job_t *job);
/* pipeline.c: turn relative JSON Lines line numbers into absolute ones (collective). */
int arcos_fix_lines(job_t *job);
/* exactly_once.c: first occurrence in global order wins (collective). */
int arcos_exactly_once(job_t *job);
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
static inline size_t arcos_fail_message_len(const fail_t *f) {
  return f->message_len ? f->message_len : strlen(f->message);
}

typedef struct dupinfo dupinfo_t;

/* h5_queries.c: rank 0 adds /queries/<id> to a closed results.h5 from queries.jsonl. */
int arcos_h5_add_queries(const char *h5_path, const char *queries_jsonl, FILE *err);

/* progress.c */
arcos_progress_t *arcos_progress_create(job_t *job);
void arcos_progress_tick(job_t *job, uint64_t records, uint64_t bytes);
/* Collective: every rank calls it when its processing is done; rank 0 keeps printing
 * until all have. Returns the seconds this rank waited. */
double arcos_progress_finish(job_t *job);
void arcos_progress_destroy(arcos_progress_t **p);

void arcos_stats_init(stats_t *s);
void arcos_stats_item(stats_t *s, const item_t *it);
void arcos_stats_fail(stats_t *s, const fail_t *f);

/* spill.c: bounded memory */
void arcos_spill_release(job_t *job, size_t part);
int arcos_spill_note_loaded(job_t *job, size_t part);
int arcos_spill_exactly_once(job_t *job);
int arcos_spill_outputs(job_t *job, const output_paths_t *paths);

static inline uint64_t item_pos(uint32_t part, uint32_t seq) {
  return ((uint64_t)part << 32) | seq;
}

#endif
