/* Readers of JSON Lines: plain files by byte range, gzip files as a whole, and blocks
 * of standard input held in memory (streaming); their reader table entries.
 * See include/arcos/input.h and io/reader.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io/reader.h"

/* Bytes read at a time. The fuzz build (fuzz/CMakeLists.txt) sets a tiny value so
 * that short fuzz inputs cross chunk boundaries mid-line. */
#ifndef ARCOS_INPUT_CHUNK
#define ARCOS_INPUT_CHUNK ((size_t)4 << 20)
#endif
#define CHUNK ((size_t)ARCOS_INPUT_CHUNK)

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

/* A line of only spaces, tabs and CRs (once trimmed as a record). */
static bool is_blank(const char *s, size_t n, uint64_t offset) {
  arcos_record_trim(&s, &n, offset);
  for (size_t i = 0; i < n; i++)
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

static int read_jsonl_gz(const arcos_input_t *in, const arcos_partition_t *part, arcos_buf_t *buf,
                         arcos_record_fn fn, arcos_reader_error_fn onerror, void *arg,
                         arcos_read_stats_t *st) {
  (void)part; /* read whole: a slice is kept by arcos_read_partition's filter */
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

/* ---- Table entries ---- */

static bool detect_jsonl(const char *path, bool named) {
  return !named && (arcos_path_ends_with(path, ".jsonl") || arcos_path_ends_with(path, ".ndjson"));
}

static bool detect_jsonl_gz(const char *path, bool named) {
  if (named)
    return arcos_file_has_magic(path, "\x1f\x8b", 2);
  return arcos_path_ends_with(path, ".jsonl.gz") || arcos_path_ends_with(path, ".ndjson.gz");
}

/* Byte ranges of about cut->target_bytes. */
static uint64_t plan_jsonl(const arcos_input_t *in, const arcos_cut_t *cut,
                           arcos_partition_t *out) {
  uint64_t n = in->size > cut->target_bytes ? (in->size + cut->target_bytes - 1) / cut->target_bytes
                                            : 1;
  for (uint64_t k = 0; out != NULL && k < n; k++) {
    out[k].start = in->size * k / n;
    out[k].end = in->size * (k + 1) / n;
    out[k].weight = out[k].end - out[k].start + 1;
  }
  return n;
}

/* gzip inflates about 5x and cannot be split: weigh it by what it will produce. */
#define GZ_INFLATION 5

/* deflate's best case: 258-byte matches in 2 bits, about 1032:1. */
#define GZ_RATIO_MAX 1032

/* The decompressed size, estimated: the gzip trailer's ISIZE (the last member's size
 * modulo 2^32), unless that is implausible (below the compressed size: wrapped, or
 * several members; above what deflate can reach: a truncated file, whose last four
 * bytes are compressed data), then GZ_INFLATION times the file. Not gzip: the file's size. Only
 * the slice widths depend on it; every record lands in a slice whatever it says. */
static uint64_t gz_doc_bytes(const arcos_input_t *in) {
  unsigned char t[4];
  if (!arcos_file_has_magic(in->path, "\x1f\x8b", 2))
    return in->size;
  int fd = open(in->path, O_RDONLY);
  bool ok = fd >= 0 && in->size >= 18 && pread(fd, t, 4, (off_t)in->size - 4) == 4;
  if (fd >= 0)
    close(fd);
  uint64_t isize = ok ? (uint64_t)t[0] | (uint64_t)t[1] << 8 | (uint64_t)t[2] << 16 |
                            (uint64_t)t[3] << 24
                      : 0;
  bool plausible = isize >= in->size && isize / GZ_RATIO_MAX <= in->size;
  return plausible ? isize : in->size * GZ_INFLATION;
}

/* One partition, or slices of the decompressed text (offsets are decompressed ones)
 * when more than one rank takes partitions: the reading rank deals them. */
static uint64_t plan_jsonl_gz(const arcos_input_t *in, const arcos_cut_t *cut,
                              arcos_partition_t *out) {
  if (cut->workers <= 1) {
    arcos_plan_whole(in, cut, out);
    if (out != NULL)
      out->weight = in->size * GZ_INFLATION + 1;
    return 1;
  }
  uint64_t doc = gz_doc_bytes(in);
  uint64_t n = arcos_plan_slices(in, cut, doc, 1, out);
  if (n == 1 && out != NULL)
    out->weight = in->size * GZ_INFLATION + 1;
  return n;
}

static uint64_t cost_jsonl_gz(const arcos_input_t *in, const arcos_partition_t *part) {
  if (part->start == 0 && part->end == in->size) /* the whole file */
    return (part->end - part->start) * GZ_INFLATION / 2;
  return arcos_span_bytes(in, part) / 2;
}

/* Standard input is read by stream.c in batches (arcos_read_buffer), never planned. */
static int read_stdin(const arcos_input_t *in, const arcos_partition_t *part, arcos_buf_t *scratch,
                      arcos_record_fn fn, arcos_reader_error_fn onerror, void *arg,
                      arcos_read_stats_t *stats) {
  (void)in;
  (void)part;
  (void)scratch;
  (void)fn;
  (void)onerror;
  (void)arg;
  (void)stats;
  return ARCOS_EINTERNAL;
}

const arcos_reader_t arcos_reader_jsonl = {
    .name = "jsonl",
    .format = ARCOS_FMT_JSONL,
    .detect = detect_jsonl,
    .plan = plan_jsonl,
    .read = read_jsonl_range,
    .cost = arcos_cost_half,
    .span = arcos_span_bytes,
    .position = arcos_position_bytes,
    .byte_ranges = true,
};

const arcos_reader_t arcos_reader_jsonl_gz = {
    .name = "jsonl.gz",
    .format = ARCOS_FMT_JSONL_GZ,
    .detect = detect_jsonl_gz,
    .plan = plan_jsonl_gz,
    .read = read_jsonl_gz,
    .cost = cost_jsonl_gz,
    .span = arcos_span_bytes,
    .position = arcos_position_bytes,
    .slices = true,
};

const arcos_reader_t arcos_reader_stdin = {
    .name = "stdin",
    .format = ARCOS_FMT_STDIN,
    .plan = arcos_plan_whole,
    .read = read_stdin,
    .cost = arcos_cost_half,
    .span = arcos_span_bytes,
    .position = arcos_position_bytes,
};
