/* Forced into every file clang-tidy analyses (tests/tools/lint.sh, -include): facts
 * about MPI that the analyser cannot see in the headers. Not used by any build.
 *
 * 1. MPI_Abort ends every process of the communicator and does not return (Open MPI's
 *    does not; the code relies on it after a failed allocation, ARCOS_OOM_ABORT).
 * 2. A reduction never hides the calling rank's own value: the code agrees on
 *    failures with MPI_Allreduce(MIN) of status codes (negative on failure) or of
 *    ok flags, then skips the work on every rank. For one int, the model returns the
 *    rank's own value (the one-rank case), so the analyser sees that a local failure
 *    is an agreed failure. Without these, clang-analyzer follows paths that cannot
 *    happen and reports the NULL buffers the agreement guarded as dereferenced.
 *    Every other call goes to PMPI_Allreduce unchanged. */
#include <mpi.h>
#include <string.h>

int MPI_Abort(MPI_Comm comm, int errorcode) __attribute__((noreturn));

static inline int arcos_lint_allreduce(const void *s, void *r, int c, MPI_Datatype t, MPI_Op o,
                                       MPI_Comm comm) {
  if (c == 1 && t == MPI_INT) {
    if (s != MPI_IN_PLACE)
      *(int *)r = *(const int *)s;
    return MPI_SUCCESS;
  }
  return PMPI_Allreduce(s, r, c, t, o, comm);
}
#define MPI_Allreduce(s, r, c, t, o, comm) arcos_lint_allreduce(s, r, c, t, o, comm)
