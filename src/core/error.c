#include "arcos/error.h"

#include <stdarg.h>
#include <stdio.h>
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
