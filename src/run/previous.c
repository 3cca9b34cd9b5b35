/* Incremental runs: the earlier runs' ids for the seen-set; see previous.h and
 * docs/operations.md "Incremental runs". */
#include "run/previous.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/error.h"
#include "arcos/h5.h"
#include "arcos/util.h"
#include "core/jsonw.h"

/* Rows read at once from a slice: bounds the read buffers (about 1 MiB plus the ids). */
#define CHUNK_ROWS 16384u

typedef struct {
  const char *path; /* as given (borrowed from the config) */
  char file[4096];  /* the results.h5 it names */
  arcos_h5r_t *h;
  uint64_t rows, lo, hi; /* /evidence rows; this rank's slice [lo, hi) */
  uint64_t slice_bytes;  /* id bytes of the slice */
  uint32_t ninputs;
  char **inputs; /* the earlier run's /inputs/path rows */
} prev_run_t;

struct arcos_previous {
  prev_run_t *run;
  size_t n;
  arcos_seen_item_t *items; /* the current round's */
  size_t nitems, cap;
  arcos_arena_t *arena; /* their ids */
};

/* The results.h5 a --previous path names: the file, or DIR/results.h5. */
static int resolve(const char *given, char *file, size_t cap, char *msg, size_t mcap) {
  struct stat st;
  if (stat(given, &st) != 0) {
    snprintf(msg, mcap, "--previous %s: %s", given, strerror(errno));
    return ARCOS_EUSAGE;
  }
  snprintf(file, cap, "%s", given);
  if (S_ISDIR(st.st_mode)) {
    snprintf(file, cap, "%s/results.h5", given);
    if (stat(file, &st) != 0) {
      snprintf(msg, mcap,
               "--previous %s: no results.h5 in this directory (name an earlier run's --output "
               "directory or its results.h5)",
               given);
      return ARCOS_EUSAGE;
    }
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(msg, mcap, "--previous %s: %s is not a regular file", given, file);
    return ARCOS_EUSAGE;
  }
  if (access(file, R_OK) != 0) {
    snprintf(msg, mcap, "--previous %s: cannot read %s: %s", given, file, strerror(errno));
    return ARCOS_EUSAGE;
  }
  return ARCOS_OK;
}

/* Whether an open file has what a results.h5 of `run` has: the attribute
 * records_stored and the /evidence and /inputs columns the seeding reads, of one
 * length each. *rows: the /evidence rows. */
static const char *results_shape(arcos_h5r_t *h, uint64_t *rows) {
  static const char *const ev[] = {"/evidence/id_offset", "/evidence/id_length", "/evidence/input",
                                   "/evidence/line"};
  static const char *const in[] = {"/inputs/path_offset", "/inputs/path_length"};
  int64_t stored = 0;
  uint64_t n = 0, m = 0, k = 0;
  if (arcos_h5r_attr_i64(h, "/", "records_stored", &stored) != ARCOS_OK)
    return "it has no root attribute records_stored (a results.h5 of `arcos-scale run` has)";
  for (size_t i = 0; i < 4; i++)
    if (arcos_h5r_length(h, ev[i], i == 0 ? &n : &m) != ARCOS_OK || (i > 0 && m != n))
      return "its /evidence columns are missing or of different lengths";
  for (size_t i = 0; i < 2; i++)
    if (arcos_h5r_length(h, in[i], i == 0 ? &k : &m) != ARCOS_OK || (i > 0 && m != k))
      return "its /inputs table is missing";
  if (arcos_h5r_length(h, "/evidence/id_chars", &m) != ARCOS_OK ||
      arcos_h5r_length(h, "/inputs/path_chars", &m) != ARCOS_OK)
    return "its string columns are missing";
  if (stored < 0 || (uint64_t)stored != n)
    return "its /evidence row count differs from its records_stored attribute";
  if (n >= (UINT64_C(1) << ARCOS_PREV_ROW_BITS))
    return "it has more rows than an incremental run takes (2^40)";
  *rows = n;
  return NULL;
}

/* Open one earlier run's results.h5 and check its shape; msg says why not. */
static int open_one(prev_run_t *r, char *msg, size_t mcap) {
  int rc = resolve(r->path, r->file, sizeof r->file, msg, mcap);
  if (rc != ARCOS_OK)
    return rc;
  char e[512] = "";
  if (arcos_h5r_open_msg(r->file, &r->h, e, sizeof e) != ARCOS_OK) {
    snprintf(msg, mcap, "--previous %s: %s is not a results.h5 of arcos-scale (%s)", r->path,
             r->file, e);
    return ARCOS_EUSAGE;
  }
  const char *why = results_shape(r->h, &r->rows);
  if (why != NULL) {
    snprintf(msg, mcap, "--previous %s: %s is not a results.h5 of arcos-scale run: %s", r->path,
             r->file, why);
    arcos_h5r_close(&r->h);
    return ARCOS_EUSAGE;
  }
  return ARCOS_OK;
}

int arcos_previous_check(MPI_Comm comm, int rank, const arcos_strlist_t *paths, FILE *err) {
  int rc = ARCOS_OK;
  if (rank == 0) {
    if (paths->n > ARCOS_PREV_MAX_RUNS) {
      fprintf(err, "arcos-scale: --previous: at most %d earlier runs\n", ARCOS_PREV_MAX_RUNS);
      rc = ARCOS_EUSAGE;
    }
    for (size_t i = 0; i < paths->n && rc == ARCOS_OK; i++) {
      prev_run_t r = {.path = paths->v[i]};
      char msg[9000];
      rc = open_one(&r, msg, sizeof msg);
      if (rc != ARCOS_OK)
        fprintf(err, "arcos-scale: %s\n", msg);
      arcos_h5r_close(&r.h);
    }
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
  return rc;
}

/* The earlier run's input names (its /inputs/path rows): a small table, read whole. */
static int read_inputs(prev_run_t *r) {
  uint64_t n = 0, nc = 0;
  int rc = arcos_h5r_length(r->h, "/inputs/path_offset", &n);
  if (rc == ARCOS_OK)
    rc = arcos_h5r_length(r->h, "/inputs/path_chars", &nc);
  if (rc != ARCOS_OK || n > UINT32_MAX)
    return ARCOS_EIO;
  uint64_t *off = malloc((n + 1) * sizeof *off);
  uint32_t *len = malloc((n + 1) * sizeof *len);
  char *chars = malloc(nc + 1);
  r->inputs = calloc(n + 1, sizeof *r->inputs);
  if (off == NULL || len == NULL || chars == NULL || r->inputs == NULL)
    rc = ARCOS_ENOMEM;
  if (rc == ARCOS_OK && n > 0)
    rc = arcos_h5r_read(r->h, "/inputs/path_offset", ARCOS_H5_U64, 0, n, off);
  if (rc == ARCOS_OK && n > 0)
    rc = arcos_h5r_read(r->h, "/inputs/path_length", ARCOS_H5_U32, 0, n, len);
  if (rc == ARCOS_OK && nc > 0)
    rc = arcos_h5r_read(r->h, "/inputs/path_chars", ARCOS_H5_CHAR, 0, nc, chars);
  for (uint64_t i = 0; rc == ARCOS_OK && i < n; i++) {
    if (off[i] > nc || len[i] > nc - off[i])
      rc = ARCOS_EIO;
    else if ((r->inputs[i] = strndup(chars + off[i], len[i])) == NULL)
      rc = ARCOS_ENOMEM;
  }
  r->ninputs = (uint32_t)n;
  free(off);
  free(len);
  free(chars);
  return rc;
}

/* This rank's slice of one earlier run and its id bytes. */
static int slice(prev_run_t *r, int rank, int size) {
  r->lo = r->rows * (uint64_t)rank / (uint64_t)size;
  r->hi = r->rows * (uint64_t)(rank + 1) / (uint64_t)size;
  r->slice_bytes = 0;
  if (r->hi == r->lo)
    return ARCOS_OK;
  uint64_t a = 0, b = 0;
  uint32_t bl = 0;
  int rc = arcos_h5r_read(r->h, "/evidence/id_offset", ARCOS_H5_U64, r->lo, 1, &a);
  if (rc == ARCOS_OK)
    rc = arcos_h5r_read(r->h, "/evidence/id_offset", ARCOS_H5_U64, r->hi - 1, 1, &b);
  if (rc == ARCOS_OK)
    rc = arcos_h5r_read(r->h, "/evidence/id_length", ARCOS_H5_U32, r->hi - 1, 1, &bl);
  if (rc == ARCOS_OK)
    r->slice_bytes = b + bl >= a ? b + bl - a : 0;
  return rc;
}

int arcos_previous_open(MPI_Comm comm, const arcos_strlist_t *paths, arcos_previous_t **out,
                        FILE *err) {
  *out = NULL;
  if (paths->n == 0)
    return ARCOS_OK;
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  arcos_previous_t *p = calloc(1, sizeof *p);
  if (p == NULL || (p->run = calloc(paths->n, sizeof *p->run)) == NULL)
    ARCOS_ABORT_OOM(comm);
  p->n = paths->n;
  int rc = ARCOS_OK;
  for (size_t i = 0; i < p->n && rc == ARCOS_OK; i++) {
    prev_run_t *r = &p->run[i];
    r->path = paths->v[i];
    char msg[9000];
    rc = open_one(r, msg, sizeof msg);
    if (rc != ARCOS_OK)
      fprintf(err, "arcos-scale: rank %d: %s\n", rank, msg);
    if (rc == ARCOS_OK && (rc = read_inputs(r)) == ARCOS_OK)
      rc = slice(r, rank, size);
    if (rc != ARCOS_OK && rc != ARCOS_EUSAGE)
      fprintf(err, "arcos-scale: rank %d: --previous %s: cannot read %s: %s\n", rank, r->path,
              r->file, r->h != NULL ? arcos_h5r_errmsg(r->h) : arcos_strerror(rc));
  }
  int all = rc;
  MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, comm);
  if (all == ARCOS_ENOMEM)
    ARCOS_ABORT_OOM(comm);
  *out = p;
  return all == ARCOS_OK ? ARCOS_OK : ARCOS_EIO;
}

void arcos_previous_close(arcos_previous_t **pp) {
  arcos_previous_t *p = *pp;
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->n; i++) {
    arcos_h5r_close(&p->run[i].h);
    for (uint32_t k = 0; p->run[i].inputs != NULL && k < p->run[i].ninputs; k++)
      free(p->run[i].inputs[k]);
    free(p->run[i].inputs);
  }
  free(p->run);
  free(p->items);
  arcos_arena_destroy(&p->arena);
  free(p);
  *pp = NULL;
}

/* Read buffers of one chunk of rows. */
typedef struct {
  uint64_t off[CHUNK_ROWS], line[CHUNK_ROWS];
  uint32_t len[CHUNK_ROWS], input[CHUNK_ROWS];
  char *chars;
  size_t chars_cap;
} chunk_t;

static int read_chunk(prev_run_t *r, uint64_t at, uint64_t m, chunk_t *c, uint64_t *base,
                      uint64_t *nbytes) {
  int rc = arcos_h5r_read(r->h, "/evidence/id_offset", ARCOS_H5_U64, at, m, c->off);
  if (rc == ARCOS_OK)
    rc = arcos_h5r_read(r->h, "/evidence/id_length", ARCOS_H5_U32, at, m, c->len);
  if (rc == ARCOS_OK)
    rc = arcos_h5r_read(r->h, "/evidence/input", ARCOS_H5_U32, at, m, c->input);
  if (rc == ARCOS_OK)
    rc = arcos_h5r_read(r->h, "/evidence/line", ARCOS_H5_U64, at, m, c->line);
  if (rc != ARCOS_OK)
    return rc;
  *base = c->off[0];
  if (c->off[m - 1] < *base)
    return ARCOS_EINVALID;
  *nbytes = c->off[m - 1] + c->len[m - 1] - *base;
  if (*nbytes + 1 > c->chars_cap) {
    char *grown = realloc(c->chars, *nbytes + 1);
    if (grown == NULL)
      return ARCOS_ENOMEM;
    c->chars = grown;
    c->chars_cap = *nbytes + 1;
  }
  return *nbytes > 0
             ? arcos_h5r_read(r->h, "/evidence/id_chars", ARCOS_H5_CHAR, *base, *nbytes, c->chars)
             : ARCOS_OK;
}

static int add_item(arcos_previous_t *p, const arcos_seen_item_t *it) {
  if (arcos_array_grow(&p->items, &p->cap, p->nitems, sizeof *p->items, 4096) != ARCOS_OK)
    return ARCOS_ENOMEM;
  arcos_seen_item_t *dst = &p->items[p->nitems++];
  *dst = *it;
  dst->id = arcos_arena_strndup(p->arena, it->id, it->id_len);
  return dst->id != NULL ? ARCOS_OK : ARCOS_ENOMEM;
}

/* One earlier run's slice, chunk by chunk, into the round's items. */
static int read_slice(arcos_previous_t *p, size_t run, arcos_previous_keep_fn keep, void *arg,
                      chunk_t *c) {
  prev_run_t *r = &p->run[run];
  int rc = ARCOS_OK;
  for (uint64_t at = r->lo; at < r->hi && rc == ARCOS_OK; at += CHUNK_ROWS) {
    uint64_t m = r->hi - at < CHUNK_ROWS ? r->hi - at : CHUNK_ROWS, base = 0, nbytes = 0;
    if ((rc = read_chunk(r, at, m, c, &base, &nbytes)) != ARCOS_OK)
      break;
    for (uint64_t k = 0; k < m && rc == ARCOS_OK; k++) {
      if (c->off[k] < base || c->off[k] - base > nbytes ||
          c->len[k] > nbytes - (c->off[k] - base) || c->input[k] >= r->ninputs) {
        rc = ARCOS_EINVALID;
        break;
      }
      const char *id = c->chars + (c->off[k] - base);
      if (keep != NULL && !keep(id, c->len[k], arg))
        continue;
      arcos_seen_item_t it = {.id = id,
                              .id_len = c->len[k],
                              .pos = ARCOS_PREV_POS(run, at + k),
                              .input = c->input[k],
                              .line = c->line[k]};
      rc = add_item(p, &it);
    }
  }
  return rc;
}

int arcos_previous_round(arcos_previous_t *p, arcos_previous_keep_fn keep, void *arg, FILE *err) {
  p->nitems = 0;
  arcos_arena_destroy(&p->arena);
  p->arena = arcos_arena_create();
  chunk_t *c = calloc(1, sizeof *c);
  int rc = p->arena != NULL && c != NULL ? ARCOS_OK : ARCOS_ENOMEM;
  size_t i = 0;
  for (; i < p->n && rc == ARCOS_OK; i++)
    rc = read_slice(p, i, keep, arg, c);
  if (rc != ARCOS_OK && rc != ARCOS_ENOMEM && i > 0)
    fprintf(err, "arcos-scale: --previous %s: cannot read the ids of %s: %s\n", p->run[i - 1].path,
            p->run[i - 1].file,
            rc == ARCOS_EINVALID ? "a row names bytes or an input the file does not have"
                                 : arcos_h5r_errmsg(p->run[i - 1].h));
  if (c != NULL)
    free(c->chars);
  free(c);
  return rc == ARCOS_OK || rc == ARCOS_ENOMEM ? rc : ARCOS_EIO;
}

void arcos_previous_release(arcos_previous_t *p) {
  if (p == NULL)
    return;
  free(p->items);
  p->items = NULL;
  p->nitems = p->cap = 0;
  arcos_arena_destroy(&p->arena);
}

const arcos_seen_item_t *arcos_previous_items(const arcos_previous_t *p, size_t *n) {
  *n = p != NULL ? p->nitems : 0;
  return p != NULL ? p->items : NULL;
}

void arcos_previous_slice(const arcos_previous_t *p, uint64_t *rows, uint64_t *id_bytes) {
  *rows = *id_bytes = 0;
  for (size_t i = 0; p != NULL && i < p->n; i++) {
    *rows += p->run[i].hi - p->run[i].lo;
    *id_bytes += p->run[i].slice_bytes;
  }
}

size_t arcos_previous_count(const arcos_previous_t *p) { return p != NULL ? p->n : 0; }

const char *arcos_previous_path(const arcos_previous_t *p, size_t run) { return p->run[run].path; }

uint64_t arcos_previous_ids(const arcos_previous_t *p, size_t run) { return p->run[run].rows; }

const char *arcos_previous_input(const arcos_previous_t *p, size_t run, uint32_t input) {
  const prev_run_t *r = &p->run[run];
  return input < r->ninputs ? r->inputs[input] : "";
}

json_t *arcos_previous_json(const arcos_previous_t *p) {
  json_t *a = json_array();
  for (size_t i = 0; i < arcos_previous_count(p); i++) {
    json_t *o = json_object();
    const char *path = p->run[i].path;
    json_object_set_new(o, "path", arcos_jsonw_string(path, strlen(path)));
    json_object_set_new(o, "ids", json_integer((json_int_t)p->run[i].rows));
    json_array_append_new(a, o);
  }
  return a;
}
