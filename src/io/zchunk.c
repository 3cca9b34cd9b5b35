/* Inflating one deflate-compressed HDF5 chunk (a zlib stream: header, deflate data,
 * Adler-32 of the uncompressed bytes, as HDF5's deflate filter writes it) into a
 * buffer of the chunk's known size; the archive reader (h5.c, arcos_h5r_read) reads
 * chunks with H5Dread_chunk and calls this instead of HDF5's filter pipeline.
 *
 * Why (docs/performance.md, "What was tuned"): profiles of `run` over an HDF5 evidence
 * archive put zlib at ~40 % of the read time, and within it HDF5's filter spent
 *   - ~20 % of zlib's time in inflate's own Adler-32 (scalar), and
 *   - reallocations: HDF5 starts the output at the compressed size and doubles it
 *     (three reallocs and copies for a 7:1 chunk), each fresh block page-faulted in.
 * Here inflate runs raw (no check of its own) straight into the reader's reused chunk
 * buffer, and the Adler-32 of the output is computed with SSSE3 (32 bytes a step) when
 * the CPU has it and compared with the stream's trailer, so a corrupt chunk still
 * fails to read. With libdeflate (ARCOS_LIBDEFLATE, on by default; Debian
 * libdeflate-dev) the whole-buffer decompressor replaces zlib's streaming inflate for
 * these chunks of known size: 1.38x again in the archive read (docs/performance.md),
 * same checks. zlib stays for gzip streams and for writing. */
#include "io/zchunk.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#ifdef ARCOS_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ARCOS_HAVE_X86 1
#endif

enum { ADLER_BASE = 65521, ADLER_NMAX = 5552 };

static uint32_t adler32_scalar(uint32_t adler, const unsigned char *p, size_t n) {
  uint32_t s1 = adler & 0xffff, s2 = adler >> 16;
  while (n > 0) {
    size_t k = n < ADLER_NMAX ? n : ADLER_NMAX;
    n -= k;
    while (k--) {
      s1 += *p++;
      s2 += s1;
    }
    s1 %= ADLER_BASE;
    s2 %= ADLER_BASE;
  }
  return s1 | (s2 << 16);
}

#ifdef ARCOS_HAVE_X86
/* 32 bytes a step: s1 gains the byte sum (psadbw), s2 gains 32 * s1 per step (kept as
 * a running sum of s1 and shifted once per block) plus the bytes weighted 32..1
 * (pmaddubsw, pmaddwd). Blocks of at most NMAX bytes keep every 32-bit lane exact. */
__attribute__((target("ssse3"))) static uint32_t adler32_ssse3(uint32_t adler,
                                                               const unsigned char *p, size_t n) {
  uint32_t s1 = adler & 0xffff, s2 = adler >> 16;
  const __m128i zero = _mm_setzero_si128(), ones = _mm_set1_epi16(1);
  const __m128i tap1 = _mm_setr_epi8(32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18,
                                     17);
  const __m128i tap2 = _mm_setr_epi8(16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
  while (n >= 32) {
    size_t blocks = n / 32;
    if (blocks > ADLER_NMAX / 32)
      blocks = ADLER_NMAX / 32;
    n -= blocks * 32;
    __m128i vps = _mm_setr_epi32((int)(s1 * (uint32_t)blocks), 0, 0, 0);
    __m128i vs2 = _mm_setr_epi32((int)s2, 0, 0, 0);
    __m128i vs1 = zero;
    do {
      __m128i a = _mm_loadu_si128((const __m128i *)p);
      __m128i b = _mm_loadu_si128((const __m128i *)(p + 16));
      vps = _mm_add_epi32(vps, vs1);
      vs1 = _mm_add_epi32(vs1, _mm_add_epi32(_mm_sad_epu8(a, zero), _mm_sad_epu8(b, zero)));
      vs2 = _mm_add_epi32(vs2, _mm_madd_epi16(_mm_maddubs_epi16(a, tap1), ones));
      vs2 = _mm_add_epi32(vs2, _mm_madd_epi16(_mm_maddubs_epi16(b, tap2), ones));
      p += 32;
    } while (--blocks);
    vs2 = _mm_add_epi32(vs2, _mm_slli_epi32(vps, 5));
    uint32_t l1[4], l2[4];
    _mm_storeu_si128((__m128i *)l1, vs1);
    _mm_storeu_si128((__m128i *)l2, vs2);
    s1 = (s1 + l1[0] + l1[1] + l1[2] + l1[3]) % ADLER_BASE;
    s2 = (l2[0] + l2[1] + l2[2] + l2[3]) % ADLER_BASE;
  }
  return adler32_scalar(s1 | (s2 << 16), p, n);
}
#endif

uint32_t arcos_adler32(uint32_t adler, const void *data, size_t n) {
#ifdef ARCOS_HAVE_X86
  static int ssse3 = -1;
  if (ssse3 < 0)
    ssse3 = __builtin_cpu_supports("ssse3") ? 1 : 0;
  if (ssse3)
    return adler32_ssse3(adler, data, n);
#endif
  return adler32_scalar(adler, data, n);
}

#ifdef ARCOS_HAVE_LIBDEFLATE
/* libdeflate checks the zlib header and the Adler-32 trailer itself. One decompressor
 * per thread, made on first use and kept for the life of the process: a chunk read
 * then allocates nothing. */
int arcos_zchunk_inflate(const void *src, size_t n, void *dst, size_t want) {
  static _Thread_local struct libdeflate_decompressor *dec;
  if (dec == NULL && (dec = libdeflate_alloc_decompressor()) == NULL)
    return -1;
  size_t in_used = 0, out = 0;
  if (libdeflate_zlib_decompress_ex(dec, src, n, dst, want, &in_used, &out) != LIBDEFLATE_SUCCESS ||
      out != want)
    return -1;
  return 0;
}
#else
int arcos_zchunk_inflate(const void *src, size_t n, void *dst, size_t want) {
  const unsigned char *in = src;
  /* zlib header: deflate method, window <= 32 KiB, no preset dictionary, check bits. */
  if (n < 6 || (in[0] & 0x0f) != 8 || (in[0] >> 4) > 7 || (in[1] & 0x20) != 0 ||
      ((unsigned)in[0] << 8 | in[1]) % 31 != 0 || want > UINT32_MAX || n > UINT32_MAX)
    return -1;
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -15) != Z_OK)
    return -1;
  z.next_in = (Bytef *)in + 2;
  z.avail_in = (uInt)(n - 2);
  z.next_out = dst;
  z.avail_out = (uInt)want;
  int st = inflate(&z, Z_FINISH);
  size_t produced = z.total_out, left = z.avail_in;
  const unsigned char *t = z.next_in;
  inflateEnd(&z);
  if (st != Z_STREAM_END || produced != want || left < 4)
    return -1;
  uint32_t stored = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
  return arcos_adler32(1, dst, want) == stored ? 0 : -1;
}
#endif
