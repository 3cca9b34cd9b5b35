/* Report lookups and atomic file writes for the report artefacts (ops_internal.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arcos/error.h"
#include "ops_internal.h"

const json_t *arcos_ops_at(const json_t *root, const char *path) {
  char key[128];
  const json_t *v = root;
  while (v != NULL && *path != '\0') {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof key)
      return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    v = json_is_object(v) ? json_object_get(v, key) : NULL;
    path += n + (dot ? 1 : 0);
  }
  return v;
}

double arcos_ops_num(const json_t *root, const char *path, double dflt) {
  const json_t *v = arcos_ops_at(root, path);
  if (!json_is_number(v))
    return dflt;
  double x = json_number_value(v);
  return isfinite(x) ? x : dflt;
}

const char *arcos_ops_str(const json_t *root, const char *path, const char *dflt) {
  const json_t *v = arcos_ops_at(root, path);
  return json_is_string(v) ? json_string_value(v) : dflt;
}

int arcos_ops_write_atomic(const char *path, const arcos_buf_t *b) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
    errno = ENAMETOOLONG;
    return ARCOS_EIO;
  }
  FILE *f = fopen(tmp, "w");
  if (f == NULL)
    return ARCOS_EIO;
  bool ok = fwrite(b->data, 1, b->len, f) == b->len;
  ok = fflush(f) == 0 && ok;
  int saved = errno;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    saved = errno ? errno : saved;
    unlink(tmp);
    errno = saved;
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}
