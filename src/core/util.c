#include "arcos/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arcos/error.h"

int arcos_buf_reserve(arcos_buf_t *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap)
    return ARCOS_OK;
  size_t cap = b->cap != 0 ? b->cap : 256;
  while (cap < b->len + extra + 1) {
    if (cap > SIZE_MAX / 2)
      return ARCOS_ENOMEM;
    cap *= 2;
  }
  char *p = realloc(b->data, cap);
  if (p == NULL)
    return ARCOS_ENOMEM;
  b->data = p;
  b->cap = cap;
  return ARCOS_OK;
}

int arcos_buf_append(arcos_buf_t *b, const void *p, size_t n) {
  int rc = arcos_buf_reserve(b, n);
  if (rc != ARCOS_OK)
    return rc;
  if (n != 0)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return ARCOS_OK;
}

int arcos_buf_putc(arcos_buf_t *b, char c) {
  int rc = arcos_buf_reserve(b, 1);
  if (rc != ARCOS_OK)
    return rc;
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
  return ARCOS_OK;
}

int arcos_buf_puts(arcos_buf_t *b, const char *s) { return arcos_buf_append(b, s, strlen(s)); }

int arcos_buf_put_i64(arcos_buf_t *b, int64_t v) {
  char tmp[24];
  char *w = tmp + sizeof tmp;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    *--w = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0)
    *--w = '-';
  return arcos_buf_append(b, w, (size_t)(tmp + sizeof tmp - w));
}

int arcos_buf_put_u64(arcos_buf_t *b, uint64_t v) {
  char tmp[24];
  char *w = tmp + sizeof tmp;
  do {
    *--w = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return arcos_buf_append(b, w, (size_t)(tmp + sizeof tmp - w));
}

int arcos_buf_printf(arcos_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return ARCOS_EINTERNAL;
  int rc = arcos_buf_reserve(b, (size_t)n);
  if (rc != ARCOS_OK)
    return rc;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return ARCOS_OK;
}

int arcos_buf_terminate(arcos_buf_t *b) {
  int rc = arcos_buf_reserve(b, 0);
  if (rc == ARCOS_OK)
    b->data[b->len] = '\0';
  return rc;
}

void arcos_buf_reset(arcos_buf_t *b) { b->len = 0; }

void arcos_buf_free(arcos_buf_t *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int arcos_array_grow(void *pp, size_t *cap, size_t n, size_t elem, size_t first) {
  void **p = pp;
  if (n < *cap)
    return ARCOS_OK;
  size_t ncap = *cap ? *cap * 2 : first;
  if (ncap <= n)
    ncap = n + 1;
  if (elem == 0)
    return ARCOS_EINTERNAL;
  if (ncap > SIZE_MAX / elem)
    return ARCOS_ENOMEM;
  void *q = realloc(*p, ncap * elem);
  if (q == NULL)
    return ARCOS_ENOMEM;
  *p = q;
  *cap = ncap;
  return ARCOS_OK;
}

typedef struct arena_block {
  struct arena_block *next;
  size_t used, size;
  _Alignas(16) unsigned char mem[];
} arena_block_t;

struct arcos_arena {
  arena_block_t *head;
  size_t reserved;
};

arcos_arena_t *arcos_arena_create(void) { return calloc(1, sizeof(arcos_arena_t)); }

void arcos_arena_destroy(arcos_arena_t **a) {
  if (a == NULL || *a == NULL)
    return;
  arena_block_t *b = (*a)->head;
  while (b != NULL) {
    arena_block_t *next = b->next;
    free(b);
    b = next;
  }
  free(*a);
  *a = NULL;
}

void *arcos_arena_alloc(arcos_arena_t *a, size_t n) {
  n = (n + 7) & ~(size_t)7;
  arena_block_t *b = a->head;
  if (b == NULL || b->size - b->used < n) {
    size_t size = n > ((size_t)1 << 20) ? n : ((size_t)1 << 20);
    b = malloc(sizeof *b + size);
    if (b == NULL)
      return NULL;
    b->size = size;
    b->used = 0;
    b->next = a->head;
    a->head = b;
    a->reserved += size;
  }
  void *p = b->mem + b->used;
  b->used += n;
  return p;
}

char *arcos_arena_strndup(arcos_arena_t *a, const char *s, size_t n) {
  char *p = arcos_arena_alloc(a, n + 1);
  if (p == NULL)
    return NULL;
  if (n != 0)
    memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

size_t arcos_arena_bytes(const arcos_arena_t *a) { return a->reserved; }

double arcos_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int64_t arcos_epoch_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec;
}

int arcos_read_file(const char *path, arcos_buf_t *b) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return errno == ENOENT ? ARCOS_ENOENT : ARCOS_EIO;
  int rc = ARCOS_OK;
  for (;;) {
    rc = arcos_buf_reserve(b, 65536);
    if (rc != ARCOS_OK)
      break;
    size_t n = fread(b->data + b->len, 1, 65536, f);
    b->len += n;
    if (n < 65536) {
      if (ferror(f))
        rc = ARCOS_EIO;
      break;
    }
  }
  fclose(f);
  if (rc == ARCOS_OK)
    rc = arcos_buf_terminate(b);
  return rc;
}

int arcos_mpi_displs(const int64_t *counts, int *ic, int *id, int n) {
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    if (counts[i] > INT32_MAX || off > INT32_MAX)
      return ARCOS_ERANGE;
    ic[i] = (int)counts[i];
    id[i] = (int)off;
    off += counts[i];
  }
  return off > INT32_MAX ? ARCOS_ERANGE : ARCOS_OK;
}
