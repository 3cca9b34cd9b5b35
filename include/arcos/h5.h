/* Parallel HDF5 output in one module (MPI-IO file driver, collective transfers).
 * Every function here is collective over the communicator the file was created with:
 * all ranks call it in the same order with the same path/type/total arguments.
 *
 * Tables are stored column-wise, one 1-D dataset per column. Parallel HDF5 cannot
 * write variable-length strings collectively, so a string column NAME is three
 * datasets: NAME_chars (the bytes of every row concatenated, no separators),
 * NAME_offset (uint64, first byte of each row in NAME_chars) and NAME_length
 * (uint32, bytes of each row). See docs/formats.md. */
#ifndef ARCOS_H5_H
#define ARCOS_H5_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/error.h"

typedef struct arcos_h5 arcos_h5_t;

typedef enum {
  ARCOS_H5_U8 = 0,
  ARCOS_H5_U32,
  ARCOS_H5_U64,
  ARCOS_H5_I64,
  ARCOS_H5_F64,
  ARCOS_H5_CHAR,     /* bytes of string data (stored as 8-bit unsigned integers) */
  ARCOS_H5_SEVERITY, /* uint8 enum {none=0, medium=1, high=2, critical=3} */
} arcos_h5_type_t;

/* Errors: every function returns 0 or a negative ARCOS_E* code, the same code on every
 * rank (the ranks agree with a small MPI_Allreduce before and after the collective HDF5
 * calls, so a failure on one rank never leaves the others waiting). A failing HDF5 call
 * prints its error stack to stderr on the rank where it failed. ARCOS_EUSAGE also means
 * the ranks passed different path/type/total/attribute arguments. */

/* Create (truncate) path for parallel writing. */
int arcos_h5_create(MPI_Comm comm, const char *path, arcos_h5_t **out, arcos_detail_t *detail);
/* Close the file and free the handle; *h becomes NULL. */
int arcos_h5_close(arcos_h5_t **h);
/* This rank's first error message ("" when none), valid until arcos_h5_close. On a rank
 * that did not fail itself it says that another rank failed. */
const char *arcos_h5_errmsg(const arcos_h5_t *h);

/* Layout of the datasets written from now on: chunk_rows == 0 (the default) writes
 * contiguous, uncompressed datasets; otherwise datasets are chunked, chunk_rows
 * elements per chunk (chunk_bytes for ARCOS_H5_CHAR datasets, the bytes of string
 * columns; a chunk never exceeds the dataset), and compressed with deflate at level
 * `deflate` (1..9; 0 = no compression), multi-byte types with the shuffle filter first;
 * ARCOS_H5_CHAR datasets (string bytes) at level `char_deflate` instead (-1: the same
 * as deflate). Empty datasets stay contiguous. Collective; the arguments must match on
 * all ranks. */
int arcos_h5_set_chunking(arcos_h5_t *h, uint64_t chunk_rows, uint64_t chunk_bytes, int deflate,
                          int char_deflate);

/* Create a group (parents must exist), e.g. "/evidence". */
int arcos_h5_group(arcos_h5_t *h, const char *path);

/* Write a 1-D dataset `path` of `total` elements. This rank contributes nblocks blocks:
 * block i is counts[i] elements at global element offset offsets[i]; buf holds the
 * blocks' elements back to back in block order. The blocks of all ranks together must
 * cover every element exactly once: they must not overlap, and their counts must add up
 * to total (checked; ARCOS_EUSAGE otherwise). A rank may contribute no blocks (nblocks == 0, buf
 * may be NULL); blocks with count 0 are ignored. Blocks in ascending offset order are written
 * straight from buf; any other order costs one copy of this rank's elements. One collective
 * H5Dwrite. ARCOS_H5_CHAR data is raw bytes (no NUL terminators); ARCOS_H5_SEVERITY data is one
 * uint8 per element holding 0..3. */
int arcos_h5_write_blocks(arcos_h5_t *h, const char *path, arcos_h5_type_t type, uint64_t total,
                          size_t nblocks, const uint64_t *offsets, const uint64_t *counts,
                          const void *buf);

/* Write a string column `path` (creating path_chars, path_offset, path_length).
 * Row blocks as in arcos_h5_write_blocks (offsets/counts in rows, total rows);
 * strs/lens hold this rank's rows back to back in block order (strs[i] may be NULL when
 * lens[i] is 0; rows are bytes, not NUL-terminated). The module computes
 * every row's byte offset itself (one MPI_Allgather of per-block byte counts). */
int arcos_h5_write_strings(arcos_h5_t *h, const char *path, uint64_t total, size_t nblocks,
                           const uint64_t *offsets, const uint64_t *counts, const char *const *strs,
                           const uint32_t *lens);

/* Writing a column in rounds (for outputs larger than memory): create the dataset(s)
 * once, then write this round's blocks into them; every rank calls each round, with
 * no blocks when it has none. Covering every element is then the caller's duty. */
int arcos_h5_create_column(arcos_h5_t *h, const char *path, arcos_h5_type_t type, uint64_t total);
int arcos_h5_write_into(arcos_h5_t *h, const char *path, arcos_h5_type_t type, uint64_t total,
                        size_t nblocks, const uint64_t *offsets, const uint64_t *counts,
                        const void *buf);
/* A string column in rounds: `rows` rows and `bytes` bytes in all; the caller gives
 * each block's first byte (byte_offsets[i]), known from its own prefix sums. */
int arcos_h5_create_strings(arcos_h5_t *h, const char *path, uint64_t rows, uint64_t bytes);
int arcos_h5_write_strings_into(arcos_h5_t *h, const char *path, uint64_t rows, uint64_t bytes,
                                size_t nblocks, const uint64_t *offsets, const uint64_t *counts,
                                const uint64_t *byte_offsets, const char *const *strs,
                                const uint32_t *lens);

/* Attributes on an existing object ("/" for the file). Values must be identical on
 * all ranks; they are written once. */
int arcos_h5_attr_string(arcos_h5_t *h, const char *obj, const char *name, const char *value);
int arcos_h5_attr_i64(arcos_h5_t *h, const char *obj, const char *name, int64_t value);
int arcos_h5_attr_u64(arcos_h5_t *h, const char *obj, const char *name, uint64_t value);
int arcos_h5_attr_f64(arcos_h5_t *h, const char *obj, const char *name, double value);

/* ---- Reading (not collective) ----
 * Any rank opens a file on its own (serial driver, read only) and reads element
 * ranges of 1-D datasets; datasets stay open (with a 4 MiB chunk cache each) until
 * close, so reading consecutive ranges decompresses every chunk once. Functions return
 * 0 or a negative ARCOS_E* code, and keep a message for arcos_h5r_errmsg (HDF5's error
 * stack is not printed). */
typedef struct arcos_h5r arcos_h5r_t;

int arcos_h5r_open(const char *path, arcos_h5r_t **out);
/* The error message after a failed arcos_h5r_open is returned in errbuf (may be NULL). */
int arcos_h5r_open_msg(const char *path, arcos_h5r_t **out, char *errbuf, size_t errlen);
void arcos_h5r_close(arcos_h5r_t **h);
const char *arcos_h5r_errmsg(const arcos_h5r_t *h);
/* Number of elements of 1-D dataset `path`; ARCOS_ENOENT when it does not exist,
 * ARCOS_EINVALID when it is not a 1-D dataset. */
int arcos_h5r_length(arcos_h5r_t *h, const char *path, uint64_t *n);
/* Check that 1-D dataset `path` holds integers of at most max_bytes bytes each (what
 * an ARCOS_H5_U8/U32/U64/I64 read converts without loss of meaning): ARCOS_EINVALID
 * with a message naming the dataset and its type class otherwise. HDF5 would
 * otherwise convert floating-point or string data silently or fail deep in a read. */
int arcos_h5r_check_integer(arcos_h5r_t *h, const char *path, size_t max_bytes);
/* Read count elements from element offset off into buf, converted to `type`'s memory
 * type (ARCOS_H5_SEVERITY and ARCOS_H5_CHAR read as uint8). */
int arcos_h5r_read(arcos_h5r_t *h, const char *path, arcos_h5_type_t type, uint64_t off,
                   uint64_t count, void *buf);
/* The same elements without a copy: *out points into the dataset's last decoded chunk
 * and stays valid until the next read or view of that dataset. Only for a range inside
 * one chunk of a chunked dataset that is read chunk by chunk (stored unfiltered or with
 * arcos_h5's filters, in `type`'s memory type); otherwise 1 (and *out NULL): read it
 * with arcos_h5r_read. Errors as arcos_h5r_read. */
int arcos_h5r_view(arcos_h5r_t *h, const char *path, arcos_h5_type_t type, uint64_t off,
                   uint64_t count, const void **out);
/* Scalar attributes of object obj ("/" for the file). A string is returned malloc'ed
 * in *out. ARCOS_ENOENT when the attribute does not exist. */
int arcos_h5r_attr_string(arcos_h5r_t *h, const char *obj, const char *name, char **out);
int arcos_h5r_attr_i64(arcos_h5r_t *h, const char *obj, const char *name, int64_t *out);

#endif
