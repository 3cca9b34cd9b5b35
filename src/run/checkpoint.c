/* Checkpoint/restart (DESIGN.md "Commit protocol"). In the output directory,
 * .arcos-state/ holds:
 *   meta.json        the options that decide results (their fingerprint is checked on
 *                    --resume) and the resolved reference time;
 *   plan.bin         the partition table, so a resumed run cuts the inputs the same
 *                    way whatever its rank count (partitions are reassigned to ranks);
 *   seg-<P>.bin      partition P's records after the four compute stages (written to
 *                    a temporary name, fsync'ed, renamed);
 *   journal-<R>.log  rank R's journal: "start P" before and "done P" after a
 *                    partition's segment is in place, each line fsync'ed.
 * --resume trusts the journals: a partition with "done" is loaded from its segment,
 * everything else is processed again — except under at-most-once, where a partition
 * that was started but not done is not redone: its records are counted as skipped and
 * reported as a skipped range. The exactly-once decision and all outputs are made
 * after every partition is present, so a resumed run gives the uninterrupted result. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/outfile.h"
#include "run/checkpoint.h"
#include "run/records.h"

#define SEG_MAGIC "ARCSEG01"

struct arcos_ckpt {
  const arcos_ctx_t *ctx; /* comm, rank, err, and the output directory (cfg) */
  const char *seg_dir;    /* borrowed (scratch.c); NULL: segments in .arcos-state */
  int journal_fd;         /* this rank's journal */
  uint8_t *part_state;    /* per partition: 0 to do, 1 started, 2 done (the journals) */
  size_t nparts;
  arcos_buf_t seg; /* SEG_BUF bytes a segment is written through */
};

static void state_path(const arcos_ckpt_t *c, char *out, size_t n, const char *name) {
  snprintf(out, n, "%s/.arcos-state/%s", c->ctx->cfg->output, name);
}

/* A segment lives in this rank's --scratch directory when it has one (scratch.c),
 * else in the checkpoint directory. */
static void seg_path(const arcos_ckpt_t *c, char *out, size_t n, const char *name) {
  if (c->seg_dir != NULL)
    snprintf(out, n, "%s/%s", c->seg_dir, name);
  else
    state_path(c, out, n, name);
}

/* Temporary name, fsync, rename (arcos_out_write_atomic); errno says why on failure. */
static int write_file_sync(const char *path, const void *data, size_t len) {
  arcos_detail_t d;
  arcos_detail_clear(&d);
  if (arcos_out_write_atomic(path, data, len, true, &d) != ARCOS_OK) {
    errno = d.sys_errno;
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}

/* The options that decide the results; a resume must not change them. */
static json_t *result_options(const arcos_config_t *cfg) {
  json_t *all = arcos_config_to_json(cfg);
  static const char *const keys[] = {"inputs",           "guarantee",    "on_error", "max_retries",
                                     "max_record_bytes", "inject_fault", "from_dlq", "scoring"};
  json_t *o = json_object();
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    json_t *v = json_object_get(all, keys[i]);
    if (v != NULL)
      json_object_set(o, keys[i], v);
  }
  /* --previous: the earlier runs that seed the seen-set (SPEC §3); absent when none,
   * so a checkpoint written before the option existed still resumes */
  if (json_array_size(json_object_get(all, "previous")) > 0)
    json_object_set(o, "previous", json_object_get(all, "previous"));
  json_decref(all);
  return o;
}

/* One line per call. A full disk can cut a write short ("done 12" as "done 1"): the
 * reader trusts only lines that end in a newline, and a short write is reported. */
static int journal_append(const arcos_ckpt_t *c, const char *what, size_t part) {
  char line[64];
  int n = snprintf(line, sizeof line, "%s %zu\n", what, part);
  ssize_t w;
  do
    w = write(c->journal_fd, line, (size_t)n);
  while (w < 0 && errno == EINTR);
  if (w != n) {
    if (w >= 0)
      errno = ENOSPC;
    return ARCOS_EIO;
  }
  if (fsync(c->journal_fd) != 0)
    return ARCOS_EIO;
  return ARCOS_OK;
}

/* Parse one journal line ("start P" or "done P" and its newline); -1 if it is not one. */
static int journal_line(const char *s, size_t len, size_t *part) {
  int kind;
  if (len > 5 && memcmp(s, "done ", 5) == 0)
    kind = 2, s += 5, len -= 5;
  else if (len > 6 && memcmp(s, "start ", 6) == 0)
    kind = 1, s += 6, len -= 6;
  else
    return -1;
  size_t v = 0, i = 0;
  for (; i < len && s[i] >= '0' && s[i] <= '9' && i < 19; i++)
    v = v * 10 + (size_t)(s[i] - '0');
  if (i == 0 || i != len)
    return -1;
  *part = v;
  return kind;
}

/* Rank 0: read every journal in the state directory into states[] (2 done, 1 started). */
static void read_journals(const arcos_ckpt_t *c, uint8_t *states, size_t nparts) {
  char dir[4200];
  state_path(c, dir, sizeof dir, "");
  DIR *dp = opendir(dir);
  if (dp == NULL)
    return;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    if (strncmp(e->d_name, "journal-", 8) != 0)
      continue;
    char path[4600];
    snprintf(path, sizeof path, "%s%s", dir, e->d_name);
    arcos_buf_t b = {0};
    if (arcos_read_file(path, &b) != ARCOS_OK) {
      arcos_buf_free(&b);
      continue;
    }
    /* Only complete lines count: the tail after the last newline is a write that a
     * crash or a full disk cut short. */
    for (size_t at = 0; at < b.len;) {
      const char *nl = memchr(b.data + at, '\n', b.len - at);
      if (nl == NULL)
        break;
      size_t len = (size_t)(nl - (b.data + at)), part = 0;
      int kind = journal_line(b.data + at, len, &part);
      at += len + 1;
      if (kind < 0 || part >= nparts)
        continue;
      if (kind == 2)
        states[part] = 2;
      else if (states[part] == 0)
        states[part] = 1;
    }
    arcos_buf_free(&b);
  }
  closedir(dp);
}

/* The state directory must be a real directory of ours: a symbolic link planted in the
 * output directory (or a directory of another user) is never followed, read or emptied. */
static int state_dir_check(const char *output, FILE *err) {
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/.arcos-state", output);
  struct stat st;
  if (lstat(dir, &st) != 0)
    return errno == ENOENT ? ARCOS_OK : ARCOS_EIO;
  if (S_ISDIR(st.st_mode) && st.st_uid == geteuid())
    return ARCOS_OK;
  fprintf(err,
          "arcos-scale: %s is %s; it is not followed or used: remove it (or choose "
          "another --output) and rerun\n",
          dir,
          S_ISLNK(st.st_mode)   ? "a symbolic link"
          : S_ISDIR(st.st_mode) ? "a directory of another user"
                                : "not a directory");
  return ARCOS_EEXISTS;
}

/* meta.json goes first: it marks a resumable checkpoint, so a kill in the middle of the
 * removal leaves no half checkpoint that --resume would try to load (a completed run's
 * leftover is removed by arcos_ckpt_remove, see job.c). */
static void remove_state_dir(const char *output) {
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/.arcos-state/", output);
  struct stat st;
  dir[strlen(dir) - 1] = '\0'; /* no trailing slash: lstat would follow a link */
  if (lstat(dir, &st) != 0)
    return;
  if (!S_ISDIR(st.st_mode)) { /* a planted link: remove the link, never its target */
    unlink(dir);
    return;
  }
  size_t dl = strlen(dir); /* one shorter than before: room for the slash */
  dir[dl] = '/';
  dir[dl + 1] = '\0';
  char meta[4300];
  snprintf(meta, sizeof meta, "%smeta.json", dir);
  unlink(meta);
  DIR *dp = opendir(dir);
  if (dp == NULL)
    return;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char path[4600];
    snprintf(path, sizeof path, "%s%s", dir, e->d_name);
    unlink(path);
  }
  closedir(dp);
  rmdir(dir);
}

void arcos_ckpt_remove(const char *output) { remove_state_dir(output); }

/* Rank 0, a fresh run: the state directory with the plan and the meta data. */
static int create_state(const arcos_ckpt_t *c, const arcos_plan_t *plan, int64_t reference_time) {
  const arcos_ctx_t *ctx = c->ctx;
  int rc = ARCOS_OK;
  char dir[4200], path[4400];
  remove_state_dir(ctx->cfg->output); /* a fresh run (--force) starts from nothing */
  state_path(c, dir, sizeof dir, "");
  if (mkdir(dir, ARCOS_STATE_DIR_MODE) != 0 && errno != EEXIST)
    rc = ARCOS_EIO;
  else if (state_dir_check(ctx->cfg->output, ctx->err) != ARCOS_OK) {
    /* a link planted in the output directory is not followed */
    errno = ENOTDIR;
    rc = ARCOS_EIO;
  }
  arcos_buf_t b = {0};
  if (rc == ARCOS_OK && arcos_plan_serialize(plan, &b) == ARCOS_OK) {
    state_path(c, path, sizeof path, "plan.bin");
    rc = write_file_sync(path, b.data, b.len);
  }
  arcos_buf_free(&b);
  json_t *meta = json_object();
  json_object_set_new(meta, "version", json_integer(1));
  json_object_set_new(meta, "reference_time", json_integer(reference_time));
  json_object_set_new(meta, "options", result_options(ctx->cfg));
  char *text = json_dumps(meta, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(meta);
  /* Without meta.json there is nothing to --resume: a run whose segments are on
   * node-local scratch cannot be resumed (seg_dir is set on every rank alike). */
  if (rc == ARCOS_OK && text != NULL && c->seg_dir == NULL) {
    state_path(c, path, sizeof path, "meta.json");
    rc = write_file_sync(path, text, strlen(text));
  }
  free(text);
  if (rc != ARCOS_OK)
    fprintf(ctx->err, "arcos-scale: cannot write the checkpoint in %s: %s%s\n", dir,
            strerror(errno), errno == ENOSPC || errno == EDQUOT ? "; free space and rerun" : "");
  return rc;
}

/* This rank's journal, opened for appending; a torn last line is cut off. */
static int open_journal(arcos_ckpt_t *c) {
  char name[64], path[4400];
  snprintf(name, sizeof name, "journal-%d.log", c->ctx->rank);
  state_path(c, path, sizeof path, name);
  c->journal_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                       ARCOS_OUT_FILE_MODE);
  if (c->journal_fd >= 0) {
    /* A resumed journal may end in a line a crash or a full disk cut short ("done 1" of
     * "done 12"): cut it off. (Completing it with a newline would make it trusted.) */
    arcos_buf_t b = {0};
    if (arcos_read_file(path, &b) == ARCOS_OK && b.len > 0 && b.data[b.len - 1] != '\n') {
      size_t keep = b.len;
      while (keep > 0 && b.data[keep - 1] != '\n')
        keep--;
      if (ftruncate(c->journal_fd, (off_t)keep) != 0) {
        close(c->journal_fd);
        c->journal_fd = -1;
      }
    }
    arcos_buf_free(&b);
  }
  return c->journal_fd >= 0 ? ARCOS_OK : ARCOS_EIO;
}

int arcos_ckpt_setup(const arcos_ctx_t *ctx, const arcos_plan_t *plan, int64_t reference_time,
                     const char *seg_dir, bool resume_found, arcos_ckpt_t **out) {
  size_t np = plan->nparts;
  arcos_ckpt_t *c = calloc(1, sizeof *c);
  uint8_t *state = calloc(np + 1, 1);
  if (c == NULL || state == NULL)
    ARCOS_ABORT_OOM(ctx->comm);
  *c = (arcos_ckpt_t){
      .ctx = ctx, .seg_dir = seg_dir, .journal_fd = -1, .part_state = state, .nparts = np};
  *out = c;
  int rc = ARCOS_OK;
  if (ctx->rank == 0) {
    if (resume_found) /* arcos_ckpt_load_meta checked the directory */
      read_journals(c, c->part_state, np);
    else
      rc = create_state(c, plan, reference_time);
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, ctx->comm);
  if (rc != ARCOS_OK)
    return rc;
  MPI_Bcast(c->part_state, (int)np, MPI_UINT8_T, 0, ctx->comm);
  int ok = open_journal(c) == ARCOS_OK, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, ctx->comm);
  if (!all_ok) {
    if (ctx->rank == 0)
      fprintf(ctx->err, "arcos-scale: cannot open the journal in %s/.arcos-state\n",
              ctx->cfg->output);
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}

int arcos_ckpt_load_meta(const arcos_config_t *cfg, int64_t *reference_time, bool *found,
                         FILE *err) {
  char path[4400];
  snprintf(path, sizeof path, "%s/.arcos-state/meta.json", cfg->output);
  *found = false;
  if (state_dir_check(cfg->output, err) != ARCOS_OK)
    return ARCOS_EEXISTS;
  json_error_t e;
  json_t *meta = json_load_file(path, 0, &e);
  if (meta == NULL)
    return ARCOS_OK; /* nothing to resume */
  json_t *opts = result_options(cfg);
  int same = json_equal(opts, json_object_get(meta, "options"));
  json_decref(opts);
  int64_t ref = json_integer_value(json_object_get(meta, "reference_time"));
  json_decref(meta);
  if (!same) {
    fprintf(err,
            "arcos-scale: --resume: the inputs or result options differ from the "
            "interrupted run (see %s); rerun with the same options, or without --resume "
            "and with --force to start again\n",
            path);
    return ARCOS_EUSAGE;
  }
  if (cfg->reference_time_set && cfg->reference_time != ref) {
    fprintf(err,
            "arcos-scale: --resume: --reference-time differs from the interrupted "
            "run's (%lld)\n",
            (long long)ref);
    return ARCOS_EUSAGE;
  }
  *reference_time = ref;
  *found = true;
  return ARCOS_OK;
}

int arcos_ckpt_load_plan(const arcos_config_t *cfg, arcos_plan_t *plan) {
  char path[4400];
  snprintf(path, sizeof path, "%s/.arcos-state/plan.bin", cfg->output);
  arcos_buf_t b = {0};
  int rc = arcos_read_file(path, &b);
  if (rc == ARCOS_OK)
    rc = arcos_plan_deserialize(b.data, b.len, plan);
  arcos_buf_free(&b);
  return rc;
}

/* Say which file failed and why, once per rank (the caller stops the run). */
static int ckpt_fail(const arcos_ckpt_t *c, const char *name) {
  int e = errno;
  fprintf(c->ctx->err, "arcos-scale: rank %d: cannot write %s/.arcos-state/%s: %s\n", c->ctx->rank,
          c->ctx->cfg->output, name, strerror(e));
  errno = e;
  return ARCOS_EIO;
}

uint8_t arcos_ckpt_state(const arcos_ckpt_t *c, size_t part) {
  return c != NULL && part < c->nparts ? c->part_state[part] : 0;
}

const uint8_t *arcos_ckpt_states(const arcos_ckpt_t *c) { return c != NULL ? c->part_state : NULL; }

int arcos_ckpt_start(arcos_ckpt_t *c, size_t part) {
  if (c == NULL || c->journal_fd < 0)
    return ARCOS_OK;
  char name[64];
  snprintf(name, sizeof name, "journal-%d.log", c->ctx->rank);
  return journal_append(c, "start", part) == ARCOS_OK ? ARCOS_OK : ckpt_fail(c, name);
}

/* Segment layout: magic, header of u64 (part, items, fails, newlines, records), then
 * each item and fail as fixed fields followed by its strings. */
typedef struct {
  uint64_t line;
  int64_t timestamp;
  uint32_t seq, id_len, type_len, source_len;
  uint8_t timestamp_valid, comp[5], score, alerts, severity, pad[7];
} seg_item_t;

typedef struct {
  uint64_t line, offset;
  uint32_t seq, msg_len, raw_len;
  uint8_t kind, stage;
  uint16_t attempts;
  uint32_t has_raw;
} seg_fail_t;

/* The bytes of partition part's segment (what the writer below writes). */
static size_t seg_bytes(const arcos_records_t *r, size_t part) {
  size_t n = 8 + 5 * sizeof(uint64_t);
  for (size_t i = r->part_item_first[part]; i < r->nitems; i++) {
    const item_t *it = &r->items[i];
    n += sizeof(seg_item_t) + it->id_len + it->type_len + it->source_len;
  }
  for (size_t i = r->part_fail_first[part]; i < r->nfails; i++) {
    const fail_t *f = &r->fails[i];
    n += sizeof(seg_fail_t) + strlen(f->message) + (f->raw != NULL ? f->raw_len : 0);
  }
  return n;
}

/* A segment goes to its file through a buffer of SEG_BUF bytes (kept in the
 * checkpoint): a partition's segment is never whole in memory. */
enum { SEG_BUF = 1 << 20 };
typedef struct {
  arcos_out_atomic_t file;
  arcos_buf_t *b;
} seg_sink_t;

static void sink_flush(seg_sink_t *k) {
  arcos_out_atomic_write(&k->file, k->b->data, k->b->len, NULL);
  k->b->len = 0;
}

static void put(seg_sink_t *k, const void *src, size_t n) {
  if (k->b->len + n > SEG_BUF)
    sink_flush(k);
  if (n >= SEG_BUF) /* a long raw line: straight to the file */
    arcos_out_atomic_write(&k->file, src, n, NULL);
  else if (n > 0) {
    memcpy(k->b->data + k->b->len, src, n);
    k->b->len += n;
  }
}

static void seg_put_item(seg_sink_t *k, const item_t *it) {
  seg_item_t s;
  memset(&s, 0, sizeof s);
  s.line = it->line;
  s.timestamp = it->timestamp;
  s.seq = it->seq;
  s.id_len = it->id_len;
  s.type_len = it->type_len;
  s.source_len = it->source_len;
  s.timestamp_valid = it->timestamp_valid;
  memcpy(s.comp, it->comp, 5);
  s.score = it->score;
  s.alerts = it->alerts;
  s.severity = it->severity;
  put(k, &s, sizeof s);
  put(k, it->id, it->id_len);
  put(k, it->type, it->type_len);
  put(k, it->source, it->source_len);
}

static void seg_put_fail(seg_sink_t *k, const fail_t *f) {
  seg_fail_t s;
  memset(&s, 0, sizeof s);
  s.line = f->line;
  s.offset = f->offset;
  s.seq = f->seq;
  s.msg_len = (uint32_t)strlen(f->message);
  s.raw_len = f->raw_len;
  s.has_raw = f->raw != NULL;
  s.kind = f->kind;
  s.stage = f->stage;
  s.attempts = f->attempts;
  put(k, &s, sizeof s);
  put(k, f->message, s.msg_len);
  if (f->raw != NULL)
    put(k, f->raw, f->raw_len);
}

/* Partition part's segment to path: temporary file, fsync, rename (errno set on
 * failure: ARCOS_EIO; ARCOS_ENOMEM without the buffer). */
static int seg_write(arcos_ckpt_t *c, const arcos_records_t *r, size_t part, const char *path) {
  if (c->seg.data == NULL && arcos_buf_reserve(&c->seg, SEG_BUF) != ARCOS_OK)
    return ARCOS_ENOMEM;
  seg_sink_t k = {.b = &c->seg};
  c->seg.len = 0;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  arcos_out_atomic_open(&k.file, path, seg_bytes(r, part), &d);
  size_t i0 = r->part_item_first[part], f0 = r->part_fail_first[part];
  uint64_t hdr[5] = {part, r->nitems - i0, r->nfails - f0, r->newlines[part],
                     r->part_records[part]};
  put(&k, SEG_MAGIC, 8);
  put(&k, hdr, sizeof hdr);
  for (size_t i = i0; i < r->nitems; i++)
    seg_put_item(&k, &r->items[i]);
  for (size_t i = f0; i < r->nfails; i++)
    seg_put_fail(&k, &r->fails[i]);
  sink_flush(&k);
  if (arcos_out_atomic_close(&k.file, true, true, &d) == ARCOS_OK)
    return ARCOS_OK;
  errno = d.sys_errno;
  return ARCOS_EIO;
}

int arcos_ckpt_commit(arcos_ckpt_t *c, const arcos_records_t *r, size_t part) {
  if (c == NULL || c->journal_fd < 0)
    return ARCOS_OK;
  char name[64], path[4400];
  snprintf(name, sizeof name, "seg-%zu.bin", part);
  seg_path(c, path, sizeof path, name);
  int rc = seg_write(c, r, part, path);
  if (rc == ARCOS_EIO)
    return ckpt_fail(c, name);
  if (rc == ARCOS_OK && journal_append(c, "done", part) != ARCOS_OK) {
    snprintf(name, sizeof name, "journal-%d.log", c->ctx->rank);
    return ckpt_fail(c, name);
  }
  return rc;
}

int arcos_seg_open(const arcos_ckpt_t *ck, size_t part, arcos_buf_t *b, seg_cursor_t *c) {
  char name[64], path[4400];
  snprintf(name, sizeof name, "seg-%zu.bin", part);
  seg_path(ck, path, sizeof path, name);
  arcos_buf_reset(b);
  int rc = arcos_read_file(path, b);
  if (rc != ARCOS_OK || b->len < 8 + sizeof c->hdr || memcmp(b->data, SEG_MAGIC, 8) != 0)
    return ARCOS_EIO;
  memcpy(c->hdr, b->data + 8, sizeof c->hdr);
  c->p = b->data + 8 + sizeof c->hdr;
  c->end = b->data + b->len;
  c->items_left = c->hdr[1];
  c->fails_left = c->hdr[2];
  c->part = (uint32_t)part;
  return ARCOS_OK;
}

int arcos_seg_next_item(seg_cursor_t *c, item_t *it) {
  seg_item_t s;
  if (c->items_left == 0 || (size_t)(c->end - c->p) < sizeof s)
    return ARCOS_EIO;
  memcpy(&s, c->p, sizeof s);
  c->p += sizeof s;
  if ((size_t)(c->end - c->p) < (size_t)s.id_len + s.type_len + s.source_len)
    return ARCOS_EIO;
  memset(it, 0, sizeof *it);
  it->part = c->part;
  it->seq = s.seq;
  it->line = s.line;
  it->timestamp = s.timestamp;
  it->timestamp_valid = s.timestamp_valid;
  memcpy(it->comp, s.comp, 5);
  it->score = s.score;
  it->alerts = s.alerts;
  it->severity = s.severity;
  it->status = ITEM_STORED;
  it->id_len = s.id_len;
  it->type_len = s.type_len;
  it->source_len = s.source_len;
  it->id = c->p; /* borrowed from the segment buffer */
  c->p += s.id_len;
  it->type = c->p;
  c->p += s.type_len;
  it->source = c->p;
  c->p += s.source_len;
  c->items_left--;
  return ARCOS_OK;
}

int arcos_seg_next_fail(seg_cursor_t *c, fail_t *f) {
  seg_fail_t s;
  if (c->items_left != 0 || c->fails_left == 0 || (size_t)(c->end - c->p) < sizeof s)
    return ARCOS_EIO;
  memcpy(&s, c->p, sizeof s);
  c->p += sizeof s;
  if ((size_t)(c->end - c->p) < (size_t)s.msg_len + (s.has_raw ? s.raw_len : 0))
    return ARCOS_EIO;
  memset(f, 0, sizeof *f);
  f->part = c->part;
  f->seq = s.seq;
  f->line = s.line;
  f->offset = s.offset;
  f->kind = s.kind;
  f->stage = s.stage;
  f->attempts = s.attempts;
  f->message = c->p; /* borrowed; not NUL-terminated: message_len says how long */
  f->message_len = s.msg_len;
  c->p += s.msg_len;
  if (s.has_raw) {
    f->raw = c->p;
    f->raw_len = s.raw_len;
    c->p += s.raw_len;
  }
  c->fails_left--;
  return ARCOS_OK;
}

int arcos_ckpt_load(const arcos_ckpt_t *ck, arcos_records_t *r, size_t part) {
  arcos_buf_t b = {0};
  seg_cursor_t c;
  int rc = arcos_seg_open(ck, part, &b, &c);
  if (rc != ARCOS_OK) {
    arcos_buf_free(&b);
    return rc;
  }
  r->part_item_first[part] = r->nitems;
  r->part_fail_first[part] = r->nfails;
  r->newlines[part] = c.hdr[3];
  r->part_records[part] = c.hdr[4];
  while (rc == ARCOS_OK && c.items_left > 0) {
    item_t tmp;
    item_t *it = arcos_records_new_item(r);
    if (it == NULL) {
      rc = ARCOS_ENOMEM;
      break;
    }
    rc = arcos_seg_next_item(&c, &tmp);
    if (rc != ARCOS_OK)
      break;
    *it = tmp;
    it->id = arcos_arena_strndup(r->arena, tmp.id, tmp.id_len);
    it->type = arcos_records_intern(r, tmp.type, tmp.type_len);
    it->source = arcos_records_intern(r, tmp.source, tmp.source_len);
    if (it->id == NULL || it->type == NULL || it->source == NULL)
      rc = ARCOS_ENOMEM;
    else
      r->nitems++;
  }
  while (rc == ARCOS_OK && c.fails_left > 0) {
    fail_t tmp;
    fail_t *f = arcos_records_new_fail(r);
    if (f == NULL) {
      rc = ARCOS_ENOMEM;
      break;
    }
    rc = arcos_seg_next_fail(&c, &tmp);
    if (rc != ARCOS_OK)
      break;
    *f = tmp;
    f->message = arcos_arena_strndup(r->arena, tmp.message, tmp.message_len);
    if (tmp.raw != NULL)
      f->raw = arcos_arena_strndup(r->arena, tmp.raw, tmp.raw_len);
    if (f->message == NULL || (tmp.raw != NULL && f->raw == NULL))
      rc = ARCOS_ENOMEM;
    else
      r->nfails++;
  }
  arcos_buf_free(&b);
  if (rc != ARCOS_OK) {
    r->nitems = r->part_item_first[part];
    r->nfails = r->part_fail_first[part];
  }
  return rc;
}

void arcos_ckpt_close(arcos_ckpt_t **cp, const arcos_ctx_t *ctx, bool success) {
  arcos_ckpt_t *c = *cp;
  if (c != NULL) {
    if (c->journal_fd >= 0)
      close(c->journal_fd);
    free(c->part_state);
    arcos_buf_free(&c->seg);
    free(c);
    *cp = NULL;
  }
  if (success && ctx->rank == 0)
    remove_state_dir(ctx->cfg->output);
}
