/* Job configuration. One table describes every option: its job-config key, its flag
 * (the key with '-' for '_' and '.'), its type and range, its environment variable if
 * any, and its help line. Precedence: default < --config < environment < flag. */
#include "arcos/config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/util.h"
#include "core/jsonw.h"

typedef enum { OPT_BOOL, OPT_I32, OPT_I64, OPT_F64, OPT_STRING, OPT_ENUM, OPT_TIME } opt_kind_t;

static const char *const guarantee_names[] = {"exactly-once", "at-least-once", "at-most-once",
                                              NULL};
static const char *const on_error_names[] = {"dlq", "skip", "retry", NULL};
static const char *const backpressure_names[] = {"throttle", "drop", NULL};
static const char *const progress_style_names[] = {"auto", "bar", "lines", NULL};

typedef struct {
  const char *key; /* job-config key; "a.b" is member b of object a */
  opt_kind_t kind;
  size_t offset;
  double min, max; /* numeric range, inclusive */
  const char *const *choices;
  const char *env;
  const char *metavar;
  const char *help;
} opt_t;

#define OFF(f) offsetof(arcos_config_t, f)
#define SOFF(f) (offsetof(arcos_config_t, scoring) + offsetof(arcos_scoring_t, f))

static const opt_t options[] = {
    {"output", OPT_STRING, OFF(output), 0, 0, NULL, NULL, "DIR",
     "output directory (default results/)"},
    {"graph", OPT_STRING, OFF(graph), 0, 0, NULL, NULL, "DIR",
     "graph directory or HDF5 graph (convert) to query after the pipeline (docs/graph.md)"},
    {"queries", OPT_STRING, OFF(queries), 0, 0, NULL, NULL, "FILE",
     "graph queries file (with --graph); results in queries.jsonl"},
    {"force", OPT_BOOL, OFF(force), 0, 0, NULL, NULL, NULL,
     "write into an existing output directory"},
    {"jsonl", OPT_BOOL, OFF(jsonl), 0, 0, NULL, NULL, NULL, "also write results.jsonl"},
    {"quiet", OPT_BOOL, OFF(quiet), 0, 0, NULL, NULL, NULL, "no summary on standard output"},
    {"progress_interval", OPT_F64, OFF(progress_interval), 0, 86400, NULL, NULL, "S",
     "seconds between progress lines on rank 0 (default 2; 0 = none)"},
    {"progress_style", OPT_ENUM, OFF(progress_style), 0, 0, progress_style_names, NULL, "S",
     "auto (a bar when stderr is a terminal; under mpirun it is a pipe) | bar | lines"},
    {"resume", OPT_BOOL, OFF(resume), 0, 0, NULL, NULL, NULL,
     "continue an interrupted run in --output from its checkpoint"},
    {"checkpoint", OPT_BOOL, OFF(checkpoint), 0, 0, NULL, NULL, NULL,
     "journal finished partitions for --resume (default true; --checkpoint=false)"},
    {"max_memory_mb", OPT_I64, OFF(max_memory_mb), 0, 1e9, NULL, NULL, "MB",
     "per-rank memory for data, spilling to disk beyond it (default: no limit)"},
    {"scratch_dir", OPT_STRING, OFF(scratch_dir), 0, 0, NULL, "ARCOS_SCRATCH", "DIR",
     "node-local directory for data only this rank reads back in this run: the spill "
     "segments of --max-memory-mb with --checkpoint=false (docs/operations.md)"},
    {"max_time", OPT_F64, OFF(max_time), 0, 1e9, NULL, NULL, "S",
     "stop after S seconds with a checkpoint and exit 75 (default: no limit)"},
    {"reference_time", OPT_TIME, OFF(reference_time), 0, 0, NULL, NULL, "TIME",
     "RFC 3339 time or epoch seconds that ages are measured from (default: job start)"},
    {"guarantee", OPT_ENUM, OFF(guarantee), 0, 0, guarantee_names, NULL, "G",
     "exactly-once (default) | at-least-once | at-most-once"},
    {"on_error", OPT_ENUM, OFF(on_error), 0, 0, on_error_names, NULL, "P",
     "dlq (default) | skip | retry"},
    {"max_retries", OPT_I32, OFF(max_retries), 0, 100, NULL, NULL, "N",
     "retries of a transient failure (default 3)"},
    {"batch_size", OPT_I64, OFF(batch_size), 1, 1000000, NULL, "ARCOS_BATCH_SIZE", "N",
     "records per batch (default 100)"},
    {"max_record_bytes", OPT_I64, OFF(max_record_bytes), 16, 1073741824.0, NULL, NULL, "BYTES",
     "longer records are invalid (default 1048576)"},
    {"partition_bytes", OPT_I64, OFF(partition_bytes), 0, 1e15, NULL, NULL, "BYTES",
     "target size of a JSON Lines partition (default: automatic)"},
    {"partitions_per_rank", OPT_I64, OFF(partitions_per_rank), 1, 4096, NULL, NULL, "N",
     "over-decomposition: partitions per working rank (default 4)"},
    {"max_workers", OPT_I64, OFF(max_workers), 0, 1e9, NULL, "ARCOS_MAX_WORKERS", "N",
     "ranks that take partitions (default: all)"},
    {"cache_nodes", OPT_I64, OFF(cache_nodes), 0, 1e6, NULL, "ARCOS_CACHE_NODES", "N",
     "logical cache nodes on the ring (default max(3, ranks))"},
    {"vnodes", OPT_I64, OFF(vnodes), 0, 1e6, NULL, NULL, "N",
     "virtual nodes per cache node (default: the ring's)"},
    {"cache_replication", OPT_I64, OFF(cache_replication), 1, 8, NULL, NULL, "R",
     "copies of each cache entry on distinct nodes (default 2)"},
    {"fail_cache_node", OPT_I64, OFF(fail_cache_node), -1, 1e6, NULL, NULL, "K",
     "test: take cache node K out of service during exactly-once (default -1: none)"},
    {"fail_at", OPT_F64, OFF(fail_at), 0, 1, NULL, NULL, "F",
     "... after this fraction of the exactly-once rounds (default 0.5)"},
    {"cache_round_items", OPT_I64, OFF(cache_round_items), 0, 1e12, NULL, NULL, "N",
     "exactly-once claims per rank per round (default 65536; 4096 with --fail-cache-node)"},
    {"exactly_once_cache", OPT_BOOL, OFF(exactly_once_cache), 0, 0, NULL, NULL, NULL,
     "seen-set on the replicated cache (default true; false: one owner exchange, faster, "
     "no failover)"},
    {"checksum_memo", OPT_BOOL, OFF(checksum_memo), 0, 0, NULL, NULL, NULL,
     "memo of verified checksums on the cache: a repeated data + checksum text skips its "
     "parse, canonical form and SHA-256 (default false: it pays off when payloads repeat; "
     "docs/cache.md)"},
    {"checksum_memo_min_bytes", OPT_I64, OFF(checksum_memo_min_bytes), 0, 1e9, NULL, NULL, "N",
     "only `data` texts of at least N bytes use the memo (default 256)"},
    {"checksum_memo_round", OPT_I64, OFF(checksum_memo_round), 1, 1e7, NULL, NULL, "N",
     "records per rank per memo round (default 1024)"},
    {"max_error_rate", OPT_F64, OFF(max_error_rate), 0, 1, NULL, NULL, "F",
     "fail with exit 3 when (dead_lettered + skipped) / input exceeds F"},
    {"retry_backoff_ms", OPT_F64, OFF(retry_backoff_ms), 0, 60000, NULL, NULL, "MS",
     "wait before the first retry, doubling each time (default 1)"},
    {"inject_fault", OPT_STRING, OFF(inject_fault), 0, 0, NULL, NULL, "SPEC",
     "test faults: stage=S,rate=F,kind=transient|permanent|delay,seed=N[,delay_ms=D][;...]"},
    {"from_dlq", OPT_BOOL, OFF(from_dlq), 0, 0, NULL, NULL, NULL,
     "inputs are dlq.jsonl files: process their raw records again"},
    {"backpressure", OPT_ENUM, OFF(backpressure), 0, 0, backpressure_names, NULL, "B",
     "streaming when every rank is busy: throttle (default) | drop"},
    {"max_in_flight", OPT_I64, OFF(max_in_flight), 1, 1024, NULL, NULL, "N",
     "streaming: batches a rank may hold at once (default 2)"},
    {"target_batch_ms", OPT_F64, OFF(target_batch_ms), 0.1, 600000, NULL, NULL, "MS",
     "adaptive batches aim at this processing time (default 50)"},
    {"batch_min", OPT_I64, OFF(batch_min), 0, 1000000, NULL, NULL, "N",
     "smallest adaptive batch (default min(10, batch_size))"},
    {"batch_max", OPT_I64, OFF(batch_max), 0, 1000000, NULL, NULL, "N",
     "largest adaptive batch (default max(10000, batch_size))"},
    {"fixed_batch", OPT_BOOL, OFF(fixed_batch), 0, 0, NULL, NULL, NULL,
     "keep --batch-size fixed (no adaptation)"},
    {"scoring.completeness_each", OPT_I32, SOFF(completeness_each), 0, 100, NULL, NULL, "N",
     "points per completeness criterion (6)"},
    {"scoring.integrity", OPT_I32, SOFF(integrity), 0, 100, NULL, NULL, "N",
     "points for a verified checksum (25)"},
    {"scoring.provenance_object", OPT_I32, SOFF(provenance_object), 0, 100, NULL, NULL, "N",
     "points for a non-empty provenance object (10)"},
    {"scoring.provenance_tool", OPT_I32, SOFF(provenance_tool), 0, 100, NULL, NULL, "N",
     "extra points when provenance names a collector or tool (5)"},
    {"scoring.freshness", OPT_I32, SOFF(freshness), 0, 100, NULL, NULL, "N",
     "points for fresh evidence (20)"},
    {"scoring.fresh_days", OPT_I64, SOFF(fresh_days), 0, 100000, NULL, NULL, "DAYS",
     "age that still scores full freshness (30)"},
    {"scoring.stale_days", OPT_I64, SOFF(stale_days), 1, 100000, NULL, NULL, "DAYS",
     "age that scores no freshness (365)"},
    {"scoring.future_tolerance_s", OPT_I64, SOFF(future_tolerance_s), 0, 1e9, NULL, NULL, "S",
     "how far in the future a timestamp may be before clock_skew (86400)"},
    {"scoring.signal_max", OPT_I32, SOFF(signal_max), 0, 100, NULL, NULL, "N",
     "points for a good type signal (10)"},
    {"scoring.signal_partial", OPT_I32, SOFF(signal_partial), 0, 100, NULL, NULL, "N",
     "points for medium coverage (5)"},
    {"scoring.signal_neutral", OPT_I32, SOFF(signal_neutral), 0, 100, NULL, NULL, "N",
     "points when the type has no signal (5)"},
    {"scoring.coverage_high", OPT_F64, SOFF(coverage_high), 0, 1e9, NULL, NULL, "PCT",
     "line coverage for full signal (80)"},
    {"scoring.coverage_low", OPT_F64, SOFF(coverage_low), 0, 1e9, NULL, NULL, "PCT",
     "line coverage for partial signal (50)"},
    {"scoring.alert_threshold", OPT_I32, SOFF(alert_threshold), 0, 101, NULL, NULL, "N",
     "scores below this raise low_quality (50)"},
};

#define NOPTIONS (sizeof options / sizeof options[0])

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
  cfg->max_error_rate = -1.0;
  cfg->checkpoint = true;
  cfg->cache_replication = 2;
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
  free(cfg->scratch_dir);
  memset(cfg, 0, sizeof *cfg);
}

/* "scoring.alert_threshold" -> "scoring-alert-threshold" */
static void flag_name(const opt_t *o, char *out, size_t n) {
  snprintf(out, n, "%s", o->key);
  for (char *p = out; *p; p++)
    if (*p == '_' || *p == '.')
      *p = '-';
}

static const opt_t *find_flag(const char *flag) {
  char name[96];
  for (size_t i = 0; i < NOPTIONS; i++) {
    flag_name(&options[i], name, sizeof name);
    if (strcmp(flag, name) == 0)
      return &options[i];
  }
  /* A short alias users expect from the seed's vocabulary. */
  if (strcmp(flag, "scratch") == 0) /* the short name the SLURM scripts and docs use */
    return find_flag("scratch-dir");
  if (strcmp(flag, "alert-threshold") == 0)
    return find_flag("scoring-alert-threshold");
  return NULL;
}

/* Apply a textual value (flag, environment or config string). `origin` names where it
 * came from for the error message. */
static int set_from_text(arcos_config_t *cfg, const opt_t *o, const char *text, const char *origin,
                         arcos_detail_t *d, int errcode) {
  char *base = (char *)cfg;
  void *field = base + o->offset;
  char *end = NULL;
  switch (o->kind) {
  case OPT_BOOL: {
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0 || strcmp(text, "yes") == 0)
      *(bool *)field = true;
    else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0 || strcmp(text, "no") == 0)
      *(bool *)field = false;
    else
      return arcos_detail_set(d, errcode, origin, 0, "%s: expected true or false, got '%s'", o->key,
                              text);
    return ARCOS_OK;
  }
  case OPT_I32:
  case OPT_I64: {
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
      return arcos_detail_set(d, errcode, origin, 0, "%s: expected an integer, got '%s'", o->key,
                              text);
    if ((double)v < o->min || (double)v > o->max)
      return arcos_detail_set(d, errcode, origin, 0, "%s: %lld is out of range [%.0f, %.0f]",
                              o->key, v, o->min, o->max);
    if (o->kind == OPT_I32)
      *(int *)field = (int)v;
    else
      *(int64_t *)field = (int64_t)v;
    return ARCOS_OK;
  }
  case OPT_F64: {
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(v))
      return arcos_detail_set(d, errcode, origin, 0, "%s: expected a number, got '%s'", o->key,
                              text);
    if (v < o->min || v > o->max)
      return arcos_detail_set(d, errcode, origin, 0, "%s: %g is out of range [%g, %g]", o->key, v,
                              o->min, o->max);
    *(double *)field = v;
    return ARCOS_OK;
  }
  case OPT_STRING: {
    if (text[0] == '\0')
      return arcos_detail_set(d, errcode, origin, 0, "%s: must not be empty", o->key);
    char *copy = strdup(text);
    if (copy == NULL)
      return ARCOS_ENOMEM;
    free(*(char **)field);
    *(char **)field = copy;
    return ARCOS_OK;
  }
  case OPT_ENUM:
    for (int i = 0; o->choices[i] != NULL; i++) {
      if (strcmp(text, o->choices[i]) == 0) {
        *(int *)field = i;
        return ARCOS_OK;
      }
    }
    return arcos_detail_set(d, errcode, origin, 0,
                            "%s: '%s' is not one of the choices (see --help)", o->key, text);
  case OPT_TIME: {
    int64_t t = 0;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno == 0 && end != text && *end == '\0')
      t = (int64_t)v;
    else if (arcos_rfc3339_parse(text, strlen(text), &t) != ARCOS_OK)
      return arcos_detail_set(d, errcode, origin, 0,
                              "%s: '%s' is neither an RFC 3339 time nor epoch seconds", o->key,
                              text);
    cfg->reference_time = t;
    cfg->reference_time_set = true;
    return ARCOS_OK;
  }
  }
  return ARCOS_EINTERNAL;
}

static int set_from_json(arcos_config_t *cfg, const opt_t *o, json_t *v, const char *origin,
                         arcos_detail_t *d) {
  char buf[64];
  switch (o->kind) {
  case OPT_BOOL:
    if (!json_is_boolean(v))
      return arcos_detail_set(d, ARCOS_ECONFIG, origin, 0, "key %s: expected true or false",
                              o->key);
    return set_from_text(cfg, o, json_is_true(v) ? "true" : "false", origin, d, ARCOS_ECONFIG);
  case OPT_I32:
  case OPT_I64:
    if (!json_is_integer(v))
      return arcos_detail_set(d, ARCOS_ECONFIG, origin, 0, "key %s: expected an integer", o->key);
    snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    return set_from_text(cfg, o, buf, origin, d, ARCOS_ECONFIG);
  case OPT_F64:
    if (!json_is_number(v))
      return arcos_detail_set(d, ARCOS_ECONFIG, origin, 0, "key %s: expected a number", o->key);
    snprintf(buf, sizeof buf, "%.17g", json_number_value(v));
    return set_from_text(cfg, o, buf, origin, d, ARCOS_ECONFIG);
  case OPT_TIME:
    if (json_is_integer(v)) {
      snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
      return set_from_text(cfg, o, buf, origin, d, ARCOS_ECONFIG);
    }
    __attribute__((fallthrough)); /* otherwise a string */
  case OPT_STRING:
  case OPT_ENUM:
    if (!json_is_string(v))
      return arcos_detail_set(d, ARCOS_ECONFIG, origin, 0, "key %s: expected a string", o->key);
    return set_from_text(cfg, o, json_string_value(v), origin, d, ARCOS_ECONFIG);
  }
  return ARCOS_EINTERNAL;
}

static const opt_t *find_key(const char *prefix, const char *key) {
  char full[128];
  snprintf(full, sizeof full, "%s%s%s", prefix, prefix[0] ? "." : "", key);
  for (size_t i = 0; i < NOPTIONS; i++)
    if (strcmp(options[i].key, full) == 0)
      return &options[i];
  return NULL;
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
    const opt_t *o = find_key(prefix, key);
    if (o == NULL)
      return arcos_detail_set(d, ARCOS_ECONFIG, path, 0,
                              "unknown key '%s%s%s' (see arcos-scale run --help)", prefix,
                              prefix[0] ? "." : "", key);
    int rc = set_from_json(cfg, o, v, path, d);
    if (rc != ARCOS_OK)
      return rc;
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

int arcos_config_parse_run(arcos_config_t *cfg, int argc, char **argv, bool *help,
                           arcos_detail_t *d) {
  *help = false;
  /* Pass 1: find --config so that flags can override it. */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0)
      break;
    if (strcmp(argv[i], "--config") == 0 || strncmp(argv[i], "--config=", 9) == 0) {
      const char *v = argv[i][8] == '=' ? argv[i] + 9 : (i + 1 < argc ? argv[i + 1] : NULL);
      if (v == NULL)
        return arcos_detail_set(d, ARCOS_EUSAGE, "--config", 0, "--config needs a file");
      free(cfg->config_path);
      cfg->config_path = strdup(v);
    }
  }
  if (cfg->config_path != NULL) {
    int rc = load_config_file(cfg, cfg->config_path, d);
    if (rc != ARCOS_OK)
      return rc;
  }
  /* Environment. */
  for (size_t i = 0; i < NOPTIONS; i++) {
    if (options[i].env == NULL)
      continue;
    const char *v = getenv(options[i].env);
    if (v == NULL || v[0] == '\0')
      continue;
    int rc = set_from_text(cfg, &options[i], v, options[i].env, d, ARCOS_EUSAGE);
    if (rc != ARCOS_OK)
      return rc;
  }
  /* Flags and positional inputs; positional inputs replace those of the job file. */
  bool replaced_inputs = false;
  bool only_positional = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!only_positional && strcmp(a, "--") == 0) {
      only_positional = true;
      continue;
    }
    if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
      if (!replaced_inputs) {
        for (size_t k = 0; k < cfg->ninputs; k++)
          free(cfg->inputs[k]);
        cfg->ninputs = 0;
        replaced_inputs = true;
      }
      int rc = add_input(cfg, a);
      if (rc != ARCOS_OK)
        return rc;
      continue;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      *help = true;
      return ARCOS_OK;
    }
    if (strncmp(a, "--", 2) != 0 && strcmp(a, "-o") != 0)
      return arcos_detail_set(d, ARCOS_EUSAGE, a, 0, "unknown option %s (see --help)", a);
    char name[96];
    snprintf(name, sizeof name, "%s", strcmp(a, "-o") == 0 ? "output" : a + 2);
    const char *value = NULL;
    char *eq = strchr(name, '=');
    if (eq != NULL) {
      *eq = '\0';
      value = a + 2 + (eq - name) + 1;
    }
    if (strcmp(name, "config") == 0) {
      if (value == NULL)
        i++;
      continue;
    }
    const opt_t *o = find_flag(name);
    if (o == NULL)
      return arcos_detail_set(d, ARCOS_EUSAGE, a, 0, "unknown option --%s (see --help)", name);
    if (o->kind == OPT_BOOL && value == NULL) {
      *(bool *)((char *)cfg + o->offset) = true;
      continue;
    }
    if (value == NULL) {
      if (i + 1 >= argc)
        return arcos_detail_set(d, ARCOS_EUSAGE, a, 0, "--%s needs a value (%s)", name,
                                o->metavar ? o->metavar : "value");
      value = argv[++i];
    }
    char origin[112];
    snprintf(origin, sizeof origin, "--%s", name);
    int rc = set_from_text(cfg, o, value, origin, d, ARCOS_EUSAGE);
    if (rc != ARCOS_OK)
      return rc;
  }
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
  return ARCOS_OK;
}

void arcos_config_print_help(FILE *out) {
  char name[96];
  fprintf(out, "Options (job-config key = flag name with '_' for '-'; scoring.* keys go in a\n"
               "\"scoring\" object). Precedence: flag > environment > --config > default.\n"
               "  --config FILE                  job config (JSON object)\n");
  for (size_t i = 0; i < NOPTIONS; i++) {
    const opt_t *o = &options[i];
    flag_name(o, name, sizeof name);
    char lhs[128];
    snprintf(lhs, sizeof lhs, "--%s%s%s", name, o->metavar ? " " : "",
             o->metavar ? o->metavar : "");
    fprintf(out, "  %-30s %s%s%s\n", lhs, o->help, o->env ? "; env " : "", o->env ? o->env : "");
  }
}

json_t *arcos_config_to_json(const arcos_config_t *cfg) {
  json_t *root = json_object();
  json_t *scoring = json_object();
  json_t *inputs = json_array();
  for (size_t i = 0; i < cfg->ninputs; i++)
    json_array_append_new(inputs, arcos_jsonw_string(cfg->inputs[i], strlen(cfg->inputs[i])));
  json_object_set_new(root, "inputs", inputs);
  const char *base = (const char *)cfg;
  for (size_t i = 0; i < NOPTIONS; i++) {
    const opt_t *o = &options[i];
    const void *field = base + o->offset;
    json_t *v = NULL;
    switch (o->kind) {
    case OPT_BOOL:
      v = json_boolean(*(const bool *)field);
      break;
    case OPT_I32:
      v = json_integer(*(const int *)field);
      break;
    case OPT_I64:
      v = json_integer(*(const int64_t *)field);
      break;
    case OPT_F64:
      v = json_real(*(const double *)field);
      break;
    case OPT_STRING:
      v = *(char *const *)field != NULL ? json_string(*(char *const *)field) : json_null();
      break;
    case OPT_ENUM:
      v = json_string(o->choices[*(const int *)field]);
      break;
    case OPT_TIME: {
      char t[32];
      arcos_rfc3339_format(cfg->reference_time, t);
      v = json_string(t);
      break;
    }
    }
    if (strncmp(o->key, "scoring.", 8) == 0)
      json_object_set_new(scoring, o->key + 8, v);
    else
      json_object_set_new(root, o->key, v);
  }
  json_object_set_new(root, "scoring", scoring);
  return root;
}
