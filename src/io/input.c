/* Input planning: expanding paths into inputs, cutting partitions, assigning them to
 * ranks, and sending the plan around; reading goes through the reader table
 * (io/reader.h), so this file knows no format by itself.
 *
 * Byte-range rule for JSON Lines: a record starts at offset 0 or just after a '\n'.
 * Partition [start, end) owns exactly the records whose first byte lies in
 * [start, end); its reader skips to the first record start at or after `start` and
 * finishes the record that crosses `end`. Line numbers come from counting the
 * newlines inside each range; the job adds up the counts of earlier ranges (one
 * reduction) to turn relative lines into absolute ones. */
#include "arcos/input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/reader.h"

#define MIN_AUTO_PARTITION ((uint64_t)1 << 20)

const char *arcos_format_name(int fmt) {
  const arcos_reader_t *r = arcos_reader_of(fmt);
  return r->format == fmt ? r->name : "unknown";
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
  char **v;
  size_t n, cap;
} str_list_t;

static int str_list_push(str_list_t *l, char *p) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    char **g = realloc(l->v, cap * sizeof *g);
    if (g == NULL)
      return ARCOS_ENOMEM;
    l->v = g;
    l->cap = cap;
  }
  l->v[l->n++] = p;
  return ARCOS_OK;
}

/* A CIV-ARCOS evidence store (EvidenceGraph.save_to_disk) writes nodes.json with
 * relationships.json and index.json beside it: only nodes.json holds evidence
 * (SPEC section 1), so the other two are not inputs when their nodes.json is there. */
static bool store_companion(const char *dir, const char *name) {
  if (strcmp(name, "relationships.json") != 0 && strcmp(name, "index.json") != 0)
    return false;
  size_t len = strlen(dir) + sizeof "/nodes.json";
  char *p = malloc(len);
  if (p == NULL)
    return false;
  snprintf(p, len, "%s%snodes.json", dir, arcos_path_ends_with(dir, "/") ? "" : "/");
  struct stat st;
  bool found = stat(p, &st) == 0 && S_ISREG(st.st_mode);
  free(p);
  return found;
}

static int collect_dir(const char *dir, str_list_t *out, arcos_detail_t *d) {
  DIR *dp = opendir(dir);
  if (dp == NULL)
    return arcos_detail_set(d, ARCOS_EIO, dir, 0, "cannot open directory: %s", strerror(errno));
  int rc = ARCOS_OK;
  struct dirent *e;
  while (rc == ARCOS_OK && (e = readdir(dp)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    char *p = malloc(len);
    if (p == NULL) {
      rc = ARCOS_ENOMEM;
      break;
    }
    snprintf(p, len, "%s%s%s", dir, arcos_path_ends_with(dir, "/") ? "" : "/", e->d_name);
    struct stat st;
    if (stat(p, &st) != 0) {
      if (errno != ENOENT || arcos_reader_detect(p, false) >= 0) /* else: a dangling */
        rc = arcos_detail_set(d, ARCOS_EIO, p, 0, "cannot stat: %s", strerror(errno));
      free(p); /* symlink with a name we would ignore anyway */
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      rc = collect_dir(p, out, d);
      free(p);
      continue;
    }
    if (!S_ISREG(st.st_mode) || arcos_reader_detect(p, false) < 0 ||
        store_companion(dir, e->d_name)) {
      free(p);
      continue;
    }
    rc = str_list_push(out, p);
    if (rc != ARCOS_OK)
      free(p);
  }
  closedir(dp);
  return rc;
}

static int check_readable(const char *path, arcos_detail_t *d) {
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return arcos_detail_set(d, ARCOS_EIO, path, 0,
                            "cannot read input: %s; check the path and its permissions",
                            strerror(errno));
  close(fd);
  return ARCOS_OK;
}

/* One file: its reader says what inputs it stands for. */
static int add_file(arcos_input_list_t *list, const char *path, bool named, arcos_detail_t *d) {
  struct stat st;
  if (stat(path, &st) != 0)
    return arcos_detail_set(d, ARCOS_EIO, path, 0, "cannot stat: %s", strerror(errno));
  int rc = check_readable(path, d);
  if (rc != ARCOS_OK)
    return rc;
  int fmt = arcos_reader_detect(path, named);
  const arcos_reader_t *r = arcos_reader_of(fmt);
  if (r->expand != NULL)
    return r->expand(list, path, (uint64_t)st.st_size, d);
  return arcos_input_list_push(list, path, path, (uint64_t)st.st_size, fmt);
}

static int add_dir(arcos_input_list_t *list, const char *dir, arcos_detail_t *d) {
  str_list_t files = {0};
  int rc = collect_dir(dir, &files, d);
  if (rc == ARCOS_OK && files.n > 1) /* files.v is NULL when empty */
    qsort(files.v, files.n, sizeof *files.v, cmp_str);
  for (size_t k = 0; k < files.n; k++) {
    if (rc == ARCOS_OK)
      rc = add_file(list, files.v[k], false, d);
    free(files.v[k]);
  }
  free(files.v);
  return rc;
}

static int expand_inputs(const char *const *paths, size_t npaths, arcos_input_list_t *list,
                         arcos_detail_t *d) {
  for (size_t i = 0; i < npaths; i++) {
    const char *p = paths[i];
    struct stat st;
    if (strcmp(p, "-") == 0) /* `run -` streams before any plan is made (stream.c) */
      return arcos_detail_set(d, ARCOS_EUSAGE, "-", 0,
                              "standard input is read only as the one input of `run -` "
                              "(streaming mode); write it to a file to use it here");
    if (stat(p, &st) != 0)
      return arcos_detail_set(d, errno == ENOENT ? ARCOS_ENOENT : ARCOS_EIO, p, 0,
                              "input not found (%s); check the path", strerror(errno));
    int rc;
    if (S_ISDIR(st.st_mode))
      rc = add_dir(list, p, d);
    else if (!S_ISREG(st.st_mode))
      rc = arcos_detail_set(d, ARCOS_EUSAGE, p, 0, "input is neither a file nor a directory");
    else
      rc = add_file(list, p, true, d);
    if (rc != ARCOS_OK)
      return rc;
  }
  return ARCOS_OK;
}

/* The automatic partition sizes: bytes of the byte-range inputs, and rows of the
 * archives, each shared out as workers x per_rank partitions. Archive row ranges are
 * cut at multiples of their size in archive row numbers, a multiple of the archives'
 * (smallest) chunk size so that ranges start at chunk boundaries. */
static arcos_cut_t plan_cut(const arcos_plan_t *plan, const arcos_plan_opts_t *opts,
                            uint64_t row_quantum) {
  uint64_t split_bytes = 0, rows = 0;
  for (size_t i = 0; i < plan->ninputs; i++) {
    const arcos_reader_t *r = arcos_reader_of(plan->inputs[i].format);
    if (r->byte_ranges)
      split_bytes += plan->inputs[i].size;
    if (r->row_ranges)
      rows += plan->inputs[i].rows;
  }
  uint64_t per_rank = opts->per_rank > 0 ? opts->per_rank : 4;
  uint64_t shares = (uint64_t)plan->workers * per_rank;
  arcos_cut_t cut = {opts->partition_bytes, 0, opts->whole_documents ? 1 : plan->workers,
                     opts->partition_bytes, opts->max_auto_bytes};
  if (cut.target_bytes == 0) {
    cut.target_bytes = split_bytes / shares;
    if (opts->max_auto_bytes > 0 && cut.target_bytes > opts->max_auto_bytes)
      cut.target_bytes = opts->max_auto_bytes;
    if (cut.target_bytes < MIN_AUTO_PARTITION)
      cut.target_bytes = MIN_AUTO_PARTITION;
  }
  uint64_t quantum = row_quantum > 0 ? row_quantum : 1;
  cut.target_rows = (rows / shares + quantum - 1) / quantum * quantum;
  if (cut.target_rows == 0)
    cut.target_rows = quantum;
  return cut;
}

static int plan_parts(arcos_plan_t *plan, const arcos_cut_t *cut) {
  size_t cap = 0;
  for (size_t i = 0; i < plan->ninputs; i++) {
    const arcos_input_t *in = &plan->inputs[i];
    const arcos_reader_t *r = arcos_reader_of(in->format);
    uint64_t n = r->plan(in, cut, NULL);
    if (plan->nparts + n > cap) {
      cap = (plan->nparts + n) * 2;
      arcos_partition_t *g = realloc(plan->parts, cap * sizeof *g);
      if (g == NULL)
        return ARCOS_ENOMEM;
      /* zeroed, padding included: the plan goes to the checkpoint file byte for byte */
      memset(g + plan->nparts, 0, (cap - plan->nparts) * sizeof *g);
      plan->parts = g;
    }
    r->plan(in, cut, &plan->parts[plan->nparts]);
    for (uint64_t k = 0; k < n; k++) {
      plan->parts[plan->nparts + k].input = (uint32_t)i;
      plan->parts[plan->nparts + k].rank = 0;
    }
    plan->nparts += n;
  }
  return ARCOS_OK;
}

int arcos_plan_build(const char *const *paths, size_t npaths, const arcos_plan_opts_t *opts,
                     arcos_plan_t *plan, arcos_detail_t *d) {
  memset(plan, 0, sizeof *plan);
  if (npaths == 0)
    return arcos_detail_set(d, ARCOS_EUSAGE, "run", 0,
                            "no input given: name files or directories (see --help)");
  arcos_input_list_t list = {0};
  int rc = expand_inputs(paths, npaths, &list, d);
  plan->inputs = list.v;
  plan->ninputs = list.n;
  if (rc != ARCOS_OK) {
    arcos_plan_free(plan);
    return rc;
  }
  plan->workers = opts->workers > 0 ? opts->workers : 1;
  for (size_t i = 0; i < list.n; i++)
    plan->total_bytes += list.v[i].size;
  arcos_cut_t cut = plan_cut(plan, opts, list.row_quantum);
  rc = plan_parts(plan, &cut);
  if (rc == ARCOS_OK)
    rc = arcos_plan_assign(plan, plan->workers);
  if (rc != ARCOS_OK)
    arcos_plan_free(plan);
  return rc;
}

typedef struct {
  uint64_t weight;
  uint32_t idx;
} weighted_t;

/* Heaviest first; equal weights in index order, so the order is total and the
 * assignment deterministic. */
static int cmp_weight_desc(const void *a, const void *b) {
  const weighted_t *x = a, *y = b;
  if (x->weight != y->weight)
    return x->weight > y->weight ? -1 : 1;
  return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

int arcos_plan_assign(arcos_plan_t *plan, int workers) {
  if (workers < 1)
    workers = 1;
  plan->workers = workers;
  /* Largest first onto the least-loaded rank (LPT); ties go to the lower rank. */
  weighted_t *order = malloc(plan->nparts * sizeof *order + 1);
  uint64_t *load = calloc((size_t)workers, sizeof *load);
  if (order == NULL || load == NULL) {
    free(order);
    free(load);
    return ARCOS_ENOMEM;
  }
  for (size_t i = 0; i < plan->nparts; i++)
    order[i] = (weighted_t){plan->parts[i].weight, (uint32_t)i};
  qsort(order, plan->nparts, sizeof *order, cmp_weight_desc);
  for (size_t i = 0; i < plan->nparts; i++) {
    int best = 0;
    for (int r = 1; r < workers; r++)
      if (load[r] < load[best])
        best = r;
    plan->parts[order[i].idx].rank = best;
    load[best] += order[i].weight;
  }
  free(order);
  free(load);
  return ARCOS_OK;
}

void arcos_plan_free(arcos_plan_t *plan) {
  arcos_readers_release(); /* what a reader kept between the plan's partitions */
  for (size_t i = 0; i < plan->ninputs; i++) {
    // NOLINTNEXTLINE(clang-analyzer-core.NullDereference): ninputs > 0 only with inputs set
    free(plan->inputs[i].path);
    free(plan->inputs[i].display);
  }
  free(plan->inputs);
  free(plan->parts);
  memset(plan, 0, sizeof *plan);
}

/* Wire form (broadcast and checkpoint file): [ninputs][nparts][workers][total] then per
 * input [format][size][pathlen][displaylen][row_first][rows][path][display], then the
 * partition array. */
int arcos_plan_serialize(const arcos_plan_t *plan, arcos_buf_t *b) {
  int64_t hdr[4] = {(int64_t)plan->ninputs, (int64_t)plan->nparts, plan->workers,
                    (int64_t)plan->total_bytes};
  int rc = arcos_buf_append(b, hdr, sizeof hdr);
  for (size_t i = 0; rc == ARCOS_OK && i < plan->ninputs; i++) {
    const arcos_input_t *in = &plan->inputs[i];
    uint64_t f[6] = {(uint64_t)in->format, in->size,      strlen(in->path),
                     strlen(in->display),  in->row_first, in->rows};
    rc = arcos_buf_append(b, f, sizeof f);
    if (rc == ARCOS_OK)
      rc = arcos_buf_append(b, in->path, f[2]);
    if (rc == ARCOS_OK)
      rc = arcos_buf_append(b, in->display, f[3]);
  }
  if (rc == ARCOS_OK)
    rc = arcos_buf_append(b, plan->parts, plan->nparts * sizeof *plan->parts);
  return rc;
}

int arcos_plan_deserialize(const char *data, size_t len, arcos_plan_t *plan) {
  memset(plan, 0, sizeof *plan);
  int64_t hdr[4];
  if (len < sizeof hdr)
    return ARCOS_EINVALID;
  memcpy(hdr, data, sizeof hdr);
  const char *p = data + sizeof hdr, *end = data + len;
  if (hdr[0] < 0 || hdr[1] < 0 || hdr[0] > (int64_t)len || hdr[1] > (int64_t)len)
    return ARCOS_EINVALID;
  plan->ninputs = (size_t)hdr[0];
  plan->nparts = (size_t)hdr[1];
  plan->workers = (int)hdr[2];
  plan->total_bytes = (uint64_t)hdr[3];
  plan->inputs = calloc(plan->ninputs + 1, sizeof *plan->inputs);
  plan->parts = malloc(plan->nparts * sizeof *plan->parts + 1);
  if (plan->inputs == NULL || plan->parts == NULL) {
    arcos_plan_free(plan);
    return ARCOS_ENOMEM;
  }
  for (size_t i = 0; i < plan->ninputs; i++) {
    uint64_t f[6];
    if ((size_t)(end - p) < sizeof f)
      goto bad;
    memcpy(f, p, sizeof f);
    p += sizeof f;
    if ((uint64_t)(end - p) < f[2] + f[3])
      goto bad;
    arcos_input_t *in = &plan->inputs[i];
    in->format = (int)f[0];
    in->size = f[1];
    in->row_first = f[4];
    in->rows = f[5];
    in->path = strndup(p, f[2]);
    p += f[2];
    in->display = strndup(p, f[3]);
    p += f[3];
    if (in->path == NULL || in->display == NULL) {
      arcos_plan_free(plan);
      return ARCOS_ENOMEM;
    }
  }
  if ((size_t)(end - p) != plan->nparts * sizeof *plan->parts)
    goto bad;
  memcpy(plan->parts, p, plan->nparts * sizeof *plan->parts);
  for (size_t i = 0; i < plan->nparts; i++)
    if (plan->parts[i].input >= plan->ninputs)
      goto bad;
  return ARCOS_OK;
bad:
  arcos_plan_free(plan);
  return ARCOS_EINVALID;
}

int arcos_plan_bcast(MPI_Comm comm, int root_rc, arcos_plan_t *plan) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  arcos_buf_t b = {0};
  int64_t head[2] = {root_rc, 0}; /* result code, bytes that follow */
  if (rank == 0 && root_rc == ARCOS_OK) {
    if (arcos_plan_serialize(plan, &b) != ARCOS_OK)
      head[0] = ARCOS_ENOMEM;
    head[1] = (int64_t)b.len;
  }
  MPI_Bcast(head, 2, MPI_INT64_T, 0, comm);
  if (head[0] != ARCOS_OK || head[1] > INT32_MAX) {
    arcos_buf_free(&b);
    return head[0] != ARCOS_OK ? (int)head[0] : ARCOS_ERANGE;
  }
  if (rank != 0 && arcos_buf_reserve(&b, (size_t)head[1]) != ARCOS_OK)
    ARCOS_ABORT(comm, "out of memory for the input plan (%lld bytes)", (long long)head[1]);
  MPI_Bcast(b.data, (int)head[1], MPI_BYTE, 0, comm);
  int rc = ARCOS_OK;
  if (rank != 0) {
    arcos_plan_free(plan);
    rc = arcos_plan_deserialize(b.data, (size_t)head[1], plan);
  }
  arcos_buf_free(&b);
  return rc;
}

bool arcos_partition_is_slice(const arcos_plan_t *plan, const arcos_partition_t *part) {
  const arcos_input_t *in = &plan->inputs[part->input];
  return arcos_reader_of(in->format)->slices && (part->start != 0 || part->end != in->size);
}

/* A slice read on its own: the whole document is read, and only the records whose
 * offset lies in [start, end) are handed on; reading stops at the first one past it. */
typedef struct {
  const arcos_partition_t *part;
  arcos_record_fn fn;
  arcos_reader_error_fn onerror;
  void *arg;
} slice_filter_t;

enum { PAST_SLICE = 1 }; /* positive: no ARCOS_E* code */

static int slice_record(void *arg, const arcos_raw_t *rec) {
  const slice_filter_t *f = arg;
  if (rec->offset >= f->part->end)
    return PAST_SLICE;
  return rec->offset >= f->part->start ? f->fn(f->arg, rec) : ARCOS_OK;
}

static int slice_error(void *arg, const arcos_raw_t *rec, int code, const char *message) {
  const slice_filter_t *f = arg;
  if (rec->offset >= f->part->end)
    return PAST_SLICE;
  return rec->offset >= f->part->start ? f->onerror(f->arg, rec, code, message) : ARCOS_OK;
}

int arcos_read_partition(const arcos_plan_t *plan, const arcos_partition_t *part,
                         arcos_buf_t *scratch, arcos_record_fn fn, arcos_reader_error_fn onerror,
                         void *arg, arcos_read_stats_t *stats) {
  const arcos_input_t *in = &plan->inputs[part->input];
  const arcos_reader_t *r = arcos_reader_of(in->format);
  if (r->format != in->format || r->read == NULL)
    return ARCOS_EINTERNAL;
  if (!arcos_partition_is_slice(plan, part))
    return r->read(in, part, scratch, fn, onerror, arg, stats);
  slice_filter_t f = {part, fn, onerror, arg};
  int rc = r->read(in, part, scratch, slice_record, slice_error, &f, stats);
  return rc == PAST_SLICE ? ARCOS_OK : rc;
}

uint64_t arcos_input_cost(const arcos_plan_t *plan, const arcos_partition_t *part) {
  const arcos_input_t *in = &plan->inputs[part->input];
  return arcos_reader_of(in->format)->cost(in, part);
}

uint64_t arcos_input_span(const arcos_plan_t *plan, const arcos_partition_t *part) {
  const arcos_input_t *in = &plan->inputs[part->input];
  return arcos_reader_of(in->format)->span(in, part);
}

uint64_t arcos_input_position(const arcos_plan_t *plan, const arcos_partition_t *part, uint64_t seq,
                              uint64_t offset) {
  const arcos_input_t *in = &plan->inputs[part->input];
  return arcos_reader_of(in->format)->position(in, part, seq, offset);
}
