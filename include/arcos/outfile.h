/* Output files that are safe against planted links and a full disk (docs/reliability.md).
 *
 * Every file the job writes is first created under a temporary name in the output or
 * state directory and renamed into place when complete. arcos_out_create removes
 * whatever has that temporary name (a stale file, or a symbolic link planted there:
 * unlink removes the link, never its target) and creates a new file with
 * O_CREAT | O_EXCL | O_NOFOLLOW, so no write ever goes through a link. rename() then
 * replaces a final name without following a link either.
 *
 * arcos_out_reserve allocates disk blocks ahead of the writes (fallocate): a disk that
 * fills up then fails the reservation, before any byte of the file is written, instead
 * of one rank's write in the middle of a collective HDF5 or MPI-IO call (where the other
 * ranks would wait for ever). */
#ifndef ARCOS_OUTFILE_H
#define ARCOS_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arcos/error.h"

/* Mode of every output file and of the checkpoint's files (the umask applies). */
#define ARCOS_OUT_FILE_MODE 0644
/* Mode of .arcos-state/ (the checkpoint holds raw input bytes: owner only). */
#define ARCOS_STATE_DIR_MODE 0700

/* Errors are ARCOS_E* codes whose kind follows the errno (arcos_err_from_errno: a full
 * disk or quota is ARCOS_ENOSPACE, so callers can advise freeing space), with a detail
 * "cannot ... PATH: strerror" whose sys_errno keeps the errno. d may be NULL. */

/* Create a new file at path (see above): ARCOS_OK with *fd set, or an error (*fd = -1). */
int arcos_out_create(const char *path, mode_t mode, int *fd, arcos_detail_t *d);

/* Reserve [off, off + len) of fd (the file at path, for the message) on disk.
 * keep_size: do not change the file's size (blocks past the end are reserved for
 * writes to come). Returns ARCOS_OK or an error (ARCOS_ENOSPACE when the disk or quota
 * is full). A file system without fallocate counts as success: the reservation is then
 * best effort. */
int arcos_out_reserve(int fd, uint64_t off, uint64_t len, bool keep_size, const char *path,
                      arcos_detail_t *d);

/* Give back the blocks reserved past the end of the file (up to `reserved` bytes). */
void arcos_out_trim(int fd, uint64_t reserved);

/* The hidden temporary name DIR/.NAME.tmp of out = DIR/NAME (malloc'd; NULL when out
 * of memory), for a file renamed into place when complete. */
char *arcos_out_temp_name(const char *out);

/* Write data to path atomically: a new temporary file "<path>.tmp" (arcos_out_create),
 * written, flushed with fsync when do_sync, closed and renamed onto path. Returns
 * ARCOS_OK or an error as above; the temporary file is removed on failure. */
int arcos_out_write_atomic(const char *path, const void *data, size_t len, bool do_sync,
                           arcos_detail_t *d);

/* The same in pieces, for a file written a buffer at a time: open (the temporary file,
 * with len bytes reserved), write as often as needed, then close, which flushes when
 * do_sync and renames onto path when every step succeeded (ok false: the caller failed
 * in between) or removes the temporary file. Errors as above; close always releases. */
typedef struct {
  const char *path;
  char tmp[4200];
  int fd;
  int rc; /* the first error so far */
} arcos_out_atomic_t;
int arcos_out_atomic_open(arcos_out_atomic_t *a, const char *path, size_t len, arcos_detail_t *d);
int arcos_out_atomic_write(arcos_out_atomic_t *a, const void *data, size_t len, arcos_detail_t *d);
int arcos_out_atomic_close(arcos_out_atomic_t *a, bool ok, bool do_sync, arcos_detail_t *d);

#endif
