/* The simdjson floor (jobs/bench.sh row floor.simdjson), same shape as floor.c (the
 * loop: floor_loop.h): read lines with getline, read each record with the per-record
 * reader alone (src/evidence/fastjson.cpp: simdjson on-demand, Python-exact canonical
 * text of `data` written in the same walk), SHA-256 the canonical text with one reused
 * EVP_MD_CTX. No validation, no scoring, no output. Prints records/s on stdout as
 * "floor_records_per_s N".
 *
 *   build/bin/arcos-floor-simdjson FILE.jsonl */
#include "evidence/fastjson.h"
#include "floor_loop.h"

static int fast_canon(void *ctx, const char *line, size_t n, const char **text, size_t *len) {
  arcos_fj_record_t rec;
  if (arcos_fastjson_parse(ctx, line, n, &rec) != 0)
    return 0;
  *text = rec.canon;
  *len = rec.canon_len;
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: arcos-floor-simdjson FILE.jsonl\n");
    return 2;
  }
  arcos_fastjson_t *fj = arcos_fastjson_create();
  EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (fj == NULL || sha == NULL) {
    fprintf(stderr, "arcos-floor-simdjson: out of memory\n");
    return 1;
  }
  floor_reader_t r = {fast_canon, NULL, fj};
  int rc = floor_run(argv[1], sha, &r);
  EVP_MD_free(sha);
  arcos_fastjson_destroy(&fj);
  return rc;
}
