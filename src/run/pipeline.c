/* The per-rank pipeline: run the four compute stages (ingestion, analysis, scoring,
 * alert generation) on every record; storage happens after the exactly-once decision
 * (store.c). Failures go to the error policy of SPEC §4 as fail_t entries:
 *   - parse and invalid records fail permanently at ingestion;
 *   - a stage failure (injected with --inject-fault) is transient or permanent;
 *     transient ones are retried with exponential backoff when --on-error retry and
 *     the guarantee allows retries (not at-most-once); only the failed stage runs
 *     again;
 *   - what still fails is dead-lettered (dlq, retry) or counted (skip).
 * Nothing is dropped silently. Batches: latency is measured per batch, and with
 * adaptive sizing the batch size moves toward --target-batch-ms. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dist/memo.h"
#include "run/checkpoint.h"
#include "run/deal.h"
#include "run/memo_defer.h"
#include "run/pipeline.h"
#include "run/progress.h"
#include "run/records.h"

struct arcos_pipeline {
  const arcos_pipeline_env_t *env; /* borrowed: what the pipeline works with */
  arcos_pipeline_stats_t *st;      /* env->st: error policy, latencies, batch sizes */
  arcos_evidence_ctx_t *ev;
  arcos_buf_t scratch;
  uint32_t part;
  uint32_t seq;
  size_t in_batch;
  double batch_size;  /* current (adaptive) batch size */
  bool batch_by_call; /* streaming: one batch per arcos_pipeline_buffer call */
  double batch_t0;
  /* checksum memo (file mode): records wait in the deferral for the next round */
  arcos_memo_t *memo;
  arcos_memo_defer_t *defer;
  bool interrupted;                /* stopped early (deadline or signal) */
  arcos_pipeline_source_fn source; /* NULL: arcos_read_partition */
  void *source_arg;
};

/* Bytes of record text a round holds at most, whatever --checksum-memo-round says. */
#define PEND_TEXT_MAX ((size_t)8 << 20)

/* Input bytes a partition stands for (archive partitions are row ranges). */
static uint64_t part_bytes(const arcos_pipeline_env_t *env, size_t part) {
  return arcos_input_span(env->plan, &env->plan->parts[part]);
}

static void sleep_ms(double ms) {
  if (ms <= 0)
    return;
  struct timespec ts = {(time_t)(ms / 1000.0),
                        (long)((ms - (double)(time_t)(ms / 1000.0) * 1000.0) * 1e6)};
  while (nanosleep(&ts, &ts) != 0)
    ;
}

static int add_fail(arcos_pipeline_t *s, const arcos_raw_t *r, int kind, int stage, int attempts,
                    const char *message) {
  const arcos_pipeline_env_t *env = s->env;
  fail_t *f = arcos_records_new_fail(env->rec);
  if (f == NULL)
    return ARCOS_ENOMEM;
  f->part = s->part;
  f->seq = s->seq;
  f->line = r->line;
  f->offset = r->offset;
  f->kind = (uint8_t)kind;
  f->stage = (uint8_t)stage;
  f->attempts = (uint16_t)attempts;
  f->message = arcos_arena_strndup(env->rec->arena, message, strlen(message));
  if (f->message == NULL)
    return ARCOS_ENOMEM;
  if (env->cfg->on_error != ARCOS_ON_ERROR_SKIP) {
    f->raw = arcos_arena_strndup(env->rec->arena, r->text, r->len);
    if (f->raw == NULL)
      return ARCOS_ENOMEM;
    f->raw_len = (uint32_t)r->len;
  }
  env->rec->nfails++;
  return ARCOS_OK;
}

void arcos_pipeline_stats_batch(arcos_pipeline_stats_t *st, int64_t size) {
  st->batch_final = size;
  if (st->batch_min_seen == 0 || size < st->batch_min_seen)
    st->batch_min_seen = size;
  if (size > st->batch_max_seen)
    st->batch_max_seen = size;
}

void arcos_pipeline_stats_latency(arcos_pipeline_stats_t *st, double ms) {
  if (arcos_array_grow(&st->latency_ms, &st->latency_cap, st->nlatency, sizeof *st->latency_ms,
                       1024) == ARCOS_OK)
    st->latency_ms[st->nlatency++] = ms;
}

void arcos_pipeline_stats_free(arcos_pipeline_stats_t *st) {
  free(st->latency_ms);
  memset(st, 0, sizeof *st);
}

static void end_batch(arcos_pipeline_t *s, bool force) {
  const arcos_pipeline_env_t *env = s->env;
  if (s->in_batch == 0 || (!force && (double)s->in_batch < s->batch_size))
    return;
  double now = arcos_now();
  double ms = (now - s->batch_t0) * 1e3;
  arcos_pipeline_stats_latency(s->st, ms);
  env->m->batches++;
  if (!s->batch_by_call) {
    arcos_pipeline_stats_batch(s->st, (int64_t)s->batch_size);
    if (!env->cfg->fixed_batch && ms > 0) {
      /* move halfway toward the size that would take target_batch_ms */
      double want = env->cfg->target_batch_ms / (ms / (double)s->in_batch);
      double next = 0.5 * s->batch_size + 0.5 * want;
      if (next < (double)env->cfg->batch_min)
        next = (double)env->cfg->batch_min;
      if (next > (double)env->cfg->batch_max)
        next = (double)env->cfg->batch_max;
      s->batch_size = (double)(int64_t)next;
    }
  }
  s->in_batch = 0;
  s->batch_t0 = now;
}

static int copy_str(arcos_arena_t *a, const char *s, size_t n, const char **out, uint32_t *len) {
  *out = arcos_arena_strndup(a, s, n);
  *len = (uint32_t)n;
  return *out != NULL ? ARCOS_OK : ARCOS_ENOMEM;
}

/* type and source take few distinct values: one copy of each in the store. */
static int intern_str(arcos_records_t *r, const char *s, size_t n, const char **out,
                      uint32_t *len) {
  *out = arcos_records_intern(r, s, n);
  *len = (uint32_t)n;
  return *out != NULL ? ARCOS_OK : ARCOS_ENOMEM;
}

/* Run one compute stage (after ingestion) and the faults injected into it. Returns 0,
 * or the failure with *transient set. */
static int run_stage(arcos_pipeline_t *s, int stage, arcos_evidence_t *ev, int attempt,
                     bool *transient, char *msg, size_t msgn) {
  int rc = ARCOS_OK;
  switch (stage) {
  case ARCOS_STAGE_INGESTION:
    break; /* parsing happened already; only injected faults remain */
  case ARCOS_STAGE_ANALYSIS:
    rc = arcos_ev_analyze(s->ev, ev);
    break;
  case ARCOS_STAGE_SCORING:
    rc = arcos_ev_score(s->ev, ev);
    break;
  case ARCOS_STAGE_ALERT:
    rc = arcos_ev_alert(s->ev, ev);
    break;
  }
  if (rc != ARCOS_OK) {
    *transient = false;
    snprintf(msg, msgn, "%s failed: %s", arcos_stage_name(stage), arcos_strerror(rc));
    return rc;
  }
  const arcos_faults_t *fs = &s->env->cfg->faults;
  for (int i = 0; i < fs->n; i++) {
    const arcos_fault_t *f = &fs->f[i];
    if (f->stage != stage || !arcos_fault_hits(f, ev->id, ev->id_len, attempt))
      continue;
    if (f->kind == ARCOS_FAULT_DELAY) {
      sleep_ms(f->delay_ms);
      continue;
    }
    *transient = f->kind == ARCOS_FAULT_TRANSIENT;
    snprintf(msg, msgn, "injected %s fault in %s (attempt %d)",
             *transient ? "transient" : "permanent", arcos_stage_name(stage), attempt);
    s->st->injected++;
    return ARCOS_EINTERNAL;
  }
  return ARCOS_OK;
}

/* Every record as it is read: the stop check and the progress line. */
static int record_prologue(arcos_pipeline_t *s, const arcos_raw_t *raw) {
  const arcos_pipeline_env_t *env = s->env;
  if ((s->seq & 63) == 0) {
    if (!env->streaming && arcos_stop_requested(env->deadline))
      return ARCOS_EINTERRUPTED; /* the partition is abandoned and redone on --resume */
    if (env->progress != NULL) { /* file mode only: streaming has no plan yet */
      uint64_t in_part = arcos_input_position(env->plan, &env->plan->parts[s->part], s->seq,
                                              raw->offset);
      uint64_t span = part_bytes(env, s->part);
      arcos_progress_tick(env->progress, s->seq, in_part < span ? in_part : span);
    }
  }
  return ARCOS_OK;
}

/* The four compute stages of one record (s->seq is its position). With a memo hit
 * (hit != NULL) ingestion skips `data`; *learned receives the facts to remember when
 * the record was verified in full (learned may be NULL). */
static int process_record(arcos_pipeline_t *s, const arcos_raw_t *raw,
                          const arcos_memo_pending_t *pe, const arcos_ev_memo_t *hit,
                          arcos_ev_memo_t *learned, bool *has_learned) {
  const arcos_pipeline_env_t *env = s->env;
  const arcos_config_t *cfg = env->cfg;
  arcos_raw_t r = *raw;
  arcos_record_trim(&r.text, &r.len, r.offset);
  if (s->in_batch == 0)
    s->batch_t0 = arcos_now();
  s->in_batch++;
  arcos_evidence_t ev;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int hard = ARCOS_OK;
  item_t *it = NULL;
  int rc = ARCOS_EINTERNAL;
  bool full = true; /* `data` parsed and verified here */
  if (hit != NULL) {
    rc = arcos_ev_ingest_memo(s->ev, r.text, r.len, pe->data_off, pe->data_len, hit, &ev);
    if (rc == ARCOS_OK) {
      full = false;
      arcos_memo_stats(s->memo)->bytes_skipped += pe->data_len;
    } else {
      arcos_memo_stats(s->memo)->fallbacks++;
    }
  }
  /* Archive rows arrive with their fields extracted: no text to parse. */
  if (full)
    rc = raw->fields != NULL ? arcos_ev_from_fields(s->ev, raw->fields, &ev, &d)
                             : arcos_ev_ingest(s->ev, r.text, r.len, &ev, &d);
  if (rc != ARCOS_OK) {
    int kind = rc == ARCOS_EPARSE ? ARCOS_KIND_PARSE : ARCOS_KIND_INVALID;
    hard = add_fail(s, raw, kind, ARCOS_STAGE_INGESTION, 1,
                    d.text[0] ? d.text : arcos_strerror(rc));
  } else {
    bool may_retry = cfg->on_error == ARCOS_ON_ERROR_RETRY &&
                     cfg->guarantee != ARCOS_GUARANTEE_AT_MOST_ONCE;
    char msg[160];
    int failed_stage = -1, attempts = 0;
    for (int stage = ARCOS_STAGE_INGESTION; stage <= ARCOS_STAGE_ALERT && failed_stage < 0;
         stage++) {
      for (int attempt = 1;; attempt++) {
        bool transient = false;
        if (run_stage(s, stage, &ev, attempt, &transient, msg, sizeof msg) == ARCOS_OK) {
          if (attempt > 1)
            s->st->recovered++;
          break;
        }
        if (transient && may_retry && attempt <= cfg->max_retries) {
          s->st->retries++;
          sleep_ms(cfg->retry_backoff_ms * (double)(1u << (attempt - 1 < 20 ? attempt - 1 : 20)));
          continue;
        }
        if (transient && may_retry)
          s->st->gave_up++;
        failed_stage = stage;
        attempts = attempt;
        break;
      }
    }
    /* Analysis ran to the end: what the memo keeps about this `data` is known. */
    if (full && learned != NULL && (failed_stage < 0 || failed_stage > ARCOS_STAGE_ANALYSIS))
      *has_learned = arcos_ev_memo_facts(s->ev, &ev, learned) == ARCOS_OK;
    if (failed_stage >= 0) {
      hard = add_fail(s, raw, ARCOS_KIND_STAGE, failed_stage, attempts, msg);
    } else if ((it = arcos_records_new_item(env->rec)) == NULL) {
      hard = ARCOS_ENOMEM;
    } else {
      it->part = s->part;
      it->seq = s->seq;
      it->line = r.line;
      it->timestamp = ev.timestamp;
      it->timestamp_valid = ev.timestamp_valid;
      it->comp[0] = ev.completeness;
      it->comp[1] = ev.integrity;
      it->comp[2] = ev.provenance;
      it->comp[3] = ev.freshness;
      it->comp[4] = ev.signal;
      it->score = ev.score;
      it->alerts = ev.alerts;
      it->severity = ev.severity;
      it->status = ITEM_STORED;
      hard = copy_str(env->rec->arena, ev.id, ev.id_len, &it->id, &it->id_len);
      if (hard == ARCOS_OK)
        hard = intern_str(env->rec, ev.type, ev.type_len, &it->type, &it->type_len);
      if (hard == ARCOS_OK)
        hard = intern_str(env->rec, ev.source, ev.source_len, &it->source, &it->source_len);
      if (hard == ARCOS_OK)
        env->rec->nitems++;
    }
  }
  if (!s->batch_by_call)
    end_batch(s, false);
  return hard;
}

/* The error kind of a reader's failure code. */
static int reader_error_kind(int code) {
  return code == ARCOS_EIO        ? ARCOS_KIND_IO
         : code == ARCOS_EINVALID ? ARCOS_KIND_INVALID
                                  : ARCOS_KIND_PARSE;
}

/* A record the memo deferral hands back once its round ran. */
static int on_pending(void *arg, const arcos_memo_pending_t *pe) {
  arcos_pipeline_t *s = arg;
  s->seq = pe->seq; /* records are processed at their own positions */
  if (pe->is_error)
    return add_fail(s, &pe->raw, reader_error_kind(pe->code), ARCOS_STAGE_INGESTION, 1,
                    pe->message);
  return process_record(s, &pe->raw, pe, pe->hit, pe->learned, pe->has_learned);
}

/* Process the waiting records (one collective memo round); the position of the next
 * record read stays where it was. */
static int flush_pending(arcos_pipeline_t *s) {
  uint32_t next_seq = s->seq;
  int rc = arcos_memo_defer_flush(s->defer);
  s->seq = next_seq;
  return rc;
}

/* Keep a record or reader error for the next memo round; the texts are copied. */
static int defer(arcos_pipeline_t *s, const arcos_raw_t *raw, bool is_error, int code,
                 const char *message) {
  int rc = arcos_memo_defer_add(s->defer, raw, s->seq, is_error, code, message);
  if (rc != ARCOS_OK)
    return rc;
  s->seq++;
  s->env->rec->part_records[s->part]++;
  return arcos_memo_defer_full(s->defer) ? flush_pending(s) : ARCOS_OK;
}

static int on_record(void *arg, const arcos_raw_t *raw) {
  arcos_pipeline_t *s = arg;
  int rc = record_prologue(s, raw);
  if (rc != ARCOS_OK)
    return rc;
  if (s->defer != NULL && raw->fields == NULL)
    return defer(s, raw, false, 0, NULL);
  s->env->rec->part_records[s->part]++;
  rc = process_record(s, raw, NULL, NULL, NULL, NULL);
  s->seq++;
  return rc;
}

static int on_reader_error(void *arg, const arcos_raw_t *raw, int code, const char *message) {
  arcos_pipeline_t *s = arg;
  if (s->defer != NULL)
    return defer(s, raw, true, code, message);
  s->env->rec->part_records[s->part]++;
  int rc = add_fail(s, raw, reader_error_kind(code), ARCOS_STAGE_INGESTION, 1, message);
  s->seq++;
  return rc;
}

/* --from-dlq: each input line is a DLQ entry; the record is its raw text. */
typedef struct {
  arcos_pipeline_t *s;
  arcos_buf_t text;
} dlq_replay_t;

static int on_dlq_line(void *arg, const arcos_raw_t *raw) {
  dlq_replay_t *dr = arg;
  json_error_t e;
  json_t *entry = json_loadb(raw->text, raw->len, JSON_ALLOW_NUL, &e);
  json_t *rawv = json_object_get(entry, "raw");
  if (!json_is_string(rawv)) {
    json_decref(entry);
    return on_reader_error(dr->s, raw, ARCOS_EPARSE,
                           "--from-dlq: the line is not a DLQ entry with a \"raw\" string");
  }
  arcos_buf_reset(&dr->text);
  arcos_buf_append(&dr->text, json_string_value(rawv), json_string_length(rawv));
  arcos_raw_t r = {dr->text.data, dr->text.len, raw->line, raw->offset, NULL};
  json_decref(entry);
  return on_record(dr->s, &r);
}

arcos_pipeline_t *arcos_pipeline_create(const arcos_pipeline_env_t *env) {
  arcos_pipeline_t *p = calloc(1, sizeof *p);
  if (p == NULL)
    return NULL;
  p->env = env;
  p->st = env->st;
  p->ev = arcos_evidence_create(&env->cfg->scoring, env->reference_time,
                                (size_t)env->cfg->max_record_bytes);
  if (p->ev == NULL) {
    free(p);
    return NULL;
  }
  p->batch_size = (double)env->cfg->batch_size;
  return p;
}

void arcos_pipeline_destroy(arcos_pipeline_t **pp) {
  if (pp == NULL || *pp == NULL)
    return;
  arcos_pipeline_t *p = *pp;
  end_batch(p, true);
  arcos_evidence_destroy(&p->ev);
  arcos_buf_free(&p->scratch);
  arcos_memo_defer_destroy(&p->defer);
  arcos_memo_destroy(&p->memo);
  free(p);
  *pp = NULL;
}

void arcos_pipeline_set_source(arcos_pipeline_t *p, arcos_pipeline_source_fn fn, void *src) {
  p->source = fn;
  p->source_arg = src;
}

/* Partition `part` through fn/onerror: from the source when one is set, else its file. */
static int read_source(arcos_pipeline_t *p, size_t part, arcos_record_fn fn, void *arg,
                       arcos_read_stats_t *st) {
  const arcos_plan_t *plan = p->env->plan;
  if (p->source != NULL)
    return p->source(p->source_arg, &plan->parts[part], &p->scratch, fn, on_reader_error, arg, st);
  return arcos_read_partition(plan, &plan->parts[part], &p->scratch, fn, on_reader_error, arg, st);
}

/* Read partition `part` once, its records through the stages; what an earlier
 * attempt produced is dropped first, so that nothing is counted twice. */
static int read_once(arcos_pipeline_t *p, size_t part, arcos_read_stats_t *st) {
  const arcos_pipeline_env_t *env = p->env;
  p->part = (uint32_t)part;
  p->seq = 0;
  arcos_records_drop_part(env->rec, part);
  memset(st, 0, sizeof *st);
  st->max_line = arcos_line_cap((uint64_t)env->cfg->max_record_bytes);
  int rc;
  if (env->cfg->from_dlq) {
    dlq_replay_t dr = {p, {0}};
    rc = read_source(p, part, on_dlq_line, &dr, st);
    arcos_buf_free(&dr.text);
  } else {
    rc = read_source(p, part, on_record, p, st);
  }
  if (p->defer != NULL) {
    if (rc == ARCOS_OK)
      rc = flush_pending(p);         /* a partition's records are done before it commits */
    arcos_memo_defer_drop(p->defer); /* an abandoned partition's waiting records go with it */
  }
  return rc;
}

/* The io failures (SPEC §4: transient read failures) among fails [first, nfails). */
static size_t io_fails(const arcos_pipeline_env_t *env, size_t first, int attempts) {
  size_t n = 0;
  for (size_t i = first; i < env->rec->nfails; i++) {
    if (env->rec->fails[i].kind == ARCOS_KIND_IO) {
      env->rec->fails[i].attempts = (uint16_t)attempts;
      n++;
    }
  }
  return n;
}

/* SPEC §4 calls io errors transient: under --on-error retry (and not at-most-once) a
 * partition whose read failed is read again, up to --max-retries times with the
 * stages' exponential backoff. What still fails is dead-lettered with its attempts. */
static int read_retrying(arcos_pipeline_t *p, size_t part, arcos_read_stats_t *st) {
  const arcos_pipeline_env_t *env = p->env;
  const arcos_config_t *cfg = env->cfg;
  bool may_retry = cfg->on_error == ARCOS_ON_ERROR_RETRY &&
                   cfg->guarantee != ARCOS_GUARANTEE_AT_MOST_ONCE;
  double io_s = 0;
  size_t before = 0;
  int rc;
  for (int attempt = 1;; attempt++) {
    rc = read_once(p, part, st);
    io_s += st->io_s;
    size_t n = rc == ARCOS_OK ? io_fails(env, env->rec->part_fail_first[part], attempt) : 0;
    if (attempt > 1 && before > n)
      p->st->recovered += before - n;
    if (n == 0 || !may_retry || attempt > cfg->max_retries) {
      if (n > 0 && may_retry)
        p->st->gave_up += n;
      break;
    }
    p->st->retries += n;
    before = n;
    sleep_ms(cfg->retry_backoff_ms * (double)(1u << (attempt - 1 < 20 ? attempt - 1 : 20)));
  }
  st->io_s = io_s;
  return rc;
}

int arcos_pipeline_partition(arcos_pipeline_t *p, size_t part) {
  const arcos_pipeline_env_t *env = p->env;
  env->rec->part_item_first[part] = env->rec->nitems;
  env->rec->part_fail_first[part] = env->rec->nfails;
  arcos_read_stats_t st;
  double t0 = arcos_now();
  int rc = read_retrying(p, part, &st);
  if (rc == ARCOS_ECHANGED) {
    const arcos_input_t *in = &env->plan->inputs[env->plan->parts[part].input];
    struct stat sb;
    char now[96];
    if (stat(in->path, &sb) != 0 || access(in->path, R_OK) != 0)
      snprintf(now, sizeof now, "now: %s", strerror(errno));
    else
      snprintf(now, sizeof now, "now %lld bytes", (long long)sb.st_size);
    fprintf(env->ctx->err,
            "arcos-scale: rank %d: input %s changed while the job ran (%llu bytes at the start, "
            "%s): its records cannot be read as planned; restore it and rerun with --resume "
            "(finished partitions are kept), or rerun with --force to start again\n",
            env->ctx->rank, in->display, (unsigned long long)in->size, now);
  }
  env->rec->newlines[part] = st.newlines;
  double memo_s = p->defer != NULL ? arcos_memo_defer_take_seconds(p->defer) : 0;
  env->m->io_s += st.io_s;
  env->m->comm_s += memo_s; /* memo rounds: exchange, and waiting for the others */
  env->m->busy_s += arcos_now() - t0 - st.io_s - memo_s;
  env->m->partitions++;
  env->m->items += env->rec->part_records[part];
  arcos_progress_part_done(env->progress, env->rec->part_records[part], part_bytes(env, part));
  return rc;
}

int arcos_pipeline_buffer(arcos_pipeline_t *p, size_t part, const char *text, size_t len,
                          uint64_t first_line, uint64_t offset, uint64_t *records) {
  const arcos_pipeline_env_t *env = p->env;
  int rc = arcos_records_parts_reserve(env->rec, part + 1);
  if (rc != ARCOS_OK)
    return rc;
  p->part = (uint32_t)part;
  p->seq = 0;
  p->batch_by_call = true;
  env->rec->part_item_first[part] = env->rec->nitems;
  env->rec->part_fail_first[part] = env->rec->nfails;
  arcos_read_stats_t st = {0};
  double t0 = arcos_now();
  p->batch_t0 = t0;
  rc = arcos_read_buffer(text, len, first_line, offset, &p->scratch, on_record, on_reader_error, p,
                         &st);
  end_batch(p, true);
  env->m->busy_s += arcos_now() - t0;
  env->m->partitions++;
  env->m->items += env->rec->part_records[part];
  *records = env->rec->part_records[part];
  return rc;
}

/* at-most-once after a crash: count a started-but-unfinished partition's records
 * without processing them, and remember the range they span. */
typedef struct {
  uint64_t first, last, records;
} span_t;

static int count_record(void *arg, const arcos_raw_t *r) {
  span_t *sp = arg;
  if (sp->records == 0)
    sp->first = r->line;
  sp->last = r->line;
  sp->records++;
  return 0;
}

static int count_error(void *arg, const arcos_raw_t *r, int code, const char *msg) {
  (void)code, (void)msg;
  return count_record(arg, r);
}

static int skip_partition(arcos_pipeline_t *p, size_t part) {
  const arcos_pipeline_env_t *env = p->env;
  span_t sp = {0, 0, 0};
  arcos_read_stats_t st = {0};
  st.max_line = arcos_line_cap((uint64_t)env->cfg->max_record_bytes);
  int rc = arcos_read_partition(env->plan, &env->plan->parts[part], &p->scratch, count_record,
                                count_error, &sp, &st);
  env->rec->part_item_first[part] = env->rec->nitems;
  env->rec->part_fail_first[part] = env->rec->nfails;
  env->rec->newlines[part] = st.newlines;
  env->rec->part_records[part] = sp.records;
  if (sp.records > 0) {
    arcos_skip_range_t k = {(uint32_t)part, sp.first, sp.last, sp.records};
    if (arcos_records_add_skip(env->rec, &k) != ARCOS_OK)
      return ARCOS_ENOMEM;
  }
  return rc;
}

/* Whether this run uses the checksum memo; the same answer on every rank (config and
 * plan are). Why not, in env->st->memo_off (NULL when on). */
static bool memo_wanted(const arcos_pipeline_env_t *env) {
  const arcos_config_t *cfg = env->cfg;
  env->st->memo_off = NULL;
  if (!cfg->checksum_memo)
    env->st->memo_off = "off (--checksum-memo=false)";
  else if (env->cache == NULL)
    env->st->memo_off = "no cache";
  for (size_t i = 0; i < env->plan->ninputs && env->st->memo_off == NULL; i++)
    if (env->plan->inputs[i].format == ARCOS_FMT_H5)
      env->st->memo_off = "an HDF5 archive input (it stores the canonical text: only SHA-256 "
                          "would be saved)";
  return env->st->memo_off == NULL;
}

/* One partition of this rank: loaded from the checkpoint (done before a --resume),
 * counted and skipped (at-most-once, started before a crash), or read, processed and
 * committed. *stop: this rank takes no more (interrupted, or asked to stop). */
int arcos_pipeline_take(arcos_pipeline_t *p, size_t part, bool *stop) {
  const arcos_pipeline_env_t *env = p->env;
  uint8_t state = arcos_ckpt_state(env->ckpt, part);
  if (state == 2) {
    env->m->partitions++;
    return env->loaded != NULL ? env->loaded(env->hook_arg, part)
                               : arcos_ckpt_load(env->ckpt, env->rec, part);
  }
  if (state == 1 && env->cfg->guarantee == ARCOS_GUARANTEE_AT_MOST_ONCE)
    return skip_partition(p, part);
  int rc = arcos_ckpt_start(env->ckpt, part);
  if (rc == ARCOS_OK)
    rc = arcos_pipeline_partition(p, part);
  if (rc == ARCOS_EINTERRUPTED) {
    /* drop what this partition produced; the journal does not list it */
    arcos_records_drop_part(env->rec, part);
    p->interrupted = true;
    *stop = true;
    return ARCOS_OK;
  }
  if (rc == ARCOS_OK) {
    double tc = arcos_now();
    rc = arcos_ckpt_commit(env->ckpt, env->rec, part); /* the segment and its journal line: I/O */
    env->m->io_s += arcos_now() - tc;
  }
  if (rc == ARCOS_OK && env->done != NULL)
    rc = env->done(env->hook_arg, part);
  if (rc == ARCOS_OK && arcos_stop_requested(env->deadline)) {
    p->interrupted = true;
    *stop = true;
  }
  return rc;
}

/* Partition `part` is a document slice taken already (bigdoc.h). */
static bool dealt(const arcos_pipeline_env_t *env, size_t part) {
  return env->dealt != NULL && env->dealt[part];
}

/* --schedule static: this rank's partitions of the plan, in index order. */
static int run_static(arcos_pipeline_t *p) {
  const arcos_pipeline_env_t *env = p->env;
  int rc = ARCOS_OK;
  bool stop = false;
  for (size_t part = 0; part < env->plan->nparts && rc == ARCOS_OK && !stop; part++)
    if (env->plan->parts[part].rank == env->ctx->rank && !dealt(env, part))
      rc = arcos_pipeline_take(p, part, &stop);
  return rc;
}

/* --schedule dynamic: partitions done before a --resume are loaded by the rank the
 * plan gave them (no work to balance there); the others are dealt one at a time from
 * a shared counter, heaviest first, to whichever rank asks. owner[p] receives this
 * rank for every partition it took. */
static int run_dynamic(arcos_pipeline_t *p, int32_t *owner) {
  const arcos_pipeline_env_t *env = p->env;
  int me = env->ctx->rank, rc = ARCOS_OK;
  bool stop = false;
  for (size_t part = 0; part < env->plan->nparts && rc == ARCOS_OK; part++) {
    if (arcos_ckpt_state(env->ckpt, part) == 2 && env->plan->parts[part].rank == me &&
        !dealt(env, part)) {
      owner[part] = me;
      rc = arcos_pipeline_take(p, part, &stop);
    }
  }
  size_t n = 0;
  uint32_t *order = arcos_deal_order(env->plan, arcos_ckpt_states(env->ckpt), env->dealt, &n);
  if (order == NULL)
    ARCOS_ABORT_OOM(env->ctx->comm); /* the dealer's window is collective */
  /* Only the first --max-workers ranks take partitions (plan.workers counts them). */
  arcos_deal_t *d = arcos_deal_create(env->ctx->comm, order, n, me < env->plan->workers);
  while (rc == ARCOS_OK && !stop) {
    if (arcos_stop_requested(env->deadline)) { /* a rank that must stop takes nothing more */
      p->interrupted = true;
      break;
    }
    int64_t part = arcos_deal_next(d);
    if (part < 0)
      break;
    owner[part] = me;
    rc = arcos_pipeline_take(p, (size_t)part, &stop);
  }
  if (p->memo != NULL) {
    /* The memo's rounds are collective: join the others' rounds until everyone is done
     * (while the window is still open for the ranks still taking partitions). */
    arcos_memo_finish(p->memo);
  }
  arcos_deal_destroy(&d);
  free(order);
  return rc;
}

int arcos_pipeline_settle_owners(const arcos_pipeline_env_t *env, const int32_t *owner) {
  size_t n = env->plan->nparts;
  int32_t *all = malloc(n * sizeof *all + 1);
  if (all == NULL)
    return ARCOS_ENOMEM;
  double t0 = arcos_now();
  MPI_Allreduce(owner, all, (int)n, MPI_INT32_T, MPI_MAX, env->ctx->comm);
  env->m->comm_s += arcos_now() - t0;
  for (size_t p = 0; p < n; p++)
    if (all[p] >= 0)
      env->plan->parts[p].rank = all[p];
  free(all);
  return ARCOS_OK;
}

/* After dynamic dealing: every rank learns who took each partition, and this rank's
 * records are put back in partition order. */
static int settle_owners(const arcos_pipeline_env_t *env, const int32_t *owner) {
  int rc = arcos_pipeline_settle_owners(env, owner);
  if (rc != ARCOS_OK || env->spill)
    return rc;
  return arcos_records_sort_by_part(env->rec, env->plan->nparts);
}

int arcos_pipeline_run(const arcos_pipeline_env_t *env, bool *interrupted) {
  *interrupted = false;
  arcos_pipeline_t *p = arcos_pipeline_create(env);
  if (p == NULL)
    return ARCOS_ENOMEM;
  if (memo_wanted(env)) {
    p->memo = arcos_memo_create(env->cache, (size_t)env->cfg->checksum_memo_min_bytes);
    if (p->memo == NULL) {
      arcos_pipeline_destroy(&p);
      return ARCOS_ENOMEM; /* every rank needs the memo's rounds: this one cannot */
    }
    arcos_memo_defer_opts_t o = {.round_records = (size_t)env->cfg->checksum_memo_round,
                                 .pend_max = env->memo_pend_max > 0 &&
                                                     env->memo_pend_max < PEND_TEXT_MAX
                                                 ? (size_t)env->memo_pend_max
                                                 : PEND_TEXT_MAX,
                                 .max_record_bytes = (size_t)env->cfg->max_record_bytes};
    p->defer = arcos_memo_defer_create(p->memo, &o, on_pending, p);
    if (p->defer == NULL) {
      arcos_pipeline_destroy(&p);
      return ARCOS_ENOMEM;
    }
    env->st->memo_on = true;
  }
  bool dynamic = env->cfg->schedule == ARCOS_SCHEDULE_DYNAMIC;
  int32_t *owner = dynamic ? malloc(env->plan->nparts * sizeof *owner + 1) : NULL;
  if (dynamic && owner == NULL)
    ARCOS_ABORT_OOM(env->ctx->comm); /* the others would wait in the dealer */
  for (size_t i = 0; dynamic && i < env->plan->nparts; i++)
    owner[i] = -1;
  int rc = dynamic ? run_dynamic(p, owner) : run_static(p);
  if (p->memo != NULL) {
    /* Whatever ended this rank's work (done, interrupted, failed), the others may still
     * have rounds to run: join them until everyone is done. */
    arcos_memo_finish(p->memo);
    env->st->memo = *arcos_memo_stats(p->memo);
    env->m->idle_s += env->st->memo.finish_s;
  }
  *interrupted = p->interrupted;
  arcos_pipeline_destroy(&p);
  if (dynamic) {
    int src = settle_owners(env, owner); /* collective: every rank, whatever rc */
    if (rc == ARCOS_OK)
      rc = src;
  }
  free(owner);
  return rc;
}

int arcos_fix_lines(MPI_Comm comm, const arcos_plan_t *plan, arcos_records_t *rec,
                    uint64_t *base_line, rank_metrics_t *m) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  size_t n = plan->nparts;
  uint64_t *all = malloc(n * sizeof *all + 1);
  if (all == NULL)
    return ARCOS_ENOMEM;
  double t0 = arcos_now();
  MPI_Allreduce(rec->newlines, all, (int)n, MPI_UINT64_T, MPI_SUM, comm);
  m->comm_s += arcos_now() - t0;
  /* base[p] = 1 + newlines in the earlier ranges of the same input */
  uint64_t run = 0;
  uint32_t input = UINT32_MAX;
  for (size_t p = 0; p < n; p++) {
    const arcos_partition_t *part = &plan->parts[p];
    if (part->input != input) {
      input = part->input;
      run = 0;
    }
    uint64_t base = 1 + run;
    run += all[p];
    if (base_line != NULL)
      base_line[p] = plan->inputs[part->input].format == ARCOS_FMT_JSONL ? base : 0;
    if (part->rank != rank || plan->inputs[part->input].format != ARCOS_FMT_JSONL)
      continue;
    for (size_t i = rec->part_item_first[p]; i < rec->nitems && rec->items[i].part == p; i++)
      rec->items[i].line += base;
    for (size_t i = rec->part_fail_first[p]; i < rec->nfails && rec->fails[i].part == p; i++)
      rec->fails[i].line += base;
    for (size_t i = 0; i < rec->nskips; i++) {
      if (rec->skips[i].part == p) {
        rec->skips[i].first_line += base;
        rec->skips[i].last_line += base;
      }
    }
  }
  free(all);
  return ARCOS_OK;
}
