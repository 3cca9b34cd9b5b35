/* Inputs: expanding paths into files, planning partitions, and reading the records of
 * one partition.
 *
 * A partition is a descriptor, not data: (input, byte range) for plain JSON Lines,
 * the whole file for gzip and JSON documents. Partitions are numbered in global order
 * (input order, then position), which is what makes every output independent of the
 * rank count. Readers are a constant table of entries per format, built with designated
 * initializers (IOR's backend pattern; src/io/reader.h): this header's functions
 * dispatch through it, so no caller needs to know a format. */
#ifndef ARCOS_INPUT_H
#define ARCOS_INPUT_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/error.h"
#include "arcos/evidence.h"
#include "arcos/util.h"

typedef enum {
  ARCOS_FMT_JSONL = 0, /* .jsonl, .ndjson, and any explicitly named file of another name */
  ARCOS_FMT_JSONL_GZ,  /* .jsonl.gz, .ndjson.gz, or gzip magic */
  ARCOS_FMT_JSON,      /* .json: an array of records, {"evidence_items": [...]}, a REST
                          list body {"evidence": [...]}, or an evidence store (nodes.json) */
  ARCOS_FMT_STDIN,     /* "-": JSON Lines dealt in batches by rank 0 (streaming mode) */
  ARCOS_FMT_H5,        /* .h5, .hdf5, or HDF5 magic: an evidence archive made by convert */
  ARCOS_FMT_NULL,      /* never detected: a reader that delivers nothing (for tests) */
} arcos_format_t;

const char *arcos_format_name(int fmt);

typedef struct {
  char *path;    /* path to open */
  char *display; /* the path as given, or the file found in a directory */
  uint64_t size; /* bytes on disk */
  int format;    /* arcos_format_t */
  /* ARCOS_FMT_H5: one input per original file recorded in the archive (display is its
   * original name, size its original size); its rows are [row_first, row_first + rows)
   * of the archive at path. */
  uint64_t row_first;
  uint64_t rows;
} arcos_input_t;

typedef struct {
  uint32_t input; /* index into the plan's inputs */
  uint64_t start; /* byte range [start, end) of the file; archives: row range */
  uint64_t end;
  uint64_t weight; /* estimated work, for the assignment */
  int32_t rank;    /* rank that processes it */
} arcos_partition_t;

typedef struct {
  arcos_input_t *inputs;
  size_t ninputs;
  arcos_partition_t *parts; /* in global order */
  size_t nparts;
  uint64_t total_bytes;
  int workers; /* ranks that take partitions */
} arcos_plan_t;

typedef struct {
  uint64_t partition_bytes; /* 0 = automatic */
  uint64_t per_rank;        /* partitions per working rank */
  uint64_t max_auto_bytes;  /* cap on the automatic size (bounded memory), 0 = none */
  int workers;              /* ranks that take partitions (>= 1) */
  bool whole_documents;     /* never cut gzip and JSON documents into slices (readers that
                               take partitions on their own, without a dealer: convert) */
} arcos_plan_opts_t;

/* Rank 0: expand paths (directories recursively, every supported file in byte-wise
 * sorted path order), stat them, cut partitions, assign them largest first to the
 * least-loaded rank. Fails (ARCOS_ENOENT / ARCOS_EIO / ARCOS_EUSAGE) on a missing or
 * unreadable input path, before any work. */
int arcos_plan_build(const char *const *paths, size_t npaths, const arcos_plan_opts_t *opts,
                     arcos_plan_t *plan, arcos_detail_t *detail);
/* Collective: broadcast rank 0's plan (or its error) to every rank. On non-root ranks
 * plan must be zeroed. Returns rank 0's result code on every rank. */
int arcos_plan_bcast(MPI_Comm comm, int root_rc, arcos_plan_t *plan);
/* Frees the plan, and what the readers kept open between its partitions. */
void arcos_plan_free(arcos_plan_t *plan);
/* (Re)assign partitions to `workers` ranks, largest first onto the least loaded. */
int arcos_plan_assign(arcos_plan_t *plan, int workers);
/* The plan as bytes (appended to b) and back; used by the broadcast and the checkpoint. */
int arcos_plan_serialize(const arcos_plan_t *plan, arcos_buf_t *b);
int arcos_plan_deserialize(const char *data, size_t len, arcos_plan_t *plan);

/* One record as the reader saw it. text is borrowed until the next record. */
typedef struct {
  const char *text;
  size_t len;
  uint64_t line;   /* JSON Lines: line number relative to the partition (0-based count
                      of newlines before the record inside the partition); gzip: the
                      1-based line; JSON: the 1-based element index */
  uint64_t offset; /* byte offset of the record in the file (gzip: decompressed) */
  /* Archives: the record's pre-extracted fields (then line is the absolute original
   * line); NULL for text records. */
  const arcos_ev_fields_t *fields;
} arcos_raw_t;

/* Called for every record; returning non-zero stops the reader with that code. */
typedef int (*arcos_record_fn)(void *arg, const arcos_raw_t *rec);

typedef struct {
  uint64_t records;  /* records delivered */
  uint64_t newlines; /* JSON Lines: newlines inside [start, end) (for line numbering) */
  double io_s;       /* seconds spent reading or decompressing */
  /* In: a JSON Lines line longer than this is not held in memory (0: no limit): it is
   * read through and reported to `onerror` as ARCOS_EINVALID with its first
   * ARCOS_LONG_LINE_PREFIX bytes (arcos_line_cap gives the run's value). */
  uint64_t max_line;
} arcos_read_stats_t;

#define ARCOS_LONG_LINE_PREFIX 1024
/* A line is held in memory up to max(4 x max_record_bytes, 16 MiB): longer ones (a
 * gzip "bomb" of one line, a file with no newlines) would otherwise take memory in
 * proportion to their length. Lines between max_record_bytes and the cap are invalid
 * records as always, kept whole in the DLQ. */
uint64_t arcos_line_cap(uint64_t max_record_bytes);

/* Read one partition and call fn for each record, in order. Reader-level failures
 * (unreadable file, corrupt gzip, broken JSON document structure) are reported to
 * `onerror` as records too: the callback gets rec->text = the bytes concerned, and
 * the return value is ARCOS_EIO / ARCOS_EPARSE with detail filled; records already
 * delivered stay delivered. */
typedef int (*arcos_reader_error_fn)(void *arg, const arcos_raw_t *rec, int code,
                                     const char *message);

/* Whether a partition is one slice of a document (gzip, JSON) rather than the whole
 * file: slices are planned when more than one rank takes partitions, so that the rank
 * reading the document can deal them (docs/performance.md). Read on its own, a slice
 * reads the document up to its end and keeps the records whose offset lies in it. */
bool arcos_partition_is_slice(const arcos_plan_t *plan, const arcos_partition_t *part);

int arcos_read_partition(const arcos_plan_t *plan, const arcos_partition_t *part,
                         arcos_buf_t *scratch, arcos_record_fn fn, arcos_reader_error_fn onerror,
                         void *arg, arcos_read_stats_t *stats);

/* What a partition weighs, as its format's reader says: the bytes of memory its records
 * take while processed (bounded-memory runs), the input bytes it stands for, and how far
 * into them the reader is at its record `seq` (0-based) found at file offset `offset`
 * (progress lines). */
uint64_t arcos_input_cost(const arcos_plan_t *plan, const arcos_partition_t *part);
uint64_t arcos_input_span(const arcos_plan_t *plan, const arcos_partition_t *part);
uint64_t arcos_input_position(const arcos_plan_t *plan, const arcos_partition_t *part, uint64_t seq,
                              uint64_t offset);

/* A record's text as every stage sees it (the one place this rule is written): a UTF-8
 * byte order mark at the start of a file (offset 0) is skipped, and the CR of a \r\n
 * ending is not part of the record (nor of its size against max_record_bytes). */
void arcos_record_trim(const char **text, size_t *len, uint64_t offset);

/* Scanning a JSON document without parsing it (the parser validates each value):
 * the index past whitespace at i; the end (exclusive) of the value starting at i, by
 * bracket depth and string state — i itself when a ',', ']' or '}' stands where the
 * value belongs, n with *cut set when the text ends first. */
size_t arcos_json_skip_ws(const char *s, size_t i, size_t n);
size_t arcos_json_value_end(const char *s, size_t i, size_t n, bool *cut);

/* Records of a block of JSON Lines text held in memory (a streaming batch):
 * the same line rules as a file; line numbers start at first_line, offsets at
 * base_offset. */
int arcos_read_buffer(const char *text, size_t len, uint64_t first_line, uint64_t base_offset,
                      arcos_buf_t *scratch, arcos_record_fn fn, arcos_reader_error_fn onerror,
                      void *arg, arcos_read_stats_t *stats);

#endif
