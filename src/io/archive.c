/* HDF5 evidence archives: probing and row-range reading (writing is io/convert.c).
 * See include/arcos/archive.h and docs/formats.md ("HDF5 evidence archives").
 *
 * (Convert, in io/convert.c: rank 0 plans the inputs exactly as `run` does and broadcasts the plan;
 * every rank reads its partitions with the run's readers, ingests each record once
 * (arcos_ev_ingest) and keeps its fields (arcos_ev_extract) in per-column buffers;
 * JSON Lines line numbers are made absolute with one MPI_Allreduce of per-partition
 * newline counts, and each partition's first row with one MPI_Allreduce of per-partition
 * row counts (prefix sums). Then every column is written collectively (arcos_h5, one
 * H5Dwrite per dataset, chunked + deflate), rows in global order, so the file's content
 * does not depend on the number of ranks. The file is written as DIR/.NAME.tmp and
 * renamed by rank 0 when closed.)
 *
 * Reading: rows are read in slices of at most SLICE_ROWS rows that never straddle a
 * chunk of the row columns, every column of a slice with one read; a column's values
 * are handed out where they lie in its decoded chunk when they can be (arcos_h5r_view),
 * copied otherwise; string columns are checked (offsets contiguous, inside their
 * chars) before any row of the slice is delivered. */
#include "arcos/archive.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/evidence.h"
#include "arcos/h5.h"
#include "arcos/outfile.h"
#include "arcos/util.h"
#include "io/archive_columns.h"
#include "io/reader.h"

/* ---- The /records columns ---- */

const arcos_archive_col_t arcos_archive_cols[C_COUNT] = {
    [C_INPUT] = {"input", ARCOS_H5_U32, 4},
    [C_LINE] = {"line", ARCOS_H5_U64, 8},
    [C_OFFSET] = {"byte_offset", ARCOS_H5_U64, 8},
    [C_LENGTH] = {"length", ARCOS_H5_U64, 8},
    [C_ERROR_KIND] = {"error_kind", ARCOS_H5_U8, 1},
    [C_ERROR_READER] = {"error_reader", ARCOS_H5_U8, 1},
    [C_ID] = {"id", T_STRING, 0},
    [C_TYPE] = {"type", T_STRING, 0},
    [C_SOURCE] = {"source", T_STRING, 0},
    [C_TIMESTAMP] = {"timestamp", ARCOS_H5_I64, 8},
    [C_TIMESTAMP_VALID] = {"timestamp_valid", ARCOS_H5_U8, 1},
    [C_DATA] = {"data", T_STRING, 0},
    [C_DATA_MEANINGFUL] = {"data_meaningful", ARCOS_H5_U8, 1},
    [C_CHECKSUM] = {"checksum", T_STRING, 0},
    [C_CHECKSUM_PRESENT] = {"checksum_present", ARCOS_H5_U8, 1},
    [C_PROVENANCE_OBJECT] = {"provenance_object", ARCOS_H5_U8, 1},
    [C_PROVENANCE_TOOL] = {"provenance_tool", ARCOS_H5_U8, 1},
    [C_RULE_VALUES] = {"rule_values", T_STRING, 0},
    [C_ERROR_MESSAGE] = {"error_message", T_STRING, 0},
    [C_RAW] = {"raw", T_STRING, 0},
};

void arcos_archive_info_free(arcos_archive_info_t *info) {
  for (size_t i = 0; i < info->nsources; i++)
    free(info->sources[i].display);
  free(info->sources);
  memset(info, 0, sizeof *info);
}

static int bad(arcos_detail_t *d, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(arcos_detail_t *d, const char *path, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                          "%s; the archive is damaged or was not written by arcos-scale "
                          "convert: convert the inputs again",
                          msg);
}

/* A string column of n rows: its three datasets have the right lengths and the last
 * row ends at the end of the chars. */
static int check_string_column(arcos_h5r_t *h, const char *path, const char *group,
                               const char *name, uint64_t n, arcos_detail_t *d) {
  char ds[3][160];
  snprintf(ds[0], sizeof ds[0], "%s/%s_chars", group, name);
  snprintf(ds[1], sizeof ds[1], "%s/%s_offset", group, name);
  snprintf(ds[2], sizeof ds[2], "%s/%s_length", group, name);
  uint64_t len[3];
  for (int k = 0; k < 3; k++) {
    int rc = arcos_h5r_length(h, ds[k], &len[k]);
    if (rc != ARCOS_OK)
      return arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                              "%s; the archive is damaged or was not written by arcos-scale "
                              "convert",
                              arcos_h5r_errmsg(h));
  }
  for (int k = 1; k < 3; k++)
    if (len[k] != n)
      return bad(d, path, "%s has %" PRIu64 " rows, the archive declares %" PRIu64, ds[k], len[k],
                 n);
  uint64_t end = 0;
  if (n > 0) {
    uint64_t off = 0;
    uint32_t l = 0;
    if (arcos_h5r_read(h, ds[1], ARCOS_H5_U64, n - 1, 1, &off) != ARCOS_OK ||
        arcos_h5r_read(h, ds[2], ARCOS_H5_U32, n - 1, 1, &l) != ARCOS_OK)
      return arcos_detail_set(d, ARCOS_EINVALID, path, 0, "%s", arcos_h5r_errmsg(h));
    end = off + l;
  }
  if (end != len[0])
    return bad(d, path, "%s holds %" PRIu64 " bytes, its rows end at byte %" PRIu64, ds[0], len[0],
               end);
  return ARCOS_OK;
}

/* arcos_archive_probe; with keep non-NULL, an archive that passes stays open in *keep. */
static int probe(const char *path, arcos_archive_info_t *info, arcos_detail_t *d,
                 arcos_h5r_t **keep) {
  memset(info, 0, sizeof *info);
  arcos_h5r_t *h = NULL;
  char err[512] = "";
  int rc = arcos_h5r_open_msg(path, &h, err, sizeof err);
  if (rc != ARCOS_OK)
    return arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                            "cannot read as an HDF5 evidence archive: %s", err);
  char *fmt = NULL;
  int64_t version = 0, records = 0, ninputs = 0, chunk = 0;
  if (arcos_h5r_attr_string(h, "/", "arcos_format", &fmt) != ARCOS_OK ||
      strcmp(fmt, ARCOS_ARCHIVE_FORMAT) != 0) {
    rc = arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                          "is an HDF5 file but not an arcos-scale evidence archive (no "
                          "attribute arcos_format = \"%s\"); make one with arcos-scale convert",
                          ARCOS_ARCHIVE_FORMAT);
    goto out;
  }
  if (arcos_h5r_attr_i64(h, "/", "arcos_format_version", &version) != ARCOS_OK ||
      version < ARCOS_ARCHIVE_VERSION_MIN || version > ARCOS_ARCHIVE_VERSION) {
    rc = arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                          "archive format version %" PRId64 " is not supported (this build "
                          "reads versions %d to %d); convert the inputs again with this build",
                          version, ARCOS_ARCHIVE_VERSION_MIN, ARCOS_ARCHIVE_VERSION);
    goto out;
  }
  if (arcos_h5r_attr_i64(h, "/", "records", &records) != ARCOS_OK ||
      arcos_h5r_attr_i64(h, "/", "inputs", &ninputs) != ARCOS_OK ||
      arcos_h5r_attr_i64(h, "/", "chunk_rows", &chunk) != ARCOS_OK || records < 0 || ninputs < 0 ||
      chunk <= 0) {
    rc = arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                          "archive attributes records/inputs/chunk_rows are missing or "
                          "negative; the archive is damaged: convert the inputs again");
    goto out;
  }
  uint64_t n = (uint64_t)records;
  for (int k = 0; k < C_COUNT; k++) {
    if (k == C_RULE_VALUES && version < 2)
      continue; /* version 1: scored from the stored `data` (docs/formats.md) */
    if (arcos_archive_cols[k].type == T_STRING) {
      rc = check_string_column(h, path, "/records", arcos_archive_cols[k].name, n, d);
    } else {
      char ds[128];
      snprintf(ds, sizeof ds, "/records/%s", arcos_archive_cols[k].name);
      uint64_t len = 0;
      rc = arcos_h5r_length(h, ds, &len);
      if (rc != ARCOS_OK)
        rc = arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                              "%s; the archive is damaged or was not written by arcos-scale "
                              "convert",
                              arcos_h5r_errmsg(h));
      else if (len != n)
        rc = bad(d, path, "%s has %" PRIu64 " rows, the archive declares %" PRIu64, ds, len, n);
    }
    if (rc != ARCOS_OK)
      goto out;
  }
  /* The /inputs table: rows of consecutive inputs tile /records. */
  uint64_t ni = (uint64_t)ninputs;
  rc = check_string_column(h, path, "/inputs", "path", ni, d);
  if (rc != ARCOS_OK)
    goto out;
  info->sources = calloc(ni + 1, sizeof *info->sources);
  uint64_t *u = calloc(3 * ni + 1, sizeof *u);
  uint8_t *f8 = calloc(ni + 1, 1);
  uint64_t *poff = calloc(ni + 1, sizeof *poff);
  uint32_t *plen = calloc(ni + 1, sizeof *plen);
  uint64_t clen = 0;
  arcos_h5r_length(h, "/inputs/path_chars", &clen);
  char *chars = malloc(clen + 1);
  if (info->sources == NULL || u == NULL || f8 == NULL || poff == NULL || plen == NULL ||
      chars == NULL) {
    rc = ARCOS_ENOMEM;
  } else {
    info->nsources = ni;
    const char *cols[3] = {"/inputs/size", "/inputs/first_row", "/inputs/rows"};
    for (int k = 0; k < 3 && rc == ARCOS_OK; k++) {
      uint64_t len = 0;
      if (arcos_h5r_length(h, cols[k], &len) != ARCOS_OK || len != ni ||
          arcos_h5r_read(h, cols[k], ARCOS_H5_U64, 0, ni, u + (size_t)k * ni) != ARCOS_OK)
        rc = bad(d, path, "%s is missing or does not have %" PRIu64 " rows (%" PRIu64 ")", cols[k],
                 ni, len);
    }
    uint64_t flen = 0;
    if (rc == ARCOS_OK &&
        (arcos_h5r_length(h, "/inputs/format", &flen) != ARCOS_OK || flen != ni ||
         arcos_h5r_read(h, "/inputs/format", ARCOS_H5_U8, 0, ni, f8) != ARCOS_OK ||
         arcos_h5r_read(h, "/inputs/path_offset", ARCOS_H5_U64, 0, ni, poff) != ARCOS_OK ||
         arcos_h5r_read(h, "/inputs/path_length", ARCOS_H5_U32, 0, ni, plen) != ARCOS_OK ||
         arcos_h5r_read(h, "/inputs/path_chars", ARCOS_H5_CHAR, 0, clen, chars) != ARCOS_OK))
      rc = bad(d, path, "%s cannot be read (%" PRIu64 " of %" PRIu64 " rows)", "/inputs", flen, ni);
    uint64_t next = 0;
    for (uint64_t i = 0; i < ni && rc == ARCOS_OK; i++) {
      arcos_archive_source_t *s = &info->sources[i];
      s->size = u[i];
      s->first_row = u[ni + i];
      s->rows = u[2 * ni + i];
      s->format = f8[i];
      if (s->first_row != next || s->rows > n - next) {
        rc = bad(d, path, "%s: an input's rows start at %" PRIu64 ", expected %" PRIu64,
                 "/inputs/first_row", s->first_row, next);
        break;
      }
      next += s->rows;
      if (poff[i] > clen || plen[i] > clen - poff[i]) {
        rc = bad(d, path, "%s: a path lies outside its %" PRIu64 " bytes (%" PRIu64 ")",
                 "/inputs/path", clen, poff[i]);
        break;
      }
      s->display = strndup(chars + poff[i], plen[i]);
      if (s->display == NULL)
        rc = ARCOS_ENOMEM;
    }
    if (rc == ARCOS_OK && next != n)
      rc = bad(d, path, "%s: the inputs hold %" PRIu64 " rows, the archive declares %" PRIu64,
               "/inputs/rows", next, n);
  }
  free(u);
  free(f8);
  free(poff);
  free(plen);
  free(chars);
  info->records = n;
  info->chunk_rows = (uint64_t)chunk;
out:
  free(fmt);
  if (rc == ARCOS_OK && keep != NULL) {
    *keep = h;
    h = NULL;
  }
  arcos_h5r_close(&h);
  if (rc != ARCOS_OK)
    arcos_archive_info_free(info);
  return rc;
}

int arcos_archive_probe(const char *path, arcos_archive_info_t *info, arcos_detail_t *d) {
  return probe(path, info, d, NULL);
}

/* ---- Reading rows ---- */

/* Rows per slice: the slice's values stay in the caches between decoding and use, and
 * the reader's buffers are a few MB, not one chunk of every column (about 23 MB at 65,536
 * rows, each page a fault; docs/performance.md, "The archive reader, per record"). */
#define SLICE_ROWS 2048

typedef struct {
  arcos_buf_t v;       /* values (numeric) or chars (string) when they are copied */
  const char *p;       /* the slice's values or chars: v.data or a view into a chunk */
  uint64_t *off;       /* string offsets of the slice */
  const uint32_t *len; /* string lengths of the slice: lbuf or a view */
  uint32_t *lbuf;
  bool have_next;    /* next_off is known (the rows before next_row were read) */
  uint64_t next_off; /* offset of row next_row */
  uint64_t next_row; /* the row after the last one read */
} rcol_t;

/* Elements [first, first + n) of dataset ds into *out: where they lie in its decoded
 * chunk when they can be, else read into buf, which holds n of them. */
static int read_or_view(arcos_h5r_t *h, const char *ds, arcos_h5_type_t type, uint64_t first,
                        uint64_t n, void *buf, const void **out) {
  int rc = arcos_h5r_view(h, ds, type, first, n, out);
  if (rc != 1)
    return rc;
  *out = buf;
  return arcos_h5r_read(h, ds, type, first, n, buf);
}

/* Read one string column's rows [first, first + n) into c. Only the first offset of a
 * row range is read (reading any offset inflates its whole chunk): the rows are
 * contiguous (offset[i + 1] == offset[i] + length[i], which the
 * writer guarantees and the probe checks at the end), so the others follow from the
 * lengths, and the chars read is bounded by the dataset (a damaged length fails it). */
static int read_string_slice(arcos_h5r_t *h, const char *name, uint64_t first, uint64_t n,
                             rcol_t *c, char *err, size_t errn) {
  char ds[128];
  snprintf(ds, sizeof ds, "/records/%s_offset", name);
  int rc = ARCOS_OK;
  if (c->have_next && c->next_row == first)
    c->off[0] = c->next_off;
  else if (n > 0)
    rc = arcos_h5r_read(h, ds, ARCOS_H5_U64, first, 1, c->off);
  snprintf(ds, sizeof ds, "/records/%s_length", name);
  const void *p = NULL;
  if (rc == ARCOS_OK)
    rc = read_or_view(h, ds, ARCOS_H5_U32, first, n, c->lbuf, &p);
  c->len = p;
  if (rc != ARCOS_OK) {
    snprintf(err, errn, "%s", arcos_h5r_errmsg(h));
    return rc;
  }
  for (uint64_t i = 0; i + 1 < n; i++)
    c->off[i + 1] = c->off[i] + c->len[i];
  uint64_t bytes = n > 0 ? c->off[n - 1] + c->len[n - 1] - c->off[0] : 0;
  arcos_buf_reset(&c->v);
  if (arcos_buf_reserve(&c->v, (size_t)bytes + 1) != ARCOS_OK)
    return ARCOS_ENOMEM;
  snprintf(ds, sizeof ds, "/records/%s_chars", name);
  p = c->v.data;
  if (bytes > 0) {
    rc = read_or_view(h, ds, ARCOS_H5_CHAR, c->off[0], bytes, c->v.data, &p);
    if (rc != ARCOS_OK) {
      snprintf(err, errn, "%s", arcos_h5r_errmsg(h));
      return rc;
    }
  }
  c->p = p;
  c->next_off = c->off[0] + bytes;
  c->next_row = first + n;
  c->have_next = true;
  return ARCOS_OK;
}

/* Rows [row, row + n) cannot be read (a damaged chunk): each becomes one io error
 * record, with its line and byte offset when those columns can still be read (else
 * line 0 and the row number as byte offset), so that every row is accounted for. */
static int damaged_rows(arcos_h5r_t *h, const char *path, uint64_t row, uint64_t n, const char *err,
                        arcos_reader_error_fn onerror, void *arg, arcos_read_stats_t *st,
                        arcos_buf_t *lines, arcos_buf_t *offsets) {
  char m[700];
  snprintf(m, sizeof m, "archive %s: rows %" PRIu64 "..%" PRIu64 " unreadable: %s", path, row,
           row + n - 1, err);
  bool known = h != NULL && lines != NULL &&
               arcos_h5r_read(h, "/records/line", ARCOS_H5_U64, row, n, lines->data) == ARCOS_OK &&
               arcos_h5r_read(h, "/records/byte_offset", ARCOS_H5_U64, row, n, offsets->data) ==
                   ARCOS_OK;
  int rc = ARCOS_OK;
  for (uint64_t i = 0; i < n && rc == ARCOS_OK; i++) {
    /* known implies lines and offsets are non-NULL (checked above) */
    // cppcheck-suppress nullPointer
    arcos_raw_t r = {"", 0, known ? ((uint64_t *)lines->data)[i] : 0,
                     // cppcheck-suppress nullPointer
                     known ? ((uint64_t *)offsets->data)[i] : row + i, NULL};
    st->records++;
    rc = onerror(arg, &r, ARCOS_EIO, m);
  }
  return rc;
}

/* Row i's bytes of string column k in the slice; "" where the slice holds no bytes of
 * it (a version 1 archive's rule_values is never read). */
#define STR(k, i) (cols[k].p != NULL ? cols[k].p + (cols[k].off[i] - cols[k].off[0]) : "")

/* Every column of rows [row, row + n) that the rows need into cols; err receives the
 * message of a failed read. */
static int read_slice(arcos_h5r_t *h, rcol_t *cols, uint64_t row, uint64_t n, bool rule_values,
                      char *err, size_t errsize) {
  /* error_kind first: the columns only stored failures use (reader flag, message, raw
   * text) are read only for slices that hold one (byte_offset is always read: a valid
   * row can still fail at run time, e.g. a smaller max_record_bytes); `input` is never
   * read (the partition's input says it). */
  const void *p = NULL;
  int rc = read_or_view(h, "/records/error_kind", ARCOS_H5_U8, row, n, cols[C_ERROR_KIND].v.data,
                        &p);
  cols[C_ERROR_KIND].p = p;
  if (rc != ARCOS_OK)
    snprintf(err, errsize, "%s", arcos_h5r_errmsg(h));
  bool any_error = false;
  for (uint64_t i = 0; i < n && rc == ARCOS_OK; i++)
    any_error |= ((const uint8_t *)p)[i] != 0;
  for (int k = 0; k < C_COUNT && rc == ARCOS_OK; k++) {
    if (k == C_INPUT || k == C_ERROR_KIND)
      continue;
    if (!any_error && (k == C_ERROR_READER || k == C_ERROR_MESSAGE || k == C_RAW)) {
      cols[k].have_next = false; /* skipped: the next read of it starts afresh */
      continue;
    }
    if (k == C_RULE_VALUES && !rule_values) { /* a version 1 archive: every row holds none */
      memset(cols[k].off, 0, (size_t)n * sizeof *cols[k].off);
      memset(cols[k].lbuf, 0, (size_t)n * sizeof *cols[k].lbuf);
      cols[k].len = cols[k].lbuf;
      continue;
    }
    if (arcos_archive_cols[k].type == T_STRING) {
      rc = read_string_slice(h, arcos_archive_cols[k].name, row, n, &cols[k], err, errsize);
    } else {
      char ds[128];
      snprintf(ds, sizeof ds, "/records/%s", arcos_archive_cols[k].name);
      rc = read_or_view(h, ds, (arcos_h5_type_t)arcos_archive_cols[k].type, row, n, cols[k].v.data,
                        &p);
      cols[k].p = p;
      if (rc != ARCOS_OK)
        snprintf(err, errsize, "%s", arcos_h5r_errmsg(h));
    }
  }
  return rc;
}

/* The fields of valid row i of a slice: strings point into the slice's buffers. */
static void valid_row(const rcol_t *cols, uint64_t i, const char *rule_paths, size_t paths_len,
                      arcos_ev_fields_t *f) {
  const uint8_t *u8[C_COUNT] = {0};
  for (int k = 0; k < C_COUNT; k++)
    u8[k] = (const uint8_t *)cols[k].p;
  int64_t ts;
  memcpy(&ts, u8[C_TIMESTAMP] + 8 * i, 8);
  uint64_t length;
  memcpy(&length, u8[C_LENGTH] + 8 * i, 8);
  *f = (arcos_ev_fields_t){
      .id = STR(C_ID, i),
      .id_len = cols[C_ID].len[i],
      .type = STR(C_TYPE, i),
      .type_len = cols[C_TYPE].len[i],
      .source = STR(C_SOURCE, i),
      .source_len = cols[C_SOURCE].len[i],
      .timestamp = ts,
      .timestamp_valid = u8[C_TIMESTAMP_VALID][i] != 0,
      .record_len = length,
      .data_meaningful = u8[C_DATA_MEANINGFUL][i] != 0,
      .data = STR(C_DATA, i),
      .data_len = cols[C_DATA].len[i],
      .checksum_present = u8[C_CHECKSUM_PRESENT][i] != 0,
      .checksum = STR(C_CHECKSUM, i),
      .checksum_len = cols[C_CHECKSUM].len[i],
      .provenance_object = u8[C_PROVENANCE_OBJECT][i] != 0,
      .provenance_tool = u8[C_PROVENANCE_TOOL][i] != 0,
      .rule_values = (const unsigned char *)STR(C_RULE_VALUES, i),
      .rule_values_len = cols[C_RULE_VALUES].len[i],
      .rule_paths = rule_paths,
      .rule_paths_len = paths_len,
  };
}

/* What reading an archive needs besides the rows: the open file (its datasets and
 * their last inflated chunks), its attributes and one set of column buffers for a
 * slice. Opened once per archive and kept across the partitions of a run by the
 * reader table's entry (read_h5 below; dropped by arcos_readers_release when the plan
 * is freed), so that a partition neither reopens the file nor allocates and
 * page-faults its buffers afresh (docs/performance.md, "Per-core leftovers"). */
typedef struct {
  char *path;
  arcos_h5r_t *h;
  uint64_t slice; /* rows per slice: SLICE_ROWS or fewer, dividing the chunk size */
  bool rule_values;
  char *rule_paths;
  size_t paths_len;
  rcol_t cols[C_COUNT];
  arcos_buf_t msg;
  bool damaged; /* a slice could not be read since the archive was opened */
} areader_t;

static void areader_close(areader_t *r) {
  arcos_buf_free(&r->msg);
  free(r->rule_paths);
  for (int k = 0; k < C_COUNT; k++) {
    arcos_buf_free(&r->cols[k].v);
    free(r->cols[k].off);
    free(r->cols[k].lbuf);
  }
  arcos_h5r_close(&r->h);
  free(r->path);
  memset(r, 0, sizeof *r);
}

/* Open `path` into r (zeroed first), or take h, `path` already open, when not NULL.
 * On failure r->h is NULL and err says why; ARCOS_ENOMEM when a buffer cannot be had. */
static int areader_open(areader_t *r, const char *path, arcos_h5r_t *h, char *err, size_t errn) {
  memset(r, 0, sizeof *r);
  r->h = h;
  int rc = h != NULL ? ARCOS_OK : arcos_h5r_open_msg(path, &r->h, err, errn);
  int64_t chunk = 0;
  if (rc == ARCOS_OK && arcos_h5r_attr_i64(r->h, "/", "chunk_rows", &chunk) != ARCOS_OK)
    chunk = 65536;
  if (chunk <= 0 || chunk > (1 << 22))
    chunk = 65536;
  r->slice = (uint64_t)chunk;
  while (r->slice > SLICE_ROWS && r->slice % 2 == 0)
    r->slice /= 2;
  /* The paths of rule_values: absent, the rules read the stored `data` instead. Version 1
   * archives have no rule_values column: their rows are scored from `data`. */
  int64_t version = ARCOS_ARCHIVE_VERSION;
  if (rc == ARCOS_OK && arcos_h5r_attr_i64(r->h, "/", "arcos_format_version", &version) != ARCOS_OK)
    version = ARCOS_ARCHIVE_VERSION;
  r->rule_values = version >= 2;
  if (rc == ARCOS_OK && r->rule_values &&
      arcos_h5r_attr_string(r->h, "/", "rule_paths", &r->rule_paths) != ARCOS_OK)
    r->rule_paths = NULL;
  r->paths_len = r->rule_paths != NULL ? strlen(r->rule_paths) : 0;
  for (int k = 0; k < C_COUNT && rc == ARCOS_OK; k++) {
    if (arcos_archive_cols[k].type == T_STRING) {
      r->cols[k].off = malloc(r->slice * sizeof *r->cols[k].off);
      r->cols[k].lbuf = malloc(r->slice * sizeof *r->cols[k].lbuf);
      if (r->cols[k].off == NULL || r->cols[k].lbuf == NULL)
        rc = ARCOS_ENOMEM;
    } else if (arcos_buf_reserve(&r->cols[k].v, r->slice * arcos_archive_cols[k].size) !=
               ARCOS_OK) {
      rc = ARCOS_ENOMEM;
    }
  }
  if (rc == ARCOS_OK && (r->path = strdup(path)) == NULL)
    rc = ARCOS_ENOMEM;
  return rc;
}

/* One stored failure (row i of the slice) to onerror or, for a record the rules
 * rejected, to fn. */
static int failed_row(areader_t *r, uint64_t i, arcos_raw_t *raw, arcos_record_fn fn,
                      arcos_reader_error_fn onerror, void *arg) {
  const rcol_t *cols = r->cols;
  const uint8_t *kind = (const uint8_t *)cols[C_ERROR_KIND].p;
  const uint8_t *reader = (const uint8_t *)cols[C_ERROR_READER].p;
  arcos_buf_reset(&r->msg);
  if (arcos_buf_append(&r->msg, STR(C_ERROR_MESSAGE, i), cols[C_ERROR_MESSAGE].len[i]) !=
          ARCOS_OK ||
      arcos_buf_terminate(&r->msg) != ARCOS_OK)
    return ARCOS_ENOMEM;
  raw->text = STR(C_RAW, i);
  raw->len = cols[C_RAW].len[i];
  if (reader[i] || (kind[i] != ARCOS_KIND_PARSE && kind[i] != ARCOS_KIND_INVALID)) {
    int rc = onerror(arg, raw, kind[i] == ARCOS_KIND_IO ? ARCOS_EIO : ARCOS_EPARSE, r->msg.data);
    return rc == ARCOS_EIO || rc == ARCOS_EPARSE ? ARCOS_OK : rc; /* delivered; next rows follow */
  }
  arcos_ev_fields_t f;
  memset(&f, 0, sizeof f);
  f.id = f.type = f.source = f.data = f.checksum = "";
  f.error_kind = kind[i];
  f.error_message = r->msg.data;
  uint64_t length;
  memcpy(&length, cols[C_LENGTH].p + 8 * i, 8);
  f.record_len = length;
  arcos_raw_t rec = *raw;
  rec.fields = &f;
  return fn(arg, &rec);
}

/* Rows [first, end) of the archive open in r (r->h NULL: it could not be opened, err
 * says why, and every row becomes an io error record). */
static int areader_rows(areader_t *r, const char *path, uint64_t first, uint64_t end,
                        arcos_record_fn fn, arcos_reader_error_fn onerror, void *arg,
                        arcos_read_stats_t *st, char *err, size_t errn) {
  if (r->h == NULL)
    return damaged_rows(NULL, path, first, end - first, err, onerror, arg, st, NULL, NULL);
  /* A range that starts where the last one read ended (the next partition of this
   * process) keeps the offsets it follows from; any other reads its first offsets. */
  rcol_t *cols = r->cols;
  int rc = ARCOS_OK;
  uint64_t row = first;
  while (rc == ARCOS_OK && row < end) {
    /* Slices end at multiples of the slice size, which divides the chunk size: a slice
     * lies in one chunk of each row column, and each chunk is decompressed once. */
    uint64_t stop = (row / r->slice + 1) * r->slice;
    if (stop > end)
      stop = end;
    uint64_t n = stop - row;
    double t0 = arcos_now();
    rc = read_slice(r->h, cols, row, n, r->rule_values, err, errn);
    st->io_s += arcos_now() - t0;
    if (rc == ARCOS_EIO || rc == ARCOS_EINVALID || rc == ARCOS_ERANGE || rc == ARCOS_ENOENT) {
      r->damaged = true;
      rc = damaged_rows(r->h, path, row, n, err, onerror, arg, st, &cols[C_LINE].v,
                        &cols[C_OFFSET].v);
      for (int k = 0; k < C_COUNT; k++)
        cols[k].have_next = false; /* read the next slice's offsets again */
      row = stop;
      continue;
    }
    if (rc != ARCOS_OK)
      break;
    const uint64_t *line = (const uint64_t *)(const void *)cols[C_LINE].p;
    const uint64_t *offset = (const uint64_t *)(const void *)cols[C_OFFSET].p;
    const uint8_t *kind = (const uint8_t *)cols[C_ERROR_KIND].p;
    for (uint64_t i = 0; i < n && rc == ARCOS_OK; i++) {
      arcos_raw_t raw = {"", 0, line[i], offset[i], NULL};
      st->records++;
      if (kind[i] != ARCOS_KIND_NONE) {
        rc = failed_row(r, i, &raw, fn, onerror, arg);
        continue;
      }
      arcos_ev_fields_t f;
      valid_row(cols, i, r->rule_paths, r->paths_len, &f);
      raw.fields = &f;
      rc = fn(arg, &raw);
    }
    row = stop;
  }
  return rc;
}

int arcos_archive_read_rows(const char *path, uint64_t first, uint64_t end, arcos_record_fn fn,
                            arcos_reader_error_fn onerror, void *arg, arcos_read_stats_t *st) {
  if (first >= end)
    return ARCOS_OK;
  double t0 = arcos_now();
  areader_t r;
  char err[600] = "";
  int rc = areader_open(&r, path, NULL, err, sizeof err);
  st->io_s += arcos_now() - t0;
  if (rc != ARCOS_ENOMEM)
    rc = areader_rows(&r, path, first, end, fn, onerror, arg, st, err, sizeof err);
  areader_close(&r);
  return rc;
}

/* ---- The archive's reader table entry (io/reader.h) ---- */

/* An archive row costs about what 30 bytes of JSON Lines do (docs/performance.md). */
#define ARCHIVE_ROW_WEIGHT 30

static bool detect_h5(const char *path, bool named) {
  if (named)
    return arcos_file_has_magic(path, "\211HDF\r\n\032\n", 8);
  return arcos_path_ends_with(path, ".h5") || arcos_path_ends_with(path, ".hdf5");
}

/* The archive this process reads, kept from one partition to the next (areader_t);
 * NULL when none is open. */
static _Thread_local areader_t *kept;

static void release_h5(void) {
  if (kept != NULL)
    areader_close(kept);
  free(kept);
  kept = NULL;
}

/* kept becomes a reader of path (h: that file already open, or NULL to open it): what
 * areader_open says, or ARCOS_ENOMEM with nothing kept. */
static int keep_reader(const char *path, arcos_h5r_t *h, char *err, size_t errn) {
  release_h5();
  if ((kept = malloc(sizeof *kept)) == NULL) {
    arcos_h5r_close(&h);
    return ARCOS_ENOMEM;
  }
  return areader_open(kept, path, h, err, errn);
}

/* An evidence archive becomes one input per original file recorded in it (path: the
 * archive; display, size: the original's), so outputs name the original inputs. The
 * probe's open file is kept for the partitions read from it (read_h5): its datasets are
 * open and the chunk buffers the probe filled are reused, not opened and faulted in
 * again. */
static int expand_h5(arcos_input_list_t *l, const char *path, uint64_t size, arcos_detail_t *d) {
  (void)size;
  arcos_archive_info_t info;
  arcos_h5r_t *h = NULL;
  int rc = probe(path, &info, d, &h);
  if (rc == ARCOS_OK) {
    char err[600] = "";
    if (keep_reader(path, h, err, sizeof err) != ARCOS_OK)
      release_h5(); /* not kept: the first partition opens it */
  }
  if (rc == ARCOS_OK && (l->row_quantum == 0 || info.chunk_rows < l->row_quantum))
    l->row_quantum = info.chunk_rows;
  for (size_t i = 0; rc == ARCOS_OK && i < info.nsources; i++) {
    const arcos_archive_source_t *src = &info.sources[i];
    rc = arcos_input_list_push(l, path, src->display, src->size, ARCOS_FMT_H5);
    if (rc == ARCOS_OK) {
      l->v[l->n - 1].row_first = src->first_row;
      l->v[l->n - 1].rows = src->rows;
    }
  }
  arcos_archive_info_free(&info);
  return rc;
}

/* Row ranges cut at multiples of cut->target_rows in archive row numbers. */
static uint64_t plan_h5(const arcos_input_t *in, const arcos_cut_t *cut, arcos_partition_t *out) {
  uint64_t t = cut->target_rows;
  uint64_t n = in->rows > 0 ? (in->row_first + in->rows - 1) / t - in->row_first / t + 1 : 1;
  for (uint64_t k = 0; out != NULL && k < n; k++) {
    uint64_t base = in->row_first / t + k;
    out[k].start = k == 0 ? in->row_first : base * t;
    out[k].end = k + 1 == n ? in->row_first + in->rows : (base + 1) * t;
    out[k].weight = (out[k].end - out[k].start) * ARCHIVE_ROW_WEIGHT + 1;
  }
  return n;
}

static int read_h5(const arcos_input_t *in, const arcos_partition_t *part, arcos_buf_t *scratch,
                   arcos_record_fn fn, arcos_reader_error_fn onerror, void *arg,
                   arcos_read_stats_t *stats) {
  (void)scratch;
  if (part->start >= part->end)
    return ARCOS_OK;
  char err[600] = "";
  int rc = ARCOS_OK;
  if (kept == NULL || strcmp(kept->path, in->path) != 0) {
    double t0 = arcos_now();
    rc = keep_reader(in->path, NULL, err, sizeof err);
    stats->io_s += arcos_now() - t0;
    if (kept == NULL)
      return rc;
  }
  if (rc != ARCOS_ENOMEM)
    rc = areader_rows(kept, in->path, part->start, part->end, fn, onerror, arg, stats, err,
                      sizeof err);
  /* Not kept: an archive that could not be opened, or one with damaged rows (a retry of
   * the partition opens it afresh, as every partition did before). */
  if (kept->h == NULL || kept->damaged || rc != ARCOS_OK)
    release_h5();
  return rc;
}

/* Progress counts rows, weighed in the original input's bytes. */
static uint64_t span_h5(const arcos_input_t *in, const arcos_partition_t *part) {
  return in->rows > 0 ? (part->end - part->start) * in->size / in->rows : 0;
}

static uint64_t position_h5(const arcos_input_t *in, const arcos_partition_t *part, uint64_t seq,
                            uint64_t offset) {
  (void)part;
  (void)offset;
  return in->rows > 0 ? seq * in->size / in->rows : 0;
}

const arcos_reader_t arcos_reader_h5 = {
    .name = "h5",
    .format = ARCOS_FMT_H5,
    .detect = detect_h5,
    .expand = expand_h5,
    .plan = plan_h5,
    .read = read_h5,
    .cost = arcos_cost_half,
    .span = span_h5,
    .position = position_h5,
    .release = release_h5,
    .row_ranges = true,
};
