/* Output files (src/core/outfile.c): a new file under the temporary name, never through a
 * link planted there; the reservation; the atomic write; the trim of a reservation. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/outfile.h"
#include "arcos/util.h"
#include "check.h"

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  fputs(text, f);
  fclose(f);
}

static char *get(const char *path) {
  arcos_buf_t b = {0};
  CHECK_INT_EQ(arcos_read_file(path, &b), 0);
  return b.data;
}

int main(void) {
  char dir[] = "/tmp/arcos-test-outfile-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char victim[256], link[256], out[256], tmp[300], sub[256];
  snprintf(victim, sizeof victim, "%s/victim", dir);
  snprintf(link, sizeof link, "%s/link.tmp", dir);
  snprintf(out, sizeof out, "%s/out.json", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", out);
  snprintf(sub, sizeof sub, "%s/sub", dir);

  /* A link planted at the temporary name: removed, its target untouched. */
  put(victim, "precious");
  CHECK_INT_EQ(symlink(victim, link), 0);
  int fd = -1;
  CHECK_INT_EQ(arcos_out_create(link, ARCOS_OUT_FILE_MODE, &fd, NULL), 0);
  CHECK(fd >= 0);
  CHECK_INT_EQ(write(fd, "new", 3), 3);
  close(fd);
  struct stat st;
  CHECK_INT_EQ(lstat(link, &st), 0);
  CHECK(S_ISREG(st.st_mode));
  char *v = get(victim);
  CHECK_STR_EQ(v, "precious");
  free(v);

  /* A stale temporary file is replaced; a directory under the name is an error. */
  CHECK_INT_EQ(arcos_out_create(link, ARCOS_OUT_FILE_MODE, &fd, NULL), 0);
  CHECK(fd >= 0);
  CHECK_INT_EQ(fstat(fd, &st), 0);
  CHECK_INT_EQ(st.st_size, 0);
  close(fd);
  CHECK_INT_EQ(mkdir(sub, 0700), 0);
  /* unlink of a directory fails: the kind follows errno and the detail names the path */
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK(arcos_out_create(sub, ARCOS_OUT_FILE_MODE, &fd, &d) < 0);
  CHECK_INT_EQ(fd, -1);
  CHECK(d.sys_errno != 0 && strstr(d.text, sub) != NULL && strstr(d.text, "cannot") != NULL);
  CHECK_INT_EQ(d.code, arcos_err_from_errno(d.sys_errno));

  /* Atomic write over a link at the final name and at the temporary name. */
  CHECK_INT_EQ(symlink(victim, out), 0);
  CHECK_INT_EQ(symlink(victim, tmp), 0);
  CHECK_INT_EQ(arcos_out_write_atomic(out, "{\"a\":1}", 7, true, NULL), 0);
  v = get(out);
  CHECK_STR_EQ(v, "{\"a\":1}");
  free(v);
  v = get(victim);
  CHECK_STR_EQ(v, "precious");
  free(v);
  CHECK_INT_EQ(lstat(out, &st), 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK(access(tmp, F_OK) != 0); /* renamed away */
  /* A failure leaves no temporary file: the target directory does not exist. */
  char bad[300];
  snprintf(bad, sizeof bad, "%s/missing/x.json", dir);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_out_write_atomic(bad, "x", 1, false, &d), ARCOS_ENOENT);
  CHECK_INT_EQ(d.code, ARCOS_ENOENT);
  CHECK_INT_EQ(d.sys_errno, ENOENT);
  CHECK(strstr(d.text, "cannot create") != NULL && strstr(d.text, "missing/x.json.tmp") != NULL);
  /* The kinds of errno values: a full disk or quota is its own kind. */
  CHECK_INT_EQ(arcos_err_from_errno(ENOSPC), ARCOS_ENOSPACE);
  CHECK_INT_EQ(arcos_err_from_errno(EDQUOT), ARCOS_ENOSPACE);
  CHECK_INT_EQ(arcos_err_from_errno(EEXIST), ARCOS_EEXISTS);
  CHECK_INT_EQ(arcos_err_from_errno(EACCES), ARCOS_EIO);

  /* Reservation past the end keeps the size; the trim gives the blocks back. */
  CHECK_INT_EQ(arcos_out_create(link, ARCOS_OUT_FILE_MODE, &fd, NULL), 0);
  CHECK(fd >= 0);
  CHECK_INT_EQ(arcos_out_reserve(fd, 0, 8 << 20, true, link, NULL), 0);
  CHECK_INT_EQ(fstat(fd, &st), 0);
  CHECK_INT_EQ(st.st_size, 0);
  long long reserved_blocks = (long long)st.st_blocks;
  CHECK_INT_EQ(write(fd, "abc", 3), 3);
  arcos_out_trim(fd, 8 << 20);
  CHECK_INT_EQ(fstat(fd, &st), 0);
  CHECK_INT_EQ(st.st_size, 3);
  if (reserved_blocks > 0) /* a file system with fallocate */
    CHECK((long long)st.st_blocks < reserved_blocks);
  close(fd);
  unlink(link);
  unlink(out);
  unlink(victim);
  rmdir(sub);
  rmdir(dir);
  return CHECK_DONE();
}
