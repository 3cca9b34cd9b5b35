/* Dynamic dealing of partitions (--schedule dynamic): a shared counter at rank 0 that
 * every taking rank advances with MPI_Fetch_and_op, so that a rank that finishes early
 * takes the next partition instead of waiting for a plan made up front. */
#ifndef ARCOS_RUN_DEAL_H
#define ARCOS_RUN_DEAL_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/input.h"

typedef struct arcos_deal arcos_deal_t;

/* The partitions still to do (state[p] != 2 and not dealt[p]; either may be NULL), in
 * the order they are dealt: heaviest first, equal weights in index order, as the static
 * plan assigns them. Returns a new array of *n indices (at least one byte), or NULL out
 * of memory. */
uint32_t *arcos_deal_order(const arcos_plan_t *plan, const uint8_t *state, const uint8_t *dealt,
                           size_t *n);
/* Collective over comm: a dealer over order[0..n) (the same on every rank; the dealer
 * keeps the pointer). taker: this rank takes partitions (the first --max-workers). */
arcos_deal_t *arcos_deal_create(MPI_Comm comm, const uint32_t *order, size_t n, bool taker);
/* The next partition for this rank, or -1 when none is left (or it takes none). Not
 * collective: one atomic fetch-and-add on rank 0's counter. */
int64_t arcos_deal_next(arcos_deal_t *d);
/* Partitions this rank was dealt. */
uint64_t arcos_deal_taken(const arcos_deal_t *d);
/* Collective: release the counter's window. */
void arcos_deal_destroy(arcos_deal_t **d);

#endif
