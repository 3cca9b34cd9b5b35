/* HDF5 evidence archives: `arcos-scale convert` turns evidence inputs into one HDF5
 * file whose rows hold every record already parsed, validated and reduced to what the
 * analysis, scoring and alert stages need (arcos_ev_fields_t), so that `run` over the
 * archive needs no JSON parsing. Invalid records are kept with their raw text and
 * error, so a run over the archive dead-letters the same records as one over the
 * inputs. Schema: docs/formats.md, "HDF5 evidence archives".
 *
 * Writing is collective (every rank reads its partitions of the run's plan and all
 * ranks write their rows in global order: chunked, deflate-compressed columns);
 * reading is per rank, by row ranges, through the input module's reader table. */
#ifndef ARCOS_ARCHIVE_H
#define ARCOS_ARCHIVE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/error.h"
#include "arcos/input.h"

#define ARCOS_ARCHIVE_FORMAT "arcos-evidence-archive"
/* Version 2 replaced the fixed signal-input columns by the values of the scoring
 * rules' paths (rule_values, with the root attribute rule_paths). */
#define ARCOS_ARCHIVE_VERSION 2
#define ARCOS_ARCHIVE_VERSION_MIN 1

typedef struct {
  uint64_t chunk_rows;     /* rows per chunk of the row columns (default 65536) */
  uint64_t chunk_bytes;    /* bytes per chunk of string data (default 1 MiB) */
  int deflate;             /* deflate level 0..9 (default 6) */
  int data_deflate;        /* level for /records/data_chars; -1 (default): `deflate` */
  size_t max_record_bytes; /* longer records are stored as invalid (default 1 MiB) */
  uint64_t per_rank;       /* partitions per rank when reading the inputs (default 4) */
} arcos_convert_opts_t;

void arcos_convert_defaults(arcos_convert_opts_t *o);

typedef struct {
  uint64_t records; /* rows written */
  uint64_t errors;  /* rows holding an invalid or unreadable record */
  uint64_t inputs;  /* input files */
  uint64_t input_bytes;
  double read_s;  /* slowest rank: reading, parsing, extracting */
  double write_s; /* collective HDF5 writing */
} arcos_convert_stats_t;

/* Collective over comm: read the inputs (files, directories; not archives) with the
 * run's planning and readers, and write the archive to `out` (under a temporary name
 * in the same directory, renamed when complete). Returns 0 or an ARCOS_E* code, the
 * same on every rank; rank 0's detail says why. */
int arcos_archive_convert(MPI_Comm comm, const char *const *inputs, size_t ninputs,
                          const arcos_convert_opts_t *opts, const char *out,
                          arcos_convert_stats_t *stats, arcos_detail_t *detail);

/* One input file recorded in an archive: its rows are [first_row, first_row + rows). */
typedef struct {
  char *display; /* the path as given to convert, or the file found in a directory */
  uint64_t size; /* bytes of the original input */
  int format;    /* arcos_format_t of the original input */
  uint64_t first_row;
  uint64_t rows;
} arcos_archive_source_t;

typedef struct {
  uint64_t records;
  uint64_t chunk_rows;
  arcos_archive_source_t *sources;
  size_t nsources;
} arcos_archive_info_t;

/* Open `path` and check that it is an archive this build reads, whose declared sizes
 * match its datasets. ARCOS_EINVALID with a message naming the problem otherwise. */
int arcos_archive_probe(const char *path, arcos_archive_info_t *info, arcos_detail_t *detail);
void arcos_archive_info_free(arcos_archive_info_t *info);

/* Read archive rows [first, end) in order. A valid row is delivered to fn with
 * rec->fields set (text empty); a row holding an ingestion error to fn with
 * rec->fields->error_kind set and rec->text its raw text; a row holding a reader
 * error (unreadable file, broken JSON document) to onerror with its code and message,
 * as the original reader did. Unreadable rows (a damaged file) go to onerror as
 * ARCOS_EIO, one per row, so that every row is accounted for. */
int arcos_archive_read_rows(const char *path, uint64_t first, uint64_t end, arcos_record_fn fn,
                            arcos_reader_error_fn onerror, void *arg, arcos_read_stats_t *stats);

#endif
