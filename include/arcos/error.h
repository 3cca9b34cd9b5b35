/* Error codes shared by every module: one list, one enum, one strerror (the libuv
 * UV_ERRNO_MAP pattern). Functions return 0 on success or a negative ARCOS_E* code;
 * an optional arcos_detail_t receives where and why (first error wins). */
#ifndef ARCOS_ERROR_H
#define ARCOS_ERROR_H

#include <stddef.h>
#include <stdint.h>

#define ARCOS_ERRNO_MAP(X)                                                                         \
  X(NOMEM, -1, "out of memory")                                                                    \
  X(IO, -2, "input/output error")                                                                  \
  X(USAGE, -3, "usage error")                                                                      \
  X(CONFIG, -4, "configuration error")                                                             \
  X(PARSE, -5, "not valid JSON")                                                                   \
  X(INVALID, -6, "invalid record")                                                                 \
  X(MPI, -7, "MPI error")                                                                          \
  X(HDF5, -8, "HDF5 error")                                                                        \
  X(EXISTS, -9, "output already exists")                                                           \
  X(NOENT, -10, "no such file or directory")                                                       \
  X(RANGE, -11, "value out of range")                                                              \
  X(CONSERVATION, -12, "record conservation violated")                                             \
  X(INTERNAL, -13, "internal error")                                                               \
  X(INTERRUPTED, -14, "interrupted by a deadline or signal")                                       \
  X(CHANGED, -15, "an input changed while the job ran")

typedef enum {
  ARCOS_OK = 0,
#define ARCOS_ERR_ENUM_(name, code, text) ARCOS_E##name = (code),
  ARCOS_ERRNO_MAP(ARCOS_ERR_ENUM_)
#undef ARCOS_ERR_ENUM_
} arcos_err_t;

/* Human text for an ARCOS_E* code (static storage). */
const char *arcos_strerror(int code);

/* Where and why something failed. Fill with arcos_detail_set(); the first error wins. */
typedef struct {
  int code;         /* ARCOS_E*, 0 while unset */
  char source[256]; /* input path or module */
  int64_t line;     /* 1-based line (or element) number, 0 if none */
  char text[512];   /* what happened and, where useful, what to do */
} arcos_detail_t;

void arcos_detail_clear(arcos_detail_t *d);
/* Record an error in d (ignored when d is NULL or already holds one); returns code. */
int arcos_detail_set(arcos_detail_t *d, int code, const char *source, int64_t line, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));

#endif
