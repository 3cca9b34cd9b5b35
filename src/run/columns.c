/* The results.h5 column table (columns.h). */
#include <stdlib.h>
#include <string.h>

#include "run/columns.h"

#define ITEM_FN(name, expr)                                                                        \
  static void name(const item_t *it, const arcos_plan_t *plan, const arcos_colbuf_t *b,            \
                   size_t k) {                                                                     \
    (void)plan;                                                                                    \
    expr;                                                                                          \
  }
#define FAIL_FN(name, expr)                                                                        \
  static void name(const fail_t *f, const arcos_plan_t *plan, const arcos_colbuf_t *b, size_t k) { \
    (void)plan;                                                                                    \
    expr;                                                                                          \
  }

ITEM_FN(it_id, (b->sp[k] = it->id, b->sl[k] = it->id_len))
ITEM_FN(it_type, (b->sp[k] = it->type, b->sl[k] = it->type_len))
ITEM_FN(it_source, (b->sp[k] = it->source, b->sl[k] = it->source_len))
ITEM_FN(it_timestamp, b->i64[k] = it->timestamp_valid ? it->timestamp : INT64_MIN)
ITEM_FN(it_score, b->u8[k] = it->score)
ITEM_FN(it_completeness, b->u8[k] = it->comp[0])
ITEM_FN(it_integrity, b->u8[k] = it->comp[1])
ITEM_FN(it_provenance, b->u8[k] = it->comp[2])
ITEM_FN(it_freshness, b->u8[k] = it->comp[3])
ITEM_FN(it_signal, b->u8[k] = it->comp[4])
ITEM_FN(it_alerts, b->u8[k] = it->alerts)
ITEM_FN(it_severity, b->u8[k] = it->severity)
ITEM_FN(it_input, b->u32[k] = plan->parts[it->part].input)
ITEM_FN(it_line, b->u64[k] = it->line)
ITEM_FN(it_first_input, b->u32[k] = it->first_input)
ITEM_FN(it_first_line, b->u64[k] = it->first_line)
ITEM_FN(it_first_run, b->u32[k] = it->first_run ? it->first_run - 1u : UINT32_MAX)
FAIL_FN(f_message, (b->sp[k] = f->message, b->sl[k] = (uint32_t)arcos_fail_message_len(f)))
FAIL_FN(f_input, b->u32[k] = plan->parts[f->part].input)
FAIL_FN(f_line, b->u64[k] = f->line)
FAIL_FN(f_offset, b->u64[k] = f->offset)
FAIL_FN(f_kind, b->u8[k] = f->kind)
FAIL_FN(f_stage, b->u8[k] = f->stage)

const char *const arcos_table_group[ARCOS_TBL_COUNT] = {"/evidence", "/duplicates", "/errors"};

const arcos_col_t arcos_columns[] = {
    {"/evidence/id", ARCOS_H5_CHAR, ARCOS_TBL_EVIDENCE, it_id, NULL},
    {"/evidence/type", ARCOS_H5_CHAR, ARCOS_TBL_EVIDENCE, it_type, NULL},
    {"/evidence/source", ARCOS_H5_CHAR, ARCOS_TBL_EVIDENCE, it_source, NULL},
    {"/evidence/timestamp", ARCOS_H5_I64, ARCOS_TBL_EVIDENCE, it_timestamp, NULL},
    {"/evidence/score", ARCOS_H5_U8, ARCOS_TBL_EVIDENCE, it_score, NULL},
    {"/evidence/completeness", ARCOS_H5_U8, ARCOS_TBL_EVIDENCE, it_completeness, NULL},
    {"/evidence/integrity", ARCOS_H5_U8, ARCOS_TBL_EVIDENCE, it_integrity, NULL},
    {"/evidence/provenance", ARCOS_H5_U8, ARCOS_TBL_EVIDENCE, it_provenance, NULL},
    {"/evidence/freshness", ARCOS_H5_U8, ARCOS_TBL_EVIDENCE, it_freshness, NULL},
    {"/evidence/signal", ARCOS_H5_U8, ARCOS_TBL_EVIDENCE, it_signal, NULL},
    {"/evidence/alerts", ARCOS_H5_U8, ARCOS_TBL_EVIDENCE, it_alerts, NULL},
    {"/evidence/alert_severity", ARCOS_H5_SEVERITY, ARCOS_TBL_EVIDENCE, it_severity, NULL},
    {"/evidence/input", ARCOS_H5_U32, ARCOS_TBL_EVIDENCE, it_input, NULL},
    {"/evidence/line", ARCOS_H5_U64, ARCOS_TBL_EVIDENCE, it_line, NULL},
    {"/duplicates/id", ARCOS_H5_CHAR, ARCOS_TBL_DUPLICATES, it_id, NULL},
    {"/duplicates/input", ARCOS_H5_U32, ARCOS_TBL_DUPLICATES, it_input, NULL},
    {"/duplicates/line", ARCOS_H5_U64, ARCOS_TBL_DUPLICATES, it_line, NULL},
    {"/duplicates/first_input", ARCOS_H5_U32, ARCOS_TBL_DUPLICATES, it_first_input, NULL},
    {"/duplicates/first_line", ARCOS_H5_U64, ARCOS_TBL_DUPLICATES, it_first_line, NULL},
    {"/duplicates/first_run", ARCOS_H5_U32, ARCOS_TBL_DUPLICATES, it_first_run, NULL},
    {"/errors/message", ARCOS_H5_CHAR, ARCOS_TBL_ERRORS, NULL, f_message},
    {"/errors/input", ARCOS_H5_U32, ARCOS_TBL_ERRORS, NULL, f_input},
    {"/errors/line", ARCOS_H5_U64, ARCOS_TBL_ERRORS, NULL, f_line},
    {"/errors/byte_offset", ARCOS_H5_U64, ARCOS_TBL_ERRORS, NULL, f_offset},
    {"/errors/kind", ARCOS_H5_U8, ARCOS_TBL_ERRORS, NULL, f_kind},
    {"/errors/stage", ARCOS_H5_U8, ARCOS_TBL_ERRORS, NULL, f_stage},
};
const size_t arcos_ncolumns = sizeof arcos_columns / sizeof arcos_columns[0];

bool arcos_col_item_in(const item_t *it, int tbl) {
  return (tbl == ARCOS_TBL_EVIDENCE && it->status == ITEM_STORED) ||
         (tbl == ARCOS_TBL_DUPLICATES && it->status == ITEM_DUPLICATE);
}

bool arcos_colbuf_alloc(arcos_colbuf_t *b, size_t n) {
  b->sp = malloc((n + 1) * sizeof *b->sp);
  b->sl = malloc((n + 1) * sizeof *b->sl);
  b->u64 = malloc((n + 1) * sizeof *b->u64);
  b->u32 = malloc((n + 1) * sizeof *b->u32);
  b->u8 = malloc(n + 1);
  b->i64 = malloc((n + 1) * sizeof *b->i64);
  return b->sp != NULL && b->sl != NULL && b->u64 != NULL && b->u32 != NULL && b->u8 != NULL &&
         b->i64 != NULL;
}

void arcos_colbuf_free(arcos_colbuf_t *b) {
  free(b->sp);
  free(b->sl);
  free(b->u64);
  free(b->u32);
  free(b->u8);
  free(b->i64);
  memset(b, 0, sizeof *b);
}

const void *arcos_colbuf_data(const arcos_colbuf_t *b, arcos_h5_type_t type) {
  switch (type) {
  case ARCOS_H5_U32:
    return b->u32;
  case ARCOS_H5_U64:
    return b->u64;
  case ARCOS_H5_I64:
    return b->i64;
  default:
    return b->u8;
  }
}

size_t arcos_col_fill(const arcos_col_t *c, const arcos_plan_t *plan, const item_t *items,
                      size_t nitems, const fail_t *fails, size_t nfails, const arcos_colbuf_t *b) {
  size_t k = 0;
  if (c->table == ARCOS_TBL_ERRORS) {
    for (size_t i = 0; i < nfails; i++)
      c->fail(&fails[i], plan, b, k++);
    return k;
  }
  for (size_t i = 0; i < nitems; i++)
    if (arcos_col_item_in(&items[i], c->table))
      c->item(&items[i], plan, b, k++);
  return k;
}

uint64_t arcos_col_bytes(const arcos_col_t *c, const arcos_plan_t *plan, const item_t *items,
                         size_t nitems, const fail_t *fails, size_t nfails) {
  const char *sp = NULL;
  uint32_t sl = 0;
  const arcos_colbuf_t one = {.sp = &sp, .sl = &sl};
  uint64_t bytes = 0;
  if (c->table == ARCOS_TBL_ERRORS) {
    for (size_t i = 0; i < nfails; i++, bytes += sl)
      c->fail(&fails[i], plan, &one, 0);
    return bytes;
  }
  for (size_t i = 0; i < nitems; i++) {
    if (arcos_col_item_in(&items[i], c->table)) {
      c->item(&items[i], plan, &one, 0);
      bytes += sl;
    }
  }
  return bytes;
}

size_t arcos_col_alerts(const item_t *items, size_t nitems, uint64_t (*row_of)(void *, size_t),
                        void *arg, const arcos_colbuf_t *b) {
  size_t n = 0, stored = 0;
  for (size_t i = 0; i < nitems; i++) {
    const item_t *it = &items[i];
    if (it->status != ITEM_STORED)
      continue;
    uint64_t row = row_of(arg, stored++);
    for (int a = 0; a < 3; a++) {
      if (it->alerts & (1u << a)) {
        b->u64[n] = row;
        b->u8[n] = (uint8_t)(a + 1);
        n++;
      }
    }
  }
  return n;
}

void arcos_col_alert_severity(uint8_t *u8, size_t n) {
  for (size_t k = 0; k < n; k++)
    u8[k] = u8[k] == 1 ? ARCOS_SEV_CRITICAL : u8[k] == 2 ? ARCOS_SEV_HIGH : ARCOS_SEV_MEDIUM;
}
