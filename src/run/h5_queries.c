/* /queries/<query id> in results.h5 (SPEC §6), from the run's queries.jsonl. Rank 0
 * adds them with the serial HDF5 interface after the collective writers have closed
 * the file and before it is renamed into place; the query results are small (sorted
 * ids, limited by `limit`). Per query, a group holding the result ids as a string
 * column (nodes_chars, nodes_offset, nodes_length, as every string column), the
 * scores when the query asked for them (float64, NaN where the node is no stored
 * evidence), and the plan and counts as attributes. A '/' in a query id, which HDF5
 * would read as a path separator, is written as "%2F". */
#include <errno.h>
#include <hdf5.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/util.h"
#include "run/h5_queries.h"

static int attr_str(hid_t obj, const char *name, const char *value) {
  hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
  H5Tset_size(t, strlen(value) + 1);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = a >= 0 && H5Awrite(a, t, value) >= 0 ? ARCOS_OK : ARCOS_EHDF5;
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
  return rc;
}

static int attr_num(hid_t obj, const char *name, hid_t type, const void *v) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = a >= 0 && H5Awrite(a, type, v) >= 0 ? ARCOS_OK : ARCOS_EHDF5;
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(sp);
  return rc;
}

static int dataset(hid_t g, const char *name, hid_t ftype, hid_t mtype, size_t n, const void *buf) {
  hsize_t dims = n;
  hid_t sp = H5Screate_simple(1, &dims, NULL);
  hid_t d = H5Dcreate2(g, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = d >= 0 && (n == 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)
               ? ARCOS_OK
               : ARCOS_EHDF5;
  if (d >= 0)
    H5Dclose(d);
  H5Sclose(sp);
  return rc;
}

/* One query's group; returns 0 or the failure's kind (EINVALID: no id; ENOMEM; EHDF5). */
static int write_query(hid_t top, json_t *q) {
  const char *id = json_string_value(json_object_get(q, "id"));
  if (id == NULL)
    return ARCOS_EINVALID;
  arcos_buf_t name = {0};
  for (const char *c = id; *c; c++) {
    if (*c == '/')
      arcos_buf_append(&name, "%2F", 3);
    else
      arcos_buf_putc(&name, *c);
  }
  if (name.len == 0)
    arcos_buf_append(&name, "%", 1);
  hid_t g = H5Gcreate2(top, name.data, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  arcos_buf_free(&name);
  if (g < 0)
    return ARCOS_EHDF5;
  json_t *nodes = json_object_get(q, "nodes"), *scores = json_object_get(q, "scores");
  size_t n = json_array_size(nodes), bytes = 0;
  for (size_t i = 0; i < n; i++)
    bytes += json_string_length(json_array_get(nodes, i));
  char *chars = malloc(bytes + 1);
  uint64_t *off = malloc((n + 1) * sizeof *off);
  uint32_t *len = malloc((n + 1) * sizeof *len);
  double *sc = malloc((n + 1) * sizeof *sc);
  int rc = chars != NULL && off != NULL && len != NULL && sc != NULL ? ARCOS_OK : ARCOS_ENOMEM;
  size_t pos = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    json_t *v = json_array_get(nodes, i);
    len[i] = (uint32_t)json_string_length(v);
    off[i] = pos;
    memcpy(chars + pos, json_string_value(v), len[i]);
    pos += len[i];
    json_t *s = json_object_get(scores, json_string_value(v));
    sc[i] = json_is_number(s) ? json_number_value(s) : NAN;
  }
  if (rc == 0)
    rc = dataset(g, "nodes_chars", H5T_STD_U8LE, H5T_NATIVE_UCHAR, bytes, chars);
  if (rc == 0)
    rc = dataset(g, "nodes_offset", H5T_STD_U64LE, H5T_NATIVE_UINT64, n, off);
  if (rc == 0)
    rc = dataset(g, "nodes_length", H5T_STD_U32LE, H5T_NATIVE_UINT32, n, len);
  if (rc == 0 && json_is_object(scores))
    rc = dataset(g, "scores", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, sc);
  free(chars);
  free(off);
  free(len);
  free(sc);
  const char *type = json_string_value(json_object_get(q, "type"));
  int64_t count = json_integer_value(json_object_get(q, "count"));
  int64_t truncated = json_is_true(json_object_get(q, "truncated"));
  if (rc == 0)
    rc = attr_str(g, "type", type != NULL ? type : "");
  if (rc == 0)
    rc = attr_num(g, "count", H5T_STD_I64LE, &count);
  if (rc == 0)
    rc = attr_num(g, "truncated", H5T_STD_I64LE, &truncated);
  json_t *plan = json_object_get(q, "plan");
  static const char *const nums[] = {"estimated_nodes", "estimated_edges", "actual_nodes",
                                     "actual_edges"};
  for (size_t i = 0; rc == 0 && i < 4; i++) {
    int64_t v = json_integer_value(json_object_get(plan, nums[i]));
    rc = attr_num(g, nums[i], H5T_STD_I64LE, &v);
  }
  const char *strategy = json_string_value(json_object_get(plan, "strategy"));
  const char *reason = json_string_value(json_object_get(plan, "reason"));
  if (rc == 0)
    rc = attr_str(g, "strategy", strategy != NULL ? strategy : "");
  if (rc == 0)
    rc = attr_str(g, "reason", reason != NULL ? reason : "");
  static const char *const reals[] = {"score_min", "score_mean"};
  for (size_t i = 0; rc == 0 && i < 2; i++) {
    json_t *v = json_object_get(q, reals[i]);
    if (json_is_number(v)) {
      double d = json_number_value(v);
      rc = attr_num(g, reals[i], H5T_IEEE_F64LE, &d);
    }
  }
  H5Gclose(g);
  return rc;
}

int arcos_h5_add_queries(const char *h5_path, const char *queries_jsonl, FILE *err) {
  FILE *in = fopen(queries_jsonl, "r");
  if (in == NULL) {
    int e = errno;
    fprintf(err, "arcos-scale: cannot read %s for results.h5: %s\n", queries_jsonl, strerror(e));
    return arcos_err_from_errno(e);
  }
  hid_t f = H5Fopen(h5_path, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t top = f >= 0 ? H5Gcreate2(f, "/queries", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
  int rc = top >= 0 ? ARCOS_OK : ARCOS_EHDF5;
  char *line = NULL;
  size_t cap = 0, lineno = 0;
  while (rc == ARCOS_OK && getline(&line, &cap, in) > 0) {
    lineno++;
    json_error_t e;
    json_t *q = json_loads(line, 0, &e);
    rc = q == NULL ? ARCOS_EPARSE : write_query(top, q);
    json_decref(q);
  }
  free(line);
  fclose(in);
  if (top >= 0)
    H5Gclose(top);
  if (f >= 0 && H5Fclose(f) < 0 && rc == ARCOS_OK)
    rc = ARCOS_EHDF5;
  /* The failure keeps its kind up to the message (a line of queries.jsonl that is not
   * JSON or has no id, out of memory, or HDF5). */
  if (rc == ARCOS_EPARSE || rc == ARCOS_EINVALID)
    fprintf(err, "arcos-scale: cannot add the query results to %s: %s line %zu: %s\n", h5_path,
            queries_jsonl, lineno,
            rc == ARCOS_EPARSE ? arcos_strerror(rc) : "a query without an id");
  else if (rc != ARCOS_OK)
    fprintf(err, "arcos-scale: cannot add the query results to %s: %s\n", h5_path,
            arcos_strerror(rc));
  return rc;
}
