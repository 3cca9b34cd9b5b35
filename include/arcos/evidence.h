/* The evidence model (SPEC §1, §2): one record's ingestion, analysis, scoring and
 * alert generation, plus the canonical form of `data` and its SHA-256.
 *
 * An arcos_evidence_ctx_t is created once per rank and reused for every record: it
 * owns the per-record reader (simdjson, src/evidence/fastjson.h: the record's members,
 * the canonical text of `data` and the rules' field values in one walk, nothing
 * allocated per record), the jansson tree of a record that reader declines, a
 * reusable canonical-text buffer and a reusable SHA-256 digest context. Strings in
 * arcos_evidence_t are borrowed from the context and stay valid until the next
 * arcos_ev_ingest() on it. */
#ifndef ARCOS_EVIDENCE_H
#define ARCOS_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/error.h"
#include "arcos/fieldval.h"
#include "arcos/timestamp.h"
#include "arcos/util.h"

/* Weights and thresholds of SPEC §2 (job config "scoring" object). */
typedef struct {
  int completeness_each;      /* 6: points per completeness criterion (5 criteria) */
  int integrity;              /* 25: checksum present and matching */
  int provenance_object;      /* 10: provenance is a non-empty object */
  int provenance_tool;        /* 5: ... and has a "collector" or "tool" key */
  int freshness;              /* 20: full freshness points */
  int64_t fresh_days;         /* 30: age <= this many days scores full points */
  int64_t stale_days;         /* 365: age >= this many days scores 0 */
  int64_t future_tolerance_s; /* 86400: timestamps later than ref + this: freshness 0, clock_skew */
  int signal_neutral;         /* 5: signal_unknown, when no scoring rule applies */
  int alert_threshold;        /* 50: score below this raises low_quality */
  /* The scoring rules (rules.h), borrowed: they must outlive every context made from
   * this struct. NULL: each context compiles the built-in set for itself. */
  const struct arcos_rules *rules;
} arcos_scoring_t;

void arcos_scoring_defaults(arcos_scoring_t *s);

enum {
  ARCOS_ALERT_INTEGRITY_VIOLATION = 1u << 0, /* critical */
  ARCOS_ALERT_LOW_QUALITY = 1u << 1,         /* high */
  ARCOS_ALERT_CLOCK_SKEW = 1u << 2,          /* medium */
};

typedef enum {
  ARCOS_SEV_NONE = 0,
  ARCOS_SEV_MEDIUM = 1,
  ARCOS_SEV_HIGH = 2,
  ARCOS_SEV_CRITICAL = 3,
} arcos_severity_t;

const char *arcos_severity_name(int sev); /* "medium", ...; NULL for NONE */

/* Error kinds of SPEC §4. */
typedef enum {
  ARCOS_KIND_NONE = 0,
  ARCOS_KIND_PARSE,   /* not JSON */
  ARCOS_KIND_INVALID, /* not an object / no usable id / too long */
  ARCOS_KIND_STAGE,   /* a stage failed for this record */
  ARCOS_KIND_IO,      /* transient read/write failure */
} arcos_error_kind_t;

const char *arcos_error_kind_name(int kind); /* "parse", "invalid", ... */

/* Stage names of SPEC §2, in order; used in DLQ lines and metrics. */
typedef enum {
  ARCOS_STAGE_INGESTION = 0,
  ARCOS_STAGE_ANALYSIS,
  ARCOS_STAGE_SCORING,
  ARCOS_STAGE_ALERT,
  ARCOS_STAGE_STORAGE,
  ARCOS_STAGE_COUNT
} arcos_stage_t;

const char *arcos_stage_name(int stage); /* "ingestion", "analysis", ... */

/* One record after the four compute stages. */
typedef struct {
  const char *id; /* normalised id (integers as decimal), 1..256 bytes */
  size_t id_len;
  const char *type; /* "" when absent or not a string */
  size_t type_len;
  const char *source; /* "" when absent or not a string */
  size_t source_len;
  int64_t timestamp; /* epoch seconds, fraction truncated; valid only if timestamp_valid */
  bool timestamp_valid;
  bool checksum_present; /* a non-null "checksum" member exists */
  bool verified;         /* checksum present and equal to SHA-256(canonical(data)) */
  uint8_t completeness, integrity, provenance, freshness, signal;
  uint8_t score;    /* sum of the five components, 0..100 with default weights */
  uint8_t alerts;   /* ARCOS_ALERT_* bits */
  uint8_t severity; /* highest alert severity, arcos_severity_t */
} arcos_evidence_t;

typedef struct arcos_evidence_ctx arcos_evidence_ctx_t;

/* Everything the analysis, scoring and alert stages need from one record, with no
 * JSON left to parse: what an HDF5 evidence archive stores per row (archive.h).
 * Strings are borrowed (not NUL-terminated). The values of the scoring rules' paths
 * are kept with the JSON text of those paths, so that a run whose rules read only
 * paths among them needs no JSON; a run whose rules read another path reads every
 * value from the canonical text of `data` (docs/formats.md). */
typedef struct {
  const char *id; /* normalised */
  size_t id_len;
  const char *type;
  size_t type_len;
  const char *source;
  size_t source_len;
  int64_t timestamp;
  bool timestamp_valid;
  uint64_t record_len;  /* bytes of the record's text (checked against max_record_bytes) */
  bool data_meaningful; /* `data` present and not null, "", {} or [] */
  const char *data;     /* canonical text of `data` ("null" when absent) */
  size_t data_len;
  bool checksum_present;
  const char *checksum; /* the claimed checksum when it is a string, else "" */
  size_t checksum_len;
  bool provenance_object; /* `provenance` is a non-empty object */
  bool provenance_tool;   /* ... with a "collector" or "tool" key */
  /* Per path of rule_paths (a JSON array of path strings): a kind byte and the number
   * as 8 native bytes (ARCOS_EV_VALUE_BYTES each). Empty when not stored. */
  const unsigned char *rule_values;
  size_t rule_values_len;
  const char *rule_paths;
  size_t rule_paths_len;
  /* A record that failed ingestion when the archive was made: error_kind is
   * ARCOS_KIND_PARSE or ARCOS_KIND_INVALID and error_message says why; 0 otherwise. */
  uint8_t error_kind;
  const char *error_message;
} arcos_ev_fields_t;

#define ARCOS_EV_VALUE_BYTES 9

/* The JSON array text of the context's rule paths, as arcos_ev_extract() stores them
 * in rule_paths (valid as long as the context). */
const char *arcos_ev_rule_paths(arcos_evidence_ctx_t *ctx, size_t *len);

/* scoring is copied. max_record_bytes: longer records are invalid (default 1 MiB). */
arcos_evidence_ctx_t *arcos_evidence_create(const arcos_scoring_t *scoring, int64_t reference_time,
                                            size_t max_record_bytes);
void arcos_evidence_destroy(arcos_evidence_ctx_t **ctx);

/* After a successful arcos_ev_ingest() or arcos_ev_from_fields(): the values of the
 * scoring rules' paths (arcos_rules_paths() of scoring->rules, or of the built-in set),
 * one per path in that order, read from `data` in the walk that wrote its canonical
 * form (an archive row: its stored values, or its stored canonical text). NULL and
 * *n = 0 when the record's rules read nothing from it (a memo hit, or an archive row
 * of a type no rule lists). Valid until the next ingestion on ctx. */
const arcos_fieldval_t *arcos_ev_fieldvals(const arcos_evidence_ctx_t *ctx, size_t *n);
/* Reads every record with jansson only: the oracle reader of the differential fuzz
 * target and tests. jansson cannot read what SPEC §1 adds (integers beyond 64 bits,
 * NaN / Infinity, lone surrogates, NUL in keys): those are parse errors there. */
void arcos_evidence_use_jansson(arcos_evidence_ctx_t *ctx, bool on);

/* Stage 1, ingestion: parse text[0..len) (one JSON value, surrounding whitespace and
 * a trailing CR allowed), validate and normalise into *rec. Returns 0, ARCOS_EPARSE
 * (kind parse) or ARCOS_EINVALID (kind invalid); detail->text then says what is wrong
 * (detail->source/line are left for the caller). */
int arcos_ev_ingest(arcos_evidence_ctx_t *ctx, const char *text, size_t len, arcos_evidence_t *rec,
                    arcos_detail_t *detail);
/* After a successful arcos_ev_ingest(): the record's fields for an archive, including
 * the canonical text of `data` (computed here; valid until the next call on ctx). */
int arcos_ev_extract(arcos_evidence_ctx_t *ctx, const arcos_evidence_t *rec,
                     arcos_ev_fields_t *fields);
/* Stage 1 from pre-extracted fields (an archive row) instead of text: the ingestion
 * result arcos_ev_ingest() would give for the same record, with the same return codes
 * and messages (a stored ingestion error is returned as ARCOS_EPARSE / ARCOS_EINVALID
 * with its message; a record longer than max_record_bytes is invalid). The following
 * arcos_ev_analyze() works from the fields (SHA-256 over the stored canonical text).
 * fields must stay valid until the record's stages are done. */
int arcos_ev_from_fields(arcos_evidence_ctx_t *ctx, const arcos_ev_fields_t *fields,
                         arcos_evidence_t *rec, arcos_detail_t *detail);
/* Stage 2, analysis: completeness, integrity (canonical + SHA-256), provenance,
 * freshness and type signal components. */
int arcos_ev_analyze(arcos_evidence_ctx_t *ctx, arcos_evidence_t *rec);
/* Stage 3, scoring: score = sum of the components. */
int arcos_ev_score(arcos_evidence_ctx_t *ctx, arcos_evidence_t *rec);
/* Stage 4, alert generation: alerts and severity. */
int arcos_ev_alert(arcos_evidence_ctx_t *ctx, arcos_evidence_t *rec);

/* What the checksum memo (docs/cache.md) remembers about one `data` text and one
 * claimed checksum text: the verdict and every fact the components take from `data`,
 * for every record type, so that a record repeating both texts byte for byte needs
 * neither the canonical form, nor SHA-256, nor a parse of `data`. */
#define ARCOS_EV_MEMO_MAX_PATHS 32
typedef struct {
  uint8_t verified;        /* 1: the claim is 64 lower-case hex == SHA-256(canonical) */
  uint8_t data_meaningful; /* `data` present and not null, "", {} or [] */
  /* The values at every path of the scoring rules (for every type, as the memo key
   * does not hold the type). nvals is the number of paths, or 0 when the rules have
   * more than ARCOS_EV_MEMO_MAX_PATHS: a hit then cannot stand in for `data`. */
  uint8_t nvals;
  arcos_fieldval_t vals[ARCOS_EV_MEMO_MAX_PATHS];
} arcos_ev_memo_t;

/* After a successful arcos_ev_analyze() of a text record: what the memo keeps. */
int arcos_ev_memo_facts(arcos_evidence_ctx_t *ctx, const arcos_evidence_t *rec,
                        arcos_ev_memo_t *out);
/* Stage 1 for a record whose `data` text (text[data_off .. data_off + data_len), the
 * last top-level "data" member) and claimed checksum text the memo knows: parses the
 * record with that span replaced by a placeholder, so `data` is not parsed, and the
 * following arcos_ev_analyze() takes the verdict and the data facts from *memo (copied).
 * Returns ARCOS_OK, or an error code when the envelope does not ingest: the caller
 * then ingests the whole text with arcos_ev_ingest(), which gives the exact message
 * (positions in the shortened text would differ). */
int arcos_ev_ingest_memo(arcos_evidence_ctx_t *ctx, const char *text, size_t len, size_t data_off,
                         size_t data_len, const arcos_ev_memo_t *memo, arcos_evidence_t *rec);

/* The canonical form of SPEC §1 (Python's json.dumps(v, sort_keys=True)), appended
 * to out. v == NULL is written as "null" (an absent `data` member). */
int arcos_canonical_append(arcos_buf_t *out, const json_t *v);

/* Python repr() of a double: shortest round-trip digits; exponent form when the
 * decimal exponent is < -4 or >= 16 ("1e-07", "1.5e+300"), otherwise positional with
 * ".0" on integral values ("100.0", "-0.0"). Writes a NUL-terminated string into
 * out (at least 32 bytes) and returns its length. NaN/inf as Python: "NaN", "Infinity". */
size_t arcos_format_double(double d, char *out);

/* SHA-256 of data as 64 lowercase hex characters plus NUL, through the context's
 * reused digest context. */
int arcos_ev_sha256_hex(arcos_evidence_ctx_t *ctx, const void *data, size_t len, char hex[65]);

#endif
