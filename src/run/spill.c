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
#include "run/job_internal.h"
#include "run/checkpoint.h"
#include "run/records.h"
#include "run/spill.h"
#include "run/store.h"

/* Bytes of memory one record costs during an exactly-once round: the item, its id and
 * its share of the send, receive, owner-table and answer buffers. */
#define ROUND_BYTES_PER_ITEM 300u

static uint32_t bucket_of(const char *id, size_t len, uint32_t buckets) {
  return (uint32_t)((arcos_hash64(id, len) >> 40) % buckets);
}

void arcos_spill_release(job_t *job, size_t part) {
  job->part_nitems[part] = job->nitems - job->part_item_first[part];
  job->part_nfails[part] = job->nfails - job->part_fail_first[part];
  uint64_t idb = 0;
  for (size_t i = job->part_item_first[part]; i < job->nitems; i++)
    idb += job->items[i].id_len;
  job->part_idbytes[part] = idb;
  job->nitems = 0;
  job->nfails = 0;
  job->part_item_first[part] = 0;
  job->part_fail_first[part] = 0;
  arcos_arena_destroy(&job->arena);
  job->arena = arcos_arena_create();
  if (job->arena == NULL)
    ARCOS_OOM_ABORT(job->ctx->comm);
}

int arcos_spill_note_loaded(job_t *job, size_t part) {
  /* a partition done before a --resume: its counts come from its segment */
  arcos_buf_t b = {0};
  seg_cursor_t c;
  int rc = arcos_seg_open(job, part, &b, &c);
  if (rc == ARCOS_OK) {
    job->part_nitems[part] = c.hdr[1];
    job->part_nfails[part] = c.hdr[2];
    job->newlines[part] = c.hdr[3];
    job->part_records[part] = c.hdr[4];
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
  MPI_Allreduce(&mine, &most, 1, MPI_UINT64_T, MPI_MAX, comm);
  uint64_t per_round = job->budget / 2;
  uint32_t buckets = (uint32_t)(most / (per_round ? per_round : 1) + 1);
  job->buckets = buckets;
  for (size_t p = 0; p < np; p++) {
    if (job->plan.parts[p].rank != job->ctx->rank)
      continue;
    job->part_status[p] = calloc(job->part_nitems[p] + 1, 1);
    if (job->part_status[p] == NULL)
      ARCOS_OOM_ABORT(comm);
  }
  arcos_buf_t seg = {0};
  struct where {
    uint32_t part, idx;
  } *where = NULL;
  size_t where_cap = 0;
  int rc = ARCOS_OK;
  for (uint32_t b = 0; b < buckets && rc == ARCOS_OK; b++) {
    job->nitems = 0;
    arcos_arena_destroy(&job->arena);
    job->arena = arcos_arena_create();
    size_t n = 0;
    for (size_t p = 0; p < np && rc == ARCOS_OK; p++) {
      if (job->plan.parts[p].rank != job->ctx->rank || job->part_nitems[p] == 0)
        continue;
      seg_cursor_t c;
      rc = arcos_seg_open(job, p, &seg, &c);
      for (uint32_t k = 0; rc == ARCOS_OK && c.items_left > 0; k++) {
        item_t it;
        if ((rc = arcos_seg_next_item(&c, &it)) != ARCOS_OK)
          break;
        if (bucket_of(it.id, it.id_len, buckets) != b)
          continue;
        item_t *dst = arcos_job_new_item(job);
        if (dst == NULL || job->arena == NULL)
          ARCOS_OOM_ABORT(comm);
        *dst = it;
        dst->line += job->base_line[p];
        dst->id = arcos_arena_strndup(job->arena, it.id, it.id_len);
        if (dst->id == NULL)
          ARCOS_OOM_ABORT(comm);
        if (n == where_cap) {
          where_cap = where_cap ? where_cap * 2 : 4096;
          struct where *grown = realloc(where, where_cap * sizeof *where);
          if (grown == NULL)
            ARCOS_OOM_ABORT(comm);
          where = grown;
        }
        where[n++] = (struct where){(uint32_t)p, k};
        job->nitems++;
      }
    }
    /* every rank takes part in every round, even with nothing to send */
    int ok = rc == ARCOS_OK, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
    if (!all_ok) {
      rc = ARCOS_EIO;
      break;
    }
    rc = arcos_exactly_once(job);
    for (size_t i = 0; rc == ARCOS_OK && i < job->nitems; i++) {
      const item_t *it = &job->items[i];
      if (it->status != ITEM_DUPLICATE)
        continue;
      /* where[] has an entry for every item added in this round */
      // NOLINTNEXTLINE(clang-analyzer-core.NullDereference,clang-analyzer-core.uninitialized.ArraySubscript)
      job->part_status[where[i].part][where[i].idx] = ITEM_DUPLICATE;
      if (job->ndups == job->dups_cap) {
        job->dups_cap = job->dups_cap ? job->dups_cap * 2 : 1024;
        job->dups = realloc(job->dups, job->dups_cap * sizeof *job->dups);
        if (job->dups == NULL)
          ARCOS_OOM_ABORT(comm);
      }
      job->dups[job->ndups++] = (dupinfo_t){where[i].part, where[i].idx, it->first_input,
                                            it->first_line};
    }
  }
  job->nitems = 0;
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
  int rc = arcos_seg_open(job, p, seg, &c);
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
    ARCOS_OOM_ABORT(job->ctx->comm);
  for (uint32_t k = 0; rc == ARCOS_OK && c.items_left > 0; k++) {
    item_t *it = &pb->items[pb->nitems];
    if ((rc = arcos_seg_next_item(&c, it)) != ARCOS_OK)
      break;
    it->line += job->base_line[p];
    if (job->part_status[p] != NULL && job->part_status[p][k] == ITEM_DUPLICATE) {
      const dupinfo_t *d = find_dup(job, p, k);
      it->status = ITEM_DUPLICATE;
      it->first_input = d != NULL ? d->first_input : 0;
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

int arcos_spill_outputs(job_t *job, const output_paths_t *paths) {
  MPI_Comm comm = job->ctx->comm;
  size_t np = job->plan.nparts;
  bool want_dlq = job->cfg->on_error != ARCOS_ON_ERROR_SKIP;
  bool want_jsonl = paths->results_jsonl != NULL;
  qsort(job->dups, job->ndups, sizeof *job->dups, cmp_dup);
  uint64_t *cnt = calloc(np * NK + 1, sizeof *cnt), *all = calloc(np * NK + 1, sizeof *all);
  uint64_t *pre = calloc(np * NK + 1, sizeof *pre);
  if (cnt == NULL || all == NULL || pre == NULL)
    ARCOS_OOM_ABORT(comm);
  arcos_buf_t seg = {0}, jsonl = {0}, dlq = {0}, dup = {0};
  partbuf_t pb = {0};
  int rc = ARCOS_OK;
  size_t own = 0;
  arcos_stats_init(&job->spill_stats);
  job->nitems = job->nfails = 0;
  double t0 = arcos_now();
  /* Pass A: rows and bytes of every partition. */
  for (size_t p = 0; p < np && rc == ARCOS_OK; p++) {
    if (job->plan.parts[p].rank != job->ctx->rank)
      continue;
    own++;
    uint64_t *k = &cnt[p * NK];
    k[K_RECORDS] = job->part_records[p];
    for (size_t s = 0; s < job->nskips; s++)
      if (job->skips[s].part == p)
        k[K_SKIPPED] += job->skips[s].records;
    if (job->part_nitems[p] + job->part_nfails[p] == 0)
      continue;
    rc = load_part(job, p, &seg, &pb);
    arcos_buf_reset(&jsonl);
    arcos_buf_reset(&dlq);
    arcos_buf_reset(&dup);
    if (rc == ARCOS_OK)
      format_part(job, &pb, want_jsonl, want_dlq, &jsonl, &dlq, &dup, k);
    for (size_t i = 0; i < pb.nitems; i++)
      arcos_stats_item(&job->spill_stats, &pb.items[i]);
    for (size_t i = 0; i < pb.nfails; i++) {
      arcos_stats_fail(&job->spill_stats, &pb.fails[i]);
      if (job->nfails < 20) { /* the error sample wants the first ones, in order */
        fail_t *f = arcos_job_new_fail(job);
        if (f == NULL)
          ARCOS_OOM_ABORT(comm);
        *f = pb.fails[i];
        f->message = arcos_arena_strndup(job->arena, pb.fails[i].message,
                                         arcos_fail_message_len(&pb.fails[i]));
        f->message_len = 0;
        f->raw = NULL;
        f->raw_len = 0;
        if (f->message == NULL)
          ARCOS_OOM_ABORT(comm);
        job->nfails++;
      }
    }
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
  static const char *const comp_path[] = {"/evidence/completeness", "/evidence/integrity",
                                          "/evidence/provenance", "/evidence/freshness",
                                          "/evidence/signal"};
  uint64_t S = tot[K_STORED], A = tot[K_ALERTS], D = tot[K_DUP], E = tot[K_FAIL];
  ARCOS_THEN(arcos_h5_group(h, "/evidence"));
  ARCOS_THEN(arcos_h5_create_strings(h, "/evidence/id", S, tot[K_ID_B]));
  ARCOS_THEN(arcos_h5_create_strings(h, "/evidence/type", S, tot[K_TYPE_B]));
  ARCOS_THEN(arcos_h5_create_strings(h, "/evidence/source", S, tot[K_SOURCE_B]));
  ARCOS_THEN(arcos_h5_create_column(h, "/evidence/timestamp", ARCOS_H5_I64, S));
  ARCOS_THEN(arcos_h5_create_column(h, "/evidence/score", ARCOS_H5_U8, S));
  for (int c = 0; c < 5; c++)
    ARCOS_THEN(arcos_h5_create_column(h, comp_path[c], ARCOS_H5_U8, S));
  ARCOS_THEN(arcos_h5_create_column(h, "/evidence/alerts", ARCOS_H5_U8, S));
  ARCOS_THEN(arcos_h5_create_column(h, "/evidence/alert_severity", ARCOS_H5_SEVERITY, S));
  ARCOS_THEN(arcos_h5_create_column(h, "/evidence/input", ARCOS_H5_U32, S));
  ARCOS_THEN(arcos_h5_create_column(h, "/evidence/line", ARCOS_H5_U64, S));
  ARCOS_THEN(arcos_h5_group(h, "/alerts"));
  ARCOS_THEN(arcos_h5_create_column(h, "/alerts/row", ARCOS_H5_U64, A));
  ARCOS_THEN(arcos_h5_create_column(h, "/alerts/kind", ARCOS_H5_U8, A));
  ARCOS_THEN(arcos_h5_create_column(h, "/alerts/severity", ARCOS_H5_SEVERITY, A));
  ARCOS_THEN(arcos_h5_group(h, "/duplicates"));
  ARCOS_THEN(arcos_h5_create_strings(h, "/duplicates/id", D, tot[K_DUPID_B]));
  ARCOS_THEN(arcos_h5_create_column(h, "/duplicates/input", ARCOS_H5_U32, D));
  ARCOS_THEN(arcos_h5_create_column(h, "/duplicates/line", ARCOS_H5_U64, D));
  ARCOS_THEN(arcos_h5_create_column(h, "/duplicates/first_input", ARCOS_H5_U32, D));
  ARCOS_THEN(arcos_h5_create_column(h, "/duplicates/first_line", ARCOS_H5_U64, D));
  ARCOS_THEN(arcos_h5_group(h, "/errors"));
  ARCOS_THEN(arcos_h5_create_strings(h, "/errors/message", E, tot[K_MSG_B]));
  ARCOS_THEN(arcos_h5_create_column(h, "/errors/input", ARCOS_H5_U32, E));
  ARCOS_THEN(arcos_h5_create_column(h, "/errors/line", ARCOS_H5_U64, E));
  ARCOS_THEN(arcos_h5_create_column(h, "/errors/byte_offset", ARCOS_H5_U64, E));
  ARCOS_THEN(arcos_h5_create_column(h, "/errors/kind", ARCOS_H5_U8, E));
  ARCOS_THEN(arcos_h5_create_column(h, "/errors/stage", ARCOS_H5_U8, E));

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
    /* columns of this partition's rows */
    size_t ns = (size_t)k[K_STORED], nd = (size_t)k[K_DUP], ne = pb.nfails,
           na = (size_t)k[K_ALERTS];
    size_t nmax = ns + nd + ne + na + 1;
    const char **sp = malloc(nmax * sizeof *sp);
    uint32_t *sl = malloc(nmax * sizeof *sl), *u32 = malloc(nmax * sizeof *u32);
    uint64_t *u64 = malloc(nmax * sizeof *u64);
    int64_t *i64 = malloc(nmax * sizeof *i64);
    uint8_t *u8 = malloc(nmax);
    if (sp == NULL || sl == NULL || u32 == NULL || u64 == NULL || i64 == NULL || u8 == NULL)
      ARCOS_OOM_ABORT(comm);
    uint64_t so = o[K_STORED], sc = ns, ao = o[K_ALERTS], ac = na, dof = o[K_DUP], dc = nd;
    uint64_t eo = o[K_FAIL], ec = ne;
    size_t sb = ns ? 1 : 0, ab = na ? 1 : 0, db = nd ? 1 : 0, eb = ne ? 1 : 0;
#define FILL(cond, expr)                                                                           \
  do {                                                                                             \
    size_t n_ = 0;                                                                                 \
    for (size_t i = 0; i < pb.nitems; i++) {                                                       \
      const item_t *it = &pb.items[i];                                                             \
      if (cond) {                                                                                  \
        expr;                                                                                      \
        n_++;                                                                                      \
      }                                                                                            \
    }                                                                                              \
  } while (0)
#define STORED (it->status == ITEM_STORED)
#define DUPL (it->status == ITEM_DUPLICATE)
    uint64_t boff;
    FILL(STORED, (sp[n_] = it->id, sl[n_] = it->id_len));
    boff = o[K_ID_B];
    ARCOS_THEN(arcos_h5_write_strings_into(h, "/evidence/id", S, tot[K_ID_B], sb, &so, &sc, &boff,
                                           sp, sl));
    FILL(STORED, (sp[n_] = it->type, sl[n_] = it->type_len));
    boff = o[K_TYPE_B];
    ARCOS_THEN(arcos_h5_write_strings_into(h, "/evidence/type", S, tot[K_TYPE_B], sb, &so, &sc,
                                           &boff, sp, sl));
    FILL(STORED, (sp[n_] = it->source, sl[n_] = it->source_len));
    boff = o[K_SOURCE_B];
    ARCOS_THEN(arcos_h5_write_strings_into(h, "/evidence/source", S, tot[K_SOURCE_B], sb, &so, &sc,
                                           &boff, sp, sl));
    FILL(STORED, i64[n_] = it->timestamp_valid ? it->timestamp : INT64_MIN);
    ARCOS_THEN(arcos_h5_write_into(h, "/evidence/timestamp", ARCOS_H5_I64, S, sb, &so, &sc, i64));
    FILL(STORED, u8[n_] = it->score);
    ARCOS_THEN(arcos_h5_write_into(h, "/evidence/score", ARCOS_H5_U8, S, sb, &so, &sc, u8));
    for (int c = 0; c < 5; c++) {
      FILL(STORED, u8[n_] = it->comp[c]);
      ARCOS_THEN(arcos_h5_write_into(h, comp_path[c], ARCOS_H5_U8, S, sb, &so, &sc, u8));
    }
    FILL(STORED, u8[n_] = it->alerts);
    ARCOS_THEN(arcos_h5_write_into(h, "/evidence/alerts", ARCOS_H5_U8, S, sb, &so, &sc, u8));
    FILL(STORED, u8[n_] = it->severity);
    ARCOS_THEN(
        arcos_h5_write_into(h, "/evidence/alert_severity", ARCOS_H5_SEVERITY, S, sb, &so, &sc, u8));
    FILL(STORED, u32[n_] = job->plan.parts[it->part].input);
    ARCOS_THEN(arcos_h5_write_into(h, "/evidence/input", ARCOS_H5_U32, S, sb, &so, &sc, u32));
    FILL(STORED, u64[n_] = it->line);
    ARCOS_THEN(arcos_h5_write_into(h, "/evidence/line", ARCOS_H5_U64, S, sb, &so, &sc, u64));
    {
      size_t n_ = 0;
      uint64_t row = so;
      for (size_t i = 0; i < pb.nitems; i++) {
        const item_t *it = &pb.items[i];
        if (!STORED)
          continue;
        for (int a = 0; a < 3; a++) {
          if (it->alerts & (1u << a)) {
            u64[n_] = row;
            u8[n_] = (uint8_t)(a + 1);
            n_++;
          }
        }
        row++;
      }
    }
    ARCOS_THEN(arcos_h5_write_into(h, "/alerts/row", ARCOS_H5_U64, A, ab, &ao, &ac, u64));
    ARCOS_THEN(arcos_h5_write_into(h, "/alerts/kind", ARCOS_H5_U8, A, ab, &ao, &ac, u8));
    for (size_t i = 0; i < na; i++)
      u8[i] = u8[i] == 1 ? ARCOS_SEV_CRITICAL : u8[i] == 2 ? ARCOS_SEV_HIGH : ARCOS_SEV_MEDIUM;
    ARCOS_THEN(arcos_h5_write_into(h, "/alerts/severity", ARCOS_H5_SEVERITY, A, ab, &ao, &ac, u8));
    FILL(DUPL, (sp[n_] = it->id, sl[n_] = it->id_len));
    boff = o[K_DUPID_B];
    ARCOS_THEN(arcos_h5_write_strings_into(h, "/duplicates/id", D, tot[K_DUPID_B], db, &dof, &dc,
                                           &boff, sp, sl));
    FILL(DUPL, u32[n_] = job->plan.parts[it->part].input);
    ARCOS_THEN(arcos_h5_write_into(h, "/duplicates/input", ARCOS_H5_U32, D, db, &dof, &dc, u32));
    FILL(DUPL, u64[n_] = it->line);
    ARCOS_THEN(arcos_h5_write_into(h, "/duplicates/line", ARCOS_H5_U64, D, db, &dof, &dc, u64));
    FILL(DUPL, u32[n_] = it->first_input);
    ARCOS_THEN(
        arcos_h5_write_into(h, "/duplicates/first_input", ARCOS_H5_U32, D, db, &dof, &dc, u32));
    FILL(DUPL, u64[n_] = it->first_line);
    ARCOS_THEN(
        arcos_h5_write_into(h, "/duplicates/first_line", ARCOS_H5_U64, D, db, &dof, &dc, u64));
    for (size_t i = 0; i < ne; i++) {
      sp[i] = pb.fails[i].message;
      sl[i] = (uint32_t)arcos_fail_message_len(&pb.fails[i]);
    }
    boff = o[K_MSG_B];
    ARCOS_THEN(arcos_h5_write_strings_into(h, "/errors/message", E, tot[K_MSG_B], eb, &eo, &ec,
                                           &boff, sp, sl));
    for (size_t i = 0; i < ne; i++)
      u32[i] = job->plan.parts[pb.fails[i].part].input;
    ARCOS_THEN(arcos_h5_write_into(h, "/errors/input", ARCOS_H5_U32, E, eb, &eo, &ec, u32));
    for (size_t i = 0; i < ne; i++)
      u64[i] = pb.fails[i].line;
    ARCOS_THEN(arcos_h5_write_into(h, "/errors/line", ARCOS_H5_U64, E, eb, &eo, &ec, u64));
    for (size_t i = 0; i < ne; i++)
      u64[i] = pb.fails[i].offset;
    ARCOS_THEN(arcos_h5_write_into(h, "/errors/byte_offset", ARCOS_H5_U64, E, eb, &eo, &ec, u64));
    for (size_t i = 0; i < ne; i++)
      u8[i] = pb.fails[i].kind;
    ARCOS_THEN(arcos_h5_write_into(h, "/errors/kind", ARCOS_H5_U8, E, eb, &eo, &ec, u8));
    for (size_t i = 0; i < ne; i++)
      u8[i] = pb.fails[i].stage;
    ARCOS_THEN(arcos_h5_write_into(h, "/errors/stage", ARCOS_H5_U8, E, eb, &eo, &ec, u8));
#undef FILL
#undef STORED
#undef DUPL
    free(sp);
    free(sl);
    free(u32);
    free(u64);
    free(i64);
    free(u8);
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
