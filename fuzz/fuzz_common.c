/* See fuzz_common.h. */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch_path[256];

static void remove_scratch(void) {
  if (scratch_path[0] != '\0')
    unlink(scratch_path);
}

const char *fuzz_write_file(const char *suffix, const uint8_t *data, size_t size) {
  if (scratch_path[0] == '\0') {
    const char *dir = getenv("TMPDIR");
    snprintf(scratch_path, sizeof scratch_path, "%s/arcos-fuzz-XXXXXX%s",
             dir != NULL && dir[0] != '\0' ? dir : "/tmp", suffix);
    int fd = mkstemps(scratch_path, (int)strlen(suffix));
    FUZZ_CHECK(fd >= 0);
    close(fd);
    atexit(remove_scratch);
  }
  FILE *f = fopen(scratch_path, "wb");
  FUZZ_CHECK(f != NULL);
  FUZZ_CHECK(size == 0 || fwrite(data, 1, size, f) == size);
  FUZZ_CHECK(fclose(f) == 0);
  return scratch_path;
}
