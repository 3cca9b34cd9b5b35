/* Parallel HDF5 output: the only module that talks to HDF5 for writing.
 *
 * Every public function is collective and follows one shape so that a failure on one
 * rank never leaves the others waiting inside a collective HDF5 or MPI call:
 *
 *   1. local work only (argument checks, selections, buffers) -> local status;
 *   2. agree(): one small MPI_Allreduce of the status plus a signature of the
 *      arguments that must match on all ranks (path, type, total, attribute value)
 *      and, for a dataset, the number of elements written by all ranks; if anyone
 *      failed, the arguments differ or the blocks do not add up to the dataset, every
 *      rank stops here;
 *   3. the collective HDF5 calls, with another agree() between a collective create and
 *      the collective write that depends on it;
 *   4. cleanup in reverse order on every path, then a last agree() so that every rank
 *      returns the same code.
 *
 * HDF5's automatic error printing is switched off while a file is open; a failing
 * call prints the HDF5 error stack (H5Eprint2) with the rank and the call. */
#include "arcos/h5.h"
#include "arcos/outfile.h"

#include "io/zchunk.h"

#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct arcos_h5 {
  MPI_Comm comm;           /* our duplicate: our agreements never match the caller's messages */
  MPI_Datatype agree_type; /* agree_t */
  MPI_Op agree_op;
  int rank;
  int size;
  hid_t file;
  hid_t severity;       /* enum over uint8, used as memory and file type */
  uint64_t chunk_rows;  /* 0: contiguous datasets; else chunk of numeric columns */
  uint64_t chunk_bytes; /* chunk of ARCOS_H5_CHAR datasets (string bytes) */
  int deflate;          /* deflate level 1..9 of chunked datasets, 0 none */
  int char_deflate;     /* the same for ARCOS_H5_CHAR datasets */
  H5E_auto2_t old_func; /* HDF5 automatic error printing, restored on close */
  void *old_data;
  char err[512];     /* last error text on this rank, "" when none */
  int resv_fd;       /* rank 0: the file, for reserving its blocks; -1 elsewhere */
  uint64_t reserved; /* rank 0: bytes reserved so far (reserve()) */
};

/* Rows and bytes are uint64 in the API; hsize_t must hold them. */
_Static_assert(sizeof(hsize_t) >= sizeof(uint64_t), "hsize_t narrower than uint64_t");

static void set_err(arcos_h5_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(arcos_h5_t *h, const char *fmt, ...) {
  if (h->err[0] != '\0')
    return; /* first error wins */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h->err, sizeof h->err, fmt, ap);
  va_end(ap);
}

/* Report a failed HDF5 call: our line, then HDF5's own error stack. */
static int h5_fail(arcos_h5_t *h, const char *call, const char *what) {
  set_err(h, "%s(%s) failed on rank %d", call, what, h->rank);
  fprintf(stderr, "arcos h5 [rank %d]: %s(%s) failed; HDF5 error stack:\n", h->rank, call, what);
  H5Eprint2(H5E_DEFAULT, stderr);
  return ARCOS_EHDF5;
}

/* Run an HDF5 call that returns hid_t or herr_t; on < 0 set rc and go to the label. */
#define H5_TRY(expr, call, what, label)                                                            \
  do {                                                                                             \
    if ((expr) < 0) {                                                                              \
      rc = h5_fail(h, call, what);                                                                 \
      goto label;                                                                                  \
    }                                                                                              \
  } while (0)

/* FNV-1a over bytes, for the argument signature compared across ranks. */
static uint64_t fnv1a(uint64_t hash, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) {
    hash ^= s[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

static uint64_t sig_str(uint64_t hash, const char *s) {
  return fnv1a(hash, s, strlen(s) + 1); /* the NUL separates consecutive strings */
}

#define SIG_INIT 0xcbf29ce484222325ULL

/* What the ranks combine in one MPI_Allreduce (agree_combine): the most negative status,
 * the smallest and largest argument signature, and a sum (elements written). */
typedef struct {
  int64_t rc;
  int64_t sig_lo;
  int64_t sig_hi;
  int64_t sum;
} agree_t;

static void agree_combine(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  const agree_t *a = in;
  agree_t *b = inout;
  for (int i = 0; i < *len; i++) {
    b[i].rc = a[i].rc < b[i].rc ? a[i].rc : b[i].rc;
    b[i].sig_lo = a[i].sig_lo < b[i].sig_lo ? a[i].sig_lo : b[i].sig_lo;
    b[i].sig_hi = a[i].sig_hi > b[i].sig_hi ? a[i].sig_hi : b[i].sig_hi;
    b[i].sum += a[i].sum;
  }
}

/* Combine the local status over all ranks. sig must be equal on every rank (pass 0 where
 * nothing needs comparing); *sum (when not NULL) becomes the sum of every rank's `add`.
 * Returns the agreed code, the same on every rank: the most negative local code, or
 * ARCOS_EUSAGE when the signatures differ. */
static int agree_sum(arcos_h5_t *h, int rc, uint64_t sig, int64_t add, int64_t *sum,
                     const char *what) {
  agree_t v = {rc, (int64_t)(sig >> 1), (int64_t)(sig >> 1), add}, g = v;
  if (MPI_Allreduce(&v, &g, 1, h->agree_type, h->agree_op, h->comm) != MPI_SUCCESS) {
    set_err(h, "MPI_Allreduce failed while agreeing on %s", what);
    return ARCOS_EMPI;
  }
  if (sum != NULL)
    *sum = g.sum;
  if (g.rc < 0) {
    if (rc == 0)
      set_err(h, "%s failed on another rank (see its error output)", what);
    return (int)g.rc;
  }
  if (g.sig_lo != g.sig_hi) {
    set_err(h, "%s: ranks passed different arguments to a collective call", what);
    return ARCOS_EUSAGE;
  }
  return ARCOS_OK;
}

static int agree(arcos_h5_t *h, int rc, uint64_t sig, const char *what) {
  return agree_sum(h, rc, sig, 0, NULL, what);
}

/* Space for the whole file is reserved on disk before HDF5 writes it: rank 0 reserves
 * each dataset's and attribute's bytes plus an allowance for HDF5's metadata (object
 * headers, chunk indexes, heaps) before the collective calls that write them, and the
 * result is agreed as any local step. A full disk then fails a reservation, which every
 * rank learns in the next agreement, never a write inside a collective HDF5 call: there
 * one rank's failure leaves the others waiting for ever (seen in the fault campaign,
 * H5Fclose flushing metadata on a full disk). The blocks are reserved past the end of
 * the file (FALLOC_FL_KEEP_SIZE), so HDF5 sees an empty file, and the unused rest is
 * given back when the file is closed. */
#define RESERVE_BASE ((uint64_t)256 << 10)  /* superblock, root group, small objects */
#define RESERVE_OBJECT ((uint64_t)16 << 10) /* per dataset or attribute: its headers */

static int reserve(arcos_h5_t *h, uint64_t bytes, const char *what) {
  if (h->rank != 0 || h->resv_fd < 0)
    return ARCOS_OK;
  uint64_t add = bytes + bytes / 32 + RESERVE_OBJECT; /* 3 % for chunk indexes */
  arcos_detail_t od;
  arcos_detail_clear(&od);
  if (arcos_out_reserve(h->resv_fd, 0, h->reserved + add, true, what, &od) != ARCOS_OK) {
    set_err(h, "no space to write %s (%" PRIu64 " bytes more, %" PRIu64 " reserved): %s", what, add,
            h->reserved, strerror(od.sys_errno));
    return ARCOS_EIO;
  }
  h->reserved += add;
  return ARCOS_OK;
}

const char *arcos_h5_errmsg(const arcos_h5_t *h) { return h != NULL ? h->err : ""; }

/* Build the severity enum {none=0, medium=1, high=2, critical=3} over uint8. */
static hid_t severity_type(void) {
  static const char *const names[] = {"none", "medium", "high", "critical"};
  hid_t t = H5Tenum_create(H5T_NATIVE_UINT8);
  if (t < 0)
    return t;
  for (uint8_t v = 0; v < 4; v++) {
    if (H5Tenum_insert(t, names[v], &v) < 0) {
      H5Tclose(t);
      return -1;
    }
  }
  return t;
}

int arcos_h5_create(MPI_Comm comm, const char *path, arcos_h5_t **out, arcos_detail_t *detail) {
  int rc = ARCOS_OK;
  hid_t fapl = H5I_INVALID_HID;
  *out = NULL;

  arcos_h5_t *h = calloc(1, sizeof *h);
  if (h == NULL) {
    /* Without a handle there is nothing to agree with; calloc of a few hundred bytes
     * failing means the process is lost anyway. */
    return arcos_detail_set(detail, ARCOS_ENOMEM, "h5", 0, "out of memory creating %s", path);
  }
  h->file = H5I_INVALID_HID;
  h->severity = H5I_INVALID_HID;
  h->resv_fd = -1;
  if (MPI_Comm_dup(comm, &h->comm) != MPI_SUCCESS) {
    free(h);
    return arcos_detail_set(detail, ARCOS_EMPI, "h5", 0, "MPI_Comm_dup failed");
  }
  MPI_Comm_rank(h->comm, &h->rank);
  MPI_Comm_size(h->comm, &h->size);
  /* MPI's default error handler aborts on a failure here, as for every MPI call. */
  MPI_Type_contiguous(4, MPI_INT64_T, &h->agree_type);
  MPI_Type_commit(&h->agree_type);
  MPI_Op_create(agree_combine, 1, &h->agree_op);
  H5Eget_auto2(H5E_DEFAULT, &h->old_func, &h->old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

  H5_TRY(h->severity = severity_type(), "H5Tenum_create", "severity", agree_open);
  H5_TRY(fapl = H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", "file access", agree_open);
  H5_TRY(H5Pset_fapl_mpio(fapl, h->comm, MPI_INFO_NULL), "H5Pset_fapl_mpio", path, agree_open);
  /* Every call in this module is collective, so metadata can be read once and
   * broadcast and written collectively instead of by every rank. */
  H5_TRY(H5Pset_all_coll_metadata_ops(fapl, 1), "H5Pset_all_coll_metadata_ops", path, agree_open);
  H5_TRY(H5Pset_coll_metadata_write(fapl, 1), "H5Pset_coll_metadata_write", path, agree_open);
  /* The 1.8 format stores attributes over 64 KiB densely (a job config may be larger);
   * files stay readable by HDF5 1.8 and later. */
  H5_TRY(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST), "H5Pset_libver_bounds",
         path, agree_open);

  /* Rank 0 creates the file itself, as every output: a new file (O_EXCL), never through
   * a link planted at its name. It stays empty, so H5F_ACC_TRUNC keeps the reservation. */
  if (h->rank == 0) {
    arcos_detail_t od;
    arcos_detail_clear(&od);
    if (arcos_out_create(path, ARCOS_OUT_FILE_MODE, &h->resv_fd, &od) != ARCOS_OK) {
      set_err(h, "%s", od.text);
      rc = ARCOS_EIO;
      goto agree_open;
    }
    rc = reserve(h, RESERVE_BASE, path);
  }

agree_open:
  rc = agree(h, rc, sig_str(SIG_INIT, path), "arcos_h5_create");
  if (rc == ARCOS_OK) {
    h->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (h->file < 0)
      rc = h5_fail(h, "H5Fcreate", path);
    rc = agree(h, rc, 0, "arcos_h5_create");
  }
  if (fapl >= 0)
    H5Pclose(fapl);
  if (rc != ARCOS_OK) {
    arcos_detail_set(detail, rc, path, 0, "creating HDF5 file: %s", h->err);
    arcos_h5_t *tmp = h;
    arcos_h5_close(&tmp); /* closes the file collectively where it was opened */
    return rc;
  }
  *out = h;
  return ARCOS_OK;
}

int arcos_h5_close(arcos_h5_t **hp) {
  if (hp == NULL || *hp == NULL)
    return ARCOS_OK;
  arcos_h5_t *h = *hp;
  int rc = ARCOS_OK;
  if (h->file >= 0 && H5Fclose(h->file) < 0)
    rc = h5_fail(h, "H5Fclose", "file");
  if (h->severity >= 0 && H5Tclose(h->severity) < 0 && rc == ARCOS_OK)
    rc = h5_fail(h, "H5Tclose", "severity");
  rc = agree(h, rc, 0, "arcos_h5_close");
  if (h->resv_fd >= 0) {
    arcos_out_trim(h->resv_fd, h->reserved); /* the reserved blocks HDF5 did not use */
    close(h->resv_fd);
  }
  H5Eset_auto2(H5E_DEFAULT, h->old_func, h->old_data);
  MPI_Op_free(&h->agree_op);
  MPI_Type_free(&h->agree_type);
  MPI_Comm_free(&h->comm);
  free(h);
  *hp = NULL;
  return rc;
}

int arcos_h5_set_chunking(arcos_h5_t *h, uint64_t chunk_rows, uint64_t chunk_bytes, int deflate,
                          int char_deflate) {
  if (char_deflate < 0)
    char_deflate = deflate;
  uint64_t sig = fnv1a(SIG_INIT, &chunk_rows, sizeof chunk_rows);
  sig = fnv1a(sig, &chunk_bytes, sizeof chunk_bytes);
  sig = fnv1a(sig, &deflate, sizeof deflate);
  sig = fnv1a(sig, &char_deflate, sizeof char_deflate);
  int rc = ARCOS_OK;
  if (deflate < 0 || deflate > 9 || char_deflate > 9 || (chunk_rows > 0 && chunk_bytes == 0)) {
    rc = ARCOS_EUSAGE;
    set_err(h, "chunking: deflate levels %d/%d must be 0..9 and chunk sizes > 0", deflate,
            char_deflate);
  }
  rc = agree(h, rc, sig, "arcos_h5_set_chunking");
  if (rc == ARCOS_OK) {
    h->chunk_rows = chunk_rows;
    h->chunk_bytes = chunk_bytes;
    h->deflate = chunk_rows > 0 ? deflate : 0;
    h->char_deflate = chunk_rows > 0 ? char_deflate : 0;
  }
  return rc;
}

int arcos_h5_group(arcos_h5_t *h, const char *path) {
  int rc = agree(h, reserve(h, 0, path), sig_str(SIG_INIT, path), "arcos_h5_group");
  if (rc != ARCOS_OK)
    return rc;
  hid_t g = H5Gcreate2(h->file, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0)
    rc = h5_fail(h, "H5Gcreate2", path);
  else if (H5Gclose(g) < 0)
    rc = h5_fail(h, "H5Gclose", path);
  return agree(h, rc, 0, "arcos_h5_group");
}

/* Memory and file types of a column type. The file types are little-endian standard
 * types, equal to the native ones on the machines we run on (no conversion cost). */
static int column_types(const arcos_h5_t *h, arcos_h5_type_t type, hid_t *mem, hid_t *file,
                        size_t *size) {
  switch (type) {
  case ARCOS_H5_U8:
    *mem = H5T_NATIVE_UINT8, *file = H5T_STD_U8LE, *size = 1;
    return ARCOS_OK;
  case ARCOS_H5_U32:
    *mem = H5T_NATIVE_UINT32, *file = H5T_STD_U32LE, *size = 4;
    return ARCOS_OK;
  case ARCOS_H5_U64:
    *mem = H5T_NATIVE_UINT64, *file = H5T_STD_U64LE, *size = 8;
    return ARCOS_OK;
  case ARCOS_H5_I64:
    *mem = H5T_NATIVE_INT64, *file = H5T_STD_I64LE, *size = 8;
    return ARCOS_OK;
  case ARCOS_H5_F64:
    *mem = H5T_NATIVE_DOUBLE, *file = H5T_IEEE_F64LE, *size = 8;
    return ARCOS_OK;
  case ARCOS_H5_CHAR:
    *mem = H5T_NATIVE_UCHAR, *file = H5T_NATIVE_UCHAR, *size = 1;
    return ARCOS_OK;
  case ARCOS_H5_SEVERITY:
    *mem = h->severity, *file = h->severity, *size = 1;
    return ARCOS_OK;
  }
  return ARCOS_EUSAGE;
}

/* One of this rank's blocks, remembered with its place in the caller's order so that
 * the blocks can be sorted by file offset. */
typedef struct {
  uint64_t off;
  uint64_t cnt;
  size_t idx; /* position in the caller's block order */
} block_t;

static int block_cmp(const void *a, const void *b) {
  const block_t *x = a, *y = b;
  return (x->off > y->off) - (x->off < y->off);
}

/* A copy of space selecting the union of runs [lo, hi) (sorted, disjoint). Each
 * H5S_SELECT_OR walks the whole selection built so far, so OR-ing n runs one by one
 * costs O(n^2) (10,000 runs: seconds); small groups are OR-ed and the groups merged
 * pairwise with H5Scombine_select, O(n log n) (10,000 runs: milliseconds). */
static hid_t select_runs(hid_t space, const block_t *run, size_t lo, size_t hi) {
  enum { LEAF = 64 };
  if (hi - lo <= LEAF) {
    hid_t s = H5Scopy(space);
    if (s < 0)
      return s;
    for (size_t i = lo; i < hi; i++) {
      hsize_t start = run[i].off, count = run[i].cnt;
      if (H5Sselect_hyperslab(s, i == lo ? H5S_SELECT_SET : H5S_SELECT_OR, &start, NULL, &count,
                              NULL) < 0) {
        H5Sclose(s);
        return -1;
      }
    }
    return s;
  }
  size_t mid = lo + (hi - lo) / 2;
  hid_t a = select_runs(space, run, lo, mid);
  if (a < 0)
    return a;
  hid_t b = select_runs(space, run, mid, hi);
  if (b < 0) {
    H5Sclose(a);
    return b;
  }
  hid_t c = H5Scombine_select(a, H5S_SELECT_OR, b);
  H5Sclose(b);
  H5Sclose(a);
  return c;
}

/* How write_column treats the dataset. */
enum {
  WRITE_WHOLE = 0, /* create it; the blocks of all ranks must cover it exactly */
  WRITE_INTO = 1,  /* it exists; write this round's blocks (coverage is the caller's) */
  CREATE_ONLY = 2, /* create it and write nothing yet */
};

/* This rank's blocks of a column, checked (inside the dataset, not overlapping) and
 * sorted by file offset into *blk; when the caller's order was not the file order, the
 * elements are copied once into file order (*sorted, freed by the caller), since HDF5
 * pairs memory and file elements in increasing file order. Callers that pass blocks in
 * ascending order (the usual case) avoid the copy. */
static int sort_blocks(arcos_h5_t *h, const char *path, uint64_t total, size_t nblocks,
                       const uint64_t *offsets, const uint64_t *counts, const void *buf,
                       size_t elem, block_t **blk_out, size_t *nblk_out, uint64_t *n_out,
                       unsigned char **sorted) {
  block_t *blk = NULL;
  size_t nblk = 0;
  uint64_t n = 0;
  if (nblocks > 0) {
    blk = malloc(nblocks * sizeof *blk);
    if (blk == NULL) {
      set_err(h, "%s: out of memory for %zu blocks", path, nblocks);
      return ARCOS_ENOMEM;
    }
  }
  *blk_out = blk;
  int in_order = 1;
  for (size_t i = 0; i < nblocks; i++) {
    if (counts[i] == 0)
      continue;
    if (offsets[i] > total || counts[i] > total - offsets[i]) {
      set_err(h,
              "%s: block %zu [%" PRIu64 ", +%" PRIu64 ") is outside the %" PRIu64
              " elements of the dataset",
              path, i, offsets[i], counts[i], total);
      return ARCOS_ERANGE;
    }
    if (nblk > 0 && offsets[i] < blk[nblk - 1].off)
      in_order = 0;
    blk[nblk++] = (block_t){offsets[i], counts[i], i};
    n += counts[i];
  }
  *nblk_out = nblk;
  *n_out = n;
  if (n > 0 && buf == NULL) {
    set_err(h, "%s: NULL buffer for %" PRIu64 " elements", path, n);
    return ARCOS_EUSAGE;
  }
  if (!in_order)
    qsort(blk, nblk, sizeof *blk, block_cmp);
  for (size_t i = 1; i < nblk; i++) {
    if (blk[i].off < blk[i - 1].off + blk[i - 1].cnt) {
      set_err(h, "%s: blocks at %" PRIu64 " and %" PRIu64 " overlap", path, blk[i - 1].off,
              blk[i].off);
      return ARCOS_EUSAGE;
    }
  }
  if (in_order)
    return ARCOS_OK;
  size_t *start = malloc((nblocks + 1) * sizeof *start); /* never malloc(0): may be NULL */
  *sorted = malloc(n > 0 ? (size_t)n * elem : 1);
  if (start == NULL || *sorted == NULL) {
    free(start);
    set_err(h, "%s: out of memory reordering %" PRIu64 " elements", path, n);
    return ARCOS_ENOMEM;
  }
  size_t pos = 0;
  for (size_t i = 0; i < nblocks; i++) {
    start[i] = pos;
    pos += (size_t)counts[i] * elem;
  }
  pos = 0;
  for (size_t i = 0; i < nblk; i++) {
    memcpy(*sorted + pos, (const unsigned char *)buf + start[blk[i].idx],
           (size_t)blk[i].cnt * elem);
    pos += (size_t)blk[i].cnt * elem;
  }
  free(start);
  return ARCOS_OK;
}

/* The creation properties of a column: no fill (the blocks cover it), and chunked +
 * compressed when arcos_h5_set_chunking asked for it (parallel HDF5 1.10 writes filtered
 * chunks collectively, each chunk assembled by one rank). */
static int column_dcpl(arcos_h5_t *h, const char *path, arcos_h5_type_t type, uint64_t total,
                       size_t elem, hid_t *dcpl_out) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  *dcpl_out = dcpl;
  if (dcpl < 0)
    return h5_fail(h, "H5Pcreate", path);
  if (H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0)
    return h5_fail(h, "H5Pset_fill_time", path);
  if (h->chunk_rows == 0 || total == 0)
    return ARCOS_OK;
  hsize_t chunk = type == ARCOS_H5_CHAR ? h->chunk_bytes : h->chunk_rows;
  if (chunk > total)
    chunk = total;
  if (H5Pset_chunk(dcpl, 1, &chunk) < 0)
    return h5_fail(h, "H5Pset_chunk", path);
  int level = type == ARCOS_H5_CHAR ? h->char_deflate : h->deflate;
  if (level <= 0)
    return ARCOS_OK;
  if (elem > 1 && H5Pset_shuffle(dcpl) < 0)
    return h5_fail(h, "H5Pset_shuffle", path);
  if (H5Pset_deflate(dcpl, (unsigned)level) < 0)
    return h5_fail(h, "H5Pset_deflate", path);
  return ARCOS_OK;
}

static int write_column(arcos_h5_t *h, const char *path, arcos_h5_type_t type, uint64_t total,
                        size_t nblocks, const uint64_t *offsets, const uint64_t *counts,
                        const void *buf, int mode) {
  int rc = ARCOS_OK;
  hid_t mem_type = H5I_INVALID_HID, file_type = H5I_INVALID_HID;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  hid_t dcpl = H5I_INVALID_HID, dxpl = H5I_INVALID_HID, dset = H5I_INVALID_HID;
  block_t *blk = NULL;
  unsigned char *sorted = NULL; /* this rank's elements in file order, when buf is not */
  size_t nblk = 0, elem = 0;
  uint64_t n = 0; /* elements this rank writes */
  const void *wbuf = buf;
  static const unsigned char no_data = 0; /* non-NULL buffer for an empty selection */

  uint64_t sig = sig_str(SIG_INIT, path);
  sig = fnv1a(sig, &type, sizeof type);
  sig = fnv1a(sig, &total, sizeof total);

  /* 1. Local: check and sort this rank's blocks, build the selections. */
  if (column_types(h, type, &mem_type, &file_type, &elem) != ARCOS_OK) {
    rc = ARCOS_EUSAGE;
    set_err(h, "%s: unknown column type %d", path, (int)type);
    goto agree_args;
  }
  rc = sort_blocks(h, path, total, nblocks, offsets, counts, buf, elem, &blk, &nblk, &n, &sorted);
  if (rc != ARCOS_OK)
    goto agree_args;
  if (sorted != NULL)
    wbuf = sorted;

  /* Adjacent blocks become one run: fewer hyperslabs to combine. */
  size_t nrun = 0;
  for (size_t i = 0; i < nblk; i++) {
    if (nrun > 0 && blk[i].off == blk[nrun - 1].off + blk[nrun - 1].cnt)
      blk[nrun - 1].cnt += blk[i].cnt;
    else
      blk[nrun++] = blk[i];
  }
  hsize_t dims = (hsize_t)total;
  H5_TRY(fspace = H5Screate_simple(1, &dims, NULL), "H5Screate_simple", path, agree_args);
  if (nrun == 0) {
    H5_TRY(H5Sselect_none(fspace), "H5Sselect_none", path, agree_args);
  } else {
    hid_t sel = select_runs(fspace, blk, 0, nrun);
    if (sel < 0) {
      rc = h5_fail(h, "H5Sselect_hyperslab", path);
      goto agree_args;
    }
    H5Sclose(fspace);
    fspace = sel;
  }
  hsize_t mdims = n > 0 ? (hsize_t)n : 1;
  H5_TRY(mspace = H5Screate_simple(1, &mdims, NULL), "H5Screate_simple", path, agree_args);
  if (n == 0)
    H5_TRY(H5Sselect_none(mspace), "H5Sselect_none", path, agree_args);
  if (wbuf == NULL)
    wbuf = &no_data;
  rc = column_dcpl(h, path, type, total, elem, &dcpl);
  if (rc != ARCOS_OK)
    goto agree_args;
  H5_TRY(dxpl = H5Pcreate(H5P_DATASET_XFER), "H5Pcreate", path, agree_args);
  H5_TRY(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio", path, agree_args);
  if (mode != WRITE_INTO) /* a column written into was reserved when it was created */
    rc = reserve(h, total * (uint64_t)elem, path);

  /* 2. Everyone is ready and called with the same path, type and total. */
agree_args:;
  int64_t written = 0;
  rc = agree_sum(h, rc, sig, (int64_t)n, &written, path);
  if (rc == ARCOS_OK && mode == WRITE_WHOLE && (uint64_t)written != total) {
    /* Rows no block covers would hold whatever the collective write's buffers held. */
    rc = ARCOS_EUSAGE;
    set_err(h, "%s: the blocks of all ranks hold %" PRId64 " elements, the dataset %" PRIu64, path,
            written, total);
  }
  if (rc != ARCOS_OK)
    goto cleanup;

  /* 3. Collective: create, agree, write. */
  if (mode == WRITE_INTO) {
    dset = H5Dopen2(h->file, path, H5P_DEFAULT);
    if (dset < 0)
      rc = h5_fail(h, "H5Dopen2", path);
  } else {
    dset = H5Dcreate2(h->file, path, file_type, fspace, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset < 0)
      rc = h5_fail(h, "H5Dcreate2", path);
  }
  rc = agree(h, rc, 0, path);
  if (rc != ARCOS_OK || total == 0 || mode == CREATE_ONLY)
    goto cleanup;
  if (H5Dwrite(dset, mem_type, mspace, fspace, dxpl, wbuf) < 0)
    rc = h5_fail(h, "H5Dwrite", path);

cleanup:
  if (dset >= 0 && H5Dclose(dset) < 0 && rc == ARCOS_OK)
    rc = h5_fail(h, "H5Dclose", path);
  if (dxpl >= 0)
    H5Pclose(dxpl);
  if (dcpl >= 0)
    H5Pclose(dcpl);
  if (mspace >= 0)
    H5Sclose(mspace);
  if (fspace >= 0)
    H5Sclose(fspace);
  free(sorted);
  free(blk);
  /* 4. Same answer everywhere (a no-op agreement when step 2 already failed). */
  return agree(h, rc, 0, path);
}

int arcos_h5_write_blocks(arcos_h5_t *h, const char *path, arcos_h5_type_t type, uint64_t total,
                          size_t nblocks, const uint64_t *offsets, const uint64_t *counts,
                          const void *buf) {
  return write_column(h, path, type, total, nblocks, offsets, counts, buf, WRITE_WHOLE);
}

int arcos_h5_create_column(arcos_h5_t *h, const char *path, arcos_h5_type_t type, uint64_t total) {
  return write_column(h, path, type, total, 0, NULL, NULL, NULL, CREATE_ONLY);
}

int arcos_h5_write_into(arcos_h5_t *h, const char *path, arcos_h5_type_t type, uint64_t total,
                        size_t nblocks, const uint64_t *offsets, const uint64_t *counts,
                        const void *buf) {
  return write_column(h, path, type, total, nblocks, offsets, counts, buf, WRITE_INTO);
}

static int string_names(arcos_h5_t *h, const char *path, char name[3][1024]) {
  static const char *const suffix[3] = {"_chars", "_offset", "_length"};
  for (int k = 0; k < 3; k++) {
    if ((size_t)snprintf(name[k], 1024, "%s%s", path, suffix[k]) >= 1024) {
      set_err(h, "string column path too long: %s", path);
      return ARCOS_EUSAGE;
    }
  }
  return ARCOS_OK;
}

static int string_layout_attr(arcos_h5_t *h, const char *path, const char *chars_name) {
  /* Self-description for readers that list datasets: where the rows are. */
  char layout[2200];
  const char *base = strrchr(path, '/');
  base = base != NULL ? base + 1 : path;
  snprintf(layout, sizeof layout, "offset=%s_offset length=%s_length", base, base);
  return arcos_h5_attr_string(h, chars_name, "arcos_string_column", layout);
}

int arcos_h5_create_strings(arcos_h5_t *h, const char *path, uint64_t rows, uint64_t bytes) {
  char name[3][1024];
  int rc = agree(h, string_names(h, path, name), 0, path);
  if (rc == ARCOS_OK)
    rc = arcos_h5_create_column(h, name[1], ARCOS_H5_U64, rows);
  if (rc == ARCOS_OK)
    rc = arcos_h5_create_column(h, name[2], ARCOS_H5_U32, rows);
  if (rc == ARCOS_OK)
    rc = arcos_h5_create_column(h, name[0], ARCOS_H5_CHAR, bytes);
  if (rc == ARCOS_OK)
    rc = string_layout_attr(h, path, name[0]);
  return rc;
}

int arcos_h5_write_strings_into(arcos_h5_t *h, const char *path, uint64_t rows, uint64_t bytes,
                                size_t nblocks, const uint64_t *offsets, const uint64_t *counts,
                                const uint64_t *byte_offsets, const char *const *strs,
                                const uint32_t *lens) {
  char name[3][1024];
  int rc = string_names(h, path, name);
  uint64_t nrows = 0, nbytes = 0;
  for (size_t i = 0; i < nblocks; i++)
    nrows += counts[i];
  for (uint64_t r = 0; r < nrows; r++)
    nbytes += lens[r];
  uint64_t *rowoff = malloc((nrows + 1) * sizeof *rowoff);
  uint64_t *bcnt = malloc((nblocks + 1) * sizeof *bcnt);
  unsigned char *chars = malloc(nbytes + 1);
  if (rowoff == NULL || bcnt == NULL || chars == NULL) {
    rc = ARCOS_ENOMEM;
    set_err(h, "%s: out of memory for %" PRIu64 " rows", path, nrows);
  }
  if (rc == ARCOS_OK) {
    size_t r = 0, pos = 0;
    for (size_t i = 0; i < nblocks; i++) {
      uint64_t start = byte_offsets[i];
      bcnt[i] = 0;
      for (uint64_t j = 0; j < counts[i]; j++, r++) {
        rowoff[r] = start;
        start += lens[r];
        bcnt[i] += lens[r];
        if (lens[r] > 0)
          memcpy(chars + pos, strs[r], lens[r]);
        pos += lens[r];
      }
    }
  }
  rc = agree(h, rc, 0, path);
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_into(h, name[1], ARCOS_H5_U64, rows, nblocks, offsets, counts, rowoff);
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_into(h, name[2], ARCOS_H5_U32, rows, nblocks, offsets, counts, lens);
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_into(h, name[0], ARCOS_H5_CHAR, bytes, nblocks, byte_offsets, bcnt, chars);
  free(rowoff);
  free(bcnt);
  free(chars);
  return rc;
}

/* One block of a string column as gathered from every rank: its first row and the
 * number of bytes of its rows. */
typedef struct {
  uint64_t row;
  uint64_t bytes;
} strblock_t;

static int strblock_cmp(const void *a, const void *b) {
  const strblock_t *x = a, *y = b;
  return (x->row > y->row) - (x->row < y->row);
}

/* This rank's rows of a string column, packed: its non-empty blocks (row offset, bytes)
 * for the gather, the bytes of each block, each row's length prefix sums, and the
 * bytes themselves back to back. */
typedef struct {
  strblock_t *mine; /* non-empty blocks */
  int nmine;
  uint64_t *boff, *bcnt; /* this rank's blocks in bytes */
  uint64_t *rowoff;      /* byte offset of each of this rank's rows */
  unsigned char *chars;  /* this rank's bytes, rows back to back */
} strpack_t;

static int pack_rows(arcos_h5_t *h, const char *path, size_t nblocks, const uint64_t *offsets,
                     const uint64_t *counts, uint64_t nrows, const char *const *strs,
                     const uint32_t *lens, strpack_t *pk) {
  uint64_t nbytes = 0;
  pk->mine = malloc((nblocks > 0 ? nblocks : 1) * sizeof *pk->mine);
  pk->boff = malloc((nblocks > 0 ? nblocks : 1) * sizeof *pk->boff);
  pk->bcnt = malloc((nblocks > 0 ? nblocks : 1) * sizeof *pk->bcnt);
  pk->rowoff = malloc((nrows > 0 ? nrows : 1) * sizeof *pk->rowoff);
  if (pk->mine == NULL || pk->boff == NULL || pk->bcnt == NULL || pk->rowoff == NULL) {
    set_err(h, "%s: out of memory for %" PRIu64 " rows", path, nrows);
    return ARCOS_ENOMEM;
  }
  /* Bytes per block; zero-byte blocks need no byte offset and are not gathered. */
  size_t r = 0;
  for (size_t i = 0; i < nblocks; i++) {
    uint64_t b = 0;
    for (uint64_t j = 0; j < counts[i]; j++)
      b += lens[r++];
    pk->bcnt[i] = b;
    nbytes += b;
    if (b > 0)
      pk->mine[pk->nmine++] = (strblock_t){offsets[i], b};
  }
  pk->chars = malloc(nbytes > 0 ? (size_t)nbytes : 1);
  if (pk->chars == NULL) {
    set_err(h, "%s: out of memory for %" PRIu64 " bytes", path, nbytes);
    return ARCOS_ENOMEM;
  }
  size_t pos = 0;
  for (size_t i = 0; i < (size_t)nrows; i++) {
    if (lens[i] > 0) /* an empty row's pointer may be NULL */
      memcpy(pk->chars + pos, strs[i], lens[i]);
    pos += lens[i];
  }
  return ARCOS_OK;
}

int arcos_h5_write_strings(arcos_h5_t *h, const char *path, uint64_t total, size_t nblocks,
                           const uint64_t *offsets, const uint64_t *counts, const char *const *strs,
                           const uint32_t *lens) {
  int rc = ARCOS_OK;
  char name[3][1024];
  strpack_t pk = {0};
  strblock_t *all = NULL;
  int *nall = NULL, *displs = NULL;
  uint64_t nrows = 0, total_bytes = 0;
  size_t nall_blocks = 0;

  rc = string_names(h, path, name);
  if (rc != ARCOS_OK)
    goto gather_counts;
  for (size_t i = 0; i < nblocks; i++)
    nrows += counts[i];
  if (nblocks > (size_t)INT32_MAX / 2) {
    rc = ARCOS_ERANGE;
    set_err(h, "%s: too many blocks (%zu)", path, nblocks);
    goto gather_counts;
  }
  rc = pack_rows(h, path, nblocks, offsets, counts, nrows, strs, lens, &pk);

gather_counts:
  if (rc != ARCOS_OK)
    pk.nmine = 0; /* still take part in the gather; the agreement below stops everyone */
  nall = malloc((size_t)h->size * sizeof *nall);
  displs = malloc((size_t)h->size * sizeof *displs);
  if (nall == NULL || displs == NULL) {
    /* Cannot take part in the gather at all; agree first so nobody enters it. */
    if (rc == ARCOS_OK) {
      rc = ARCOS_ENOMEM;
      set_err(h, "%s: out of memory", path);
    }
    rc = agree(h, rc, 0, path);
    goto cleanup;
  }
  rc = agree(h, rc, 0, path);
  if (rc != ARCOS_OK)
    goto cleanup;
  if (MPI_Allgather(&pk.nmine, 1, MPI_INT, nall, 1, MPI_INT, h->comm) != MPI_SUCCESS) {
    rc = ARCOS_EMPI;
    set_err(h, "%s: MPI_Allgather failed", path);
    goto cleanup;
  }
  /* Counts and displacements in uint64 units (two per block). */
  uint64_t sum = 0;
  for (int p = 0; p < h->size; p++) {
    sum += (uint64_t)nall[p];
    if (2 * sum > (uint64_t)INT32_MAX) {
      rc = ARCOS_ERANGE;
      set_err(h, "%s: too many string blocks over all ranks", path);
      break;
    }
    displs[p] = 2 * (int)(sum - (uint64_t)nall[p]);
    nall[p] *= 2;
  }
  nall_blocks = (size_t)sum;
  if (rc == ARCOS_OK) {
    all = malloc((nall_blocks > 0 ? nall_blocks : 1) * sizeof *all);
    if (all == NULL) {
      rc = ARCOS_ENOMEM;
      set_err(h, "%s: out of memory for %zu blocks", path, nall_blocks);
    }
  }
  rc = agree(h, rc, 0, path);
  if (rc != ARCOS_OK)
    goto cleanup;
  if (MPI_Allgatherv(pk.mine, 2 * pk.nmine, MPI_UINT64_T, all, nall, displs, MPI_UINT64_T,
                     h->comm) != MPI_SUCCESS) {
    rc = ARCOS_EMPI;
    set_err(h, "%s: MPI_Allgatherv failed", path);
    goto cleanup;
  }

  /* Global byte layout: blocks in row order, each starting where the bytes of all
   * blocks with smaller row offsets end. */
  /* agree() stopped every rank when any allocation above failed */
  // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker)
  qsort(all, nall_blocks, sizeof *all, strblock_cmp);
  for (size_t i = 0; i < nall_blocks; i++) {
    uint64_t b = all[i].bytes;
    all[i].bytes = total_bytes; /* now the block's first byte */
    total_bytes += b;
  }
  {
    size_t rr = 0;
    for (size_t i = 0; i < nblocks; i++) {
      uint64_t start = 0;
      // NOLINTNEXTLINE(clang-analyzer-core.NullDereference): agreed allocation, as above
      if (pk.bcnt[i] > 0) {
        strblock_t key = {offsets[i], 0};
        const strblock_t *f = bsearch(&key, all, nall_blocks, sizeof *all, strblock_cmp);
        start = f != NULL ? f->bytes : 0; /* always found: it was gathered */
      } else {
        /* Empty rows: offset of the first block at or after this row. */
        size_t lo = 0, hi = nall_blocks;
        while (lo < hi) {
          size_t mid = lo + (hi - lo) / 2;
          if (all[mid].row < offsets[i])
            lo = mid + 1;
          else
            hi = mid;
        }
        start = lo < nall_blocks ? all[lo].bytes : total_bytes;
      }
      pk.boff[i] = start;
      for (uint64_t j = 0; j < counts[i]; j++) {
        pk.rowoff[rr] = start;
        start += lens[rr++];
      }
    }
  }

  /* Each write agrees on its own result; stop at the first that fails everywhere. The
   * row-indexed datasets go first: they check the row blocks before any bytes land. */
  rc = arcos_h5_write_blocks(h, name[1], ARCOS_H5_U64, total, nblocks, offsets, counts, pk.rowoff);
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_blocks(h, name[2], ARCOS_H5_U32, total, nblocks, offsets, counts, lens);
  if (rc == ARCOS_OK)
    rc = arcos_h5_write_blocks(h, name[0], ARCOS_H5_CHAR, total_bytes, nblocks, pk.boff, pk.bcnt,
                               pk.chars);
  if (rc == ARCOS_OK)
    rc = string_layout_attr(h, path, name[0]);

cleanup:
  free(all);
  free(displs);
  free(nall);
  free(pk.chars);
  free(pk.rowoff);
  free(pk.bcnt);
  free(pk.boff);
  free(pk.mine);
  return rc; /* every path above ends in an agreement */
}

/* Write one scalar attribute; value/mem describe the value, ftype its file type. */
static int write_attr(arcos_h5_t *h, const char *obj, const char *name, hid_t ftype, hid_t mtype,
                      const void *value, size_t vsize) {
  int rc = ARCOS_OK;
  hid_t o = H5I_INVALID_HID, space = H5I_INVALID_HID, a = H5I_INVALID_HID;
  uint64_t sig = sig_str(sig_str(SIG_INIT, obj), name);
  sig = fnv1a(sig, value, vsize);
  rc = reserve(h, vsize, name);
  rc = agree(h, rc, sig, name);
  if (rc != ARCOS_OK)
    return rc;

  H5_TRY(o = H5Oopen(h->file, obj, H5P_DEFAULT), "H5Oopen", obj, cleanup);
  htri_t exists = H5Aexists(o, name);
  H5_TRY(exists, "H5Aexists", name, cleanup);
  if (exists > 0) /* a second write replaces the value */
    H5_TRY(H5Adelete(o, name), "H5Adelete", name, cleanup);
  H5_TRY(space = H5Screate(H5S_SCALAR), "H5Screate", name, cleanup);
  H5_TRY(a = H5Acreate2(o, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2", name,
         cleanup);
  H5_TRY(H5Awrite(a, mtype, value), "H5Awrite", name, cleanup);

cleanup:
  if (a >= 0 && H5Aclose(a) < 0 && rc == ARCOS_OK)
    rc = h5_fail(h, "H5Aclose", name);
  if (space >= 0)
    H5Sclose(space);
  if (o >= 0 && H5Oclose(o) < 0 && rc == ARCOS_OK)
    rc = h5_fail(h, "H5Oclose", obj);
  return agree(h, rc, 0, name);
}

int arcos_h5_attr_string(arcos_h5_t *h, const char *obj, const char *name, const char *value) {
  int rc = ARCOS_OK;
  hid_t t = H5I_INVALID_HID;
  size_t len = strlen(value);
  /* Fixed length, exactly the string plus its NUL: h5dump prints it as plain text. */
  H5_TRY(t = H5Tcopy(H5T_C_S1), "H5Tcopy", name, fail);
  H5_TRY(H5Tset_size(t, len + 1), "H5Tset_size", name, fail);
  H5_TRY(H5Tset_strpad(t, H5T_STR_NULLTERM), "H5Tset_strpad", name, fail);
  H5_TRY(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset", name, fail);
  rc = write_attr(h, obj, name, t, t, value, len + 1);
  H5Tclose(t);
  return rc;

fail:
  if (t >= 0)
    H5Tclose(t);
  /* Meets the other ranks in write_attr's first agreement, which then fails there too. */
  return agree(h, rc, 0, name);
}

int arcos_h5_attr_i64(arcos_h5_t *h, const char *obj, const char *name, int64_t value) {
  return write_attr(h, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, sizeof value);
}

int arcos_h5_attr_u64(arcos_h5_t *h, const char *obj, const char *name, uint64_t value) {
  return write_attr(h, obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value, sizeof value);
}

int arcos_h5_attr_f64(arcos_h5_t *h, const char *obj, const char *name, double value) {
  return write_attr(h, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, sizeof value);
}

/* ---- Reading: one rank on its own, serial driver, read only ---- */

#define H5R_MAX_DSETS 64

struct arcos_h5r {
  hid_t file;
  hid_t dapl; /* dataset access: a chunk cache large enough for a few chunks */
  struct {
    char *name;
    hid_t id;
    uint64_t len;
    /* Direct chunk reads (r_read_chunks) for 1-D datasets chunked with deflate only
     * and stored in the memory type asked for: fast is -1 before the first read, then
     * 1 (with the type it was checked against) or 0. */
    int fast;
    int shuffle; /* the chunks are byte-shuffled before deflate (H5Pset_shuffle) */
    int plain;   /* no filters: chunks are stored as they are read */
    hid_t fast_mem;
    uint64_t chunk;      /* elements per chunk */
    size_t esize;        /* bytes per element */
    unsigned char *cbuf; /* the last chunk read, inflated */
    int64_t cidx;        /* its index, or -1 */
  } dset[H5R_MAX_DSETS];
  int ndset;
  unsigned char *zbuf; /* a compressed chunk as stored */
  size_t zcap;
  unsigned char *sbuf; /* an inflated chunk still byte-shuffled */
  size_t scap;
  H5E_auto2_t old_func;
  void *old_data;
  char err[512];
};

static void r_err(arcos_h5r_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void r_err(arcos_h5r_t *h, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h->err, sizeof h->err, fmt, ap);
  va_end(ap);
}

const char *arcos_h5r_errmsg(const arcos_h5r_t *h) { return h != NULL ? h->err : ""; }

int arcos_h5r_open_msg(const char *path, arcos_h5r_t **out, char *errbuf, size_t errlen) {
  *out = NULL;
  arcos_h5r_t *h = calloc(1, sizeof *h);
  if (h == NULL)
    return ARCOS_ENOMEM;
  h->dapl = H5I_INVALID_HID;
  H5Eget_auto2(H5E_DEFAULT, &h->old_func, &h->old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int rc = ARCOS_OK;
  htri_t is = H5Fis_hdf5(path);
  if (is <= 0) {
    r_err(h, "not an HDF5 file (or unreadable)");
    rc = ARCOS_EINVALID;
  } else if ((h->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    r_err(h, "cannot open the HDF5 file");
    rc = ARCOS_EIO;
  } else if ((h->dapl = H5Pcreate(H5P_DATASET_ACCESS)) < 0 ||
             H5Pset_chunk_cache(h->dapl, 521, (size_t)4 << 20, 0.75) < 0) {
    r_err(h, "H5Pset_chunk_cache failed");
    rc = ARCOS_EHDF5;
  }
  if (rc != ARCOS_OK) {
    if (errbuf != NULL && errlen > 0)
      snprintf(errbuf, errlen, "%s", h->err);
    if (is > 0 && h->file >= 0)
      H5Fclose(h->file);
    if (h->dapl >= 0)
      H5Pclose(h->dapl);
    H5Eset_auto2(H5E_DEFAULT, h->old_func, h->old_data);
    free(h);
    return rc;
  }
  *out = h;
  return ARCOS_OK;
}

int arcos_h5r_open(const char *path, arcos_h5r_t **out) {
  return arcos_h5r_open_msg(path, out, NULL, 0);
}

void arcos_h5r_close(arcos_h5r_t **hp) {
  if (hp == NULL || *hp == NULL)
    return;
  arcos_h5r_t *h = *hp;
  for (int i = 0; i < h->ndset; i++) {
    H5Dclose(h->dset[i].id);
    free(h->dset[i].name);
    free(h->dset[i].cbuf);
  }
  free(h->zbuf);
  free(h->sbuf);
  H5Pclose(h->dapl);
  H5Fclose(h->file);
  H5Eset_auto2(H5E_DEFAULT, h->old_func, h->old_data);
  free(h);
  *hp = NULL;
}

/* The open dataset `path` (opened and remembered on first use), or -1. */
static int r_dset(arcos_h5r_t *h, const char *path, int *slot) {
  for (int i = 0; i < h->ndset; i++)
    if (strcmp(h->dset[i].name, path) == 0) {
      *slot = i;
      return ARCOS_OK;
    }
  htri_t ex = H5Lexists(h->file, path, H5P_DEFAULT);
  if (ex <= 0) {
    /* H5Lexists fails when a parent group is missing: the same answer. */
    r_err(h, "dataset %s is missing", path);
    return ARCOS_ENOENT;
  }
  hid_t d = H5Dopen2(h->file, path, h->dapl);
  if (d < 0) {
    r_err(h, "%s is not a dataset", path);
    return ARCOS_EINVALID;
  }
  hid_t sp = H5Dget_space(d);
  hsize_t dims[2] = {0, 0};
  int nd = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
  if (sp >= 0)
    H5Sclose(sp);
  if (nd != 1) {
    H5Dclose(d);
    r_err(h, "%s is not a 1-D dataset", path);
    return ARCOS_EINVALID;
  }
  /* Every element must be stored: our writer allocates every chunk and writes every
   * element (no fill values). A damaged file can declare fewer stored bytes than its
   * shape needs (compact or contiguous) or leave chunks unallocated, and HDF5 1.10
   * then reads past its own buffers while filling (found by fuzz/fuzz_archive;
   * regression: tests/data/bad/archive-unallocated-chunk). Refuse such a dataset. */
  hid_t dcpl = H5Dget_create_plist(d);
  H5D_layout_t layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
  hsize_t chunk = 0;
  if (layout == H5D_CHUNKED && H5Pget_chunk(dcpl, 1, &chunk) != 1)
    chunk = 0;
  int nfilters = layout == H5D_CHUNKED ? H5Pget_nfilters(dcpl) : 0;
  if (dcpl >= 0)
    H5Pclose(dcpl);
  hid_t ftype = H5Dget_type(d);
  size_t esize = ftype >= 0 ? H5Tget_size(ftype) : 0;
  if (ftype >= 0)
    H5Tclose(ftype);
  bool stored = esize > 0;
  if (stored && (layout == H5D_COMPACT || layout == H5D_CONTIGUOUS))
    stored = H5Dget_storage_size(d) / esize >= dims[0];
  else if (stored && layout == H5D_CHUNKED && dims[0] > 0) {
    hsize_t nchunks = 0;
    hid_t space = H5Dget_space(d); /* HDF5 1.10 refuses H5S_ALL here */
    stored = chunk > 0 && chunk <= dims[0] && chunk <= ((hsize_t)1 << 40) / esize &&
             nfilters >= 0 && space >= 0 && H5Dget_num_chunks(d, space, &nchunks) >= 0 &&
             nchunks == (dims[0] - 1) / chunk + 1;
    if (space >= 0)
      H5Sclose(space);
    /* Unfiltered chunks are stored whole (edge chunks too). Filtered (deflated) ones
     * take at least a byte and, on average, at most about what they hold: a damaged
     * chunk size made HDF5 allocate 4 GiB to read one chunk (fuzz_archive;
     * tests/data/bad/archive-chunk-size). Our writer never makes a chunk longer than
     * its dataset. */
    hsize_t bytes = H5Dget_storage_size(d);
    if (stored && nfilters == 0)
      stored = bytes / esize / chunk == nchunks && bytes % (esize * chunk) == 0;
    else if (stored)
      stored = bytes >= nchunks && bytes / nchunks <= 2 * chunk * esize + 1024;
  } else if (layout != H5D_CHUNKED)
    stored = false;
  if (!stored) {
    H5Dclose(d);
    r_err(h, "%s: its stored data does not match its %" PRIu64 " elements (damaged file?)", path,
          (uint64_t)dims[0]);
    return ARCOS_EINVALID;
  }
  if (h->ndset == H5R_MAX_DSETS) { /* forget the oldest */
    H5Dclose(h->dset[0].id);
    free(h->dset[0].name);
    free(h->dset[0].cbuf);
    memmove(&h->dset[0], &h->dset[1], (size_t)(H5R_MAX_DSETS - 1) * sizeof h->dset[0]);
    h->ndset--;
  }
  char *name = strdup(path);
  if (name == NULL) {
    H5Dclose(d);
    return ARCOS_ENOMEM;
  }
  h->dset[h->ndset].name = name;
  h->dset[h->ndset].id = d;
  h->dset[h->ndset].len = (uint64_t)dims[0];
  h->dset[h->ndset].fast = -1;
  h->dset[h->ndset].cbuf = NULL;
  h->dset[h->ndset].cidx = -1;
  *slot = h->ndset++;
  return ARCOS_OK;
}

int arcos_h5r_check_integer(arcos_h5r_t *h, const char *path, size_t max_bytes) {
  int slot = 0;
  int rc = r_dset(h, path, &slot);
  if (rc != ARCOS_OK)
    return rc;
  hid_t t = H5Dget_type(h->dset[slot].id);
  H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
  size_t bytes = t >= 0 ? H5Tget_size(t) : 0;
  if (t >= 0)
    H5Tclose(t);
  if (cls != H5T_INTEGER) {
    const char *what = cls == H5T_FLOAT      ? "floating-point numbers"
                       : cls == H5T_STRING   ? "strings"
                       : cls == H5T_COMPOUND ? "compound records"
                                             : "no integers";
    r_err(h, "%s holds %s, expected integers", path, what);
    return ARCOS_EINVALID;
  }
  if (bytes == 0 || bytes > max_bytes) {
    r_err(h, "%s holds %zu-byte integers, expected at most %zu bytes", path, bytes, max_bytes);
    return ARCOS_EINVALID;
  }
  return ARCOS_OK;
}

int arcos_h5r_length(arcos_h5r_t *h, const char *path, uint64_t *n) {
  int slot = 0;
  int rc = r_dset(h, path, &slot);
  if (rc == ARCOS_OK)
    *n = h->dset[slot].len;
  return rc;
}

/* Whether dataset `slot` can be read chunk by chunk, bypassing HDF5's filter pipeline
 * (docs/performance.md, "What was tuned"): chunked, with no filters, deflate alone or
 * shuffle then deflate (what arcos_h5 writes), and the file type equal to the memory
 * type. Anything else goes through H5Dread. */
static int r_fast_init(arcos_h5r_t *h, int slot, hid_t mem) {
  hid_t d = h->dset[slot].id, dcpl = H5Dget_create_plist(d), ft = H5Dget_type(d);
  hsize_t cdim = 0;
  unsigned flags = 0, cd[8];
  size_t ncd = 8;
  int nf = dcpl >= 0 ? H5Pget_nfilters(dcpl) : -1;
  int ok = dcpl >= 0 && ft >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED &&
           H5Pget_chunk(dcpl, 1, &cdim) == 1 && cdim > 0 && nf >= 0 && nf <= 2 &&
           (nf == 0 || H5Pget_filter2(dcpl, (unsigned)nf - 1, &flags, &ncd, cd, 0, NULL, NULL) ==
                           H5Z_FILTER_DEFLATE) &&
           H5Tequal(ft, mem) > 0;
  ncd = 8;
  if (ok && nf == 2)
    ok = H5Pget_filter2(dcpl, 0, &flags, &ncd, cd, 0, NULL, NULL) == H5Z_FILTER_SHUFFLE;
  h->dset[slot].shuffle = nf == 2;
  h->dset[slot].plain = nf == 0;
  size_t es = ok ? H5Tget_size(ft) : 0;
  if (ok && (es == 0 || cdim > ((uint64_t)64 << 20) / es))
    ok = 0;
  if (dcpl >= 0)
    H5Pclose(dcpl);
  if (ft >= 0)
    H5Tclose(ft);
  h->dset[slot].fast = ok;
  h->dset[slot].fast_mem = mem;
  h->dset[slot].chunk = ok ? (uint64_t)cdim : 0;
  h->dset[slot].esize = es;
  return ok;
}

/* Undo HDF5's shuffle filter on a whole chunk of n elements of es bytes: byte b of
 * element i was stored at b * n + i. 8- and 4-byte elements (every numeric column) are
 * assembled in a register and stored whole on little-endian machines. */
static void r_unshuffle(unsigned char *dst, const unsigned char *src, size_t n, size_t es) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (es == 8) {
    for (size_t i = 0; i < n; i++) {
      uint64_t v = 0;
      for (size_t b = 0; b < 8; b++)
        v |= (uint64_t)src[b * n + i] << (8 * b);
      memcpy(dst + 8 * i, &v, 8);
    }
    return;
  }
  if (es == 4) {
    for (size_t i = 0; i < n; i++) {
      uint32_t v = (uint32_t)src[i] | (uint32_t)src[n + i] << 8 | (uint32_t)src[2 * n + i] << 16 |
                   (uint32_t)src[3 * n + i] << 24;
      memcpy(dst + 4 * i, &v, 4);
    }
    return;
  }
#endif
  for (size_t b = 0; b < es; b++)
    for (size_t i = 0; i < n; i++)
      dst[i * es + b] = src[b * n + i];
}

/* Chunk c of a fast dataset, read as stored (H5Dread_chunk) and inflated (zchunk.c,
 * with its Adler-32 checked) into `to`, which holds a whole chunk; unshuffled through
 * the handle's scratch buffer when shuffled. ARCOS_OK, ARCOS_EIO (corrupt),
 * ARCOS_ENOMEM, or 1: the chunk is not stored (fill values). */
static int r_decode_chunk(arcos_h5r_t *h, int slot, uint64_t c, unsigned char *to) {
  __typeof__(h->dset[0]) *s = &h->dset[slot];
  size_t bytes = (size_t)s->chunk * s->esize;
  hsize_t coff = (hsize_t)(c * s->chunk), csize = 0;
  uint32_t mask = 0;
  if (H5Dget_chunk_storage_size(s->id, &coff, &csize) < 0 || csize == 0)
    return 1;
  if (s->plain) /* stored whole (r_dset checked the sizes): read straight into `to` */
    return csize == bytes && H5Dread_chunk(s->id, H5P_DEFAULT, &coff, &mask, to) >= 0 ? ARCOS_OK
                                                                                      : ARCOS_EIO;
  if (csize > h->zcap) {
    unsigned char *z = realloc(h->zbuf, (size_t)csize);
    if (z == NULL)
      return ARCOS_ENOMEM;
    h->zbuf = z;
    h->zcap = (size_t)csize;
  }
  if (H5Dread_chunk(s->id, H5P_DEFAULT, &coff, &mask, h->zbuf) < 0)
    return ARCOS_EIO;
  /* Filter k skipped for this chunk: bit k of the mask (shuffle 0, deflate last). */
  unsigned dbit = s->shuffle ? 2u : 1u;
  bool unshuffle = s->shuffle && !(mask & 1u) && s->esize > 1;
  if (unshuffle && bytes > h->scap) {
    unsigned char *t = realloc(h->sbuf, bytes);
    if (t == NULL)
      return ARCOS_ENOMEM;
    h->sbuf = t;
    h->scap = bytes;
  }
  unsigned char *out = unshuffle ? h->sbuf : to;
  if (mask & dbit) { /* not deflated: stored as is */
    if (csize != bytes)
      return ARCOS_EIO;
    memcpy(out, h->zbuf, bytes);
  } else if (arcos_zchunk_inflate(h->zbuf, (size_t)csize, out, bytes) != 0) {
    return ARCOS_EIO;
  }
  if (unshuffle)
    r_unshuffle(to, h->sbuf, (size_t)s->chunk, s->esize);
  return ARCOS_OK;
}

/* Chunk c of a fast dataset in the slot's reused buffer, which keeps it for the next
 * call (which usually starts inside it): decoded unless it is there already. */
static int r_cached_chunk(arcos_h5r_t *h, int slot, uint64_t c) {
  __typeof__(h->dset[0]) *s = &h->dset[slot];
  if (s->cidx == (int64_t)c)
    return ARCOS_OK;
  if (s->cbuf == NULL && (s->cbuf = malloc((size_t)s->chunk * s->esize)) == NULL)
    return ARCOS_ENOMEM;
  s->cidx = -1;
  int rc = r_decode_chunk(h, slot, c, s->cbuf);
  if (rc == ARCOS_OK)
    s->cidx = (int64_t)c;
  return rc;
}

/* Elements [off, off + count) of a fast dataset. A chunk the range covers whole is
 * inflated straight into buf; a chunk it covers in part goes through the slot's reused
 * buffer (r_cached_chunk). Copying every chunk out of that buffer moved each byte of an
 * archive run's columns twice: the largest memcpy of the run (docs/performance.md).
 * ARCOS_OK, ARCOS_EIO (corrupt), ARCOS_ENOMEM, or 1: a chunk is not stored (fill
 * values), read this through H5Dread. */
static int r_read_chunks(arcos_h5r_t *h, int slot, uint64_t off, uint64_t count,
                         unsigned char *buf) {
  __typeof__(h->dset[0]) *s = &h->dset[slot];
  for (uint64_t c = off / s->chunk; c <= (off + count - 1) / s->chunk; c++) {
    uint64_t lo = c * s->chunk > off ? c * s->chunk : off;
    uint64_t hi = (c + 1) * s->chunk < off + count ? (c + 1) * s->chunk : off + count;
    bool whole = lo == c * s->chunk && hi - lo == s->chunk;
    int rc = s->cidx != (int64_t)c && whole
                 ? r_decode_chunk(h, slot, c, buf + (lo - off) * s->esize)
                 : r_cached_chunk(h, slot, c);
    if (rc != ARCOS_OK)
      return rc;
    if (s->cidx == (int64_t)c)
      memcpy(buf + (lo - off) * s->esize, s->cbuf + (lo - c * s->chunk) * s->esize,
             (size_t)(hi - lo) * s->esize);
  }
  return ARCOS_OK;
}

/* What a read of `path` needs: its slot, the memory type of `type`, the range checked,
 * and whether it is read chunk by chunk (r_fast_init). */
static int r_prepare(arcos_h5r_t *h, const char *path, arcos_h5_type_t type, uint64_t off,
                     uint64_t count, int *slot, hid_t *mem) {
  int rc = r_dset(h, path, slot);
  if (rc != ARCOS_OK)
    return rc;
  if (off > h->dset[*slot].len || count > h->dset[*slot].len - off) {
    r_err(h, "%s: elements [%" PRIu64 ", +%" PRIu64 ") are beyond its %" PRIu64 " elements", path,
          off, count, h->dset[*slot].len);
    return ARCOS_ERANGE;
  }
  switch (type) {
  case ARCOS_H5_U8:
  case ARCOS_H5_CHAR:
  case ARCOS_H5_SEVERITY:
    *mem = H5T_NATIVE_UINT8;
    break;
  case ARCOS_H5_U32:
    *mem = H5T_NATIVE_UINT32;
    break;
  case ARCOS_H5_U64:
    *mem = H5T_NATIVE_UINT64;
    break;
  case ARCOS_H5_I64:
    *mem = H5T_NATIVE_INT64;
    break;
  case ARCOS_H5_F64:
    *mem = H5T_NATIVE_DOUBLE;
    break;
  default:
    return ARCOS_EUSAGE;
  }
  if (h->dset[*slot].fast < 0 || (h->dset[*slot].fast == 1 && h->dset[*slot].fast_mem != *mem))
    r_fast_init(h, *slot, *mem);
  return ARCOS_OK;
}

static void r_read_failed(arcos_h5r_t *h, const char *path, uint64_t off, uint64_t count) {
  r_err(h, "%s: reading elements [%" PRIu64 ", +%" PRIu64 ") failed (corrupt or truncated file?)",
        path, off, count);
}

int arcos_h5r_read(arcos_h5r_t *h, const char *path, arcos_h5_type_t type, uint64_t off,
                   uint64_t count, void *buf) {
  int slot = 0;
  hid_t mem = H5I_INVALID_HID;
  int rc = r_prepare(h, path, type, off, count, &slot, &mem);
  if (rc != ARCOS_OK || count == 0)
    return rc;
  if (h->dset[slot].fast == 1) {
    rc = r_read_chunks(h, slot, off, count, buf);
    if (rc == ARCOS_EIO)
      r_read_failed(h, path, off, count);
    if (rc != 1)
      return rc;
    rc = ARCOS_OK;
  }
  hid_t d = h->dset[slot].id;
  hid_t fs = H5Dget_space(d);
  hsize_t start = off, cnt = count;
  hid_t ms = H5Screate_simple(1, &cnt, NULL);
  if (fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL) < 0 ||
      H5Dread(d, mem, ms, fs, H5P_DEFAULT, buf) < 0) {
    r_read_failed(h, path, off, count);
    rc = ARCOS_EIO;
  }
  if (ms >= 0)
    H5Sclose(ms);
  if (fs >= 0)
    H5Sclose(fs);
  return rc;
}

int arcos_h5r_view(arcos_h5r_t *h, const char *path, arcos_h5_type_t type, uint64_t off,
                   uint64_t count, const void **out) {
  *out = NULL;
  int slot = 0;
  hid_t mem = H5I_INVALID_HID;
  int rc = r_prepare(h, path, type, off, count, &slot, &mem);
  if (rc != ARCOS_OK)
    return rc;
  __typeof__(h->dset[0]) *s = &h->dset[slot];
  if (count == 0 || s->fast != 1 || off / s->chunk != (off + count - 1) / s->chunk)
    return 1;
  rc = r_cached_chunk(h, slot, off / s->chunk);
  if (rc == ARCOS_EIO)
    r_read_failed(h, path, off, count);
  if (rc == ARCOS_OK)
    *out = s->cbuf + (off % s->chunk) * s->esize;
  return rc;
}

static int r_attr(arcos_h5r_t *h, const char *obj, const char *name, hid_t *a) {
  htri_t ex = H5Aexists_by_name(h->file, obj, name, H5P_DEFAULT);
  if (ex <= 0) {
    r_err(h, "attribute %s of %s is missing", name, obj);
    return ARCOS_ENOENT;
  }
  *a = H5Aopen_by_name(h->file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  if (*a < 0) {
    r_err(h, "cannot open attribute %s of %s", name, obj);
    return ARCOS_EIO;
  }
  return ARCOS_OK;
}

int arcos_h5r_attr_string(arcos_h5r_t *h, const char *obj, const char *name, char **out) {
  *out = NULL;
  hid_t a = H5I_INVALID_HID;
  int rc = r_attr(h, obj, name, &a);
  if (rc != ARCOS_OK)
    return rc;
  hid_t t = H5Aget_type(a);
  if (t < 0 || H5Tget_class(t) != H5T_STRING || H5Tis_variable_str(t) != 0) {
    r_err(h, "attribute %s of %s is not a fixed-length string", name, obj);
    rc = ARCOS_EINVALID;
  } else {
    size_t n = H5Tget_size(t);
    char *s = calloc(n + 1, 1);
    if (s == NULL)
      rc = ARCOS_ENOMEM;
    else if (H5Aread(a, t, s) < 0) {
      free(s);
      r_err(h, "cannot read attribute %s of %s", name, obj);
      rc = ARCOS_EIO;
    } else
      *out = s;
  }
  if (t >= 0)
    H5Tclose(t);
  H5Aclose(a);
  return rc;
}

int arcos_h5r_attr_i64(arcos_h5r_t *h, const char *obj, const char *name, int64_t *out) {
  hid_t a = H5I_INVALID_HID;
  int rc = r_attr(h, obj, name, &a);
  if (rc != ARCOS_OK)
    return rc;
  hid_t t = H5Aget_type(a);
  if (t < 0 || H5Tget_class(t) != H5T_INTEGER || H5Aread(a, H5T_NATIVE_INT64, out) < 0) {
    r_err(h, "attribute %s of %s is not an integer", name, obj);
    rc = ARCOS_EINVALID;
  }
  if (t >= 0)
    H5Tclose(t);
  H5Aclose(a);
  return rc;
}
