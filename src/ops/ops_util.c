/* Report lookups and atomic file writes for the report artefacts (ops_internal.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arcos/error.h"
#include "arcos/outfile.h"
#include "ops/ops_internal.h"

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
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_out_write_atomic(path, b->data, b->len, false, &d);
  if (rc != ARCOS_OK)
    errno = d.sys_errno; /* the callers' messages name the cause */
  return rc;
}
