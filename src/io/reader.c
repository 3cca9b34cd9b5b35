/* What the reader table's entries share (io/reader.h), and the do-nothing reader. This
 * file references no entry, so every entry can use it without a call circle; the table
 * itself is in reader_table.c. */
#include "io/reader.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int arcos_input_list_push(arcos_input_list_t *l, const char *path, const char *display,
                          uint64_t size, int format) {
  if (arcos_array_grow(&l->v, &l->cap, l->n, sizeof *l->v, 16) != ARCOS_OK)
    return ARCOS_ENOMEM;
  arcos_input_t *in = &l->v[l->n];
  in->path = strdup(path);
  in->display = strdup(display);
  in->size = size;
  in->format = format;
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

void arcos_record_trim(const char **text, size_t *len, uint64_t offset) {
  if (offset == 0 && *len >= 3 && memcmp(*text, "\xEF\xBB\xBF", 3) == 0) {
    *text += 3; /* a UTF-8 byte order mark at the start of a file is tolerated */
    *len -= 3;
  }
  if (*len > 0 && (*text)[*len - 1] == '\r')
    (*len)--; /* the CR of a \r\n ending is not part of the record (max_record_bytes) */
}

bool arcos_path_ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool arcos_file_has_magic(const char *path, const void *magic, size_t n) {
  unsigned char m[16] = {0};
  if (n > sizeof m)
    return false;
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return false;
  ssize_t got = read(fd, m, n);
  close(fd);
  return got == (ssize_t)n && memcmp(m, magic, n) == 0;
}

uint64_t arcos_plan_whole(const arcos_input_t *in, const arcos_cut_t *cut, arcos_partition_t *out) {
  (void)cut;
  if (out != NULL) {
    out->start = 0;
    out->end = in->size;
    out->weight = in->size + 1;
  }
  return 1;
}

/* The automatic slice width: eight slices per worker, within [1, 8] MiB (and within the
 * bounded-memory cap), so that the reading rank always has a slice to deal. */
#define SLICE_MIN ((uint64_t)1 << 20)
#define SLICE_MAX ((uint64_t)8 << 20)
#define SLICES_PER_WORKER 8
#define SLICE_CAP ((uint64_t)256 << 20) /* a slice is one MPI message: an int count */
/* A document has at most this many slices, whatever --partition-bytes says: each is a
 * partition in the plan (broadcast, journaled, dealt as one message), and the size
 * estimate may be far off (a truncated gzip's "trailer" is any four bytes), so a width
 * of a few bytes must not turn a small file into millions of partitions. */
#define SLICES_PER_DOC_MAX 1024

uint64_t arcos_plan_slices(const arcos_input_t *in, const arcos_cut_t *cut, uint64_t doc_bytes,
                           uint64_t weight_per_byte, arcos_partition_t *out) {
  uint64_t w = cut->slice_bytes;
  if (w == 0 && cut->workers > 1) {
    w = doc_bytes / ((uint64_t)cut->workers * SLICES_PER_WORKER);
    w = w < SLICE_MIN ? SLICE_MIN : w > SLICE_MAX ? SLICE_MAX : w;
    if (cut->max_auto_bytes > 0 && w > cut->max_auto_bytes)
      w = cut->max_auto_bytes;
  }
  if (w > 0 && w < (doc_bytes + SLICES_PER_DOC_MAX - 1) / SLICES_PER_DOC_MAX)
    w = (doc_bytes + SLICES_PER_DOC_MAX - 1) / SLICES_PER_DOC_MAX;
  if (w > SLICE_CAP)
    w = SLICE_CAP; /* a document beyond 1024 x 256 MiB gets more slices */
  uint64_t n = cut->workers > 1 && w > 0 ? (doc_bytes + w - 1) / w : 1;
  if (n <= 1) {
    arcos_plan_whole(in, cut, out);
    if (out != NULL)
      out->weight = doc_bytes * weight_per_byte + 1;
    return 1;
  }
  if (w == in->size)
    w++; /* [0, w) must not look like the whole file (arcos_partition_is_slice) */
  for (uint64_t k = 0; out != NULL && k < n; k++) {
    out[k].start = k * w;
    out[k].end = k + 1 < n ? (k + 1) * w : UINT64_MAX;
    out[k].weight = w * weight_per_byte + 1;
  }
  return n;
}

uint64_t arcos_span_bytes(const arcos_input_t *in, const arcos_partition_t *part) {
  if (part->end == UINT64_MAX) /* the open-ended last slice of a document */
    return part->start < in->size ? in->size - part->start : 1;
  return part->end - part->start;
}

uint64_t arcos_position_bytes(const arcos_input_t *in, const arcos_partition_t *part, uint64_t seq,
                              uint64_t offset) {
  (void)in;
  (void)seq;
  return offset > part->start ? offset - part->start : 0;
}

uint64_t arcos_cost_half(const arcos_input_t *in, const arcos_partition_t *part) {
  return arcos_span_bytes(in, part) / 2;
}

bool arcos_input_path_changed(const arcos_input_t *in) {
  struct stat sb;
  if (stat(in->path, &sb) != 0)
    return true;
  return (uint64_t)sb.st_size != in->size;
}

/* ---- The do-nothing reader: for tests of the planner and the pipeline ---- */

static int null_read(const arcos_input_t *in, const arcos_partition_t *part, arcos_buf_t *scratch,
                     arcos_record_fn fn, arcos_reader_error_fn onerror, void *arg,
                     arcos_read_stats_t *stats) {
  (void)in;
  (void)part;
  (void)scratch;
  (void)fn;
  (void)onerror;
  (void)arg;
  (void)stats;
  return ARCOS_OK;
}

static uint64_t null_cost(const arcos_input_t *in, const arcos_partition_t *part) {
  (void)in;
  (void)part;
  return 0;
}

const arcos_reader_t arcos_reader_null = {
    .name = "null",
    .format = ARCOS_FMT_NULL,
    .detect = NULL,
    .expand = NULL,
    .plan = arcos_plan_whole,
    .read = null_read,
    .cost = null_cost,
    .span = arcos_span_bytes,
    .position = arcos_position_bytes,
};
