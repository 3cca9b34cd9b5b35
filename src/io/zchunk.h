/* Inflating deflate-compressed HDF5 chunks (src/zchunk.c). */
#ifndef ARCOS_ZCHUNK_H
#define ARCOS_ZCHUNK_H

#include <stddef.h>
#include <stdint.h>

/* Inflate the zlib stream src[0..n) into dst, which must come out exactly `want`
 * bytes with a matching Adler-32 trailer. 0, or -1 when the stream is corrupt,
 * truncated or of another size. */
int arcos_zchunk_inflate(const void *src, size_t n, void *dst, size_t want);

/* Adler-32 as zlib's adler32() computes it (start with adler = 1). */
uint32_t arcos_adler32(uint32_t adler, const void *data, size_t n);

#endif
