/* The evidence model of SPEC §1 and §2: ingestion, analysis, scoring and alerts for
 * one record at a time, through a per-rank context that is reused for every record.
 *
 * Decisions (project-wide; keep this block in sync with docs/):
 *
 * Canonical form (canonical.c, which explains the real-number algorithm): Python's json.dumps(data,
 * sort_keys=True) byte for byte, written by walking the jansson tree: keys sorted by code point
 * (byte-wise UTF-8 comparison using key lengths), separators ", " and ": ", "{}"/"[]" when empty,
 * ensure_ascii escapes (\" \\ \n \r \t \b \f, other bytes < 0x20 and DEL as \u00XX, non-ASCII as
 * lower-case \uXXXX, surrogate pairs above U+FFFF, '/' not escaped), integers in decimal, reals as
 * Python repr() (arcos_format_double), true/false/null. An absent `data` is canonicalised as null.
 *
 * Parsing: the per-record reader (fastjson.h, simdjson on-demand) reads the record as
 *   Python's json.loads does (SPEC §1): integers of any size, NaN / Infinity /
 *   -Infinity, lone surrogate escapes, \u0000 anywhere (keys too); duplicate keys:
 *   the last one wins. It writes the canonical form of `data` and the facts the
 *   components need in the same walk. Texts it declines (not JSON, a top level that
 *   is not an object, nesting over 1000, a float literal beyond the double range) are
 *   parsed with json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL), as before: the text must
 *   be exactly one JSON value (whitespace around it, and so a trailing CR, is
 *   allowed). DECODE_ANY lets a scalar such as `5` parse, so that it is reported as
 *   invalid ("not an object") rather than as not-JSON. jansson errors are ARCOS_EPARSE
 *   with jansson's text, column and byte position, so bad records keep their messages.
 *   Texts longer than max_record_bytes are invalid before any parsing.
 *
 * Validation (ARCOS_EINVALID): not an object; `id` missing; `id` neither string nor
 *   integer; `id` empty or longer than 256 bytes after normalisation (integers of any
 *   size become their decimal text, -5 -> "-5"). `type` and `source` that are missing or not
 *   strings read as "" and are no error.
 *
 * Timestamps (timestamp.c): strict RFC 3339, years 0000-9999, fraction truncated,
 *   leap second ":60" read as ":59". Missing, non-string or invalid: timestamp_valid
 *   is false, no error.
 *
 * Checksum: a member that is absent or JSON null is "not present". Any other value is
 *   present; it verifies only if it is a string of exactly 64 characters [0-9a-f]
 *   equal to the lower-case hex SHA-256 of canonical(data). Anything else (wrong
 *   length, upper case, not a string) is present and mismatched: integrity_violation.
 *   The canonical text and digest are only computed for a well-formed checksum.
 *
 * Components (weights from arcos_scoring_t, SPEC §2 defaults):
 *   completeness: completeness_each for each of id (always, the record is valid),
 *     non-empty type, non-empty source, valid timestamp, and `data` present and not
 *     null, "", {} or [] (0 and false do count).
 *   integrity: `integrity` when verified, else 0.
 *   provenance: provenance_object when `provenance` is a non-empty object, plus
 *     provenance_tool when it has a "collector" or "tool" key (any value).
 *   freshness: age = reference_time - timestamp in whole seconds. Invalid timestamp,
 *     or timestamp - reference_time > future_tolerance_s: 0. Otherwise, with
 *     fresh_s = fresh_days * 86400 and stale_s = stale_days * 86400: age <= fresh_s:
 *     full; age >= stale_s: 0; between: freshness * (stale_s - age) /
 *     (stale_s - fresh_s) in int64 integer division. A timestamp in the future within
 *     the tolerance has a negative age and scores full points.
 *   signal: the scoring rules (rules.c, SPEC §2): the points of the first rule that
 *     applies to the record's type and the values at its paths in `data`; none applies:
 *     signal_neutral (SPEC's signal_unknown). The values are only read when some rule
 *     lists the record's type.
 *   score: the sum of the five components.
 *   Components and score are uint8_t: weights are clamped to 0..255, the day counts
 *   to 0..10^6 and future_tolerance_s to 0..10^6 days when the context is created (the config
 * module is where bad values should be refused); the score saturates at 255. Alerts:
 * integrity_violation (critical) when a checksum is present and not verified; low_quality (high)
 * when score < alert_threshold; clock_skew (medium) when the timestamp is valid and timestamp -
 * reference_time > future_tolerance_s. severity is the highest of them.
 *
 * Archive rows (arcos_ev_extract / arcos_ev_from_fields): convert keeps, per record,
 *   the facts the components test (data meaningful, provenance object/tool, the claimed
 *   checksum as a string, the canonical text of `data`, the record's length); a run over
 *   the archive gives them to components() as the text path does after ingest, so both
 *   paths share one implementation of every rule. The values of every path of the
 *   convert-time rules are stored with the path list; a run whose rules read only
 *   stored paths picks them from there, any other run parses the stored canonical
 *   text (only when a rule lists the type), so an archive scores the same under any
 *   rules as the JSON it came from. Checksum verification on
 * the fields path is the same test (64 lower-case hex == SHA-256 of the canonical text) over the
 * stored text. A stored ingestion error comes back with its original kind and message; the length
 *   check against max_record_bytes is repeated with the run's limit.
 *
 * Performance (the floor is ~6.5 us/record for parse + canonical + SHA-256): one
 * EVP_MD_CTX with a pre-fetched EVP_MD, one canonical buffer and one member-sort
 * scratch are reused for every record; nothing is allocated per record outside
 * jansson, except the provider context that OpenSSL 3.0 re-creates inside every
 * EVP_DigestInit_ex (one small malloc per verified checksum, about 25 ns; jansson
 * makes some 40 per record). The record's json_t is kept until the next ingest (or destroy), and
 * the strings in arcos_evidence_t point into it, or into the context (integer ids).
 */
#include "arcos/evidence.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/rules.h"
#include "evidence/canonical_internal.h"
#include "evidence/fastjson.h"

#define ID_MAX_BYTES 256
#define WEIGHT_MAX 255
#define DAYS_MAX 1000000

struct arcos_evidence_ctx {
  arcos_scoring_t scoring;
  int64_t reference_time;
  size_t max_record_bytes;
  EVP_MD *sha256;    /* fetched once: an implicit fetch per init costs time */
  EVP_MD_CTX *md;    /* reused for every digest */
  arcos_buf_t canon; /* canonical text of the current record's data, reused */
  arcos_canon_scratch_t scratch;
  const arcos_rules_t *rules; /* scoring.rules, or own_rules */
  arcos_rules_t *own_rules;   /* the built-in set when scoring.rules is NULL */
  /* The rules' paths are handed to the fast reader once (arcos_evidence_create); the
   * values of the current record are vals[0..npaths): the fast reader's, or jvals as
   * filled from a jansson tree or from an archive row's stored values. */
  const arcos_fieldval_t *vals;
  arcos_fieldval_t *jvals; /* one per path, reused for every record */
  size_t npaths;
  char *paths_json; /* the rules' paths as a JSON array (arcos_ev_rule_paths) */
  size_t paths_json_len;
  arcos_buf_t values; /* encoded values of the current record (arcos_ev_extract) */
  /* Stored values (archive rows): where each of our paths sits among the stored ones,
   * for the stored path list whose text is map_key; map_ok when all are there. */
  arcos_buf_t map_key;
  uint32_t *map;
  bool map_ok;
  /* The current record, from a successful arcos_ev_ingest() until the next one. */
  json_t *root;
  const json_t *data;       /* NULL when absent */
  const json_t *provenance; /* NULL when absent */
  const json_t *checksum;   /* NULL when absent or null */
  size_t record_len;        /* bytes of the current record's text */
  char id_buf[264];         /* an integer id as decimal text (up to 256 digits, NUL) */
  /* Or the current record came from an archive row (arcos_ev_from_fields). */
  const arcos_ev_fields_t *fields;
  /* Or its `data` was skipped (arcos_ev_ingest_memo): the memo's facts stand in. */
  bool use_memo;
  arcos_ev_memo_t memo;
  arcos_buf_t envelope; /* the record text with `data` replaced, reused */
  /* The per-record reader (fastjson.h); the jansson tree above is the fallback for
   * texts it declines, and the only reader when use_jansson is set (tests, fuzzing). */
  arcos_fastjson_t *fj;
  bool use_jansson;
  bool jansson_only;    /* the fast reader cannot hold the rules' paths */
  bool fast;            /* the current record was read by fj: fr holds it */
  arcos_fj_record_t fr; /* valid while fast */
};

void arcos_scoring_defaults(arcos_scoring_t *s) {
  *s = (arcos_scoring_t){
      .completeness_each = 6,
      .integrity = 25,
      .provenance_object = 10,
      .provenance_tool = 5,
      .freshness = 20,
      .fresh_days = 30,
      .stale_days = 365,
      .future_tolerance_s = 86400,
      .signal_neutral = 5,
      .alert_threshold = 50,
  };
}

const char *arcos_severity_name(int sev) {
  switch (sev) {
  case ARCOS_SEV_MEDIUM:
    return "medium";
  case ARCOS_SEV_HIGH:
    return "high";
  case ARCOS_SEV_CRITICAL:
    return "critical";
  default:
    return NULL;
  }
}

const char *arcos_error_kind_name(int kind) {
  switch (kind) {
  case ARCOS_KIND_PARSE:
    return "parse";
  case ARCOS_KIND_INVALID:
    return "invalid";
  case ARCOS_KIND_STAGE:
    return "stage";
  case ARCOS_KIND_IO:
    return "io";
  default:
    return NULL;
  }
}

const char *arcos_stage_name(int stage) {
  static const char *const names[ARCOS_STAGE_COUNT] = {
      [ARCOS_STAGE_INGESTION] = "ingestion", [ARCOS_STAGE_ANALYSIS] = "analysis",
      [ARCOS_STAGE_SCORING] = "scoring",     [ARCOS_STAGE_ALERT] = "alert_generation",
      [ARCOS_STAGE_STORAGE] = "storage",
  };
  return stage >= 0 && stage < ARCOS_STAGE_COUNT ? names[stage] : NULL;
}

static int clamp_int(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static int64_t clamp_i64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

static void clamp_scoring(arcos_scoring_t *s) {
  s->completeness_each = clamp_int(s->completeness_each, 0, WEIGHT_MAX);
  s->integrity = clamp_int(s->integrity, 0, WEIGHT_MAX);
  s->provenance_object = clamp_int(s->provenance_object, 0, WEIGHT_MAX);
  s->provenance_tool = clamp_int(s->provenance_tool, 0, WEIGHT_MAX);
  s->freshness = clamp_int(s->freshness, 0, WEIGHT_MAX);
  s->signal_neutral = clamp_int(s->signal_neutral, 0, WEIGHT_MAX);
  s->fresh_days = clamp_i64(s->fresh_days, 0, DAYS_MAX);
  s->stale_days = clamp_i64(s->stale_days, 0, DAYS_MAX);
  s->future_tolerance_s = clamp_i64(s->future_tolerance_s, 0, DAYS_MAX * INT64_C(86400));
}

arcos_evidence_ctx_t *arcos_evidence_create(const arcos_scoring_t *scoring, int64_t reference_time,
                                            size_t max_record_bytes) {
  arcos_evidence_ctx_t *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL)
    return NULL;
  if (scoring != NULL)
    ctx->scoring = *scoring;
  else
    arcos_scoring_defaults(&ctx->scoring);
  clamp_scoring(&ctx->scoring);
  ctx->reference_time = reference_time;
  ctx->max_record_bytes = max_record_bytes;
  ctx->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  ctx->md = EVP_MD_CTX_new();
  ctx->fj = arcos_fastjson_create();
  ctx->rules = ctx->scoring.rules;
  if (ctx->rules == NULL && arcos_rules_load(NULL, &ctx->own_rules, NULL) == ARCOS_OK)
    ctx->rules = ctx->own_rules;
  if (ctx->rules != NULL && ctx->fj != NULL) {
    arcos_fieldpaths_t fp = arcos_rules_paths(ctx->rules);
    ctx->npaths = fp.npaths;
    ctx->jvals = calloc(ctx->npaths + 1, sizeof *ctx->jvals);
    ctx->map = calloc(ctx->npaths + 1, sizeof *ctx->map);
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < fp.npaths; i++)
      json_array_append_new(a, json_string(fp.paths[i]));
    ctx->paths_json = a != NULL ? json_dumps(a, JSON_COMPACT) : NULL;
    ctx->paths_json_len = ctx->paths_json != NULL ? strlen(ctx->paths_json) : 0;
    json_decref(a);
    /* Rules reading more paths than the fast reader tracks are read with jansson. */
    if (arcos_fastjson_set_fieldpaths(ctx->fj, &fp) != ARCOS_OK)
      ctx->use_jansson = ctx->jansson_only = true;
  }
  if (ctx->sha256 == NULL || ctx->md == NULL || ctx->fj == NULL || ctx->jvals == NULL ||
      ctx->map == NULL || ctx->paths_json == NULL || arcos_buf_reserve(&ctx->canon, 4096) != 0) {
    arcos_evidence_destroy(&ctx);
    return NULL;
  }
  return ctx;
}

void arcos_evidence_destroy(arcos_evidence_ctx_t **pctx) {
  if (pctx == NULL || *pctx == NULL)
    return;
  arcos_evidence_ctx_t *ctx = *pctx;
  json_decref(ctx->root);
  arcos_canon_scratch_free(&ctx->scratch);
  arcos_buf_free(&ctx->canon);
  arcos_buf_free(&ctx->envelope);
  arcos_rules_destroy(&ctx->own_rules);
  free(ctx->jvals);
  free(ctx->paths_json);
  free(ctx->map);
  arcos_buf_free(&ctx->values);
  arcos_buf_free(&ctx->map_key);
  arcos_fastjson_destroy(&ctx->fj);
  EVP_MD_CTX_free(ctx->md);
  EVP_MD_free(ctx->sha256);
  free(ctx);
  *pctx = NULL;
}

void arcos_evidence_use_jansson(arcos_evidence_ctx_t *ctx, bool on) {
  ctx->use_jansson = on || ctx->jansson_only;
}

const arcos_fieldval_t *arcos_ev_fieldvals(const arcos_evidence_ctx_t *ctx, size_t *n) {
  *n = ctx->vals != NULL ? ctx->npaths : 0;
  return ctx->vals;
}

static int sha256(arcos_evidence_ctx_t *ctx, const void *data, size_t len,
                  unsigned char digest[32]) {
  unsigned int n = 0;
  if (EVP_DigestInit_ex(ctx->md, ctx->sha256, NULL) != 1 ||
      EVP_DigestUpdate(ctx->md, data, len) != 1 || EVP_DigestFinal_ex(ctx->md, digest, &n) != 1 ||
      n != 32)
    return ARCOS_EINTERNAL;
  return ARCOS_OK;
}

/* Lower-case hex, two digits per byte from a table of the 256 pairs (one load and one
 * 2-byte store per byte, where a digit at a time took twice the work). */
static const char HEX_PAIRS[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static void to_hex(const unsigned char digest[32], char hex[65]) {
  for (int i = 0; i < 32; i++)
    memcpy(hex + 2 * i, HEX_PAIRS + 2 * digest[i], 2);
  hex[64] = '\0';
}

int arcos_ev_sha256_hex(arcos_evidence_ctx_t *ctx, const void *data, size_t len, char hex[65]) {
  unsigned char digest[32];
  int rc = sha256(ctx, data, len, digest);
  if (rc != ARCOS_OK)
    return rc;
  to_hex(digest, hex);
  return ARCOS_OK;
}

/* The JSON type of v as the messages name it (Python's vocabulary: float, bool). */
static const char *json_kind(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "object";
  case JSON_ARRAY:
    return "array";
  case JSON_STRING:
    return "string";
  case JSON_INTEGER:
    return "integer";
  case JSON_REAL:
    return "float";
  case JSON_TRUE:
  case JSON_FALSE:
    return "bool";
  case JSON_NULL:
    return "null";
  }
  return "unknown";
}

static void release_record(arcos_evidence_ctx_t *ctx) {
  json_decref(ctx->root);
  ctx->root = NULL;
  ctx->data = ctx->provenance = ctx->checksum = NULL;
  ctx->fields = NULL;
  ctx->use_memo = false;
  ctx->fast = false;
  ctx->vals = NULL;
}

/* A string member as (pointer, length), or "" when missing or not a string. */
static void string_member(const json_t *obj, const char *key, const char **s, size_t *len) {
  const json_t *v = json_object_get(obj, key);
  if (json_is_string(v)) {
    *s = json_string_value(v);
    *len = json_string_length(v);
  } else {
    *s = "";
    *len = 0;
  }
}

/* The checks of `id` both readers share. kind: the JSON type's name, NULL when `id` is
 * absent; usable: a string or an integer, whose normalised text is s[0..len). */
static int check_id(const char *kind, bool usable, const char *s, size_t len, arcos_evidence_t *rec,
                    arcos_detail_t *detail) {
  if (kind == NULL)
    return arcos_detail_set(detail, ARCOS_EINVALID, NULL, 0,
                            "record has no \"id\"; every record needs a non-empty string or "
                            "integer \"id\"");
  if (!usable)
    return arcos_detail_set(detail, ARCOS_EINVALID, NULL, 0,
                            "\"id\" must be a non-empty string or an integer (got %s)", kind);
  if (len == 0)
    return arcos_detail_set(detail, ARCOS_EINVALID, NULL, 0,
                            "\"id\" must be a non-empty string or an integer (got an empty "
                            "string)");
  /* An integer of any size is its digits (SPEC §1), and they count like a string's. */
  if (len > ID_MAX_BYTES)
    return arcos_detail_set(detail, ARCOS_EINVALID, NULL, 0,
                            "\"id\" is %zu bytes, over the limit of %d; use a shorter id "
                            "(e.g. a hash of the long one)",
                            len, ID_MAX_BYTES);
  rec->id = s;
  rec->id_len = len;
  return ARCOS_OK;
}

static int normalise_id(arcos_evidence_ctx_t *ctx, const json_t *root, arcos_evidence_t *rec,
                        arcos_detail_t *detail) {
  const json_t *id = json_object_get(root, "id");
  if (json_is_integer(id)) {
    int n = snprintf(ctx->id_buf, sizeof ctx->id_buf, "%lld", (long long)json_integer_value(id));
    return check_id("integer", true, ctx->id_buf, (size_t)n, rec, detail);
  }
  if (json_is_string(id))
    return check_id("string", true, json_string_value(id), json_string_length(id), rec, detail);
  return check_id(id != NULL ? json_kind(id) : NULL, false, NULL, 0, rec, detail);
}

/* The JSON type of a member read by the fast reader, named as json_kind() names it. */
static const char *fj_kind_name(uint8_t kind) {
  static const char *const names[] = {
      [ARCOS_FJ_ABSENT] = NULL,   [ARCOS_FJ_NULL] = "null",     [ARCOS_FJ_BOOL] = "bool",
      [ARCOS_FJ_INT] = "integer", [ARCOS_FJ_FLOAT] = "float",   [ARCOS_FJ_STRING] = "string",
      [ARCOS_FJ_ARRAY] = "array", [ARCOS_FJ_OBJECT] = "object",
  };
  return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

/* Validation and normalisation of a record the fast reader read (ctx->fr), with the
 * same rules and messages as ingest_root(). */
static int ingest_fast(arcos_evidence_ctx_t *ctx, size_t len, arcos_evidence_t *rec,
                       arcos_detail_t *detail) {
  const arcos_fj_record_t *r = &ctx->fr;
  int rc = check_id(fj_kind_name(r->id.kind),
                    r->id.kind == ARCOS_FJ_STRING || r->id.kind == ARCOS_FJ_INT, r->id.s, r->id.len,
                    rec, detail);
  if (rc != ARCOS_OK)
    return rc;
  if (r->id.kind == ARCOS_FJ_INT) {
    /* Its digits lie in the record's text: a copy, NUL-terminated like every id. */
    memcpy(ctx->id_buf, r->id.s, r->id.len);
    ctx->id_buf[r->id.len] = '\0';
    rec->id = ctx->id_buf;
  }
  if (r->type.kind == ARCOS_FJ_STRING) {
    rec->type = r->type.s;
    rec->type_len = r->type.len;
  }
  if (r->source.kind == ARCOS_FJ_STRING) {
    rec->source = r->source.s;
    rec->source_len = r->source.len;
  }
  rec->timestamp_valid = r->timestamp.kind == ARCOS_FJ_STRING &&
                         arcos_rfc3339_parse(r->timestamp.s, r->timestamp.len, &rec->timestamp) ==
                             ARCOS_OK;
  if (!rec->timestamp_valid)
    rec->timestamp = 0;
  rec->checksum_present = r->checksum.kind != ARCOS_FJ_ABSENT && r->checksum.kind != ARCOS_FJ_NULL;
  ctx->fast = true;
  ctx->record_len = len;
  ctx->vals = r->vals;
  return ARCOS_OK;
}

static int ingest_root(arcos_evidence_ctx_t *ctx, json_t *root, size_t len, arcos_evidence_t *rec,
                       arcos_detail_t *detail);

int arcos_ev_ingest(arcos_evidence_ctx_t *ctx, const char *text, size_t len, arcos_evidence_t *rec,
                    arcos_detail_t *detail) {
  memset(rec, 0, sizeof *rec);
  rec->id = rec->type = rec->source = "";
  release_record(ctx);
  if (len > ctx->max_record_bytes)
    return arcos_detail_set(detail, ARCOS_EINVALID, NULL, 0,
                            "record is %zu bytes, over max_record_bytes %zu; split the record "
                            "or raise max_record_bytes",
                            len, ctx->max_record_bytes);
  /* The fast reader first; jansson for what it declines, which gives the message. */
  if (!ctx->use_jansson && arcos_fastjson_parse(ctx->fj, text, len, &ctx->fr) == ARCOS_OK)
    return ingest_fast(ctx, len, rec, detail);
  json_error_t err;
  json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
  if (root == NULL) {
    if (err.line > 1)
      return arcos_detail_set(detail, ARCOS_EPARSE, NULL, 0,
                              "not valid JSON: %s (line %d, column %d of the record, byte %d)",
                              err.text, err.line, err.column, err.position);
    return arcos_detail_set(detail, ARCOS_EPARSE, NULL, 0,
                            "not valid JSON: %s (column %d, byte %d)", err.text, err.column,
                            err.position);
  }
  return ingest_root(ctx, root, len, rec, detail);
}

/* The rules' values from a jansson tree of `data` (the reader of texts the fast reader
 * declines, and its oracle): every path, as the fast reader fills them. */
static void fill_json_vals(arcos_evidence_ctx_t *ctx, const json_t *data) {
  arcos_rules_fill_json(ctx->rules, data, ctx->jvals);
  ctx->vals = ctx->jvals;
}

/* Validation and normalisation of a parsed record; takes root over. */
static int ingest_root(arcos_evidence_ctx_t *ctx, json_t *root, size_t len, arcos_evidence_t *rec,
                       arcos_detail_t *detail) {
  if (!json_is_object(root)) {
    int rc = arcos_detail_set(detail, ARCOS_EINVALID, NULL, 0,
                              "record is a JSON %s, not an object; each record must be one "
                              "JSON object with an \"id\"",
                              json_kind(root));
    json_decref(root);
    return rc;
  }
  int rc = normalise_id(ctx, root, rec, detail);
  if (rc != ARCOS_OK) {
    json_decref(root);
    return rc;
  }
  string_member(root, "type", &rec->type, &rec->type_len);
  string_member(root, "source", &rec->source, &rec->source_len);
  const json_t *ts = json_object_get(root, "timestamp");
  rec->timestamp_valid = json_is_string(ts) &&
                         arcos_rfc3339_parse(json_string_value(ts), json_string_length(ts),
                                             &rec->timestamp) == ARCOS_OK;
  if (!rec->timestamp_valid)
    rec->timestamp = 0;
  ctx->data = json_object_get(root, "data");
  ctx->provenance = json_object_get(root, "provenance");
  const json_t *checksum = json_object_get(root, "checksum");
  if (checksum != NULL && !json_is_null(checksum)) {
    ctx->checksum = checksum;
    rec->checksum_present = true;
  }
  ctx->root = root;
  ctx->record_len = len;
  fill_json_vals(ctx, ctx->data);
  return ARCOS_OK;
}

/* `data` counts for completeness unless absent, null, "", {} or []. */
static bool data_meaningful(const json_t *d) {
  if (d == NULL)
    return false;
  switch (json_typeof(d)) {
  case JSON_NULL:
    return false;
  case JSON_STRING:
    return json_string_length(d) != 0;
  case JSON_OBJECT:
    return json_object_size(d) != 0;
  case JSON_ARRAY:
    return json_array_size(d) != 0;
  default:
    return true;
  }
}

/* Runs for every record with a checksum: byte compares with no table, which the
 * compiler turns into a few vector instructions (a table lookup per byte cannot be). */
static bool is_lower_hex64(const char *s, size_t len) {
  if (len != 64)
    return false;
  unsigned ok = 1;
  for (int i = 0; i < 64; i++) {
    unsigned char c = (unsigned char)s[i];
    ok &= (unsigned char)(c - '0') < 10 || (unsigned char)(c - 'a') < 6;
  }
  return ok != 0;
}

/* The claimed checksum as (pointer, length): its string value, or "" when it is not a
 * string (present but never verified). */
static void checksum_claim(const json_t *v, const char **s, size_t *len) {
  *s = json_is_string(v) ? json_string_value(v) : "";
  *len = json_is_string(v) ? json_string_length(v) : 0;
}

/* Both paths: the claim verifies when it is 64 lower-case hex digits equal to
 * SHA-256(canonical text). */
static int verify_digest(arcos_evidence_ctx_t *ctx, const char *claim, const char *text, size_t len,
                         bool *verified) {
  unsigned char digest[32];
  int rc = sha256(ctx, text, len, digest);
  if (rc != ARCOS_OK)
    return rc;
  char hex[65];
  to_hex(digest, hex);
  *verified = memcmp(hex, claim, 64) == 0;
  return ARCOS_OK;
}

/* Text path: the canonical text is only computed for a well-formed claim. */
static int verify_checksum(arcos_evidence_ctx_t *ctx, bool *verified) {
  *verified = false;
  const char *claim;
  size_t claim_len;
  checksum_claim(ctx->checksum, &claim, &claim_len);
  if (!is_lower_hex64(claim, claim_len))
    return ARCOS_OK;
  arcos_buf_reset(&ctx->canon);
  int rc = arcos_canonical_append_with(&ctx->canon, ctx->data, &ctx->scratch);
  if (rc != ARCOS_OK)
    return rc;
  return verify_digest(ctx, claim, ctx->canon.data, ctx->canon.len, verified);
}

/* Fast-reader path: the canonical text was written while the record was read. */
static int verify_fast(arcos_evidence_ctx_t *ctx, bool *verified) {
  *verified = false;
  const arcos_fj_member_t *c = &ctx->fr.checksum;
  if (c->kind != ARCOS_FJ_STRING || !is_lower_hex64(c->s, c->len))
    return ARCOS_OK;
  return verify_digest(ctx, c->s, ctx->fr.canon, ctx->fr.canon_len, verified);
}

/* Fields path: the canonical text is stored. */
static int verify_fields(arcos_evidence_ctx_t *ctx, const arcos_ev_fields_t *f, bool *verified) {
  *verified = false;
  if (!is_lower_hex64(f->checksum, f->checksum_len))
    return ARCOS_OK;
  return verify_digest(ctx, f->checksum, f->data, f->data_len, verified);
}

static int64_t sat_sub(int64_t a, int64_t b) {
  if (b < 0 && a > INT64_MAX + b)
    return INT64_MAX;
  if (b > 0 && a < INT64_MIN + b)
    return INT64_MIN;
  return a - b;
}

static int freshness_component(const arcos_scoring_t *sc, int64_t reference_time,
                               const arcos_evidence_t *rec) {
  if (!rec->timestamp_valid || sat_sub(rec->timestamp, reference_time) > sc->future_tolerance_s)
    return 0;
  /* Day counts are clamped to 10^6 days, so these products cannot overflow. */
  int64_t age = sat_sub(reference_time, rec->timestamp);
  int64_t fresh_s = sc->fresh_days * 86400, stale_s = sc->stale_days * 86400;
  if (age <= fresh_s)
    return sc->freshness;
  if (age >= stale_s)
    return 0;
  return (int)((int64_t)sc->freshness * (stale_s - age) / (stale_s - fresh_s));
}

/* The record facts the components need besides arcos_evidence_t, from the JSON tree
 * (the text path and arcos_ev_extract): data meaningful and provenance. */
static void facts_from_json(const json_t *data, const json_t *p, arcos_ev_fields_t *f) {
  f->data_meaningful = data_meaningful(data);
  f->provenance_object = json_is_object(p) && json_object_size(p) != 0;
  f->provenance_tool = f->provenance_object && (json_object_get(p, "collector") != NULL ||
                                                json_object_get(p, "tool") != NULL);
}

/* The same facts from the fast reader. */
static void facts_from_fast(const arcos_fj_record_t *r, arcos_ev_fields_t *f) {
  f->data_meaningful = r->data_meaningful;
  f->provenance_object = r->provenance_object;
  f->provenance_tool = r->provenance_tool;
}

/* The signal points from filled values: the first rule that applies, else unknown. */
static int signal_points(const arcos_evidence_ctx_t *ctx, const arcos_evidence_t *rec,
                         const arcos_fieldval_t *vals) {
  int p = arcos_rules_eval(ctx->rules, rec->type, rec->type_len, vals);
  return p >= 0 ? p : ctx->scoring.signal_neutral;
}

const char *arcos_ev_rule_paths(arcos_evidence_ctx_t *ctx, size_t *len) {
  *len = ctx->paths_json_len;
  return ctx->paths_json;
}

/* Where our paths sit among stored ones (text: a JSON array of strings); computed once
 * per distinct stored list (an archive has one), then a length + memcmp per row. */
static bool stored_map(arcos_evidence_ctx_t *ctx, const char *text, size_t len) {
  if (ctx->map_key.len == len && ctx->map_key.data != NULL &&
      memcmp(ctx->map_key.data, text, len) == 0)
    return ctx->map_ok;
  arcos_buf_reset(&ctx->map_key);
  if (arcos_buf_append(&ctx->map_key, text, len) != ARCOS_OK) {
    arcos_buf_free(&ctx->map_key);
    return false;
  }
  json_t *a = json_loadb(text, len, 0, NULL);
  arcos_fieldpaths_t fp = arcos_rules_paths(ctx->rules);
  ctx->map_ok = json_is_array(a);
  for (size_t i = 0; ctx->map_ok && i < fp.npaths; i++) {
    size_t j = 0, n = json_array_size(a);
    while (j < n && !(json_is_string(json_array_get(a, j)) &&
                      strcmp(json_string_value(json_array_get(a, j)), fp.paths[i]) == 0))
      j++;
    ctx->map[i] = (uint32_t)j;
    ctx->map_ok = j < n;
  }
  json_decref(a);
  return ctx->map_ok;
}

/* Fields path with stored values: our paths picked from them (false when the row
 * holds no values or not all of ours). */
static bool values_from_store(arcos_evidence_ctx_t *ctx, const arcos_ev_fields_t *f) {
  if (f->rule_paths_len == 0 || !stored_map(ctx, f->rule_paths, f->rule_paths_len))
    return false;
  for (size_t i = 0; i < ctx->npaths; i++) {
    size_t at = (size_t)ctx->map[i] * ARCOS_EV_VALUE_BYTES;
    if (at + ARCOS_EV_VALUE_BYTES > f->rule_values_len)
      return false;
    ctx->jvals[i].kind = f->rule_values[at];
    memcpy(&ctx->jvals[i].num, f->rule_values + at + 1, 8);
  }
  ctx->vals = ctx->jvals;
  return true;
}

static int vals_from_canonical(arcos_evidence_ctx_t *ctx, const char *data, size_t len);

static uint8_t clamp_u8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

/* The five components from the facts, shared by the text and the fields path. */
static void components(arcos_evidence_ctx_t *ctx, arcos_evidence_t *rec, const arcos_ev_fields_t *f,
                       bool verified, int signal) {
  const arcos_scoring_t *sc = &ctx->scoring;
  int criteria = 1 + (rec->type_len != 0) + (rec->source_len != 0) + rec->timestamp_valid +
                 f->data_meaningful;
  rec->completeness = clamp_u8(criteria * sc->completeness_each);
  rec->verified = verified;
  rec->integrity = clamp_u8(verified ? sc->integrity : 0);
  int provenance = 0;
  if (f->provenance_object) {
    provenance = sc->provenance_object;
    if (f->provenance_tool)
      provenance += sc->provenance_tool;
  }
  rec->provenance = clamp_u8(provenance);
  rec->freshness = clamp_u8(freshness_component(sc, ctx->reference_time, rec));
  rec->signal = clamp_u8(signal);
}

int arcos_ev_analyze(arcos_evidence_ctx_t *ctx, arcos_evidence_t *rec) {
  bool verified = false;
  int rc = ARCOS_OK;
  if (ctx->fields != NULL) {
    if (rec->checksum_present)
      rc = verify_fields(ctx, ctx->fields, &verified);
    if (rc != ARCOS_OK)
      return rc;
    /* The values arcos_ev_from_fields found (stored, or read from the stored canonical
     * text); a type without rules is neutral without reading them (one type lookup). */
    components(ctx, rec, ctx->fields, verified, signal_points(ctx, rec, ctx->vals));
    return ARCOS_OK;
  }
  if (ctx->root == NULL && !ctx->fast)
    return ARCOS_EINTERNAL; /* no successfully ingested record */
  if (ctx->use_memo) {
    /* `data` was not parsed: its facts and the verdict come from the memo. */
    arcos_ev_fields_t f;
    memset(&f, 0, sizeof f);
    f.data_meaningful = ctx->memo.data_meaningful;
    if (ctx->fast) {
      f.provenance_object = ctx->fr.provenance_object;
      f.provenance_tool = ctx->fr.provenance_tool;
    } else {
      f.provenance_object = json_is_object(ctx->provenance) &&
                            json_object_size(ctx->provenance) != 0;
      f.provenance_tool = f.provenance_object &&
                          (json_object_get(ctx->provenance, "collector") != NULL ||
                           json_object_get(ctx->provenance, "tool") != NULL);
    }
    components(ctx, rec, &f, rec->checksum_present && ctx->memo.verified,
               signal_points(ctx, rec, ctx->memo.vals));
    return ARCOS_OK;
  }
  if (rec->checksum_present)
    rc = ctx->fast ? verify_fast(ctx, &verified) : verify_checksum(ctx, &verified);
  if (rc != ARCOS_OK)
    return rc;
  arcos_ev_fields_t f;
  if (ctx->fast)
    facts_from_fast(&ctx->fr, &f);
  else
    facts_from_json(ctx->data, ctx->provenance, &f);
  components(ctx, rec, &f, verified, signal_points(ctx, rec, ctx->vals));
  return ARCOS_OK;
}

int arcos_ev_extract(arcos_evidence_ctx_t *ctx, const arcos_evidence_t *rec, arcos_ev_fields_t *f) {
  if ((ctx->root == NULL && !ctx->fast) || ctx->use_memo)
    return ARCOS_EINTERNAL;
  memset(f, 0, sizeof *f);
  f->id = rec->id;
  f->id_len = rec->id_len;
  f->type = rec->type;
  f->type_len = rec->type_len;
  f->source = rec->source;
  f->source_len = rec->source_len;
  f->timestamp = rec->timestamp;
  f->timestamp_valid = rec->timestamp_valid;
  f->record_len = ctx->record_len;
  f->checksum_present = rec->checksum_present;
  if (ctx->fast) {
    const arcos_fj_record_t *r = &ctx->fr;
    f->data = r->canon;
    f->data_len = r->canon_len;
    f->checksum = r->checksum.kind == ARCOS_FJ_STRING ? r->checksum.s : "";
    f->checksum_len = r->checksum.kind == ARCOS_FJ_STRING ? r->checksum.len : 0;
    facts_from_fast(r, f);
  } else {
    arcos_buf_reset(&ctx->canon);
    int rc = arcos_canonical_append_with(&ctx->canon, ctx->data, &ctx->scratch);
    if (rc != ARCOS_OK)
      return rc;
    f->data = ctx->canon.data;
    f->data_len = ctx->canon.len;
    checksum_claim(ctx->checksum, &f->checksum, &f->checksum_len);
    facts_from_json(ctx->data, ctx->provenance, f);
  }
  /* The values of every path, whatever the type (a run may list other types), as the
   * reader filled them at ingestion. */
  arcos_buf_reset(&ctx->values);
  for (size_t i = 0; i < ctx->npaths; i++) {
    int rc;
    rc = arcos_buf_putc(&ctx->values, (char)ctx->vals[i].kind);
    rc = rc ? rc : arcos_buf_append(&ctx->values, &ctx->vals[i].num, 8);
    if (rc != ARCOS_OK)
      return rc;
  }
  f->rule_values = (const unsigned char *)ctx->values.data;
  f->rule_values_len = ctx->values.len;
  f->rule_paths = ctx->paths_json;
  f->rule_paths_len = ctx->paths_json_len;
  return ARCOS_OK;
}

/* An archive row keeps `data` as its canonical text: the rules' values are read from
 * it, as the text path reads them (the fast reader over {"data": text}; jansson for
 * what it declines). */
static int vals_from_canonical(arcos_evidence_ctx_t *ctx, const char *data, size_t len) {
  static const char head[] = "{\"data\": ";
  arcos_buf_reset(&ctx->envelope);
  if (arcos_buf_append(&ctx->envelope, head, sizeof head - 1) != 0 ||
      arcos_buf_append(&ctx->envelope, data, len) != 0 || arcos_buf_putc(&ctx->envelope, '}') != 0)
    return ARCOS_ENOMEM;
  if (!ctx->use_jansson &&
      arcos_fastjson_parse(ctx->fj, ctx->envelope.data, ctx->envelope.len, &ctx->fr) == ARCOS_OK) {
    ctx->vals = ctx->fr.vals;
    return ARCOS_OK;
  }
  /* A text jansson cannot hold either (none that convert writes) leaves every value
   * missing. */
  json_t *d = json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  fill_json_vals(ctx, d);
  json_decref(d);
  return ARCOS_OK;
}

int arcos_ev_from_fields(arcos_evidence_ctx_t *ctx, const arcos_ev_fields_t *f,
                         arcos_evidence_t *rec, arcos_detail_t *detail) {
  memset(rec, 0, sizeof *rec);
  rec->id = rec->type = rec->source = "";
  release_record(ctx);
  /* As arcos_ev_ingest: the length first (with this run's limit), then what parsing
   * found when the archive was made. */
  if (f->record_len > ctx->max_record_bytes)
    return arcos_detail_set(detail, ARCOS_EINVALID, NULL, 0,
                            "record is %zu bytes, over max_record_bytes %zu; split the record "
                            "or raise max_record_bytes",
                            (size_t)f->record_len, ctx->max_record_bytes);
  if (f->error_kind == ARCOS_KIND_PARSE || f->error_kind == ARCOS_KIND_INVALID)
    return arcos_detail_set(detail,
                            f->error_kind == ARCOS_KIND_PARSE ? ARCOS_EPARSE : ARCOS_EINVALID, NULL,
                            0, "%s", f->error_message != NULL ? f->error_message : "");
  if (f->id_len == 0 || f->id_len > ID_MAX_BYTES)
    return arcos_detail_set(detail, ARCOS_EINVALID, NULL, 0,
                            "archive row has an id of %zu bytes (1..%d allowed); the archive "
                            "is damaged: convert the input again",
                            f->id_len, ID_MAX_BYTES);
  rec->id = f->id;
  rec->id_len = f->id_len;
  rec->type = f->type;
  rec->type_len = f->type_len;
  rec->source = f->source;
  rec->source_len = f->source_len;
  rec->timestamp_valid = f->timestamp_valid;
  rec->timestamp = f->timestamp_valid ? f->timestamp : 0;
  rec->checksum_present = f->checksum_present;
  ctx->fields = f;
  /* The stored values when they cover our paths (a row converted under the same rules
   * or a superset); otherwise the stored canonical text is read for them, as the text
   * path reads them. Reading the text for every row cost 43 % of a run's instructions
   * over an archive (docs/performance.md). */
  if (ctx->npaths == 0 || values_from_store(ctx, f))
    return ARCOS_OK;
  return vals_from_canonical(ctx, f->data, f->data_len);
}

int arcos_ev_score(arcos_evidence_ctx_t *ctx, arcos_evidence_t *rec) {
  (void)ctx;
  rec->score = clamp_u8(rec->completeness + rec->integrity + rec->provenance + rec->freshness +
                        rec->signal);
  return ARCOS_OK;
}

int arcos_ev_alert(arcos_evidence_ctx_t *ctx, arcos_evidence_t *rec) {
  const arcos_scoring_t *sc = &ctx->scoring;
  uint8_t alerts = 0, severity = ARCOS_SEV_NONE;
  if (rec->checksum_present && !rec->verified) {
    alerts |= ARCOS_ALERT_INTEGRITY_VIOLATION;
    severity = ARCOS_SEV_CRITICAL;
  }
  if (rec->score < sc->alert_threshold) {
    alerts |= ARCOS_ALERT_LOW_QUALITY;
    if (severity < ARCOS_SEV_HIGH)
      severity = ARCOS_SEV_HIGH;
  }
  if (rec->timestamp_valid &&
      sat_sub(rec->timestamp, ctx->reference_time) > sc->future_tolerance_s) {
    alerts |= ARCOS_ALERT_CLOCK_SKEW;
    if (severity < ARCOS_SEV_MEDIUM)
      severity = ARCOS_SEV_MEDIUM;
  }
  rec->alerts = alerts;
  rec->severity = severity;
  return ARCOS_OK;
}

int arcos_ev_memo_facts(arcos_evidence_ctx_t *ctx, const arcos_evidence_t *rec,
                        arcos_ev_memo_t *out) {
  if ((ctx->root == NULL && !ctx->fast) || ctx->use_memo)
    return ARCOS_EINTERNAL; /* only a record whose `data` was parsed */
  /* Rules with more paths than a memo value holds: nothing worth remembering. */
  if (ctx->npaths > ARCOS_EV_MEMO_MAX_PATHS)
    return ARCOS_ERANGE;
  memset(out, 0, sizeof *out);
  out->verified = rec->verified;
  out->data_meaningful = ctx->fast ? ctx->fr.data_meaningful : data_meaningful(ctx->data);
  out->nvals = (uint8_t)ctx->npaths;
  if (ctx->npaths != 0)
    memcpy(out->vals, ctx->vals, ctx->npaths * sizeof *out->vals);
  return ARCOS_OK;
}

int arcos_ev_ingest_memo(arcos_evidence_ctx_t *ctx, const char *text, size_t len, size_t data_off,
                         size_t data_len, const arcos_ev_memo_t *memo, arcos_evidence_t *rec) {
  memset(rec, 0, sizeof *rec);
  rec->id = rec->type = rec->source = "";
  release_record(ctx);
  if (len > ctx->max_record_bytes || data_off > len || data_len > len - data_off)
    return ARCOS_EINVALID;
  /* The memo's values must be those of this context's rules (a memo made under more
   * paths than it holds, or under other rules, cannot stand in for `data`). */
  if (memo->nvals != ctx->npaths || ctx->npaths > ARCOS_EV_MEMO_MAX_PATHS)
    return ARCOS_ERANGE;
  /* The span is a complete JSON value (its text once parsed as `data`); any other value
   * in its place leaves the rest of the record's grammar, and so its validity and
   * every other member, unchanged. */
  arcos_buf_reset(&ctx->envelope);
  if (arcos_buf_append(&ctx->envelope, text, data_off) != 0 ||
      arcos_buf_append(&ctx->envelope, "0", 1) != 0 ||
      arcos_buf_append(&ctx->envelope, text + data_off + data_len, len - data_off - data_len) != 0)
    return ARCOS_ENOMEM;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  if (!ctx->use_jansson &&
      arcos_fastjson_parse(ctx->fj, ctx->envelope.data, ctx->envelope.len, &ctx->fr) == ARCOS_OK) {
    int rc = ingest_fast(ctx, len, rec, &d);
    if (rc != ARCOS_OK)
      return rc;
    ctx->use_memo = true;
    ctx->memo = *memo;
    ctx->vals = NULL; /* those of the placeholder: the memo's stand in */
    return ARCOS_OK;
  }
  json_t *root = json_loadb(ctx->envelope.data, ctx->envelope.len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                            NULL);
  if (root == NULL)
    return ARCOS_EPARSE;
  int rc = ingest_root(ctx, root, len, rec, &d);
  if (rc != ARCOS_OK)
    return rc;
  ctx->use_memo = true;
  ctx->memo = *memo;
  ctx->data = NULL; /* the placeholder, never read */
  ctx->vals = NULL;
  return ARCOS_OK;
}
