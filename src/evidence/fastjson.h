/* The per-record JSON reader (simdjson on-demand, one C++ translation unit behind
 * this C interface): reads one record's text the way Python's json.loads does (SPEC
 * §1 "What Python writes, we read") and, in one walk, gives the members ingestion
 * needs, the canonical text of `data` (Python's json.dumps(data, sort_keys=True)), the
 * facts the components test and the field values of the scoring rules' paths.
 *
 * The reader is the fast path: when it declines a text (not JSON, a top level that is
 * not an object, nesting deeper than it handles, a float literal beyond the double
 * range), the caller parses the text with jansson, which gives the exact error
 * message, or the result for the rare texts jansson reads and this reader does not.
 * Whatever it accepts, it reads exactly as Python would.
 *
 * Nothing is allocated per record: the padded input copy, the decoded strings, the
 * canonical text and the member-sort stack are buffers of the reader, reused; their
 * contents are valid until the next arcos_fastjson_parse() on the same reader. */
#ifndef ARCOS_FASTJSON_H
#define ARCOS_FASTJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/fieldval.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct arcos_fastjson arcos_fastjson_t;

/* The JSON type of a member as Python sees it; ABSENT when the member is missing. */
typedef enum {
  ARCOS_FJ_ABSENT = 0,
  ARCOS_FJ_NULL,
  ARCOS_FJ_BOOL,
  ARCOS_FJ_INT,   /* any size */
  ARCOS_FJ_FLOAT, /* NaN and +-Infinity included */
  ARCOS_FJ_STRING,
  ARCOS_FJ_ARRAY,
  ARCOS_FJ_OBJECT,
} arcos_fj_kind_t;

/* A string member (decoded: UTF-8, with a lone surrogate as its 3-byte generalised
 * UTF-8 form, and \u0000 as a NUL byte) or an integer (its decimal digits, "-0" as
 * "0"); other kinds have s = "" and len = 0. */
typedef struct {
  uint8_t kind; /* arcos_fj_kind_t */
  const char *s;
  size_t len;
} arcos_fj_member_t;

/* One record as read. A member repeated at the top level: the last one counts. */
typedef struct {
  arcos_fj_member_t id, type, source, timestamp, checksum;
  uint8_t data_kind; /* arcos_fj_kind_t; ABSENT when there is no `data` */
  bool data_meaningful;
  const char *canon; /* canonical text of `data` ("null" when absent), NUL-terminated */
  size_t canon_len;
  bool provenance_object; /* `provenance` is a non-empty object */
  bool provenance_tool;   /* ... with a "collector" or "tool" key */
  /* One value per path of arcos_fastjson_set_fieldpaths(), in its order. */
  const arcos_fieldval_t *vals;
  size_t nvals;
} arcos_fj_record_t;

arcos_fastjson_t *arcos_fastjson_create(void);
void arcos_fastjson_destroy(arcos_fastjson_t **fj);

/* The paths whose values every parse fills (copied). At most ARCOS_FJ_MAX_PATHS;
 * ARCOS_EINVALID for more or for an empty path or component; NULL or none: no values. */
#define ARCOS_FJ_MAX_PATHS 60
int arcos_fastjson_set_fieldpaths(arcos_fastjson_t *fj, const arcos_fieldpaths_t *paths);

/* Reads text[0..len). Returns ARCOS_OK with *out filled (the top level is an object),
 * ARCOS_EPARSE when the caller must use the jansson path (see above), or
 * ARCOS_ENOMEM. */
int arcos_fastjson_parse(arcos_fastjson_t *fj, const char *text, size_t len,
                         arcos_fj_record_t *out);

/* The graph's reader (SPEC §7: graphs as Python's json module writes them).
 *
 * arcos_fastjson_parse_object() reads one JSON object text as Python reads it and
 * gives, for each of names[0..nnames) (at most ARCOS_FJ_MAX_NAMES), its top-level
 * member (the last of a repeated name) in out[i], as arcos_fj_member_t above. The
 * member names[canon_member] (none when canon_member >= nnames) also gets its
 * canonical text (json.dumps(v, sort_keys=True)) in *canon ("" when absent). Returns
 * ARCOS_OK, ARCOS_EPARSE (not JSON, not an object, or a text the reader declines, as
 * arcos_fastjson_parse: the caller falls back to jansson) or ARCOS_ENOMEM. Strings,
 * digits and canon are valid until the next call on fj. */
#define ARCOS_FJ_MAX_NAMES 8
int arcos_fastjson_parse_object(arcos_fastjson_t *fj, const char *text, size_t len,
                                const char *const *names, size_t nnames, size_t canon_member,
                                arcos_fj_member_t *out, const char **canon, size_t *canon_len);
/* The canonical text of one JSON object or array text, and its kind; ARCOS_EPARSE for
 * a scalar or a text the reader declines. */
int arcos_fastjson_canonical(arcos_fastjson_t *fj, const char *text, size_t len, uint8_t *kind,
                             const char **canon, size_t *canon_len);
/* Decodes one JSON string token tok[0..len) (quotes included) into out (room for len
 * bytes), NUL-terminated, as arcos_fj_member_t strings are; false when it is not
 * exactly one valid string. */
bool arcos_fastjson_decode_string(const char *tok, size_t len, char *out, size_t *out_len);

/* Python repr() of a double through std::to_chars (the same text as
 * arcos_format_double); out has room for 32 bytes; returns the length. */
size_t arcos_fastjson_format_double(double d, char *out);

#ifdef __cplusplus
}
#endif

#endif
