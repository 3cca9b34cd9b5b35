/* Private to the evidence module: the canonical writer with a caller-owned scratch
 * stack for object members, so that a per-rank context can reuse it across records
 * instead of allocating for every object it sorts. */
#ifndef ARCOS_CANONICAL_INTERNAL_H
#define ARCOS_CANONICAL_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "arcos/util.h"

typedef struct {
  const char *key; /* borrowed from the jansson tree; may contain NUL */
  size_t key_len;
  const json_t *value;
} arcos_canon_member_t;

/* A stack of members: each object being written pushes its members, sorts them,
 * writes them (nested objects push above), then pops. Zero-initialise, or point
 * items at caller storage of cap entries with heap = false. */
typedef struct {
  arcos_canon_member_t *items;
  size_t len, cap;
  bool heap; /* items was malloc'ed by the writer and must be freed */
} arcos_canon_scratch_t;

/* arcos_canonical_append() with a reusable scratch (in/out, never NULL). */
int arcos_canonical_append_with(arcos_buf_t *out, const json_t *v, arcos_canon_scratch_t *s);
/* Releases heap storage of s, if any, and leaves it empty. */
void arcos_canon_scratch_free(arcos_canon_scratch_t *s);

#endif
