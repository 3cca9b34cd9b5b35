/* Config parser (`run` options, docs/options.md): the input is a job-config file up to
 * the first NUL byte, then command-line arguments separated by NUL bytes; parsed as
 * `run --config FILE ARGS...` with the full precedence (file < environment < flags),
 * including the --inject-fault spec parser. The result is 0 (then the effective
 * configuration must serialise), ARCOS_EUSAGE or ARCOS_ECONFIG with a message; never
 * a crash or a leak. Arguments that name another --config are dropped (they could
 * point the parser at /dev/stdin). */
#include <string.h>

#include "arcos/config.h"
#include "fuzz_common.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t file_len = nul != NULL ? (size_t)(nul - data) : size;
  const char *path = fuzz_write_file(".json", data, file_len);

  /* A NUL-terminated copy of the argument bytes. */
  size_t alen = nul != NULL ? size - file_len - 1 : 0;
  char *args = malloc(alen + 1);
  FUZZ_CHECK(args != NULL);
  if (alen > 0)
    memcpy(args, nul + 1, alen);
  args[alen] = '\0';
  char *argv[MAX_ARGS + 4];
  int argc = 0;
  argv[argc++] = "run";
  argv[argc++] = "--config";
  argv[argc++] = (char *)path;
  for (size_t i = 0; nul != NULL && i <= alen && argc < MAX_ARGS + 3;) {
    char *a = args + i;
    size_t n = strlen(a);
    if (strncmp(a, "--config", 8) != 0)
      argv[argc++] = a;
    i += n + 1;
  }
  argv[argc] = NULL;

  arcos_config_t cfg;
  arcos_config_init(&cfg);
  bool help = false;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_config_parse_run(&cfg, argc, argv, &help, &d);
  if (rc == 0) {
    json_t *j = arcos_config_to_json(&cfg);
    FUZZ_CHECK(j != NULL);
    char *text = json_dumps(j, JSON_SORT_KEYS);
    FUZZ_CHECK(text != NULL);
    free(text);
    json_decref(j);
  } else {
    FUZZ_CHECK(rc == ARCOS_EUSAGE || rc == ARCOS_ECONFIG);
    FUZZ_CHECK(d.text[0] != '\0');
  }
  arcos_config_free(&cfg);
  free(args);
  return 0;
}
