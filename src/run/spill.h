/* Bounded memory (--max-memory-mb): records live in their checkpoint segments, not in
 * memory. spill.c keeps what is needed to bring them back: per partition its counts,
 * its line base and the exactly-once decision of each record. It runs the exactly-once
 * exchange in hash-bucket rounds over the segments and is the writer's round source
 * (outputs.h), one partition per rank and round. */
#ifndef ARCOS_RUN_SPILL_H
#define ARCOS_RUN_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "arcos/job.h"
#include "run/checkpoint.h"
#include "run/outputs.h"
#include "run/records.h"

struct arcos_previous;
typedef struct arcos_spill arcos_spill_t;

/* The spill state of a run over plan (borrowed: the owner of each partition is read
 * when needed, after dynamic dealing settled it) whose segments are in ckpt (borrowed),
 * budget bytes of data per rank. ARCOS_OK or ARCOS_ENOMEM. */
int arcos_spill_create(const arcos_ctx_t *ctx, const arcos_plan_t *plan, arcos_ckpt_t *ckpt,
                       uint64_t budget, arcos_spill_t **out);
void arcos_spill_destroy(arcos_spill_t **s);

/* Partition `part` was committed to its segment: note its counts and empty rec (its
 * records were the only ones there), arena included. */
void arcos_spill_release(arcos_spill_t *s, arcos_records_t *rec, size_t part);
/* Partition `part` was done before a --resume: its counts (and rec's newlines and
 * record count for it) come from its segment. */
int arcos_spill_note_loaded(arcos_spill_t *s, arcos_records_t *rec, size_t part);
/* The first line number - 1 of partition `part` (a JSON Lines range; else 0), which
 * line fixing (arcos_fix_lines) learns after ingest. */
void arcos_spill_set_base_line(arcos_spill_t *s, size_t part, uint64_t base);
/* The same as an array of one entry per partition of the plan, for a line fixing that
 * fills one (main's arcos_fix_lines(comm, plan, rec, base_line, m)). */
uint64_t *arcos_spill_base_lines(arcos_spill_t *s);

/* One exactly-once round over the records in rec (collective; the records' status and
 * first occurrence are set on return). */
typedef int (*arcos_spill_round_fn)(void *arg, arcos_records_t *rec);
/* Exactly-once in B rounds (collective): round b loads into rec the ids whose hash
 * falls in bucket b from every segment, and prev's (may be NULL) ids of bucket b, and
 * calls round(arg, rec); B is chosen so that one round fits the budget. Keeps one byte
 * per record and the first occurrence of each duplicate. rec is left empty. */
int arcos_spill_exactly_once(arcos_spill_t *s, arcos_records_t *rec, struct arcos_previous *prev,
                             arcos_spill_round_fn round, void *arg);
/* The writer's round source (collective use, after exactly-once): round r loads this
 * rank's r-th partition from its segment. While the writer's first pass loads them,
 * the statistics of the rows are gathered (arcos_spill_stats) and rec receives the
 * first 20 failures (the report's error sample; rec's items and failures are reset
 * here). src borrows s and rec. */
void arcos_spill_source(arcos_spill_t *s, arcos_records_t *rec, arcos_round_source_t *src);

/* Statistics of the rows, gathered by the round source; the exactly-once rounds. */
const stats_t *arcos_spill_stats(const arcos_spill_t *s);
uint32_t arcos_spill_rounds(const arcos_spill_t *s);
/* The exactly-once decision of record k of partition part (ITEM_STORED or
 * ITEM_DUPLICATE), and the number of duplicates: for tests. */
uint8_t arcos_spill_status(const arcos_spill_t *s, size_t part, uint32_t k);
size_t arcos_spill_ndups(const arcos_spill_t *s);
/* What a released or loaded partition holds: its items (0 before either). */
uint64_t arcos_spill_part_items(const arcos_spill_t *s, size_t part);

#endif
