/* Output files safe against planted links and a full disk; see include/arcos/outfile.h.
 * fallocate() and FALLOC_FL_* need _GNU_SOURCE: CMakeLists.txt sets it for this file
 * alone (a define here would come after the headers that clang-tidy's model includes). */
#include "arcos/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int arcos_out_create(const char *path, mode_t mode, int *fd, arcos_detail_t *d) {
  *fd = -1;
  if (unlink(path) != 0 && errno != ENOENT)
    return arcos_detail_errno(d, errno, path, "cannot replace %s", path);
  *fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (*fd < 0)
    return arcos_detail_errno(d, errno, path, "cannot create %s", path);
  return ARCOS_OK;
}

int arcos_out_reserve(int fd, uint64_t off, uint64_t len, bool keep_size, const char *path,
                      arcos_detail_t *d) {
  if (len == 0)
    return ARCOS_OK;
  int r;
  do
    r = fallocate(fd, keep_size ? FALLOC_FL_KEEP_SIZE : 0, (off_t)off, (off_t)len);
  while (r != 0 && errno == EINTR);
  if (r == 0)
    return ARCOS_OK;
  if (errno == EOPNOTSUPP || errno == ENOSYS)
    return ARCOS_OK; /* no fallocate here: writes will report a full disk themselves */
  return arcos_detail_errno(d, errno, path, "cannot reserve %llu bytes for %s",
                            (unsigned long long)len, path);
}

void arcos_out_trim(int fd, uint64_t reserved) {
  struct stat st;
  if (fstat(fd, &st) != 0 || (uint64_t)st.st_size >= reserved)
    return;
  /* Past the end of the file: a hole there frees the blocks KEEP_SIZE reserved. */
  (void)fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st.st_size,
                  (off_t)(reserved - (uint64_t)st.st_size));
  /* ext4 punches no hole past the end; truncating to the same size frees the blocks. */
  (void)ftruncate(fd, st.st_size);
}

int arcos_out_atomic_open(arcos_out_atomic_t *a, const char *path, size_t len, arcos_detail_t *d) {
  a->path = path;
  a->fd = -1;
  a->rc = ARCOS_OK;
  if (snprintf(a->tmp, sizeof a->tmp, "%s.tmp", path) >= (int)sizeof a->tmp)
    return a->rc = arcos_detail_errno(d, ENAMETOOLONG, path, "cannot write %s", path);
  a->rc = arcos_out_create(a->tmp, ARCOS_OUT_FILE_MODE, &a->fd, d);
  if (a->rc == ARCOS_OK)
    a->rc = arcos_out_reserve(a->fd, 0, len, false, a->tmp, d);
  return a->rc;
}

int arcos_out_atomic_write(arcos_out_atomic_t *a, const void *data, size_t len, arcos_detail_t *d) {
  const char *p = data;
  size_t left = a->rc == ARCOS_OK ? len : 0;
  while (left > 0) {
    ssize_t w = write(a->fd, p, left);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return a->rc = arcos_detail_errno(d, w < 0 ? errno : EIO, a->path, "cannot write %s", a->tmp);
    p += w;
    left -= (size_t)w;
  }
  return a->rc;
}

int arcos_out_atomic_close(arcos_out_atomic_t *a, bool ok, bool do_sync, arcos_detail_t *d) {
  int rc = a->rc;
  if (a->fd >= 0) {
    if (rc == ARCOS_OK && ok && do_sync && fsync(a->fd) != 0)
      rc = arcos_detail_errno(d, errno, a->path, "cannot flush %s", a->tmp);
    if (close(a->fd) != 0 && rc == ARCOS_OK)
      rc = arcos_detail_errno(d, errno, a->path, "cannot close %s", a->tmp);
    if (rc == ARCOS_OK && ok && rename(a->tmp, a->path) != 0)
      rc = arcos_detail_errno(d, errno, a->path, "cannot rename %s to %s", a->tmp, a->path);
    if (rc != ARCOS_OK || !ok)
      unlink(a->tmp);
  }
  a->fd = -1;
  return a->rc = rc;
}

int arcos_out_write_atomic(const char *path, const void *data, size_t len, bool do_sync,
                           arcos_detail_t *d) {
  arcos_out_atomic_t a;
  arcos_out_atomic_open(&a, path, len, d);
  arcos_out_atomic_write(&a, data, len, d);
  return arcos_out_atomic_close(&a, true, do_sync, d);
}

char *arcos_out_temp_name(const char *out) {
  const char *slash = strrchr(out, '/');
  size_t dlen = slash != NULL ? (size_t)(slash - out + 1) : 0;
  size_t n = strlen(out) + 8;
  char *t = malloc(n);
  if (t != NULL)
    snprintf(t, n, "%.*s.%s.tmp", (int)dlen, out, out + dlen);
  return t;
}
