/* The simdjson floor (jobs/bench.sh row floor.simdjson), same shape as floor.c: read
 * lines with getline, read each record with the per-record reader alone
 * (src/evidence/fastjson.cpp: simdjson on-demand, Python-exact canonical text of
 * `data` written in the same walk), SHA-256 the canonical text with one reused
 * EVP_MD_CTX. No validation, no scoring, no output. Prints records/s on stdout as
 * "floor_records_per_s N".
 *
 *   build/bin/arcos-floor-simdjson FILE.jsonl */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "arcos/util.h"
#include "evidence/fastjson.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: arcos-floor-simdjson FILE.jsonl\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  arcos_fastjson_t *fj = arcos_fastjson_create();
  EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (f == NULL || fj == NULL || sha == NULL || md == NULL) {
    perror(argv[1]);
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
    arcos_fj_record_t r;
    records++;
    if (arcos_fastjson_parse(fj, line, (size_t)n, &r) != 0)
      continue;
    EVP_DigestInit_ex(md, sha, NULL);
    EVP_DigestUpdate(md, r.canon, r.canon_len);
    EVP_DigestFinal_ex(md, out, &outlen);
    digests += out[0] != 0 || outlen == 32;
  }
  double dt = arcos_now() - t0;
  printf("floor_records %llu\nfloor_seconds %.3f\nfloor_records_per_s %.0f\n", records, dt,
         dt > 0 ? (double)records / dt : 0.0);
  fprintf(stderr, "(%llu digests)\n", digests);
  free(line);
  EVP_MD_CTX_free(md);
  EVP_MD_free(sha);
  arcos_fastjson_destroy(&fj);
  fclose(f);
  return 0;
}
