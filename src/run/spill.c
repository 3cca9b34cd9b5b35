/* Bounded memory (--max-memory-mb): records never stay in memory beyond the partition
 * being processed. Each partition goes to its checkpoint segment on disk and is
 * released; afterwards
 *   - exactly-once runs in B rounds: round b takes the ids whose hash falls in bucket
 *     b from every segment and runs the usual owner exchange on them; B is chosen so
 *     that one round fits the budget. The decision for each record is kept as one
 *     byte per record, plus the first occurrence of each duplicate;
 *   - outputs are written in rounds of one partition per rank: a first pass over the
 *     segments counts rows and bytes per partition, one reduction gives every
 *     partition its offsets, and a second pass writes each partition's lines (MPI-IO)
 *     and HDF5 rows (columns created once, written round by round).
 * The results are identical to the in-memory path's. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/h5.h"
#include "run/checkpoint.h"
#include "run/columns.h"
#include "run/job_internal.h"
#include "run/previous.h"
#include "run/records.h"
#include "run/spill.h"
#include "run/store.h"

/* Bytes of memory one record costs during an exactly-once round: the item, its id and
 * its share of the send, receive, owner-table and answer buffers. */
#define ROUND_BYTES_PER_ITEM 300u

static uint32_t bucket_of(const char *id, size_t len, uint32_t buckets) {
  return (uint32_t)((arcos_hash64(id, len) >> 40) % buckets);
}

/* The bucket round an earlier run's id (--previous) belongs to: arg = {b, buckets}. */
static bool in_bucket(const char *id, size_t len, void *arg) {
  const uint32_t *bb = arg;
  return bucket_of(id, len, bb[1]) == bb[0];
}

void arcos_spill_release(job_t *job, size_t part) {
  job->part_nitems[part] = job->rec.nitems - job->rec.part_item_first[part];
  job->part_nfails[part] = job->rec.nfails - job->rec.part_fail_first[part];
  uint64_t idb = 0;
  for (size_t i = job->rec.part_item_first[part]; i < job->rec.nitems; i++)
    idb += job->rec.items[i].id_len;
  job->part_idbytes[part] = idb;
  job->rec.nitems = 0;
  job->rec.nfails = 0;
  job->rec.part_item_first[part] = 0;
  job->rec.part_fail_first[part] = 0;
  arcos_arena_destroy(&job->rec.arena);
  job->rec.arena = arcos_arena_create();
  if (job->rec.arena == NULL)
    ARCOS_ABORT_OOM(job->ctx->comm);
}

int arcos_spill_note_loaded(job_t *job, size_t part) {
  /* a partition done before a --resume: its counts come from its segment */
  arcos_buf_t b = {0};
  seg_cursor_t c;
  int rc = arcos_seg_open(job->ckpt, part, &b, &c);
  if (rc == ARCOS_OK) {
    job->part_nitems[part] = c.hdr[1];
    job->part_nfails[part] = c.hdr[2];
    job->rec.newlines[part] = c.hdr[3];
    job->rec.part_records[part] = c.hdr[4];
    uint64_t idb = 0;
    item_t it;
    while (rc == ARCOS_OK && c.items_left > 0)
      if ((rc = arcos_seg_next_item(&c, &it)) == ARCOS_OK)
        idb += it.id_len;
    job->part_idbytes[part] = idb;
  }
  arcos_buf_free(&b);
  return rc;
}

int arcos_spill_exactly_once(job_t *job) {
  MPI_Comm comm = job->ctx->comm;
  size_t np = job->plan.nparts;
  uint64_t mine = 0, most = 0;
  for (size_t p = 0; p < np; p++)
    if (job->plan.parts[p].rank == job->ctx->rank)
      mine += job->part_nitems[p] * ROUND_BYTES_PER_ITEM + job->part_idbytes[p] * 3;
  uint64_t prev_rows = 0, prev_bytes = 0; /* this rank's slice of the earlier runs' ids */
  arcos_previous_slice(job->prev, &prev_rows, &prev_bytes);
  mine += prev_rows * ROUND_BYTES_PER_ITEM + prev_bytes * 3;
  MPI_Allreduce(&mine, &most, 1, MPI_UINT64_T, MPI_MAX, comm);
  uint64_t per_round = job->budget / 2;
  uint32_t buckets = (uint32_t)(most / (per_round ? per_round : 1) + 1);
  job->buckets = buckets;
  for (size_t p = 0; p < np; p++) {
    if (job->plan.parts[p].rank != job->ctx->rank)
      continue;
    job->part_status[p] = calloc(job->part_nitems[p] + 1, 1);
    if (job->part_status[p] == NULL)
      ARCOS_ABORT_OOM(comm);
  }
  arcos_buf_t seg = {0};
  struct where {
    uint32_t part, idx;
  } *where = NULL;
  size_t where_cap = 0;
  int rc = ARCOS_OK;
  for (uint32_t b = 0; b < buckets && rc == ARCOS_OK; b++) {
    job->rec.nitems = 0;
    arcos_arena_destroy(&job->rec.arena);
    job->rec.arena = arcos_arena_create();
    size_t n = 0;
    for (size_t p = 0; p < np && rc == ARCOS_OK; p++) {
      if (job->plan.parts[p].rank != job->ctx->rank || job->part_nitems[p] == 0)
        continue;
      seg_cursor_t c;
      rc = arcos_seg_open(job->ckpt, p, &seg, &c);
      for (uint32_t k = 0; rc == ARCOS_OK && c.items_left > 0; k++) {
        item_t it;
        if ((rc = arcos_seg_next_item(&c, &it)) != ARCOS_OK)
          break;
        if (bucket_of(it.id, it.id_len, buckets) != b)
          continue;
        item_t *dst = arcos_records_new_item(&job->rec);
        if (dst == NULL || job->rec.arena == NULL)
          ARCOS_ABORT_OOM(comm);
        *dst = it;
        dst->line += job->base_line[p];
        dst->id = arcos_arena_strndup(job->rec.arena, it.id, it.id_len);
        if (dst->id == NULL)
          ARCOS_ABORT_OOM(comm);
        if (n == where_cap) {
          where_cap = where_cap ? where_cap * 2 : 4096;
          struct where *grown = realloc(where, where_cap * sizeof *where);
          if (grown == NULL)
            ARCOS_ABORT_OOM(comm);
          where = grown;
        }
        where[n++] = (struct where){(uint32_t)p, k};
        job->rec.nitems++;
      }
    }
    /* the earlier runs' ids of this bucket (their slices are read again each round) */
    uint32_t bb[2] = {b, buckets};
    if (rc == ARCOS_OK && job->prev != NULL)
      rc = arcos_previous_round(job->prev, in_bucket, bb, job->ctx->err);
    /* every rank takes part in every round, even with nothing to send */
    int ok = rc == ARCOS_OK, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
    if (!all_ok) {
      rc = ARCOS_EIO;
      break;
    }
    rc = arcos_exactly_once(comm, job->cache, &job->rec, &job->plan, job->prev, NULL, &job->eo);
    for (size_t i = 0; rc == ARCOS_OK && i < job->rec.nitems; i++) {
      const item_t *it = &job->rec.items[i];
      if (it->status != ITEM_DUPLICATE)
        continue;
      /* where[] has an entry for every item added in this round */
      // NOLINTNEXTLINE(clang-analyzer-core.NullDereference,clang-analyzer-core.uninitialized.ArraySubscript)
      job->part_status[where[i].part][where[i].idx] = ITEM_DUPLICATE;
      if (job->ndups == job->dups_cap) {
        job->dups_cap = job->dups_cap ? job->dups_cap * 2 : 1024;
        job->dups = realloc(job->dups, job->dups_cap * sizeof *job->dups);
        if (job->dups == NULL)
          ARCOS_ABORT_OOM(comm);
      }
      job->dups[job->ndups++] = (dupinfo_t){where[i].part, where[i].idx, it->first_input,
                                            it->first_run, it->first_line};
    }
  }
  job->rec.nitems = 0;
  free(where);
  arcos_buf_free(&seg);
  return rc;
}

/* ---- outputs in rounds ---- */

enum {
  K_RECORDS,
  K_STORED,
  K_DUP,
  K_FAIL,
  K_SKIPPED,
  K_ALERTS,
  K_JSONL_B,
  K_DLQ_B,
  K_DUP_B,
  K_ID_B,
  K_TYPE_B,
  K_SOURCE_B,
  K_DUPID_B,
  K_MSG_B,
  NK
};

/* The duplicate record k of partition p: where its first occurrence is. */
static const dupinfo_t *find_dup(const job_t *job, size_t p, uint32_t k) {
  size_t lo = 0, hi = job->ndups;
  while (lo < hi) { /* dups are sorted by (part, idx) before the output rounds */
    size_t mid = lo + (hi - lo) / 2;
    const dupinfo_t *d = &job->dups[mid];
    if (d->part < p || (d->part == p && d->idx < k))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < job->ndups ? &job->dups[lo] : NULL;
}

static int cmp_dup(const void *a, const void *b) {
  const dupinfo_t *x = a, *y = b;
  if (x->part != y->part)
    return x->part < y->part ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Everything one partition contributes, decoded from its segment. */
typedef struct {
  item_t *items; /* stored and duplicate, in order */
  size_t nitems, items_cap;
  fail_t *fails;
  size_t nfails, fails_cap;
} partbuf_t;

static int load_part(job_t *job, size_t p, arcos_buf_t *seg, partbuf_t *pb) {
  seg_cursor_t c;
  int rc = arcos_seg_open(job->ckpt, p, seg, &c);
  pb->nitems = pb->nfails = 0;
  if (rc != ARCOS_OK)
    return rc;
  if (pb->items_cap < c.hdr[1] + 1) {
    pb->items_cap = c.hdr[1] + 1;
    pb->items = realloc(pb->items, pb->items_cap * sizeof *pb->items);
  }
  if (pb->fails_cap < c.hdr[2] + 1) {
    pb->fails_cap = c.hdr[2] + 1;
    pb->fails = realloc(pb->fails, pb->fails_cap * sizeof *pb->fails);
  }
  if (pb->items == NULL || pb->fails == NULL)
    ARCOS_ABORT_OOM(job->ctx->comm);
  for (uint32_t k = 0; rc == ARCOS_OK && c.items_left > 0; k++) {
    item_t *it = &pb->items[pb->nitems];
    if ((rc = arcos_seg_next_item(&c, it)) != ARCOS_OK)
      break;
    it->line += job->base_line[p];
    if (job->part_status[p] != NULL && job->part_status[p][k] == ITEM_DUPLICATE) {
      const dupinfo_t *d = find_dup(job, p, k);
      it->status = ITEM_DUPLICATE;
      it->first_input = d != NULL ? d->first_input : 0;
      it->first_run = d != NULL ? (uint16_t)d->first_run : 0;
      it->first_line = d != NULL ? d->first_line : 0;
    }
    pb->nitems++;
  }
  while (rc == ARCOS_OK && c.fails_left > 0) {
    fail_t *f = &pb->fails[pb->nfails];
    if ((rc = arcos_seg_next_fail(&c, f)) != ARCOS_OK)
      break;
    f->line += job->base_line[p];
    pb->nfails++;
  }
  return rc;
}

/* Count (pass A) or write (pass B) one partition's text lines. */
static void format_part(job_t *job, const partbuf_t *pb, bool want_jsonl, bool want_dlq,
                        arcos_buf_t *jsonl, arcos_buf_t *dlq, arcos_buf_t *dup, uint64_t *k) {
  for (size_t i = 0; i < pb->nitems; i++) {
    const item_t *it = &pb->items[i];
    if (it->status == ITEM_STORED) {
      k[K_STORED]++;
      for (int a = 0; a < 3; a++)
        k[K_ALERTS] += (it->alerts >> a) & 1u;
      k[K_ID_B] += it->id_len;
      k[K_TYPE_B] += it->type_len;
      k[K_SOURCE_B] += it->source_len;
      if (want_jsonl)
        arcos_line_result(jsonl, job, it);
    } else {
      k[K_DUP]++;
      k[K_DUPID_B] += it->id_len;
      arcos_line_dup(dup, job, it);
    }
  }
  for (size_t i = 0; i < pb->nfails; i++) {
    k[K_FAIL]++;
    k[K_MSG_B] += arcos_fail_message_len(&pb->fails[i]);
    if (want_dlq)
      arcos_line_dlq(dlq, job, &pb->fails[i]);
  }
  k[K_JSONL_B] = jsonl->len;
  k[K_DLQ_B] = dlq->len;
  k[K_DUP_B] = dup->len;
}

static int write_at(MPI_File fh, uint64_t off, const arcos_buf_t *b) {
  uint64_t done = 0;
  while (done < b->len) {
    int chunk = (int)((b->len - done) > (1u << 30) ? (1u << 30) : (b->len - done));
    MPI_Status st;
    if (MPI_File_write_at(fh, (MPI_Offset)(off + done), b->data + done, chunk, MPI_BYTE, &st) !=
        MPI_SUCCESS)
      return ARCOS_EIO;
    done += (uint64_t)chunk;
  }
  return ARCOS_OK;
}

/* The k-th string column of the table: its byte total is tot[K_ID_B + k]. */
static int str_key(size_t col) {
  int k = 0;
  for (size_t c = 0; c < col; c++)
    k += arcos_columns[c].type == ARCOS_H5_CHAR;
  return K_ID_B + k;
}

/* Every dataset of the table (columns.h) and of /alerts, sized for all rows. */
static int create_h5_columns(arcos_h5_t *h, const uint64_t rows[ARCOS_TBL_COUNT],
                             const uint64_t *tot) {
  int rc = ARCOS_OK;
  for (int t = 0; t < ARCOS_TBL_COUNT; t++) {
    ARCOS_THEN(arcos_h5_group(h, arcos_table_group[t]));
    for (size_t c = 0; c < arcos_ncolumns; c++) {
      const arcos_col_t *col = &arcos_columns[c];
      if (col->table != t)
        continue;
      if (col->type == ARCOS_H5_CHAR)
        ARCOS_THEN(arcos_h5_create_strings(h, col->path, rows[t], tot[str_key(c)]));
      else
        ARCOS_THEN(arcos_h5_create_column(h, col->path, col->type, rows[t]));
    }
    if (t == ARCOS_TBL_EVIDENCE) {
      ARCOS_THEN(arcos_h5_group(h, "/alerts"));
      ARCOS_THEN(arcos_h5_create_column(h, "/alerts/row", ARCOS_H5_U64, tot[K_ALERTS]));
      ARCOS_THEN(arcos_h5_create_column(h, "/alerts/kind", ARCOS_H5_U8, tot[K_ALERTS]));
      ARCOS_THEN(arcos_h5_create_column(h, "/alerts/severity", ARCOS_H5_SEVERITY, tot[K_ALERTS]));
    }
  }
  return rc;
}

static uint64_t stored_row(void *arg, size_t k) { return *(const uint64_t *)arg + k; }

/* One partition's rows (possibly none: every rank takes part in every round) into
 * every column; o holds the partition's first row and byte of each, tot the totals. */
static int write_part_columns(job_t *job, arcos_h5_t *h, const partbuf_t *pb, const uint64_t *tot,
                              const uint64_t *o, const uint64_t *k) {
  uint64_t rows[ARCOS_TBL_COUNT] = {k[K_STORED], k[K_DUP], pb->nfails};
  uint64_t total[ARCOS_TBL_COUNT] = {tot[K_STORED], tot[K_DUP], tot[K_FAIL]};
  uint64_t first[ARCOS_TBL_COUNT] = {o[K_STORED], o[K_DUP], o[K_FAIL]};
  size_t na = (size_t)k[K_ALERTS];
  arcos_colbuf_t b;
  if (!arcos_colbuf_alloc(&b, (size_t)(rows[0] + rows[1] + rows[2]) + na))
    ARCOS_ABORT_OOM(job->ctx->comm);
  int rc = ARCOS_OK;
  for (size_t c = 0; c < arcos_ncolumns; c++) {
    const arcos_col_t *col = &arcos_columns[c];
    int t = col->table;
    uint64_t off = first[t], cnt = rows[t];
    size_t nb = cnt > 0 ? 1 : 0;
    arcos_col_fill(col, &job->plan, pb->items, pb->nitems, pb->fails, pb->nfails, &b);
    uint64_t boff = col->type == ARCOS_H5_CHAR ? o[str_key(c)] : 0;
    if (col->type == ARCOS_H5_CHAR)
      ARCOS_THEN(arcos_h5_write_strings_into(h, col->path, total[t], tot[str_key(c)], nb, &off,
                                             &cnt, &boff, b.sp, b.sl));
    else
      ARCOS_THEN(arcos_h5_write_into(h, col->path, col->type, total[t], nb, &off, &cnt,
                                     arcos_colbuf_data(&b, col->type)));
  }
  uint64_t so = o[K_STORED], ao = o[K_ALERTS], ac = na;
  size_t ab = na ? 1 : 0;
  arcos_col_alerts(pb->items, pb->nitems, stored_row, &so, &b);
  ARCOS_THEN(
      arcos_h5_write_into(h, "/alerts/row", ARCOS_H5_U64, tot[K_ALERTS], ab, &ao, &ac, b.u64));
  ARCOS_THEN(
      arcos_h5_write_into(h, "/alerts/kind", ARCOS_H5_U8, tot[K_ALERTS], ab, &ao, &ac, b.u8));
  arcos_col_alert_severity(b.u8, na);
  ARCOS_THEN(arcos_h5_write_into(h, "/alerts/severity", ARCOS_H5_SEVERITY, tot[K_ALERTS], ab, &ao,
                                 &ac, b.u8));
  arcos_colbuf_free(&b);
  return rc;
}

/* The statistics of one partition's rows, and its failures while the error sample
 * (the first 20 in global order) still wants some. */
static void note_part(job_t *job, const partbuf_t *pb) {
  for (size_t i = 0; i < pb->nitems; i++)
    arcos_stats_item(&job->spill_stats, &pb->items[i]);
  for (size_t i = 0; i < pb->nfails; i++) {
    arcos_stats_fail(&job->spill_stats, &pb->fails[i]);
    if (job->rec.nfails >= 20)
      continue;
    fail_t *f = arcos_records_new_fail(&job->rec);
    if (f == NULL)
      ARCOS_ABORT_OOM(job->ctx->comm);
    *f = pb->fails[i];
    f->message = arcos_arena_strndup(job->rec.arena, pb->fails[i].message,
                                     arcos_fail_message_len(&pb->fails[i]));
    f->message_len = 0;
    f->raw = NULL;
    f->raw_len = 0;
    if (f->message == NULL)
      ARCOS_ABORT_OOM(job->ctx->comm);
    job->rec.nfails++;
  }
}

int arcos_spill_outputs(job_t *job, const output_paths_t *paths) {
  MPI_Comm comm = job->ctx->comm;
  size_t np = job->plan.nparts;
  bool want_dlq = job->cfg->on_error != ARCOS_ON_ERROR_SKIP;
  bool want_jsonl = paths->results_jsonl != NULL;
  qsort(job->dups, job->ndups, sizeof *job->dups, cmp_dup);
  uint64_t *cnt = calloc(np * NK + 1, sizeof *cnt), *all = calloc(np * NK + 1, sizeof *all);
  uint64_t *pre = calloc(np * NK + 1, sizeof *pre);
  if (cnt == NULL || all == NULL || pre == NULL)
    ARCOS_ABORT_OOM(comm);
  arcos_buf_t seg = {0}, jsonl = {0}, dlq = {0}, dup = {0};
  partbuf_t pb = {0};
  int rc = ARCOS_OK;
  size_t own = 0;
  arcos_stats_init(&job->spill_stats);
  job->rec.nitems = job->rec.nfails = 0;
  double t0 = arcos_now();
  /* Pass A: rows and bytes of every partition. */
  for (size_t p = 0; p < np && rc == ARCOS_OK; p++) {
    if (job->plan.parts[p].rank != job->ctx->rank)
      continue;
    own++;
    uint64_t *k = &cnt[p * NK];
    k[K_RECORDS] = job->rec.part_records[p];
    for (size_t s = 0; s < job->rec.nskips; s++)
      if (job->rec.skips[s].part == p)
        k[K_SKIPPED] += job->rec.skips[s].records;
    if (job->part_nitems[p] + job->part_nfails[p] == 0)
      continue;
    rc = load_part(job, p, &seg, &pb);
    arcos_buf_reset(&jsonl);
    arcos_buf_reset(&dlq);
    arcos_buf_reset(&dup);
    if (rc == ARCOS_OK)
      format_part(job, &pb, want_jsonl, want_dlq, &jsonl, &dlq, &dup, k);
    note_part(job, &pb);
  }
  job->m.busy_s += arcos_now() - t0;
  int ok = rc == ARCOS_OK, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
  if (!all_ok) {
    rc = ARCOS_EIO;
    goto done;
  }
  t0 = arcos_now();
  MPI_Allreduce(cnt, all, (int)(np * NK), MPI_UINT64_T, MPI_SUM, comm);
  uint64_t own64 = own, rounds = 0;
  MPI_Allreduce(&own64, &rounds, 1, MPI_UINT64_T, MPI_MAX, comm);
  job->m.comm_s += arcos_now() - t0;
  uint64_t tot[NK] = {0};
  for (size_t p = 0; p < np; p++) {
    for (int c = 0; c < NK; c++) {
      pre[p * NK + (size_t)c] = tot[c];
      tot[c] += all[p * NK + (size_t)c];
    }
  }
  totals_t *t = &job->totals;
  memset(t, 0, sizeof *t);
  t->input = tot[K_RECORDS] + job->dropped;
  t->stored = tot[K_STORED];
  t->duplicates = tot[K_DUP];
  t->skipped = tot[K_SKIPPED] + (want_dlq ? 0 : tot[K_FAIL]);
  t->dead_lettered = want_dlq ? tot[K_FAIL] : 0;
  t->dropped = job->dropped;

  t0 = arcos_now();
  MPI_File fh[3];
  const char *names[3] = {paths->results_jsonl, paths->dlq_jsonl, paths->duplicates_jsonl};
  const uint64_t bytes[3] = {tot[K_JSONL_B], tot[K_DLQ_B], tot[K_DUP_B]};
  for (int f = 0; f < 3; f++) {
    if (names[f] == NULL)
      continue;
    if (arcos_text_open(job, names[f], bytes[f], &fh[f]) != ARCOS_OK) {
      for (int g = 0; g < f; g++)
        if (names[g] != NULL)
          MPI_File_close(&fh[g]);
      rc = ARCOS_EIO;
      goto done;
    }
  }
  arcos_detail_t d;
  arcos_detail_clear(&d);
  arcos_h5_t *h = NULL;
  rc = arcos_h5_create(comm, paths->results_h5, &h, &d);
  if (rc != ARCOS_OK) {
    if (job->ctx->rank == 0)
      fprintf(job->ctx->err,
              "arcos-scale: %s: %s; free space (if the disk is full) and rerun with --resume\n",
              paths->results_h5, d.text);
    goto close_files;
  }
  uint64_t rows[ARCOS_TBL_COUNT] = {tot[K_STORED], tot[K_DUP], tot[K_FAIL]};
  ARCOS_THEN(create_h5_columns(h, rows, tot));
  /* Pass B: round r writes every rank's r-th partition. */
  size_t next = 0;
  for (uint64_t r = 0; r < rounds && rc == ARCOS_OK; r++) {
    size_t p = np; /* none */
    while (next < np && job->plan.parts[next].rank != job->ctx->rank)
      next++;
    if (next < np)
      p = next++;
    pb.nitems = pb.nfails = 0;
    if (p < np && job->part_nitems[p] + job->part_nfails[p] > 0)
      rc = load_part(job, p, &seg, &pb);
    uint64_t k[NK] = {0};
    arcos_buf_reset(&jsonl);
    arcos_buf_reset(&dlq);
    arcos_buf_reset(&dup);
    format_part(job, &pb, want_jsonl, want_dlq, &jsonl, &dlq, &dup, k);
    const uint64_t *o = p < np ? &pre[p * NK] : tot;
    if (p < np) {
      if (rc == ARCOS_OK && want_jsonl)
        rc = write_at(fh[0], o[K_JSONL_B], &jsonl);
      if (rc == ARCOS_OK)
        rc = write_at(fh[1], o[K_DLQ_B], &dlq);
      if (rc == ARCOS_OK)
        rc = write_at(fh[2], o[K_DUP_B], &dup);
    }
    int wok = rc == ARCOS_OK, wall = 0;
    MPI_Allreduce(&wok, &wall, 1, MPI_INT, MPI_MIN, comm);
    if (!wall) {
      rc = ARCOS_EIO;
      break;
    }
    ARCOS_THEN(write_part_columns(job, h, &pb, tot, o, k));
  }
  ARCOS_THEN(arcos_store_h5_common(job, h, paths));
  rc = arcos_store_h5_close(job, paths, &h, rc);
close_files:
  for (int f = 0; f < 3; f++) {
    if (names[f] != NULL && MPI_File_close(&fh[f]) != MPI_SUCCESS && rc == ARCOS_OK) {
      if (job->ctx->rank == 0)
        fprintf(job->ctx->err, "arcos-scale: closing %s failed\n", names[f]);
      rc = ARCOS_EIO;
    }
  }
  job->m.io_s += arcos_now() - t0;
done:
  free(pb.items);
  free(pb.fails);
  arcos_buf_free(&seg);
  arcos_buf_free(&jsonl);
  arcos_buf_free(&dlq);
  arcos_buf_free(&dup);
  free(cnt);
  free(all);
  free(pre);
  return rc;
}
