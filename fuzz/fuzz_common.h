/* Shared helpers of the libFuzzer targets in fuzz/ (see fuzz/CMakeLists.txt and
 * docs/reliability.md "Fuzzing"). A failed property calls FUZZ_CHECK, which prints
 * what was expected and aborts, so libFuzzer records the input as a crash. */
#ifndef ARCOS_FUZZ_COMMON_H
#define ARCOS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);                  \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* A private scratch file for targets whose entry point takes a path: created once per
 * process (libFuzzer's -jobs/-fork workers are processes), rewritten for every input,
 * removed at exit. suffix selects the format by name (".jsonl", ".h5", ...). Returns
 * the path; aborts when the file cannot be written. */
const char *fuzz_write_file(const char *suffix, const uint8_t *data, size_t size);

#endif
