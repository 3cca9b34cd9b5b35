/* Job configuration. One table describes every option of `run` for the shared option
 * parser (include/arcos/options.h): its job-config key, its flag (the key with '-' for
 * '_' and '.'), its type and range, its environment variable if any, and its help
 * line. Defaults are written once, in arcos_config_init (and arcos_scoring_defaults);
 * --help prints them from there. Precedence: default < --config < environment < flag. */
#include "arcos/config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/options.h"
#include "arcos/rules.h"
#include "arcos/util.h"
#include "core/jsonw.h"

static const char *const guarantee_names[] = {"exactly-once", "at-least-once", "at-most-once",
                                              NULL};
static const char *const on_error_names[] = {"dlq", "skip", "retry", NULL};
static const char *const schedule_names[] = {"static", "dynamic", NULL};
static const char *const backpressure_names[] = {"throttle", "drop", NULL};
static const char *const progress_style_names[] = {"auto", "bar", "lines", NULL};

#define OFF(f) offsetof(arcos_config_t, f)
#define SOFF(f) (offsetof(arcos_config_t, scoring) + offsetof(arcos_scoring_t, f))
/* An option whose default help prints from arcos_config_init. */
#define OPT(key, kind, off, lo, hi, choices, env, metavar, help)                                   \
  { key, kind, off, lo, hi, choices, env, metavar, help, NULL, 0 }
/* An option whose default is a sentinel that `note` explains. */
#define OPTN(key, kind, off, lo, hi, env, metavar, help, note)                                     \
  { key, kind, off, lo, hi, NULL, env, metavar, help, note, 0 }
/* A retired option (SPEC §2): it exits 2 with `help`. */
#define RETIRED(key, help)                                                                         \
  { key, ARCOS_OPT_RETIRED, 0, 0, 0, NULL, NULL, NULL, help, NULL, 0 }
#define BY_RULES "signal points come from the scoring rules: use --scoring-rules FILE (SPEC §2)"

static const arcos_opt_t options[] = {
    {"config", ARCOS_OPT_STRING, OFF(config_path), 0, 0, NULL, NULL, "FILE",
     "job config (JSON object); its keys are the flags' names with '_' for '-'", NULL,
     ARCOS_OPT_FLAG_ONLY},
    OPT("output", ARCOS_OPT_STRING, OFF(output), 0, 0, NULL, NULL, "DIR", "output directory"),
    OPTN("graph", ARCOS_OPT_STRING, OFF(graph), 0, 0, NULL, "DIR",
         "graph directory or HDF5 graph (convert) to query after the pipeline (docs/graph.md)",
         NULL),
    OPTN("queries", ARCOS_OPT_STRING, OFF(queries), 0, 0, NULL, "FILE",
         "graph queries file (with --graph); results in queries.jsonl", NULL),
    OPTN("scoring_rules", ARCOS_OPT_STRING, OFF(scoring_rules), 0, 0, NULL, "FILE",
         "scoring rules (JSON array, SPEC §2) replacing the built-in set (`rules --print-default`)",
         "the built-in set"),
    OPTN("previous", ARCOS_OPT_STRINGS, OFF(previous), 0, 0, NULL, "PATH",
         "repeatable: an earlier run's output directory or its results.h5; ids it stored are "
         "duplicates here (SPEC §3 incremental runs; pass every earlier run, in order)",
         "none"),
    OPT("force", ARCOS_OPT_BOOL, OFF(force), 0, 0, NULL, NULL, NULL,
        "write into an existing output directory"),
    OPT("jsonl", ARCOS_OPT_BOOL, OFF(jsonl), 0, 0, NULL, NULL, NULL, "also write results.jsonl"),
    OPT("quiet", ARCOS_OPT_BOOL, OFF(quiet), 0, 0, NULL, NULL, NULL,
        "no summary on standard output"),
    OPT("progress_interval", ARCOS_OPT_F64, OFF(progress_interval), 0, 86400, NULL, NULL, "S",
        "seconds between progress lines on rank 0 (0 = none)"),
    OPT("progress_style", ARCOS_OPT_ENUM, OFF(progress_style), 0, 0, progress_style_names, NULL,
        "S", "auto (a bar when stderr is a terminal; under mpirun it is a pipe) | bar | lines"),
    OPT("resume", ARCOS_OPT_BOOL, OFF(resume), 0, 0, NULL, NULL, NULL,
        "continue an interrupted run in --output from its checkpoint"),
    OPT("checkpoint", ARCOS_OPT_BOOL, OFF(checkpoint), 0, 0, NULL, NULL, NULL,
        "journal finished partitions for --resume (--checkpoint=false: none)"),
    OPTN("max_memory_mb", ARCOS_OPT_I64, OFF(max_memory_mb), 0, 1e9, NULL, "MB",
         "per-rank memory for data, spilling to disk beyond it", "0: no limit"),
    OPTN("scratch_dir", ARCOS_OPT_STRING, OFF(scratch_dir), 0, 0, "ARCOS_SCRATCH", "DIR",
         "node-local directory for data only this rank reads back in this run: the spill "
         "segments of --max-memory-mb with --checkpoint=false (docs/operations.md)",
         "none"),
    OPTN("max_time", ARCOS_OPT_F64, OFF(max_time), 0, 1e9, NULL, "S",
         "stop after S seconds with a checkpoint and exit 75", "0: no limit"),
    OPTN("reference_time", ARCOS_OPT_TIME, OFF(reference_time), -1e15, 1e15, NULL, "TIME",
         "RFC 3339 time or epoch seconds that ages are measured from", "job start"),
    OPT("guarantee", ARCOS_OPT_ENUM, OFF(guarantee), 0, 0, guarantee_names, NULL, "G",
        "exactly-once | at-least-once | at-most-once"),
    OPT("on_error", ARCOS_OPT_ENUM, OFF(on_error), 0, 0, on_error_names, NULL, "P",
        "dlq | skip | retry"),
    OPT("max_retries", ARCOS_OPT_I32, OFF(max_retries), 0, 100, NULL, NULL, "N",
        "retries of a transient failure"),
    OPT("batch_size", ARCOS_OPT_I64, OFF(batch_size), 1, 1000000, NULL, "ARCOS_BATCH_SIZE", "N",
        "records per batch"),
    OPT("max_record_bytes", ARCOS_OPT_I64, OFF(max_record_bytes), 16, 1073741824.0, NULL, NULL,
        "BYTES", "longer records are invalid"),
    OPTN("partition_bytes", ARCOS_OPT_I64, OFF(partition_bytes), 0, 1e15, NULL, "BYTES",
         "target size of a JSON Lines partition", "0: automatic"),
    OPT("partitions_per_rank", ARCOS_OPT_I64, OFF(partitions_per_rank), 1, 4096, NULL, NULL, "N",
        "over-decomposition: partitions per working rank"),
    OPTN("max_workers", ARCOS_OPT_I64, OFF(max_workers), 0, 1e9, "ARCOS_MAX_WORKERS", "N",
         "ranks that take partitions", "0: all"),
    OPT("schedule", ARCOS_OPT_ENUM, OFF(schedule), 0, 0, schedule_names, NULL, "S",
        "partitions planned up front (static) or dealt as ranks free up (dynamic)"),
    OPTN("cache_nodes", ARCOS_OPT_I64, OFF(cache_nodes), 0, 1e6, "ARCOS_CACHE_NODES", "N",
         "logical cache nodes on the ring", "0: max(3, ranks)"),
    OPTN("vnodes", ARCOS_OPT_I64, OFF(vnodes), 0, 1e6, NULL, "N", "virtual nodes per cache node",
         "0: the ring's"),
    OPT("cache_replication", ARCOS_OPT_I64, OFF(cache_replication), 1, 8, NULL, NULL, "R",
        "copies of each cache entry on distinct nodes (2 or more for --fail-cache-node)"),
    OPTN("fail_cache_node", ARCOS_OPT_I64, OFF(fail_cache_node), -1, 1e6, NULL, "K",
         "test: take cache node K out of service during exactly-once", "-1: none"),
    OPT("fail_at", ARCOS_OPT_F64, OFF(fail_at), 0, 1, NULL, NULL, "F",
        "... after this fraction of the exactly-once rounds"),
    OPTN("cache_round_items", ARCOS_OPT_I64, OFF(cache_round_items), 0, 1e12, NULL, "N",
         "exactly-once claims per rank per round", "0: 65536; 4096 with --fail-cache-node"),
    OPT("exactly_once_cache", ARCOS_OPT_BOOL, OFF(exactly_once_cache), 0, 0, NULL, NULL, NULL,
        "seen-set on the replicated cache (false: one owner exchange, faster, no failover)"),
    OPT("checksum_memo", ARCOS_OPT_BOOL, OFF(checksum_memo), 0, 0, NULL, NULL, NULL,
        "memo of verified checksums on the cache: a repeated data + checksum text skips its "
        "parse, canonical form and SHA-256 (it pays off when payloads repeat; docs/cache.md)"),
    OPT("checksum_memo_min_bytes", ARCOS_OPT_I64, OFF(checksum_memo_min_bytes), 0, 1e9, NULL, NULL,
        "N", "only `data` texts of at least N bytes use the memo"),
    OPT("checksum_memo_round", ARCOS_OPT_I64, OFF(checksum_memo_round), 1, 1e7, NULL, NULL, "N",
        "records per rank per memo round"),
    OPTN("max_error_rate", ARCOS_OPT_F64, OFF(max_error_rate), 0, 1, NULL, "F",
         "fail with exit 3 when (dead_lettered + skipped) / input exceeds F", "no limit"),
    OPT("retry_backoff_ms", ARCOS_OPT_F64, OFF(retry_backoff_ms), 0, 60000, NULL, NULL, "MS",
        "wait before the first retry, doubling each time"),
    OPTN("inject_fault", ARCOS_OPT_STRING, OFF(inject_fault), 0, 0, NULL, "SPEC",
         "test faults: stage=S,rate=F,kind=transient|permanent|delay,seed=N[,delay_ms=D][;...]",
         NULL),
    OPT("from_dlq", ARCOS_OPT_BOOL, OFF(from_dlq), 0, 0, NULL, NULL, NULL,
        "inputs are dlq.jsonl files: process their raw records again"),
    OPT("backpressure", ARCOS_OPT_ENUM, OFF(backpressure), 0, 0, backpressure_names, NULL, "B",
        "streaming when every rank is busy: throttle | drop"),
    OPT("max_in_flight", ARCOS_OPT_I64, OFF(max_in_flight), 1, 1024, NULL, NULL, "N",
        "streaming: batches a rank may hold at once"),
    OPT("target_batch_ms", ARCOS_OPT_F64, OFF(target_batch_ms), 0.1, 600000, NULL, NULL, "MS",
        "adaptive batches aim at this processing time"),
    OPTN("batch_min", ARCOS_OPT_I64, OFF(batch_min), 0, 1000000, NULL, "N",
         "smallest adaptive batch", "min(10, batch_size)"),
    OPTN("batch_max", ARCOS_OPT_I64, OFF(batch_max), 0, 1000000, NULL, "N",
         "largest adaptive batch", "max(10000, batch_size)"),
    OPT("fixed_batch", ARCOS_OPT_BOOL, OFF(fixed_batch), 0, 0, NULL, NULL, NULL,
        "keep --batch-size fixed (no adaptation)"),
    OPT("scoring.completeness_each", ARCOS_OPT_I32, SOFF(completeness_each), 0, 100, NULL, NULL,
        "N", "points per completeness criterion"),
    OPT("scoring.integrity", ARCOS_OPT_I32, SOFF(integrity), 0, 100, NULL, NULL, "N",
        "points for a verified checksum"),
    OPT("scoring.provenance_object", ARCOS_OPT_I32, SOFF(provenance_object), 0, 100, NULL, NULL,
        "N", "points for a non-empty provenance object"),
    OPT("scoring.provenance_tool", ARCOS_OPT_I32, SOFF(provenance_tool), 0, 100, NULL, NULL, "N",
        "extra points when provenance names a collector or tool"),
    OPT("scoring.freshness", ARCOS_OPT_I32, SOFF(freshness), 0, 100, NULL, NULL, "N",
        "points for fresh evidence"),
    OPT("scoring.fresh_days", ARCOS_OPT_I64, SOFF(fresh_days), 0, 100000, NULL, NULL, "DAYS",
        "age that still scores full freshness"),
    OPT("scoring.stale_days", ARCOS_OPT_I64, SOFF(stale_days), 1, 100000, NULL, NULL, "DAYS",
        "age that scores no freshness"),
    OPT("scoring.future_tolerance_s", ARCOS_OPT_I64, SOFF(future_tolerance_s), 0, 1e9, NULL, NULL,
        "S", "how far in the future a timestamp may be before clock_skew"),
    RETIRED("scoring.signal_max", BY_RULES),
    RETIRED("scoring.signal_partial", BY_RULES),
    OPT("scoring.signal_neutral", ARCOS_OPT_I32, SOFF(signal_neutral), 0, 100, NULL, NULL, "N",
        "signal_unknown: points when no scoring rule applies"),
    RETIRED("scoring.coverage_high", BY_RULES),
    RETIRED("scoring.coverage_low", BY_RULES),
    OPT("scoring.alert_threshold", ARCOS_OPT_I32, SOFF(alert_threshold), 0, 101, NULL, NULL, "N",
        "scores below this raise low_quality"),
};

#define NOPTIONS (sizeof options / sizeof options[0])

/* "-o DIR", the seed's "--alert-threshold" and "--scratch" (the short name the SLURM
 * scripts and docs use) are aliases. */
static const char *const aliases[] = {
    "o", "output", "alert-threshold", "scoring.alert_threshold", "scratch", "scratch_dir", NULL};
static const arcos_optset_t run_options = {"run", options, NOPTIONS, aliases, true};

const char *arcos_guarantee_name(int g) {
  return (g >= 0 && g < 3) ? guarantee_names[g] : "unknown";
}

const char *arcos_backpressure_name(int b) {
  return (b >= 0 && b < 2) ? backpressure_names[b] : "unknown";
}

const char *arcos_on_error_name(int e) { return (e >= 0 && e < 3) ? on_error_names[e] : "unknown"; }

void arcos_config_init(arcos_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->output = strdup("results");
  cfg->guarantee = ARCOS_GUARANTEE_EXACTLY_ONCE;
  cfg->on_error = ARCOS_ON_ERROR_DLQ;
  cfg->max_retries = 3;
  cfg->batch_size = 100;
  cfg->max_record_bytes = 1 << 20;
  cfg->partitions_per_rank = 4;
  cfg->schedule = ARCOS_SCHEDULE_STATIC;
  cfg->max_error_rate = -1.0;
  cfg->checkpoint = true;
  cfg->cache_replication = 1;
  cfg->exactly_once_cache = true;
  cfg->checksum_memo = false;
  cfg->checksum_memo_min_bytes = 256;
  cfg->checksum_memo_round = 1024;
  cfg->fail_cache_node = -1;
  cfg->fail_at = 0.5;
  cfg->progress_interval = 2.0;
  cfg->retry_backoff_ms = 1.0;
  cfg->backpressure = ARCOS_BACKPRESSURE_THROTTLE;
  cfg->max_in_flight = 2;
  cfg->target_batch_ms = 50.0;
  cfg->batch_min = 0; /* automatic, see arcos_config_parse_run */
  cfg->batch_max = 0;
  arcos_scoring_defaults(&cfg->scoring);
}

void arcos_config_free(arcos_config_t *cfg) {
  for (size_t i = 0; i < cfg->ninputs; i++)
    free(cfg->inputs[i]);
  free(cfg->inputs);
  free(cfg->output);
  free(cfg->config_path);
  free(cfg->inject_fault);
  free(cfg->graph);
  free(cfg->queries);
  free(cfg->scoring_rules);
  free(cfg->scratch_dir);
  arcos_strlist_clear(&cfg->previous);
  arcos_rules_destroy(&cfg->rules);
  memset(cfg, 0, sizeof *cfg);
}

static int load_object(arcos_config_t *cfg, json_t *obj, const char *prefix, const char *path,
                       arcos_detail_t *d) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    if (prefix[0] == '\0' && strcmp(key, "scoring") == 0 && json_is_object(v)) {
      int rc = load_object(cfg, v, "scoring", path, d);
      if (rc != ARCOS_OK)
        return rc;
      continue;
    }
    if (prefix[0] == '\0' && strcmp(key, "inputs") == 0) {
      /* Inputs may live in the job file; command-line inputs replace them. */
      if (!json_is_array(v))
        return arcos_detail_set(d, ARCOS_ECONFIG, path, 0,
                                "key inputs: expected an array of paths");
      continue;
    }
    char full[128];
    snprintf(full, sizeof full, "%s%s%s", prefix, prefix[0] ? "." : "", key);
    const arcos_opt_t *o = arcos_opts_find_key(&run_options, full);
    if (o == NULL || (o->flags & ARCOS_OPT_FLAG_ONLY) != 0)
      return arcos_detail_set(d, ARCOS_ECONFIG, path, 0,
                              "unknown key '%s' (see arcos-scale run --help)", full);
    int rc = arcos_opts_set_json(o, cfg, v, path, d);
    if (rc != ARCOS_OK)
      return rc;
    if (o->offset == OFF(reference_time))
      cfg->reference_time_set = true;
  }
  return ARCOS_OK;
}

static int add_input(arcos_config_t *cfg, const char *path) {
  char **grown = realloc(cfg->inputs, (cfg->ninputs + 1) * sizeof *grown);
  if (grown == NULL)
    return ARCOS_ENOMEM;
  cfg->inputs = grown;
  cfg->inputs[cfg->ninputs] = strdup(path);
  if (cfg->inputs[cfg->ninputs] == NULL)
    return ARCOS_ENOMEM;
  cfg->ninputs++;
  return ARCOS_OK;
}

static int load_config_file(arcos_config_t *cfg, const char *path, arcos_detail_t *d) {
  json_error_t jerr;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    return arcos_detail_set(d, ARCOS_ECONFIG, path, jerr.line > 0 ? jerr.line : 0,
                            "cannot read job config: %s", jerr.text);
  int rc = ARCOS_OK;
  if (!json_is_object(root)) {
    rc = arcos_detail_set(d, ARCOS_ECONFIG, path, 0, "job config must be a JSON object");
  } else {
    rc = load_object(cfg, root, "", path, d);
    json_t *inputs = json_object_get(root, "inputs");
    size_t i;
    json_t *p;
    json_array_foreach(inputs, i, p) {
      if (rc != ARCOS_OK)
        break;
      if (!json_is_string(p)) {
        rc = arcos_detail_set(d, ARCOS_ECONFIG, path, 0, "key inputs: element %zu is not a string",
                              i);
        break;
      }
      rc = add_input(cfg, json_string_value(p));
    }
  }
  json_decref(root);
  return rc;
}

/* Pass 1 of the precedence: the job config named by --config, read before the
 * environment and the flags that override it. */
static int find_config(arcos_config_t *cfg, int argc, char **argv, arcos_detail_t *d) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0)
      break;
    if (strcmp(argv[i], "--config") == 0 || strncmp(argv[i], "--config=", 9) == 0) {
      const char *v = argv[i][8] == '=' ? argv[i] + 9 : (i + 1 < argc ? argv[i + 1] : NULL);
      if (v == NULL || v[0] == '\0')
        return arcos_detail_set(d, ARCOS_EUSAGE, "--config", 0, "--config needs a file (FILE)");
      free(cfg->config_path);
      cfg->config_path = strdup(v);
      if (cfg->config_path == NULL)
        return ARCOS_ENOMEM;
    }
  }
  return cfg->config_path != NULL ? load_config_file(cfg, cfg->config_path, d) : ARCOS_OK;
}

/* Checks across options, after every source has been applied. */
static int check_config(arcos_config_t *cfg, arcos_detail_t *d) {
  if (cfg->fail_cache_node >= 0 && !cfg->exactly_once_cache)
    return arcos_detail_set(d, ARCOS_EUSAGE, "fail_cache_node", 0,
                            "--fail-cache-node needs the seen-set on the cache "
                            "(--exactly-once-cache=true)");
  if (cfg->inject_fault != NULL) {
    int rc = arcos_faults_parse(cfg->inject_fault, &cfg->faults, d);
    if (rc != ARCOS_OK)
      return rc;
  }
  if (cfg->batch_min == 0)
    cfg->batch_min = cfg->batch_size < 10 ? cfg->batch_size : 10;
  if (cfg->batch_max == 0)
    cfg->batch_max = cfg->batch_size > 10000 ? cfg->batch_size : 10000;
  if (cfg->batch_min > cfg->batch_max || cfg->batch_size < cfg->batch_min ||
      cfg->batch_size > cfg->batch_max)
    return arcos_detail_set(d, ARCOS_EUSAGE, "batch_size", 0,
                            "batch_size (%lld) must lie in [batch_min, batch_max] = [%lld, %lld]",
                            (long long)cfg->batch_size, (long long)cfg->batch_min,
                            (long long)cfg->batch_max);
  if (cfg->scoring.fresh_days >= cfg->scoring.stale_days)
    return arcos_detail_set(d, ARCOS_EUSAGE, "scoring", 0,
                            "scoring.fresh_days (%lld) must be below scoring.stale_days (%lld)",
                            (long long)cfg->scoring.fresh_days, (long long)cfg->scoring.stale_days);
  /* The scoring rules are read and checked here, before any input is. */
  int rc = arcos_rules_load(cfg->scoring_rules, &cfg->rules, d);
  cfg->scoring.rules = cfg->rules;
  return rc;
}

int arcos_config_parse_run(arcos_config_t *cfg, int argc, char **argv, bool *help,
                           arcos_detail_t *d) {
  *help = false;
  int rc = find_config(cfg, argc, argv, d);
  if (rc == ARCOS_OK)
    rc = arcos_opts_apply_env(&run_options, cfg, d);
  arcos_opts_args_t args;
  if (rc == ARCOS_OK)
    rc = arcos_opts_parse_args(&run_options, cfg, argc, argv, &args, d);
  else
    return rc;
  *help = args.help;
  /* Positional inputs replace those of the job file. */
  if (rc == ARCOS_OK && !args.help && args.npositional > 0) {
    for (size_t k = 0; k < cfg->ninputs; k++)
      free(cfg->inputs[k]);
    cfg->ninputs = 0;
    for (size_t k = 0; k < args.npositional && rc == ARCOS_OK; k++)
      rc = add_input(cfg, args.positional[k]);
  }
  for (size_t i = 0; i < NOPTIONS; i++)
    if (options[i].offset == OFF(reference_time) && arcos_opts_given(&args, i))
      cfg->reference_time_set = true;
  arcos_opts_args_free(&args);
  if (rc != ARCOS_OK || *help)
    return rc;
  return check_config(cfg, d);
}

void arcos_config_print_help(FILE *out) {
  arcos_config_t defaults;
  arcos_config_init(&defaults);
  fprintf(out, "Options (job-config key = flag name with '_' for '-'; scoring.* keys go in a\n"
               "\"scoring\" object). Precedence: flag > environment > --config > default.\n");
  arcos_opts_print_help(&run_options, &defaults, out);
  arcos_config_free(&defaults);
}

const struct arcos_optset *arcos_config_options(void) { return &run_options; }

json_t *arcos_config_to_json(const arcos_config_t *cfg) {
  json_t *root = json_object();
  json_t *scoring = json_object();
  json_t *inputs = json_array();
  for (size_t i = 0; i < cfg->ninputs; i++)
    json_array_append_new(inputs, arcos_jsonw_string(cfg->inputs[i], strlen(cfg->inputs[i])));
  json_object_set_new(root, "inputs", inputs);
  for (size_t i = 0; i < NOPTIONS; i++) {
    const arcos_opt_t *o = &options[i];
    if (o->kind == ARCOS_OPT_RETIRED || (o->flags & ARCOS_OPT_FLAG_ONLY) != 0)
      continue;
    json_t *v = arcos_opts_to_json(o, cfg);
    if (strncmp(o->key, "scoring.", 8) == 0)
      json_object_set_new(scoring, o->key + 8, v);
    else
      json_object_set_new(root, o->key, v);
  }
  json_object_set_new(root, "scoring", scoring);
  return root;
}
