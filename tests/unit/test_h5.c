/* Parallel HDF5 output module. An MPI program: on one rank it is a plain unit test,
 * under mpirun (tests/mpi/test_h5_ranks.sh) it writes the same file from N ranks.
 *
 * usage: test_h5 [OUTPUT.h5]   (without a path: a unique file under $ARCOS_TMP or /tmp,
 *                               removed at the end; with one: the file is kept)
 *
 * Every rank writes rows i with (i / 7) % size == rank (several blocks per rank, one
 * rank's blocks in reverse order, a zero-count block), then rank 0 re-opens the file
 * with the serial API and checks every value. Failures are summed over ranks, so every
 * rank exits with the same code. */
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/h5.h"
#include "check.h"

#define ROWS 3000     /* main table: 429 blocks of 7 rows (over 64 runs a rank) */
#define SMALL_ROWS 10 /* two blocks: ranks 2 and 3 have none at 3-4 ranks */
#define BLOCK 7
#define BIG_ATTR 100000 /* over HDF5's 64 KiB compact attribute limit */

static uint8_t val_u8(uint64_t i) { return (uint8_t)(i * 37u + 5u); }
static uint32_t val_u32(uint64_t i) { return (uint32_t)(i * 2654435761u); }
static uint64_t val_u64(uint64_t i) { return i * 0x9E3779B97F4A7C15ULL; }
static int64_t val_i64(uint64_t i) { return ((int64_t)i - 500) * 1000000007LL; }
static double val_f64(uint64_t i) { return (double)i * 0.1 - 3.0; }
static uint8_t val_sev(uint64_t i) { return (uint8_t)(i % 4); }

/* Row i's string: empty every 5th row, otherwise ASCII mixed with é (C3 A9), 0xFF and an
 * embedded NUL on some rows. Writes at most 32 bytes to out; returns the length. */
static uint32_t val_str(uint64_t i, unsigned char *out) {
  if (i % 5 == 0)
    return 0;
  uint32_t n = 0;
  n += (uint32_t)snprintf((char *)out, 32, "ev-%llu", (unsigned long long)i);
  if (i % 3 == 0) {
    out[n++] = 0xC3;
    out[n++] = 0xA9;
  }
  if (i % 7 == 1)
    out[n++] = 0xFF;
  if (i % 11 == 3) {
    out[n++] = 0x00;
    out[n++] = 'z';
  }
  for (uint64_t k = 0; k < i % 9; k++)
    out[n++] = (unsigned char)('a' + k);
  return n;
}

/* This rank's blocks of a table of `rows` rows. */
typedef struct {
  size_t n;
  uint64_t off[512];
  uint64_t cnt[512];
  uint64_t rows; /* sum of cnt */
} blocks_t;

static void make_blocks(blocks_t *b, uint64_t rows, int rank, int size) {
  memset(b, 0, sizeof *b);
  if (rank == 0) { /* ignored by the module whatever its offset */
    b->off[b->n] = 3;
    b->cnt[b->n++] = 0;
  }
  for (uint64_t k = 0; k * BLOCK < rows; k++) {
    if ((int)(k % (uint64_t)size) != rank)
      continue;
    uint64_t c = rows - k * BLOCK < BLOCK ? rows - k * BLOCK : BLOCK;
    b->off[b->n] = k * BLOCK;
    b->cnt[b->n++] = c;
    b->rows += c;
  }
  if (rank == size - 1) { /* out of order: the module must reorder, not misplace */
    for (size_t i = 0, j = b->n - 1; b->n > 0 && i < j; i++, j--) {
      uint64_t t = b->off[i];
      b->off[i] = b->off[j], b->off[j] = t;
      t = b->cnt[i];
      b->cnt[i] = b->cnt[j], b->cnt[j] = t;
    }
  }
}

/* The global row of this rank's r-th element, in block order. */
static uint64_t *row_index(const blocks_t *b) {
  uint64_t *idx = malloc((b->rows > 0 ? b->rows : 1) * sizeof *idx);
  size_t r = 0;
  for (size_t i = 0; i < b->n; i++)
    for (uint64_t j = 0; j < b->cnt[i]; j++)
      idx[r++] = b->off[i] + j;
  return idx;
}

static void write_numeric(arcos_h5_t *h, const blocks_t *b, const char *group, uint64_t rows) {
  uint64_t *idx = row_index(b);
  size_t n = (size_t)b->rows;
  uint8_t *u8 = malloc(n + 1), *sev = malloc(n + 1);
  uint32_t *u32 = malloc((n + 1) * 4);
  uint64_t *u64 = malloc((n + 1) * 8);
  int64_t *i64 = malloc((n + 1) * 8);
  double *f64 = malloc((n + 1) * 8);
  for (size_t r = 0; r < n; r++) {
    u8[r] = val_u8(idx[r]);
    u32[r] = val_u32(idx[r]);
    u64[r] = val_u64(idx[r]);
    i64[r] = val_i64(idx[r]);
    f64[r] = val_f64(idx[r]);
    sev[r] = val_sev(idx[r]);
  }
  char p[128];
  struct {
    const char *name;
    arcos_h5_type_t type;
    const void *buf;
  } cols[] = {{"u8", ARCOS_H5_U8, u8},    {"u32", ARCOS_H5_U32, u32},
              {"u64", ARCOS_H5_U64, u64}, {"i64", ARCOS_H5_I64, i64},
              {"f64", ARCOS_H5_F64, f64}, {"severity", ARCOS_H5_SEVERITY, sev}};
  for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
    snprintf(p, sizeof p, "%s/%s", group, cols[c].name);
    CHECK_INT_EQ(arcos_h5_write_blocks(h, p, cols[c].type, rows, b->n, b->off, b->cnt, cols[c].buf),
                 ARCOS_OK);
  }
  free(u8), free(sev), free(u32), free(u64), free(i64), free(f64), free(idx);
}

static void write_string_col(arcos_h5_t *h, const blocks_t *b, const char *path, uint64_t rows) {
  uint64_t *idx = row_index(b);
  size_t n = (size_t)b->rows;
  unsigned char *bytes = malloc(n * 32 + 1); /* one buffer for all rows */
  const char **strs = malloc((n + 1) * sizeof *strs);
  uint32_t *lens = malloc((n + 1) * sizeof *lens);
  for (size_t r = 0; r < n; r++) {
    lens[r] = val_str(idx[r], bytes + r * 32);
    strs[r] = (const char *)bytes + r * 32;
  }
  CHECK_INT_EQ(arcos_h5_write_strings(h, path, rows, b->n, b->off, b->cnt, strs, lens), ARCOS_OK);
  free(lens), free(strs), free(bytes), free(idx);
}

/* Calls that must fail with the same code on every rank, leaving the file usable. */
static void write_errors(arcos_h5_t *h, int rank, int size) {
  uint64_t one = 1, zero = 0, v[4] = {1, 2, 3, 4};
  if (rank == 0)
    fprintf(stderr, "test_h5: HDF5 error stacks below are expected (error cases)\n");
  CHECK_INT_EQ(arcos_h5_write_blocks(h, "/nope/x", ARCOS_H5_U64, 0, 0, NULL, NULL, NULL),
               ARCOS_EHDF5);
  CHECK(arcos_h5_errmsg(h)[0] != '\0');
  CHECK_INT_EQ(arcos_h5_write_blocks(h, "/evidence/u64", ARCOS_H5_U64, 0, 0, NULL, NULL, NULL),
               ARCOS_EHDF5);
  /* Only rank 0 is wrong; everyone must hear about it. */
  uint64_t off = rank == 0 ? SMALL_ROWS : 0;
  CHECK_INT_EQ(arcos_h5_write_blocks(h, "/bad_range", ARCOS_H5_U64, SMALL_ROWS, rank == 0 ? 1 : 0,
                                     &off, &one, v),
               ARCOS_ERANGE);
  uint64_t ooff[2] = {0, 2}, ocnt[2] = {3, 2};
  CHECK_INT_EQ(
      arcos_h5_write_blocks(h, "/bad_overlap", ARCOS_H5_U64, 8, rank == 0 ? 2 : 0, ooff, ocnt, v),
      ARCOS_EUSAGE);
  CHECK_INT_EQ(arcos_h5_write_blocks(h, "/bad_type", (arcos_h5_type_t)99, 0, 0, NULL, NULL, NULL),
               ARCOS_EUSAGE);
  /* Rows 2 and 3 of 4 are in nobody's block (under collective I/O they would hold
   * garbage, not zeros): refused everywhere. */
  uint64_t gap_off = 0, gap_cnt = 2;
  CHECK_INT_EQ(arcos_h5_write_blocks(h, "/bad_gap", ARCOS_H5_U64, 4, rank == 0 ? 1 : 0, &gap_off,
                                     &gap_cnt, v),
               ARCOS_EUSAGE);
  CHECK(strstr(arcos_h5_errmsg(h), "/nope/x") != NULL); /* the first error is kept */
  CHECK_INT_EQ(arcos_h5_group(h, "/nope/sub"), ARCOS_EHDF5);
  CHECK_INT_EQ(arcos_h5_attr_i64(h, "/nope", "x", 1), ARCOS_EHDF5);
  if (size > 1) {
    CHECK_INT_EQ(arcos_h5_write_blocks(h, "/bad_total", ARCOS_H5_U64, rank == 0 ? 5 : 6, 0, NULL,
                                       &zero, NULL),
                 ARCOS_EUSAGE);
    CHECK_INT_EQ(arcos_h5_attr_i64(h, "/", "differs", rank), ARCOS_EUSAGE);
  }
}

static void write_file(const char *path, int rank, int size) {
  arcos_h5_t *h = NULL;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  /* Rank 0 creates the file itself (a new file, never through a link): a directory
   * that does not exist is an I/O error that names the file. */
  CHECK_INT_EQ(arcos_h5_create(MPI_COMM_WORLD, "/nonexistent-dir/x.h5", &h, &d), ARCOS_EIO);
  CHECK(h == NULL);
  CHECK_INT_EQ(d.code, ARCOS_EIO);
  CHECK(d.text[0] != '\0');

  CHECK_INT_EQ(arcos_h5_create(MPI_COMM_WORLD, path, &h, NULL), ARCOS_OK);
  if (h == NULL)
    return;
  CHECK_INT_EQ(arcos_h5_group(h, "/evidence"), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_group(h, "/small"), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_group(h, "/empty"), ARCOS_OK);

  blocks_t b;
  make_blocks(&b, ROWS, rank, size);
  write_numeric(h, &b, "/evidence", ROWS);
  write_string_col(h, &b, "/evidence/path", ROWS);
  make_blocks(&b, SMALL_ROWS, rank, size);
  write_numeric(h, &b, "/small", SMALL_ROWS);
  write_string_col(h, &b, "/small/path", SMALL_ROWS);
  make_blocks(&b, 0, rank, size);
  write_numeric(h, &b, "/empty", 0);
  write_string_col(h, &b, "/empty/path", 0);

  write_errors(h, rank, size);

  char *big = malloc(BIG_ATTR + 1);
  for (size_t i = 0; i < BIG_ATTR; i++)
    big[i] = (char)('A' + i % 26);
  big[BIG_ATTR] = '\0';
  CHECK_INT_EQ(arcos_h5_attr_string(h, "/", "tool", "arcos-scale test"), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_attr_string(h, "/", "empty", ""), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_attr_string(h, "/", "big", big), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_attr_i64(h, "/", "i64", -1234567890123LL), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_attr_u64(h, "/", "u64", UINT64_MAX), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_attr_f64(h, "/", "f64", 0.1), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_attr_i64(h, "/", "version", 1), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_attr_i64(h, "/", "version", 2), ARCOS_OK); /* replaces */
  CHECK_INT_EQ(arcos_h5_attr_u64(h, "/evidence", "rows", ROWS), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_attr_string(h, "/evidence/u64", "unit", "count"), ARCOS_OK);
  CHECK_INT_EQ(arcos_h5_attr_f64(h, "/empty/u64", "nan", NAN), ARCOS_OK);
  free(big);
  /* Written after the errors: the file is still usable. */
  CHECK_INT_EQ(arcos_h5_write_blocks(h, "/after", ARCOS_H5_U8, 0, 0, NULL, NULL, NULL), ARCOS_OK);

  CHECK_INT_EQ(arcos_h5_close(&h), ARCOS_OK);
  CHECK(h == NULL);
  CHECK_INT_EQ(arcos_h5_close(&h), ARCOS_OK);
  /* Every file, group, dataset, attribute and committed type the module opened is closed
   * (HDF5 has no public count of open dataspaces or property lists). */
  CHECK_INT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
}

/* Serial read-back helpers (rank 0, after close). */
static void *read_col(hid_t f, const char *path, hid_t ftype, hid_t mtype, size_t elem,
                      uint64_t rows) {
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  CHECK(d >= 0);
  if (d < 0)
    return NULL;
  hid_t s = H5Dget_space(d), t = H5Dget_type(d);
  hsize_t dims = 99;
  CHECK_INT_EQ(H5Sget_simple_extent_ndims(s), 1);
  H5Sget_simple_extent_dims(s, &dims, NULL);
  CHECK_INT_EQ(dims, rows);
  if (ftype >= 0)
    CHECK(H5Tequal(t, ftype) > 0);
  void *buf = calloc((size_t)rows + 1, elem);
  if (rows > 0)
    CHECK(H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
  H5Tclose(t), H5Sclose(s), H5Dclose(d);
  return buf;
}

static void check_numeric(hid_t f, const char *group, uint64_t rows) {
  char p[128];
  snprintf(p, sizeof p, "%s/u8", group);
  uint8_t *u8 = read_col(f, p, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, rows);
  snprintf(p, sizeof p, "%s/u32", group);
  uint32_t *u32 = read_col(f, p, H5T_STD_U32LE, H5T_NATIVE_UINT32, 4, rows);
  snprintf(p, sizeof p, "%s/u64", group);
  uint64_t *u64 = read_col(f, p, H5T_STD_U64LE, H5T_NATIVE_UINT64, 8, rows);
  snprintf(p, sizeof p, "%s/i64", group);
  int64_t *i64 = read_col(f, p, H5T_STD_I64LE, H5T_NATIVE_INT64, 8, rows);
  snprintf(p, sizeof p, "%s/f64", group);
  double *f64 = read_col(f, p, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 8, rows);
  snprintf(p, sizeof p, "%s/severity", group);
  uint8_t *sev = read_col(f, p, -1, H5T_NATIVE_UINT8, 1, rows);
  if (!u8 || !u32 || !u64 || !i64 || !f64 || !sev)
    goto out;
  int bad = 0;
  for (uint64_t i = 0; i < rows; i++) {
    if (u8[i] != val_u8(i) || u32[i] != val_u32(i) || u64[i] != val_u64(i) ||
        i64[i] != val_i64(i) || f64[i] != val_f64(i) || sev[i] != val_sev(i)) {
      if (bad++ < 5)
        fprintf(stderr, "%s row %llu: wrong value\n", group, (unsigned long long)i);
    }
  }
  CHECK_INT_EQ(bad, 0);

  /* The severity column is an enum over uint8 with the four names. */
  hid_t d = H5Dopen2(f, p, H5P_DEFAULT), t = H5Dget_type(d);
  CHECK_INT_EQ(H5Tget_class(t), H5T_ENUM);
  CHECK_INT_EQ(H5Tget_size(t), 1);
  CHECK_INT_EQ(H5Tget_nmembers(t), 4);
  static const char *const names[] = {"none", "medium", "high", "critical"};
  for (uint8_t v = 0; v < 4; v++) {
    char name[32] = "";
    CHECK(H5Tenum_nameof(t, &v, name, sizeof name) >= 0);
    CHECK_STR_EQ(name, names[v]);
  }
  H5Tclose(t), H5Dclose(d);
out:
  free(u8), free(u32), free(u64), free(i64), free(f64), free(sev);
}

static void check_strings(hid_t f, const char *path, uint64_t rows) {
  char p[128];
  snprintf(p, sizeof p, "%s_offset", path);
  uint64_t *off = read_col(f, p, H5T_STD_U64LE, H5T_NATIVE_UINT64, 8, rows);
  snprintf(p, sizeof p, "%s_length", path);
  uint32_t *len = read_col(f, p, H5T_STD_U32LE, H5T_NATIVE_UINT32, 4, rows);
  uint64_t nbytes = 0;
  unsigned char expect[32];
  for (uint64_t i = 0; i < rows; i++)
    nbytes += val_str(i, expect);
  snprintf(p, sizeof p, "%s_chars", path);
  unsigned char *chars = read_col(f, p, H5T_NATIVE_UCHAR, H5T_NATIVE_UCHAR, 1, nbytes);
  if (!off || !len || !chars)
    goto out;
  int bad = 0;
  uint64_t pos = 0;
  for (uint64_t i = 0; i < rows; i++) {
    uint32_t n = val_str(i, expect);
    if (off[i] != pos || len[i] != n || memcmp(chars + pos, expect, n) != 0) {
      if (bad++ < 5)
        fprintf(stderr, "%s row %llu: offset %llu length %u, expected %llu %u\n", path,
                (unsigned long long)i, (unsigned long long)off[i], len[i], (unsigned long long)pos,
                n);
    }
    pos += n;
  }
  CHECK_INT_EQ(bad, 0);

  hid_t d = H5Dopen2(f, p, H5P_DEFAULT), a = H5Aopen(d, "arcos_string_column", H5P_DEFAULT);
  CHECK(a >= 0);
  hid_t t = H5Aget_type(a);
  char buf[256] = "";
  char want[256];
  const char *base = strrchr(path, '/') + 1;
  snprintf(want, sizeof want, "offset=%s_offset length=%s_length", base, base);
  CHECK_INT_EQ(H5Tget_size(t), strlen(want) + 1);
  CHECK(H5Aread(a, t, buf) >= 0);
  CHECK_STR_EQ(buf, want);
  H5Tclose(t), H5Aclose(a), H5Dclose(d);
out:
  free(off), free(len), free(chars);
}

static void check_attr_string(hid_t f, const char *obj, const char *name, const char *want) {
  hid_t o = H5Oopen(f, obj, H5P_DEFAULT), a = H5Aopen(o, name, H5P_DEFAULT);
  CHECK(a >= 0);
  hid_t t = H5Aget_type(a), s = H5Aget_space(a);
  CHECK_INT_EQ(H5Tget_class(t), H5T_STRING);
  CHECK(H5Tis_variable_str(t) == 0);
  CHECK_INT_EQ(H5Tget_size(t), strlen(want) + 1);
  CHECK_INT_EQ(H5Tget_strpad(t), H5T_STR_NULLTERM);
  CHECK_INT_EQ(H5Sget_simple_extent_type(s), H5S_SCALAR);
  char *buf = calloc(1, strlen(want) + 1);
  CHECK(H5Aread(a, t, buf) >= 0);
  CHECK_STR_EQ(buf, want);
  free(buf);
  H5Sclose(s), H5Tclose(t), H5Aclose(a), H5Oclose(o);
}

static void check_attr_num(hid_t f, const char *obj, const char *name, hid_t ftype, hid_t mtype,
                           void *out) {
  hid_t o = H5Oopen(f, obj, H5P_DEFAULT), a = H5Aopen(o, name, H5P_DEFAULT);
  CHECK(a >= 0);
  hid_t t = H5Aget_type(a);
  CHECK(H5Tequal(t, ftype) > 0);
  CHECK(H5Aread(a, mtype, out) >= 0);
  H5Tclose(t), H5Aclose(a), H5Oclose(o);
}

static void check_file(const char *path) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f < 0)
    return;
  check_numeric(f, "/evidence", ROWS);
  check_strings(f, "/evidence/path", ROWS);
  check_numeric(f, "/small", SMALL_ROWS);
  check_strings(f, "/small/path", SMALL_ROWS);
  check_numeric(f, "/empty", 0);
  check_strings(f, "/empty/path", 0);
  free(read_col(f, "/after", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, 0));
  static const char *const absent[] = {"/bad_range", "/bad_overlap", "/bad_type",
                                       "/bad_gap",   "/bad_total",   "/nope"};
  for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
    CHECK_INT_EQ(H5Lexists(f, absent[i], H5P_DEFAULT), 0);

  char *big = malloc(BIG_ATTR + 1);
  for (size_t i = 0; i < BIG_ATTR; i++)
    big[i] = (char)('A' + i % 26);
  big[BIG_ATTR] = '\0';
  check_attr_string(f, "/", "tool", "arcos-scale test");
  check_attr_string(f, "/", "empty", "");
  check_attr_string(f, "/", "big", big);
  check_attr_string(f, "/evidence/u64", "unit", "count");
  free(big);
  int64_t i64 = 0;
  uint64_t u64 = 0;
  double f64 = 0;
  check_attr_num(f, "/", "i64", H5T_STD_I64LE, H5T_NATIVE_INT64, &i64);
  CHECK_INT_EQ(i64, -1234567890123LL);
  check_attr_num(f, "/", "u64", H5T_STD_U64LE, H5T_NATIVE_UINT64, &u64);
  CHECK(u64 == UINT64_MAX);
  check_attr_num(f, "/", "f64", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &f64);
  CHECK(f64 == 0.1);
  check_attr_num(f, "/", "version", H5T_STD_I64LE, H5T_NATIVE_INT64, &i64);
  CHECK_INT_EQ(i64, 2);
  check_attr_num(f, "/evidence", "rows", H5T_STD_U64LE, H5T_NATIVE_UINT64, &u64);
  CHECK_INT_EQ(u64, ROWS);
  check_attr_num(f, "/empty/u64", "nan", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &f64);
  CHECK(isnan(f64));
  CHECK_INT_EQ(H5Aexists(f, "differs"), 0);
  CHECK_INT_EQ(H5Fclose(f), 0);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  char path[4096] = "";
  int keep = argc > 1;
  if (keep) {
    snprintf(path, sizeof path, "%s", argv[1]);
  } else if (rank == 0) {
    const char *dir = getenv("ARCOS_TMP");
    snprintf(path, sizeof path, "%s/arcos_test_h5_%ld.h5", dir != NULL ? dir : "/tmp",
             (long)getpid());
  }
  MPI_Bcast(path, sizeof path, MPI_CHAR, 0, MPI_COMM_WORLD);

  write_file(path, rank, size);
  if (rank == 0) {
    check_file(path);
    if (!keep)
      unlink(path);
  }

  int failures = 0;
  MPI_Allreduce(&check_failures, &failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0 && failures > 0)
    fprintf(stderr, "test_h5: %d failed checks over %d ranks\n", failures, size);
  check_failures = failures;
  int rc = CHECK_DONE();
  MPI_Finalize();
  return rc;
}
