/* Direct chunk reads (src/io/zchunk.c, arcos_h5r_read): the SSSE3 Adler-32 equals zlib's
 * on any lengths, alignments and starting values (including the all-0xFF worst case of
 * the 32-bit lane bounds); a deflated dataset reads back equal through arcos_h5r_read,
 * across chunk boundaries, deflated alone or shuffled then deflated; a chunk with one byte flipped
 * fails to read (EIO) instead of giving wrong data; a stream of the wrong size or truncated is
 * refused; a chunked dataset stored without filters reads back equal; arcos_h5r_view hands out
 * the same elements as a read for a range inside one chunk, and refuses (1) one across chunks. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "arcos/error.h"
#include "arcos/h5.h"
#include "check.h"
#include "io/zchunk.h"

static uint64_t rng = 88172645463325252ull;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)rng;
}

static void test_adler(void) {
  size_t cap = (1u << 20) + 64;
  unsigned char *b = malloc(cap);
  CHECK(b != NULL);
  if (b == NULL)
    return;
  for (size_t i = 0; i < cap; i++)
    b[i] = (unsigned char)next();
  long wrong = 0;
  for (int t = 0; t < 3000; t++) {
    size_t off = next() % 64, n = t < 200 ? (size_t)t : next() % (t % 10 == 0 ? (1u << 20) : 20000);
    uint32_t start = t % 3 == 0 ? 1 : (next() % 65521) | ((next() % 65521) << 16);
    wrong += arcos_adler32(start, b + off, n) != (uint32_t)adler32(start, b + off, (uInt)n);
  }
  memset(b, 0xFF, cap);
  uint32_t worst = (65520u << 16) | 65520u;
  wrong += arcos_adler32(worst, b, cap) != (uint32_t)adler32(worst, b, (uInt)cap);
  wrong += arcos_adler32(1, b, 5552 * 3 + 31) != (uint32_t)adler32(1, b, 5552 * 3 + 31);
  CHECK_INT_EQ(wrong, 0);
  free(b);
}

enum { N = 300000, CHUNK = 65536 };

static int write_file(const char *path, const uint32_t *v) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims = N, chunk = CHUNK;
  hid_t s = H5Screate_simple(1, &dims, NULL), p = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(p, 1, &chunk);
  H5Pset_deflate(p, 6);
  hid_t d = H5Dcreate2(f, "v", H5T_NATIVE_UINT32, s, H5P_DEFAULT, p, H5P_DEFAULT);
  herr_t w = H5Dwrite(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  H5Dclose(d);
  H5Pclose(p);
  /* "s": the same values as 64-bit, shuffled then deflated (as arcos_h5 writes numbers) */
  uint64_t *v64 = malloc(N * sizeof *v64);
  for (int i = 0; v64 != NULL && i < N; i++)
    v64[i] = (uint64_t)v[i] * 0x10001u;
  p = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(p, 1, &chunk);
  H5Pset_shuffle(p);
  H5Pset_deflate(p, 6);
  hid_t d2 = H5Dcreate2(f, "s", H5T_STD_U64LE, s, H5P_DEFAULT, p, H5P_DEFAULT);
  if (v64 == NULL || d2 < 0 ||
      H5Dwrite(d2, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v64) < 0)
    w = -1;
  free(v64);
  H5Dclose(d2);
  /* "t": the 32-bit values shuffled then deflated (the 4-byte unshuffle) */
  hid_t d3 = H5Dcreate2(f, "t", H5T_STD_U32LE, s, H5P_DEFAULT, p, H5P_DEFAULT);
  if (d3 < 0 || H5Dwrite(d3, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
    w = -1;
  H5Dclose(d3);
  H5Pclose(p);
  /* "u": the 32-bit values chunked without filters (read straight into the caller's buffer) */
  p = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(p, 1, &chunk);
  hid_t d4 = H5Dcreate2(f, "u", H5T_NATIVE_UINT32, s, H5P_DEFAULT, p, H5P_DEFAULT);
  if (d4 < 0 || H5Dwrite(d4, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
    w = -1;
  H5Dclose(d4);
  H5Pclose(p);
  H5Sclose(s);
  H5Fclose(f);
  return f >= 0 && d >= 0 && w >= 0 ? 0 : -1;
}

/* 0 when read back equal (in slices that cross chunk boundaries), 1 when different,
 * -1 when a read failed. */
static int read_file(const char *path, const uint32_t *v, uint32_t *back) {
  arcos_h5r_t *h = NULL;
  if (arcos_h5r_open(path, &h) != ARCOS_OK)
    return -1;
  int rc = 0;
  for (uint64_t at = 0; at < N && rc == 0;) {
    uint64_t n = 1 + next() % 100000;
    if (n > N - at)
      n = N - at;
    if (arcos_h5r_read(h, "/v", ARCOS_H5_U32, at, n, back + at) != ARCOS_OK)
      rc = -1;
    at += n;
  }
  uint64_t *b64 = malloc(N * sizeof *b64);
  for (uint64_t at = 0; b64 != NULL && at < N && rc == 0;) {
    uint64_t n = 1 + next() % 100000;
    if (n > N - at)
      n = N - at;
    if (arcos_h5r_read(h, "/s", ARCOS_H5_U64, at, n, b64 + at) != ARCOS_OK)
      rc = -1;
    at += n;
  }
  for (int i = 0; b64 != NULL && rc == 0 && i < N; i++)
    if (b64[i] != (uint64_t)v[i] * 0x10001u)
      rc = 1;
  uint32_t *b32 = malloc(N * sizeof *b32);
  for (uint64_t at = 0; b32 != NULL && at < N && rc == 0;) {
    uint64_t n = 1 + next() % 100000;
    if (n > N - at)
      n = N - at;
    if (arcos_h5r_read(h, "/t", ARCOS_H5_U32, at, n, b32 + at) != ARCOS_OK)
      rc = -1;
    at += n;
  }
  if (b32 == NULL || (rc == 0 && memcmp(b32, v, N * sizeof *v) != 0))
    rc = b32 == NULL ? -1 : 1;
  if (b32 != NULL && rc == 0)
    rc = arcos_h5r_read(h, "/u", ARCOS_H5_U32, 0, N, b32) != ARCOS_OK ? -1
         : memcmp(b32, v, N * sizeof *v) != 0                         ? 1
                                                                      : 0;
  free(b32);
  if (b64 == NULL)
    rc = -1;
  free(b64);
  arcos_h5r_close(&h);
  if (rc != 0)
    return rc;
  return memcmp(v, back, N * sizeof *v) != 0;
}

/* Views of ranges inside one chunk equal the values, for each kind of dataset; a range
 * across two chunks is refused. 0, 1 (different) or -1 (failed). */
static int view_file(const char *path, const uint32_t *v) {
  arcos_h5r_t *h = NULL;
  if (arcos_h5r_open(path, &h) != ARCOS_OK)
    return -1;
  const char *names[3] = {"/v", "/t", "/u"};
  int rc = 0;
  for (int t = 0; t < 300 && rc == 0; t++) {
    uint64_t c = next() % ((N + CHUNK - 1) / CHUNK), lo = c * CHUNK + next() % CHUNK;
    uint64_t end = (c + 1) * CHUNK < N ? (c + 1) * CHUNK : N;
    if (lo >= end)
      continue;
    uint64_t n = 1 + next() % (end - lo);
    const void *p = NULL;
    if (arcos_h5r_view(h, names[t % 3], ARCOS_H5_U32, lo, n, &p) != ARCOS_OK || p == NULL)
      rc = -1;
    else if (memcmp(p, v + lo, n * sizeof *v) != 0)
      rc = 1;
  }
  const void *p = &rc;
  if (rc == 0 && (arcos_h5r_view(h, "/u", ARCOS_H5_U32, CHUNK - 1, 2, &p) != 1 || p != NULL))
    rc = 1;
  arcos_h5r_close(&h);
  return rc;
}

static void test_inflate_sizes(void) {
  unsigned char src[5000], z[6000], out[5001];
  for (size_t i = 0; i < sizeof src; i++)
    src[i] = (unsigned char)(i % 251);
  uLongf zn = sizeof z;
  CHECK(compress2(z, &zn, src, sizeof src, 6) == Z_OK);
  CHECK_INT_EQ(arcos_zchunk_inflate(z, zn, out, sizeof src), 0);
  CHECK(memcmp(out, src, sizeof src) == 0);
  CHECK_INT_EQ(arcos_zchunk_inflate(z, zn, out, sizeof src + 1), -1); /* wrong size */
  CHECK_INT_EQ(arcos_zchunk_inflate(z, zn, out, sizeof src - 1), -1);
  CHECK_INT_EQ(arcos_zchunk_inflate(z, zn - 3, out, sizeof src), -1); /* truncated trailer */
  z[zn - 1] ^= 1;
  CHECK_INT_EQ(arcos_zchunk_inflate(z, zn, out, sizeof src), -1); /* Adler-32 mismatch */
}

static void test_filter(void) {
  char path[] = "/tmp/arcos-deflate-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0)
    return;
  close(fd);
  uint32_t *v = malloc(N * sizeof *v), *back = malloc(N * sizeof *back);
  CHECK(v != NULL && back != NULL);
  for (int i = 0; v != NULL && i < N; i++)
    v[i] = (uint32_t)(i / 7 + (next() % 16)) * 40503u; /* every byte varies; compressible */
  if (v != NULL && back != NULL && write_file(path, v) == 0) {
    CHECK_INT_EQ(read_file(path, v, back), 0);
    CHECK_INT_EQ(view_file(path, v), 0);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* Flip one byte in the middle of the second chunk's compressed data. */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "v", H5P_DEFAULT);
    hid_t s = H5Dget_space(d);
    haddr_t addr = 0;
    hsize_t size = 0, offset = 0;
    unsigned mask = 0;
    herr_t ok = H5Dget_chunk_info(d, s, 1, &offset, &mask, &addr, &size);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
    CHECK(ok >= 0 && size > 100);
    FILE *fp = fopen(path, "r+b");
    CHECK(fp != NULL);
    if (fp != NULL && ok >= 0) {
      long at = (long)(addr + size / 2);
      fseek(fp, at, SEEK_SET);
      int c = fgetc(fp);
      fseek(fp, at, SEEK_SET);
      fputc(c ^ 0x10, fp);
      fclose(fp);
      CHECK_INT_EQ(read_file(path, v, back), -1);
    }
  } else {
    CHECK(0 && "writing the deflated dataset failed");
  }
  free(v);
  free(back);
  unlink(path);
}

int main(void) {
  test_adler();
  test_inflate_sizes();
  test_filter();
  return CHECK_DONE();
}
