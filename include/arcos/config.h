/* Job configuration: defaults < --config file < environment < command-line flags.
 * Every job-config key is also a flag (the same name with '-' for '_'); both come
 * from one option table in config.c, so they cannot drift apart. */
#ifndef ARCOS_CONFIG_H
#define ARCOS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "arcos/error.h"
#include "arcos/evidence.h"
#include "arcos/fault.h"
#include "arcos/options.h"

typedef enum {
  ARCOS_GUARANTEE_EXACTLY_ONCE = 0,
  ARCOS_GUARANTEE_AT_LEAST_ONCE,
  ARCOS_GUARANTEE_AT_MOST_ONCE,
} arcos_guarantee_t;

typedef enum {
  ARCOS_ON_ERROR_DLQ = 0,
  ARCOS_ON_ERROR_SKIP,
  ARCOS_ON_ERROR_RETRY,
} arcos_on_error_t;

/* How partitions reach ranks: planned up front, or dealt as ranks free up. */
typedef enum {
  ARCOS_SCHEDULE_STATIC = 0,
  ARCOS_SCHEDULE_DYNAMIC,
} arcos_schedule_t;

typedef enum {
  ARCOS_BACKPRESSURE_THROTTLE = 0,
  ARCOS_BACKPRESSURE_DROP,
} arcos_backpressure_t;

typedef struct {
  /* positional inputs, in command-line order (owned) */
  char **inputs;
  size_t ninputs;
  char *output;             /* output directory, default "results" */
  char *config_path;        /* --config, NULL if none */
  char *graph;              /* --graph: graph directory queried after the pipeline, NULL if none */
  char *queries;            /* --queries: queries file (with --graph), NULL if none */
  bool force;               /* overwrite an existing output directory */
  bool jsonl;               /* also write results.jsonl */
  bool quiet;               /* no progress or summary on stdout */
  double progress_interval; /* seconds between progress lines on rank 0 (2; 0 = none) */
  int progress_style;       /* 0 auto (a bar on a terminal), 1 bar, 2 lines */
  bool resume;              /* continue an interrupted run from its checkpoint */
  bool checkpoint;          /* journal finished partitions so --resume can continue (true) */
  double max_time;          /* seconds; then checkpoint and exit 75 (0 = no limit) */
  int64_t max_memory_mb;    /* per rank, on top of the process baseline (0 = no limit) */
  char *scratch_dir; /* --scratch: node-local space for what one rank alone reads back, or NULL */
  int64_t reference_time; /* epoch seconds; job start unless reference_time_set */
  bool reference_time_set;
  int guarantee;               /* arcos_guarantee_t */
  int on_error;                /* arcos_on_error_t */
  int max_retries;             /* 3 */
  int64_t batch_size;          /* 100, env ARCOS_BATCH_SIZE */
  int64_t max_record_bytes;    /* 1 MiB */
  int64_t partition_bytes;     /* target JSON Lines partition size, 0 = automatic */
  int64_t partitions_per_rank; /* over-decomposition factor, 4 */
  int64_t max_workers;         /* ranks that take partitions, 0 = all; env ARCOS_MAX_WORKERS */
  int schedule;                /* arcos_schedule_t */
  int64_t cache_nodes;         /* logical cache nodes, 0 = max(3, ranks); env ARCOS_CACHE_NODES */
  int64_t vnodes;              /* virtual nodes per cache node, 0 = ring default */
  int64_t cache_replication;   /* copies of each cache entry (1) */
  int64_t fail_cache_node;     /* test: take this cache node out of service (-1 = none) */
  double fail_at;              /* ... after this fraction of the exactly-once rounds (0.5) */
  int64_t cache_round_items;   /* exactly-once claims per rank per round (0 = automatic) */
  bool exactly_once_cache;     /* keep the seen-set on the replicated cache (true) */
  bool checksum_memo;          /* memo of verified checksums on the cache (true) */
  int64_t checksum_memo_min_bytes; /* smallest `data` text that uses the memo (256) */
  int64_t checksum_memo_round;     /* records per rank per memo round (1024) */
  double max_error_rate;           /* fraction of input; < 0 = no limit */
  double retry_backoff_ms;         /* first retry waits this long, doubling each time (1) */
  char *inject_fault;              /* fault-injection spec (fault.h), NULL = none */
  arcos_faults_t faults;           /* inject_fault, parsed */
  bool from_dlq;                   /* inputs are dlq.jsonl files: replay their raw records */
  /* streaming (run -) and batching */
  int backpressure;             /* arcos_backpressure_t */
  int64_t max_in_flight;        /* batches a worker rank may hold (2) */
  double target_batch_ms;       /* adaptive batches aim at this processing time (50) */
  int64_t batch_min, batch_max; /* adaptive range (10, 10000) */
  bool fixed_batch;             /* keep batch_size fixed */
  arcos_scoring_t scoring;      /* scoring.rules points at `rules` after parsing */
  char *scoring_rules;          /* --scoring-rules: rules file, NULL for the built-in set */
  struct arcos_rules *rules;    /* loaded by arcos_config_parse_run; freed with the config */
  arcos_strlist_t previous;     /* --previous: earlier runs (directories or results.h5), in order */
} arcos_config_t;

void arcos_config_init(arcos_config_t *cfg);
void arcos_config_free(arcos_config_t *cfg);

/* Parse `run` arguments (argv[0] is the command name) with full precedence.
 * Returns 0, ARCOS_EUSAGE (bad flag/value; detail says which) or ARCOS_ECONFIG
 * (config file unreadable or with an unknown key / bad value). `help` is set when
 * --help was given. */
int arcos_config_parse_run(arcos_config_t *cfg, int argc, char **argv, bool *help,
                           arcos_detail_t *detail);

/* Print the options of `run` (flags, value, default, meaning). */
void arcos_config_print_help(FILE *out);

/* run's option table (include/arcos/options.h), for tests and tools. */
struct arcos_optset;
const struct arcos_optset *arcos_config_options(void);

/* The effective configuration as a JSON object (new reference). */
json_t *arcos_config_to_json(const arcos_config_t *cfg);

const char *arcos_guarantee_name(int g);
const char *arcos_on_error_name(int e);
const char *arcos_backpressure_name(int b);

#endif
