/* The checksum memo's deferral (SPEC §8, docs/cache.md "The checksum memo"): records
 * read while the memo is on wait here for the next collective round of dist/memo.h;
 * the round looks their keys up, then every waiting record goes to the caller's
 * callback in read order, with the facts the memo knew (skip `data`) or room for what
 * its full verification learned (queued for the next round). Knows nothing of the job
 * or the pipeline: it takes the memo and a callback. */
#ifndef ARCOS_RUN_MEMO_DEFER_H
#define ARCOS_RUN_MEMO_DEFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/evidence.h"
#include "arcos/input.h"
#include "dist/memo.h"

typedef struct arcos_memo_defer arcos_memo_defer_t;

/* A waiting record as it is handed back once its round ran. Texts are borrowed from
 * the deferral until the callback returns. */
typedef struct {
  arcos_raw_t raw; /* text, len, line, offset as read (fields NULL) */
  uint32_t seq;    /* its position among the partition's records */
  bool is_error;   /* a reader error: code and message (NUL-terminated) */
  int code;
  const char *message;
  size_t data_off, data_len;  /* the raw `data` span in the trimmed text (key only) */
  const arcos_ev_memo_t *hit; /* the facts the memo knows, or NULL: verify in full */
  arcos_ev_memo_t *learned;   /* non-NULL: fill it and set *has_learned when the */
  bool *has_learned;          /* full verification learned what the memo keeps */
} arcos_memo_pending_t;

/* Process one waiting record; non-zero stops the round with that code. */
typedef int (*arcos_memo_pending_fn)(void *arg, const arcos_memo_pending_t *pe);

typedef struct {
  size_t round_records;    /* records per round */
  size_t pend_max;         /* bytes of waiting record text that end a round early */
  size_t max_record_bytes; /* longer records never use the memo */
} arcos_memo_defer_opts_t;

/* Local; NULL when out of memory. The memo is borrowed. */
arcos_memo_defer_t *arcos_memo_defer_create(arcos_memo_t *memo, const arcos_memo_defer_opts_t *o,
                                            arcos_memo_pending_fn fn, void *arg);
void arcos_memo_defer_destroy(arcos_memo_defer_t **d);
/* Keep a record (is_error false) or a reader error (code, message) read at position
 * seq; the texts are copied. Returns ARCOS_OK or ARCOS_ENOMEM. */
int arcos_memo_defer_add(arcos_memo_defer_t *d, const arcos_raw_t *raw, uint32_t seq, bool is_error,
                         int code, const char *message);
/* Whether the waiting records fill a round (run arcos_memo_defer_flush). */
bool arcos_memo_defer_full(const arcos_memo_defer_t *d);
/* Collective over the memo's cache: one round for the waiting records' keys, then the
 * callback on each in the order they were added; the deferral is empty afterwards. */
int arcos_memo_defer_flush(arcos_memo_defer_t *d);
/* Forget the waiting records (an abandoned partition takes them along). */
void arcos_memo_defer_drop(arcos_memo_defer_t *d);
/* Seconds spent in rounds since the last call (exchange and waiting for the others). */
double arcos_memo_defer_take_seconds(arcos_memo_defer_t *d);

#endif
