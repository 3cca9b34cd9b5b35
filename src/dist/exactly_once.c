/* Exactly-once (SPEC §3): every id has an owner, the rank hosting the id's logical
 * cache node on the consistent-hash ring. Each rank sends (position, input, line, id)
 * of its records to their owners in one MPI_Alltoallv; an owner keeps, per id, the
 * smallest global position and answers each entry "stored" or "duplicate of
 * input:line" in a second MPI_Alltoallv. Global position = (partition, sequence),
 * and partitions are numbered in global order, so the winner never depends on the
 * number of ranks or on how inputs were cut. */
#include <stdlib.h>
#include <string.h>

#include "run/job_internal.h"

/* wire entry: u64 pos | u32 input | u64 line | u16 id_len | id bytes */
#define ENTRY_FIXED (8 + 4 + 8 + 2)
/* reply: u8 duplicate | u32 first input | u64 first line */
#define REPLY_SIZE (1 + 4 + 8)

typedef struct {
  uint64_t hash, pos, line;
  uint32_t input;
  uint16_t len;
  const char *id;
} entry_t;

static int owner_rank(const job_t *job, const item_t *it) {
  int node = arcos_ring_owner_key(job->ring, it->id, it->id_len);
  return arcos_ring_host_rank(node, job->ctx->size);
}

/* Displacements from counts; fails when a rank would exchange more than INT_MAX bytes
 * (MPI counts are int): the job then stops with a clear message. */
static int displs(const int64_t *counts, int *icounts, int *idispl, int n) {
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    if (counts[i] > INT32_MAX || off > INT32_MAX)
      return ARCOS_ERANGE;
    icounts[i] = (int)counts[i];
    idispl[i] = (int)off;
    off += counts[i];
  }
  return off > INT32_MAX ? ARCOS_ERANGE : ARCOS_OK;
}

int arcos_exactly_once(job_t *job) {
  MPI_Comm comm = job->ctx->comm;
  int size = job->ctx->size;
  int rc = ARCOS_OK;
  int64_t *scount = calloc((size_t)size * 4, sizeof *scount);
  int *ic = malloc((size_t)size * 4 * sizeof *ic);
  int *owner = malloc(job->nitems * sizeof *owner + 1);
  char *sbuf = NULL, *rbuf = NULL, *reply = NULL, *answers = NULL;
  entry_t *entries = NULL;
  uint32_t *table = NULL;
  if (scount == NULL || ic == NULL || owner == NULL)
    ARCOS_OOM_ABORT(comm);
  int64_t *rcount = scount + size, *soff = scount + 2 * size;
  int *sc = ic, *sd = ic + size, *rcv = ic + 2 * size, *rd = ic + 3 * size;

  for (size_t i = 0; i < job->nitems; i++) {
    owner[i] = owner_rank(job, &job->items[i]);
    scount[owner[i]] += ENTRY_FIXED + job->items[i].id_len;
  }
  int64_t stotal = 0;
  for (int r = 0; r < size; r++) {
    soff[r] = stotal;
    stotal += scount[r];
  }
  sbuf = malloc((size_t)stotal + 1);
  if (sbuf == NULL)
    ARCOS_OOM_ABORT(comm);
  for (size_t i = 0; i < job->nitems; i++) {
    const item_t *it = &job->items[i];
    char *p = sbuf + soff[owner[i]];
    uint64_t pos = item_pos(it->part, it->seq);
    uint32_t input = job->plan.parts[it->part].input;
    uint16_t len = (uint16_t)it->id_len;
    memcpy(p, &pos, 8);
    memcpy(p + 8, &input, 4);
    memcpy(p + 12, &it->line, 8);
    memcpy(p + 20, &len, 2);
    memcpy(p + 22, it->id, len);
    soff[owner[i]] += ENTRY_FIXED + len;
  }
  double t0 = arcos_now();
  MPI_Alltoall(scount, 1, MPI_INT64_T, rcount, 1, MPI_INT64_T, comm);
  int ok = displs(scount, sc, sd, size) == ARCOS_OK && displs(rcount, rcv, rd, size) == ARCOS_OK;
  int all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
  if (!all_ok) {
    rc = ARCOS_ERANGE;
    goto done;
  }
  int64_t rtotal = rd[size - 1] + (int64_t)rcv[size - 1];
  rbuf = malloc((size_t)rtotal + 1);
  if (rbuf == NULL)
    ARCOS_OOM_ABORT(comm);
  MPI_Alltoallv(sbuf, sc, sd, MPI_BYTE, rbuf, rcv, rd, MPI_BYTE, comm);
  job->m.comm_s += arcos_now() - t0;

  /* Owner side: parse entries, keep the smallest position per id. */
  size_t nent = 0;
  for (int64_t off = 0; off < rtotal; nent++) {
    uint16_t len;
    memcpy(&len, rbuf + off + 20, 2);
    off += ENTRY_FIXED + len;
  }
  size_t tsize = 16;
  while (tsize < nent * 2)
    tsize *= 2;
  entries = malloc(nent * sizeof *entries + 1);
  table = malloc(tsize * sizeof *table);
  reply = malloc(nent * REPLY_SIZE + 1);
  if (entries == NULL || table == NULL || reply == NULL)
    ARCOS_OOM_ABORT(comm);
  memset(table, 0xff, tsize * sizeof *table);
  double tb = arcos_now();
  int64_t off = 0;
  for (size_t e = 0; e < nent; e++) {
    entry_t *x = &entries[e];
    const char *p = rbuf + off;
    memcpy(&x->pos, p, 8);
    memcpy(&x->input, p + 8, 4);
    memcpy(&x->line, p + 12, 8);
    memcpy(&x->len, p + 20, 2);
    x->id = p + 22;
    x->hash = arcos_hash64(x->id, x->len);
    off += ENTRY_FIXED + x->len;
    size_t slot = (size_t)x->hash & (tsize - 1);
    for (;;) {
      uint32_t t = table[slot];
      if (t == UINT32_MAX) {
        table[slot] = (uint32_t)e;
        break;
      }
      entry_t *y = &entries[t]; /* t < e: an entry already parsed in this loop */
      // NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): y was set above
      bool same = y->hash == x->hash && y->len == x->len && memcmp(y->id, x->id, x->len) == 0;
      if (same) {
        if (x->pos < y->pos)
          table[slot] = (uint32_t)e;
        break;
      }
      slot = (slot + 1) & (tsize - 1);
    }
  }
  for (size_t e = 0; e < nent; e++) {
    const entry_t *x = &entries[e];
    size_t slot = (size_t)x->hash & (tsize - 1);
    const entry_t *w = NULL;
    for (;;) {
      const entry_t *y = &entries[table[slot]];
      if (y->hash == x->hash && y->len == x->len && memcmp(y->id, x->id, x->len) == 0) {
        w = y;
        break;
      }
      slot = (slot + 1) & (tsize - 1);
    }
    char *q = reply + e * REPLY_SIZE;
    q[0] = w != x;
    memcpy(q + 1, &w->input, 4);
    memcpy(q + 5, &w->line, 8);
  }
  job->m.busy_s += arcos_now() - tb;

  /* Answers travel back in the order the entries came. */
  for (int r = 0; r < size; r++) {
    int64_t n_from = 0; /* entries received from r */
    for (int64_t o = rd[r]; o < rd[r] + rcv[r]; n_from++) {
      uint16_t len;
      memcpy(&len, rbuf + o + 20, 2);
      o += ENTRY_FIXED + len;
    }
    rcount[r] = n_from * REPLY_SIZE;
  }
  int64_t *ans_count = calloc((size_t)size, sizeof *ans_count);
  if (ans_count == NULL)
    ARCOS_OOM_ABORT(comm);
  for (size_t i = 0; i < job->nitems; i++)
    ans_count[owner[i]] += REPLY_SIZE;
  displs(rcount, rcv, rd, size);
  displs(ans_count, sc, sd, size);
  answers = malloc(job->nitems * REPLY_SIZE + 1);
  if (answers == NULL)
    ARCOS_OOM_ABORT(comm);
  t0 = arcos_now();
  MPI_Alltoallv(reply, rcv, rd, MPI_BYTE, answers, sc, sd, MPI_BYTE, comm);
  job->m.comm_s += arcos_now() - t0;
  free(ans_count);
  for (int r = 0; r < size; r++)
    soff[r] = sd[r];
  for (size_t i = 0; i < job->nitems; i++) {
    const char *q = answers + soff[owner[i]];
    soff[owner[i]] += REPLY_SIZE;
    item_t *it = &job->items[i];
    if (q[0]) {
      it->status = ITEM_DUPLICATE;
      memcpy(&it->first_input, q + 1, 4);
      memcpy(&it->first_line, q + 5, 8);
    }
  }
done:
  free(answers);
  free(reply);
  free(table);
  free(entries);
  free(rbuf);
  free(sbuf);
  free(owner);
  free(ic);
  free(scount);
  return rc;
}
