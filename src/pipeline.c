/* The per-rank pipeline: read each assigned partition in global order and run the
 * four compute stages (ingestion, analysis, scoring, alert generation) on every
 * record; storage happens after the exactly-once decision (store.c). Failures go to
 * the error policy of SPEC §4 as fail_t entries; nothing is dropped silently. */
#include <stdlib.h>
#include <string.h>

#include "job_internal.h"

typedef struct {
  job_t *job;
  arcos_evidence_ctx_t *ev;
  uint32_t part;
  uint32_t seq;
  size_t in_batch;
  double batch_t0;
  int rc; /* first hard error (out of memory) */
} run_state_t;

static int grow(void **v, size_t *cap, size_t n, size_t elem) {
  if (n < *cap)
    return ARCOS_OK;
  size_t c = *cap ? *cap * 2 : 1024;
  void *g = realloc(*v, c * elem);
  if (g == NULL)
    return ARCOS_ENOMEM;
  *v = g;
  *cap = c;
  return ARCOS_OK;
}

static int add_fail(run_state_t *s, const arcos_raw_t *r, int kind, int stage,
                    const char *message) {
  job_t *job = s->job;
  if (grow((void **)&job->fails, &job->fails_cap, job->nfails, sizeof *job->fails) != ARCOS_OK)
    return ARCOS_ENOMEM;
  fail_t *f = &job->fails[job->nfails];
  memset(f, 0, sizeof *f);
  f->part = s->part;
  f->seq = s->seq;
  f->line = r->line;
  f->offset = r->offset;
  f->kind = (uint8_t)kind;
  f->stage = (uint8_t)stage;
  f->attempts = 1;
  f->message = arcos_arena_strndup(job->arena, message, strlen(message));
  if (f->message == NULL)
    return ARCOS_ENOMEM;
  if (job->cfg->on_error != ARCOS_ON_ERROR_SKIP) {
    f->raw = arcos_arena_strndup(job->arena, r->text, r->len);
    if (f->raw == NULL)
      return ARCOS_ENOMEM;
    f->raw_len = (uint32_t)r->len;
  }
  job->nfails++;
  return ARCOS_OK;
}

static void end_batch(run_state_t *s, bool force) {
  job_t *job = s->job;
  if (s->in_batch == 0 || (!force && s->in_batch < (size_t)job->cfg->batch_size))
    return;
  double now = arcos_now();
  if (grow((void **)&job->latency_ms, &job->latency_cap, job->nlatency,
           sizeof *job->latency_ms) == ARCOS_OK)
    job->latency_ms[job->nlatency++] = (now - s->batch_t0) * 1e3;
  job->m.batches++;
  s->in_batch = 0;
  s->batch_t0 = now;
}

static int copy_str(arcos_arena_t *a, const char *s, size_t n, const char **out, uint32_t *len) {
  *out = arcos_arena_strndup(a, s, n);
  *len = (uint32_t)n;
  return *out != NULL ? ARCOS_OK : ARCOS_ENOMEM;
}

static int on_record(void *arg, const arcos_raw_t *raw) {
  run_state_t *s = arg;
  job_t *job = s->job;
  arcos_raw_t r = *raw;
  if (r.offset == 0 && r.len >= 3 && memcmp(r.text, "\xEF\xBB\xBF", 3) == 0) {
    r.text += 3; /* a UTF-8 byte order mark at the start of a file is tolerated */
    r.len -= 3;
  }
  if (r.len > 0 && r.text[r.len - 1] == '\r')
    r.len--; /* the CR of a \r\n ending is not part of the record (max_record_bytes) */
  if (s->in_batch == 0)
    s->batch_t0 = arcos_now();
  s->in_batch++;
  job->part_records[s->part]++;
  arcos_evidence_t ev;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_ev_ingest(s->ev, r.text, r.len, &ev, &d);
  int stage = ARCOS_STAGE_INGESTION;
  if (rc == ARCOS_OK) {
    stage = ARCOS_STAGE_ANALYSIS;
    rc = arcos_ev_analyze(s->ev, &ev);
  }
  if (rc == ARCOS_OK) {
    stage = ARCOS_STAGE_SCORING;
    rc = arcos_ev_score(s->ev, &ev);
  }
  if (rc == ARCOS_OK) {
    stage = ARCOS_STAGE_ALERT;
    rc = arcos_ev_alert(s->ev, &ev);
  }
  int hard = ARCOS_OK;
  if (rc != ARCOS_OK) {
    int kind = rc == ARCOS_EPARSE     ? ARCOS_KIND_PARSE
               : rc == ARCOS_EINVALID ? ARCOS_KIND_INVALID
                                      : ARCOS_KIND_STAGE;
    hard = add_fail(s, raw, kind, stage, d.text[0] ? d.text : arcos_strerror(rc));
  } else if ((hard = grow((void **)&job->items, &job->items_cap, job->nitems,
                          sizeof *job->items)) == ARCOS_OK) {
    item_t *it = &job->items[job->nitems];
    memset(it, 0, sizeof *it);
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
    hard = copy_str(job->arena, ev.id, ev.id_len, &it->id, &it->id_len);
    if (hard == ARCOS_OK)
      hard = copy_str(job->arena, ev.type, ev.type_len, &it->type, &it->type_len);
    if (hard == ARCOS_OK)
      hard = copy_str(job->arena, ev.source, ev.source_len, &it->source, &it->source_len);
    if (hard == ARCOS_OK)
      job->nitems++;
  }
  s->seq++;
  end_batch(s, false);
  return hard;
}

static int on_reader_error(void *arg, const arcos_raw_t *raw, int code, const char *message) {
  run_state_t *s = arg;
  s->job->part_records[s->part]++;
  int kind = code == ARCOS_EIO ? ARCOS_KIND_IO : ARCOS_KIND_PARSE;
  int rc = add_fail(s, raw, kind, ARCOS_STAGE_INGESTION, message);
  s->seq++;
  return rc;
}

int arcos_pipeline_run(job_t *job) {
  arcos_evidence_ctx_t *ev = arcos_evidence_create(&job->cfg->scoring, job->reference_time,
                                                   (size_t)job->cfg->max_record_bytes);
  if (ev == NULL)
    return ARCOS_ENOMEM;
  run_state_t s = {.job = job, .ev = ev};
  arcos_buf_t scratch = {0};
  int rc = ARCOS_OK;
  double t0 = arcos_now();
  double io = 0;
  for (size_t p = 0; p < job->plan.nparts && rc == ARCOS_OK; p++) {
    const arcos_partition_t *part = &job->plan.parts[p];
    if (part->rank != job->ctx->rank)
      continue;
    s.part = (uint32_t)p;
    s.seq = 0;
    job->part_item_first[p] = job->nitems;
    job->part_fail_first[p] = job->nfails;
    arcos_read_stats_t st = {0};
    rc = arcos_read_partition(&job->plan, part, &scratch, on_record, on_reader_error, &s, &st);
    job->newlines[p] = st.newlines;
    io += st.io_s;
    job->m.partitions++;
    job->m.items += job->part_records[p];
  }
  end_batch(&s, true);
  double total = arcos_now() - t0;
  job->m.io_s += io;
  job->m.busy_s += total - io;
  arcos_buf_free(&scratch);
  arcos_evidence_destroy(&ev);
  return rc;
}

int arcos_fix_lines(job_t *job) {
  size_t n = job->plan.nparts;
  uint64_t *all = malloc(n * sizeof *all + 1);
  if (all == NULL)
    return ARCOS_ENOMEM;
  double t0 = arcos_now();
  MPI_Allreduce(job->newlines, all, (int)n, MPI_UINT64_T, MPI_SUM, job->ctx->comm);
  job->m.comm_s += arcos_now() - t0;
  /* base[p] = 1 + newlines in the earlier ranges of the same input */
  uint64_t run = 0;
  uint32_t input = UINT32_MAX;
  for (size_t p = 0; p < n; p++) {
    const arcos_partition_t *part = &job->plan.parts[p];
    if (part->input != input) {
      input = part->input;
      run = 0;
    }
    uint64_t base = 1 + run;
    run += all[p];
    if (part->rank != job->ctx->rank ||
        job->plan.inputs[part->input].format != ARCOS_FMT_JSONL)
      continue;
    for (size_t i = job->part_item_first[p]; i < job->nitems && job->items[i].part == p; i++)
      job->items[i].line += base;
    for (size_t i = job->part_fail_first[p]; i < job->nfails && job->fails[i].part == p; i++)
      job->fails[i].line += base;
  }
  free(all);
  return ARCOS_OK;
}
