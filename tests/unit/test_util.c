/* Buffers, arena, file reading and the error list. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/error.h"
#include "arcos/util.h"
#include "check.h"

int main(void) {
  arcos_buf_t b = {0};
  CHECK_INT_EQ(arcos_buf_append(&b, "abc", 3), 0);
  CHECK_INT_EQ(arcos_buf_putc(&b, 'd'), 0);
  CHECK_INT_EQ(arcos_buf_printf(&b, "-%d-%s", 42, "x"), 0);
  CHECK_STR_EQ(b.data, "abcd-42-x");
  CHECK_INT_EQ(b.len, 9);
  for (int i = 0; i < 100000; i++) /* growth keeps the contents */
    arcos_buf_putc(&b, (char)('a' + i % 26));
  CHECK_INT_EQ(b.len, 100009);
  CHECK(b.data[9] == 'a' && b.data[100008] == (char)('a' + 99999 % 26));
  CHECK(b.data[b.len] == '\0');
  size_t cap = b.cap;
  arcos_buf_reset(&b);
  CHECK_INT_EQ(b.len, 0);
  CHECK_INT_EQ(b.cap, cap); /* memory kept for reuse */
  arcos_buf_free(&b);
  CHECK(b.data == NULL && b.cap == 0);

  arcos_arena_t *a = arcos_arena_create();
  CHECK(a != NULL);
  char *s1 = arcos_arena_strndup(a, "hello world", 5);
  CHECK_STR_EQ(s1, "hello");
  void *big = arcos_arena_alloc(a, (size_t)3 << 20); /* larger than a block */
  CHECK(big != NULL && ((uintptr_t)big & 7) == 0);
  char *s2 = arcos_arena_strndup(a, "", 0);
  CHECK_STR_EQ(s2, "");
  CHECK_STR_EQ(s1, "hello"); /* earlier strings survive later blocks */
  CHECK(arcos_arena_bytes(a) >= ((size_t)3 << 20));
  arcos_arena_destroy(&a);
  CHECK(a == NULL);

  /* growable arrays: doubling from `first`, elements kept, no room past SIZE_MAX */
  uint64_t *arr = NULL;
  size_t acap = 0, an = 0;
  for (; an < 100; an++) {
    CHECK(arcos_array_grow(&arr, &acap, an, sizeof *arr, 4) == ARCOS_OK);
    arr[an] = an * 7;
  }
  CHECK(acap == 128 && arr[0] == 0 && arr[99] == 693);
  CHECK(arcos_array_grow(&arr, &acap, 500, sizeof *arr, 4) == ARCOS_OK && acap > 500);
  size_t huge = SIZE_MAX / 2;
  CHECK(arcos_array_grow(&arr, &huge, SIZE_MAX / 2, 16, 4) == ARCOS_ENOMEM);
  free(arr);

  char path[] = "/tmp/arcos-test-util-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  CHECK_INT_EQ(write(fd, "x\0y", 3), 3);
  close(fd);
  arcos_buf_t f = {0};
  CHECK_INT_EQ(arcos_read_file(path, &f), 0);
  CHECK_MEM_EQ(f.data, f.len, "x\0y", 3);
  arcos_buf_free(&f);
  unlink(path);
  CHECK_INT_EQ(arcos_read_file(path, &f), ARCOS_ENOENT);
  arcos_buf_free(&f);

  CHECK_STR_EQ(arcos_strerror(ARCOS_OK), "success");
  CHECK_STR_EQ(arcos_strerror(ARCOS_EPARSE), "not valid JSON");
  CHECK_STR_EQ(arcos_strerror(12345), "unknown error");
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_detail_set(&d, ARCOS_EIO, "in.jsonl", 7, "first %d", 1), ARCOS_EIO);
  arcos_detail_set(&d, ARCOS_EPARSE, "other", 9, "second");
  CHECK_INT_EQ(d.code, ARCOS_EIO); /* the first error wins */
  CHECK_STR_EQ(d.text, "first 1");
  CHECK_INT_EQ(d.line, 7);
  CHECK(arcos_now() > 0 && arcos_epoch_now() > 1700000000);
  return CHECK_DONE();
}
