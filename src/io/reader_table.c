/* The reader table (io/reader.h): one constant entry per format, indexed by format, and
 * detection by name and content. It is the one place that names every entry; the
 * planner (input.c) reaches a format only through it. */
#include <string.h>

#include "io/reader.h"

/* Indexed by format. */
static const arcos_reader_t *const readers[] = {
    [ARCOS_FMT_JSONL] = &arcos_reader_jsonl, [ARCOS_FMT_JSONL_GZ] = &arcos_reader_jsonl_gz,
    [ARCOS_FMT_JSON] = &arcos_reader_json,   [ARCOS_FMT_STDIN] = &arcos_reader_stdin,
    [ARCOS_FMT_H5] = &arcos_reader_h5,       [ARCOS_FMT_NULL] = &arcos_reader_null,
};

#define NREADERS (sizeof readers / sizeof readers[0])

const arcos_reader_t *arcos_reader_of(int format) {
  if (format < 0 || (size_t)format >= NREADERS || readers[format] == NULL)
    return &arcos_reader_null;
  return readers[format];
}

void arcos_readers_release(void) {
  for (size_t i = 0; i < NREADERS; i++)
    if (readers[i] != NULL && readers[i]->release != NULL)
      readers[i]->release();
}

int arcos_reader_detect(const char *path, bool named) {
  /* The name decides first (x.jsonl holding gzip bytes is JSON Lines, and fails as
   * such); only a named file of no known name is looked into. */
  for (size_t i = 0; i < NREADERS; i++)
    if (readers[i]->detect != NULL && readers[i]->detect(path, false))
      return readers[i]->format;
  if (!named)
    return -1;
  for (size_t i = 0; i < NREADERS; i++)
    if (readers[i]->detect != NULL && readers[i]->detect(path, true))
      return readers[i]->format;
  return ARCOS_FMT_JSONL; /* an explicitly named file of another name */
}
