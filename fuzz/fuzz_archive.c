/* HDF5 evidence archive reader (docs/formats.md "HDF5 evidence archives") on mutated
 * files: the input's bytes are written to a file that arcos_archive_probe checks; an
 * archive it accepts is read in full with arcos_archive_read_rows, and every row must
 * come back exactly once (as a record, or as an error record with a message), in row
 * order; one it refuses must say why. Seeds are small archives made by
 * `arcos-scale convert` (tests/fuzz/make_corpus.sh).
 *
 * The reader opens files with HDF5's default (serial) driver and needs no MPI: MPI is
 * not initialised (its progress threads allocate at random moments, which libFuzzer's
 * per-input leak check would blame on the input). Archives that declare more than
 * MAX_ROWS rows are probed but not read (reading is linear in the rows). */
#include <hdf5.h>
#include <string.h>

#include "arcos/archive.h"
#include "fuzz_common.h"

#define MAX_ROWS 4096

typedef struct {
  uint64_t rows, errors;
} count_t;

static int on_row(void *arg, const arcos_raw_t *r) {
  count_t *c = arg;
  FUZZ_CHECK(r->fields != NULL);
  if (r->fields->error_kind != 0)
    FUZZ_CHECK(r->fields->error_message != NULL);
  FUZZ_CHECK(r->fields->id_len == 0 || r->fields->id != NULL);
  FUZZ_CHECK(r->fields->data_len == 0 || r->fields->data != NULL);
  c->rows++;
  return 0;
}

static int on_error(void *arg, const arcos_raw_t *r, int code, const char *msg) {
  count_t *c = arg;
  (void)r;
  FUZZ_CHECK(code != 0 && msg != NULL && msg[0] != '\0');
  c->rows++;
  c->errors++;
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_file(".h5", data, size);
  arcos_archive_info_t info = {0};
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_archive_probe(path, &info, &d);
  if (rc != 0) {
    FUZZ_CHECK(d.text[0] != '\0');
    return 0;
  }
  uint64_t covered = 0;
  for (size_t i = 0; i < info.nsources; i++) {
    FUZZ_CHECK(info.sources[i].display != NULL);
    FUZZ_CHECK(info.sources[i].first_row == covered);
    covered += info.sources[i].rows;
  }
  FUZZ_CHECK(covered == info.records);
  if (info.records <= MAX_ROWS) {
    /* In two ranges, as two partitions would read it. */
    uint64_t mid = info.records / 2;
    count_t c = {0};
    arcos_read_stats_t st = {0};
    int r1 = arcos_archive_read_rows(path, 0, mid, on_row, on_error, &c, &st);
    int r2 = arcos_archive_read_rows(path, mid, info.records, on_row, on_error, &c, &st);
    (void)r1, (void)r2; /* damaged rows come back through on_error, counted below */
    FUZZ_CHECK(c.rows == info.records);
  }
  arcos_archive_info_free(&info);
  return 0;
}
