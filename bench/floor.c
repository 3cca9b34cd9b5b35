/* The parse floor of ../shared/notes/performance-floor.md, measured on a given file:
 * read lines with getline, json_loadb each record, dump `data` with jansson's
 * JSON_SORT_KEYS (the notes' "canonical text" cost), SHA-256 it with one reused
 * EVP_MD_CTX, and free the tree. No validation, no scoring, no output: the least any
 * JSON Lines checksum pipeline must do. Prints records/s on stdout as
 * "floor_records_per_s N" (the loop: floor_loop.h, shared with floor_simdjson.c).
 *
 *   build/bin/arcos-floor FILE.jsonl */
#include <jansson.h>
#include <string.h>

#include "floor_loop.h"

typedef struct {
  json_t *v;
  char *text;
} jansson_t;

static int jansson_canon(void *ctx, const char *line, size_t n, const char **text, size_t *len) {
  jansson_t *j = ctx;
  json_error_t e;
  j->v = json_loadb(line, n, 0, &e);
  if (j->v == NULL)
    return 0;
  json_t *data = json_object_get(j->v, "data");
  j->text = data != NULL ? json_dumps(data, JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
  if (j->text == NULL)
    return 0;
  *text = j->text;
  *len = strlen(j->text);
  return 1;
}

static void jansson_done(void *ctx) {
  jansson_t *j = ctx;
  free(j->text);
  json_decref(j->v);
  j->text = NULL;
  j->v = NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: arcos-floor FILE.jsonl\n");
    return 2;
  }
  jansson_t j = {NULL, NULL};
  floor_reader_t r = {jansson_canon, jansson_done, &j};
  return floor_run(argv[1], EVP_sha256(), &r);
}
