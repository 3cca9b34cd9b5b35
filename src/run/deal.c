/* Dynamic dealing (deal.h). The counter is one int64 in a window at rank 0, read and
 * advanced under a passive-target epoch (MPI_Win_lock_all) that lasts the whole ingest,
 * so that taking a partition costs one atomic round trip and no rank waits for another
 * to be ready. The k-th fetch returns k, and order[k] is the partition it deals: each
 * partition goes to exactly one rank, whichever asks first. */
#include <stdlib.h>

#include "arcos/error.h"
#include "run/deal.h"

struct arcos_deal {
  MPI_Win win;
  int64_t *counter; /* rank 0: the next index into order; elsewhere unused */
  const uint32_t *order;
  size_t n;
  bool taker, exhausted;
  uint64_t taken;
};

typedef struct {
  uint64_t weight;
  uint32_t idx;
} weighted_t;

/* Heaviest first; equal weights in index order (the order arcos_plan_assign uses). */
static int cmp_weight_desc(const void *a, const void *b) {
  const weighted_t *x = a, *y = b;
  if (x->weight != y->weight)
    return x->weight > y->weight ? -1 : 1;
  return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

uint32_t *arcos_deal_order(const arcos_plan_t *plan, const uint8_t *state, const uint8_t *dealt,
                           size_t *n) {
  weighted_t *w = malloc(plan->nparts * sizeof *w + 1);
  uint32_t *order = malloc(plan->nparts * sizeof *order + 1);
  if (w == NULL || order == NULL) {
    free(w);
    free(order);
    return NULL;
  }
  size_t k = 0;
  for (size_t p = 0; p < plan->nparts; p++)
    if ((state == NULL || state[p] != 2) && (dealt == NULL || !dealt[p]))
      w[k++] = (weighted_t){plan->parts[p].weight, (uint32_t)p};
  qsort(w, k, sizeof *w, cmp_weight_desc);
  for (size_t i = 0; i < k; i++)
    order[i] = w[i].idx;
  free(w);
  *n = k;
  return order;
}

arcos_deal_t *arcos_deal_create(MPI_Comm comm, const uint32_t *order, size_t n, bool taker) {
  arcos_deal_t *d = calloc(1, sizeof *d);
  if (d == NULL)
    ARCOS_ABORT_OOM(comm); /* the window is collective: every rank must make it */
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Aint bytes = rank == 0 ? (MPI_Aint)sizeof(int64_t) : 0;
  MPI_Win_allocate(bytes, (int)sizeof(int64_t), MPI_INFO_NULL, comm, &d->counter, &d->win);
  if (rank == 0)
    *d->counter = 0;
  MPI_Win_lock_all(MPI_MODE_NOCHECK, d->win);
  /* The zero must be visible in the window before anyone fetches: the public copy is
   * synchronised, then the barrier orders it before every rank's first fetch. */
  MPI_Win_sync(d->win);
  MPI_Barrier(comm);
  d->order = order;
  d->n = n;
  d->taker = taker;
  return d;
}

int64_t arcos_deal_next(arcos_deal_t *d) {
  if (!d->taker || d->exhausted)
    return -1;
  const int64_t one = 1;
  int64_t k = 0;
  MPI_Fetch_and_op(&one, &k, MPI_INT64_T, 0, 0, MPI_SUM, d->win);
  MPI_Win_flush(0, d->win);
  if (k < 0 || (uint64_t)k >= d->n) {
    d->exhausted = true; /* later fetches could only return larger values */
    return -1;
  }
  d->taken++;
  return (int64_t)d->order[k];
}

uint64_t arcos_deal_taken(const arcos_deal_t *d) { return d->taken; }

void arcos_deal_destroy(arcos_deal_t **dp) {
  arcos_deal_t *d = *dp;
  if (d == NULL)
    return;
  MPI_Win_unlock_all(d->win);
  MPI_Win_free(&d->win);
  free(d);
  *dp = NULL;
}
