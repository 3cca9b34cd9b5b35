/* The checkpoint of a run: the per-rank journal, the partition segments, and the
 * resume metadata under OUTPUT/.arcos-state. */
#ifndef ARCOS_RUN_CHECKPOINT_H
#define ARCOS_RUN_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arcos/config.h"
#include "arcos/input.h"
#include "arcos/job.h"
#include "arcos/util.h"
#include "run/records.h"

/* The checkpoint of this rank (opaque): the partitions' states from the journals, this
 * rank's journal, where its segments go. NULL where the run keeps no checkpoint: then
 * every partition is to do and start/commit do nothing. */
typedef struct arcos_ckpt arcos_ckpt_t;

/* checkpoint.c */
int arcos_ckpt_load_meta(const arcos_config_t *cfg, int64_t *reference_time, bool *found,
                         FILE *err);
int arcos_ckpt_load_plan(const arcos_config_t *cfg, arcos_plan_t *plan);
/* Rank 0: remove the state directory under output (what a kill during a completed
 * run's cleanup left behind). */
void arcos_ckpt_remove(const char *output);
/* Collective: the state directory (rank 0: a fresh one, or the journals of the run
 * being resumed, resume_found), and this rank's journal. seg_dir: where segments go
 * (borrowed; NULL: the state directory). *out receives the checkpoint even when this
 * fails (close it). */
int arcos_ckpt_setup(const arcos_ctx_t *ctx, const arcos_plan_t *plan, int64_t reference_time,
                     const char *seg_dir, bool resume_found, arcos_ckpt_t **out);
/* Partition part's state from the journals: 0 to do, 1 started, 2 done (0 when c is
 * NULL); all of them (NULL when c is NULL), for the dealer. */
uint8_t arcos_ckpt_state(const arcos_ckpt_t *c, size_t part);
const uint8_t *arcos_ckpt_states(const arcos_ckpt_t *c);
/* "start P" in the journal before a partition is processed. */
int arcos_ckpt_start(arcos_ckpt_t *c, size_t part);
/* Partition part's records (the last ones of r) into its segment, then "done P". */
int arcos_ckpt_commit(arcos_ckpt_t *c, const arcos_records_t *r, size_t part);
/* A done partition's records from its segment, appended to r (strings copied). */
int arcos_ckpt_load(const arcos_ckpt_t *c, arcos_records_t *r, size_t part);
/* Reading a segment in place (bounded-memory mode): strings borrowed from b. */
typedef struct {
  uint64_t hdr[5]; /* part, items, fails, newlines, records */
  const char *p, *end;
  uint64_t items_left, fails_left;
  uint32_t part;
} seg_cursor_t;
int arcos_seg_open(const arcos_ckpt_t *ck, size_t part, arcos_buf_t *b, seg_cursor_t *c);
int arcos_seg_next_item(seg_cursor_t *c, item_t *it); /* all items first, */
int arcos_seg_next_fail(seg_cursor_t *c, fail_t *f);  /* then the fails */
/* Close the journal and free c (*c becomes NULL; a NULL one is fine). success: rank 0
 * removes the state directory, which has served its purpose once the outputs are in
 * place. */
void arcos_ckpt_close(arcos_ckpt_t **c, const arcos_ctx_t *ctx, bool success);

#endif
