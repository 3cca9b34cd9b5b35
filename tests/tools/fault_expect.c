/* Reference model for the error-policy tests: given a JSON Lines file and a fault
 * spec, compute what every (on_error, guarantee) pair must report, from first
 * principles and independently of the pipeline, exactly-once exchange and outputs:
 *
 *   for each record in file order:
 *     not JSON / not a valid record  -> failed (ingestion, permanent)
 *     else, for each stage in order, attempts 1..A until no fault of that stage hits
 *       (A = 1 + max_retries when on_error = retry and guarantee != at-most-once,
 *        else 1; permanent faults hit every attempt)  -> failed if all attempts hit
 *     failed  -> skipped (skip) or dead_lettered (dlq, retry)
 *     passed  -> exactly-once: stored if its id was not stored before, else duplicate
 *                other guarantees: stored
 *
 * Prints one JSON object: {"<on_error>/<guarantee>": {stored, duplicates,
 * dead_lettered, skipped}, ...}. Usage: fault_expect FILE SPEC MAX_RETRIES */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/config.h"
#include "arcos/evidence.h"
#include "arcos/fault.h"

typedef struct {
  char **ids;
  size_t n, cap;
} idset_t;

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: fault_expect FILE SPEC MAX_RETRIES\n");
    return 2;
  }
  arcos_faults_t faults;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  if (arcos_faults_parse(argv[2], &faults, &d) != 0) {
    fprintf(stderr, "%s\n", d.text);
    return 2;
  }
  int max_retries = atoi(argv[3]);
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL)
    return 1;
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  arcos_evidence_ctx_t *ev = arcos_evidence_create(&sc, 0, 1 << 20);
  /* per record: id (NULL when invalid) and whether it passes with / without retries */
  typedef struct {
    char *id;
    int pass_retry, pass_once;
  } rec_t;
  rec_t *recs = NULL;
  size_t n = 0, cap = 0;
  char *line = NULL;
  size_t lcap = 0;
  ssize_t len;
  while ((len = getline(&line, &lcap, f)) > 0) {
    size_t k = (size_t)len;
    while (k > 0 && (line[k - 1] == '\n'))
      k--;
    size_t j = 0;
    while (j < k && (line[j] == ' ' || line[j] == '\t' || line[j] == '\r'))
      j++;
    if (j == k)
      continue; /* blank: not a record */
    if (n == cap) {
      cap = cap ? cap * 2 : 1024;
      recs = realloc(recs, cap * sizeof *recs);
    }
    rec_t *r = &recs[n++];
    memset(r, 0, sizeof *r);
    arcos_evidence_t e;
    if (arcos_ev_ingest(ev, line, k, &e, NULL) != 0)
      continue;
    r->id = strndup(e.id, e.id_len);
    for (int mode = 0; mode < 2; mode++) {
      int attempts_allowed = mode == 0 ? 1 + max_retries : 1;
      int passed = 1;
      for (int stage = ARCOS_STAGE_INGESTION; stage <= ARCOS_STAGE_ALERT && passed; stage++) {
        int ok_stage = 0;
        for (int a = 1; a <= attempts_allowed && !ok_stage; a++) {
          int hit = 0;
          for (int i = 0; i < faults.n; i++)
            if (faults.f[i].stage == stage && faults.f[i].kind != ARCOS_FAULT_DELAY &&
                arcos_fault_hits(&faults.f[i], e.id, e.id_len, a))
              hit = 1;
          if (!hit)
            ok_stage = 1;
          else if (faults.n > 0) {
            /* a permanent hit is final */
            for (int i = 0; i < faults.n; i++)
              if (faults.f[i].stage == stage && faults.f[i].kind == ARCOS_FAULT_PERMANENT &&
                  arcos_fault_hits(&faults.f[i], e.id, e.id_len, a))
                a = attempts_allowed;
          }
        }
        passed = ok_stage;
      }
      if (mode == 0)
        r->pass_retry = passed;
      else
        r->pass_once = passed;
    }
  }
  static const char *const policies[] = {"dlq", "skip", "retry"};
  static const char *const guarantees[] = {"exactly-once", "at-least-once", "at-most-once"};
  json_t *out = json_object();
  for (int p = 0; p < 3; p++) {
    for (int g = 0; g < 3; g++) {
      int retry = p == 2 && g != 2;
      unsigned long long stored = 0, dups = 0, failed = 0;
      idset_t seen = {0};
      for (size_t i = 0; i < n; i++) {
        rec_t *r = &recs[i];
        int pass = r->id != NULL && (retry ? r->pass_retry : r->pass_once);
        if (!pass) {
          failed++;
          continue;
        }
        if (g != 0) {
          stored++;
          continue;
        }
        if (seen.n == seen.cap) {
          seen.cap = seen.cap ? seen.cap * 2 : 1024;
          seen.ids = realloc(seen.ids, seen.cap * sizeof *seen.ids);
        }
        seen.ids[seen.n++] = r->id;
      }
      if (g == 0) { /* first passing occurrence of each id is stored */
        qsort(seen.ids, seen.n, sizeof *seen.ids, cmp);
        for (size_t i = 0; i < seen.n; i++) {
          if (i > 0 && strcmp(seen.ids[i], seen.ids[i - 1]) == 0)
            dups++;
          else
            stored++;
        }
      }
      free(seen.ids);
      json_t *o = json_object();
      json_object_set_new(o, "stored", json_integer((json_int_t)stored));
      json_object_set_new(o, "duplicates", json_integer((json_int_t)dups));
      json_object_set_new(o, "dead_lettered", json_integer(p == 1 ? 0 : (json_int_t)failed));
      json_object_set_new(o, "skipped", json_integer(p == 1 ? (json_int_t)failed : 0));
      char key[64];
      snprintf(key, sizeof key, "%s/%s", policies[p], guarantees[g]);
      json_object_set_new(out, key, o);
    }
  }
  char *text = json_dumps(out, JSON_INDENT(1) | JSON_SORT_KEYS);
  puts(text);
  free(text);
  json_decref(out);
  for (size_t i = 0; i < n; i++)
    free(recs[i].id);
  free(recs);
  free(line);
  fclose(f);
  arcos_evidence_destroy(&ev);
  return 0;
}
