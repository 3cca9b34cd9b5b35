/* The writer of a run's result files (outputs.h), one for both memory modes.
 *
 * Pass A takes the rows round by round from the round source and counts, for each of
 * this rank's partitions, its rows, its alerts, the bytes of its text lines and of its
 * string columns. One MPI_Allreduce of the per-partition counts and prefix sums over
 * partitions give every partition its place in each file; partitions are in global
 * order, so the files do not depend on the rank count. Pass B then writes round by
 * round: the text lines at their offsets (MPI-IO, independent writes at disjoint
 * offsets) and the rows into results.h5's columns, created once for all rows
 * (collective HDF5, every rank in every round). With one round the rows and their
 * formatted lines are kept from pass A, so the in-memory case formats once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/error.h"
#include "arcos/h5.h"
#include "arcos/outfile.h"
#include "core/jsonw.h"
#include "run/columns.h"
#include "run/outputs.h"
#include "run/previous.h"
#include "run/records.h"

/* Per-partition counts: records, rows of each table, alerts, text bytes of each file,
 * bytes of each string column (in the order of the column table). */
enum {
  K_RECORDS,
  K_STORED,
  K_DUP,
  K_FAIL,
  K_SKIPPED,
  K_ALERTS,
  K_TEXT, /* results.jsonl, dlq.jsonl, duplicates.jsonl */
  K_STR = K_TEXT + 3,
  NK = K_STR + 8 /* up to 8 string columns */
};
enum { F_JSONL, F_DLQ, F_DUP, NF };

/* The row count of each table (columns.h), and the blocks of /alerts after them. */
static const int table_rows[ARCOS_TBL_COUNT] = {K_STORED, K_DUP, K_FAIL};
enum { B_ALERTS = ARCOS_TBL_COUNT, NB };

typedef struct {
  const arcos_outputs_in_t *in;
  const output_paths_t *paths;
  const arcos_round_source_t *src;
  size_t np;
  uint64_t *cnt, *all, *pre; /* [np * NK]: this rank's, summed over ranks, prefix sums */
  uint64_t tot[NK];
  uint64_t rounds;                       /* the most rounds of any rank */
  arcos_round_t round;                   /* the current round */
  bool kept;                             /* one round: loaded and formatted once, in pass A */
  arcos_buf_t txt[NF];                   /* the round's lines */
  uint64_t *loff;                        /* [np * NF]: where a partition's lines start in txt */
  uint64_t *boff[NB], *bcnt[NB], *bbyte; /* the round's row blocks; a string column's bytes */
  size_t nb[NB];
  MPI_File fh[NF];
  bool open[NF];
  arcos_h5_t *h;
} writer_t;

static const char *const alert_names[] = {"integrity_violation", "low_quality", "clock_skew"};

static const char *input_of(const arcos_plan_t *plan, uint32_t part) {
  return plan->inputs[plan->parts[part].input].display;
}

/* A literal string to b (the fixed keys and punctuation of the lines). */
#define PUT_LIT(b, lit) arcos_buf_append((b), (lit), sizeof(lit) - 1)

void arcos_line_result(arcos_buf_t *b, const arcos_plan_t *plan, const item_t *it) {
  static const char *const comp[] = {"{\"completeness\":", ",\"integrity\":", ",\"provenance\":",
                                     ",\"freshness\":", ",\"signal\":"};
  arcos_buf_putc(b, '{');
  arcos_jsonw_key(b, true, "id");
  arcos_jsonw_value(b, it->id, it->id_len);
  PUT_LIT(b, ",\"score\":");
  arcos_buf_put_u64(b, it->score);
  PUT_LIT(b, ",\"components\":");
  for (int c = 0; c < 5; c++) {
    arcos_buf_puts(b, comp[c]);
    arcos_buf_put_u64(b, it->comp[c]);
  }
  PUT_LIT(b, "},\"alerts\":[");
  bool first = true;
  for (int a = 0; a < 3; a++) {
    if (it->alerts & (1u << a)) {
      if (!first)
        arcos_buf_putc(b, ',');
      arcos_buf_putc(b, '"');
      arcos_buf_puts(b, alert_names[a]);
      arcos_buf_putc(b, '"');
      first = false;
    }
  }
  PUT_LIT(b, "],\"alert_severity\":");
  if (it->severity == ARCOS_SEV_NONE) {
    PUT_LIT(b, "null");
  } else {
    arcos_buf_putc(b, '"');
    arcos_buf_puts(b, arcos_severity_name(it->severity));
    arcos_buf_putc(b, '"');
  }
  const char *in = input_of(plan, it->part);
  arcos_jsonw_key(b, false, "input");
  arcos_jsonw_str(b, in, strlen(in));
  PUT_LIT(b, ",\"line\":");
  arcos_buf_put_u64(b, it->line);
  PUT_LIT(b, "}\n");
}

void arcos_line_dlq(arcos_buf_t *b, const arcos_plan_t *plan, const fail_t *f) {
  const char *in = input_of(plan, f->part);
  arcos_buf_putc(b, '{');
  arcos_jsonw_key(b, true, "input");
  arcos_jsonw_str(b, in, strlen(in));
  PUT_LIT(b, ",\"line\":");
  arcos_buf_put_u64(b, f->line);
  PUT_LIT(b, ",\"byte_offset\":");
  arcos_buf_put_u64(b, f->offset);
  PUT_LIT(b, ",\"stage\":\"");
  arcos_buf_puts(b, arcos_stage_name(f->stage));
  PUT_LIT(b, "\",\"kind\":\"");
  arcos_buf_puts(b, arcos_error_kind_name(f->kind));
  arcos_buf_putc(b, '"');
  arcos_jsonw_key(b, false, "message");
  arcos_jsonw_str(b, f->message, arcos_fail_message_len(f));
  PUT_LIT(b, ",\"attempts\":");
  arcos_buf_put_u64(b, f->attempts);
  arcos_jsonw_key(b, false, "raw");
  arcos_jsonw_str(b, f->raw, f->raw_len);
  if (!arcos_utf8_valid(f->raw, f->raw_len)) {
    /* JSON strings cannot carry invalid UTF-8: the exact bytes travel as base64. */
    arcos_jsonw_key(b, false, "raw_base64");
    arcos_jsonw_base64(b, f->raw, f->raw_len);
  }
  PUT_LIT(b, "}\n");
}

void arcos_line_dup(arcos_buf_t *b, const arcos_plan_t *plan, const struct arcos_previous *prev,
                    const item_t *it) {
  const char *in = input_of(plan, it->part);
  /* A duplicate of an earlier run's record (--previous) names that run and the input
   * as it recorded it; one within this run has no first_run. */
  const char *run = it->first_run ? arcos_previous_path(prev, it->first_run - 1u) : NULL;
  const char *first = run != NULL ? arcos_previous_input(prev, it->first_run - 1u, it->first_input)
                                  : plan->inputs[it->first_input].display;
  arcos_buf_putc(b, '{');
  arcos_jsonw_key(b, true, "id");
  arcos_jsonw_value(b, it->id, it->id_len);
  arcos_jsonw_key(b, false, "input");
  arcos_jsonw_str(b, in, strlen(in));
  PUT_LIT(b, ",\"line\":");
  arcos_buf_put_u64(b, it->line);
  if (run != NULL) {
    arcos_jsonw_key(b, false, "first_run");
    arcos_jsonw_str(b, run, strlen(run));
  }
  arcos_jsonw_key(b, false, "first_input");
  arcos_jsonw_str(b, first, strlen(first));
  PUT_LIT(b, ",\"first_line\":");
  arcos_buf_put_u64(b, it->first_line);
  PUT_LIT(b, "}\n");
}

/* The round's lines into txt, and where each of its partitions' lines start. */
static void format_round(writer_t *w) {
  const arcos_round_t *r = &w->round;
  const arcos_plan_t *plan = w->in->plan;
  bool jsonl = w->paths->results_jsonl != NULL;
  for (int f = 0; f < NF; f++)
    arcos_buf_reset(&w->txt[f]);
  for (size_t q = 0; q < r->nparts; q++) {
    const arcos_round_part_t *rp = &r->parts[q];
    for (int f = 0; f < NF; f++)
      w->loff[rp->part * NF + (size_t)f] = w->txt[f].len;
    for (size_t i = rp->item_first; i < rp->item_first + rp->nitems; i++) {
      const item_t *it = &r->items[i];
      if (it->status != ITEM_STORED)
        arcos_line_dup(&w->txt[F_DUP], plan, w->in->prev, it);
      else if (jsonl)
        arcos_line_result(&w->txt[F_JSONL], plan, it);
    }
    for (size_t i = rp->fail_first; w->in->want_dlq && i < rp->fail_first + rp->nfails; i++)
      arcos_line_dlq(&w->txt[F_DLQ], plan, &r->fails[i]);
  }
}

/* Pass A for one round: rows, alerts, text and string bytes of its partitions. */
static void count_round(writer_t *w) {
  const arcos_round_t *r = &w->round;
  for (size_t q = 0; q < r->nparts; q++) {
    const arcos_round_part_t *rp = &r->parts[q];
    uint64_t *k = &w->cnt[rp->part * NK];
    const item_t *items = r->items + rp->item_first;
    const fail_t *fails = r->fails + rp->fail_first;
    for (size_t i = 0; i < rp->nitems; i++) {
      if (items[i].status == ITEM_STORED) {
        k[K_STORED]++;
        for (int a = 0; a < 3; a++)
          k[K_ALERTS] += (items[i].alerts >> a) & 1u;
      } else {
        k[K_DUP]++;
      }
    }
    k[K_FAIL] += rp->nfails;
    for (size_t c = 0, s = 0; c < arcos_ncolumns; c++)
      if (arcos_columns[c].type == ARCOS_H5_CHAR)
        k[K_STR + s++] += arcos_col_bytes(&arcos_columns[c], w->in->plan, items, rp->nitems, fails,
                                          rp->nfails);
    for (int f = 0; f < NF; f++) {
      uint64_t end = q + 1 < r->nparts ? w->loff[r->parts[q + 1].part * NF + (size_t)f]
                                       : w->txt[f].len;
      k[K_TEXT + f] += end - w->loff[rp->part * NF + (size_t)f];
    }
  }
}

static int pass_count(writer_t *w) {
  const arcos_outputs_in_t *in = w->in;
  int rank = in->ctx->rank;
  for (size_t p = 0; p < w->np; p++)
    if (in->plan->parts[p].rank == rank)
      w->cnt[p * NK + K_RECORDS] = in->rec->part_records[p];
  for (size_t s = 0; s < in->rec->nskips; s++) /* at-most-once: not redone after a crash */
    if (in->plan->parts[in->rec->skips[s].part].rank == rank)
      w->cnt[(size_t)in->rec->skips[s].part * NK + K_SKIPPED] += in->rec->skips[s].records;
  int rc = ARCOS_OK;
  for (size_t r = 0; r < w->src->nrounds && rc == ARCOS_OK; r++) {
    rc = w->src->load(w->src->arg, r, &w->round);
    if (rc == ARCOS_OK) {
      format_round(w);
      count_round(w);
    }
  }
  w->kept = w->src->nrounds == 1;
  return rc;
}

/* After pass A (collective): the sums over ranks, their prefix sums over partitions,
 * the number of rounds and the conservation terms. */
static void agree_counts(writer_t *w, totals_t *t) {
  const arcos_outputs_in_t *in = w->in;
  double t0 = arcos_now();
  MPI_Allreduce(w->cnt, w->all, (int)(w->np * NK), MPI_UINT64_T, MPI_SUM, in->ctx->comm);
  uint64_t mine = w->src->nrounds;
  MPI_Allreduce(&mine, &w->rounds, 1, MPI_UINT64_T, MPI_MAX, in->ctx->comm);
  in->m->comm_s += arcos_now() - t0;
  memset(w->tot, 0, sizeof w->tot);
  for (size_t p = 0; p < w->np; p++) {
    for (size_t c = 0; c < NK; c++) {
      w->pre[p * NK + c] = w->tot[c];
      w->tot[c] += w->all[p * NK + c];
    }
  }
  memset(t, 0, sizeof *t);
  /* Records dropped by backpressure were read (input) but never processed. */
  t->input = w->tot[K_RECORDS] + in->dropped;
  t->stored = w->tot[K_STORED];
  t->duplicates = w->tot[K_DUP];
  t->dead_lettered = in->want_dlq ? w->tot[K_FAIL] : 0;
  t->skipped = w->tot[K_SKIPPED] + (in->want_dlq ? 0 : w->tot[K_FAIL]);
  t->dropped = in->dropped;
}

/* Collective: create the text output `path` (a new file, `bytes` reserved on disk) and
 * open it for MPI-IO; a failure is reported by rank 0 and returned on every rank. */
static int text_open(const arcos_ctx_t *ctx, const char *path, uint64_t bytes, MPI_File *fh) {
  int e = 0;
  if (ctx->rank == 0) {
    /* A new file (never through a link planted at its name), its blocks reserved: a
     * full disk stops the run here, before any rank writes, with one clear message. */
    int fd;
    arcos_detail_t od;
    arcos_detail_clear(&od);
    if (arcos_out_create(path, ARCOS_OUT_FILE_MODE, &fd, &od) != ARCOS_OK)
      e = od.sys_errno;
    else {
      e = arcos_out_reserve(fd, 0, bytes, false, path, &od) != ARCOS_OK ? od.sys_errno : 0;
      if (close(fd) != 0 && e == 0)
        e = errno;
    }
    if (e != 0)
      fprintf(ctx->err, "arcos-scale: cannot write %s (%llu bytes): %s; %s\n", path,
              (unsigned long long)bytes, strerror(e),
              e == ENOSPC || e == EDQUOT ? "free space and rerun with --resume"
                                         : "check the output directory");
  }
  MPI_Bcast(&e, 1, MPI_INT, 0, ctx->comm);
  if (e != 0)
    return ARCOS_EIO;
  if (MPI_File_open(ctx->comm, path, MPI_MODE_WRONLY, MPI_INFO_NULL, fh) != MPI_SUCCESS) {
    if (ctx->rank == 0)
      fprintf(ctx->err, "arcos-scale: cannot open %s; check the output directory\n", path);
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}

static const char *text_path(const writer_t *w, int f) {
  const output_paths_t *p = w->paths;
  return f == F_JSONL ? p->results_jsonl : f == F_DLQ ? p->dlq_jsonl : p->duplicates_jsonl;
}

static int open_texts(writer_t *w) {
  for (int f = 0; f < NF; f++) {
    if (text_path(w, f) == NULL)
      continue;
    if (text_open(w->in->ctx, text_path(w, f), w->tot[K_TEXT + f], &w->fh[f]) != ARCOS_OK)
      return ARCOS_EIO;
    w->open[f] = true;
  }
  return ARCOS_OK;
}

static int close_texts(writer_t *w, int rc) {
  for (int f = 0; f < NF; f++) {
    if (!w->open[f])
      continue;
    w->open[f] = false;
    if (MPI_File_close(&w->fh[f]) != MPI_SUCCESS && rc == ARCOS_OK) {
      if (w->in->ctx->rank == 0)
        fprintf(w->in->ctx->err, "arcos-scale: closing %s failed\n", text_path(w, f));
      rc = ARCOS_EIO;
    }
  }
  return rc;
}

static bool write_at(MPI_File fh, uint64_t off, const char *src, uint64_t n) {
  for (uint64_t done = 0; done < n;) {
    int chunk = (int)((n - done) > (1u << 30) ? (1u << 30) : (n - done));
    MPI_Status st;
    if (MPI_File_write_at(fh, (MPI_Offset)(off + done), src + done, chunk, MPI_BYTE, &st) !=
        MPI_SUCCESS)
      return false;
    done += (uint64_t)chunk;
  }
  return true;
}

/* The round's lines at their partitions' places; ok[f] = 0 when file f failed. */
static void write_round_text(writer_t *w, int *ok) {
  const arcos_round_t *r = &w->round;
  for (size_t q = 0; q < r->nparts; q++) {
    size_t p = r->parts[q].part;
    for (int f = 0; f < NF; f++) {
      uint64_t n = w->all[p * NK + K_TEXT + (size_t)f];
      if (w->open[f] && n > 0 && ok[f])
        ok[f] = write_at(w->fh[f], w->pre[p * NK + K_TEXT + (size_t)f],
                         w->txt[f].data + w->loff[p * NF + (size_t)f], n);
    }
  }
}

/* The round's row blocks of each table and of /alerts: one per partition with rows. */
static void round_blocks(writer_t *w) {
  static const int key[NB] = {K_STORED, K_DUP, K_FAIL, K_ALERTS};
  for (int t = 0; t < NB; t++) {
    w->nb[t] = 0;
    for (size_t q = 0; q < w->round.nparts; q++) {
      size_t p = w->round.parts[q].part;
      uint64_t n = w->all[p * NK + (size_t)key[t]];
      if (n > 0) {
        w->boff[t][w->nb[t]] = w->pre[p * NK + (size_t)key[t]];
        w->bcnt[t][w->nb[t]++] = n;
      }
    }
  }
}

/* Each block's first byte in string column s: its partition's prefix sum. */
static void string_offsets(writer_t *w, int t, size_t s) {
  size_t k = 0;
  for (size_t q = 0; q < w->round.nparts; q++) {
    size_t p = w->round.parts[q].part;
    if (w->all[p * NK + (size_t)table_rows[t]] > 0)
      w->bbyte[k++] = w->pre[p * NK + K_STR + s];
  }
}

/* The k-th stored item's row in /evidence: walks the round's /evidence blocks. */
typedef struct {
  const writer_t *w;
  size_t b;
  uint64_t row, left;
} row_walk_t;

static uint64_t next_row(void *arg, size_t k) {
  row_walk_t *rw = arg;
  (void)k;
  if (rw->left == 0) { /* the next block of /evidence */
    rw->row = rw->w->boff[ARCOS_TBL_EVIDENCE][rw->b];
    rw->left = rw->w->bcnt[ARCOS_TBL_EVIDENCE][rw->b];
    rw->b++;
  }
  rw->left--;
  return rw->row++;
}

static int write_round_alerts(writer_t *w, const arcos_colbuf_t *b) {
  row_walk_t rw = {w, 0, 0, 0};
  size_t na = arcos_col_alerts(w->round.items, w->round.nitems, next_row, &rw, b);
  const size_t n = w->nb[B_ALERTS];
  const uint64_t total = w->tot[K_ALERTS], *off = w->boff[B_ALERTS], *cnt = w->bcnt[B_ALERTS];
  arcos_h5_t *h = w->h;
  int rc = arcos_h5_write_into(h, "/alerts/row", ARCOS_H5_U64, total, n, off, cnt, b->u64);
  ARCOS_THEN(arcos_h5_write_into(h, "/alerts/kind", ARCOS_H5_U8, total, n, off, cnt, b->u8));
  arcos_col_alert_severity(b->u8, na);
  ARCOS_THEN(
      arcos_h5_write_into(h, "/alerts/severity", ARCOS_H5_SEVERITY, total, n, off, cnt, b->u8));
  return rc;
}

/* The round's rows (possibly none: every rank takes part in every round) into every
 * column of the table and /alerts. */
static int write_round_rows(writer_t *w) {
  const arcos_round_t *r = &w->round;
  round_blocks(w);
  size_t na = 0;
  for (size_t k = 0; k < w->nb[B_ALERTS]; k++)
    na += (size_t)w->bcnt[B_ALERTS][k];
  size_t n = r->nitems > r->nfails ? r->nitems : r->nfails;
  arcos_colbuf_t b;
  if (!arcos_colbuf_alloc(&b, n > na ? n : na))
    ARCOS_ABORT_OOM(w->in->ctx->comm);
  int rc = ARCOS_OK;
  for (size_t c = 0, s = 0; c < arcos_ncolumns && rc == ARCOS_OK; c++) {
    const arcos_col_t *col = &arcos_columns[c];
    int t = col->table;
    uint64_t rows = w->tot[table_rows[t]];
    arcos_col_fill(col, w->in->plan, r->items, r->nitems, r->fails, r->nfails, &b);
    if (col->type == ARCOS_H5_CHAR) {
      string_offsets(w, t, s);
      rc = arcos_h5_write_strings_into(w->h, col->path, rows, w->tot[K_STR + s], w->nb[t],
                                       w->boff[t], w->bcnt[t], w->bbyte, b.sp, b.sl);
      s++;
    } else {
      rc = arcos_h5_write_into(w->h, col->path, col->type, rows, w->nb[t], w->boff[t], w->bcnt[t],
                               arcos_colbuf_data(&b, col->type));
    }
  }
  ARCOS_THEN(write_round_alerts(w, &b));
  arcos_colbuf_free(&b);
  return rc;
}

/* Pass B: round r writes every rank's r-th round (an empty one past its last). */
static int pass_write(writer_t *w) {
  const arcos_ctx_t *ctx = w->in->ctx;
  int rc = ARCOS_OK;
  for (uint64_t r = 0; r < w->rounds && rc == ARCOS_OK; r++) {
    int ok[1 + NF] = {1, 1, 1, 1}, all_ok[1 + NF];
    if (r >= w->src->nrounds)
      memset(&w->round, 0, sizeof w->round);
    else if (!w->kept && w->src->load(w->src->arg, (size_t)r, &w->round) != ARCOS_OK)
      ok[0] = 0;
    else if (!w->kept)
      format_round(w);
    if (ok[0])
      write_round_text(w, ok + 1);
    MPI_Allreduce(ok, all_ok, 1 + NF, MPI_INT, MPI_MIN, ctx->comm);
    for (int f = 0; f <= NF; f++)
      if (!all_ok[f])
        rc = ARCOS_EIO;
    for (int f = 0; f < NF && all_ok[0] && ctx->rank == 0; f++)
      if (!all_ok[1 + f])
        fprintf(ctx->err,
                "arcos-scale: writing %s failed (disk full?); free space and rerun "
                "with --resume\n",
                text_path(w, f));
    ARCOS_THEN(write_round_rows(w));
  }
  return rc;
}

/* Every dataset of the column table and of /alerts, sized for all rows. */
static int create_columns(writer_t *w) {
  arcos_h5_t *h = w->h;
  int rc = ARCOS_OK;
  size_t s = 0;
  for (int t = 0; t < ARCOS_TBL_COUNT; t++) {
    ARCOS_THEN(arcos_h5_group(h, arcos_table_group[t]));
    uint64_t rows = w->tot[table_rows[t]];
    for (size_t c = 0; c < arcos_ncolumns; c++) {
      const arcos_col_t *col = &arcos_columns[c];
      if (col->type == ARCOS_H5_CHAR && col->table == t)
        ARCOS_THEN(arcos_h5_create_strings(h, col->path, rows, w->tot[K_STR + s]));
      else if (col->table == t)
        ARCOS_THEN(arcos_h5_create_column(h, col->path, col->type, rows));
      s += col->type == ARCOS_H5_CHAR && col->table == t;
    }
    if (t == ARCOS_TBL_EVIDENCE) {
      uint64_t na = w->tot[K_ALERTS];
      ARCOS_THEN(arcos_h5_group(h, "/alerts"));
      ARCOS_THEN(arcos_h5_create_column(h, "/alerts/row", ARCOS_H5_U64, na));
      ARCOS_THEN(arcos_h5_create_column(h, "/alerts/kind", ARCOS_H5_U8, na));
      ARCOS_THEN(arcos_h5_create_column(h, "/alerts/severity", ARCOS_H5_SEVERITY, na));
    }
  }
  return rc;
}

/* What the codes in the tables mean. */
static int h5_code_attrs(arcos_h5_t *h, const arcos_outputs_in_t *in) {
  int rc = arcos_h5_attr_string(h, "/evidence/alerts", "bits",
                                "1=integrity_violation 2=low_quality 4=clock_skew");
  ARCOS_THEN(arcos_h5_attr_string(h, "/evidence/timestamp", "invalid",
                                  "-9223372036854775808 marks a missing or invalid timestamp"));
  ARCOS_THEN(arcos_h5_attr_string(h, "/alerts/kind", "codes",
                                  "1=integrity_violation 2=low_quality 3=clock_skew"));
  ARCOS_THEN(arcos_h5_attr_string(h, "/errors/kind", "codes", "1=parse 2=invalid 3=stage 4=io"));
  ARCOS_THEN(arcos_h5_attr_string(h, "/duplicates/first_run", "codes",
                                  "4294967295=first occurrence in this run; else the index in the "
                                  "root attribute previous_runs (first_input indexes that run's "
                                  "/inputs)"));
  ARCOS_THEN(arcos_h5_attr_string(h, "/errors/stage", "codes",
                                  "0=ingestion 1=analysis 2=scoring 3=alert_generation 4=storage"));
  ARCOS_THEN(arcos_h5_attr_string(h, "/errors", "policy", in->on_error_name));
  return rc;
}

/* /inputs: rank 0 writes the table of inputs (index = the input column elsewhere). */
static int h5_inputs(arcos_h5_t *h, const arcos_outputs_in_t *in) {
  const arcos_plan_t *plan = in->plan;
  size_t ni = plan->ninputs;
  const char **ip = malloc((ni + 1) * sizeof *ip);
  uint32_t *il = malloc((ni + 1) * sizeof *il);
  uint64_t *isz = malloc((ni + 1) * sizeof *isz);
  uint8_t *ifmt = malloc(ni + 1);
  if (ip == NULL || il == NULL || isz == NULL || ifmt == NULL)
    ARCOS_ABORT_OOM(in->ctx->comm);
  for (size_t i = 0; i < ni; i++) {
    ip[i] = plan->inputs[i].display;
    il[i] = (uint32_t)strlen(ip[i]);
    isz[i] = plan->inputs[i].size;
    ifmt[i] = (uint8_t)plan->inputs[i].format;
  }
  uint64_t zero = 0, cnt = ni;
  size_t nb = in->ctx->rank == 0 && ni > 0 ? 1 : 0;
  int rc = arcos_h5_group(h, "/inputs");
  ARCOS_THEN(arcos_h5_write_strings(h, "/inputs/path", ni, nb, &zero, &cnt, ip, il));
  ARCOS_THEN(arcos_h5_write_blocks(h, "/inputs/size", ARCOS_H5_U64, ni, nb, &zero, &cnt, isz));
  ARCOS_THEN(arcos_h5_write_blocks(h, "/inputs/format", ARCOS_H5_U8, ni, nb, &zero, &cnt, ifmt));
  ARCOS_THEN(arcos_h5_attr_string(h, "/inputs/format", "codes", "0=jsonl 1=jsonl.gz 2=json 4=h5"));
  free(ip);
  free(il);
  free(isz);
  free(ifmt);
  return rc;
}

/* /ranks: each rank writes its own row (metrics up to the start of output). */
static int h5_ranks(arcos_h5_t *h, const arcos_outputs_in_t *in) {
  const rank_metrics_t *m = in->m;
  uint64_t row = (uint64_t)in->ctx->rank, one = 1, n = (uint64_t)in->ctx->size;
  const char *host = m->host;
  uint32_t hl = (uint32_t)strlen(host);
  int rc = arcos_h5_group(h, "/ranks");
  ARCOS_THEN(arcos_h5_write_strings(h, "/ranks/host", n, 1, &row, &one, &host, &hl));
  uint64_t items = m->items;
  ARCOS_THEN(arcos_h5_write_blocks(h, "/ranks/items", ARCOS_H5_U64, n, 1, &row, &one, &items));
  const double v[] = {m->busy_s, m->io_s, m->comm_s, m->idle_s};
  static const char *const names[] = {"/ranks/busy_s", "/ranks/io_s", "/ranks/comm_s",
                                      "/ranks/idle_s"};
  for (int k = 0; k < 4; k++)
    ARCOS_THEN(arcos_h5_write_blocks(h, names[k], ARCOS_H5_F64, n, 1, &row, &one, &v[k]));
  return rc;
}

/* The job config and the conservation terms as attributes of the file. */
static int h5_file_attrs(arcos_h5_t *h, const arcos_outputs_in_t *in, const output_paths_t *paths,
                         const totals_t *t) {
  int rc = arcos_h5_attr_string(h, "/", "arcos_version", ARCOS_VERSION);
  ARCOS_THEN(arcos_h5_attr_string(h, "/", "config", paths->config_json));
  if (in->rules_text != NULL) /* the canonical text of the scoring rules (SPEC §2) */
    ARCOS_THEN(arcos_h5_attr_string(h, "/", "scoring_rules", in->rules_text));
  { /* SPEC §3: the earlier runs (--previous) as JSON text; [] when none */
    json_t *pj = arcos_previous_json(in->prev);
    char *pt = json_dumps(pj, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(pj);
    if (pt == NULL)
      ARCOS_ABORT_OOM(in->ctx->comm);
    ARCOS_THEN(arcos_h5_attr_string(h, "/", "previous_runs", pt));
    free(pt);
  }
  char ref[32];
  arcos_rfc3339_format(in->reference_time, ref);
  ARCOS_THEN(arcos_h5_attr_string(h, "/", "reference_time", ref));
  ARCOS_THEN(arcos_h5_attr_u64(h, "/", "records_input", t->input));
  ARCOS_THEN(arcos_h5_attr_u64(h, "/", "records_stored", t->stored));
  ARCOS_THEN(arcos_h5_attr_u64(h, "/", "records_duplicates", t->duplicates));
  ARCOS_THEN(arcos_h5_attr_u64(h, "/", "records_dead_lettered", t->dead_lettered));
  ARCOS_THEN(arcos_h5_attr_u64(h, "/", "records_skipped", t->skipped));
  ARCOS_THEN(arcos_h5_attr_u64(h, "/", "records_dropped", t->dropped));
  bool conserved = t->input ==
                   t->stored + t->duplicates + t->dead_lettered + t->skipped + t->dropped;
  ARCOS_THEN(arcos_h5_attr_i64(h, "/", "records_conserved", conserved ? 1 : 0));
  return rc;
}

/* Close results.h5 (collective); rank 0 says what failed when rc or the close failed.
 * Returns rc, or the close's code when rc was ARCOS_OK. */
static int h5_close(writer_t *w, int rc) {
  const arcos_ctx_t *ctx = w->in->ctx;
  const char *path = w->paths->results_h5;
  if (rc != ARCOS_OK && ctx->rank == 0) /* rank 0 reserves the space: its text says why */
    fprintf(ctx->err,
            "arcos-scale: writing %s failed: %s; free space (if the disk is "
            "full) and rerun with --resume\n",
            path, arcos_h5_errmsg(w->h));
  int crc = arcos_h5_close(&w->h);
  if (crc != ARCOS_OK && rc == ARCOS_OK && ctx->rank == 0)
    fprintf(ctx->err,
            "arcos-scale: closing %s failed (disk full?); free space and rerun "
            "with --resume\n",
            path);
  return rc != ARCOS_OK ? rc : crc;
}

static int h5_create(writer_t *w) {
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_h5_create(w->in->ctx->comm, w->paths->results_h5, &w->h, &d);
  if (rc != ARCOS_OK && w->in->ctx->rank == 0)
    fprintf(w->in->ctx->err,
            "arcos-scale: %s: %s; free space (if the disk is full) and rerun with --resume\n",
            w->paths->results_h5, d.text);
  return rc;
}

/* dropped.jsonl (streaming): rank 0 read the stream and dropped the batches, so it
 * alone holds their ids; written to its temporary name, renamed with the others. */
static int write_dropped(const arcos_outputs_in_t *in, const char *path) {
  int ok = 1;
  if (in->ctx->rank == 0) {
    int fd; /* -1 when it cannot be created: then ok = 0 below */
    arcos_out_create(path, ARCOS_OUT_FILE_MODE, &fd, NULL);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL && fd >= 0)
      close(fd);
    const arcos_buf_t *b = in->dropped_lines;
    ok = f != NULL && (b == NULL || b->len == 0 || fwrite(b->data, 1, b->len, f) == b->len);
    if (f != NULL && fclose(f) != 0)
      ok = 0;
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, in->ctx->comm);
  if (ok)
    return ARCOS_OK;
  if (in->ctx->rank == 0)
    fprintf(in->ctx->err, "arcos-scale: cannot write %s\n", path);
  return ARCOS_EIO;
}

/* After pass A: the text files, dropped.jsonl and results.h5, written in rounds. */
static int write_files(writer_t *w, const totals_t *t) {
  int rc = open_texts(w);
  if (rc == ARCOS_OK && w->paths->dropped_jsonl != NULL)
    rc = write_dropped(w->in, w->paths->dropped_jsonl);
  if (rc == ARCOS_OK && (rc = h5_create(w)) == ARCOS_OK) {
    rc = create_columns(w);
    ARCOS_THEN(pass_write(w));
    ARCOS_THEN(h5_code_attrs(w->h, w->in));
    ARCOS_THEN(h5_inputs(w->h, w->in));
    ARCOS_THEN(h5_ranks(w->h, w->in));
    ARCOS_THEN(h5_file_attrs(w->h, w->in, w->paths, t));
    rc = h5_close(w, rc);
  }
  return close_texts(w, rc);
}

static bool writer_alloc(writer_t *w) {
  size_t np = w->np;
  w->cnt = calloc(np * NK + 1, sizeof *w->cnt);
  w->all = calloc(np * NK + 1, sizeof *w->all);
  w->pre = calloc(np * NK + 1, sizeof *w->pre);
  w->loff = calloc(np * NF + 1, sizeof *w->loff);
  w->bbyte = calloc(np + 1, sizeof *w->bbyte);
  bool ok = w->cnt != NULL && w->all != NULL && w->pre != NULL && w->loff != NULL &&
            w->bbyte != NULL;
  for (int t = 0; t < NB; t++) {
    w->boff[t] = calloc(np + 1, sizeof(uint64_t));
    w->bcnt[t] = calloc(np + 1, sizeof(uint64_t));
    ok = ok && w->boff[t] != NULL && w->bcnt[t] != NULL;
  }
  return ok;
}

static void writer_free(writer_t *w) {
  free(w->cnt);
  free(w->all);
  free(w->pre);
  free(w->loff);
  free(w->bbyte);
  for (int t = 0; t < NB; t++) {
    free(w->boff[t]);
    free(w->bcnt[t]);
  }
  for (int f = 0; f < NF; f++)
    arcos_buf_free(&w->txt[f]);
}

int arcos_outputs_write(const arcos_outputs_in_t *in, const output_paths_t *paths,
                        const arcos_round_source_t *src, totals_t *totals) {
  MPI_Comm comm = in->ctx->comm;
  writer_t w = {.in = in, .paths = paths, .src = src, .np = in->plan->nparts};
  size_t nstr = 0;
  for (size_t c = 0; c < arcos_ncolumns; c++)
    nstr += arcos_columns[c].type == ARCOS_H5_CHAR;
  if (nstr > NK - K_STR)
    ARCOS_ABORT(comm, "internal error: %zu string columns, room for %d", nstr, NK - K_STR);
  if (!writer_alloc(&w))
    ARCOS_ABORT_OOM(comm);
  double t0 = arcos_now();
  int rc = pass_count(&w);
  in->m->busy_s += arcos_now() - t0;
  int ok = rc == ARCOS_OK, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
  if (all_ok) {
    agree_counts(&w, totals);
    t0 = arcos_now();
    rc = write_files(&w, totals);
    in->m->io_s += arcos_now() - t0;
  } else {
    rc = ARCOS_EIO; /* the source said which segment it could not read */
  }
  writer_free(&w);
  return rc;
}

/* The in-memory round source: one round, the records store as it is. */
typedef struct {
  const arcos_records_t *rec;
  arcos_round_part_t *parts;
  size_t nparts;
} mem_source_t;

static int mem_load(void *arg, size_t r, arcos_round_t *out) {
  const mem_source_t *m = arg;
  (void)r;
  *out = (arcos_round_t){m->rec->items,  m->rec->nitems, m->rec->fails,
                         m->rec->nfails, m->parts,       m->nparts};
  return ARCOS_OK;
}

int arcos_outputs_write_memory(const arcos_outputs_in_t *in, const output_paths_t *paths,
                               totals_t *totals) {
  const arcos_records_t *rec = in->rec;
  const arcos_plan_t *plan = in->plan;
  mem_source_t m = {rec, malloc((plan->nparts + 1) * sizeof *m.parts), 0};
  if (m.parts == NULL)
    ARCOS_ABORT_OOM(in->ctx->comm);
  for (size_t p = 0; p < plan->nparts; p++) {
    if (plan->parts[p].rank != in->ctx->rank)
      continue;
    arcos_round_part_t *rp = &m.parts[m.nparts++];
    *rp = (arcos_round_part_t){p, rec->part_item_first[p], 0, rec->part_fail_first[p], 0};
    while (rp->item_first + rp->nitems < rec->nitems &&
           rec->items[rp->item_first + rp->nitems].part == p)
      rp->nitems++;
    while (rp->fail_first + rp->nfails < rec->nfails &&
           rec->fails[rp->fail_first + rp->nfails].part == p)
      rp->nfails++;
  }
  arcos_round_source_t src = {1, mem_load, &m};
  int rc = arcos_outputs_write(in, paths, &src, totals);
  free(m.parts);
  return rc;
}
