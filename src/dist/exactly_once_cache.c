#include "dist/exactly_once_cache.h"

#include <stdlib.h>

int arcos_exactly_once_cache(job_t *job, arcos_cache_t *cache, const arcos_eo_cache_opts_t *opts,
                             uint64_t *unavailable) {
  MPI_Comm comm = job->ctx->comm;
  size_t n = job->nitems;
  arcos_cache_claim_t *cl = malloc((n + 1) * sizeof *cl);
  if (cl == NULL)
    ARCOS_OOM_ABORT(comm);
  for (size_t i = 0; i < n; i++) {
    const item_t *it = &job->items[i];
    cl[i] = (arcos_cache_claim_t){.id = it->id,
                                  .id_len = it->id_len,
                                  .pos = item_pos(it->part, it->seq),
                                  .input = job->plan.parts[it->part].input,
                                  .line = it->line};
  }

  /* Every rank takes part in every round, with an empty slice when it is done. */
  size_t per = opts != NULL && opts->round_items > 0 ? opts->round_items : (n > 0 ? n : 1);
  uint64_t mine = (n + per - 1) / per, rounds = 0;
  MPI_Allreduce(&mine, &rounds, 1, MPI_UINT64_T, MPI_MAX, comm);
  if (rounds == 0)
    rounds = 1;
  int fail_node = opts != NULL ? opts->fail_node : -1;
  uint64_t fail_round = 0;
  if (fail_node >= 0) {
    double f = opts->fail_at < 0 ? 0 : (opts->fail_at > 1 ? 1 : opts->fail_at);
    fail_round = (uint64_t)(f * (double)rounds);
  }

  int rc = ARCOS_OK;
  double t0 = arcos_now();
  for (uint64_t r = 0; r <= rounds && rc == ARCOS_OK; r++) {
    /* The failure comes before round fail_round (so fail_at = 0 fails before any claim
     * and fail_at = 1 after the last). */
    if (fail_node >= 0 && r == fail_round) {
      rc = arcos_cache_fail_node(cache, fail_node);
      if (rc != ARCOS_OK)
        break;
    }
    if (r == rounds)
      break;
    size_t lo = (size_t)r * per < n ? (size_t)r * per : n;
    size_t hi = lo + per < n ? lo + per : n;
    rc = arcos_cache_claim(cache, cl + lo, hi - lo);
  }
  /* One round is final by itself unless a failure came after it; otherwise read the
   * final winners. */
  if (rc == ARCOS_OK && (rounds > 1 || fail_node >= 0))
    rc = arcos_cache_claim_resolve(cache, cl, n);
  job->m.comm_s += arcos_now() - t0;

  uint64_t unav = 0;
  for (size_t i = 0; rc == ARCOS_OK && i < n; i++) {
    item_t *it = &job->items[i];
    unav += cl[i].unavailable;
    if (cl[i].duplicate) {
      it->status = ITEM_DUPLICATE;
      it->first_input = cl[i].first_input;
      it->first_line = cl[i].first_line;
    } else {
      it->status = ITEM_STORED;
    }
  }
  uint64_t all = 0;
  MPI_Allreduce(&unav, &all, 1, MPI_UINT64_T, MPI_SUM, comm);
  if (unavailable != NULL)
    *unavailable = all;
  free(cl);
  return rc;
}
