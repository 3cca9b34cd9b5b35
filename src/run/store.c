/* Storage: every output in global order, written by all ranks at once.
 *
 * Each rank formats its partitions' lines, one per-partition count/byte vector is
 * summed over ranks (MPI_Allreduce), and prefix sums over partitions give every
 * partition its place in each file; partitions are in global order, so the files do
 * not depend on the rank count. Text files go through MPI-IO (independent writes at
 * disjoint offsets), results.h5 through the collective HDF5 module. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/h5.h"
#include "arcos/outfile.h"
#include "arcos/rules.h"
#include "core/jsonw.h"
#include "run/columns.h"
#include "run/job_internal.h"
#include "run/previous.h"
#include "run/records.h"
#include "run/store.h"

enum { C_RECORDS, C_STORED, C_DUP, C_FAIL, C_SKIPPED, C_ALERTS, C_JSONL_B, C_DLQ_B, C_DUP_B, NC };

static const char *const alert_names[] = {"integrity_violation", "low_quality", "clock_skew"};

void arcos_line_result(arcos_buf_t *b, const job_t *job, const item_t *it) {
  static const char *const comp[] = {"completeness", "integrity", "provenance", "freshness",
                                     "signal"};
  arcos_buf_putc(b, '{');
  arcos_jsonw_key(b, true, "id");
  arcos_jsonw_value(b, it->id, it->id_len);
  arcos_buf_printf(b, ",\"score\":%u,\"components\":{", it->score);
  for (int c = 0; c < 5; c++)
    arcos_buf_printf(b, "%s\"%s\":%u", c ? "," : "", comp[c], it->comp[c]);
  arcos_buf_append(b, "},\"alerts\":[", 12);
  bool first = true;
  for (int a = 0; a < 3; a++) {
    if (it->alerts & (1u << a)) {
      arcos_buf_printf(b, "%s\"%s\"", first ? "" : ",", alert_names[a]);
      first = false;
    }
  }
  arcos_buf_append(b, "],\"alert_severity\":", 19);
  if (it->severity == ARCOS_SEV_NONE)
    arcos_buf_append(b, "null", 4);
  else
    arcos_buf_printf(b, "\"%s\"", arcos_severity_name(it->severity));
  const char *in = job->plan.inputs[job->plan.parts[it->part].input].display;
  arcos_jsonw_key(b, false, "input");
  arcos_jsonw_str(b, in, strlen(in));
  arcos_buf_printf(b, ",\"line\":%llu}\n", (unsigned long long)it->line);
}

void arcos_line_dlq(arcos_buf_t *b, const job_t *job, const fail_t *f) {
  const char *in = job->plan.inputs[job->plan.parts[f->part].input].display;
  arcos_buf_putc(b, '{');
  arcos_jsonw_key(b, true, "input");
  arcos_jsonw_str(b, in, strlen(in));
  arcos_buf_printf(b, ",\"line\":%llu,\"byte_offset\":%llu,\"stage\":\"%s\",\"kind\":\"%s\"",
                   (unsigned long long)f->line, (unsigned long long)f->offset,
                   arcos_stage_name(f->stage), arcos_error_kind_name(f->kind));
  arcos_jsonw_key(b, false, "message");
  arcos_jsonw_str(b, f->message, arcos_fail_message_len(f));
  arcos_buf_printf(b, ",\"attempts\":%u", f->attempts);
  arcos_jsonw_key(b, false, "raw");
  arcos_jsonw_str(b, f->raw, f->raw_len);
  if (!arcos_utf8_valid(f->raw, f->raw_len)) {
    /* JSON strings cannot carry invalid UTF-8: the exact bytes travel as base64. */
    arcos_jsonw_key(b, false, "raw_base64");
    arcos_jsonw_base64(b, f->raw, f->raw_len);
  }
  arcos_buf_append(b, "}\n", 2);
}

void arcos_line_dup(arcos_buf_t *b, const job_t *job, const item_t *it) {
  const char *in = job->plan.inputs[job->plan.parts[it->part].input].display;
  /* A duplicate of an earlier run's record (--previous) names that run and the input
   * as it recorded it; one within this run has no first_run. */
  const char *run = it->first_run ? arcos_previous_path(job->prev, it->first_run - 1u) : NULL;
  const char *first = run != NULL
                          ? arcos_previous_input(job->prev, it->first_run - 1u, it->first_input)
                          : job->plan.inputs[it->first_input].display;
  arcos_buf_putc(b, '{');
  arcos_jsonw_key(b, true, "id");
  arcos_jsonw_value(b, it->id, it->id_len);
  arcos_jsonw_key(b, false, "input");
  arcos_jsonw_str(b, in, strlen(in));
  arcos_buf_printf(b, ",\"line\":%llu", (unsigned long long)it->line);
  if (run != NULL) {
    arcos_jsonw_key(b, false, "first_run");
    arcos_jsonw_str(b, run, strlen(run));
  }
  arcos_jsonw_key(b, false, "first_input");
  arcos_jsonw_str(b, first, strlen(first));
  arcos_buf_printf(b, ",\"first_line\":%llu}\n", (unsigned long long)it->first_line);
}

/* Items and fails of partition p on this rank: [first, end). */
static size_t items_end(const job_t *job, size_t p) {
  size_t i = job->rec.part_item_first[p];
  while (i < job->rec.nitems && job->rec.items[i].part == p)
    i++;
  return i;
}

static size_t fails_end(const job_t *job, size_t p) {
  size_t i = job->rec.part_fail_first[p];
  while (i < job->rec.nfails && job->rec.fails[i].part == p)
    i++;
  return i;
}

int arcos_text_open(job_t *job, const char *path, uint64_t bytes, MPI_File *fh) {
  MPI_Comm comm = job->ctx->comm;
  int e = 0;
  if (job->ctx->rank == 0) {
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
      fprintf(job->ctx->err, "arcos-scale: cannot write %s (%llu bytes): %s; %s\n", path,
              (unsigned long long)bytes, strerror(e),
              e == ENOSPC || e == EDQUOT ? "free space and rerun with --resume"
                                         : "check the output directory");
  }
  MPI_Bcast(&e, 1, MPI_INT, 0, comm);
  if (e != 0)
    return ARCOS_EIO;
  if (MPI_File_open(comm, path, MPI_MODE_WRONLY, MPI_INFO_NULL, fh) != MPI_SUCCESS) {
    if (job->ctx->rank == 0)
      fprintf(job->ctx->err, "arcos-scale: cannot open %s; check the output directory\n", path);
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}

static int write_text(job_t *job, const char *path, const arcos_buf_t *buf,
                      const uint64_t *local_off, const uint64_t *all, int col) {
  MPI_Comm comm = job->ctx->comm;
  uint64_t bytes = 0;
  for (size_t p = 0; p < job->plan.nparts; p++)
    bytes += all[p * NC + (size_t)col];
  MPI_File fh;
  if (arcos_text_open(job, path, bytes, &fh) != ARCOS_OK)
    return ARCOS_EIO;
  int ok = 1;
  uint64_t goff = 0;
  for (size_t p = 0; p < job->plan.nparts; p++) {
    uint64_t n = all[p * NC + (size_t)col];
    if (job->plan.parts[p].rank == job->ctx->rank && n > 0) {
      const char *src = buf->data + local_off[p];
      uint64_t done = 0;
      while (done < n && ok) {
        int chunk = (int)((n - done) > (1u << 30) ? (1u << 30) : (n - done));
        MPI_Status st;
        if (MPI_File_write_at(fh, (MPI_Offset)(goff + done), src + done, chunk, MPI_BYTE, &st) !=
            MPI_SUCCESS)
          ok = 0;
        done += (uint64_t)chunk;
      }
    }
    goff += n;
  }
  if (MPI_File_close(&fh) != MPI_SUCCESS)
    ok = 0;
  int all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
  if (!all_ok && job->ctx->rank == 0)
    fprintf(job->ctx->err,
            "arcos-scale: writing %s failed (disk full?); free space and rerun "
            "with --resume\n",
            path);
  return all_ok ? ARCOS_OK : ARCOS_EIO;
}

/* Row blocks of this rank for one table: one block per own partition. */
typedef struct {
  uint64_t *off, *cnt;
  size_t n;
  uint64_t total;
} blocks_t;

static void make_blocks(const job_t *job, const uint64_t *all, int col, blocks_t *b) {
  b->n = 0;
  b->total = 0;
  for (size_t p = 0; p < job->plan.nparts; p++) {
    uint64_t n = all[p * NC + (size_t)col];
    if (job->plan.parts[p].rank == job->ctx->rank && n > 0) {
      b->off[b->n] = b->total;
      b->cnt[b->n] = n;
      b->n++;
    }
    b->total += n;
  }
}

/* The k-th stored item's row in /evidence: walks this rank's /evidence blocks. */
typedef struct {
  const blocks_t *ev;
  size_t b;
  uint64_t row, left;
} row_walk_t;

static uint64_t next_row(void *arg, size_t k) {
  row_walk_t *w = arg;
  (void)k;
  if (w->left == 0) { /* next own block of /evidence */
    w->row = w->ev->off[w->b];
    w->left = w->ev->cnt[w->b];
    w->b++;
  }
  w->left--;
  return w->row++;
}

/* One column of the table (columns.h) over this rank's blocks. */
static int write_col(arcos_h5_t *h, const arcos_col_t *c, const blocks_t *bl,
                     const arcos_colbuf_t *b) {
  if (c->type == ARCOS_H5_CHAR)
    return arcos_h5_write_strings(h, c->path, bl->total, bl->n, bl->off, bl->cnt, b->sp, b->sl);
  return arcos_h5_write_blocks(h, c->path, c->type, bl->total, bl->n, bl->off, bl->cnt,
                               arcos_colbuf_data(b, c->type));
}

/* /alerts: one row per alert; row = the record's row in /evidence. */
static int write_alerts(job_t *job, arcos_h5_t *h, const blocks_t *ev, const blocks_t *al,
                        const arcos_colbuf_t *b) {
  row_walk_t w = {ev, 0, 0, 0};
  size_t na = arcos_col_alerts(job->rec.items, job->rec.nitems, next_row, &w, b);
  int rc = arcos_h5_group(h, "/alerts");
  ARCOS_THEN(arcos_h5_write_blocks(h, "/alerts/row", ARCOS_H5_U64, al->total, al->n, al->off,
                                   al->cnt, b->u64));
  ARCOS_THEN(arcos_h5_write_blocks(h, "/alerts/kind", ARCOS_H5_U8, al->total, al->n, al->off,
                                   al->cnt, b->u8));
  arcos_col_alert_severity(b->u8, na);
  ARCOS_THEN(arcos_h5_write_blocks(h, "/alerts/severity", ARCOS_H5_SEVERITY, al->total, al->n,
                                   al->off, al->cnt, b->u8));
  return rc;
}

static int write_h5(job_t *job, const output_paths_t *paths, const blocks_t *ev, const blocks_t *al,
                    const blocks_t *du, const blocks_t *er) {
  MPI_Comm comm = job->ctx->comm;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  arcos_h5_t *h = NULL;
  int rc = arcos_h5_create(comm, paths->results_h5, &h, &d);
  if (rc != ARCOS_OK) {
    if (job->ctx->rank == 0)
      fprintf(job->ctx->err,
              "arcos-scale: %s: %s; free space (if the disk is full) and rerun with --resume\n",
              paths->results_h5, d.text);
    return rc;
  }
  size_t na = 0;
  for (size_t i = 0; i < job->rec.nitems; i++)
    for (int a = 0; a < 3 && job->rec.items[i].status == ITEM_STORED; a++)
      na += (job->rec.items[i].alerts >> a) & 1u;
  size_t nmax = job->rec.nitems > job->rec.nfails ? job->rec.nitems : job->rec.nfails;
  arcos_colbuf_t b;
  if (!arcos_colbuf_alloc(&b, nmax > na ? nmax : na))
    ARCOS_ABORT_OOM(comm);
  const blocks_t *tb[ARCOS_TBL_COUNT] = {ev, du, er};
  for (int t = 0; t < ARCOS_TBL_COUNT; t++) {
    ARCOS_THEN(arcos_h5_group(h, arcos_table_group[t]));
    for (size_t c = 0; c < arcos_ncolumns; c++) {
      if (arcos_columns[c].table != t)
        continue;
      arcos_col_fill(&arcos_columns[c], &job->plan, job->rec.items, job->rec.nitems, job->rec.fails,
                     job->rec.nfails, &b);
      ARCOS_THEN(write_col(h, &arcos_columns[c], tb[t], &b));
    }
    if (t == ARCOS_TBL_EVIDENCE)
      ARCOS_THEN(write_alerts(job, h, ev, al, &b));
  }
  ARCOS_THEN(arcos_store_h5_common(job, h, paths));
  rc = arcos_store_h5_close(job, paths, &h, rc);
  arcos_colbuf_free(&b);
  return rc;
}

int arcos_store_h5_close(job_t *job, const output_paths_t *paths, arcos_h5_t **h, int rc) {
  if (rc != ARCOS_OK && job->ctx->rank == 0) /* rank 0 reserves the space: its text says why */
    fprintf(job->ctx->err,
            "arcos-scale: writing %s failed: %s; free space (if the disk is "
            "full) and rerun with --resume\n",
            paths->results_h5, arcos_h5_errmsg(*h));
  int crc = arcos_h5_close(h);
  if (crc != ARCOS_OK && rc == ARCOS_OK && job->ctx->rank == 0)
    fprintf(job->ctx->err,
            "arcos-scale: closing %s failed (disk full?); free space and rerun "
            "with --resume\n",
            paths->results_h5);
  return rc != ARCOS_OK ? rc : crc;
}

int arcos_store_h5_common(job_t *job, arcos_h5_t *h, const output_paths_t *paths) {
  MPI_Comm comm = job->ctx->comm;
  int rc = ARCOS_OK;
  /* What the codes in the tables mean. */
  ARCOS_THEN(arcos_h5_attr_string(h, "/evidence/alerts", "bits",
                                  "1=integrity_violation 2=low_quality 4=clock_skew"));
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
  ARCOS_THEN(arcos_h5_attr_string(h, "/errors", "policy", arcos_on_error_name(job->cfg->on_error)));

  /* /inputs: rank 0 writes the table of inputs (index = the input column elsewhere). */
  ARCOS_THEN(arcos_h5_group(h, "/inputs"));
  {
    size_t ni = job->plan.ninputs;
    const char **ip = malloc((ni + 1) * sizeof *ip);
    uint32_t *il = malloc((ni + 1) * sizeof *il);
    uint64_t *isz = malloc((ni + 1) * sizeof *isz);
    uint8_t *ifmt = malloc(ni + 1);
    if (ip == NULL || il == NULL || isz == NULL || ifmt == NULL)
      ARCOS_ABORT_OOM(comm);
    for (size_t i = 0; i < ni; i++) {
      ip[i] = job->plan.inputs[i].display;
      il[i] = (uint32_t)strlen(ip[i]);
      isz[i] = job->plan.inputs[i].size;
      ifmt[i] = (uint8_t)job->plan.inputs[i].format;
    }
    uint64_t zero = 0, cnt = ni;
    size_t nb = job->ctx->rank == 0 && ni > 0 ? 1 : 0;
    ARCOS_THEN(arcos_h5_write_strings(h, "/inputs/path", ni, nb, &zero, &cnt, ip, il));
    ARCOS_THEN(arcos_h5_write_blocks(h, "/inputs/size", ARCOS_H5_U64, ni, nb, &zero, &cnt, isz));
    ARCOS_THEN(arcos_h5_write_blocks(h, "/inputs/format", ARCOS_H5_U8, ni, nb, &zero, &cnt, ifmt));
    ARCOS_THEN(
        arcos_h5_attr_string(h, "/inputs/format", "codes", "0=jsonl 1=jsonl.gz 2=json 4=h5"));
    free(ip);
    free(il);
    free(isz);
    free(ifmt);
  }

  /* /ranks: each rank writes its own row (metrics up to the start of output). */
  ARCOS_THEN(arcos_h5_group(h, "/ranks"));
  {
    uint64_t row = (uint64_t)job->ctx->rank, one = 1, n = (uint64_t)job->ctx->size;
    const char *host = job->m.host;
    uint32_t hl = (uint32_t)strlen(host);
    ARCOS_THEN(arcos_h5_write_strings(h, "/ranks/host", n, 1, &row, &one, &host, &hl));
    uint64_t items = job->m.items;
    ARCOS_THEN(arcos_h5_write_blocks(h, "/ranks/items", ARCOS_H5_U64, n, 1, &row, &one, &items));
    const double v[] = {job->m.busy_s, job->m.io_s, job->m.comm_s, job->m.idle_s};
    static const char *const names[] = {"/ranks/busy_s", "/ranks/io_s", "/ranks/comm_s",
                                        "/ranks/idle_s"};
    for (int k = 0; k < 4; k++)
      ARCOS_THEN(arcos_h5_write_blocks(h, names[k], ARCOS_H5_F64, n, 1, &row, &one, &v[k]));
  }

  /* The job config and the conservation terms as attributes of the file. */
  const totals_t *t = &job->totals;
  ARCOS_THEN(arcos_h5_attr_string(h, "/", "arcos_version", ARCOS_VERSION));
  ARCOS_THEN(arcos_h5_attr_string(h, "/", "config", paths->config_json));
  if (job->cfg->rules != NULL) /* the canonical text of the scoring rules (SPEC §2) */
    ARCOS_THEN(arcos_h5_attr_string(h, "/", "scoring_rules",
                                    arcos_rules_canonical(job->cfg->rules, NULL)));
  { /* SPEC §3: the earlier runs (--previous) as JSON text; [] when none */
    json_t *pj = arcos_previous_json(job->prev);
    char *pt = json_dumps(pj, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(pj);
    if (pt == NULL)
      ARCOS_ABORT_OOM(comm);
    ARCOS_THEN(arcos_h5_attr_string(h, "/", "previous_runs", pt));
    free(pt);
  }
  char ref[32];
  arcos_rfc3339_format(job->reference_time, ref);
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

int arcos_outputs_write(job_t *job, const output_paths_t *paths) {
  MPI_Comm comm = job->ctx->comm;
  size_t np = job->plan.nparts;
  uint64_t *cnt = calloc(np * NC + 1, sizeof *cnt);
  uint64_t *all = calloc(np * NC + 1, sizeof *all);
  uint64_t *off_jsonl = calloc(np + 1, sizeof *off_jsonl);
  uint64_t *off_dlq = calloc(np + 1, sizeof *off_dlq);
  uint64_t *off_dup = calloc(np + 1, sizeof *off_dup);
  blocks_t bl[4];
  for (int k = 0; k < 4; k++) {
    bl[k].off = calloc(np + 1, sizeof(uint64_t));
    bl[k].cnt = calloc(np + 1, sizeof(uint64_t));
    if (bl[k].off == NULL || bl[k].cnt == NULL)
      ARCOS_ABORT_OOM(comm);
  }
  if (cnt == NULL || all == NULL || off_jsonl == NULL || off_dlq == NULL || off_dup == NULL)
    ARCOS_ABORT_OOM(comm);
  arcos_buf_t jsonl = {0}, dlq = {0}, dup = {0};
  double t0 = arcos_now();
  bool want_dlq = job->cfg->on_error != ARCOS_ON_ERROR_SKIP;
  for (size_t p = 0; p < np; p++) {
    if (job->plan.parts[p].rank != job->ctx->rank)
      continue;
    uint64_t *c = &cnt[p * NC];
    c[C_RECORDS] = job->rec.part_records[p];
    for (size_t k = 0; k < job->rec.nskips; k++) /* at-most-once: not redone after a crash */
      if (job->rec.skips[k].part == p)
        c[C_SKIPPED] += job->rec.skips[k].records;
    off_jsonl[p] = jsonl.len;
    off_dlq[p] = dlq.len;
    off_dup[p] = dup.len;
    for (size_t i = job->rec.part_item_first[p], e = items_end(job, p); i < e; i++) {
      const item_t *it = &job->rec.items[i];
      if (it->status == ITEM_STORED) {
        c[C_STORED]++;
        for (int a = 0; a < 3; a++)
          c[C_ALERTS] += (it->alerts >> a) & 1u;
        if (paths->results_jsonl != NULL)
          arcos_line_result(&jsonl, job, it);
      } else {
        c[C_DUP]++;
        arcos_line_dup(&dup, job, it);
      }
    }
    for (size_t i = job->rec.part_fail_first[p], e = fails_end(job, p); i < e; i++) {
      c[C_FAIL]++;
      if (want_dlq)
        arcos_line_dlq(&dlq, job, &job->rec.fails[i]);
    }
    c[C_JSONL_B] = jsonl.len - off_jsonl[p];
    c[C_DLQ_B] = dlq.len - off_dlq[p];
    c[C_DUP_B] = dup.len - off_dup[p];
  }
  job->m.busy_s += arcos_now() - t0;
  t0 = arcos_now();
  MPI_Allreduce(cnt, all, (int)(np * NC), MPI_UINT64_T, MPI_SUM, comm);
  job->m.comm_s += arcos_now() - t0;

  totals_t *t = &job->totals;
  memset(t, 0, sizeof *t);
  uint64_t fails = 0;
  for (size_t p = 0; p < np; p++) {
    t->skipped += all[p * NC + C_SKIPPED];
    t->input += all[p * NC + C_RECORDS];
    t->stored += all[p * NC + C_STORED];
    t->duplicates += all[p * NC + C_DUP];
    fails += all[p * NC + C_FAIL];
  }
  if (want_dlq)
    t->dead_lettered = fails;
  else
    t->skipped += fails;
  /* Records dropped by backpressure were read (input) but never processed. */
  t->dropped = job->dropped;
  t->input += job->dropped;

  t0 = arcos_now();
  int rc = ARCOS_OK;
  if (paths->results_jsonl != NULL)
    rc = write_text(job, paths->results_jsonl, &jsonl, off_jsonl, all, C_JSONL_B);
  if (rc == ARCOS_OK)
    rc = write_text(job, paths->dlq_jsonl, &dlq, off_dlq, all, C_DLQ_B);
  if (rc == ARCOS_OK)
    rc = write_text(job, paths->duplicates_jsonl, &dup, off_dup, all, C_DUP_B);
  if (rc == ARCOS_OK && paths->dropped_jsonl != NULL) {
    /* rank 0 read the stream and dropped the batches: it alone holds their ids */
    int ok = 1;
    if (job->ctx->rank == 0) {
      /* written to its temporary name, renamed with the other outputs */
      int fd; /* -1 when it cannot be created: then ok = 0 below */
      arcos_out_create(paths->dropped_jsonl, ARCOS_OUT_FILE_MODE, &fd, NULL);
      FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
      if (f == NULL && fd >= 0)
        close(fd);
      ok = f != NULL && (job->dropped_lines.len == 0 ||
                         fwrite(job->dropped_lines.data, 1, job->dropped_lines.len, f) ==
                             job->dropped_lines.len);
      if (f != NULL && fclose(f) != 0)
        ok = 0;
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
    if (!ok) {
      if (job->ctx->rank == 0)
        fprintf(job->ctx->err, "arcos-scale: cannot write %s\n", paths->dropped_jsonl);
      rc = ARCOS_EIO;
    }
  }
  arcos_buf_free(&jsonl);
  arcos_buf_free(&dlq);
  arcos_buf_free(&dup);
  make_blocks(job, all, C_STORED, &bl[0]);
  make_blocks(job, all, C_ALERTS, &bl[1]);
  make_blocks(job, all, C_DUP, &bl[2]);
  make_blocks(job, all, C_FAIL, &bl[3]);
  if (rc == ARCOS_OK)
    rc = write_h5(job, paths, &bl[0], &bl[1], &bl[2], &bl[3]);
  job->m.io_s += arcos_now() - t0;
  for (int k = 0; k < 4; k++) {
    free(bl[k].off);
    free(bl[k].cnt);
  }
  free(cnt);
  free(all);
  free(off_jsonl);
  free(off_dlq);
  free(off_dup);
  return rc;
}
