/* What the checksum memo saves, measured on one rank (issue 5, "a dataset where 50 %
 * of payloads repeat"). Records carry a coverage-report `data` object of about 3 KB
 * and its correct checksum; half of them reuse one of 20 payloads. Timed per record:
 *   stages    arcos_ev_ingest + arcos_ev_analyze as the pipeline runs them today
 *   verify    the part a memo hit skips: canonical form of `data` + SHA-256
 *   memo      raw `data` span + memo key + batched lookup, and a store for misses
 * (CPU seconds of the process, not wall time)
 * and the estimate for stages with the memo: stages - hits * verify + memo.
 *
 *   build/bin/arcos-memo-bench [RECORDS]        (no mpirun needed) */
#include <inttypes.h>
#include <jansson.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arcos/cache.h"
#include "arcos/evidence.h"
#include "arcos/util.h"
#include "dist/memo.h"

enum { BATCH = 100 };

/* CPU time of this process: the development machine is shared, and wall time there
 * mostly measures the neighbours. */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int payload(char *out, size_t cap, int which) {
  int n = snprintf(out, cap, "{\"tool\": \"coverage.py\", \"report\": %d, \"files\": [", which);
  for (int f = 0; f < 40; f++)
    n += snprintf(out + n, cap - (size_t)n,
                  "%s{\"path\": \"src/module_%d/file_%d.c\", \"lines\": %d, \"covered\": %d}",
                  f ? ", " : "", which % 13, f, 100 + (which * 7 + f) % 400, 50 + (which + f) % 50);
  n += snprintf(out + n, cap - (size_t)n, "]}");
  return n;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  long nrec = argc > 1 ? atol(argv[1]) : 20000;
  arcos_evidence_ctx_t *ev = arcos_evidence_create(NULL, 1740830400, 1 << 20);
  arcos_cache_t *cache = arcos_cache_create(MPI_COMM_WORLD, NULL);
  char **rec = malloc((size_t)nrec * sizeof *rec);
  size_t *len = malloc((size_t)nrec * sizeof *len);
  static char data[8192];
  arcos_buf_t canon = {0};
  for (long i = 0; i < nrec; i++) {
    int which = i % 2 ? (int)(i * 2654435761u % 20) : (int)(1000 + i);
    int dn = payload(data, sizeof data, which);
    json_t *d = json_loadb(data, (size_t)dn, 0, NULL);
    char hex[65];
    arcos_buf_reset(&canon);
    arcos_canonical_append(&canon, d);
    arcos_ev_sha256_hex(ev, canon.data, canon.len, hex);
    json_decref(d);
    rec[i] = malloc((size_t)dn + 256);
    len[i] = (size_t)snprintf(rec[i], (size_t)dn + 256,
                              "{\"id\": \"ev-%06ld\", \"type\": \"coverage\", \"source\": \"ci\", "
                              "\"timestamp\": \"2025-03-01T12:00:00Z\", \"data\": %s, "
                              "\"checksum\": \"%s\"}",
                              i + 1, data, hex);
  }

  /* Today's stages 1 and 2. */
  arcos_detail_t det;
  arcos_evidence_t r;
  long verified = 0;
  double t0 = cpu_now();
  for (long i = 0; i < nrec; i++) {
    if (arcos_ev_ingest(ev, rec[i], len[i], &r, &det) == 0 && arcos_ev_analyze(ev, &r) == 0)
      verified += r.verified;
  }
  double t_stages = cpu_now() - t0;

  /* The part a memo hit skips (parsing `data` again is not part of it). */
  double t_verify = 0;
  for (long i = 0; i < nrec; i++) {
    size_t off, n;
    arcos_json_raw_member(rec[i], len[i], "data", 4, &off, &n);
    json_t *d = json_loadb(rec[i] + off, n, 0, NULL);
    double t1 = cpu_now();
    char hex[65];
    arcos_buf_reset(&canon);
    arcos_canonical_append(&canon, d);
    arcos_ev_sha256_hex(ev, canon.data, canon.len, hex);
    t_verify += cpu_now() - t1;
    json_decref(d);
  }

  /* The memo path: key from the raw span, one lookup round and one store round per batch. */
  unsigned char keys[BATCH * ARCOS_CACHE_MEMO_KEY_LEN];
  int8_t verdict[BATCH];
  long hits = 0;
  t0 = cpu_now();
  for (long b0 = 0; b0 < nrec; b0 += BATCH) {
    int nb = (int)(nrec - b0 < BATCH ? nrec - b0 : BATCH);
    for (int j = 0; j < nb; j++) {
      const char *t = rec[b0 + j];
      size_t off, n;
      /* The pipeline has the checksum string from ingestion; here it is the record's
       * last 66 bytes minus the closing brace. */
      arcos_json_raw_member(t, len[b0 + j], "data", 4, &off, &n);
      if (arcos_cache_memo_key(t + off, n, t + len[b0 + j] - 66, 64,
                               keys + j * ARCOS_CACHE_MEMO_KEY_LEN) != 0)
        return 1;
    }
    arcos_cache_memo_lookup(cache, keys, (size_t)nb, verdict);
    for (int j = 0; j < nb; j++) {
      if (verdict[j] >= 0)
        hits++;
      else
        verdict[j] = 1;
    }
    arcos_cache_memo_store(cache, keys, verdict, (size_t)nb, 0);
  }
  double t_memo = cpu_now() - t0;

  double per_verify = t_verify / (double)nrec;
  double est = t_stages - (double)hits * per_verify + t_memo;
  printf("records %ld (verified %ld), memo hits %ld (ratio %.3f)\n", nrec, verified, hits,
         (double)hits / (double)nrec);
  printf("stages 1-2 today:        %.3f s  (%.2f us/record)\n", t_stages,
         1e6 * t_stages / (double)nrec);
  printf("canonical + SHA-256:     %.3f s  (%.2f us/record, what a hit skips)\n", t_verify,
         1e6 * per_verify);
  printf("memo key + lookup/store: %.3f s  (%.2f us/record)\n", t_memo,
         1e6 * t_memo / (double)nrec);
  printf("stages 1-2 with memo:    %.3f s  (estimate), speed-up %.2fx\n", est, t_stages / est);

  for (long i = 0; i < nrec; i++)
    free(rec[i]);
  free(rec);
  free(len);
  arcos_buf_free(&canon);
  arcos_cache_destroy(&cache);
  arcos_evidence_destroy(&ev);
  MPI_Finalize();
  return 0;
}
