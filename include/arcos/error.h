/* Error codes shared by every module: one list, one enum, one strerror (the libuv
 * UV_ERRNO_MAP pattern). Functions return 0 on success or a negative ARCOS_E* code;
 * an optional arcos_detail_t receives where and why (first error wins). */
#ifndef ARCOS_ERROR_H
#define ARCOS_ERROR_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
  X(CHANGED, -15, "an input changed while the job ran")                                            \
  X(NOSPACE, -16, "no space left on the file system (or quota exceeded)")

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
  int sys_errno;    /* the errno behind it (arcos_detail_errno), 0 if none */
} arcos_detail_t;

void arcos_detail_clear(arcos_detail_t *d);
/* Record an error in d (ignored when d is NULL or already holds one); returns code. */
int arcos_detail_set(arcos_detail_t *d, int code, const char *source, int64_t line, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));

/* The ARCOS_E* kind of an errno value: ENOSPC and EDQUOT are ARCOS_ENOSPACE, EEXIST
 * ARCOS_EEXISTS, ENOENT ARCOS_ENOENT, ENOMEM ARCOS_ENOMEM, the rest ARCOS_EIO. */
int arcos_err_from_errno(int e);
/* Record a failed system call: the kind from errno e, the text "<fmt>: strerror(e)" and
 * sys_errno = e. Returns the kind. The rule of every layer: a callee's kind is passed
 * up unchanged, so the message at the top names what really happened. */
int arcos_detail_errno(arcos_detail_t *d, int e, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Run a step only while every step before it succeeded (rc is the running result). */
#define ARCOS_THEN(expr)                                                                           \
  do {                                                                                             \
    if (rc == ARCOS_OK)                                                                            \
      rc = (expr);                                                                                 \
  } while (0)

/* The one abort of the code base, for the unrecoverable alone: a failure in the middle
 * of a collective phase that the ranks cannot agree on (out of memory during an
 * exchange), where returning would leave the other ranks waiting for ever. Prints
 * "arcos-scale: rank R: FILE:LINE: TEXT" on stderr and calls MPI_Abort(comm, 1) (a plain
 * abort() before MPI_Init or after MPI_Finalize); it does not return. Every other error
 * is returned as an ARCOS_E* code. */
#define ARCOS_ABORT(comm, ...)                                                                     \
  do {                                                                                             \
    arcos_abort_at((comm), __FILE__, __LINE__, __VA_ARGS__);                                       \
    abort(); /* not reached: says so to the static analysers that do not read attributes */        \
  } while (0)
/* Out of memory where the ranks cannot agree first (inside a collective exchange). */
#define ARCOS_ABORT_OOM(comm)                                                                      \
  ARCOS_ABORT((comm), "out of memory; lower the input per rank or run on more ranks")
/* ARCOS_ABORT_OOM when ptr is NULL. */
#define ARCOS_ABORT_IF_NULL(ptr, comm)                                                             \
  do {                                                                                             \
    if ((ptr) == NULL)                                                                             \
      ARCOS_ABORT_OOM(comm);                                                                       \
  } while (0)

/* The attribute rather than C11's _Noreturn: this header is also read by C++
 * (src/evidence/fastjson.cpp, through evidence.h). */
void arcos_abort_at(MPI_Comm comm, const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

#endif
