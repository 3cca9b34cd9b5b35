/* The checkpoint of a run: the per-rank journal, the partition segments, and the
 * resume metadata under OUTPUT/.arcos-state. */
#ifndef ARCOS_RUN_CHECKPOINT_H
#define ARCOS_RUN_CHECKPOINT_H

#include "run/job_internal.h"

/* checkpoint.c */
int arcos_ckpt_load_meta(const arcos_config_t *cfg, int64_t *reference_time, bool *found,
                         FILE *err);
int arcos_ckpt_load_plan(const arcos_config_t *cfg, arcos_plan_t *plan);
/* Rank 0: remove the state directory under output (what a kill during a completed
 * run's cleanup left behind). */
void arcos_ckpt_remove(const char *output);
int arcos_ckpt_setup(job_t *job, bool resume_found); /* collective */
int arcos_ckpt_start(job_t *job, size_t part);
int arcos_ckpt_commit(job_t *job, size_t part);
int arcos_ckpt_load(job_t *job, size_t part);
/* Reading a segment in place (bounded-memory mode): strings borrowed from b. */
typedef struct {
  uint64_t hdr[5]; /* part, items, fails, newlines, records */
  const char *p, *end;
  uint64_t items_left, fails_left;
  uint32_t part;
} seg_cursor_t;
int arcos_seg_open(job_t *job, size_t part, arcos_buf_t *b, seg_cursor_t *c);
int arcos_seg_next_item(seg_cursor_t *c, item_t *it); /* all items first, */
int arcos_seg_next_fail(seg_cursor_t *c, fail_t *f);  /* then the fails */
void arcos_ckpt_close(job_t *job, bool success);

#endif
