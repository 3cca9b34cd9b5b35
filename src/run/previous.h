/* Incremental runs (SPEC §3, `--previous PATH`, repeatable): the ids earlier runs
 * stored seed the exactly-once seen-set, so a record whose id an earlier run stored is
 * a duplicate of that earlier record.
 *
 * Every rank opens every earlier results.h5 itself (serial HDF5 reader, read only) and
 * reads only its slice of the `/evidence` rows (id, input, line): rank k of N takes
 * rows [n k / N, n (k+1) / N). The ids go to their owners in the same seen-set
 * exchange as this run's records, so no rank reads or holds them all. Earlier runs
 * precede this run's inputs in global order, several `--previous` in the order given:
 * an earlier id's seen-set position is ARCOS_PREV_POS(run, row), every position of
 * this run has ARCOS_INRUN_POS set, so the earlier one always wins. Under
 * --max-memory-mb the slice is read again in every bucket round and only that
 * bucket's ids are kept (arcos_previous_round with a filter). */
#ifndef ARCOS_RUN_PREVIOUS_H
#define ARCOS_RUN_PREVIOUS_H

#include <jansson.h>
#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arcos/options.h"
#include "dist/seen.h"

/* Seen-set positions: earlier runs' rows below every position of this run. */
#define ARCOS_INRUN_POS (UINT64_C(1) << 63)
#define ARCOS_PREV_ROW_BITS 40
#define ARCOS_PREV_MAX_RUNS 65534 /* item_t.first_run holds 1 + the index in 16 bits */
#define ARCOS_PREV_POS(run, row) (((uint64_t)(run) << ARCOS_PREV_ROW_BITS) | (uint64_t)(row))

typedef struct arcos_previous arcos_previous_t;

/* Rank 0 checks every path (exists, readable, a results.h5 written by `run`); the
 * verdict is broadcast. Returns ARCOS_OK or ARCOS_EUSAGE with a message on err that
 * names the path and what is wrong. Collective; reads no evidence. */
int arcos_previous_check(MPI_Comm comm, int rank, const arcos_strlist_t *paths, FILE *err);

/* Collective: open every earlier run on every rank (row counts, input names, this
 * rank's slice). *out is NULL when paths is empty. ARCOS_EIO (message on err) when a
 * file cannot be read, on every rank alike. */
int arcos_previous_open(MPI_Comm comm, const arcos_strlist_t *paths, arcos_previous_t **out,
                        FILE *err);
void arcos_previous_close(arcos_previous_t **p);

/* Read this rank's slices again and keep the ids for which keep(id, len, arg) is true
 * (keep NULL: every id) as seen-set items of this round, replacing the last round's.
 * Not collective. ARCOS_EIO with a message on err when a read fails or a row names an
 * input the file does not have. */
typedef bool (*arcos_previous_keep_fn)(const char *id, size_t len, void *arg);
int arcos_previous_round(arcos_previous_t *p, arcos_previous_keep_fn keep, void *arg, FILE *err);
/* Free the current round's items (the names and figures stay for the outputs). */
void arcos_previous_release(arcos_previous_t *p);
/* The items of the current round (pos, input, line as the earlier run recorded them). */
const arcos_seen_item_t *arcos_previous_items(const arcos_previous_t *p, size_t *n);
/* This rank's slice: rows and id bytes over all earlier runs (for the memory budget). */
void arcos_previous_slice(const arcos_previous_t *p, uint64_t *rows, uint64_t *id_bytes);

/* Figures of the earlier runs, identical on every rank. */
size_t arcos_previous_count(const arcos_previous_t *p);
const char *arcos_previous_path(const arcos_previous_t *p, size_t run); /* as given */
uint64_t arcos_previous_ids(const arcos_previous_t *p, size_t run);     /* rows of /evidence */
/* The earlier run's name of its input `input` (its /inputs/path row). */
const char *arcos_previous_input(const arcos_previous_t *p, size_t run, uint32_t input);
/* [{"path": ..., "ids": N}, ...] in the order given; [] for p == NULL. New reference. */
json_t *arcos_previous_json(const arcos_previous_t *p);

#endif
