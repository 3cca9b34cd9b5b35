/* The results.h5 columns of the records (SPEC §6, docs/formats.md): one const table
 * says each column's path, HDF5 type and how one row is filled from an item or a
 * failure. The writer (outputs.c) reads it for every round, in memory and under
 * --max-memory-mb alike, so the layout is written down once. */
#ifndef ARCOS_RUN_COLUMNS_H
#define ARCOS_RUN_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "arcos/h5.h"
#include "arcos/input.h"
#include "run/records.h"

/* The tables of rows, in the order the writers write them (/alerts is derived from
 * /evidence: arcos_col_alerts). */
enum { ARCOS_TBL_EVIDENCE, ARCOS_TBL_DUPLICATES, ARCOS_TBL_ERRORS, ARCOS_TBL_COUNT };

/* Buffers one column of rows is filled into: strings in sp/sl, numbers in the array
 * of their type (ARCOS_H5_SEVERITY in u8). */
typedef struct {
  const char **sp;
  uint32_t *sl;
  uint64_t *u64;
  uint32_t *u32;
  uint8_t *u8;
  int64_t *i64;
} arcos_colbuf_t;

typedef struct {
  const char *path;
  arcos_h5_type_t type; /* ARCOS_H5_CHAR: a string column */
  uint8_t table;        /* ARCOS_TBL_* */
  /* Row k of the column from an item (evidence, duplicates) or a failure (errors). */
  void (*item)(const item_t *it, const arcos_plan_t *plan, const arcos_colbuf_t *b, size_t k);
  void (*fail)(const fail_t *f, const arcos_plan_t *plan, const arcos_colbuf_t *b, size_t k);
} arcos_col_t;

extern const arcos_col_t arcos_columns[];
extern const size_t arcos_ncolumns;
extern const char *const arcos_table_group[ARCOS_TBL_COUNT];

/* Whether an item is a row of table tbl. */
bool arcos_col_item_in(const item_t *it, int tbl);
/* Allocate buffers for n rows (false out of memory); free them. */
bool arcos_colbuf_alloc(arcos_colbuf_t *b, size_t n);
void arcos_colbuf_free(arcos_colbuf_t *b);
/* The number buffer of a column's type. */
const void *arcos_colbuf_data(const arcos_colbuf_t *b, arcos_h5_type_t type);
/* Fill column c over the rows among items[0..nitems) / fails[0..nfails) that belong to
 * its table, in order; returns how many rows. */
size_t arcos_col_fill(const arcos_col_t *c, const arcos_plan_t *plan, const item_t *items,
                      size_t nitems, const fail_t *fails, size_t nfails, const arcos_colbuf_t *b);
/* The bytes of string column c over the same rows (what arcos_col_fill would give). */
uint64_t arcos_col_bytes(const arcos_col_t *c, const arcos_plan_t *plan, const item_t *items,
                         size_t nitems, const fail_t *fails, size_t nfails);
/* /alerts: one row per alert of the stored items (row = the record's row in
 * /evidence, which row_of gives for the k-th stored item), kind in u8 (1 integrity,
 * 2 low quality, 3 clock skew); returns how many. */
size_t arcos_col_alerts(const item_t *items, size_t nitems, uint64_t (*row_of)(void *, size_t),
                        void *arg, const arcos_colbuf_t *b);
/* Alert kinds (as arcos_col_alerts fills them) to severities, in place. */
void arcos_col_alert_severity(uint8_t *u8, size_t n);

#endif
