/* The records store of a run: the item and failure types, the store that holds them
 * (arena, growing arrays, per-partition arrays), and the statistics over them. Every
 * run-layer module that produces or reads records uses this one (it calls nothing
 * else in src/run and knows nothing of the job). */
#ifndef ARCOS_RUN_RECORDS_H
#define ARCOS_RUN_RECORDS_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arcos/evidence.h"
#include "arcos/util.h"

enum { ITEM_STORED = 0, ITEM_DUPLICATE = 1 };

/* A record that passed the four compute stages. Strings live in the job's arena (type
 * and source interned: arcos_records_intern). 72 bytes: the store holds one per
 * record, so every byte here is a byte of peak RSS per record.
 * A duplicate's outputs carry where its stored occurrence is, and none of its type,
 * source, scores or timestamp: once exactly-once marks it ITEM_DUPLICATE, first_*
 * take the place of type and source (read type/source only of ITEM_STORED items). */
typedef struct {
  uint32_t part; /* partition index (global order) */
  uint32_t seq;  /* position among the partition's records */
  uint64_t line; /* relative for JSON Lines ranges until arcos_fix_lines, then absolute */
  const char *id;
  union {
    struct { /* ITEM_STORED */
      const char *type, *source;
    };
    struct {                /* ITEM_DUPLICATE */
      uint64_t first_line;  /* where the stored occurrence is (in that run) */
      uint32_t first_input; /* the same: its input */
      uint16_t first_run;   /* 0 in this run, else 1 + the --previous index */
    };
  };
  uint32_t id_len, type_len, source_len;
  uint8_t timestamp_valid;
  uint8_t comp[5]; /* completeness, integrity, provenance, freshness, signal */
  uint8_t score, alerts, severity;
  uint8_t status; /* ITEM_STORED or ITEM_DUPLICATE */
  int64_t timestamp;
} item_t;
static_assert(sizeof(item_t) == 72, "item_t: a field added here costs RSS per record");

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
  double huge_mb; /* transparent huge pages mapped when the figures were taken */
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

/* at-most-once after a crash: a partition started but not finished is not redone; its
 * records are counted as skipped, over the line range they span. */
typedef struct {
  uint32_t part;
  uint64_t first_line, last_line, records;
} arcos_skip_range_t;

/* One distinct string of the store's intern table (records.c). */
typedef struct {
  const char *s; /* in the arena, NUL-terminated */
  uint32_t len, hash;
} arcos_intern_slot_t;

/* The records of this rank: what the pipeline produced (or the checkpoint loaded),
 * the strings in its arena. Items and fails of one partition are contiguous from
 * part_item_first[p] / part_fail_first[p] once the partition is done. Owned by the
 * orchestrator (job.c), filled by the pipeline and the checkpoint, read by the
 * exactly-once step and the outputs. */
typedef struct arcos_records {
  arcos_arena_t *arena;
  item_t *items;
  size_t nitems, items_cap;
  fail_t *fails;
  size_t nfails, fails_cap;
  /* per partition (all partitions; only own ones are non-zero) */
  uint64_t *newlines; /* newlines inside [start, end) of JSON Lines ranges */
  uint64_t *part_records;
  size_t *part_item_first, *part_fail_first;
  size_t parts_cap; /* allocated length of the per-partition arrays */
  arcos_skip_range_t *skips;
  size_t nskips;
  /* the distinct type and source strings, stored once (open addressing, power of 2) */
  arcos_intern_slot_t *interned;
  size_t ninterned, interned_cap;
} arcos_records_t;

/* An empty store with its arena (ARCOS_OK, or ARCOS_ENOMEM). */
int arcos_records_init(arcos_records_t *r);
/* Everything the store holds, the arena included; r is left zeroed. */
void arcos_records_free(arcos_records_t *r);

void arcos_stats_init(stats_t *s);
void arcos_stats_item(stats_t *s, const item_t *it);
void arcos_stats_fail(stats_t *s, const fail_t *f);
/* Grow the per-partition arrays to hold n partitions (new entries zeroed). */
int arcos_records_parts_reserve(arcos_records_t *r, size_t n);
/* Room for one more item / fail at the end of the store's arrays (zeroed), or NULL.
 * The caller fills it and then increments nitems / nfails. */
item_t *arcos_records_new_item(arcos_records_t *r);
fail_t *arcos_records_new_fail(arcos_records_t *r);
/* Put the items and fails in partition order (stable) over nparts partitions, and
 * part_item_first / part_fail_first with them: what a rank dealt its partitions out of
 * order holds is then laid out as a statically assigned rank's is. */
int arcos_records_sort_by_part(arcos_records_t *r, size_t nparts);
/* Forget what partition `part` produced (its records are the last ones): an abandoned
 * or retried partition. */
void arcos_records_drop_part(arcos_records_t *r, size_t part);
/* A copy of s[0..n) in the store's arena, NUL-terminated, shared by every caller that
 * asks for the same bytes: the few distinct values of `type` and `source` are stored
 * once, not once per record. Long strings and those past a bounded number of distinct
 * values get their own copy. NULL on ENOMEM. */
const char *arcos_records_intern(arcos_records_t *r, const char *s, size_t n);
/* Drop every string the store holds, for a fresh arena: the arena and the intern table
 * that points into it go together (ARCOS_OK, or ARCOS_ENOMEM with no arena). */
int arcos_records_new_arena(arcos_records_t *r);
/* Remember a skipped range (at-most-once after a crash). */
int arcos_records_add_skip(arcos_records_t *r, const arcos_skip_range_t *k);

static inline uint64_t item_pos(uint32_t part, uint32_t seq) {
  return ((uint64_t)part << 32) | seq;
}

static inline size_t arcos_fail_message_len(const fail_t *f) {
  return f->message_len ? f->message_len : strlen(f->message);
}

#endif
