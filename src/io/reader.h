/* The reader table: one constant entry per input format, built with designated
 * initializers (IOR's aiori.h backends are the model), and the little that the
 * entries share. The planner (input.c) and everything else reach a format only through
 * arcos_reader_of(), so a new container is one new entry, not a new `switch` case in
 * every module that cares about formats.
 *
 * The entries live beside their readers: JSON Lines, gzip and stdin in lines.c, JSON
 * documents (arrays, workload objects, REST list bodies, evidence stores) in jsondoc.c,
 * HDF5 evidence archives in archive.c, the do-nothing reader in reader.c. input.c does
 * not include archive.h: the archive reader is known to it only through this table. */
#ifndef ARCOS_IO_READER_H
#define ARCOS_IO_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "arcos/input.h"

/* The inputs being collected by the planner, in global order. */
typedef struct {
  arcos_input_t *v;
  size_t n, cap;
  uint64_t row_quantum; /* smallest chunk_rows of the archives seen (0: none) */
} arcos_input_list_t;

/* Append one input (copies of path and display). */
int arcos_input_list_push(arcos_input_list_t *l, const char *path, const char *display,
                          uint64_t size, int format);

/* How the planner cuts inputs: target sizes it computed from all inputs. */
typedef struct {
  uint64_t target_bytes; /* a byte-range partition's size */
  uint64_t target_rows;  /* a row-range partition's size (a multiple of the row quantum) */
  /* Documents (gzip, JSON) are cut into slices only when more than one rank takes
   * partitions: the rank that reads one deals its slices to the others (run/bigdoc.c). */
  int workers;
  uint64_t slice_bytes;    /* --partition-bytes when given: a slice's width; 0 = automatic */
  uint64_t max_auto_bytes; /* cap on the automatic width (bounded memory), 0 = none */
} arcos_cut_t;

typedef struct arcos_reader {
  const char *name; /* as in progress lines and reports: "jsonl", "h5", ... */
  int format;       /* arcos_format_t */
  /* Whether `path` is this format: by its name, or (named: given on the command line,
   * not found in a directory) also by its content. NULL: never detected (stdin, null). */
  bool (*detect)(const char *path, bool named);
  /* The inputs a file of this format stands for (NULL: one input, the file itself). */
  int (*expand)(arcos_input_list_t *list, const char *path, uint64_t size, arcos_detail_t *d);
  /* Partitions of one input: their number when out is NULL, else fill out[0..n). */
  uint64_t (*plan)(const arcos_input_t *in, const arcos_cut_t *cut, arcos_partition_t *out);
  /* Read one partition: every record to fn, reader failures to onerror (input.h). */
  int (*read)(const arcos_input_t *in, const arcos_partition_t *part, arcos_buf_t *scratch,
              arcos_record_fn fn, arcos_reader_error_fn onerror, void *arg,
              arcos_read_stats_t *stats);
  /* Bytes of memory the records of a partition take while it is processed. */
  uint64_t (*cost)(const arcos_input_t *in, const arcos_partition_t *part);
  /* Progress: the input bytes a partition stands for, and how far into them the
   * reader is at record `seq` (0-based) found at file offset `offset`. */
  uint64_t (*span)(const arcos_input_t *in, const arcos_partition_t *part);
  uint64_t (*position)(const arcos_input_t *in, const arcos_partition_t *part, uint64_t seq,
                       uint64_t offset);
  /* Drop what the entry keeps from one partition to the next (an open archive and its
   * buffers); NULL: it keeps nothing. Called through arcos_readers_release. */
  void (*release)(void);
  bool byte_ranges; /* its size counts toward the automatic partition size */
  bool row_ranges;  /* its rows count toward the automatic row-range size */
  bool slices;      /* a document that may be planned as slices (arcos_plan_slices) */
} arcos_reader_t;

/* The entry of a format; the null reader for an unknown one (reads nothing). */
const arcos_reader_t *arcos_reader_of(int format);
/* Every entry's release (the plan is freed: the partitions are read). */
void arcos_readers_release(void);
/* The format of a path, -1 when no entry claims it (named: see detect). */
int arcos_reader_detect(const char *path, bool named);

/* The entries (defined beside their readers). */
extern const arcos_reader_t arcos_reader_jsonl;
extern const arcos_reader_t arcos_reader_jsonl_gz;
extern const arcos_reader_t arcos_reader_json;
extern const arcos_reader_t arcos_reader_stdin;
extern const arcos_reader_t arcos_reader_h5;
extern const arcos_reader_t arcos_reader_null;

/* Shared by the entries. */
bool arcos_path_ends_with(const char *s, const char *suffix);
/* Whether the file starts with the n bytes of magic. */
bool arcos_file_has_magic(const char *path, const void *magic, size_t n);
/* One partition covering the whole input (gzip, JSON documents). */
uint64_t arcos_plan_whole(const arcos_input_t *in, const arcos_cut_t *cut, arcos_partition_t *out);
/* A document of about doc_bytes bytes (decompressed) as slices: partitions
 * [k*w, (k+1)*w) of record offsets, the last one open-ended (end UINT64_MAX), so that
 * every record of the document falls in exactly one slice whatever the estimate was.
 * One whole-file partition when it is not worth cutting (one worker, a small document).
 * weight_per_byte scales the weights. Returns the number of partitions (out may be NULL). */
uint64_t arcos_plan_slices(const arcos_input_t *in, const arcos_cut_t *cut, uint64_t doc_bytes,
                           uint64_t weight_per_byte, arcos_partition_t *out);
/* Progress of a byte range: the bytes it covers, and offset - start. */
uint64_t arcos_span_bytes(const arcos_input_t *in, const arcos_partition_t *part);
uint64_t arcos_position_bytes(const arcos_input_t *in, const arcos_partition_t *part, uint64_t seq,
                              uint64_t offset);
/* The memory cost of a byte range: about half its bytes once parsed. */
uint64_t arcos_cost_half(const arcos_input_t *in, const arcos_partition_t *part);
/* Whether the file at in->path is no longer the size the plan saw (or is gone). */
bool arcos_input_path_changed(const arcos_input_t *in);

#endif
