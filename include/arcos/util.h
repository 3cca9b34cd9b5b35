/* Small building blocks used everywhere: a growable byte buffer, a bump arena for
 * many small strings that die together, and a monotonic clock. */
#ifndef ARCOS_UTIL_H
#define ARCOS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Growable byte buffer. Zero-initialise ({0}) before use; arcos_buf_free releases. */
typedef struct {
  char *data;
  size_t len;
  size_t cap;
} arcos_buf_t;

int arcos_buf_reserve(arcos_buf_t *b, size_t extra); /* room for extra more bytes */
int arcos_buf_append(arcos_buf_t *b, const void *p, size_t n);
int arcos_buf_putc(arcos_buf_t *b, char c);
int arcos_buf_printf(arcos_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a NUL-terminated string; an integer in decimal (as printf's %llu / %lld). The
 * per-record writers use these, not printf. */
int arcos_buf_puts(arcos_buf_t *b, const char *s);
int arcos_buf_put_u64(arcos_buf_t *b, uint64_t v);
int arcos_buf_put_i64(arcos_buf_t *b, int64_t v);
/* Keeps data[len] == '\0' readable without counting it in len. */
int arcos_buf_terminate(arcos_buf_t *b);
void arcos_buf_reset(arcos_buf_t *b); /* len = 0, memory kept */
void arcos_buf_free(arcos_buf_t *b);

/* A growable array: room for element n in *(T **)pp of capacity *cap elements of elem
 * bytes (elem > 0), doubling from `first`. ARCOS_ENOMEM (the array unchanged) when it
 * cannot. */
int arcos_array_grow(void *pp, size_t *cap, size_t n, size_t elem, size_t first);

/* MPI counts and displacements (ints) of n 64-bit counts: ic[i] = counts[i], id[i] =
 * the sum of those before it. ARCOS_ERANGE when a count or the total passes INT_MAX
 * (the exchanges of the cache and the seen-set). */
int arcos_mpi_displs(const int64_t *counts, int *ic, int *id, int n);

/* Bump allocator: blocks of at least 1 MiB, freed all at once. */
typedef struct arcos_arena arcos_arena_t;
arcos_arena_t *arcos_arena_create(void);
void arcos_arena_destroy(arcos_arena_t **a);
void *arcos_arena_alloc(arcos_arena_t *a, size_t n);                  /* 8-byte aligned */
char *arcos_arena_strndup(arcos_arena_t *a, const char *s, size_t n); /* NUL-terminated */
size_t arcos_arena_bytes(const arcos_arena_t *a);                     /* bytes reserved */

/* Seconds on a monotonic clock. */
double arcos_now(void);
/* Seconds since the Unix epoch (wall clock). */
int64_t arcos_epoch_now(void);

/* Read a whole file into b (appending). Returns 0 or ARCOS_EIO / ARCOS_ENOENT. */
int arcos_read_file(const char *path, arcos_buf_t *b);

#endif
