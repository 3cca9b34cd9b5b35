/* `arcos-scale convert` of evidence: rank 0 plans the inputs exactly as `run` does and
 * broadcasts the plan; every rank reads its partitions with the run's readers, ingests
 * each record once and keeps its fields in per-column buffers; JSON Lines line numbers
 * are made absolute with one MPI_Allreduce of per-partition newline counts, and each
 * partition's first row with one MPI_Allreduce of per-partition row counts (prefix
 * sums). Then every column is written collectively (arcos_h5, one H5Dwrite per dataset,
 * chunked + deflate), rows in global order, so the file's content does not depend on the
 * number of ranks. The file is written as DIR/.NAME.tmp and renamed by rank 0 when
 * closed. The columns are io/archive_columns.h's; reading is io/archive.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/archive.h"
#include "arcos/evidence.h"
#include "arcos/h5.h"
#include "arcos/input.h"
#include "arcos/outfile.h"
#include "arcos/util.h"
#include "io/archive_columns.h"
#include "io/reader.h"

/* A column being built (rank-local rows): numeric values back to back in `v`; strings
 * as bytes in `v` plus uint32 lengths in `lens`. */
typedef struct {
  arcos_buf_t v;
  arcos_buf_t lens;
} col_t;

void arcos_convert_defaults(arcos_convert_opts_t *o) {
  *o = (arcos_convert_opts_t){.chunk_rows = 65536,
                              .chunk_bytes = (uint64_t)1 << 20,
                              .deflate = 6,
                              .data_deflate = -1,
                              .max_record_bytes = (size_t)1 << 20,
                              .per_rank = 4};
}

/* ---- Convert ---- */

typedef struct {
  col_t col[C_COUNT];
  uint64_t rows;
  uint32_t input; /* current partition's input */
  arcos_evidence_ctx_t *ev;
  int fatal; /* an extraction failure that stops convert */
  char fatal_msg[256];
} conv_t;

static int put(conv_t *c, int k, const void *p, size_t n) {
  return arcos_buf_append(&c->col[k].v, p, n);
}

static int put_u8(conv_t *c, int k, unsigned v) {
  uint8_t b = (uint8_t)v;
  return put(c, k, &b, 1);
}

static int put_str(conv_t *c, int k, const char *s, size_t n) {
  if (n > UINT32_MAX)
    return ARCOS_ERANGE;
  uint32_t len = (uint32_t)n;
  int rc = arcos_buf_append(&c->col[k].lens, &len, sizeof len);
  if (rc == ARCOS_OK && n > 0)
    rc = arcos_buf_append(&c->col[k].v, s, n);
  return rc;
}

/* Append one row. f == NULL for an error row (kind, reader flag, message, raw). */
static int put_row(conv_t *c, const arcos_raw_t *raw, uint64_t length, const arcos_ev_fields_t *f,
                   int kind, bool reader, const char *message) {
  static const arcos_ev_fields_t none = {
      .id = "", .type = "", .source = "", .data = "", .checksum = ""};
  const arcos_ev_fields_t *r = f != NULL ? f : &none;
  uint32_t input = c->input;
  uint64_t line = raw->line, offset = raw->offset;
  int64_t ts = r->timestamp_valid ? r->timestamp : 0;
  int rc = put(c, C_INPUT, &input, 4);
  rc = rc ? rc : put(c, C_LINE, &line, 8);
  rc = rc ? rc : put(c, C_OFFSET, &offset, 8);
  rc = rc ? rc : put(c, C_LENGTH, &length, 8);
  rc = rc ? rc : put_u8(c, C_ERROR_KIND, (unsigned)kind);
  rc = rc ? rc : put_u8(c, C_ERROR_READER, reader);
  rc = rc ? rc : put_str(c, C_ID, r->id, r->id_len);
  rc = rc ? rc : put_str(c, C_TYPE, r->type, r->type_len);
  rc = rc ? rc : put_str(c, C_SOURCE, r->source, r->source_len);
  rc = rc ? rc : put(c, C_TIMESTAMP, &ts, 8);
  rc = rc ? rc : put_u8(c, C_TIMESTAMP_VALID, r->timestamp_valid);
  rc = rc ? rc : put_str(c, C_DATA, r->data, r->data_len);
  rc = rc ? rc : put_u8(c, C_DATA_MEANINGFUL, r->data_meaningful);
  rc = rc ? rc : put_str(c, C_CHECKSUM, r->checksum, r->checksum_len);
  rc = rc ? rc : put_u8(c, C_CHECKSUM_PRESENT, r->checksum_present);
  rc = rc ? rc : put_u8(c, C_PROVENANCE_OBJECT, r->provenance_object);
  rc = rc ? rc : put_u8(c, C_PROVENANCE_TOOL, r->provenance_tool);
  rc = rc ? rc : put_str(c, C_RULE_VALUES, (const char *)r->rule_values, r->rule_values_len);
  rc = rc ? rc : put_str(c, C_ERROR_MESSAGE, message, message != NULL ? strlen(message) : 0);
  rc = rc ? rc : put_str(c, C_RAW, f == NULL ? raw->text : "", f == NULL ? raw->len : 0);
  if (rc == ARCOS_OK)
    c->rows++;
  return rc;
}

/* As the pipeline does: ingestion of the record text as arcos_record_trim leaves it;
 * the raw text kept for failures is the original. */
static int conv_record(void *arg, const arcos_raw_t *raw) {
  conv_t *c = arg;
  arcos_raw_t r = *raw;
  arcos_record_trim(&r.text, &r.len, r.offset);
  arcos_evidence_t ev;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_ev_ingest(c->ev, r.text, r.len, &ev, &d);
  if (rc != ARCOS_OK) {
    int kind = rc == ARCOS_EPARSE ? ARCOS_KIND_PARSE : ARCOS_KIND_INVALID;
    return put_row(c, raw, r.len, NULL, kind, false, d.text[0] ? d.text : arcos_strerror(rc));
  }
  arcos_ev_fields_t f;
  rc = arcos_ev_extract(c->ev, &ev, &f);
  if (rc != ARCOS_OK) {
    c->fatal = rc;
    snprintf(c->fatal_msg, sizeof c->fatal_msg,
             "line %" PRIu64 ": the canonical form of \"data\" failed: %s", raw->line,
             arcos_strerror(rc));
    return rc;
  }
  return put_row(c, raw, r.len, &f, ARCOS_KIND_NONE, false, NULL);
}

static int conv_reader_error(void *arg, const arcos_raw_t *raw, int code, const char *message) {
  conv_t *c = arg;
  int kind = code == ARCOS_EIO ? ARCOS_KIND_IO : ARCOS_KIND_PARSE;
  return put_row(c, raw, raw->len, NULL, kind, true, message);
}

static void conv_free(conv_t *c) {
  for (int k = 0; k < C_COUNT; k++) {
    arcos_buf_free(&c->col[k].v);
    arcos_buf_free(&c->col[k].lens);
  }
  arcos_evidence_destroy(&c->ev);
}

/* Write every column of /records and the /inputs table; all collective. */
static int write_archive(arcos_h5_t *h, const arcos_plan_t *plan, conv_t *c, uint64_t total,
                         size_t nblocks, const uint64_t *boff, const uint64_t *bcnt,
                         const arcos_convert_opts_t *o, const uint64_t *src_first,
                         const uint64_t *src_rows, int rank) {
  int rc = arcos_h5_group(h, "/records");
  if (rc == ARCOS_OK)
    rc = arcos_h5_set_chunking(h, o->chunk_rows, o->chunk_bytes, o->deflate, -1);
  const char **ptrs = NULL;
  if (rc == ARCOS_OK) {
    ptrs = malloc((c->rows > 0 ? c->rows : 1) * sizeof *ptrs);
    if (ptrs == NULL)
      rc = ARCOS_ENOMEM; /* arcos_h5 agrees on it at the next call */
  }
  char path[128];
  for (int k = 0; k < C_COUNT && rc == ARCOS_OK; k++) {
    snprintf(path, sizeof path, "/records/%s", arcos_archive_cols[k].name);
    /* The bytes of claimed checksums are random hex: deflate only takes them from 8 to
     * about 4.5 bits a character, and inflating them cost 40 % of reading an archive;
     * they stay chunked but uncompressed (their offsets and lengths are compressed).
     * --data-deflate gives the bytes of the canonical data text their own level (0:
     * uncompressed, the fastest to read; see docs/performance.md). */
    int char_level = k == C_CHECKSUM ? 0 : k == C_DATA ? o->data_deflate : -1;
    rc = arcos_h5_set_chunking(h, o->chunk_rows, o->chunk_bytes, o->deflate, char_level);
    if (rc != ARCOS_OK)
      break;
    if (arcos_archive_cols[k].type == T_STRING) {
      const uint32_t *lens = (const uint32_t *)c->col[k].lens.data;
      size_t pos = 0;
      for (uint64_t i = 0; i < c->rows; i++) {
        ptrs[i] = c->col[k].v.data != NULL ? c->col[k].v.data + pos : "";
        pos += lens[i];
      }
      rc = arcos_h5_write_strings(h, path, total, nblocks, boff, bcnt, (const char *const *)ptrs,
                                  lens);
    } else {
      rc = arcos_h5_write_blocks(h, path, (arcos_h5_type_t)arcos_archive_cols[k].type, total,
                                 nblocks, boff, bcnt, c->col[k].v.data);
    }
  }
  free(ptrs);
  /* /inputs: small, contiguous; rank 0 writes every row. */
  if (rc == ARCOS_OK)
    rc = arcos_h5_set_chunking(h, 0, 0, 0, 0);
  if (rc == ARCOS_OK)
    rc = arcos_h5_group(h, "/inputs");
  uint64_t ni = plan->ninputs;
  uint64_t zero = 0, cnt = rank == 0 ? ni : 0;
  size_t nb = rank == 0 ? 1 : 0;
  const char **paths = calloc(ni + 1, sizeof *paths);
  uint32_t *plens = calloc(ni + 1, sizeof *plens);
  uint64_t *sizes = calloc(ni + 1, sizeof *sizes);
  uint8_t *fmts = calloc(ni + 1, 1);
  if (paths == NULL || plens == NULL || sizes == NULL || fmts == NULL) {
    free(paths);
    free(plens);
    free(sizes);
    free(fmts);
    return ARCOS_ENOMEM;
  }
  for (uint64_t i = 0; i < ni; i++) {
    paths[i] = plan->inputs[i].display;
    plens[i] = (uint32_t)strlen(plan->inputs[i].display);
    sizes[i] = plan->inputs[i].size;
    fmts[i] = (uint8_t)plan->inputs[i].format;
  }
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_strings(h, "/inputs/path", ni, nb, &zero, &cnt, paths, plens);
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_blocks(h, "/inputs/size", ARCOS_H5_U64, ni, nb, &zero, &cnt, sizes);
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_blocks(h, "/inputs/format", ARCOS_H5_U8, ni, nb, &zero, &cnt, fmts);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_string(h, "/inputs/format", "codes", "0=jsonl 1=jsonl.gz 2=json");
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_blocks(h, "/inputs/first_row", ARCOS_H5_U64, ni, nb, &zero, &cnt,
                               src_first);
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_blocks(h, "/inputs/rows", ARCOS_H5_U64, ni, nb, &zero, &cnt, src_rows);
  free(paths);
  free(plens);
  free(sizes);
  free(fmts);
  /* Attributes: what a reader checks first. */
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_string(h, "/", "arcos_format", ARCOS_ARCHIVE_FORMAT);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_i64(h, "/", "arcos_format_version", ARCOS_ARCHIVE_VERSION);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_string(h, "/", "arcos_version", ARCOS_VERSION);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_u64(h, "/", "records", total);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_u64(h, "/", "inputs", ni);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_u64(h, "/", "chunk_rows", o->chunk_rows);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_u64(h, "/", "max_record_bytes", (uint64_t)o->max_record_bytes);
  if (rc == ARCOS_OK) {
    arcos_buf_t files = {0};
    for (uint64_t i = 0; i < ni && rc == ARCOS_OK; i++)
      rc = arcos_buf_printf(&files, "%s%s", i ? "\n" : "", plan->inputs[i].display);
    if (rc == ARCOS_OK)
      rc = arcos_buf_terminate(&files);
    /* Every rank holds the same plan, so the same text. */
    rc = arcos_h5_attr_string(h, "/", "source_files", rc == ARCOS_OK ? files.data : "");
    arcos_buf_free(&files);
  }
  /* The paths whose values rule_values holds (those of the built-in scoring rules). */
  size_t plen = 0;
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_string(h, "/", "rule_paths", arcos_ev_rule_paths(c->ev, &plen));
  return rc;
}

/* JSON Lines rows hold lines relative to their partition: add the lines of the earlier
 * partitions of the same input (newlines: every partition's newline count, summed over
 * the ranks) to this rank's rows. */
static void absolute_lines(const arcos_plan_t *plan, conv_t *c, const uint64_t *newlines,
                           const uint64_t *first_local, const uint64_t *rows, int rank) {
  uint64_t run = 0;
  uint32_t input = UINT32_MAX;
  for (size_t p = 0; p < plan->nparts; p++) {
    const arcos_partition_t *part = &plan->parts[p];
    if (part->input != input) {
      input = part->input;
      run = 0;
    }
    uint64_t base = 1 + run;
    run += newlines[p];
    if (part->rank != rank || plan->inputs[part->input].format != ARCOS_FMT_JSONL)
      continue;
    uint64_t *line = (uint64_t *)c->col[C_LINE].v.data;
    for (uint64_t i = first_local[p]; i < first_local[p] + rows[p]; i++)
      line[i] += base;
  }
}

/* The statistics of all ranks: error rows and input bytes summed, the slowest read. */
static void convert_stats_sum(MPI_Comm comm, const conv_t *c, double read_s,
                              arcos_convert_stats_t *stats) {
  uint64_t mine[2] = {0, 0}, sum[2];
  const uint8_t *kind = (const uint8_t *)c->col[C_ERROR_KIND].v.data;
  for (uint64_t i = 0; i < c->rows; i++)
    mine[0] += kind[i] != 0;
  mine[1] = stats->input_bytes;
  MPI_Allreduce(mine, sum, 2, MPI_UINT64_T, MPI_SUM, comm);
  stats->errors = sum[0];
  stats->input_bytes = sum[1];
  MPI_Allreduce(&read_s, &stats->read_s, 1, MPI_DOUBLE, MPI_MAX, comm);
}

/* Where every partition's rows go: per partition (np), this rank's newlines, rows and
 * first local row, and the sums over the ranks (all); this rank's blocks of rows in the
 * archive (boff/bcnt, nblocks); per input its first row and row count. */
typedef struct {
  uint64_t *newlines, *rows, *first_local, *all, *boff, *bcnt;
  uint64_t *src_first, *src_rows;
  size_t nblocks;
  uint64_t total;
} layout_t;

static int layout_alloc(layout_t *l, size_t np, size_t ninputs) {
  memset(l, 0, sizeof *l);
  l->newlines = calloc(np + 1, sizeof *l->newlines);
  l->rows = calloc(np + 1, sizeof *l->rows);
  l->first_local = calloc(np + 1, sizeof *l->first_local);
  l->all = calloc(np + 1, sizeof *l->all);
  l->boff = calloc(np + 1, sizeof *l->boff);
  l->bcnt = calloc(np + 1, sizeof *l->bcnt);
  l->src_first = calloc(ninputs + 1, sizeof *l->src_first);
  l->src_rows = calloc(ninputs + 1, sizeof *l->src_rows);
  return l->newlines && l->rows && l->first_local && l->all && l->boff && l->bcnt && l->src_first &&
                 l->src_rows
             ? ARCOS_OK
             : ARCOS_ENOMEM;
}

static void layout_free(layout_t *l) {
  free(l->newlines);
  free(l->rows);
  free(l->first_local);
  free(l->all);
  free(l->boff);
  free(l->bcnt);
  free(l->src_first);
  free(l->src_rows);
}

/* Plan exactly as `run` does (rank 0), then broadcast; an archive is refused as input. */
static int plan_inputs(MPI_Comm comm, int rank, int size, const char *const *inputs, size_t ninputs,
                       const arcos_convert_opts_t *o, arcos_plan_t *plan, arcos_detail_t *d) {
  int rc = ARCOS_OK;
  if (rank == 0) {
    arcos_plan_opts_t po = {
        .partition_bytes = 0, .per_rank = o->per_rank, .workers = size, .whole_documents = true};
    rc = arcos_plan_build(inputs, ninputs, &po, plan, d);
    for (size_t i = 0; rc == ARCOS_OK && i < plan->ninputs; i++)
      if (plan->inputs[i].format == ARCOS_FMT_H5)
        rc = arcos_detail_set(d, ARCOS_EUSAGE, plan->inputs[i].path, 0,
                              "is already an evidence archive; convert reads JSON Lines, gzip "
                              "JSON Lines and .json documents");
  }
  return arcos_plan_bcast(comm, rc, plan);
}

/* Step 1: read and ingest this rank's partitions, in global order. Reader failures
 * (EIO/EPARSE) were stored as rows; anything else stops convert. */
static int read_partitions(const arcos_plan_t *plan, int rank, conv_t *c, layout_t *l,
                           arcos_convert_stats_t *stats) {
  int rc = ARCOS_OK;
  arcos_buf_t scratch = {0};
  for (size_t p = 0; p < plan->nparts && rc == ARCOS_OK; p++) {
    if (plan->parts[p].rank != rank)
      continue;
    c->input = plan->parts[p].input;
    l->first_local[p] = c->rows;
    arcos_read_stats_t st = {0};
    int r = arcos_read_partition(plan, &plan->parts[p], &scratch, conv_record, conv_reader_error, c,
                                 &st);
    l->newlines[p] = st.newlines;
    l->rows[p] = c->rows - l->first_local[p];
    if (r != ARCOS_OK && r != ARCOS_EIO && r != ARCOS_EPARSE)
      rc = r;
    stats->input_bytes += arcos_input_span(plan, &plan->parts[p]);
  }
  arcos_buf_free(&scratch);
  return rc;
}

/* Step 2: absolute JSON Lines line numbers, and the global first row of every partition
 * (this rank's blocks) and input. */
static void global_rows(MPI_Comm comm, const arcos_plan_t *plan, conv_t *c, layout_t *l, int rank) {
  size_t np = plan->nparts;
  MPI_Allreduce(l->newlines, l->all, (int)np, MPI_UINT64_T, MPI_SUM, comm);
  absolute_lines(plan, c, l->all, l->first_local, l->rows, rank);
  MPI_Allreduce(l->rows, l->all, (int)np, MPI_UINT64_T, MPI_SUM, comm);
  for (size_t p = 0; p < np; p++) {
    uint32_t in = plan->parts[p].input;
    if (p == 0 || plan->parts[p - 1].input != in)
      l->src_first[in] = l->total;
    l->src_rows[in] += l->all[p];
    if (plan->parts[p].rank == rank && l->rows[p] > 0) {
      l->boff[l->nblocks] = l->total;
      l->bcnt[l->nblocks++] = l->rows[p];
    }
    l->total += l->all[p];
  }
  /* Inputs without a partition (none today) keep first_row at the running total. */
}

/* Step 3: the collective write under a temporary name, then rank 0 renames it. */
static int write_out(MPI_Comm comm, int rank, const arcos_plan_t *plan, conv_t *c,
                     const layout_t *l, const arcos_convert_opts_t *o, const char *out,
                     arcos_detail_t *d) {
  char *tmp = arcos_out_temp_name(out);
  int have = tmp != NULL, all_have = 0;
  MPI_Allreduce(&have, &all_have, 1, MPI_INT, MPI_MIN, comm);
  if (!all_have) {
    free(tmp);
    return ARCOS_ENOMEM;
  }
  arcos_h5_t *h = NULL;
  int rc = arcos_h5_create(comm, tmp, &h, d);
  if (rc == ARCOS_OK) {
    rc = write_archive(h, plan, c, l->total, l->nblocks, l->boff, l->bcnt, o, l->src_first,
                       l->src_rows, rank);
    if (rc != ARCOS_OK)
      arcos_detail_set(d, rc, out, 0, "writing the archive failed: %s", arcos_h5_errmsg(h));
    int crc = arcos_h5_close(&h);
    if (rc == ARCOS_OK)
      rc = crc;
  }
  if (rank == 0) {
    if (rc == ARCOS_OK && rename(tmp, out) != 0)
      rc = arcos_detail_set(d, ARCOS_EIO, out, 0, "cannot rename %s into place: %s", tmp,
                            strerror(errno));
    if (rc != ARCOS_OK)
      remove(tmp);
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
  free(tmp);
  return rc;
}

int arcos_archive_convert(MPI_Comm comm, const char *const *inputs, size_t ninputs,
                          const arcos_convert_opts_t *opts, const char *out,
                          arcos_convert_stats_t *stats, arcos_detail_t *d) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  memset(stats, 0, sizeof *stats);
  arcos_convert_opts_t o;
  if (opts != NULL)
    o = *opts;
  else
    arcos_convert_defaults(&o);
  if (o.chunk_rows == 0)
    o.chunk_rows = 65536;
  if (o.chunk_bytes == 0)
    o.chunk_bytes = (uint64_t)1 << 20;
  arcos_plan_t plan;
  memset(&plan, 0, sizeof plan);
  int rc = plan_inputs(comm, rank, size, inputs, ninputs, &o, &plan, d);
  if (rc != ARCOS_OK) {
    arcos_plan_free(&plan);
    return rc;
  }
  conv_t c;
  memset(&c, 0, sizeof c);
  c.ev = arcos_evidence_create(NULL, 0, o.max_record_bytes);
  layout_t l;
  rc = layout_alloc(&l, plan.nparts, plan.ninputs);
  if (c.ev == NULL)
    rc = ARCOS_ENOMEM;
  double t0 = arcos_now();
  if (rc == ARCOS_OK)
    rc = read_partitions(&plan, rank, &c, &l, stats);
  double read_s = arcos_now() - t0;
  int agreed = rc;
  MPI_Allreduce(&rc, &agreed, 1, MPI_INT, MPI_MIN, comm);
  if (agreed != ARCOS_OK) {
    if (rc != ARCOS_OK)
      fprintf(stderr, "arcos-scale convert [rank %d]: %s\n", rank,
              c.fatal ? c.fatal_msg : arcos_strerror(rc));
    arcos_detail_set(d, agreed, out, 0, "reading the inputs failed (%s)", arcos_strerror(agreed));
    rc = agreed;
  } else {
    global_rows(comm, &plan, &c, &l, rank);
    stats->records = l.total;
    stats->inputs = plan.ninputs;
    convert_stats_sum(comm, &c, read_s, stats);
    t0 = arcos_now();
    rc = write_out(comm, rank, &plan, &c, &l, &o, out, d);
    stats->write_s = arcos_now() - t0;
  }
  conv_free(&c);
  layout_free(&l);
  arcos_plan_free(&plan);
  return rc;
}

/* ---- Probe (rank 0, at planning) ---- */
