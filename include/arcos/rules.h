/* Scoring rules as data (SPEC §2 "Scoring rules"): a JSON array of rules that decide a
 * record's signal points from numbers and booleans at dot-separated paths inside its
 * `data`. Rules are parsed and validated once with jansson (off the hot path) and
 * compiled into flat arrays: the distinct paths (arcos_fieldpaths_t, which the readers
 * fill, see fieldval.h), and for each listed type its candidate rules in file order.
 * Evaluation per record allocates nothing. A compiled set is immutable and may be
 * shared by every evidence context of a rank. */
#ifndef ARCOS_RULES_H
#define ARCOS_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "arcos/error.h"
#include "arcos/fieldval.h"

typedef struct arcos_rules arcos_rules_t;

/* What a rule gives when no band matches and `otherwise` is absent, and what a bool
 * rule without bands gives for true. */
#define ARCOS_RULES_BOOL_TRUE_POINTS 10

/* The built-in set exactly as SPEC §2 lists it (static text, NUL-terminated). */
const char *arcos_rules_default_text(void);

/* Parse and validate text[0..len) as a rules file. source names it in messages and is
 * what arcos_rules_source() returns ("built-in" for the embedded set). Returns 0, or
 * ARCOS_ECONFIG with detail naming the rule's index (from 0) and the key, or
 * ARCOS_ENOMEM. */
int arcos_rules_parse(const char *text, size_t len, const char *source, arcos_rules_t **out,
                      arcos_detail_t *detail);
/* path == NULL: the built-in set. Otherwise the file at path (relative to the current
 * directory); an unreadable file is ARCOS_ECONFIG naming it. */
int arcos_rules_load(const char *path, arcos_rules_t **out, arcos_detail_t *detail);
void arcos_rules_destroy(arcos_rules_t **rules);

size_t arcos_rules_count(const arcos_rules_t *r);
/* "built-in" or the path the set was loaded from. */
const char *arcos_rules_source(const arcos_rules_t *r);
/* The canonical text (SPEC §1 canonical form of the parsed array) and its SHA-256 as
 * 64 lower-case hex digits. Both live as long as the set. */
const char *arcos_rules_canonical(const arcos_rules_t *r, size_t *len);
const char *arcos_rules_sha256(const arcos_rules_t *r);

/* report.json's "scoring_rules": {"source": ..., "sha256": ...} (new reference; NULL
 * when out of memory). r == NULL stands for the built-in set. */
json_t *arcos_rules_report_json(const arcos_rules_t *r);

/* The distinct paths the rules read, in first-use order (borrowed from the set). */
arcos_fieldpaths_t arcos_rules_paths(const arcos_rules_t *r);
/* The points of the first rule that applies to a record of this type whose path values
 * are vals[0..npaths), or -1 when no rule applies (the caller uses signal_unknown). */
int arcos_rules_eval(const arcos_rules_t *r, const char *type, size_t type_len,
                     const arcos_fieldval_t *vals);

/* The jansson-side reader: fills vals[0..npaths) from a parsed `data` (NULL when the
 * record has none; every value is then missing). jansson keeps the last of repeated
 * keys, as Python does. */
void arcos_rules_fill_json(const arcos_rules_t *r, const json_t *data, arcos_fieldval_t *vals);

#endif
