/* Input planning and readers. See include/arcos/input.h.
 *
 * Byte-range rule for JSON Lines: a record starts at offset 0 or just after a '\n'.
 * Partition [start, end) owns exactly the records whose first byte lies in
 * [start, end); its reader skips to the first record start at or after `start` and
 * finishes the record that crosses `end`. Line numbers come from counting the
 * newlines inside each range; the job adds up the counts of earlier ranges (one
 * reduction) to turn relative lines into absolute ones. */
#include "arcos/input.h"

#include "arcos/archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Bytes read at a time. The fuzz build (fuzz/CMakeLists.txt) sets a tiny value so
 * that short fuzz inputs cross chunk boundaries mid-line. */
#ifndef ARCOS_INPUT_CHUNK
#define ARCOS_INPUT_CHUNK ((size_t)4 << 20)
#endif
#define CHUNK ((size_t)ARCOS_INPUT_CHUNK)
#define MIN_AUTO_PARTITION ((uint64_t)1 << 20)
#define ARCHIVE_ROW_WEIGHT 30

const char *arcos_format_name(int fmt) {
  switch (fmt) {
  case ARCOS_FMT_JSONL:
    return "jsonl";
  case ARCOS_FMT_JSONL_GZ:
    return "jsonl.gz";
  case ARCOS_FMT_JSON:
    return "json";
  case ARCOS_FMT_STDIN:
    return "stdin";
  case ARCOS_FMT_H5:
    return "h5";
  default:
    return "unknown";
  }
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Format from the name; -1 when the name is not a supported evidence file. */
static int format_of(const char *path) {
  if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson"))
    return ARCOS_FMT_JSONL;
  if (ends_with(path, ".jsonl.gz") || ends_with(path, ".ndjson.gz"))
    return ARCOS_FMT_JSONL_GZ;
  if (ends_with(path, ".json"))
    return ARCOS_FMT_JSON;
  if (ends_with(path, ".h5") || ends_with(path, ".hdf5"))
    return ARCOS_FMT_H5;
  return -1;
}

static bool has_hdf5_magic(const char *path) {
  unsigned char m[8] = {0};
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, m, 8);
  close(fd);
  return n == 8 && memcmp(m, "\211HDF\r\n\032\n", 8) == 0;
}

static bool has_gzip_magic(const char *path) {
  unsigned char m[2] = {0, 0};
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, m, 2);
  close(fd);
  return n == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

typedef struct {
  arcos_input_t *v;
  size_t n, cap;
  uint64_t row_quantum; /* smallest chunk_rows of the archives seen (0: none) */
} input_list_t;

static int push_input(input_list_t *l, const char *path, const char *display, uint64_t size,
                      int fmt) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    arcos_input_t *g = realloc(l->v, cap * sizeof *g);
    if (g == NULL)
      return ARCOS_ENOMEM;
    l->v = g;
    l->cap = cap;
  }
  arcos_input_t *in = &l->v[l->n];
  in->path = strdup(path);
  in->display = strdup(display);
  in->size = size;
  in->format = fmt;
  in->row_first = 0;
  in->rows = 0;
  if (in->path == NULL || in->display == NULL) {
    free(in->path);
    free(in->display);
    return ARCOS_ENOMEM;
  }
  l->n++;
  return ARCOS_OK;
}

/* An evidence archive becomes one input per original file recorded in it (path: the
 * archive; display, size: the original's), so outputs name the original inputs. */
static int push_archive(input_list_t *l, const char *path, arcos_detail_t *d) {
  arcos_archive_info_t info;
  int rc = arcos_archive_probe(path, &info, d);
  if (rc == ARCOS_OK && (l->row_quantum == 0 || info.chunk_rows < l->row_quantum))
    l->row_quantum = info.chunk_rows;
  for (size_t i = 0; rc == ARCOS_OK && i < info.nsources; i++) {
    const arcos_archive_source_t *s = &info.sources[i];
    rc = push_input(l, path, s->display, s->size, ARCOS_FMT_H5);
    if (rc == ARCOS_OK) {
      l->v[l->n - 1].row_first = s->first_row;
      l->v[l->n - 1].rows = s->rows;
    }
  }
  arcos_archive_info_free(&info);
  return rc;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
  char **v;
  size_t n, cap;
} str_list_t;

static int collect_dir(const char *dir, str_list_t *out, arcos_detail_t *d) {
  DIR *dp = opendir(dir);
  if (dp == NULL)
    return arcos_detail_set(d, ARCOS_EIO, dir, 0, "cannot open directory: %s", strerror(errno));
  int rc = ARCOS_OK;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    char *p = malloc(len);
    if (p == NULL) {
      rc = ARCOS_ENOMEM;
      break;
    }
    snprintf(p, len, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", e->d_name);
    struct stat st;
    if (stat(p, &st) != 0) {
      if (errno == ENOENT && format_of(p) < 0) {
        free(p); /* a dangling symlink with a name we would ignore anyway */
        continue;
      }
      rc = arcos_detail_set(d, ARCOS_EIO, p, 0, "cannot stat: %s", strerror(errno));
      free(p);
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      rc = collect_dir(p, out, d);
      free(p);
      if (rc != ARCOS_OK)
        break;
      continue;
    }
    if (!S_ISREG(st.st_mode) || format_of(p) < 0) {
      free(p);
      continue;
    }
    if (out->n == out->cap) {
      size_t cap = out->cap ? out->cap * 2 : 64;
      char **g = realloc(out->v, cap * sizeof *g);
      if (g == NULL) {
        free(p);
        rc = ARCOS_ENOMEM;
        break;
      }
      out->v = g;
      out->cap = cap;
    }
    out->v[out->n++] = p;
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

static int expand_inputs(const char *const *paths, size_t npaths, input_list_t *list,
                         arcos_detail_t *d) {
  for (size_t i = 0; i < npaths; i++) {
    const char *p = paths[i];
    struct stat st;
    if (strcmp(p, "-") == 0)
      return arcos_detail_set(d, ARCOS_EUSAGE, "-", 0,
                              "streaming from standard input is not available in this build");
    if (stat(p, &st) != 0)
      return arcos_detail_set(d, errno == ENOENT ? ARCOS_ENOENT : ARCOS_EIO, p, 0,
                              "input not found (%s); check the path", strerror(errno));
    if (S_ISDIR(st.st_mode)) {
      str_list_t files = {0};
      int rc = collect_dir(p, &files, d);
      if (rc == ARCOS_OK && files.n > 1) /* files.v is NULL when empty */
        qsort(files.v, files.n, sizeof *files.v, cmp_str);
      for (size_t k = 0; k < files.n; k++) {
        struct stat fs;
        if (rc == ARCOS_OK && stat(files.v[k], &fs) != 0)
          rc = arcos_detail_set(d, ARCOS_EIO, files.v[k], 0, "cannot stat: %s", strerror(errno));
        if (rc == ARCOS_OK)
          rc = check_readable(files.v[k], d);
        if (rc == ARCOS_OK && format_of(files.v[k]) == ARCOS_FMT_H5)
          rc = push_archive(list, files.v[k], d);
        else if (rc == ARCOS_OK)
          rc = push_input(list, files.v[k], files.v[k], (uint64_t)fs.st_size,
                          format_of(files.v[k]));
        free(files.v[k]);
      }
      free(files.v);
      if (rc != ARCOS_OK)
        return rc;
      continue;
    }
    if (!S_ISREG(st.st_mode))
      return arcos_detail_set(d, ARCOS_EUSAGE, p, 0, "input is neither a file nor a directory");
    int rc = check_readable(p, d);
    if (rc != ARCOS_OK)
      return rc;
    int fmt = format_of(p);
    if (fmt < 0) /* an explicitly named file: JSON Lines unless it is gzip or HDF5 */
      fmt = has_gzip_magic(p)   ? ARCOS_FMT_JSONL_GZ
            : has_hdf5_magic(p) ? ARCOS_FMT_H5
                                : ARCOS_FMT_JSONL;
    if (fmt == ARCOS_FMT_H5)
      rc = push_archive(list, p, d);
    else
      rc = push_input(list, p, p, (uint64_t)st.st_size, fmt);
    if (rc != ARCOS_OK)
      return rc;
  }
  return ARCOS_OK;
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

int arcos_plan_build(const char *const *paths, size_t npaths, const arcos_plan_opts_t *opts,
                     arcos_plan_t *plan, arcos_detail_t *d) {
  memset(plan, 0, sizeof *plan);
  if (npaths == 0)
    return arcos_detail_set(d, ARCOS_EUSAGE, "run", 0,
                            "no input given: name files or directories (see --help)");
  input_list_t list = {0};
  int rc = expand_inputs(paths, npaths, &list, d);
  plan->inputs = list.v;
  plan->ninputs = list.n;
  if (rc != ARCOS_OK) {
    arcos_plan_free(plan);
    return rc;
  }
  int workers = opts->workers > 0 ? opts->workers : 1;
  plan->workers = workers;
  uint64_t jsonl_bytes = 0, archive_rows = 0;
  for (size_t i = 0; i < list.n; i++) {
    plan->total_bytes += list.v[i].size;
    if (list.v[i].format == ARCOS_FMT_JSONL)
      jsonl_bytes += list.v[i].size;
    if (list.v[i].format == ARCOS_FMT_H5)
      archive_rows += list.v[i].rows;
  }
  uint64_t per_rank = opts->per_rank > 0 ? opts->per_rank : 4;
  uint64_t target = opts->partition_bytes;
  if (target == 0) {
    target = jsonl_bytes / ((uint64_t)workers * per_rank);
    if (opts->max_auto_bytes > 0 && target > opts->max_auto_bytes)
      target = opts->max_auto_bytes;
    if (target < MIN_AUTO_PARTITION)
      target = MIN_AUTO_PARTITION;
  }
  /* Archives: row ranges of about archive_rows / (workers x per_rank) rows, cut at
   * multiples of that size in archive row numbers, a multiple of the archives'
   * (smallest) chunk size so that ranges start at chunk boundaries. */
  uint64_t quantum = list.row_quantum > 0 ? list.row_quantum : 1;
  uint64_t target_rows = archive_rows / ((uint64_t)workers * per_rank);
  target_rows = (target_rows + quantum - 1) / quantum * quantum;
  if (target_rows == 0)
    target_rows = quantum;
  size_t cap = 0;
  for (size_t i = 0; i < list.n; i++) {
    const arcos_input_t *in = &list.v[i];
    uint64_t n = 1;
    if (in->format == ARCOS_FMT_JSONL && in->size > target)
      n = (in->size + target - 1) / target;
    if (in->format == ARCOS_FMT_H5 && in->rows > 0)
      n = (in->row_first + in->rows - 1) / target_rows - in->row_first / target_rows + 1;
    if (plan->nparts + n > cap) {
      cap = (plan->nparts + n) * 2;
      arcos_partition_t *g = realloc(plan->parts, cap * sizeof *g);
      if (g == NULL) {
        arcos_plan_free(plan);
        return ARCOS_ENOMEM;
      }
      plan->parts = g;
    }
    for (uint64_t k = 0; k < n; k++) {
      arcos_partition_t *p = &plan->parts[plan->nparts++];
      p->input = (uint32_t)i;
      p->start = in->size * k / n;
      p->end = in->size * (k + 1) / n;
      /* gzip inflates about 5x and cannot be split: weigh it by what it will produce */
      p->weight = (p->end - p->start) * (in->format == ARCOS_FMT_JSONL_GZ ? 5 : 1) + 1;
      if (in->format == ARCOS_FMT_H5) {
        uint64_t base = in->row_first / target_rows + k;
        p->start = k == 0 ? in->row_first : base * target_rows;
        p->end = k + 1 == n ? in->row_first + in->rows : (base + 1) * target_rows;
        /* an archive row costs about what 30 bytes of JSON Lines do (docs/performance.md) */
        p->weight = (p->end - p->start) * ARCHIVE_ROW_WEIGHT + 1;
      }
      p->rank = 0;
    }
  }
  rc = arcos_plan_assign(plan, workers);
  if (rc != ARCOS_OK)
    arcos_plan_free(plan);
  return rc;
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

/* ---- JSON Lines (plain byte range, or gzip as a whole) ---- */

#define ZIN_SIZE ((size_t)1 << 18) /* compressed bytes read at a time */

/* A gzip file read with zlib's inflate directly rather than gzread: gzread returns
 * nothing of a read that fails part-way, so whole good members decompressed in the
 * same read as a corrupt one would be lost with it. Here a read hands on the bytes
 * of every member that passed its CRC-32 and length check, and the error comes on
 * the next read. A truncated file hands on all it inflated (correct, only short);
 * what a corrupt member gave in the failing read is dropped (it may be silently
 * altered data); a member larger than one read (CHUNK) is checked only at
 * its end, so its earlier reads are processed before the check, as by any streaming
 * gzip reader. */
typedef struct {
  z_stream zs;
  unsigned char *in; /* compressed input buffer (ZIN_SIZE) */
  uint64_t in_pos;   /* next compressed offset to read from the file */
  bool in_eof;       /* the compressed file is read to its end */
  bool member_end;   /* a gzip member ended; another may follow */
  bool done;         /* no more data (clean end, or trailing non-gzip bytes ignored) */
  const char *err;   /* a failure to report on the next read, or NULL */
} gz_state_t;

typedef struct {
  int fd;          /* plain file, or the gzip file's descriptor */
  gz_state_t *gz;  /* gzip state, or NULL */
  uint64_t pos;    /* next file (or decompressed) offset to read */
  const char *mem; /* in-memory text (a streaming batch), or NULL */
  size_t mem_len;
} source_t;

/* Top up the compressed buffer when fewer than two bytes are left in it (two: the
 * gzip magic of a following member). Returns false with *msg on a read error. */
static bool gz_fill(source_t *s, const char **msg) {
  gz_state_t *g = s->gz;
  if (g->in_eof || g->zs.avail_in >= 2)
    return true;
  if (g->zs.avail_in > 0)
    memmove(g->in, g->zs.next_in, g->zs.avail_in);
  g->zs.next_in = g->in;
  ssize_t got;
  do {
    got = pread(s->fd, g->in + g->zs.avail_in, ZIN_SIZE - g->zs.avail_in, (off_t)g->in_pos);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    *msg = strerror(errno);
    return false;
  }
  if (got == 0)
    g->in_eof = true;
  g->in_pos += (uint64_t)got;
  g->zs.avail_in += (uInt)got;
  return true;
}

static ssize_t gz_source_read(source_t *s, char *dst, size_t n, const char **msg) {
  gz_state_t *g = s->gz;
  if (g->err != NULL) {
    *msg = g->err;
    return -1;
  }
  g->zs.next_out = (Bytef *)dst;
  g->zs.avail_out = (uInt)n;
  size_t verified = 0;  /* bytes of this read whose gzip member passed its check */
  bool corrupt = false; /* the member failed its check or holds invalid deflate data */
  while (g->zs.avail_out > 0 && !g->done && g->err == NULL) {
    if (!gz_fill(s, msg)) {
      g->err = *msg;
      break;
    }
    if (g->member_end) {
      /* Like gzread: a following gzip member is read on; anything else after a
       * complete member (padding, garbage) is ignored. */
      if (g->zs.avail_in < 2 || g->zs.next_in[0] != 0x1f || g->zs.next_in[1] != 0x8b) {
        g->done = true;
        break;
      }
      inflateReset(&g->zs);
      g->member_end = false;
    }
    int rc = inflate(&g->zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      g->member_end = true;
      verified = n - g->zs.avail_out;
    } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
      /* Out of input with room left for output: the file ends inside the stream. */
      if (g->zs.avail_in == 0 && g->in_eof && g->zs.avail_out > 0)
        g->err = "gzip stream ends early (truncated file?)";
    } else {
      g->err = g->zs.msg != NULL ? g->zs.msg : "corrupt gzip data";
      corrupt = true;
    }
  }
  size_t produced = n - g->zs.avail_out;
  if (corrupt)
    produced = verified; /* drop what the failing member gave in this read: untrusted */
  if (produced == 0 && g->err != NULL) {
    *msg = g->err;
    return -1;
  }
  s->pos += produced;
  return (ssize_t)produced;
}

/* Read up to n bytes; returns bytes read (0 at end) or -1 with message. */
static ssize_t source_read(source_t *s, char *dst, size_t n, const char **msg) {
  if (s->mem != NULL) {
    size_t left = s->mem_len - (size_t)s->pos;
    size_t k = left < n ? left : n;
    memcpy(dst, s->mem + s->pos, k);
    s->pos += k;
    return (ssize_t)k;
  }
  if (s->gz != NULL)
    return gz_source_read(s, dst, n, msg);
  ssize_t got;
  do {
    got = pread(s->fd, dst, n, (off_t)s->pos);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    *msg = strerror(errno);
    return -1;
  }
  s->pos += (uint64_t)got;
  return got;
}

/* A line of only spaces, tabs and CRs; the UTF-8 byte order mark that the pipeline
 * skips at the start of a file (offset 0) does not make a line non-blank. */
static bool is_blank(const char *s, size_t n, uint64_t offset) {
  size_t i = 0;
  if (offset == 0 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  for (; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
      return false;
  return true;
}

uint64_t arcos_line_cap(uint64_t max_record_bytes) {
  uint64_t cap = max_record_bytes > UINT64_MAX / 4 ? UINT64_MAX : 4 * max_record_bytes;
  return cap < ((uint64_t)16 << 20) ? (uint64_t)16 << 20 : cap;
}

/* The line at buf_off (all of buf, longer than st->max_line) is read through without
 * being held: buf ends up with the bytes after its newline (or empty at the end of the
 * source, *eof set). *len receives its length, *nl whether a newline ended it, prefix its
 * first bytes. Returns 0, or -1 on a read error (*msg). */
static int read_through_line(source_t *src, arcos_buf_t *buf, char *prefix, size_t *prefix_len,
                             uint64_t *len, bool *nl, bool *eof, const char **msg,
                             arcos_read_stats_t *st) {
  *prefix_len = buf->len < ARCOS_LONG_LINE_PREFIX ? buf->len : ARCOS_LONG_LINE_PREFIX;
  memcpy(prefix, buf->data, *prefix_len);
  *len = buf->len;
  *nl = false;
  buf->len = 0;
  for (;;) {
    double t0 = arcos_now();
    ssize_t got = source_read(src, buf->data, CHUNK, msg);
    st->io_s += arcos_now() - t0;
    if (got < 0)
      return -1;
    if (got == 0) {
      *eof = true;
      return 0;
    }
    char *p = memchr(buf->data, '\n', (size_t)got);
    if (p != NULL) {
      size_t k = (size_t)(p - buf->data);
      *len += k;
      *nl = true;
      buf->len = (size_t)got - k - 1;
      memmove(buf->data, p + 1, buf->len);
      return 0;
    }
    *len += (uint64_t)got;
  }
}

/* Walk lines of a source. Records start at offsets < limit; line numbers start at
 * line_base (0: relative to the partition, 1: absolute). For a range that starts
 * mid-file, skip_first drops bytes up to and including the first newline. */
static int split_lines(source_t *src, uint64_t begin, uint64_t limit, bool skip_first,
                       uint64_t line_base, arcos_buf_t *buf, arcos_record_fn fn,
                       arcos_reader_error_fn onerror, void *arg, arcos_read_stats_t *st) {
  uint64_t buf_off = begin; /* file offset of buf->data[0] */
  uint64_t line = line_base;
  size_t scan = 0; /* where the current line starts in buf */
  bool eof = false;
  bool skipping = skip_first;
  arcos_buf_reset(buf);
  for (;;) {
    /* Consume complete lines in buf. */
    while (scan < buf->len) {
      char *nl = memchr(buf->data + scan, '\n', buf->len - scan);
      if (nl == NULL)
        break;
      size_t end = (size_t)(nl - buf->data);
      uint64_t rec_off = buf_off + scan;
      if (rec_off >= limit && !skipping)
        return ARCOS_OK; /* the next partition's record */
      if (buf_off + end < limit)
        st->newlines++;
      if (skipping) {
        skipping = false;
      } else if (!is_blank(buf->data + scan, end - scan, rec_off)) {
        arcos_raw_t r = {buf->data + scan, end - scan, line, rec_off, NULL};
        st->records++;
        int rc = fn(arg, &r);
        if (rc != 0)
          return rc;
      }
      line++;
      scan = end + 1;
      if (buf_off + scan >= limit && limit != UINT64_MAX)
        return ARCOS_OK;
    }
    if (eof)
      break;
    /* Move the partial line to the front and read more. */
    if (scan > 0) {
      memmove(buf->data, buf->data + scan, buf->len - scan);
      buf->len -= scan;
      buf_off += scan;
      scan = 0;
    }
    if (arcos_buf_reserve(buf, CHUNK) != ARCOS_OK)
      return ARCOS_ENOMEM;
    if (st->max_line > 0 && buf->len > st->max_line) {
      /* A line too long to hold: read it through, report it with its first bytes. */
      char prefix[ARCOS_LONG_LINE_PREFIX];
      size_t plen = 0;
      uint64_t len = 0, rec_off = buf_off;
      bool nl = false;
      const char *msg = NULL;
      if (!skipping && rec_off >= limit)
        return ARCOS_OK; /* the next partition's record */
      if (read_through_line(src, buf, prefix, &plen, &len, &nl, &eof, &msg, st) != 0) {
        arcos_raw_t r = {prefix, plen, line, rec_off, NULL};
        st->records++;
        return onerror(arg, &r, ARCOS_EIO, msg != NULL ? msg : "read failed");
      }
      if (nl && rec_off + len < limit)
        st->newlines++;
      if (skipping) {
        skipping = false;
      } else {
        char text[256];
        snprintf(text, sizeof text,
                 "record is %llu bytes, over max_record_bytes and over %llu bytes, the most "
                 "a line is held in memory: only its first %zu bytes are kept; split the "
                 "record",
                 (unsigned long long)len, (unsigned long long)st->max_line, plen);
        arcos_raw_t r = {prefix, plen, line, rec_off, NULL};
        st->records++;
        int rc = onerror(arg, &r, ARCOS_EINVALID, text);
        if (rc != 0)
          return rc;
      }
      line++;
      buf_off = rec_off + len + (nl ? 1 : 0);
      if (buf_off >= limit && limit != UINT64_MAX)
        return ARCOS_OK;
      continue;
    }
    const char *msg = NULL;
    double t0 = arcos_now();
    ssize_t got = source_read(src, buf->data + buf->len, CHUNK, &msg);
    st->io_s += arcos_now() - t0;
    if (got < 0) {
      /* What was read of the current line, with the failure, becomes one error record. */
      arcos_raw_t r = {buf->data, buf->len, line, buf_off, NULL};
      st->records++;
      return onerror(arg, &r, ARCOS_EIO, msg != NULL ? msg : "read failed");
    }
    buf->len += (size_t)got;
    if (got == 0)
      eof = true;
  }
  /* A last line without a final newline. */
  if (buf->len > scan && !skipping && buf_off + scan < limit &&
      !is_blank(buf->data + scan, buf->len - scan, buf_off + scan)) {
    arcos_raw_t r = {buf->data + scan, buf->len - scan, line, buf_off + scan, NULL};
    st->records++;
    return fn(arg, &r);
  }
  return ARCOS_OK;
}

/* The plan cut every input by the size it had at the start. A file that is gone, no
 * longer readable, or of another size since then (deleted, truncated, replaced, still
 * being written) cannot be read as planned: ARCOS_ECHANGED stops the run (exit 1, the
 * finished partitions kept for --resume) instead of silently reading other records.
 * fd < 0: check the path (open failed with errno); else the open file. */
static bool input_changed(const arcos_input_t *in, int fd) {
  if (fd < 0)
    return errno == ENOENT || errno == EACCES || errno == EPERM;
  struct stat sb;
  return fstat(fd, &sb) == 0 && (uint64_t)sb.st_size != in->size;
}

static bool path_changed(const arcos_input_t *in) {
  struct stat sb;
  if (stat(in->path, &sb) != 0)
    return true;
  return (uint64_t)sb.st_size != in->size;
}

static int read_jsonl_range(const arcos_input_t *in, const arcos_partition_t *part,
                            arcos_buf_t *buf, arcos_record_fn fn, arcos_reader_error_fn onerror,
                            void *arg, arcos_read_stats_t *st) {
  source_t src = {.fd = open(in->path, O_RDONLY), .gz = NULL, .pos = part->start};
  if (input_changed(in, src.fd)) {
    if (src.fd >= 0)
      close(src.fd);
    return ARCOS_ECHANGED;
  }
  if (src.fd < 0) {
    arcos_raw_t r = {"", 0, 0, part->start, NULL};
    st->records++;
    return onerror(arg, &r, ARCOS_EIO, strerror(errno));
  }
  bool skip_first = false;
  if (part->start > 0) {
    char prev = 0;
    if (pread(src.fd, &prev, 1, (off_t)(part->start - 1)) == 1 && prev != '\n')
      skip_first = true;
  }
  int rc = ARCOS_OK;
  if (part->start < part->end)
    rc = split_lines(&src, part->start, part->end, skip_first, 0, buf, fn, onerror, arg, st);
  if (rc == ARCOS_OK && input_changed(in, src.fd)) /* truncated or grown while read */
    rc = ARCOS_ECHANGED;
  close(src.fd);
  return rc;
}

static int read_jsonl_gz(const arcos_input_t *in, arcos_buf_t *buf, arcos_record_fn fn,
                         arcos_reader_error_fn onerror, void *arg, arcos_read_stats_t *st) {
  source_t src = {.fd = open(in->path, O_RDONLY), .gz = NULL, .pos = 0};
  if (input_changed(in, src.fd)) {
    if (src.fd >= 0)
      close(src.fd);
    return ARCOS_ECHANGED;
  }
  if (src.fd < 0) {
    arcos_raw_t r = {"", 0, 1, 0, NULL};
    st->records++;
    return onerror(arg, &r, ARCOS_EIO, strerror(errno));
  }
  int rc = ARCOS_OK;
  unsigned char magic[2] = {0, 0};
  if (pread(src.fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    gz_state_t *g = calloc(1, sizeof *g);
    unsigned char *zin = malloc(ZIN_SIZE);
    if (g == NULL || zin == NULL || inflateInit2(&g->zs, 15 + 16) != Z_OK) {
      free(g);
      free(zin);
      close(src.fd);
      return ARCOS_ENOMEM;
    }
    g->in = zin;
    g->zs.next_in = zin;
    src.gz = g;
    rc = split_lines(&src, 0, UINT64_MAX, false, 1, buf, fn, onerror, arg, st);
    inflateEnd(&g->zs);
    free(zin);
    free(g);
  } else {
    /* Not gzip data (as gzread's transparent mode): read the file as it is. */
    rc = split_lines(&src, 0, UINT64_MAX, false, 1, buf, fn, onerror, arg, st);
  }
  if (rc == ARCOS_OK && input_changed(in, src.fd)) /* truncated or replaced while read */
    rc = ARCOS_ECHANGED;
  close(src.fd);
  return rc;
}

/* ---- JSON documents: an array of records, or {"evidence_items": [...]} ---- */

size_t arcos_json_skip_ws(const char *s, size_t i, size_t n) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    i++;
  return i;
}

size_t arcos_json_value_end(const char *s, size_t i, size_t n, bool *cut) {
  *cut = false;
  int depth = 0;
  bool in_str = false;
  for (; i < n; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\')
        i++;
      else if (c == '"') {
        in_str = false;
        if (depth == 0)
          return i + 1;
      }
      continue;
    }
    if (c == '"')
      in_str = true;
    else if (c == '[' || c == '{')
      depth++;
    else if (c == ']' || c == '}') {
      if (depth == 0)
        return i; /* closes the enclosing container */
      if (--depth == 0)
        return i + 1;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'))
      return i;
  }
  *cut = true;
  return n;
}

/* After the records array has closed (i just past its ']'): only whitespace may
 * follow, or, inside the seed's object, further members and the closing '}'.
 * Returns where the document stops being well-formed, or SIZE_MAX when it ends
 * properly. Member values are delimited, not validated. */
static size_t doc_tail(const char *s, size_t i, size_t n, bool in_object) {
  bool cut = false;
  i = arcos_json_skip_ws(s, i, n);
  if (in_object) {
    while (i < n && s[i] == ',') {
      size_t k = arcos_json_skip_ws(s, i + 1, n);
      size_t e = k < n && s[k] == '"' ? arcos_json_value_end(s, k, n, &cut) : k;
      if (e == k || cut)
        return i;
      k = arcos_json_skip_ws(s, e, n);
      if (k >= n || s[k] != ':')
        return i;
      k = arcos_json_skip_ws(s, k + 1, n);
      e = arcos_json_value_end(s, k, n, &cut);
      if (e == k || cut)
        return i;
      i = arcos_json_skip_ws(s, e, n);
    }
    if (i >= n || s[i] != '}')
      return i;
    i = arcos_json_skip_ws(s, i + 1, n);
  }
  return i < n ? i : SIZE_MAX;
}

static int read_json_doc(const arcos_input_t *in, arcos_buf_t *buf, arcos_record_fn fn,
                         arcos_reader_error_fn onerror, void *arg, arcos_read_stats_t *st) {
  arcos_buf_reset(buf);
  double t0 = arcos_now();
  if (path_changed(in))
    return ARCOS_ECHANGED;
  int rc = arcos_read_file(in->path, buf);
  st->io_s += arcos_now() - t0;
  if (rc == ARCOS_OK && buf->len != in->size)
    return ARCOS_ECHANGED;
  if (rc != ARCOS_OK) {
    arcos_raw_t r = {"", 0, 1, 0, NULL};
    st->records++;
    return onerror(arg, &r, ARCOS_EIO, "cannot read file");
  }
  const char *s = buf->data;
  size_t n = buf->len;
  size_t i = arcos_json_skip_ws(s, 0, n);
  if (n - i >= 3 && memcmp(s + i, "\xEF\xBB\xBF", 3) == 0)
    i = arcos_json_skip_ws(s, i + 3, n);
  if (i >= n)
    return ARCOS_OK; /* an empty document holds no records */
  bool in_object = s[i] == '{';
  if (in_object) {
    /* The seed's workload object: find the top-level "evidence_items" array. */
    size_t j = arcos_json_skip_ws(s, i + 1, n);
    bool found = false, cut = false;
    while (j < n && s[j] == '"') {
      size_t kend = arcos_json_value_end(s, j, n, &cut);
      bool is_items = kend - j == 16 && memcmp(s + j, "\"evidence_items\"", 16) == 0;
      j = arcos_json_skip_ws(s, kend, n);
      if (j >= n || s[j] != ':')
        break;
      j = arcos_json_skip_ws(s, j + 1, n);
      if (is_items) {
        found = j < n && s[j] == '[';
        i = j;
        break;
      }
      j = arcos_json_skip_ws(s, arcos_json_value_end(s, j, n, &cut), n);
      if (j < n && s[j] == ',')
        j = arcos_json_skip_ws(s, j + 1, n);
    }
    if (!found) {
      arcos_raw_t r = {s, n, 1, 0, NULL};
      st->records++;
      return onerror(arg, &r, ARCOS_EPARSE,
                     "a .json input must be an array of records or an object with an "
                     "\"evidence_items\" array");
    }
  }
  if (s[i] != '[') {
    arcos_raw_t r = {s, n, 1, 0, NULL};
    st->records++;
    return onerror(arg, &r, ARCOS_EPARSE, "a .json input must hold a JSON array of records");
  }
  /* Elements one by one; where the structure breaks, the rest of the document is one
   * parse error record (the broken part) and the records before it stand. */
  uint64_t element = 1;
  const char *broken = NULL;
  i = arcos_json_skip_ws(s, i + 1, n);
  bool closed = i < n && s[i] == ']';
  if (closed)
    i++;
  while (!closed && broken == NULL) {
    bool cut = false;
    size_t e = arcos_json_value_end(s, i, n, &cut);
    if (cut) {
      broken = "the JSON array is not closed (file truncated?)";
    } else if (e == i) {
      broken = "expected an array element (an empty element or a ',' before ']')";
    } else {
      arcos_raw_t r = {s + i, e - i, element++, i, NULL};
      st->records++;
      rc = fn(arg, &r);
      if (rc != 0)
        return rc;
      i = arcos_json_skip_ws(s, e, n);
      if (i < n && s[i] == ',') {
        i = arcos_json_skip_ws(s, i + 1, n);
      } else if (i < n && s[i] == ']') {
        closed = true;
        i++;
      } else {
        broken = i < n ? "expected ',' or ']' between array elements"
                       : "the JSON array is not closed (file truncated?)";
      }
    }
  }
  if (broken == NULL) {
    size_t t = doc_tail(s, i, n, in_object);
    if (t == SIZE_MAX)
      return ARCOS_OK;
    i = t;
    broken = in_object ? "the evidence_items object does not end properly after its array "
                         "(file truncated, or text after the object?)"
                       : "unexpected text after the closing ']' of the array";
  }
  arcos_raw_t g = {s + i, n - i, element, i, NULL};
  st->records++;
  return onerror(arg, &g, ARCOS_EPARSE, broken);
}

int arcos_read_buffer(const char *text, size_t len, uint64_t first_line, uint64_t base_offset,
                      arcos_buf_t *scratch, arcos_record_fn fn, arcos_reader_error_fn onerror,
                      void *arg, arcos_read_stats_t *stats) {
  /* The source reads the batch from its start; records are labelled from base_offset. */
  source_t src = {.fd = -1, .gz = NULL, .pos = 0, .mem = text, .mem_len = len};
  if (len == 0)
    return ARCOS_OK;
  arcos_read_stats_t st = {0};
  int rc = split_lines(&src, base_offset, UINT64_MAX, false, first_line, scratch, fn, onerror, arg,
                       &st);
  stats->records += st.records;
  stats->newlines += st.newlines;
  return rc;
}

int arcos_read_partition(const arcos_plan_t *plan, const arcos_partition_t *part,
                         arcos_buf_t *scratch, arcos_record_fn fn, arcos_reader_error_fn onerror,
                         void *arg, arcos_read_stats_t *stats) {
  const arcos_input_t *in = &plan->inputs[part->input];
  switch (in->format) {
  case ARCOS_FMT_JSONL:
    return read_jsonl_range(in, part, scratch, fn, onerror, arg, stats);
  case ARCOS_FMT_JSONL_GZ:
    return read_jsonl_gz(in, scratch, fn, onerror, arg, stats);
  case ARCOS_FMT_JSON:
    return read_json_doc(in, scratch, fn, onerror, arg, stats);
  case ARCOS_FMT_H5:
    return arcos_archive_read_rows(in->path, part->start, part->end, fn, onerror, arg, stats);
  default:
    return ARCOS_EINTERNAL;
  }
}
