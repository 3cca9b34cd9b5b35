/* Exactly-once (SPEC §3) for the job: the items' ids and global positions go to the
 * seen-set (src/dist/seen.h), which answers "stored" or "duplicate of input:line".
 * Global position = (partition, sequence), and partitions are numbered in global
 * order, so the winner never depends on the number of ranks or on how inputs were
 * cut. */
#include <stdlib.h>
#include <string.h>

#include "dist/seen.h"
#include "run/exactly_once.h"

/* This run's positions in the exchange: above every earlier run's (previous.h). */
static uint64_t run_pos(const item_t *it) { return ARCOS_INRUN_POS | item_pos(it->part, it->seq); }

/* The exchange's answer for one of this run's items. */
static void decide(item_t *it, const arcos_seen_item_t *s) {
  /* The seen-set wrote the winner over each item: a duplicate's position changed. */
  int dup = s->pos != run_pos(it);
  it->status = dup ? ITEM_DUPLICATE : ITEM_STORED;
  if (dup) {
    it->first_run = s->pos & ARCOS_INRUN_POS ? 0 : (uint16_t)((s->pos >> ARCOS_PREV_ROW_BITS) + 1);
    it->first_input = s->input;
    it->first_line = s->line;
  }
}

arcos_seen_opts_t arcos_eo_opts(const arcos_config_t *cfg) {
  arcos_seen_opts_t o = {.round_items = (size_t)cfg->cache_round_items, .fail_node = -1};
  if (cfg->exactly_once_cache && cfg->fail_cache_node >= 0) {
    o.fail_node = (int)cfg->fail_cache_node;
    o.fail_at = cfg->fail_at;
  }
  if (o.round_items == 0)
    o.round_items = o.fail_node >= 0 ? 4096 : 65536;
  return o;
}

int arcos_exactly_once(MPI_Comm comm, arcos_cache_t *cache, arcos_records_t *rec,
                       const arcos_plan_t *plan, const arcos_previous_t *prev,
                       const arcos_seen_opts_t *opt, arcos_eo_figures_t *fig) {
  size_t n = rec->nitems, nprev = 0;
  /* The earlier runs' ids of this round (--previous) join the exchange after ours. */
  const arcos_seen_item_t *prev_items = arcos_previous_items(prev, &nprev);
  arcos_seen_item_t *s = malloc((n + nprev + 1) * sizeof *s);
  if (s == NULL)
    ARCOS_ABORT_OOM(comm); /* the others are in the exchange already */
  for (size_t i = 0; i < n; i++) {
    const item_t *it = &rec->items[i];
    s[i] = (arcos_seen_item_t){.id = it->id,
                               .id_len = it->id_len,
                               .input = plan->parts[it->part].input,
                               .pos = run_pos(it),
                               .line = it->line};
  }
  if (nprev > 0)
    memcpy(s + n, prev_items, nprev * sizeof *s);
  /* Under --max-memory-mb each spill bucket is one round of its own (spill.c: opt
   * NULL); in memory, rounds bound the exchange buffers, and a requested node failure
   * happens between two of them. */
  arcos_seen_opts_t one = {.round_items = 0, .fail_node = -1};
  arcos_seen_stats_t st;
  int rc = arcos_seen_exchange(comm, cache, s, n + nprev, opt != NULL ? opt : &one, &st);
  for (size_t i = 0; rc == ARCOS_OK && i < n; i++)
    decide(&rec->items[i], &s[i]);
  if (rc == ARCOS_OK) {
    fig->comm_s += st.comm_s;
    fig->busy_s += st.busy_s;
    fig->rounds += st.rounds;
  }
  free(s);
  return rc;
}
