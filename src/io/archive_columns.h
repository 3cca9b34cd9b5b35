/* The /records columns of an HDF5 evidence archive (docs/formats.md, "HDF5 evidence
 * archives"): one table, defined in io/archive.c, that the writer (io/convert.c) and the
 * reader (io/archive.c) share, so the two cannot disagree on a name, type or order. */
#ifndef ARCOS_IO_ARCHIVE_COLUMNS_H
#define ARCOS_IO_ARCHIVE_COLUMNS_H

#include <stddef.h>

enum {
  C_INPUT,
  C_LINE,
  C_OFFSET,
  C_LENGTH,
  C_ERROR_KIND,
  C_ERROR_READER,
  C_ID,
  C_TYPE,
  C_SOURCE,
  C_TIMESTAMP,
  C_TIMESTAMP_VALID,
  C_DATA,
  C_DATA_MEANINGFUL,
  C_CHECKSUM,
  C_CHECKSUM_PRESENT,
  C_PROVENANCE_OBJECT,
  C_PROVENANCE_TOOL,
  C_RULE_VALUES,
  C_ERROR_MESSAGE,
  C_RAW,
  C_COUNT
};

#define T_STRING (-1)

typedef struct {
  const char *name;
  int type; /* arcos_h5_type_t, or T_STRING */
  size_t size;
} arcos_archive_col_t;

extern const arcos_archive_col_t arcos_archive_cols[C_COUNT];

#endif
