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

size_t arcos_ops_hosts(const json_t *ranks, arcos_ops_host_t *out, size_t max) {
  size_t n = 0, i;
  const json_t *r;
  json_array_foreach(ranks, i, r) {
    const char *name = arcos_ops_str(r, "host", NULL);
    if (name == NULL || name[0] == '\0')
      continue;
    size_t h = 0;
    while (h < n && strcmp(out[h].name, name) != 0)
      h++;
    if (h == n) {
      if (n == max)
        continue;
      out[n++] = (arcos_ops_host_t){name, 0, 0, 0, 0};
    }
    out[h].ranks++;
    out[h].items += arcos_ops_num(r, "items", 0);
    out[h].busy_s += arcos_ops_num(r, "busy_s", 0);
    double wall = arcos_ops_num(r, "wall_s", 0);
    if (wall > out[h].wall_s)
      out[h].wall_s = wall;
  }
  return n;
}
