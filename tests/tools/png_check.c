/* Test helper: is a PNG screenshot a rendered page rather than a blank one?
 *   png_check FILE.png [--min-colours N] [--min-ink F] [--expect RRGGBB]...
 * Decodes 8-bit RGB/RGBA non-interlaced PNGs (what Chromium writes) with zlib, counts
 * distinct colours and the share of pixels that differ from the top-left one, and
 * checks that each --expect colour covers at least 50 pixels. Prints the figures;
 * exit 0 when every check holds, 1 otherwise, 2 on a file it cannot read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c) {
  int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr,
            "usage: png_check FILE.png [--min-colours N] [--min-ink F] [--expect RRGGBB]...\n");
    return 2;
  }
  long min_colours = 8;
  double min_ink = 0.01;
  uint32_t expect[16];
  int nexpect = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--min-colours") == 0)
      min_colours = atol(argv[i + 1]);
    else if (strcmp(argv[i], "--min-ink") == 0)
      min_ink = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--expect") == 0 && nexpect < 16)
      expect[nexpect++] = (uint32_t)strtoul(argv[i + 1], NULL, 16);
  }
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) {
    perror(argv[1]);
    return 2;
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *file = malloc((size_t)size);
  if (file == NULL || fread(file, 1, (size_t)size, f) != (size_t)size) {
    fprintf(stderr, "png_check: cannot read %s\n", argv[1]);
    return 2;
  }
  fclose(f);
  static const unsigned char sig[8] = {137, 'P', 'N', 'G', 13, 10, 26, 10};
  if (size < 33 || memcmp(file, sig, 8) != 0) {
    fprintf(stderr, "png_check: %s is not a PNG\n", argv[1]);
    return 2;
  }
  uint32_t w = 0, h = 0;
  int depth = 0, ctype = 0, interlace = 0;
  unsigned char *idat = malloc((size_t)size);
  size_t nidat = 0;
  for (long off = 8; off + 12 <= size;) {
    uint32_t len = be32(file + off);
    const unsigned char *type = file + off + 4, *data = file + off + 8;
    if (off + 12 + (long)len > size)
      break;
    if (memcmp(type, "IHDR", 4) == 0) {
      w = be32(data);
      h = be32(data + 4);
      depth = data[8];
      ctype = data[9];
      interlace = data[12];
    } else if (memcmp(type, "IDAT", 4) == 0) {
      memcpy(idat + nidat, data, len);
      nidat += len;
    }
    off += 12 + (long)len;
  }
  int bpp = ctype == 6 ? 4 : ctype == 2 ? 3 : 0;
  if (depth != 8 || bpp == 0 || interlace != 0 || w == 0 || h == 0) {
    fprintf(stderr, "png_check: unsupported PNG (depth %d, colour type %d, interlace %d)\n", depth,
            ctype, interlace);
    return 2;
  }
  size_t stride = (size_t)w * (size_t)bpp;
  uLongf rawlen = (uLongf)((stride + 1) * h);
  unsigned char *raw = malloc(rawlen);
  if (raw == NULL || uncompress(raw, &rawlen, idat, (uLong)nidat) != Z_OK ||
      rawlen != (stride + 1) * h) {
    fprintf(stderr, "png_check: cannot inflate the image data\n");
    return 2;
  }
  unsigned char *img = calloc(stride * h, 1);
  for (uint32_t y = 0; y < h; y++) {
    const unsigned char *src = raw + y * (stride + 1) + 1;
    unsigned char *dst = img + y * stride, *up = y ? dst - stride : NULL;
    int filter = raw[y * (stride + 1)];
    for (size_t x = 0; x < stride; x++) {
      int a = x >= (size_t)bpp ? dst[x - bpp] : 0, b = up ? up[x] : 0,
          c = (up && x >= (size_t)bpp) ? up[x - bpp] : 0, v = src[x];
      switch (filter) {
      case 1:
        v += a;
        break;
      case 2:
        v += b;
        break;
      case 3:
        v += (a + b) / 2;
        break;
      case 4:
        v += paeth(a, b, c);
        break;
      default:
        break;
      }
      dst[x] = (unsigned char)v;
    }
  }
  /* distinct colours in an open-addressing set; count ink and expected colours */
  size_t cap = 1 << 20, ncol = 0, ink = 0;
  uint32_t *set = calloc(cap, sizeof *set);
  size_t hits[16] = {0};
  uint32_t bg = (uint32_t)img[0] << 16 | (uint32_t)img[1] << 8 | img[2];
  for (size_t i = 0; i < (size_t)w * h; i++) {
    const unsigned char *px = img + i * (size_t)bpp;
    uint32_t rgb = (uint32_t)px[0] << 16 | (uint32_t)px[1] << 8 | px[2];
    if (rgb != bg)
      ink++;
    for (int e = 0; e < nexpect; e++)
      hits[e] += rgb == expect[e];
    uint32_t key = rgb + 1;
    size_t slot = (key * 2654435761u) & (cap - 1);
    while (set[slot] != 0 && set[slot] != key)
      slot = (slot + 1) & (cap - 1);
    if (set[slot] == 0 && ncol < cap / 2) {
      set[slot] = key;
      ncol++;
    }
  }
  double share = (double)ink / ((double)w * h);
  printf("png_check: %s %ux%u, %zu distinct colours, %.1f%% ink on background #%06x\n", argv[1], w,
         h, ncol, 100.0 * share, bg);
  int bad = 0;
  if ((long)ncol < min_colours) {
    printf("png_check: FAIL fewer than %ld colours: blank page?\n", min_colours);
    bad = 1;
  }
  if (share < min_ink) {
    printf("png_check: FAIL under %.1f%% of the pixels differ from the background\n",
           100.0 * min_ink);
    bad = 1;
  }
  for (int e = 0; e < nexpect; e++) {
    printf("png_check: colour #%06x covers %zu pixels\n", expect[e], hits[e]);
    if (hits[e] < 50)
      bad = 1;
  }
  free(set);
  free(img);
  free(raw);
  free(idat);
  free(file);
  return bad;
}
