/* A main() for the fuzz targets in builds without libFuzzer (gcc, the default build):
 * runs LLVMFuzzerTestOneInput once over every file named on the command line, or
 * every regular file in a named directory. The CTest tests fuzz.replay.<target> run
 * the seed corpora this way, so that every input ever found stays a regression test
 * in the default suite. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  return 0;
}

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  size_t cap = 1 << 16, len = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (buf == NULL)
      break;
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (len < cap)
      break;
    uint8_t *grown = realloc(buf, cap * 2);
    if (grown == NULL) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = grown;
    cap *= 2;
  }
  fclose(f);
  if (buf == NULL) {
    fprintf(stderr, "%s: out of memory\n", path);
    return 1;
  }
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  size_t ran = 0;
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      perror(argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      bad |= run_file(argv[i]);
      ran++;
      continue;
    }
    DIR *d = opendir(argv[i]);
    if (d == NULL) {
      perror(argv[i]);
      return 1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_name[0] == '.')
        continue;
      char **grown = realloc(names, (n + 1) * sizeof *names);
      if (grown == NULL)
        return 1;
      names = grown;
      size_t plen = strlen(argv[i]) + strlen(e->d_name) + 2;
      names[n] = malloc(plen);
      if (names[n] == NULL)
        return 1;
      snprintf(names[n], plen, "%s/%s", argv[i], e->d_name);
      n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t k = 0; k < n; k++) {
      bad |= run_file(names[k]);
      ran++;
      free(names[k]);
    }
    free(names);
  }
  printf("replayed %zu inputs\n", ran);
  if (ran == 0) {
    fprintf(stderr, "no inputs found\n");
    return 1;
  }
  return bad;
}
