/* Errors: the code list, errno kinds, the detail's first-error rule, and the one abort
 * macro (ARCOS_ABORT), which must name rank, file, line and text and never return. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arcos/error.h"
#include "check.h"

int main(void) {
  CHECK_STR_EQ(arcos_strerror(ARCOS_ENOSPACE),
               "no space left on the file system (or quota exceeded)");
  CHECK_STR_EQ(arcos_strerror(ARCOS_OK), "success");
  CHECK_STR_EQ(arcos_strerror(12345), "unknown error");

  /* The first error wins; arcos_detail_errno keeps the errno and its kind. */
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_detail_errno(&d, ENOSPC, "out/x", "cannot write %s", "out/x"), ARCOS_ENOSPACE);
  CHECK_INT_EQ(arcos_detail_set(&d, ARCOS_EIO, "other", 0, "later"), ARCOS_EIO);
  CHECK_INT_EQ(d.code, ARCOS_ENOSPACE);
  CHECK_INT_EQ(d.sys_errno, ENOSPC);
  CHECK_STR_EQ(d.source, "out/x");
  CHECK(strncmp(d.text, "cannot write out/x: ", 20) == 0 && strlen(d.text) > 20);
  CHECK_INT_EQ(arcos_detail_errno(NULL, ENOENT, "x", "y"), ARCOS_ENOENT);

  /* ARCOS_ABORT before MPI_Init: the message on stderr, then abort(). */
  int fds[2];
  CHECK_INT_EQ(pipe(fds), 0);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    ARCOS_ABORT(MPI_COMM_WORLD, "boom %d", 7);
  }
  close(fds[1]);
  char buf[512] = "";
  size_t n = 0;
  ssize_t r;
  while (n < sizeof buf - 1 && (r = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0)
    n += (size_t)r;
  buf[n] = '\0';
  close(fds[0]);
  int status = 0;
  CHECK_INT_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
  CHECK(strstr(buf, "arcos-scale: rank -1: ") == buf);
  CHECK(strstr(buf, "test_error.c:") != NULL && strstr(buf, ": boom 7\n") != NULL);
  return CHECK_DONE();
}
