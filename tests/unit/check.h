/* Minimal assertion macros for unit tests: each failure prints both values, the
 * expression, file and line, and makes the test exit non-zero at the end. */
#ifndef ARCOS_TEST_CHECK_H
#define ARCOS_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    check_count++;                                                                                 \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                     \
      check_failures++;                                                                            \
    }                                                                                              \
  } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
  do {                                                                                             \
    long long va_ = (long long)(a), vb_ = (long long)(b);                                          \
    check_count++;                                                                                 \
    if (va_ != vb_) {                                                                              \
      fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, va_,   \
              vb_);                                                                                \
      check_failures++;                                                                            \
    }                                                                                              \
  } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
  do {                                                                                             \
    const char *sa_ = (a), *sb_ = (b);                                                             \
    check_count++;                                                                                 \
    if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0) {                                     \
      fprintf(stderr, "%s:%d: %s == %s failed:\n  got:      \"%s\"\n  expected: \"%s\"\n",         \
              __FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");             \
      check_failures++;                                                                            \
    }                                                                                              \
  } while (0)

#define CHECK_MEM_EQ(a, alen, b, blen)                                                             \
  do {                                                                                             \
    size_t la_ = (size_t)(alen), lb_ = (size_t)(blen);                                             \
    check_count++;                                                                                 \
    if (la_ != lb_ || memcmp((a), (b), la_) != 0) {                                                \
      fprintf(stderr, "%s:%d: %s == %s failed:\n  got:      \"%.*s\"\n  expected: \"%.*s\"\n",     \
              __FILE__, __LINE__, #a, #b, (int)la_, (const char *)(a), (int)lb_,                   \
              (const char *)(b));                                                                  \
      check_failures++;                                                                            \
    }                                                                                              \
  } while (0)

/* Return from main with this: prints a summary and fails on any failed check or on a
 * test that checked nothing. */
#define CHECK_DONE()                                                                               \
  (fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures),                         \
   (check_failures == 0 && check_count > 0) ? 0 : 1)

#endif
