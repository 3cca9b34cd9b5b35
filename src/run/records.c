/* The records store of a run (records.h): the growing item and failure arrays, the
 * per-partition arrays, and the statistics the report sums over ranks. */
#include <stdlib.h>
#include <string.h>

#include "run/job_internal.h"
#include "run/records.h"

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

int arcos_job_parts_reserve(job_t *job, size_t n) {
  if (n <= job->parts_cap)
    return ARCOS_OK;
  size_t cap = job->parts_cap ? job->parts_cap : 64;
  while (cap < n)
    cap *= 2;
  uint64_t *a = realloc(job->newlines, cap * sizeof *a);
  if (a != NULL)
    job->newlines = a;
  uint64_t *b = realloc(job->part_records, cap * sizeof *b);
  if (b != NULL)
    job->part_records = b;
  size_t *c = realloc(job->part_item_first, cap * sizeof *c);
  if (c != NULL)
    job->part_item_first = c;
  size_t *e = realloc(job->part_fail_first, cap * sizeof *e);
  if (e != NULL)
    job->part_fail_first = e;
  if (a == NULL || b == NULL || c == NULL || e == NULL)
    return ARCOS_ENOMEM;
  size_t old = job->parts_cap;
  memset(job->newlines + old, 0, (cap - old) * sizeof *a);
  memset(job->part_records + old, 0, (cap - old) * sizeof *b);
  memset(job->part_item_first + old, 0, (cap - old) * sizeof *c);
  memset(job->part_fail_first + old, 0, (cap - old) * sizeof *e);
  job->parts_cap = cap;
  return ARCOS_OK;
}

item_t *arcos_job_new_item(job_t *job) {
  if (grow((void **)&job->items, &job->items_cap, job->nitems, sizeof *job->items) != ARCOS_OK)
    return NULL;
  memset(&job->items[job->nitems], 0, sizeof *job->items);
  return &job->items[job->nitems];
}

fail_t *arcos_job_new_fail(job_t *job) {
  if (grow((void **)&job->fails, &job->fails_cap, job->nfails, sizeof *job->fails) != ARCOS_OK)
    return NULL;
  memset(&job->fails[job->nfails], 0, sizeof *job->fails);
  return &job->fails[job->nfails];
}

/* Per-rank statistics summed (or min/max-ed) at rank 0. */
void arcos_stats_init(stats_t *s) {
  memset(s, 0, sizeof *s);
  s->min = 101;
  s->max = -1;
}

void arcos_stats_item(stats_t *s, const item_t *it) {
  if (it->status != ITEM_STORED)
    return;
  s->sum[S_SCORE_SUM] += it->score;
  if (it->score < s->min)
    s->min = it->score;
  if (it->score > s->max)
    s->max = it->score;
  s->sum[S_HIST + (it->score >= 100 ? 9 : it->score / 10)]++;
  if (it->alerts & ARCOS_ALERT_INTEGRITY_VIOLATION)
    s->sum[S_ALERT_CRIT]++;
  if (it->alerts & ARCOS_ALERT_LOW_QUALITY)
    s->sum[S_ALERT_HIGH]++;
  if (it->alerts & ARCOS_ALERT_CLOCK_SKEW)
    s->sum[S_ALERT_MED]++;
}

void arcos_stats_fail(stats_t *s, const fail_t *f) {
  if (f->kind >= ARCOS_KIND_PARSE && f->kind <= ARCOS_KIND_IO)
    s->sum[S_ERR_PARSE + f->kind - ARCOS_KIND_PARSE]++;
}

/* A stable counting sort of n elements of `size` bytes by their partition (read by
 * part_of); first[p] receives where partition p begins. */
static int sort_by_part(void **v, size_t n, size_t size, size_t nparts, size_t *first,
                        uint32_t (*part_of)(const void *)) {
  char *src = *v, *dst = malloc(n * size + 1);
  size_t *at = calloc(nparts + 1, sizeof *at);
  if (dst == NULL || at == NULL) {
    free(dst);
    free(at);
    return ARCOS_ENOMEM;
  }
  for (size_t i = 0; i < n; i++)
    at[part_of(src + i * size) + 1]++;
  for (size_t p = 0; p < nparts; p++)
    at[p + 1] += at[p];
  for (size_t p = 0; p < nparts; p++)
    first[p] = at[p];
  for (size_t i = 0; i < n; i++)
    memcpy(dst + at[part_of(src + i * size)]++ * size, src + i * size, size);
  free(at);
  free(src);
  *v = dst;
  return ARCOS_OK;
}

static uint32_t item_part(const void *e) { return ((const item_t *)e)->part; }
static uint32_t fail_part(const void *e) { return ((const fail_t *)e)->part; }

int arcos_job_sort_by_part(job_t *job) {
  size_t np = job->plan.nparts;
  int rc = sort_by_part((void **)&job->items, job->nitems, sizeof *job->items, np,
                        job->part_item_first, item_part);
  if (rc == ARCOS_OK)
    job->items_cap = job->nitems;
  if (rc == ARCOS_OK)
    rc = sort_by_part((void **)&job->fails, job->nfails, sizeof *job->fails, np,
                      job->part_fail_first, fail_part);
  if (rc == ARCOS_OK)
    job->fails_cap = job->nfails;
  return rc;
}
