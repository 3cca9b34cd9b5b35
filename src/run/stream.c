/* Streaming mode (`arcos-scale run -`, SPEC §5). Rank 0 reads JSON Lines from standard
 * input and deals batches to the worker ranks 1..size-1 under credit-based flow
 * control: each worker holds at most max_in_flight batches; a worker returns a credit
 * (with its batch time, which drives adaptive batch sizing) when it finishes one.
 * When no worker has a credit:
 *   throttle - rank 0 stops reading and processes the batch itself, so the producer
 *              blocks on the pipe meanwhile; that time is measured as throttle_s;
 *   drop     - the batch just read is dropped; its ids go to dropped.jsonl and are
 *              counted in `dropped`.
 * With one rank, rank 0 reads and processes each batch in turn.
 * Every dealt batch becomes a partition of the plan, numbered in stream order, so
 * exactly-once and every output keep stream order whatever the rank count; the plan
 * is broadcast when the stream ends and the job continues as for files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "run/pipeline.h"
#include "run/records.h"
#include "run/stream.h"

enum { TAG_BATCH = 11, TAG_DONE = 12, TAG_STOP = 13 };

/* batch message: header then the text */
typedef struct {
  uint64_t part, first_line, offset, len;
} batch_hdr_t;

/* credit message from a worker */
typedef struct {
  uint64_t part, records;
  double ms;
} done_msg_t;

/* The stream's state: what it works with, and what it leaves behind. */
typedef struct {
  const arcos_pipeline_env_t *env; /* borrowed: plan, records, metrics, batch figures */
  const arcos_ctx_t *ctx;          /* env->ctx */
  const arcos_config_t *cfg;       /* env->cfg */
  arcos_stream_figures_t *fig;     /* the caller's */
} stream_t;

typedef struct {
  char *buf;
  size_t cap;
  MPI_Request req;
  int busy;
  uint64_t part;
} slot_t;

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
      return false;
  return true;
}

static int add_part(arcos_plan_t *plan, size_t *cap, uint64_t start, uint64_t end, int rank) {
  if (plan->nparts == *cap) {
    size_t c = *cap ? *cap * 2 : 256;
    arcos_partition_t *g = realloc(plan->parts, c * sizeof *g);
    if (g == NULL)
      return ARCOS_ENOMEM;
    plan->parts = g;
    *cap = c;
  }
  plan->parts[plan->nparts++] = (arcos_partition_t){0, start, end, end - start, rank};
  return ARCOS_OK;
}

/* Rank 0, drop mode: list the ids of a dropped batch (id null when unreadable). */
static void note_dropped(stream_t *s, const char *text, size_t len, uint64_t first_line) {
  uint64_t line = first_line;
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
    if (!blank(p, n)) {
      json_error_t e;
      json_t *v = json_loadb(p, n, JSON_ALLOW_NUL, &e);
      json_t *id = json_object_get(v, "id");
      arcos_buf_t *b = &s->fig->dropped_lines;
      arcos_buf_append(b, "{\"id\":", 6);
      if (json_is_string(id))
        arcos_jsonw_str(b, json_string_value(id), json_string_length(id));
      else if (json_is_integer(id))
        arcos_buf_printf(b, "\"%lld\"", (long long)json_integer_value(id));
      else
        arcos_buf_append(b, "null", 4);
      arcos_jsonw_key(b, false, "input");
      arcos_jsonw_str(b, s->cfg->inputs[0], strlen(s->cfg->inputs[0]));
      arcos_buf_printf(b, ",\"line\":%llu}\n", (unsigned long long)line);
      json_decref(v);
      s->fig->dropped++;
    }
    line++;
    p += n + 1;
  }
  s->fig->dropped_batches++;
}

static int64_t adapt(const stream_t *s, int64_t size, const done_msg_t *d) {
  if (s->cfg->fixed_batch || d->records == 0 || d->ms <= 0)
    return size;
  double want = s->cfg->target_batch_ms / (d->ms / (double)d->records);
  double next = 0.5 * (double)size + 0.5 * want;
  if (next < (double)s->cfg->batch_min)
    next = (double)s->cfg->batch_min;
  if (next > (double)s->cfg->batch_max)
    next = (double)s->cfg->batch_max;
  return (int64_t)next;
}

static void note_size(stream_t *s, int64_t bsize) {
  if (bsize < s->env->st->batch_min_seen)
    s->env->st->batch_min_seen = bsize;
  if (bsize > s->env->st->batch_max_seen)
    s->env->st->batch_max_seen = bsize;
  s->env->st->batch_final = bsize;
}

/* Collect the credits workers have returned, without waiting; each finished batch
 * frees its send slot and moves the batch size (adaptive). Returns the batch size. */
static int64_t collect_credits(stream_t *s, int workers, slot_t *slots, size_t nslots,
                               int64_t *credit, int64_t bsize) {
  MPI_Comm comm = s->ctx->comm;
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (workers > 0)
      MPI_Iprobe(MPI_ANY_SOURCE, TAG_DONE, comm, &flag, &st);
    if (!flag)
      return bsize;
    done_msg_t d;
    MPI_Recv(&d, (int)sizeof d, MPI_BYTE, st.MPI_SOURCE, TAG_DONE, comm, &st);
    credit[st.MPI_SOURCE]++;
    for (size_t k = 0; k < nslots; k++) {
      if (slots[k].busy && slots[k].part == d.part) {
        MPI_Wait(&slots[k].req, MPI_STATUS_IGNORE);
        slots[k].busy = 0;
      }
    }
    bsize = adapt(s, bsize, &d);
  }
}

/* How many ranks besides rank 0 take batches. */
static int worker_ranks(const stream_t *s) {
  int workers = s->ctx->size - 1;
  int64_t cap = s->cfg->max_workers;
  if (cap > 0 && cap - 1 < workers)
    workers = (int)cap - 1;
  return workers;
}

/* Rank 0's dealing: the workers' send slots and credits, and the batch being read. */
typedef struct {
  stream_t *s;
  int workers, next_worker;
  int64_t inflight, bsize;
  slot_t *slots; /* workers x inflight */
  size_t nslots, parts_cap;
  int64_t *credit; /* per rank */
  arcos_buf_t batch;
  char *line;
  size_t line_cap;
  uint64_t lineno, offset;    /* read so far */
  uint64_t first_line, start; /* of the batch */
  bool eof;
} dealer_t;

static void dealer_init(dealer_t *d, stream_t *s) {
  memset(d, 0, sizeof *d);
  d->s = s;
  /* ARCOS_MAX_WORKERS (SPEC §9) caps how many ranks take partitions: rank 0, which
   * takes a batch itself only when every worker is busy, counts as one of them. */
  d->workers = worker_ranks(s);
  d->next_worker = 1;
  d->inflight = s->cfg->max_in_flight;
  d->bsize = s->cfg->batch_size;
  d->nslots = (size_t)(d->workers > 0 ? d->workers : 0) * (size_t)d->inflight;
  d->slots = calloc(d->nslots + 1, sizeof *d->slots);
  d->credit = calloc((size_t)s->ctx->size, sizeof *d->credit);
  if (d->slots == NULL || d->credit == NULL)
    ARCOS_ABORT_OOM(s->ctx->comm);
  for (int r = 1; r < s->ctx->size; r++)
    d->credit[r] = d->inflight;
  s->env->st->batch_min_seen = s->env->st->batch_max_seen = s->env->st->batch_final = d->bsize;
}

/* Read one batch: bsize non-blank lines (or the rest of the stream). */
static void read_batch(dealer_t *d, FILE *in) {
  arcos_buf_reset(&d->batch);
  d->first_line = d->lineno + 1;
  d->start = d->offset;
  uint64_t nrec = 0;
  double t0 = arcos_now();
  while (nrec < (uint64_t)d->bsize) {
    ssize_t n = getline(&d->line, &d->line_cap, in);
    if (n <= 0) {
      d->eof = true;
      break;
    }
    arcos_buf_append(&d->batch, d->line, (size_t)n);
    d->lineno++;
    d->offset += (uint64_t)n;
    if (!blank(d->line, (size_t)n))
      nrec++;
  }
  d->s->env->m->io_s += arcos_now() - t0;
}

/* A worker with a credit left, round robin; -1 when none. */
static int free_worker(const dealer_t *d) {
  for (int k = 0; k < d->workers; k++) {
    int r = 1 + (d->next_worker - 1 + k) % d->workers;
    if (d->credit[r] > 0)
      return r;
  }
  return -1;
}

/* Every worker is busy (or there are none): rank 0 processes the batch itself and
 * reads nothing meanwhile, so the producer blocks on the pipe (throttle). */
static int take_here(dealer_t *d, arcos_pipeline_t *self) {
  const arcos_pipeline_env_t *env = d->s->env;
  uint64_t recs = 0;
  size_t part = env->plan->nparts;
  double tb = arcos_now();
  int rc = add_part(env->plan, &d->parts_cap, d->start, d->offset, 0);
  if (rc == ARCOS_OK)
    rc = arcos_pipeline_buffer(self, part, d->batch.data, d->batch.len, d->first_line, d->start,
                               &recs);
  double ms = (arcos_now() - tb) * 1e3;
  if (d->workers > 0)
    d->s->fig->throttle_s += ms / 1e3;
  done_msg_t dm = {part, recs, ms};
  d->bsize = adapt(d->s, d->bsize, &dm);
  return rc;
}

/* Send the batch to worker w from one of its free slots (a credit means one is free). */
static int send_batch(dealer_t *d, int w) {
  const arcos_pipeline_env_t *env = d->s->env;
  MPI_Comm comm = d->s->ctx->comm;
  d->next_worker = 1 + w % d->workers;
  slot_t *sl = NULL;
  for (size_t k = (size_t)(w - 1) * (size_t)d->inflight;
       k < (size_t)w * (size_t)d->inflight && sl == NULL; k++)
    if (!d->slots[k].busy)
      sl = &d->slots[k];
  if (sl == NULL) /* cannot happen */
    return ARCOS_EINTERNAL;
  size_t need = sizeof(batch_hdr_t) + d->batch.len;
  if (sl->cap < need) {
    char *g = realloc(sl->buf, need);
    if (g == NULL)
      ARCOS_ABORT_OOM(comm);
    sl->buf = g;
    sl->cap = need;
  }
  size_t part = env->plan->nparts;
  int rc = add_part(env->plan, &d->parts_cap, d->start, d->offset, w);
  batch_hdr_t h = {part, d->first_line, d->start, d->batch.len};
  // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): grown above (need > 0)
  memcpy(sl->buf, &h, sizeof h);
  memcpy(sl->buf + sizeof h, d->batch.data, d->batch.len);
  double tc = arcos_now();
  MPI_Isend(sl->buf, (int)need, MPI_BYTE, w, TAG_BATCH, comm, &sl->req);
  env->m->comm_s += arcos_now() - tc;
  sl->busy = 1;
  sl->part = part;
  d->credit[w]--;
  return rc;
}

/* End of stream: wait for every outstanding batch, stop the workers, free the state. */
static void dealer_end(dealer_t *d) {
  MPI_Comm comm = d->s->ctx->comm;
  int size = d->s->ctx->size;
  double tw = arcos_now();
  for (int r = 1; r < size; r++) {
    while (d->credit[r] < d->inflight) {
      done_msg_t dm;
      MPI_Status st;
      MPI_Recv(&dm, (int)sizeof dm, MPI_BYTE, r, TAG_DONE, comm, &st);
      d->credit[r]++;
    }
  }
  for (size_t k = 0; k < d->nslots; k++)
    if (d->slots[k].busy)
      MPI_Wait(&d->slots[k].req, MPI_STATUS_IGNORE);
  for (int r = 1; r < size; r++)
    MPI_Send(NULL, 0, MPI_BYTE, r, TAG_STOP, comm);
  d->s->env->m->idle_s += arcos_now() - tw;
  for (size_t k = 0; k < d->nslots; k++)
    free(d->slots[k].buf);
  free(d->slots);
  free(d->credit);
  free(d->line);
  arcos_buf_free(&d->batch);
}

static int deal(stream_t *s, arcos_pipeline_t *self, FILE *in) {
  dealer_t d;
  dealer_init(&d, s);
  int rc = ARCOS_OK;
  while (!d.eof && rc == ARCOS_OK) {
    read_batch(&d, in);
    if (d.batch.len == 0)
      break;
    d.bsize = collect_credits(s, d.workers, d.slots, d.nslots, d.credit, d.bsize);
    int w = free_worker(&d);
    if (w < 0 && d.workers > 0 && s->cfg->backpressure == ARCOS_BACKPRESSURE_DROP)
      note_dropped(s, d.batch.data, d.batch.len, d.first_line); /* every rank is busy */
    else if (w < 0)
      rc = take_here(&d, self);
    else
      rc = send_batch(&d, w);
    note_size(s, d.bsize);
  }
  dealer_end(&d);
  return rc;
}

static int work(stream_t *s, arcos_pipeline_t *p) {
  MPI_Comm comm = s->ctx->comm;
  arcos_buf_t msg = {0};
  int rc = ARCOS_OK;
  for (;;) {
    MPI_Status st;
    double tw = arcos_now();
    MPI_Probe(0, MPI_ANY_TAG, comm, &st);
    s->env->m->idle_s += arcos_now() - tw;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    if (arcos_buf_reserve(&msg, (size_t)count) != ARCOS_OK)
      ARCOS_ABORT_OOM(comm);
    double tc = arcos_now();
    MPI_Recv(msg.data, count, MPI_BYTE, 0, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
    s->env->m->comm_s += arcos_now() - tc;
    if (st.MPI_TAG == TAG_STOP)
      break;
    batch_hdr_t h;
    memcpy(&h, msg.data, sizeof h);
    uint64_t recs = 0;
    double t0 = arcos_now();
    if (rc == ARCOS_OK)
      rc = arcos_pipeline_buffer(p, h.part, msg.data + sizeof h, h.len, h.first_line, h.offset,
                                 &recs);
    done_msg_t d = {h.part, recs, (arcos_now() - t0) * 1e3};
    MPI_Send(&d, (int)sizeof d, MPI_BYTE, 0, TAG_DONE, comm);
  }
  arcos_buf_free(&msg);
  return rc;
}

int arcos_stream_run(const arcos_pipeline_env_t *env, arcos_stream_figures_t *fig) {
  stream_t st = {env, env->ctx, env->cfg, fig}, *s = &st;
  arcos_plan_t *plan = s->env->plan;
  if (s->ctx->rank == 0) {
    plan->inputs = calloc(1, sizeof *plan->inputs);
    if (plan->inputs == NULL)
      ARCOS_ABORT_OOM(s->ctx->comm);
    plan->inputs[0].path = strdup(s->cfg->inputs[0]);
    plan->inputs[0].display = strdup(s->cfg->inputs[0]);
    plan->inputs[0].format = ARCOS_FMT_STDIN;
    plan->ninputs = 1;
    plan->workers = worker_ranks(s) > 0 ? worker_ranks(s) : 1;
  }
  arcos_pipeline_t *p = arcos_pipeline_create(env);
  if (p == NULL)
    ARCOS_ABORT_OOM(s->ctx->comm);
  const char *name = s->cfg->inputs[0];
  FILE *in = NULL;
  int open_ok = 1;
  if (s->ctx->rank == 0) {
    in = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    if (in == NULL) {
      fprintf(s->ctx->err, "arcos-scale: cannot open %s: %s\n", name, strerror(errno));
      open_ok = 0;
    }
  }
  MPI_Bcast(&open_ok, 1, MPI_INT, 0, s->ctx->comm);
  if (!open_ok) {
    arcos_pipeline_destroy(&p);
    return ARCOS_EIO;
  }
  int rc = s->ctx->rank == 0 ? deal(s, p, in) : work(s, p);
  if (in != NULL && in != stdin)
    fclose(in);
  arcos_pipeline_destroy(&p);
  if (s->ctx->rank == 0) {
    plan->inputs[0].size = plan->nparts ? plan->parts[plan->nparts - 1].end : 0;
    plan->total_bytes = plan->inputs[0].size;
  }
  /* The failure keeps its kind: every rank returns the same code (the lowest). */
  int agreed = rc;
  MPI_Allreduce(&rc, &agreed, 1, MPI_INT, MPI_MIN, s->ctx->comm);
  /* Everyone learns the batches (partitions) and who processed them. */
  int brc = arcos_plan_bcast(s->ctx->comm, ARCOS_OK, plan);
  uint64_t dropped = s->fig->dropped;
  MPI_Bcast(&dropped, 1, MPI_UINT64_T, 0, s->ctx->comm);
  s->fig->dropped = dropped;
  if (brc == ARCOS_OK)
    brc = arcos_records_parts_reserve(s->env->rec, plan->nparts + 1);
  return agreed != ARCOS_OK ? agreed : brc;
}

void arcos_stream_figures_free(arcos_stream_figures_t *fig) {
  arcos_buf_free(&fig->dropped_lines);
  memset(fig, 0, sizeof *fig);
}
