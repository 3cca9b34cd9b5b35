/* The loop both parse floors share (floor.c: jansson; floor_simdjson.c: the per-record
 * reader): read FILE with getline, get each record's canonical text of `data` from the
 * floor's reader, SHA-256 it with one reused EVP_MD_CTX, time the whole loop. Prints
 * "floor_records N", "floor_seconds S" and "floor_records_per_s R" on stdout (what
 * jobs/bench.sh reads) and the digest count on stderr. */
#ifndef ARCOS_BENCH_FLOOR_LOOP_H
#define ARCOS_BENCH_FLOOR_LOOP_H

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "arcos/util.h"

/* One record's canonical text of `data` into *text, *len: 1 when there is one to
 * digest, 0 when not (not JSON, no `data`). done (may be NULL) runs after each record,
 * digested or not, to free what canon made. */
typedef struct {
  int (*canon)(void *ctx, const char *line, size_t n, const char **text, size_t *len);
  void (*done)(void *ctx);
  void *ctx;
} floor_reader_t;

/* Exit status: 0, 1 (FILE or the digest cannot be opened). */
static int floor_run(const char *path, const EVP_MD *sha, const floor_reader_t *r) {
  FILE *f = fopen(path, "rb");
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (f == NULL || md == NULL || sha == NULL) {
    perror(path);
    if (f != NULL)
      fclose(f);
    EVP_MD_CTX_free(md);
    return 1;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  unsigned long long records = 0, digests = 0;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int outlen = 0;
  double t0 = arcos_now();
  while ((n = getline(&line, &cap, f)) > 0) {
    const char *text = NULL;
    size_t len = 0;
    records++;
    if (r->canon(r->ctx, line, (size_t)n, &text, &len) == 1) {
      EVP_DigestInit_ex(md, sha, NULL);
      EVP_DigestUpdate(md, text, len);
      EVP_DigestFinal_ex(md, out, &outlen);
      digests += out[0] != 0 || outlen == 32;
    }
    if (r->done != NULL)
      r->done(r->ctx);
  }
  double dt = arcos_now() - t0;
  printf("floor_records %llu\nfloor_seconds %.3f\nfloor_records_per_s %.0f\n", records, dt,
         dt > 0 ? (double)records / dt : 0.0);
  fprintf(stderr, "(%llu digests)\n", digests);
  free(line);
  EVP_MD_CTX_free(md);
  fclose(f);
  return 0;
}

#endif
