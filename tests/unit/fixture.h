/* The canonical-form fixtures (tests/data/canonical), read line by line: shared by
 * test_canonical.c (the jansson reader) and test_fastjson.c (the simdjson reader). */
#ifndef ARCOS_TEST_FIXTURE_H
#define ARCOS_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/util.h"
#include "check.h"

static const char *data_dir(void) {
  const char *d = getenv("ARCOS_TEST_DATA");
  if (d == NULL) {
    fprintf(stderr, "ARCOS_TEST_DATA is not set (ctest sets it to tests/data)\n");
    exit(1);
  }
  return d;
}

/* One line split at its tabs: fields[0..n) (NUL-terminated, len[k] bytes each). */
typedef void (*fixture_fn)(char **fields, const size_t *len, int n, void *arg);

/* Calls fn for every line of tests/data/canonical/NAME, split at its first maxf - 1
 * tabs (maxf <= 4: the last field keeps any further tabs); returns the number of
 * lines. An unreadable file fails a CHECK and gives 0 lines. */
static size_t for_each_fixture(const char *name, int maxf, fixture_fn fn, void *arg) {
  char path[1024];
  snprintf(path, sizeof path, "%s/canonical/%s", data_dir(), name);
  arcos_buf_t file = {0};
  int rc = arcos_read_file(path, &file);
  CHECK_INT_EQ(rc, ARCOS_OK);
  if (rc != ARCOS_OK) {
    fprintf(stderr, "cannot read %s\n", path);
    return 0;
  }
  size_t n = 0;
  char *p = file.data, *end = file.data + file.len;
  while (p != NULL && p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL)
      nl = end;
    *nl = '\0';
    char *fields[4];
    size_t len[4];
    int nf = 0;
    fields[nf++] = p;
    for (char *t = p; nf < maxf && nf < 4 && (t = memchr(t, '\t', (size_t)(nl - t))) != NULL;) {
      *t++ = '\0';
      fields[nf++] = t;
    }
    for (int k = 0; k < nf; k++)
      len[k] = (size_t)((k + 1 < nf ? fields[k + 1] - 1 : nl) - fields[k]);
    fn(fields, len, nf, arg);
    n++;
    p = nl + 1;
  }
  arcos_buf_free(&file);
  return n;
}

#endif
