/* One big document dealt from the rank that reads it (bigdoc.h).
 *
 * The plan cuts a gzip or JSON document into slices by record offset (offsets in the
 * decompressed text for gzip), each a partition of its own, so global order, line
 * numbers and byte offsets are the reader's as always. Here, for each such document in
 * plan order, one rank (the plan's rank of its first slice) reads it once and collects
 * each slice's records and reader errors as entries (line, offset, text, and the error's
 * code and message). A finished slice goes, as one message, to a taking rank that has a
 * credit left (each holds at most --max-in-flight slices); when none has, the reader
 * takes the slice itself. Every rank takes a slice through arcos_pipeline_take with the
 * entries as the pipeline's source, so the error policy, the checkpoint (a slice is
 * started, committed and resumed as any partition) and --max-memory-mb apply unchanged.
 * Slices done before a --resume (and, under at-most-once, slices started before it) are
 * not dealt: the partition loop loads (or skips) them as usual.
 *
 * Memory: the reader holds the slice being filled and those in flight; a gzip document
 * is inflated as it is read, a JSON document is held whole (as its reader always did). */
#include <stdlib.h>
#include <string.h>

#include "run/bigdoc.h"
#include "run/checkpoint.h"
#include "run/progress.h"

enum { TAG_SLICE = 21, TAG_CREDIT = 22, TAG_END = 23 };
enum { STOP_READING = 1 }; /* a positive callback result: not an ARCOS_E* code */

typedef struct {
  uint64_t part, entries;
} slice_hdr_t;

typedef struct {
  uint64_t line, offset;
  uint64_t len, msg_len; /* msg_len counts the message's NUL; 0 for a record */
  int64_t code;
} entry_t;

/* A slice's entries after its header: the pipeline's source while it is taken. On the
 * reading rank, `progress` sees each entry's bytes: the slices it sent move on while it
 * takes one itself (a large message needs the sender's MPI calls). */
typedef struct {
  const char *data;
  size_t len;
  void (*progress)(void *, size_t);
  void *progress_arg;
} replay_t;

/* The reader calls MPI_Test on its sends in flight once per this many bytes of entries
 * it has read or replayed. Not per few records: Open MPI yields the processor
 * (mpi_yield_when_idle, cmd_run.c) on every progress call that moves nothing, and on
 * a loaded machine each yield costs the reader its time slice (50,000 records dealt
 * with a test every 8 records: 45,000 sched_yield calls and 24,000 context switches on
 * the reader). 64 KiB is two of the shared-memory transport's 32 KiB fragments. */
#define PROGRESS_BYTES ((size_t)64 << 10)

static int replay(void *src, const arcos_partition_t *part, arcos_buf_t *scratch,
                  arcos_record_fn fn, arcos_reader_error_fn onerror, void *arg,
                  arcos_read_stats_t *st) {
  (void)part, (void)scratch;
  const replay_t *r = src;
  size_t at = sizeof(slice_hdr_t);
  while (at + sizeof(entry_t) <= r->len) {
    entry_t e;
    memcpy(&e, r->data + at, sizeof e);
    at += sizeof e;
    arcos_raw_t raw = {r->data + at, (size_t)e.len, e.line, e.offset, NULL};
    const char *msg = r->data + at + e.len;
    at += e.len + e.msg_len;
    if (r->progress != NULL)
      r->progress(r->progress_arg, sizeof e + (size_t)e.len);
    st->records++;
    int rc = e.msg_len > 0 ? onerror(arg, &raw, (int)e.code, msg) : fn(arg, &raw);
    if (rc != 0)
      return rc;
  }
  return ARCOS_OK;
}

/* What the phase works with on every rank. */
typedef struct {
  const arcos_pipeline_env_t *env; /* the plan (whose ranks settling sets), ckpt, metrics */
  MPI_Comm comm;                   /* the phase's own communicator */
  arcos_pipeline_t *p;             /* takes the slices, the entries as its source */
  uint8_t *dealt;                  /* per partition: a slice dealt here */
  int32_t *owner;                  /* per partition: this rank when it took it, else -1 */
  bool interrupted;                /* this rank stopped early (deadline or signal) */
} phase_t;

/* Take one slice from its entries (the reader's own, or a message). */
static int take_slice(phase_t *ph, replay_t *r, bool *stop) {
  slice_hdr_t h;
  memcpy(&h, r->data, sizeof h);
  if (*stop || arcos_stop_requested(ph->env->deadline)) {
    ph->interrupted = true; /* the slice is not journaled: --resume redoes it */
    *stop = true;
    return ARCOS_OK;
  }
  arcos_pipeline_set_source(ph->p, replay, r);
  ph->owner[h.part] = ph->env->ctx->rank;
  int rc = arcos_pipeline_take(ph->p, (size_t)h.part, stop);
  arcos_pipeline_set_source(ph->p, NULL, NULL);
  if (*stop)
    ph->interrupted = true;
  return rc;
}

/* ---- The reading rank ---- */

typedef struct {
  arcos_buf_t buf;
  MPI_Request req;
  uint64_t part;
  int busy;
} slot_t;

typedef struct {
  phase_t *ph;
  const arcos_pipeline_env_t *env; /* ph->env */
  size_t cur, last;  /* the slice being filled, and the end of the document's slices */
  arcos_buf_t batch; /* its header and entries */
  uint64_t entries;
  int32_t *credit; /* per rank */
  slot_t *slots;   /* takers x max_in_flight send buffers */
  size_t nslots;
  int next;          /* round robin over the takers */
  double local_s;    /* seconds the reader spent taking slices itself */
  size_t since_push; /* bytes of entries since its sends were last pushed */
  bool stop;
  int rc;
} dealer_t;

static void start_slice(dealer_t *d, size_t part) {
  arcos_buf_reset(&d->batch);
  slice_hdr_t h = {part, 0};
  if (arcos_buf_append(&d->batch, &h, sizeof h) != 0)
    ARCOS_ABORT_OOM(d->env->ctx->comm);
  d->cur = part;
  d->entries = 0;
}

/* Credits returned so far (without waiting): each frees the slot its slice was in. */
static void collect_credits(dealer_t *d) {
  MPI_Comm comm = d->ph->comm;
  for (;;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_CREDIT, comm, &flag, &st);
    if (!flag)
      return;
    uint64_t part = 0;
    MPI_Recv(&part, 1, MPI_UINT64_T, st.MPI_SOURCE, TAG_CREDIT, comm, MPI_STATUS_IGNORE);
    d->credit[st.MPI_SOURCE]++;
    for (size_t k = 0; k < d->nslots; k++) {
      if (d->slots[k].busy && d->slots[k].part == part) {
        MPI_Wait(&d->slots[k].req, MPI_STATUS_IGNORE);
        d->slots[k].busy = 0;
      }
    }
  }
}

/* While the reader reads, or takes a slice itself: its sends in flight make progress,
 * once per PROGRESS_BYTES of entries, and only while one is in flight. */
static void push_sends(void *arg, size_t bytes) {
  dealer_t *d = arg;
  d->since_push += bytes;
  if (d->since_push < PROGRESS_BYTES)
    return;
  d->since_push = 0;
  for (size_t k = 0; k < d->nslots; k++) {
    if (d->slots[k].busy && d->slots[k].req != MPI_REQUEST_NULL) {
      int done = 0;
      MPI_Test(&d->slots[k].req, &done, MPI_STATUS_IGNORE);
    }
  }
}

/* A taking rank other than this one with a credit left, round robin; -1 when none. */
static int free_taker(dealer_t *d) {
  int workers = d->env->plan->workers, me = d->env->ctx->rank;
  for (int k = 0; k < workers; k++) {
    int r = (d->next + k) % workers;
    if (r != me && d->credit[r] > 0) {
      d->next = (r + 1) % workers;
      return r;
    }
  }
  return -1;
}

static void send_slice(dealer_t *d, int to) {
  slot_t *sl = NULL;
  for (size_t k = 0; k < d->nslots && sl == NULL; k++)
    if (!d->slots[k].busy)
      sl = &d->slots[k];
  if (sl == NULL) /* cannot happen: a credit means a free slot */
    ARCOS_ABORT_OOM(d->env->ctx->comm);
  arcos_buf_t t = sl->buf; /* the filled batch moves into the slot: no copy */
  sl->buf = d->batch;
  d->batch = t;
  sl->part = d->cur;
  sl->busy = 1;
  d->credit[to]--;
  double t0 = arcos_now();
  MPI_Isend(sl->buf.data, (int)sl->buf.len, MPI_BYTE, to, TAG_SLICE, d->ph->comm, &sl->req);
  d->env->m->comm_s += arcos_now() - t0;
}

/* The slice being filled is complete: deal it, or take it here when no rank has a
 * credit. Slices not to deal (done before a --resume) are dropped. */
static void finish_slice(dealer_t *d) {
  slice_hdr_t h = {d->cur, d->entries};
  memcpy(d->batch.data, &h, sizeof h);
  if (!d->ph->dealt[d->cur] || d->stop || d->rc != ARCOS_OK)
    return;
  collect_credits(d);
  int to = free_taker(d);
  if (to >= 0) {
    send_slice(d, to);
    return;
  }
  double t0 = arcos_now();
  replay_t r = {d->batch.data, d->batch.len, push_sends, d};
  d->rc = take_slice(d->ph, &r, &d->stop);
  d->local_s += arcos_now() - t0;
}

/* Move to the slice holding `offset`, finishing the ones before it. */
static int to_slice(dealer_t *d, uint64_t offset) {
  const arcos_partition_t *parts = d->env->plan->parts;
  while (d->cur + 1 < d->last && offset >= parts[d->cur + 1].start) {
    finish_slice(d);
    start_slice(d, d->cur + 1);
    if (arcos_stop_requested(d->env->deadline))
      d->stop = true; /* what is not dealt yet is redone on --resume */
  }
  return d->stop || d->rc != ARCOS_OK ? STOP_READING : ARCOS_OK;
}

static int add_entry(dealer_t *d, const arcos_raw_t *raw, int code, const char *msg) {
  int rc = to_slice(d, raw->offset);
  if (rc != ARCOS_OK)
    return rc;
  entry_t e = {raw->line, raw->offset, raw->len, msg != NULL ? strlen(msg) + 1 : 0, code};
  if (arcos_buf_append(&d->batch, &e, sizeof e) != 0 ||
      arcos_buf_append(&d->batch, raw->text, raw->len) != 0 ||
      (msg != NULL && arcos_buf_append(&d->batch, msg, (size_t)e.msg_len) != 0))
    return ARCOS_ENOMEM;
  d->entries++;
  push_sends(d, sizeof e + raw->len); /* the slices sent move on while this one fills */
  return ARCOS_OK;
}

static int on_record(void *arg, const arcos_raw_t *raw) { return add_entry(arg, raw, 0, NULL); }

static int on_error(void *arg, const arcos_raw_t *raw, int code, const char *message) {
  return add_entry(arg, raw, code, message);
}

static void dealer_init(dealer_t *d, phase_t *ph) {
  const arcos_pipeline_env_t *env = ph->env;
  memset(d, 0, sizeof *d);
  d->ph = ph;
  d->env = env;
  int workers = env->plan->workers;
  int64_t inflight = env->cfg->max_in_flight;
  d->credit = calloc((size_t)env->ctx->size, sizeof *d->credit);
  d->nslots = (size_t)workers * (size_t)inflight;
  d->slots = calloc(d->nslots + 1, sizeof *d->slots);
  if (d->credit == NULL || d->slots == NULL)
    ARCOS_ABORT_OOM(env->ctx->comm);
  for (int r = 0; r < workers; r++)
    d->credit[r] = r == env->ctx->rank ? 0 : (int32_t)inflight;
}

/* Every slice back, then the takers are told the document is done. */
static void dealer_end(dealer_t *d) {
  const arcos_pipeline_env_t *env = d->env;
  MPI_Comm comm = d->ph->comm;
  double t0 = arcos_now();
  for (int r = 0; r < env->plan->workers; r++) {
    while (r != env->ctx->rank && d->credit[r] < env->cfg->max_in_flight) {
      collect_credits(d);
      if (d->credit[r] < env->cfg->max_in_flight) {
        MPI_Status st;
        MPI_Probe(r, TAG_CREDIT, comm, &st); /* blocks until r returns one */
      }
    }
  }
  for (int r = 0; r < env->plan->workers; r++)
    if (r != env->ctx->rank)
      MPI_Send(NULL, 0, MPI_BYTE, r, TAG_END, comm);
  env->m->idle_s += arcos_now() - t0;
  for (size_t k = 0; k < d->nslots; k++)
    arcos_buf_free(&d->slots[k].buf);
  free(d->slots);
  free(d->credit);
  arcos_buf_free(&d->batch);
}

/* The reading rank of the document whose slices are [first, last). */
static int deal_document(phase_t *ph, size_t first, size_t last) {
  const arcos_pipeline_env_t *env = ph->env;
  dealer_t d;
  dealer_init(&d, ph);
  d.last = last;
  start_slice(&d, first);
  const arcos_partition_t *s = &env->plan->parts[first];
  const arcos_input_t *in = &env->plan->inputs[s->input];
  arcos_partition_t whole = {s->input, 0, in->size, 0, s->rank};
  arcos_read_stats_t st = {0};
  st.max_line = arcos_line_cap((uint64_t)env->cfg->max_record_bytes);
  arcos_buf_t scratch = {0};
  double t0 = arcos_now();
  int rc = arcos_read_partition(env->plan, &whole, &scratch, on_record, on_error, &d, &st);
  if (rc == STOP_READING)
    rc = ARCOS_OK;
  if (rc == ARCOS_OK) { /* the last slice, and any the document did not reach */
    to_slice(&d, UINT64_MAX);
    finish_slice(&d);
  }
  /* Reading and splitting the document, less the slices taken here: the reader's I/O. */
  env->m->io_s += arcos_now() - t0 - d.local_s;
  arcos_buf_free(&scratch);
  if (rc == ARCOS_ECHANGED)
    fprintf(env->ctx->err,
            "arcos-scale: rank %d: input %s changed while the job ran: its records cannot be "
            "read as planned; restore it and rerun with --resume, or rerun with --force\n",
            env->ctx->rank, in->display);
  dealer_end(&d);
  if (d.stop)
    ph->interrupted = true;
  return rc != ARCOS_OK ? rc : d.rc;
}

/* ---- The other taking ranks ---- */

static int take_dealt(phase_t *ph, int reader) {
  const arcos_pipeline_env_t *env = ph->env;
  MPI_Comm comm = ph->comm;
  arcos_buf_t msg = {0};
  int rc = ARCOS_OK;
  bool stop = false;
  for (;;) {
    MPI_Status st;
    double tw = arcos_now();
    MPI_Probe(reader, MPI_ANY_TAG, comm, &st);
    env->m->idle_s += arcos_now() - tw;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    if (arcos_buf_reserve(&msg, (size_t)count + 1) != ARCOS_OK)
      ARCOS_ABORT_OOM(comm);
    double tc = arcos_now();
    MPI_Recv(msg.data, count, MPI_BYTE, reader, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
    env->m->comm_s += arcos_now() - tc;
    if (st.MPI_TAG == TAG_END)
      break;
    slice_hdr_t h;
    memcpy(&h, msg.data, sizeof h);
    replay_t r = {msg.data, (size_t)count, NULL, NULL};
    if (rc == ARCOS_OK)
      rc = take_slice(ph, &r, &stop);
    MPI_Send(&h.part, 1, MPI_UINT64_T, reader, TAG_CREDIT, comm);
  }
  arcos_buf_free(&msg);
  return rc;
}

/* ---- The phase ---- */

/* Which slices are dealt: not done before a --resume (and, under at-most-once, not
 * started before it). Returns whether any is. */
static bool mark_dealt(phase_t *ph) {
  const arcos_pipeline_env_t *env = ph->env;
  bool any = false;
  bool amo = env->cfg->guarantee == ARCOS_GUARANTEE_AT_MOST_ONCE;
  for (size_t p = 0; p < env->plan->nparts; p++) {
    uint8_t state = arcos_ckpt_state(env->ckpt, p);
    bool deal = arcos_partition_is_slice(env->plan, &env->plan->parts[p]) && state != 2 &&
                !(state == 1 && amo);
    ph->dealt[p] = deal;
    any = any || deal;
  }
  return any;
}

/* The slices [first, *last) of the document starting at partition first. */
static bool document_at(const phase_t *ph, size_t first, size_t *last) {
  const arcos_plan_t *plan = ph->env->plan;
  size_t e = first;
  while (e < plan->nparts && plan->parts[e].input == plan->parts[first].input)
    e++;
  *last = e;
  bool dealt = false;
  for (size_t p = first; p < e; p++)
    dealt = dealt || ph->dealt[p];
  return dealt;
}

static int deal_all(phase_t *ph) {
  const arcos_pipeline_env_t *env = ph->env;
  ph->p = arcos_pipeline_create(env);
  if (ph->p == NULL)
    ARCOS_ABORT_OOM(env->ctx->comm); /* the others would wait for this rank's credits */
  int me = env->ctx->rank, rc = ARCOS_OK;
  size_t last = 0;
  for (size_t first = 0; first < env->plan->nparts; first = last) {
    if (!document_at(ph, first, &last))
      continue;
    int reader = env->plan->parts[first].rank;
    int drc = ARCOS_OK;
    if (me == reader)
      drc = deal_document(ph, first, last);
    else if (me < env->plan->workers)
      drc = take_dealt(ph, reader);
    if (rc == ARCOS_OK)
      rc = drc;
  }
  arcos_pipeline_destroy(&ph->p);
  return rc;
}

int arcos_bigdoc_run(const arcos_pipeline_env_t *env, uint8_t **dealt, bool *interrupted) {
  *dealt = NULL;
  *interrupted = false;
  size_t n = env->plan->nparts;
  if (env->plan->workers < 2 || env->ctx->size < 2 || n == 0)
    return ARCOS_OK;
  phase_t ph = {.env = env, .dealt = calloc(n + 1, 1), .owner = malloc(n * sizeof(int32_t) + 1)};
  if (ph.dealt == NULL || ph.owner == NULL)
    ARCOS_ABORT_OOM(env->ctx->comm);
  if (!mark_dealt(&ph)) {
    free(ph.owner);
    free(ph.dealt);
    return ARCOS_OK;
  }
  for (size_t p = 0; p < n; p++)
    ph.owner[p] = -1;
  /* A communicator of its own: no other module's message (progress lines go to rank 0
   * on the job's) can match the phase's probes. */
  MPI_Comm_dup(env->ctx->comm, &ph.comm);
  int rc = deal_all(&ph);
  MPI_Comm_free(&ph.comm);
  if (arcos_pipeline_settle_owners(env, ph.owner) != ARCOS_OK) /* every rank, whatever rc */
    ARCOS_ABORT_OOM(env->ctx->comm);
  free(ph.owner);
  *dealt = ph.dealt;
  *interrupted = ph.interrupted;
  return rc;
}
