/* Exactly-once (SPEC §3) for the job: the items' ids and global positions go to the
 * seen-set (src/dist/seen.h), which answers "stored" or "duplicate of input:line".
 * Global position = (partition, sequence), and partitions are numbered in global
 * order, so the winner never depends on the number of ranks or on how inputs were
 * cut. */
#include <stdlib.h>

#include <string.h>

#include "dist/seen.h"
#include "run/job_internal.h"
#include "run/previous.h"

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

int arcos_exactly_once(job_t *job) {
  const arcos_config_t *cfg = job->cfg;
  size_t n = job->rec.nitems, nprev = 0;
  /* The earlier runs' ids of this round (--previous) join the exchange after ours. */
  const arcos_seen_item_t *prev = arcos_previous_items(job->prev, &nprev);
  arcos_seen_item_t *s = malloc((n + nprev + 1) * sizeof *s);
  if (s == NULL)
    ARCOS_ABORT_OOM(job->ctx->comm);
  for (size_t i = 0; i < n; i++) {
    const item_t *it = &job->rec.items[i];
    s[i] = (arcos_seen_item_t){.id = it->id,
                               .id_len = it->id_len,
                               .input = job->plan.parts[it->part].input,
                               .pos = run_pos(it),
                               .line = it->line};
  }
  if (nprev > 0)
    memcpy(s + n, prev, nprev * sizeof *s);
  /* Under --max-memory-mb each spill bucket is one round of its own (spill.c); in
   * memory, rounds bound the exchange buffers, and a requested node failure happens
   * between two of them. */
  arcos_seen_opts_t o = {.round_items = 0, .fail_node = -1};
  if (!job->spill && cfg != NULL) {
    if (cfg->exactly_once_cache && cfg->fail_cache_node >= 0) {
      o.fail_node = (int)cfg->fail_cache_node;
      o.fail_at = cfg->fail_at;
    }
    o.round_items = (size_t)cfg->cache_round_items;
    if (o.round_items == 0)
      o.round_items = o.fail_node >= 0 ? 4096 : 65536;
  }
  arcos_seen_stats_t st;
  int rc = arcos_seen_exchange(job->ctx->comm, job->cache, s, n + nprev, &o, &st);
  for (size_t i = 0; rc == ARCOS_OK && i < n; i++)
    decide(&job->rec.items[i], &s[i]);
  if (rc == ARCOS_OK) {
    job->m.comm_s += st.comm_s;
    job->m.busy_s += st.busy_s;
  }
  free(s);
  return rc;
}
