/* Values read from a record's `data` at fixed paths: the meeting point of the readers
 * (which parse the record) and the scoring rules (which only look at numbers and
 * booleans at dot-separated paths, SPEC §2). A reader is handed the rules' path list
 * once and fills one arcos_fieldval_t per path for every record, in the same walk
 * that builds the canonical form, so that rules cost no second parse and no
 * allocation. */
#ifndef ARCOS_FIELDVAL_H
#define ARCOS_FIELDVAL_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  ARCOS_FV_MISSING = 0, /* a key on the path is absent, or a step is not an object */
  ARCOS_FV_NUMBER = 1,  /* a finite JSON number (integers of any size as a double) */
  ARCOS_FV_BOOL = 2,    /* true or false: num is 1.0 or 0.0 */
  ARCOS_FV_OTHER = 3,   /* present, but a string, null, array, object, NaN or Infinity */
} arcos_fieldval_kind_t;

typedef struct {
  uint8_t kind; /* arcos_fieldval_kind_t */
  double num;   /* NUMBER: the value as Python's float() would give it; BOOL: 0 or 1 */
} arcos_fieldval_t;

/* The paths a reader fills, in order (borrowed from their owner, the rules). A path
 * is object keys separated by '.', looked up from the top of `data`; when an object
 * repeats a key, the last value wins (as in Python). */
typedef struct {
  const char *const *paths;
  size_t npaths;
} arcos_fieldpaths_t;

#endif
