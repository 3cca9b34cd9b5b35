/* The parse floor of ../shared/notes/performance-floor.md, measured on a given file:
 * read lines with getline, json_loadb each record, dump `data` with jansson's
 * JSON_SORT_KEYS (the notes' "canonical text" cost), SHA-256 it with one reused
 * EVP_MD_CTX, and free the tree. No validation, no scoring, no output: the least any
 * JSON Lines checksum pipeline must do. Prints records/s on stdout as
 * "floor_records_per_s N".
 *
 *   build/bin/arcos-floor FILE.jsonl */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/util.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: arcos-floor FILE.jsonl\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) {
    perror(argv[1]);
    return 1;
  }
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  unsigned long long records = 0, digests = 0;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int outlen = 0;
  double t0 = arcos_now();
  while ((n = getline(&line, &cap, f)) > 0) {
    json_error_t e;
    json_t *v = json_loadb(line, (size_t)n, 0, &e);
    records++;
    if (v == NULL)
      continue;
    json_t *data = json_object_get(v, "data");
    char *text = data != NULL ? json_dumps(data, JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    if (text != NULL) {
      EVP_DigestInit_ex(md, EVP_sha256(), NULL);
      EVP_DigestUpdate(md, text, strlen(text));
      EVP_DigestFinal_ex(md, out, &outlen);
      digests += out[0] != 0 || outlen == 32;
      free(text);
    }
    json_decref(v);
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
