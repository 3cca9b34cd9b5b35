/* Deterministic synthetic evidence (`arcos-scale generate`, SPEC §9): realistic
 * records of every type, with duplicates, bad lines, tampered checksums and clock skew
 * at chosen rates, plus a manifest whose counts say exactly what a run must find.
 *
 * Same options -> byte-identical records on every machine: the generator has its own
 * PRNG (xoshiro256** seeded per line through splitmix64), builds every real from an
 * integer and a power of ten (never libm), and prints reals as Python's repr does
 * (arcos_format_double). Checksums are SHA-256 of arcos_canonical_append(data).
 * Memory is bounded: only a small pool of earlier records is kept to draw duplicates
 * from. Records are compact JSON, members in the order id, type, source, timestamp,
 * data, provenance, checksum, strings in UTF-8. */
#ifndef ARCOS_GENERATE_H
#define ARCOS_GENERATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arcos/error.h"
#include "arcos/util.h"

typedef enum {
  ARCOS_GEN_JSONL = 0, /* one record per line */
  ARCOS_GEN_JSONL_GZ,  /* the same, gzip-compressed */
  ARCOS_GEN_JSON,      /* a JSON array, one record per line inside */
  ARCOS_GEN_ITEMS,     /* the seed's {"evidence_items": [...]} object, one record per line */
} arcos_gen_format_t;

const char *arcos_gen_format_name(int format);      /* "jsonl", "jsonl.gz", "json", "items" */
const char *arcos_gen_format_extension(int format); /* ".jsonl", ".jsonl.gz", ".json", ".json" */

typedef struct {
  uint64_t records;           /* lines written in all, duplicates and bad lines included */
  double duplicate_rate;      /* 0.05: share of lines that repeat the id of an earlier record */
  double bad_rate;            /* 0.01: share of lines that are not valid records */
  double tamper_rate;         /* 0.02: share of records whose checksum has one digit changed */
  double payload_repeat_rate; /* 0: share of records whose `data` repeats one of 16
                               * earlier payloads of the same type (the checksum memo's case) */
  uint64_t payload_bytes;     /* 0: off; else object payloads grow to about this size */
  uint64_t seed;              /* 1 */
  arcos_gen_format_t format;  /* ARCOS_GEN_JSONL */
  int files;                  /* 1: split into this many files, contiguous, in order */
  int64_t end_time;           /* 2026-11-01T00:00:00Z: timestamps lie in the 2 years before */
  /* Graph (docs/graph.md); none of these changes the evidence output. */
  uint64_t graph_nodes; /* 0: no graph; else an assurance graph of about this many nodes */
  int graph_kind;       /* ARCOS_GEN_GRAPH_ASSURANCE or ARCOS_GEN_GRAPH_RMAT */
  int scale;            /* R-MAT: 2^scale vertices (default 16) */
  int edge_factor;      /* R-MAT: edges per vertex (default 16) */
} arcos_gen_options_t;

enum { ARCOS_GEN_GRAPH_ASSURANCE = 0, ARCOS_GEN_GRAPH_RMAT = 1 };

void arcos_gen_options_default(arcos_gen_options_t *opt);

/* What a line is. Bad kinds up to ARCOS_GEN_BAD_NOT_JSON are `parse` errors, the rest
 * `invalid`; JSON-array formats only use invalid kinds (a parse error there would
 * break the whole array). */
typedef enum {
  ARCOS_GEN_RECORD = 0,      /* a valid record with a new id: stored under exactly-once */
  ARCOS_GEN_DUP_EXACT,       /* a byte-exact copy of an earlier valid record */
  ARCOS_GEN_DUP_CHANGED,     /* an earlier valid record's id with other data */
  ARCOS_GEN_BAD_TRUNCATED,   /* a record cut short */
  ARCOS_GEN_BAD_TRAILING,    /* a record followed by garbage */
  ARCOS_GEN_BAD_NOT_JSON,    /* text that is no JSON at all */
  ARCOS_GEN_BAD_ARRAY,       /* valid JSON, not an object: an array */
  ARCOS_GEN_BAD_NUMBER,      /* ... a number */
  ARCOS_GEN_BAD_STRING,      /* ... a string */
  ARCOS_GEN_BAD_MISSING_ID,  /* an object without "id" */
  ARCOS_GEN_BAD_ID_NULL,     /* "id": null */
  ARCOS_GEN_BAD_ID_FLOAT,    /* "id": 12.5 */
  ARCOS_GEN_BAD_ID_BOOL,     /* "id": true/false */
  ARCOS_GEN_BAD_ID_EMPTY,    /* "id": "" */
  ARCOS_GEN_BAD_ID_TOO_LONG, /* a 300-byte id (the limit is 256) */
  ARCOS_GEN_KIND_COUNT
} arcos_gen_kind_t;

const char *arcos_gen_kind_name(int kind); /* "record", "duplicate_exact", "truncated", ... */
bool arcos_gen_kind_is_parse_error(int kind);
bool arcos_gen_kind_is_bad(int kind);

/* Counts over everything generated so far. The per-record properties (tampered,
 * no_checksum, clock_skew, ...) count only the records that a run stores: the first
 * occurrence of every id (kind ARCOS_GEN_RECORD). */
typedef struct {
  uint64_t lines;
  uint64_t kinds[ARCOS_GEN_KIND_COUNT]; /* lines of each arcos_gen_kind_t */
  uint64_t unique_ids;                  /* == kinds[ARCOS_GEN_RECORD] */
  uint64_t duplicates;                  /* exact + changed */
  uint64_t bad_parse, bad_invalid;
  uint64_t verified;          /* checksum present and correct */
  uint64_t tampered;          /* checksum present, one hex digit changed */
  uint64_t no_checksum;       /* no checksum member */
  uint64_t clock_skew;        /* timestamp 2..10 days after end_time */
  uint64_t invalid_timestamp; /* timestamp present but not RFC 3339 */
  uint64_t types[7];          /* test_result, coverage, security_scan, static_analysis,
                                 code_review, build, other */
} arcos_gen_counts_t;

/* One generated line. */
typedef struct {
  arcos_gen_kind_t kind;
  uint64_t line; /* 1-based position in the whole output */
} arcos_gen_line_t;

typedef struct arcos_gen arcos_gen_t;

/* opt is copied. Returns NULL when out of memory. Options must be valid
 * (arcos_gen_options_check). */
arcos_gen_t *arcos_gen_create(const arcos_gen_options_t *opt);
void arcos_gen_destroy(arcos_gen_t **gen);

/* Replace the contents of line with the next line's text (no newline; NUL-terminated)
 * and describe it in *info (may be NULL). Returns 0, ARCOS_ERANGE after the last line,
 * or ARCOS_ENOMEM. */
int arcos_gen_next(arcos_gen_t *gen, arcos_buf_t *line, arcos_gen_line_t *info);

/* Counts so far (borrowed, valid until destroy). */
const arcos_gen_counts_t *arcos_gen_counts(const arcos_gen_t *gen);

/* Lines that file `index` of opt->files holds (contiguous, near-equal split). */
uint64_t arcos_gen_file_records(const arcos_gen_options_t *opt, int index);
/* Name of file `index`: "evidence.jsonl" for one file, else "evidence-000.jsonl"...
 * (zero-padded so byte-wise order is file order). out has room for 64 bytes. */
void arcos_gen_file_name(const arcos_gen_options_t *opt, int index, char *out);

/* Check option values; on error fill detail naming the flag and return ARCOS_EUSAGE. */
int arcos_gen_options_check(const arcos_gen_options_t *opt, arcos_detail_t *detail);

/* The manifest object ("new" reference): args, lines, unique_ids, duplicates,
 * bad_lines {total, parse, invalid, kinds}, tampered, no_checksum, clock_skew, files. */
json_t *arcos_gen_manifest(const arcos_gen_options_t *opt, const arcos_gen_counts_t *counts);

/* Generate everything. out_dir "-" writes the records to `out` (one stream, no
 * manifest; requires files == 1); otherwise out_dir is created if missing and gets the
 * evidence file(s) and manifest.json, each written under a temporary name and renamed
 * when complete. Files of the same names are replaced; other evidence* files in
 * out_dir (an earlier run with other --files or --format) are refused with
 * ARCOS_EEXISTS. counts (may be NULL) receives the final counts. */
int arcos_generate(const arcos_gen_options_t *opt, const char *out_dir, FILE *out,
                   arcos_gen_counts_t *counts, arcos_detail_t *detail);

/* Write the graph the options ask for into out_dir/graph/ (nodes.jsonl,
 * relationships.jsonl, each under a temporary name, renamed when complete). The
 * assurance graph's Evidence nodes carry the ids of the records a run stores (string
 * ids, first occurrences), re-derived by running the record generator again, so the
 * evidence files are untouched. Returns 0 or ARCOS_EIO / ARCOS_ENOMEM with detail. */
int arcos_gen_graph(const arcos_gen_options_t *opt, const char *out_dir, arcos_detail_t *detail);

#endif
