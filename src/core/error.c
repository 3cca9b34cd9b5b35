#include "arcos/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *arcos_strerror(int code) {
  switch (code) {
  case ARCOS_OK:
    return "success";
#define ARCOS_ERR_TEXT_(name, c, text)                                                             \
  case ARCOS_E##name:                                                                              \
    return text;
    ARCOS_ERRNO_MAP(ARCOS_ERR_TEXT_)
#undef ARCOS_ERR_TEXT_
  default:
    return "unknown error";
  }
}

void arcos_detail_clear(arcos_detail_t *d) {
  if (d != NULL)
    memset(d, 0, sizeof *d);
}

int arcos_detail_set(arcos_detail_t *d, int code, const char *source, int64_t line, const char *fmt,
                     ...) {
  if (d == NULL || d->code != 0)
    return code;
  d->code = code;
  snprintf(d->source, sizeof d->source, "%s", source != NULL ? source : "");
  d->line = line;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->text, sizeof d->text, fmt, ap);
  va_end(ap);
  return code;
}

int arcos_err_from_errno(int e) {
  switch (e) {
  case ENOSPC:
  case EDQUOT:
    return ARCOS_ENOSPACE;
  case EEXIST:
    return ARCOS_EEXISTS;
  case ENOENT:
    return ARCOS_ENOENT;
  case ENOMEM:
    return ARCOS_ENOMEM;
  default:
    return ARCOS_EIO;
  }
}

int arcos_detail_errno(arcos_detail_t *d, int e, const char *source, const char *fmt, ...) {
  int code = arcos_err_from_errno(e);
  if (d == NULL || d->code != 0)
    return code;
  char what[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  arcos_detail_set(d, code, source, 0, "%s: %s", what, strerror(e));
  d->sys_errno = e;
  return code;
}

_Noreturn void arcos_abort_at(MPI_Comm comm, const char *file, int line, const char *fmt, ...) {
  int init = 0, fin = 0, rank = -1;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (init && !fin)
    MPI_Comm_rank(comm, &rank);
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  fprintf(stderr, "arcos-scale: rank %d: %s:%d: %s\n", rank, file, line, text);
  fflush(stderr);
  if (init && !fin)
    MPI_Abort(comm, 1);
  abort(); /* MPI_Abort does not return; say so to the compiler and the analysers */
}
