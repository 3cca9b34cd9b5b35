/* Bounded memory (--max-memory-mb): records never stay in memory beyond the partition
 * being processed. Each partition goes to its checkpoint segment on disk and is
 * released; afterwards
 *   - exactly-once runs in B rounds: round b takes the ids whose hash falls in bucket
 *     b from every segment and runs the usual owner exchange on them; B is chosen so
 *     that one round fits the budget. The decision for each record is kept as one
 *     byte per record, plus the first occurrence of each duplicate;
 *   - the writer (outputs.c) takes the rows in rounds of one partition per rank, which
 *     this file loads from the segments with their decisions (the round source).
 * The results are identical to the in-memory path's. */
#include <stdlib.h>
#include <string.h>

#include "arcos/ring.h"
#include "run/checkpoint.h"
#include "run/previous.h"
#include "run/records.h"
#include "run/spill.h"

/* Bytes of memory one record costs during an exactly-once round: the item, its id and
 * its share of the send, receive, owner-table and answer buffers. */
#define ROUND_BYTES_PER_ITEM 300u

typedef struct {
  uint32_t part, idx, first_input, first_run;
  uint64_t first_line;
} dupinfo_t;

/* Everything one partition contributes, decoded from its segment. */
typedef struct {
  item_t *items; /* stored and duplicate, in order */
  size_t nitems, items_cap;
  fail_t *fails;
  size_t nfails, fails_cap;
} partbuf_t;

struct arcos_spill {
  const arcos_ctx_t *ctx;
  const arcos_plan_t *plan;
  arcos_ckpt_t *ckpt;
  uint64_t budget; /* bytes the job's data may use per rank */
  size_t np;
  uint64_t *part_nitems, *part_nfails, *part_idbytes; /* per partition (own ones) */
  uint64_t *base_line;   /* per partition: first line number of a JSON Lines range - 1 */
  uint8_t **part_status; /* per own partition, per item: ITEM_STORED or ITEM_DUPLICATE */
  dupinfo_t *dups;       /* sorted by (part, idx) before the output rounds */
  size_t ndups, dups_cap;
  uint32_t buckets; /* exactly-once rounds */
  stats_t stats;
  /* the round source: this rank's partitions, the one loaded, the error sample */
  arcos_records_t *sample;
  size_t *own, nown, noted;
  partbuf_t pb;
  arcos_buf_t seg;
  arcos_round_part_t round_part;
};

int arcos_spill_create(const arcos_ctx_t *ctx, const arcos_plan_t *plan, arcos_ckpt_t *ckpt,
                       uint64_t budget, arcos_spill_t **out) {
  *out = NULL;
  arcos_spill_t *s = calloc(1, sizeof *s);
  if (s == NULL)
    return ARCOS_ENOMEM;
  size_t np = plan->nparts;
  *s = (arcos_spill_t){.ctx = ctx, .plan = plan, .ckpt = ckpt, .budget = budget, .np = np};
  s->part_nitems = calloc(np + 1, sizeof *s->part_nitems);
  s->part_nfails = calloc(np + 1, sizeof *s->part_nfails);
  s->part_idbytes = calloc(np + 1, sizeof *s->part_idbytes);
  s->base_line = calloc(np + 1, sizeof *s->base_line);
  s->part_status = calloc(np + 1, sizeof *s->part_status);
  s->own = calloc(np + 1, sizeof *s->own);
  arcos_stats_init(&s->stats);
  *out = s;
  if (s->part_nitems == NULL || s->part_nfails == NULL || s->part_idbytes == NULL ||
      s->base_line == NULL || s->part_status == NULL || s->own == NULL) {
    arcos_spill_destroy(out);
    return ARCOS_ENOMEM;
  }
  return ARCOS_OK;
}

void arcos_spill_destroy(arcos_spill_t **sp) {
  arcos_spill_t *s = *sp;
  if (s == NULL)
    return;
  for (size_t p = 0; s->part_status != NULL && p < s->np; p++)
    free(s->part_status[p]);
  free(s->part_status);
  free(s->part_nitems);
  free(s->part_nfails);
  free(s->part_idbytes);
  free(s->base_line);
  free(s->dups);
  free(s->own);
  free(s->pb.items);
  free(s->pb.fails);
  arcos_buf_free(&s->seg);
  free(s);
  *sp = NULL;
}

static uint32_t bucket_of(const char *id, size_t len, uint32_t buckets) {
  return (uint32_t)((arcos_hash64(id, len) >> 40) % buckets);
}

/* The bucket round an earlier run's id (--previous) belongs to: arg = {b, buckets}. */
static bool in_bucket(const char *id, size_t len, void *arg) {
  const uint32_t *bb = arg;
  return bucket_of(id, len, bb[1]) == bb[0];
}

/* Empty rec, arena included (a fresh arena: nothing of the last round stays). */
static void records_empty(const arcos_spill_t *s, arcos_records_t *rec) {
  rec->nitems = 0;
  rec->nfails = 0;
  if (arcos_records_new_arena(rec) != ARCOS_OK) /* the interned strings go with it */
    ARCOS_ABORT_OOM(s->ctx->comm);
}

void arcos_spill_release(arcos_spill_t *s, arcos_records_t *rec, size_t part) {
  s->part_nitems[part] = rec->nitems - rec->part_item_first[part];
  s->part_nfails[part] = rec->nfails - rec->part_fail_first[part];
  uint64_t idb = 0;
  for (size_t i = rec->part_item_first[part]; i < rec->nitems; i++)
    idb += rec->items[i].id_len;
  s->part_idbytes[part] = idb;
  rec->part_item_first[part] = 0;
  rec->part_fail_first[part] = 0;
  records_empty(s, rec);
}

int arcos_spill_note_loaded(arcos_spill_t *s, arcos_records_t *rec, size_t part) {
  /* a partition done before a --resume: its counts come from its segment */
  arcos_buf_t b = {0};
  seg_cursor_t c;
  int rc = arcos_seg_open(s->ckpt, part, &b, &c);
  if (rc == ARCOS_OK) {
    s->part_nitems[part] = c.hdr[1];
    s->part_nfails[part] = c.hdr[2];
    rec->newlines[part] = c.hdr[3];
    rec->part_records[part] = c.hdr[4];
    uint64_t idb = 0;
    item_t it;
    while (rc == ARCOS_OK && c.items_left > 0)
      if ((rc = arcos_seg_next_item(&c, &it)) == ARCOS_OK)
        idb += it.id_len;
    s->part_idbytes[part] = idb;
  }
  arcos_buf_free(&b);
  return rc;
}

void arcos_spill_set_base_line(arcos_spill_t *s, size_t part, uint64_t base) {
  if (part < s->np)
    s->base_line[part] = base;
}

uint64_t *arcos_spill_base_lines(arcos_spill_t *s) { return s->base_line; }

/* B: the most any rank's records (and slice of the earlier runs' ids) cost in one
 * round, over half the budget, plus one (collective). */
static uint32_t choose_buckets(const arcos_spill_t *s, const struct arcos_previous *prev) {
  uint64_t mine = 0, most = 0;
  for (size_t p = 0; p < s->np; p++)
    if (s->plan->parts[p].rank == s->ctx->rank)
      mine += s->part_nitems[p] * ROUND_BYTES_PER_ITEM + s->part_idbytes[p] * 3;
  uint64_t prev_rows = 0, prev_bytes = 0; /* this rank's slice of the earlier runs' ids */
  arcos_previous_slice(prev, &prev_rows, &prev_bytes);
  mine += prev_rows * ROUND_BYTES_PER_ITEM + prev_bytes * 3;
  MPI_Allreduce(&mine, &most, 1, MPI_UINT64_T, MPI_MAX, s->ctx->comm);
  uint64_t per_round = s->budget / 2;
  return (uint32_t)(most / (per_round ? per_round : 1) + 1);
}

/* Where each record of a round came from: its partition and index there. */
typedef struct {
  uint32_t part, idx;
} where_t;

typedef struct {
  where_t *at;
  size_t n, cap;
} wherelist_t;

/* Round b's records of every own segment into rec (their lines absolute). */
static int load_bucket(arcos_spill_t *s, arcos_records_t *rec, uint32_t b, wherelist_t *w) {
  MPI_Comm comm = s->ctx->comm;
  records_empty(s, rec);
  w->n = 0;
  int rc = ARCOS_OK;
  for (size_t p = 0; p < s->np && rc == ARCOS_OK; p++) {
    if (s->plan->parts[p].rank != s->ctx->rank || s->part_nitems[p] == 0)
      continue;
    seg_cursor_t c;
    rc = arcos_seg_open(s->ckpt, p, &s->seg, &c);
    for (uint32_t k = 0; rc == ARCOS_OK && c.items_left > 0; k++) {
      item_t it;
      if ((rc = arcos_seg_next_item(&c, &it)) != ARCOS_OK)
        break;
      if (bucket_of(it.id, it.id_len, s->buckets) != b)
        continue;
      item_t *dst = arcos_records_new_item(rec);
      if (dst == NULL || arcos_array_grow(&w->at, &w->cap, w->n, sizeof *w->at, 4096) != ARCOS_OK)
        ARCOS_ABORT_OOM(comm);
      *dst = it;
      dst->line += s->base_line[p];
      dst->id = arcos_arena_strndup(rec->arena, it.id, it.id_len);
      if (dst->id == NULL)
        ARCOS_ABORT_OOM(comm);
      w->at[w->n++] = (where_t){(uint32_t)p, k};
      rec->nitems++;
    }
  }
  return rc;
}

/* The round's duplicates: their byte in part_status and their first occurrence. */
static void keep_decisions(arcos_spill_t *s, const arcos_records_t *rec, const wherelist_t *w) {
  for (size_t i = 0; i < rec->nitems && i < w->n; i++) {
    const item_t *it = &rec->items[i];
    if (it->status != ITEM_DUPLICATE)
      continue;
    s->part_status[w->at[i].part][w->at[i].idx] = ITEM_DUPLICATE;
    if (arcos_array_grow(&s->dups, &s->dups_cap, s->ndups, sizeof *s->dups, 1024) != ARCOS_OK)
      ARCOS_ABORT_OOM(s->ctx->comm);
    s->dups[s->ndups++] = (dupinfo_t){w->at[i].part, w->at[i].idx, it->first_input, it->first_run,
                                      it->first_line};
  }
}

int arcos_spill_exactly_once(arcos_spill_t *s, arcos_records_t *rec, struct arcos_previous *prev,
                             arcos_spill_round_fn round, void *arg) {
  MPI_Comm comm = s->ctx->comm;
  s->buckets = choose_buckets(s, prev);
  for (size_t p = 0; p < s->np; p++) {
    if (s->plan->parts[p].rank != s->ctx->rank)
      continue;
    s->part_status[p] = calloc(s->part_nitems[p] + 1, 1);
    if (s->part_status[p] == NULL)
      ARCOS_ABORT_OOM(comm);
  }
  wherelist_t w = {0};
  int rc = ARCOS_OK;
  for (uint32_t b = 0; b < s->buckets && rc == ARCOS_OK; b++) {
    rc = load_bucket(s, rec, b, &w);
    /* the earlier runs' ids of this bucket (their slices are read again each round) */
    uint32_t bb[2] = {b, s->buckets};
    if (rc == ARCOS_OK && prev != NULL)
      rc = arcos_previous_round(prev, in_bucket, bb, s->ctx->err);
    /* every rank takes part in every round, even with nothing to send */
    int ok = rc == ARCOS_OK, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
    if (!all_ok) {
      rc = ARCOS_EIO;
      break;
    }
    rc = round(arg, rec);
    if (rc == ARCOS_OK)
      keep_decisions(s, rec, &w);
  }
  rec->nitems = 0;
  free(w.at);
  arcos_buf_free(&s->seg);
  return rc;
}

/* ---- the writer's round source ---- */

/* The duplicate record k of partition p: where its first occurrence is. */
static const dupinfo_t *find_dup(const arcos_spill_t *s, size_t p, uint32_t k) {
  size_t lo = 0, hi = s->ndups;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const dupinfo_t *d = &s->dups[mid];
    if (d->part < p || (d->part == p && d->idx < k))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < s->ndups ? &s->dups[lo] : NULL;
}

static int cmp_dup(const void *a, const void *b) {
  const dupinfo_t *x = a, *y = b;
  if (x->part != y->part)
    return x->part < y->part ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Partition p's items (with their decisions) and failures from its segment. */
static int load_part(arcos_spill_t *s, size_t p) {
  partbuf_t *pb = &s->pb;
  pb->nitems = pb->nfails = 0;
  if (s->part_nitems[p] + s->part_nfails[p] == 0)
    return ARCOS_OK;
  seg_cursor_t c;
  int rc = arcos_seg_open(s->ckpt, p, &s->seg, &c);
  if (rc != ARCOS_OK)
    return rc;
  if (pb->items_cap < c.hdr[1] + 1) { /* exactly one partition's: the budget counts it */
    pb->items_cap = c.hdr[1] + 1;
    pb->items = realloc(pb->items, pb->items_cap * sizeof *pb->items);
  }
  if (pb->fails_cap < c.hdr[2] + 1) {
    pb->fails_cap = c.hdr[2] + 1;
    pb->fails = realloc(pb->fails, pb->fails_cap * sizeof *pb->fails);
  }
  if (pb->items == NULL || pb->fails == NULL)
    ARCOS_ABORT_OOM(s->ctx->comm);
  for (uint32_t k = 0; rc == ARCOS_OK && c.items_left > 0; k++) {
    item_t *it = &pb->items[pb->nitems];
    if ((rc = arcos_seg_next_item(&c, it)) != ARCOS_OK)
      break;
    it->line += s->base_line[p];
    if (s->part_status[p] != NULL && s->part_status[p][k] == ITEM_DUPLICATE) {
      const dupinfo_t *d = find_dup(s, p, k);
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
    f->line += s->base_line[p];
    pb->nfails++;
  }
  return rc;
}

/* The statistics of one partition's rows, and its failures while the error sample
 * (the first 20 in global order) still wants some. */
static void note_part(arcos_spill_t *s) {
  const partbuf_t *pb = &s->pb;
  arcos_records_t *rec = s->sample;
  for (size_t i = 0; i < pb->nitems; i++)
    arcos_stats_item(&s->stats, &pb->items[i]);
  for (size_t i = 0; i < pb->nfails; i++) {
    arcos_stats_fail(&s->stats, &pb->fails[i]);
    if (rec->nfails >= 20)
      continue;
    fail_t *f = arcos_records_new_fail(rec);
    if (f == NULL)
      ARCOS_ABORT_OOM(s->ctx->comm);
    *f = pb->fails[i];
    f->message = arcos_arena_strndup(rec->arena, pb->fails[i].message,
                                     arcos_fail_message_len(&pb->fails[i]));
    f->message_len = 0;
    f->raw = NULL;
    f->raw_len = 0;
    if (f->message == NULL)
      ARCOS_ABORT_OOM(s->ctx->comm);
    rec->nfails++;
  }
}

static int spill_load(void *arg, size_t r, arcos_round_t *out) {
  arcos_spill_t *s = arg;
  size_t p = s->own[r];
  int rc = load_part(s, p);
  if (rc != ARCOS_OK)
    return rc;
  if (r == s->noted) { /* the first time this round is loaded */
    note_part(s);
    s->noted++;
  }
  s->round_part = (arcos_round_part_t){p, 0, s->pb.nitems, 0, s->pb.nfails};
  *out = (arcos_round_t){s->pb.items, s->pb.nitems, s->pb.fails, s->pb.nfails, &s->round_part, 1};
  return ARCOS_OK;
}

void arcos_spill_source(arcos_spill_t *s, arcos_records_t *rec, arcos_round_source_t *src) {
  qsort(s->dups, s->ndups, sizeof *s->dups, cmp_dup);
  arcos_stats_init(&s->stats);
  s->sample = rec;
  rec->nitems = rec->nfails = 0;
  s->nown = s->noted = 0;
  for (size_t p = 0; p < s->np; p++)
    if (s->plan->parts[p].rank == s->ctx->rank)
      s->own[s->nown++] = p;
  *src = (arcos_round_source_t){s->nown, spill_load, s};
}

const stats_t *arcos_spill_stats(const arcos_spill_t *s) { return &s->stats; }

uint32_t arcos_spill_rounds(const arcos_spill_t *s) { return s->buckets; }

uint8_t arcos_spill_status(const arcos_spill_t *s, size_t part, uint32_t k) {
  return s->part_status[part] != NULL ? s->part_status[part][k] : ITEM_STORED;
}

size_t arcos_spill_ndups(const arcos_spill_t *s) { return s->ndups; }

uint64_t arcos_spill_part_items(const arcos_spill_t *s, size_t part) {
  return s->part_nitems[part];
}
